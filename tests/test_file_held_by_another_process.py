"""The DuckDB file is held by another process (a notebook, the duckdb CLI, a BI tool): the radar waits
within a bound, then stops with a clear message naming the holder, and loses nothing — a library load
can be retried, and a flow run's scored pages wait in the staging area (Parquet shards beside the file) for
the next run (no page fetched twice)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from holders import hold, pages, radar_run

from flows.staging import default_staging_url
from settings import WarehouseSettings
from warehouse import DatabaseBusy, Warehouse


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20))
    w.migrate()
    return w


def test_writer_waits_for_a_holder_then_loads(wh):
    holder = hold(wh.path, 2.0)
    try:
        t = time.monotonic()
        counts = wh.load("run", [], pages(0, 5), ["log"])
        waited = time.monotonic() - t
    finally:
        holder.wait(timeout=10)
    assert counts["articles_new"] == 5
    assert waited >= 1.0 and counts["lock_wait_seconds"] >= 1.0


def test_writer_gives_up_naming_the_holder_and_loses_nothing(wh):
    holder = hold(wh.path, 8.0)
    batch = pages(0, 5)
    try:
        short = Warehouse(wh.path, WarehouseSettings(lock_wait_seconds=1.0))
        t = time.monotonic()
        with pytest.raises(DatabaseBusy) as err:
            short.load("run-1", [], batch, ["log"])
        assert time.monotonic() - t < 5
        assert f"PID {holder.pid}" in str(err.value) and err.value.pid == holder.pid
        assert "busy" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    # the flow kept its pages; the next run loads them
    assert wh.load("run-2", [], batch, ["log"])["articles_new"] == 5


@pytest.mark.slow
def test_locked_file_fails_the_run_clearly_and_the_next_run_loads_what_was_fetched(corpus_server, tmp_path, webhook):
    slow = corpus_server.manifest.pages[-1]
    original = corpus_server.manifest.page_bytes(slow, corpus_server.base_url)
    corpus_server.route(slow.path, body=original, content_type=slow.content_type, delay=4.0)
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources(alert_urls=[webhook.apprise_url])
                       .replace("[fetch]", "[warehouse]\nlock_wait_seconds = 2\n\n[fetch]", 1), encoding="utf-8")
    db = tmp_path / "radar.duckdb"

    run = radar_run(sources, db)
    deadline = time.monotonic() + 120
    while not corpus_server.page_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert corpus_server.page_requests(), "the flow never started fetching pages"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(120)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out, err = run.communicate(timeout=180)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 1
    assert f"PID {holder.pid}" in err and "busy" in err
    staged = list(Path(default_staging_url(db)).glob("*/*.parquet"))
    assert {p.name for p in staged} >= {"feeds.parquet", "000000.parquet"}    # the batch and the feed polls
    assert webhook.received == []
    fetched_first = len(corpus_server.page_requests())
    assert fetched_first == len(corpus_server.manifest.pages)

    corpus_server.clear_routes()
    second = radar_run(sources, db)
    out, err = second.communicate(timeout=180)
    assert second.returncode == 0, err[-3000:]
    assert len(corpus_server.page_requests()) == fetched_first     # nothing fetched again
    assert not list(Path(default_staging_url(db)).glob("*/*.parquet"))
    wh = Warehouse(db)
    assert wh.query("select count(*) from articles")[1][0][0] == len(corpus_server.manifest.pages)
    stories = {p.story for p in corpus_server.manifest.pages if p.is_alliance}
    assert len(webhook.received) == len(stories)
