"""Alert outbox: one alert per new story per channel, retried until delivered, never re-sent.
Uses a real local HTTP endpoint and real DuckDB files/processes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from radar.bench_stories import load_story_fixture, story_pages
from settings import WarehouseSettings
from warehouse import Delivery, Warehouse, alert_id_for, loads

ROOT = Path(__file__).resolve().parent.parent
ITEMS = {it["id"]: it for it in load_story_fixture()}
WINDOW = ["e01-yna", "e01-copy", "e01-etnews", "e04-yna", "e04-hankyung", "e06-yna"]   # 3 stories


class Endpoint:
    """A webhook receiver that can be down (port closed) or up."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.received: list[dict] = []
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self):
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok":true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def deliver(wh: Warehouse, endpoint: Endpoint) -> list[Delivery]:
    """What the flow does after the load commits: send each pending alert, record each outcome."""
    results = []
    for alert in wh.pending_alerts():
        payload = json.dumps({"alert_id": alert.alert_id, "title": alert.title,
                              "outlets": list(alert.outlets)}).encode()
        req = urllib.request.Request(endpoint.url, data=payload, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                res = Delivery(alert.alert_id, ok=True, response=resp.read().decode())
        except (urllib.error.URLError, OSError) as exc:
            res = Delivery(alert.alert_id, ok=False, error=str(exc))
        wh.record_deliveries([res])
        results.append(res)
    return results


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20))
    w.migrate()
    return w


def test_endpoint_down_one_run_then_up_delivers_each_alert_exactly_once(wh):
    endpoint = Endpoint()
    pages = story_pages([ITEMS[i] for i in WINDOW])
    try:
        # run 1: three stories -> three alerts; the endpoint is down
        c = wh.load("run-1", [], pages, ["webhook"])
        assert c["stories_new"] == 3 and c["alerts_created"] == 3
        res = deliver(wh, endpoint)
        assert len(res) == 3 and not any(r.ok for r in res)
        _, rows = wh.query("SELECT status, attempts, last_error IS NOT NULL FROM alerts")
        assert rows == [("pending", 1, True)] * 3
        # run 2: the same window again (adds nothing), the endpoint is back
        endpoint.up()
        c = wh.load("run-2", [], pages, ["webhook"])
        assert c["articles_new"] == 0 and c["alerts_created"] == 0
        assert len(deliver(wh, endpoint)) == 3
        # run 3 and 4: nothing more is sent
        for run in ("run-3", "run-4"):
            wh.load(run, [], pages, ["webhook"])
            assert deliver(wh, endpoint) == []
    finally:
        endpoint.down()
    counts = Counter(r["alert_id"] for r in endpoint.received)
    assert len(counts) == 3 and set(counts.values()) == {1}
    _, rows = wh.query("SELECT status, attempts, sent_at IS NOT NULL, response FROM alerts")
    assert rows == [("sent", 2, True, '{"ok":true}')] * 3
    _, rows = wh.query("SELECT count(*) FROM alliance_stories WHERE alerted")
    assert rows == [(3,)]


def test_each_channel_gets_its_own_alert_and_its_own_fate(wh):
    wh.load("run-1", [], story_pages([ITEMS["e05-yna"]]), ["log", "apprise:3f2a9c"])
    alerts = wh.pending_alerts()
    assert sorted(a.channel for a in alerts) == ["apprise:3f2a9c", "log"]
    by_channel = {a.channel: a.alert_id for a in alerts}
    wh.record_deliveries([Delivery(by_channel["log"], ok=True, response="logged"),
                          Delivery(by_channel["apprise:3f2a9c"], ok=False, error="HTTP 502 from hooks.slack.com")])
    left = wh.pending_alerts()
    assert [a.channel for a in left] == ["apprise:3f2a9c"] and left[0].attempts == 1
    assert left[0].last_error == "HTTP 502 from hooks.slack.com"
    assert by_channel["log"] == alert_id_for(left[0].story_id, "log")


def test_gives_up_after_max_attempts(tmp_path):
    wh = Warehouse(tmp_path / "r.duckdb", alert_max_attempts=3)
    wh.load("run-1", [], story_pages([ITEMS["e07-yna"]]), ["log"])
    aid = wh.pending_alerts()[0].alert_id
    for k in range(3):
        wh.record_deliveries([Delivery(aid, ok=False, error=f"down {k}", at=f"2024-01-01T00:0{k}:00+00:00")])
    assert wh.pending_alerts() == []
    assert wh.query("SELECT status, attempts, last_error FROM alerts")[1] == [("failed", 3, "down 2")]
    # the same failure reported twice (a retried record call) counts once
    wh2 = Warehouse(tmp_path / "r2.duckdb")
    wh2.load("run-1", [], story_pages([ITEMS["e07-yna"]]), ["log"])
    aid = wh2.pending_alerts()[0].alert_id
    failure = Delivery(aid, ok=False, error="down", at="2024-01-01T00:00:00+00:00")
    wh2.record_deliveries([failure])
    wh2.record_deliveries([failure])
    assert wh2.query("SELECT attempts FROM alerts")[1] == [(1,)]


def test_sent_alert_is_not_resent_when_the_database_was_busy_at_record_time(wh):
    """The send succeeded but another process held the file when it was recorded: the result
    waits in the journal, is never offered again, and the next write stores it."""
    wh.load("run-1", [], story_pages([ITEMS["e08-yna"]]), ["log"])
    aid = wh.pending_alerts()[0].alert_id
    code = textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(wh.path)!r})
        print("held", flush=True)
        time.sleep(6)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    assert holder.stdout.readline().strip() == "held"
    try:
        busy = Warehouse(wh.path, WarehouseSettings(lock_wait_seconds=0.5))
        out = busy.record_deliveries([Delivery(aid, ok=True, response="200")])
        assert out == {"recorded": 0, "journaled": 1}
        assert busy.journal_path.exists()
    finally:
        holder.kill()
        holder.wait()
    # a crash here loses nothing: a new process sees the journal
    fresh = Warehouse(wh.path)
    assert fresh.pending_alerts() == []
    assert fresh.query("SELECT status FROM alerts")[1] == [("pending",)]     # not yet in the database
    fresh.load("run-2", [], story_pages([ITEMS["e08-yna"]]), ["log"])    # any write applies the journal
    assert fresh.query("SELECT status, response FROM alerts")[1] == [("sent", "200")]
    assert not fresh.journal_path.exists()
    assert fresh.pending_alerts() == []


def test_alerts_are_created_in_the_load_transaction(wh, monkeypatch):
    """If the load fails after the stories step, neither the story nor its alert exists (and the
    next load creates both, once)."""
    pages = story_pages([ITEMS["e06-yna"], ITEMS["e06-donga"]])

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full while storing raw HTML")

    monkeypatch.setattr(loads, "store_raw_pages", boom)      # runs after stories and alerts are written
    with pytest.raises(RuntimeError, match="disk full"):
        wh.load("run-1", [], pages, ["log"])
    monkeypatch.undo()
    assert wh.query("SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM alerts), "
                    "(SELECT count(*) FROM articles)")[1] == [(0, 0, 0)]
    c = wh.load("run-2", [], pages, ["log"])
    assert c["stories_new"] == 1 and c["alerts_created"] == 1
