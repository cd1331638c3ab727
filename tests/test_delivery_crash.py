"""Issue 14: a pass killed (SIGKILL) in the middle of delivering alerts. Every confirmed delivery reached the
fsynced journal before the next send, so the next pass delivers the rest and nothing twice.

The receiver holds its answer to the third alert and the test kills the pass then: the first two were
answered and journaled, the third never got its answer (the sender died first) — outside the one window left
(between a channel's answer and the journal's fsync). json:// requests carry a stable message id per story
and channel, so a receiver could drop the one repeat that window allows; here there must be none."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from holders import child_env

from flows.monitor import monitor
from warehouse import Warehouse

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_sigkill_mid_delivery_then_next_pass_delivers_each_story_once(corpus_server, webhook, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources(alert_urls=[webhook.apprise_url]), encoding="utf-8")
    db = tmp_path / "radar.duckdb"
    stories = {p.story for p in corpus_server.manifest.pages if p.is_alliance}
    assert len(stories) >= 4
    webhook.hold(3)

    # the pass and everything it started (Prefect's ephemeral API server) in a process group of their own
    run = subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db)],
                           cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        assert webhook.holding.wait(timeout=400), "the pass never reached its third alert"
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL
    answered_before_kill = [r for r in webhook.received if not r.held]
    assert len(answered_before_kill) == 2
    journal = [json.loads(line) for line in (db.parent / (db.name + ".deliveries.jsonl")).read_text().splitlines()]
    journaled_ok = {e["alert_id"] for e in journal if e["ok"]}
    assert {r.json["message_id"] for r in answered_before_kill} <= journaled_ok
    webhook.release()                     # the held answer goes to a dead socket

    after = monitor(sources_path=str(sources), db_path=str(db))

    confirmed = [r for r in webhook.received if not r.held and r.status == 200]
    ids = Counter(r.json["message_id"] for r in confirmed)
    assert sum(ids.values()) == len(stories) and set(ids.values()) == {1}, ids      # zero duplicates
    assert {r.headers.get("Idempotency-Key") for r in confirmed} == set(ids)
    held = next(r for r in webhook.received if r.held)
    assert held.json["message_id"] in ids               # the unanswered one was sent again, with the same id
    assert after["alerts_failed"] == 0
    wh = Warehouse(db)
    assert wh.query("select count(*) from alerts where status <> 'sent'")[1][0][0] == 0
    assert wh.query("select count(*), count(distinct canonical_url) from articles")[1][0] == \
        (len(corpus_server.manifest.pages), len(corpus_server.manifest.pages))
    assert not (db.parent / (db.name + ".deliveries.jsonl")).exists()    # applied and forgotten
