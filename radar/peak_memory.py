"""Peak resident memory and CPU seconds of a process tree while a block runs: the benchmarks' one sampler
(`radar bench pipeline` watches `radar run` and its children, `radar bench stories` watches itself)."""
from __future__ import annotations

import os
import threading


class TreeMemory:
    """Peak resident memory of a process and all its descendants (by default this process), sampled in a
    thread every ``interval`` seconds and once more when the block ends; with the CPU seconds of each kind
    of process.

    The sum of RSS counts a page shared by several processes once in each: Dask workers forked from one
    fork server share what it loaded (Kiwi's model, the extractors). ``peak_pss`` counts such a page in
    shares (proportional set size: what the tree really holds); reading it costs ~13 ms for a 0.6 GB
    process, so it is sampled every ``pss_every`` samples (and at the end)."""

    def __init__(self, pid: int | None = None, interval: float = 0.2, pss_every: int = 10):
        import psutil
        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self.peak_by_role: dict[str, int] = {}      # the most each kind of process held at any one sample
        self.peak_pss = 0
        self.pss_every = pss_every
        self._samples = 0
        self._cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds at its latest sample)
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.root.pid == os.getpid():    # a child has exited by now; this process has not
            self.sample()

    @property
    def mb(self) -> float:
        return round(self.peak / 2**20, 1)

    def sample(self) -> int:
        total, n = 0, 0
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except self._psutil.Error:
            return 0
        roles: dict[str, int] = {}
        pss, with_pss = 0, self._samples % self.pss_every == 0 or self._stop.is_set()
        self._samples += 1
        for p in procs:
            try:
                rss = p.memory_info().rss
                role = self._role(p)
                times = p.cpu_times()
            except self._psutil.Error:
                continue
            self._cpu[p.pid] = (role, times.user + times.system)
            if with_pss:
                try:
                    pss += getattr(p.memory_full_info(), "pss", rss)    # no PSS on this platform: RSS
                except self._psutil.Error:
                    pss += rss
            total += rss
            n += 1
            roles[role] = roles.get(role, 0) + rss
        for role, rss in roles.items():
            self.peak_by_role[role] = max(self.peak_by_role.get(role, 0), rss)
        if total > self.peak:
            self.peak, self.peak_processes = total, n
        self.peak_pss = max(self.peak_pss, pss)
        return total

    @property
    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds each kind of process used, as last sampled (a process's last interval is missed)."""
        out: dict[str, float] = {}
        for role, seconds in self._cpu.values():
            out[role] = out.get(role, 0.0) + seconds
        return out

    def _role(self, p) -> str:
        if p.pid == self.root.pid:
            return "flow"
        known = self._roles.get(p.pid)
        if known is not None:       # a process exiting reads with no command line: keep what it was
            return known
        cmd = " ".join(p.cmdline())
        if cmd:
            self._roles[p.pid] = self._role_of(cmd)
        return self._role_of(cmd)

    @staticmethod
    def _role_of(cmd: str) -> str:
        if "uvicorn" in cmd or "prefect.server" in cmd:
            return "prefect_server"
        if "spawn_main" in cmd or "multiprocessing.forkserver" in cmd:
            return "dask_processes"     # workers (spawned, or forked from their fork server) and that server
        return "other"

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
