"""Issue 10's proof with real parts: the same monitor pass over a few hundred generated pages, scored
in-process, on a Dask LocalCluster of two worker processes, and on an existing Dask cluster one of whose
workers is killed mid-run, gives the same warehouse row for row (timestamps and run ids aside): every page
loaded exactly once, one story per event, one alert per story. The two-worker pass also shows that the
per-host limits bind the whole cluster (the fetcher lives in the flow process) and that the extractors'
models load once per worker process."""
from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import Counter

import psutil
import pytest

from flows.monitor import monitor
from radar.synthetic_news import SiteServer, SyntheticSites
from warehouse import Warehouse

# generous: the fixture runs three passes over 200 pages, which on a 2-core machine shared with other jobs
# took 12 min (load average 10) and more
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

PAGES, FEEDS, HOSTS, BATCH = 200, 10, 4, 20
INTERVAL, PER_HOST = 0.02, 2
TABLES = ["articles", "article_urls", "article_versions", "article_orgs", "article_events", "article_sketches",
          "organisations", "raw_pages", "stories", "story_articles", "alerts", "fetch_log", "sources"]
IGNORED = {"run_id", "first_run_id", "last_run_id", "elapsed_ms", "fetch_id"}   # ids: insertion order


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, without timestamps and run ids, sorted."""
    wh = Warehouse(db)
    out = {}
    for table in TABLES:
        _, cols = wh.query("select column_name, data_type from information_schema.columns "
                           "where table_name = ? order by ordinal_position", [table])
        keep = [name for name, typ in cols if "TIMESTAMP" not in typ and name not in IGNORED]
        _, rows = wh.query(f"select {', '.join(keep)} from {table}")
        out[table] = sorted(rows, key=repr)
    return out


def write_sources(tmp_path, server: SiteServer, name: str, extra: str = "") -> str:
    text = server.sources_toml(per_host_interval=INTERVAL, per_host_concurrency=PER_HOST,
                               extra=f"pages_per_batch = {BATCH}")
    path = tmp_path / f"{name}.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return str(path)


def api_url() -> str:
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from distributed import Client, LocalCluster
    tmp = tmp_path_factory.mktemp("workers")
    sites = SyntheticSites(PAGES, FEEDS, HOSTS, seed=7)
    with SiteServer(sites) as server:
        out = {"sites": sites}
        # 1. in this process
        out["inprocess"] = monitor(sources_path=write_sources(tmp, server, "one"), db_path=str(tmp / "one.duckdb"),
                                   workers=1)
        # 2. a LocalCluster of two worker processes started for the pass
        mark = len(server.log)
        out["local"] = monitor(sources_path=write_sources(tmp, server, "two"), db_path=str(tmp / "two.duckdb"),
                               workers=2)
        out["local_log"] = server.log[mark:]
        out["local_max_active"] = dict(server.max_active)
        out["fork_servers_after_local"] = [c.pid for c in psutil.Process().children(recursive=True)
                                           if "forkserver" in " ".join(c.cmdline())]
        # 3. an existing cluster (dask_address), one of whose workers is killed while batches are in flight
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          env={"PREFECT_API_URL": api_url()}) as cluster, Client(cluster) as client:
            before = server.counts["page"]
            killed: dict = {}

            def kill_one() -> None:
                deadline = time.monotonic() + 600
                while server.counts["page"] - before < PAGES // 3 and time.monotonic() < deadline:
                    time.sleep(0.02)
                pids = client.run(os.getpid)
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.update(pid=victim, after_pages=server.counts["page"] - before)

            killer = threading.Thread(target=kill_one, daemon=True)
            killer.start()
            extra = f'[execution]\ndask_address = "{cluster.scheduler_address}"\n'
            out["killed"] = monitor(sources_path=write_sources(tmp, server, "three", extra),
                                    db_path=str(tmp / "three.duckdb"))
            killer.join(timeout=5)
            out["kill"] = killed
            out["killed_page_requests"] = server.counts["page"] - before
        out["dbs"] = {name: tmp / f"{name}.duckdb" for name in ("one", "two", "three")}
        yield out


def test_in_process_and_dask_give_the_same_warehouse(runs):
    one, two = snapshot(runs["dbs"]["one"]), snapshot(runs["dbs"]["two"])
    assert len(one["articles"]) == PAGES
    assert one["stories"] and one["alerts"]
    for table in TABLES:
        assert two[table] == one[table], f"{table} differs between the in-process and the Dask pass"
    assert runs["local"]["batches"] == PAGES // BATCH
    assert len(runs["local"]["workers"]) == 2          # both worker processes scored batches


def test_a_worker_killed_mid_run_still_loads_every_page_exactly_once(runs):
    assert runs["kill"], "the worker was never killed"
    assert runs["kill"]["after_pages"] < PAGES            # killed while pages were still coming in
    counts = runs["killed"]
    assert counts["articles_new"] == PAGES and counts["pages_failed"] == 0
    three = snapshot(runs["dbs"]["three"])
    one = snapshot(runs["dbs"]["one"])
    for table in TABLES:
        assert three[table] == one[table], f"{table} differs after a worker was killed"
    _, rows = Warehouse(runs["dbs"]["three"]).query(
        "select count(*), count(distinct url) from fetch_log where kind = 'page'")
    assert rows[0] == (PAGES, PAGES)                      # each page fetched and logged once
    assert runs["killed_page_requests"] == PAGES          # nothing fetched twice: the flow process fetches


def test_per_host_limits_bind_the_whole_cluster(runs):
    log = runs["local_log"]
    pages = [(start, end, host) for start, end, host, kind, _ in log if kind == "page"]
    assert len(pages) == PAGES
    for host in range(HOSTS):
        starts = sorted(s for s, _, h in pages if h == host)
        # start times are taken by the server's handler threads, so scheduling jitter on a busy machine moves
        # single gaps; the host's request rate over the pass is what the interval bounds
        span = starts[-1] - starts[0]
        assert span >= (len(starts) - 1) * INTERVAL * 0.9, f"host {host}: {len(starts)} requests in {span:.2f} s"
        # the most requests in progress at one moment (ends before starts at a tie). Counting the requests
        # that overlap one request's span instead counted a request whose end was noted late together with
        # every request the other connection made meanwhile, one after another: 4 "at once" from 2
        events = sorted([(s, 1) for s, _, h in pages if h == host] + [(e, -1) for _, e, h in pages if h == host])
        most = max(itertools.accumulate(step for _, step in events))
        # the server notes a request's end after its last write returns: on a busy machine the client may
        # have read the bytes and sent its next request first, so one extra overlap is measurement, not a
        # breach; limits per worker process (the design this guards against) would allow 2 x PER_HOST
        assert most <= PER_HOST + 1, f"host {host}: {most} requests at once"
        assert runs["local_max_active"][host] <= PER_HOST + 1
    robots = Counter(h for _, _, h, kind, _ in log if kind == "robots")
    # robots.txt once per host by the feed poll and once by the page stage (one fetcher each, in the flow
    # process), never once per worker process: a cluster of 2 fetching on its own would ask 3 times
    assert robots == {host: 2 for host in range(HOSTS)}


def test_models_load_once_per_worker_process(runs):
    workers = runs["local"]["workers"]                    # worker pid -> Kiwi models built in that process
    assert workers and all(loads == 1 for loads in workers.values())


def test_local_workers_are_forked_from_one_server_that_loaded_the_models_and_is_gone_after_the_pass(runs):
    loaded_by = runs["local"]["models_loaded_by"]      # worker pid -> the process that built its Kiwi model
    workers = {int(pid) for pid in loaded_by}
    assert len(workers) == 2 and len(set(loaded_by.values())) == 1          # one loader for both
    assert not set(loaded_by.values()) & workers                            # not a worker itself
    assert runs["fork_servers_after_local"] == []                            # nothing left running
    assert runs["inprocess"]["models_loaded_by"] == {str(os.getpid()): os.getpid()}     # in-process: itself


def test_every_batch_went_through_a_shard_that_was_deleted_after_its_commit(runs):
    for name in ("one", "two", "three"):
        staging = runs["dbs"][name].with_name(runs["dbs"][name].name + ".staging")
        assert not list(staging.glob("**/*.parquet")), f"{name}: shards left behind"
