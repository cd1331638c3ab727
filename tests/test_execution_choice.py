"""Which task runner scores a pass: a small pass, when nobody asked for a number of workers, is scored in the
flow's own process (a LocalCluster's start costs more than a second core saves on it); an explicit
``--workers``, a ``workers`` set in the sources file or an existing cluster is always honoured."""
from __future__ import annotations

import os

import pytest

from flows.execution import workers_for_pass
from settings import ExecutionSettings

AUTO = ExecutionSettings()                       # workers = 0: one per core, the cluster from 1,000 pages
CORES = os.cpu_count() or 1


def test_a_small_pass_with_no_number_asked_for_is_scored_in_process():
    n, why = workers_for_pass(AUTO, None, pages=300, batches=3)
    assert n == 1
    assert why == "300 pages, fewer than [execution] local_cluster_min_pages = 1000"


@pytest.mark.skipif(CORES < 2, reason="one core: the default is always one worker")
def test_a_pass_of_the_threshold_or_more_gets_one_worker_per_core():
    assert workers_for_pass(AUTO, None, pages=1000, batches=10) == (CORES, "")


def test_an_explicit_number_of_workers_is_honoured_on_a_small_pass():
    assert workers_for_pass(AUTO, 2, pages=300, batches=3) == (2, "")                       # --workers 2
    assert workers_for_pass(ExecutionSettings(workers=2), None, pages=300, batches=3) == (2, "")   # sources file


def test_the_threshold_is_a_setting_and_zero_always_starts_the_cluster():
    assert workers_for_pass(ExecutionSettings(local_cluster_min_pages=200), 3, pages=300, batches=3) == (3, "")
    assert workers_for_pass(ExecutionSettings(local_cluster_min_pages=0, workers=0), None, pages=40,
                            batches=2)[0] == min(CORES, 2)


def test_no_more_local_workers_than_batches():
    assert workers_for_pass(AUTO, 4, pages=150, batches=2) == (2, "2 batches")
    assert workers_for_pass(AUTO, 4, pages=50, batches=1) == (1, "1 batch")


def test_an_existing_cluster_is_always_used():
    remote = ExecutionSettings(dask_address="tcp://10.0.0.5:8786")
    assert workers_for_pass(remote, None, pages=5, batches=1) == (CORES, "")


@pytest.mark.slow
def test_a_small_pass_by_default_is_scored_in_the_flow_process_and_loads_every_page(tmp_path):
    """60 pages in 3 batches of 20: before, two LocalCluster workers were started for it."""
    from flows.monitor import monitor
    from radar.synthetic_news import SiteServer, SyntheticSites
    from warehouse import Warehouse

    with SiteServer(SyntheticSites(60, 3, 2, seed=11)) as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(server.sources_toml(per_host_interval=0.0, per_host_concurrency=4,
                                               extra="pages_per_batch = 20"), encoding="utf-8")
        counts = monitor(sources_path=str(sources), db_path=str(tmp_path / "radar.duckdb"))
    assert counts["batches"] == 3
    assert list(counts["workers"]) == [str(os.getpid())]      # the only scoring process is this one
    _, rows = Warehouse(tmp_path / "radar.duckdb").query("select count(*) from articles")
    assert rows[0][0] == counts["articles_new"] == 60
