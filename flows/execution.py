"""Where the extract-and-score tasks run: one Prefect task runner, chosen by ``[execution]`` and ``--workers``.

    workers = 1             Prefect's ThreadPoolTaskRunner with one thread: in the flow's own process
    dask_address = "..."    prefect-dask's DaskTaskRunner on an existing Dask scheduler (a cluster)
    otherwise               DaskTaskRunner over a LocalCluster of ``workers`` processes (0 = one per core),
                            one thread each (the work is CPU-bound Python: threads would share one GIL)
    workers = 0, no --workers, fewer than ``local_cluster_min_pages`` new pages: in-process (workers_for_pass)

The same task runs in every case; only the runner differs. A LocalCluster is started only when a pass has
pages to process, in a background thread, so its start overlaps the first fetches; a worker plugin loads
the extractors' rules, gazetteer, lexicon and Kiwi once per worker process as the worker starts (they are
per-process caches in extractors/: every later task on that worker reuses them).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from settings import ExecutionSettings


def worker_count(settings: ExecutionSettings, workers: int | None = None) -> int:
    n = workers if workers is not None else settings.workers
    return n if n and n > 0 else (os.cpu_count() or 1)


def workers_for_pass(settings: ExecutionSettings, workers: int | None, pages: int,
                     batches: int) -> tuple[int, str]:
    """The worker processes that score a pass of ``pages`` new pages in ``batches`` batches (1 = in the
    flow's own process), and why, when fewer than asked for. An existing cluster (``dask_address``) is
    always used: its workers are already started. A LocalCluster gets no more workers than there are
    batches; and when nobody asked for a number (``workers = 0``, no ``--workers``), a pass of fewer than
    ``local_cluster_min_pages`` pages is scored in-process. Each LocalCluster worker imports Prefect and
    the extractors and loads Kiwi and the models (~35 s of CPU for two workers and their nannies, measured
    at 200 pages), which costs more than the second core saves on a small pass. Page stage in-process vs
    two workers (`radar bench pipeline --workers 1|2`, 2 cores): 300 pages 24.2 vs 31.4 s, 700 pages 37.6
    vs 46.6 s, 1,500 pages 86.3 vs 72.4 s (even near 1,000); in-process also holds half the memory
    (1.2 vs 2.4 GB)."""
    n = worker_count(settings, workers)
    if settings.dask_address or n == 1:
        return n, ""
    if workers is None and settings.workers == 0 and pages < settings.local_cluster_min_pages:
        return 1, (f"{pages} pages, fewer than [execution] local_cluster_min_pages = "
                   f"{settings.local_cluster_min_pages}")
    if batches < n:
        return max(1, batches), f"{batches} batch{'es' if batches > 1 else ''}"
    return n, ""


def describe(settings: ExecutionSettings, workers: int | None = None) -> str:
    if settings.dask_address:
        return f"Dask cluster at {settings.dask_address}"
    n = worker_count(settings, workers)
    return "in-process (1 worker)" if n == 1 else f"Dask LocalCluster, {n} worker processes"


def warm_up_worker() -> None:
    """Load what every page needs, once per process (rules, outlets, gazetteer, lexicon, Kiwi's model)."""
    from extractors.pipeline import warm_up
    warm_up()


def warm_up_plugin():
    """A Dask worker plugin that runs ``warm_up_worker`` in a thread as each worker starts (also a worker
    that replaced a dead one). Built on demand: importing distributed costs seconds that a pass with
    nothing new, or one scored in-process, should not pay."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmUp(WorkerPlugin):
        name = "alliance-radar-warm-up"

        def setup(self, worker) -> None:
            threading.Thread(target=warm_up_worker, name="radar-warm-up", daemon=True).start()

    return WarmUp()


def use_fork_server(settings: ExecutionSettings) -> bool:
    """Have this process's LocalClusters fork their workers from a fork server that imported
    ``extractors.preload`` (``[execution] worker_start = "forkserver"``, where the platform has one).
    Each worker then starts with the extractors and Kiwi loaded, sharing those pages with the others,
    instead of building them itself: py-spy put ~13 s of CPU in each spawned worker's start (imports
    ~5 s, Kiwi's model and the first page ~8 s). The fork server loads them once, as the first worker
    is asked for. Returns whether it is in use."""
    import multiprocessing

    import dask
    if settings.worker_start != "forkserver" or "forkserver" not in multiprocessing.get_all_start_methods():
        dask.config.set({"distributed.worker.multiprocessing-method": "spawn"})
        return False
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    from distributed.utils import get_mp_context
    # distributed preloads itself in the fork server; the extractors come with it (set before the server
    # starts: it starts with the first worker, and serves every later cluster of this process)
    get_mp_context().set_forkserver_preload(["distributed", "extractors.preload"])
    return True


def stop_fork_server() -> None:
    """Stop the fork server once the cluster is closed, so that what it loaded is not kept between passes
    (in `radar serve`, for hours); the next pass's cluster starts another. Waiting for it also collects
    the CPU time of the workers it forked into this process's children (`radar bench pipeline` counts it)."""
    import multiprocessing.forkserver as forkserver
    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)      # the standard library's own way to stop it (its tests use it)
    if stop is not None:
        try:
            stop()
        except Exception:       # already gone: nothing to stop
            pass


class PageRunner:
    """A started task runner. ``submit(task, parameters)`` waits for the cluster the first time."""

    def __init__(self, settings: ExecutionSettings, workers: int | None, logger: logging.Logger,
                 api_url: str | None = None):
        self.settings = settings
        self.workers = worker_count(settings, workers)
        self.logger = logger
        self.api_url = api_url
        self.start_seconds = 0.0
        self._runner: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.forked = False         # the LocalCluster's workers come from the fork server (use_fork_server)

    @property
    def in_process(self) -> bool:
        return self.workers == 1 and not self.settings.dask_address

    def __enter__(self) -> "PageRunner":
        t0 = time.monotonic()
        if self.in_process:
            from prefect.task_runners import ThreadPoolTaskRunner
            self._runner = ThreadPoolTaskRunner(max_workers=1)
            self._runner.__enter__()
            self._ready.set()
            self.start_seconds = time.monotonic() - t0
            return self
        from prefect_dask import DaskTaskRunner
        if self.settings.dask_address:
            self._runner = DaskTaskRunner(address=self.settings.dask_address)
        else:
            import dask
            # Dask's statistical profiler samples each worker's task thread every 10 ms, taking the GIL
            # from the extraction it profiles (py-spy: ~1% of a pass's CPU); nobody reads it here. The
            # nannies hand this config to the worker processes they start.
            dask.config.set({"distributed.worker.profile.enabled": False})
            self.forked = use_fork_server(self.settings)
            env = {"PREFECT_API_URL": self.api_url} if self.api_url else {}
            self._runner = DaskTaskRunner(cluster_kwargs={
                "n_workers": self.workers, "threads_per_worker": 1, "processes": True,
                "dashboard_address": None, "env": env})
        self._runner.__enter__()

        def start() -> None:
            try:
                client = self._runner.client            # creates (or connects to) the cluster
                client.register_plugin(warm_up_plugin())
            except BaseException as exc:                # reported by the first submit
                self._error = exc
            finally:
                self.start_seconds = time.monotonic() - t0
                self._ready.set()

        self._thread = threading.Thread(target=start, name="radar-cluster-start", daemon=True)
        self._thread.start()
        return self

    def submit(self, task, parameters: dict):
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._runner.submit(task, parameters)

    def __exit__(self, *exc) -> None:
        self._ready.wait()
        try:
            self._runner.__exit__(*exc)
        finally:
            if self.forked:
                stop_fork_server()
