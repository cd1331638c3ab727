"""Issue 6 end to end, for real: `prefect server start` on 127.0.0.1 with a temporary PREFECT_HOME, the
`process` work pool, `prefect deploy --all` from (a schedule-shortened copy of) prefect.yaml, a worker,
and a *scheduled* run of `monitor` against the local corpus server that lands rows in DuckDB. Then the
worker gets SIGINT, the server stops, and no process of ours is left. A second test does the same
through `radar serve` (flows/serve.py).

Budget on a 2-core CI machine: ~2-3 minutes for the module (server start dominates).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PREFECT = Path(sys.executable).with_name("prefect")
SERVER_START_TIMEOUT = 150
RUN_TIMEOUT = 240


# --- the committed prefect.yaml (fast, no server) --------------------------------------------------------

def test_prefect_yaml_declares_the_three_deployments():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text("utf-8"))
    deps = {d["name"]: d for d in spec["deployments"]}
    assert set(deps) == {"monitor", "digest", "reprocess"}
    mon, dig, rep = deps["monitor"], deps["digest"], deps["reprocess"]
    assert mon["entrypoint"] == "flows/monitor.py:monitor"
    assert mon["schedules"] == [{"cron": "*/15 * * * *", "timezone": "Asia/Seoul", "active": True}]
    assert mon["concurrency_limit"]["limit"] == 1
    assert set(mon["parameters"]) == {"sources_path", "db_path"}
    assert dig["entrypoint"] == "flows/digest.py:digest"
    assert dig["schedules"][0]["cron"] == "30 8 * * *" and dig["schedules"][0]["timezone"] == "Asia/Seoul"
    assert rep["entrypoint"] == "flows/reprocess.py:reprocess" and not rep.get("schedules")
    assert all(d["work_pool"]["name"] == "process" for d in deps.values())
    pull = spec["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert pull["directory"] == "{{ repo-dir.stdout }}"


# --- helpers ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_with_marker(marker: str) -> list[int]:
    """PIDs whose environment holds ``marker`` (every process we start carries it)."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:          # zombies are not running processes
                    found.append(int(entry.name))
        except (OSError, PermissionError):
            continue
    return found


class Proc:
    def __init__(self, name: str, args: list[str], env: dict, cwd: Path, logdir: Path):
        self.name = name
        self.log = logdir / f"{name}.log"
        self._fh = open(self.log, "wb")
        self.p = subprocess.Popen(args, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT,
                                  start_new_session=True)

    def text(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def stop(self, sig=signal.SIGINT, timeout: float = 40) -> float:
        """Send ``sig``; wait; returns seconds taken. Kills the group (and fails) if it hangs."""
        t0 = time.monotonic()
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(10)
                self._fh.close()
                pytest.fail(f"{self.name} did not stop within {timeout}s of {sig!r}:\n{self.text()[-3000:]}")
        self._fh.close()
        return time.monotonic() - t0

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait(10)
        if not self._fh.closed:
            self._fh.close()


def _cli(env: dict, *args: str, cwd: Path = REPO, timeout: float = 180) -> str:
    r = subprocess.run([str(PREFECT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"prefect {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def _api(env: dict) -> httpx.Client:
    return httpx.Client(base_url=env["PREFECT_API_URL"], timeout=15, trust_env=False)


def _deployment_id(env: dict, flow: str, name: str) -> str:
    with _api(env) as c:
        r = c.get(f"/deployments/name/{flow}/{name}")
        r.raise_for_status()
        return r.json()["id"]


def _runs(env: dict, deployment_id: str) -> list[dict]:
    with _api(env) as c:
        r = c.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}, "limit": 200})
        r.raise_for_status()
        return r.json()


def _wait_for_completed_run(env: dict, deployment_id: str, watch: list[Proc], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(env, deployment_id)
        done = [r for r in runs if r["state_type"] == "COMPLETED"]
        if done:
            return done[0]
        bad = [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")]
        if bad:
            pytest.fail(f"run {bad[0]['name']} ended {bad[0]['state_type']}: {bad[0].get('state', {}).get('message')}\n"
                        + "\n".join(f"--- {p.name}\n{p.text()[-4000:]}" for p in watch))
        for p in watch:
            if p.p.poll() is not None:
                pytest.fail(f"{p.name} exited early ({p.p.returncode}):\n{p.text()[-4000:]}")
        time.sleep(2)
    states = sorted((r["state_type"], r["name"]) for r in _runs(env, deployment_id))
    pytest.fail(f"no completed scheduled run within {timeout}s; runs: {states}\n"
                + "\n".join(f"--- {p.name}\n{p.text()[-4000:]}" for p in watch))


def _assert_rows(db: Path, manifest, run_id: str):
    from warehouse import Warehouse
    wh = Warehouse(db)
    cols, rows = wh.query("select count(*) as n, count(*) filter (where is_alliance) as kept from articles")
    n, kept = rows[0]
    assert n == len(manifest.pages)
    assert kept == sum(1 for p in manifest.pages if p.is_alliance) and kept > 0
    cols, rows = wh.query(f"select flow, status from runs where run_id = '{run_id}'")
    assert rows == [("monitor", "completed")], rows
    cols, rows = wh.query("select count(*) from alliance_stories")
    assert rows[0][0] > 0


def _no_overlap(runs: list[dict]):
    spans = sorted((r["start_time"], r["end_time"]) for r in runs
                   if r["state_type"] == "COMPLETED" and r["start_time"] and r["end_time"])
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2, f"two monitor runs overlapped: {spans}"


# --- the server (shared by both scheduling tests) ----------------------------------------------------------

@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prefect")
    marker = f"RADAR_E2E_{uuid.uuid4().hex}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        marker: "1",
        "PREFECT_HOME": str(tmp / "home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PYTHONUNBUFFERED": "1",
    })
    server = Proc("server", [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                             "--no-ui"], env, tmp, tmp)
    t0 = time.monotonic()
    try:
        while True:
            try:
                if httpx.get(env["PREFECT_API_URL"] + "/health", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.p.poll() is not None or time.monotonic() - t0 > SERVER_START_TIMEOUT:
                pytest.fail(f"prefect server did not come up:\n{server.text()[-4000:]}")
            time.sleep(0.5)
        print(f"\nprefect server up in {time.monotonic() - t0:.1f}s")
        _cli(env, "work-pool", "create", "process", "--type", "process")
        yield {"env": env, "tmp": tmp, "marker": marker}
    finally:
        took = server.stop(signal.SIGINT, timeout=60)
        print(f"prefect server stopped in {took:.1f}s")
        server.kill()
    deadline = time.monotonic() + 20
    while _processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_with_marker(marker) == [], "processes left behind after the server stopped"


def _corpus_sources(server, path: Path) -> Path:
    path.write_text(server.render_sources(), "utf-8")
    return path


# --- prefect.yaml + prefect deploy --all + worker ---------------------------------------------------------

@pytest.mark.slow
@pytest.mark.timeout(600)
def test_scheduled_monitor_run_via_prefect_yaml_and_worker(prefect_env):
    from radar.demo_server import CorpusServer

    env, tmp = prefect_env["env"], prefect_env["tmp"]
    t_start = time.monotonic()
    with CorpusServer() as corpus:
        sources = _corpus_sources(corpus, tmp / "sources-yaml.toml")
        db = tmp / "yaml.duckdb"
        # the committed prefect.yaml, with monitor's schedule shortened to every 10 s and pointed at the corpus
        spec = yaml.safe_load((REPO / "prefect.yaml").read_text("utf-8"))
        for dep in spec["deployments"]:
            if dep["name"] == "monitor":
                dep["schedules"] = [{"interval": 10, "timezone": "Asia/Seoul", "active": True}]
                dep["parameters"] = {"sources_path": str(sources), "db_path": str(db)}
            else:
                for s in dep.get("schedules") or []:
                    s["active"] = False
        test_yaml = tmp / "prefect-test.yaml"
        test_yaml.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")

        t0 = time.monotonic()
        out = _cli(env, "deploy", "--all", "--no-prompt", "--prefect-file", str(test_yaml))
        print(f"prefect deploy --all: {time.monotonic() - t0:.1f}s")
        assert "successfully created" in out
        for flow in ("digest", "reprocess"):                    # all three from the one file
            assert _deployment_id(env, flow, flow)
        dep_id = _deployment_id(env, "monitor", "monitor")
        with _api(env) as c:
            dep = c.get(f"/deployments/{dep_id}").json()
        assert dep["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(REPO)
        assert (dep.get("global_concurrency_limit") or {}).get("limit") == 1
        assert dep["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"

        # worker started from an unrelated directory: the pull step must take the run to the repo
        worker = Proc("worker", [str(PREFECT), "worker", "start", "--pool", "process", "--type", "process"],
                      env, tmp, tmp)
        try:
            run = _wait_for_completed_run(env, dep_id, [worker], RUN_TIMEOUT)
            print(f"scheduled monitor run completed {time.monotonic() - t_start:.1f}s after deploy started")
        finally:
            took = worker.stop(signal.SIGINT, timeout=40)
            print(f"worker stopped by SIGINT in {took:.1f}s")
            worker.kill()
        assert run["auto_scheduled"] is True                    # made by the scheduler, not by hand
        _assert_rows(db, corpus.manifest, run["id"])
        _no_overlap(_runs(env, dep_id))
        assert corpus.requests, "the flow run never reached the local feed server"


# --- radar serve ---------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.timeout(600)
def test_radar_serve_runs_monitor_on_schedule_and_stops_on_ctrl_c(prefect_env):
    from radar.demo_server import CorpusServer

    env, tmp = prefect_env["env"], prefect_env["tmp"]
    with CorpusServer() as corpus:
        sources = _corpus_sources(corpus, tmp / "sources-serve.toml")
        db = tmp / "serve.duckdb"
        code = ("from flows.serve import serve_all; "
                f"serve_all({str(sources)!r}, {str(db)!r}, monitor_interval=10)")
        served = Proc("serve", [sys.executable, "-c", code], env, REPO, tmp)
        try:
            deadline = time.monotonic() + 120
            ids: dict[str, str] = {}
            while len(ids) < 3:                                  # serve registers them one after another
                for flow in ("monitor", "digest", "reprocess"):
                    try:
                        ids.setdefault(flow, _deployment_id(env, flow, "radar-serve"))
                    except httpx.HTTPStatusError:
                        pass
                if len(ids) < 3:
                    if served.p.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"radar serve registered only {sorted(ids)}:\n{served.text()[-4000:]}")
                    time.sleep(1)
            dep_id = ids["monitor"]
            run = _wait_for_completed_run(env, dep_id, [served], RUN_TIMEOUT)
        finally:
            took = served.stop(signal.SIGINT, timeout=40)
            print(f"radar serve stopped by Ctrl-C in {took:.1f}s")
            served.kill()
        assert served.p.returncode == 0, served.text()[-3000:]
        assert "radar serve: stopped." in served.text()
        assert run["auto_scheduled"] is True
        _assert_rows(db, corpus.manifest, run["id"])
        _no_overlap(_runs(env, dep_id))
    # nothing of the serve process tree is left (the server itself is still up for the fixture)
    serve_pids = [pid for pid in _processes_with_marker(prefect_env["marker"])
                  if b"serve_all" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert serve_pids == []
