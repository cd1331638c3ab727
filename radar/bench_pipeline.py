"""`radar bench pipeline`: the whole pass at scale, against plain trafilatura on the same bytes.

    uv run radar bench pipeline --pages 4000 [--feeds 50] [--workers 2] [--json]

1. Generates N distinct pages in Korean news-site chrome (radar/synthetic_news.py, ~80 KB each) into a
   temporary folder, and serves them with their RSS feeds and robots.txt on loopback hosts 127.0.0.2 ...
   (distinct hosts to the fetcher). The sources file it writes sets a politeness for a local benchmark
   only — no per-host interval, 8 requests at a time per host — so the figures measure the pipeline, not
   the waits real sites get (settings.py's defaults: 1 s between requests, 2 at a time per host).
2. Creates Prefect's database once (what the first `radar run` on a machine does, untimed), then runs
   `radar run` from the command line into a fresh DuckDB file (the real monitor flow, the real
   CLI start-up), sampling the resident memory of its whole process tree (Prefect's API server and the
   Dask workers included) every 0.2 s.
3. Runs the same pass again: nothing is new (every feed answers 304). `radar run` finds that out in its
   pre-check, before Prefect starts (flows/precheck.py): its wall time is what an idle pass costs from the
   command line; the page requests it made (none, if all is well) are the steady state. Then once more with
   ``--full``: the flow's own fixed cost (Prefect's import and ephemeral server, the flow around the polls),
   which every pass with new pages pays.
4. Runs plain ``trafilatura.extract`` over the same bytes in this process: the single-process floor.

Stories at scale (1,000 new articles against an archive of 100,000) is ``radar bench stories --archive``
(radar/bench_stories.py).

Pages/s "beyond the fixed cost" = N / (pass time - the flow's fixed cost, the ``--full`` idle pass). Every figure comes with the load average
of the machine when it was taken: on a shared machine, figures taken under load are depressed.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from radar.peak_memory import TreeMemory
from radar.synthetic_news import SiteServer, SyntheticSites, page_file as _page_file


def _load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cli(args: list[str], env: dict, log_path: Path) -> dict:
    """One `radar ...` command in a child process: wall seconds, CPU seconds of the whole tree, peak RSS."""
    cpu0, load0, t0 = _children_cpu(), _load_average(), time.monotonic()
    own0 = time.process_time()      # this process serves the pages: its CPU competes with the pass
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "radar.cli", *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        with TreeMemory(proc.pid) as mem:
            code = proc.wait()
    wall = time.monotonic() - t0
    return {"returncode": code, "seconds": round(wall, 2), "cpu_seconds": round(_children_cpu() - cpu0, 2),
            "peak_rss_mb": round(mem.peak / 2**20, 1), "processes_at_peak": mem.peak_processes,
            "peak_pss_mb": round(mem.peak_pss / 2**20, 1),
            "peak_rss_mb_by_process": {k: round(v / 2**20, 1) for k, v in sorted(mem.peak_by_role.items())},
            "cpu_seconds_by_process": {**{k: round(v, 1) for k, v in sorted(mem.cpu_by_role.items())},
                                       "bench_server": round(time.process_time() - own0, 1)},
            "load_average_before": load0, "load_average_after": _load_average()}


def prepare_prefect_database(env: dict, log_path: Path) -> float:
    """Create Prefect's database in the bench's fresh PREFECT_HOME before the timed passes. The first
    `radar run` on a machine creates it (~10 s more of the ephemeral server's start, measured here);
    every later pass, like the ``--full`` pass taken as the fixed cost, finds it made. Left in the first
    pass, that one-time cost was counted as if it were per page."""
    t0 = time.monotonic()
    with open(log_path, "ab") as log:
        subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"], env=env, stdout=log,
                       stderr=subprocess.STDOUT, check=True)
    return round(time.monotonic() - t0, 2)


def _last_run_counts(db: Path) -> dict:
    from warehouse import Warehouse
    try:
        _, rows = Warehouse(db).query("select counts from runs order by started_at desc limit 1")
    except Exception:
        return {}
    if not rows or rows[0][0] is None:
        return {}
    value = rows[0][0]
    return json.loads(value) if isinstance(value, str) else dict(value)


def trafilatura_floor(sites: SyntheticSites, pages_dir: Path) -> dict:
    import trafilatura
    trafilatura.extract(_page_file(pages_dir, 0).read_bytes())   # imports and first-call set-up are not timed
    load0 = _load_average()
    t0, c0 = time.monotonic(), time.process_time()
    extracted = 0
    for i in range(sites.n_pages):
        if trafilatura.extract(_page_file(pages_dir, i).read_bytes()):
            extracted += 1
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    return {"pages": sites.n_pages, "extracted": extracted, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "pages_per_second": round(sites.n_pages / wall, 1), "load_average_before": load0,
            "load_average_after": _load_average()}


def generate_pages(sites: SyntheticSites, pages_dir: Path, port: int) -> int:
    """Write every page once (the server and the floor then read the same bytes). Returns total bytes."""
    total = 0
    for i in range(sites.n_pages):
        path = _page_file(pages_dir, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = sites.page_bytes(i, port)
        path.write_bytes(data)
        total += len(data)
    return total


def bench_pipeline(pages: int, feeds: int, workers: int | None, out: TextIO, *, as_json: bool = False,
                   hosts: int = 8, archive: int = 100_000, keep: bool = False) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="radar-bench-pipeline-"))
    sites = SyntheticSites(pages, feeds, hosts)
    result: dict = {"pages": pages, "feeds": feeds, "hosts": sites.n_hosts, "workers": workers,
                    "cpus": os.cpu_count(), "workdir": str(workdir)}
    say = (lambda *a: None) if as_json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    try:
        server = SiteServer(sites)
        server.start()
        try:
            say(f"generating {pages:,} pages on {sites.n_hosts} hosts ...")
            pages_dir = workdir / "pages"
            total = generate_pages(sites, pages_dir, server.port)
            server.pages_dir = pages_dir
            result["average_page_kb"] = round(total / pages / 1024, 1)
            sources = workdir / "sources.toml"
            sources.write_text(server.sources_toml(), encoding="utf-8")
            db = workdir / "radar.duckdb"
            env = {**os.environ, "PREFECT_HOME": str(workdir / "prefect"), "PYTHONUNBUFFERED": "1"}
            env.pop("PREFECT_API_URL", None)
            # on a loaded machine Prefect's ephemeral server can take minutes to start: measure, don't fail
            env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "900")
            args = ["run", "--sources", str(sources), "--db", str(db)]
            if workers is not None:
                args += ["--workers", str(workers)]
            log = workdir / "radar.log"
            def one_pass(what: str) -> dict:
                """One `radar run`, with the requests the server saw during it; a failed run stops the bench."""
                before = dict(server.counts)
                run = run_cli(args, env, log)
                run["page_requests"] = server.counts["page"] - before["page"]
                run["feeds_not_modified"] = server.counts["feed_304"] - before["feed_304"]
                run["counts"] = _last_run_counts(db)
                if run["returncode"] != 0:
                    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
                    raise RuntimeError(f"radar run ({what}) failed (exit {run['returncode']}):\n{tail}")
                return run

            say("Prefect's database, created once per machine (not timed as a pass) ...")
            result["prefect_database_setup_seconds"] = prepare_prefect_database(env, log)
            say(f"radar run: {pages:,} new pages ...")
            result["pass"] = one_pass("new pages")
            say("radar run again: nothing new ...")
            result["idle_pass"] = one_pass("nothing new")
            say("radar run --full: nothing new, through the flow ...")
            args.append("--full")
            result["idle_pass_full"] = one_pass("nothing new, --full")
        finally:
            server.stop()
        say("plain trafilatura over the same bytes ...")
        result["trafilatura"] = trafilatura_floor(sites, pages_dir)
        fixed = result["idle_pass_full"]["seconds"]
        beyond = max(result["pass"]["seconds"] - fixed, 1e-6)
        result["pages_per_second_beyond_fixed_cost"] = round(pages / beyond, 1)
        result["ratio_to_trafilatura"] = round(result["pages_per_second_beyond_fixed_cost"]
                                               / result["trafilatura"]["pages_per_second"], 2)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if as_json:
        out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(result, out)
    return result


def print_report(r: dict, out: TextIO) -> None:
    p, idle, full, floor = r["pass"], r["idle_pass"], r["idle_pass_full"], r["trafilatura"]
    lines = [
        f"pipeline benchmark: {r['pages']:,} pages (~{r.get('average_page_kb', 0)} KB each), {r['feeds']} feeds on "
        f"{r['hosts']} hosts, workers {r['workers'] or 'default'}, {r['cpus']} CPUs",
        f"  Prefect's database, created once (not in the figures below) {r.get('prefect_database_setup_seconds', 0):.1f} s",
        f"  radar run, {r['pages']:,} new pages   {p['seconds']:>8.1f} s   CPU {p['cpu_seconds']:.1f} s   "
        f"peak RSS {p['peak_rss_mb']:,.0f} MB ({p['processes_at_peak']} processes; shared pages in shares, PSS: "
        f"{p.get('peak_pss_mb', 0):,.0f} MB)   load {p['load_average_before']}",
        "    peak RSS by process (MB): " + ", ".join(f"{k} {v:,.0f}" for k, v in p.get("peak_rss_mb_by_process", {}).items()),
        "    CPU by process (s): " + ", ".join(f"{k} {v:,.1f}" for k, v in p.get("cpu_seconds_by_process", {}).items()),
        f"  radar run, nothing new     {idle['seconds']:>8.1f} s   CPU {idle['cpu_seconds']:.1f} s   "
        f"(pre-check; {idle['feeds_not_modified']} feeds answered 304, {idle['page_requests']} page requests)   "
        f"load {idle['load_average_before']}",
        f"  radar run --full, nothing new {full['seconds']:>5.1f} s   CPU {full['cpu_seconds']:.1f} s   "
        f"(the flow's fixed cost; {full['page_requests']} page requests)   load {full['load_average_before']}",
        f"  trafilatura, one process   {floor['seconds']:>8.1f} s   {floor['pages_per_second']:.1f} pages/s   "
        f"load {floor['load_average_before']}",
        f"  pipeline beyond the fixed cost: {r['pages_per_second_beyond_fixed_cost']:.1f} pages/s = "
        f"{r['ratio_to_trafilatura']:.2f}x trafilatura",
    ]
    timings = (p.get("counts") or {}).get("timings") or {}
    if timings:
        lines.append("  stages (s): " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    print("\n".join(lines), file=out, flush=True)
