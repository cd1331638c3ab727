"""Analysts read the DuckDB file while the radar writes it: readers share the file, wait briefly for a
write transaction, always see a committed state, and the radar keeps the file open between calls only
while a pass loads its batches, for seconds at a time. Real separate processes; see
tests/test_file_held_by_another_process.py for the writer's side."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from holders import child_env, hold, pages, radar_run

from settings import WarehouseSettings
from warehouse import DatabaseBusy, Warehouse, WarehouseError, read_only_connection


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20))
    w.migrate()
    return w


def _polling_reader(wh, log, stop) -> subprocess.Popen:
    """A separate process that counts the articles every 50 ms until ``stop`` exists, logging each answer
    (and how long it waited for the file) or error to ``log`` as JSON lines."""
    code = textwrap.dedent(f"""
        import json, time, pathlib
        from settings import WarehouseSettings
        from warehouse import Warehouse
        wh = Warehouse({str(wh.path)!r}, WarehouseSettings(lock_wait_seconds=30))
        out = open({str(log)!r}, "a")
        stop = pathlib.Path({str(stop)!r})
        while not stop.exists():
            t = time.monotonic()
            try:
                n = wh.query("SELECT count(*) FROM articles")[1][0][0]
                out.write(json.dumps({{"n": n, "waited": time.monotonic() - t}}) + "\\n")
            except Exception as exc:
                out.write(json.dumps({{"error": str(exc)}}) + "\\n")
            out.flush()
            time.sleep(0.05)
    """)
    return subprocess.Popen([sys.executable, "-c", code], env=child_env(), stderr=subprocess.PIPE, text=True)


def test_reader_process_queries_between_loads(wh, tmp_path):
    """A separate reader process polls the file the whole time the 'flow' loads four batches:
    it gets answers between loads (it is never locked out for long) and sees the count grow."""
    log = tmp_path / "reader.jsonl"
    stop = tmp_path / "stop"
    reader = _polling_reader(wh, log, stop)
    try:
        deadline = time.monotonic() + 60          # wait until the reader has read the empty file
        while not (log.exists() and log.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        for k in range(4):
            counts = wh.load(f"run-{k}", [], pages(k * 50, 50), ["log"])
            assert counts["articles_new"] == 50
            time.sleep(0.6)                       # between loads the file is free
    finally:
        stop.touch()
        reader.wait(timeout=30)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert not [r for r in rows if "error" in r], rows
    seen = [r["n"] for r in rows]
    assert {0, 50, 100, 150, 200} <= set(seen), seen                 # a read between every pair of loads
    assert seen == sorted(seen)


def test_reader_gets_in_while_a_pass_loader_keeps_the_file_open_between_batches(wh, tmp_path, monkeypatch):
    """The pass's loader keeps the file open between its batches (no checkpoint per batch), but for
    HOLD_SECONDS at most: a reader process polling the whole time gets every answer, never waits much
    longer than that, and sees the count grow batch by batch."""
    import logging

    from flows.pages import BatchResult, _Loader
    from flows.staging import Staging
    from warehouse.rows import page_rows
    from warehouse.shards import to_table

    monkeypatch.setattr(_Loader, "HOLD_SECONDS", 1.0)        # the real loader, on a shorter clock
    monkeypatch.setattr(_Loader, "READER_GAP_SECONDS", 1.5)
    wh.start_run("run-l", "monitor", {})
    staging = Staging(str(tmp_path / "staging"))
    folder = staging.run_folder("run-l")
    log, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = _polling_reader(wh, log, stop)
    loader = None
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and log.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        loader = _Loader(wh, staging, "run-l", [], "pages", 300, logging.getLogger("test")).start()
        for k in range(12):
            shard = staging.shard_path(folder, k)
            staging.write(shard, to_table(page_rows(pages(k * 25, 25), "run-l", log=True, raw=True)))
            loader.put(k, BatchResult(seq=k, shard=shard, pages=25))
            time.sleep(0.4)
        loader.close()
    finally:
        stop.touch()
        reader.wait(timeout=30)
    assert loader.error is None and loader.busy is None and loader.transactions == 12
    assert loader.holds >= 2                     # it kept the file open, and let it go and took it again
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert not [r for r in rows if "error" in r], rows
    seen = [r["n"] for r in rows]
    assert seen == sorted(seen) and seen[-1] == 300
    assert len(set(seen)) >= 5, seen             # it read between batches while the loads went on
    assert max(r["waited"] for r in rows) < 1.0 + 3.0, rows     # a hold, a load and a retry at most
    assert wh.query("SELECT count(*) FROM articles")[1] == [(300,)]


def test_a_held_file_serves_this_process_and_is_free_once_let_go(wh):
    """Held open (a pass's loader), the file takes this process's writes and reads (its read-only blocks
    share the open database), other processes wait; let go, it is theirs, everything checkpointed."""
    held = wh.hold_open()
    try:
        assert wh.load("run", [], pages(0, 3), [])["articles_new"] == 3
        assert wh.query("SELECT count(*) FROM articles")[1] == [(3,)]
        code = (f"from warehouse import Warehouse, DatabaseBusy; from settings import WarehouseSettings\n"
                f"try:\n    Warehouse({str(wh.path)!r}, WarehouseSettings(lock_wait_seconds=0.5)).query('SELECT 1')\n"
                f"except DatabaseBusy as exc:\n    print('busy', exc)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())
        assert out.stdout.startswith("busy"), out.stdout + out.stderr
    finally:
        held.close()
    assert not wh.path.with_name(wh.path.name + ".wal").exists()
    code = f"import duckdb; print(duckdb.connect({str(wh.path)!r}, read_only=True).execute('SELECT count(*) FROM articles').fetchone()[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())
    assert out.stdout.strip() == "3", out.stderr


def test_readers_share_but_wait_for_a_writer(wh):
    wh.load("run", [], pages(0, 3), [])
    reader = hold(wh.path, 3.0, read_only=True)
    try:
        # another reader is fine while a reader holds the file
        assert wh.query("SELECT count(*) FROM articles")[1] == [(3,)]
        con = read_only_connection(wh.path, wait_seconds=1)
        assert con.execute("SELECT count(*) FROM alliance_news").fetchall() == [(0,)]
        con.close()
    finally:
        reader.kill()
        reader.wait()
    writer = hold(wh.path, 8.0)
    try:
        with pytest.raises(DatabaseBusy, match=f"PID {writer.pid}"):
            read_only_connection(wh.path, wait_seconds=1)
        with pytest.raises(DatabaseBusy, match="gave up after waiting"):
            Warehouse(wh.path, WarehouseSettings(lock_wait_seconds=0.5)).query("SELECT 1")
    finally:
        writer.kill()
        writer.wait()


def test_query_waits_with_backoff_for_a_short_writer(wh):
    writer = hold(wh.path, 1.5)
    try:
        t = time.monotonic()
        assert wh.query("SELECT count(*) FROM articles")[1] == [(0,)]
        assert time.monotonic() - t >= 0.8
    finally:
        writer.wait(timeout=10)


def test_connections_are_closed_after_each_call(wh):
    """After any public call the file is free for another process to write."""
    wh.load("run", [], pages(0, 3), ["log"])
    wh.pending_alerts()
    wh.feed_states()
    wh.known_urls(["https://l.example/1"])
    list(wh.raw_pages())
    code = f"import duckdb; duckdb.connect({str(wh.path)!r}).execute('CHECKPOINT'); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=child_env())
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.slow
def test_reader_queries_succeed_while_a_flow_writes(corpus_server, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources(), encoding="utf-8")
    db = tmp_path / "radar.duckdb"
    writer = radar_run(sources, db, stderr=subprocess.STDOUT)
    counts, errors = [], []
    deadline = time.monotonic() + 240
    try:
        while writer.poll() is None and time.monotonic() < deadline:
            if db.exists():
                try:
                    counts.append(Warehouse(db, WarehouseSettings(lock_wait_seconds=10)).query("select count(*) from articles")[1][0][0])
                except WarehouseError as exc:
                    if "no database" not in str(exc):
                        errors.append(str(exc))
            time.sleep(0.05)
        output = writer.communicate(timeout=60)[0]
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, output
    assert not errors
    assert len(counts) >= 10                      # it really read while the flow was running
    assert counts == sorted(counts)               # each read sees a committed state, never a partial one
    assert set(counts) <= {0, len(corpus_server.manifest.pages)}
    final = Warehouse(db).query("select count(*) from articles")[1][0][0]
    assert final == len(corpus_server.manifest.pages)
