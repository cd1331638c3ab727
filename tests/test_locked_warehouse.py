"""Issue 5: a DuckDB file held by another process. The flow waits within a bound, fails the run with a
clear message naming the holder, and loses nothing: the fetched pages are loaded by the next run."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.spool import spool_dir
from warehouse import Warehouse

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def radar_run(sources: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_locked_file_fails_the_run_clearly_and_the_next_run_loads_what_was_fetched(corpus_server, tmp_path, webhook):
    slow = corpus_server.manifest.pages[-1]
    original = corpus_server.manifest.page_bytes(slow, corpus_server.base_url)
    corpus_server.route(slow.path, body=original, content_type=slow.content_type, delay=4.0)
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources().replace("[fetch]", "[warehouse]\nlock_wait_seconds = 2\n\n[fetch]", 1)
                       + f'\n[alerts]\nurls = ["{webhook.apprise_url}"]\n', encoding="utf-8")
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
    spooled = list(spool_dir(db).glob("*.pickle"))
    assert len(spooled) == 1
    assert webhook.received == []
    fetched_first = len(corpus_server.page_requests())
    assert fetched_first == len(corpus_server.manifest.pages)

    corpus_server.clear_routes()
    second = radar_run(sources, db)
    out, err = second.communicate(timeout=180)
    assert second.returncode == 0, err[-3000:]
    assert len(corpus_server.page_requests()) == fetched_first     # nothing fetched again
    assert not list(spool_dir(db).glob("*.pickle"))
    wh = Warehouse(db)
    assert wh.query("select count(*) from articles")[1][0][0] == len(corpus_server.manifest.pages)
    stories = {p.story for p in corpus_server.manifest.pages if p.is_alliance}
    assert len(webhook.received) == len(stories)
