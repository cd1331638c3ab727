"""Issue 5 through the real flow: an alert endpoint that answers 500 for a whole run keeps every alert
pending; the next run delivers each one exactly once, and a third run sends nothing."""
from __future__ import annotations

import pytest

from flows.monitor import monitor
from warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_endpoint_down_for_one_run_then_up_delivers_each_alert_once(corpus_server, webhook, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources(alert_urls=[webhook.apprise_url]),
                       encoding="utf-8")
    db = tmp_path / "radar.duckdb"
    stories = {p.story for p in corpus_server.manifest.pages if p.is_alliance}

    webhook.status = 500
    down = monitor(sources_path=str(sources), db_path=str(db))
    assert down["stories_new"] == len(stories)
    assert all(r.status == 500 for r in webhook.received)
    pending = Warehouse(db).query("select count(*), min(attempts), max(last_error) from alerts "
                                  "where status = 'pending' and channel <> 'log'")[1][0]
    assert pending[0] == len(stories) and pending[1] >= 1 and pending[2]

    webhook.status = 200
    up = monitor(sources_path=str(sources), db_path=str(db))
    delivered = [r for r in webhook.received if r.status == 200]
    assert up["alerts_sent"] == len(stories) and len(delivered) == len(stories)
    titles = [r.json["title"] for r in delivered]
    assert len(set(titles)) == len(stories)                       # each story once

    again = monitor(sources_path=str(sources), db_path=str(db))
    assert again["alerts_sent"] == 0
    assert len([r for r in webhook.received if r.status == 200]) == len(stories)
    assert Warehouse(db).query("select count(*) from alerts where status <> 'sent'")[1][0][0] == 0
