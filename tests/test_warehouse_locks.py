"""Lock discipline with REAL separate processes holding or reading the DuckDB file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from builders import page

from extractors.models import KST
from settings import WarehouseSettings
from warehouse import DatabaseBusy, Warehouse, read_only_connection

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=KST)


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def hold(path: Path, seconds: float, *, read_only: bool = False) -> subprocess.Popen:
    """Start a process that opens the file (read-write by default) and keeps it open."""
    code = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r}, read_only={read_only!r})
        con.execute("SELECT count(*) FROM articles").fetchall()
        print("held", flush=True)
        time.sleep({seconds!r})
        con.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    line = proc.stdout.readline()
    assert line.strip() == "held", proc.stderr.read()
    return proc


def pages(start: int, n: int):
    return [page(f"https://l.example/{i}", body=f"본문 {i}", published_at=T0 + timedelta(minutes=i))
            for i in range(start, start + n)]


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20))
    w.migrate()
    return w


def test_reader_process_queries_between_loads(wh, tmp_path):
    """A separate reader process polls the file the whole time the 'flow' loads four batches:
    it gets answers between loads (it is never locked out for long) and sees the count grow."""
    log = tmp_path / "reader.jsonl"
    stop = tmp_path / "stop"
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
    reader = subprocess.Popen([sys.executable, "-c", code], env=_env(), stderr=subprocess.PIPE, text=True)
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
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=_env())
    assert out.stdout.strip() == "ok", out.stderr

