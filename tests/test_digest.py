"""The digest flow for real: Prefect (ephemeral), a DuckDB warehouse, Apprise json:// to a local receiver."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from builders import page, pending_alert

from extractors.models import KST
from flows.digest import DigestMarks, day_bounds, digest, resolve_day
from warehouse import Delivery, Warehouse

pytestmark = pytest.mark.slow


def test_resolve_day():
    now = datetime(2024, 3, 6, 0, 30, tzinfo=KST)
    assert resolve_day(None, now) == date(2024, 3, 6)
    assert resolve_day("yesterday", now) == date(2024, 3, 5)
    assert resolve_day("2024-01-02", now) == date(2024, 1, 2)
    with pytest.raises(ValueError):
        resolve_day("soon", now)
    start, end = day_bounds(date(2024, 3, 6))
    assert start.isoformat() == "2024-03-06T00:00:00+09:00" and end - start == timedelta(days=1)


def test_digest_sends_once_per_channel_and_retries_failed(tmp_path, webhook):
    db = tmp_path / "radar.duckdb"
    wh = Warehouse(db)
    wh.migrate()
    now = datetime.now(KST)
    wh.load("run-1", [], [
        page("https://www.etnews.com/1", title="*삼성·네이버* AI 동맹 @here 결성", outlet="전자신문", is_alliance=True,
             orgs=["삼성전자", "네이버"], alliance="K-AI 얼라이언스", event="founded",
             event_date=now.date(), published_at=now - timedelta(minutes=5)),
        page("https://www.bloter.net/2", title="LG, AI 협의체 합류", outlet="블로터", is_alliance=True,
             orgs=["LG"], alliance="AI 협의체", event="joined", published_at=now - timedelta(minutes=3),
             body="LG가 AI 협의체에 합류했다. 다른 내용."),
    ], [])
    sources = tmp_path / "sources.toml"
    sources.write_text(f'feeds = []\n[alerts]\nurls = ["{webhook.apprise_url}"]\n', "utf-8")

    webhook.status = 500
    with pytest.raises(RuntimeError, match="not delivered to 1 channel"):
        digest(db_path=str(db), sources_path=str(sources), day=None)
    assert len(webhook.received) == 1                      # tried once, answered 500
    marks = DigestMarks(db).load()[now.date().isoformat()]
    assert "log" in marks and len(marks) == 1             # the log channel got it; the webhook did not

    webhook.status = 200
    counts = digest(db_path=str(db), sources_path=str(sources), day=None)
    assert counts["channels_sent"] == 1 and counts["channels_skipped"] == 1 and counts["stories"] >= 1
    assert len(webhook.received) == 2
    msg = webhook.received[-1].json
    assert msg["title"].startswith(f"[AI 동맹] {now.date().isoformat()} 일일 요약")
    assert "K-AI 얼라이언스" in msg["message"] and "@here" not in msg["message"]

    again = digest(db_path=str(db), sources_path=str(sources), day=None)
    assert again["channels_sent"] == 0 and again["channels_skipped"] == 2
    assert len(webhook.received) == 2                      # never twice

    forced = digest(db_path=str(db), sources_path=str(sources), day=None, force=True)
    assert forced["channels_sent"] == 2 and len(webhook.received) == 3


def test_prefect_notification_block_channel(webhook):
    """A Prefect notification block, loaded by name, delivers through its own HTTP client."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from flows.alerts import Channel, deliver

    CustomWebhookNotificationBlock(name="radar-test", url=webhook.url,
                                   json_data={"title": "{{subject}}", "text": "{{body}}"}).save(
        "radar-test-hook", overwrite=True)
    alert = pending_alert("11", channel="block:radar-test-hook", title="AI 얼라이언스 출범 <!channel>",
                          url="https://example.kr/a", outlet_count=2, outlets=("A", "B"))
    by_name = Channel(id="block:radar-test-hook", label="Prefect block radar-test-hook", kind="block",
                      target="radar-test-hook")
    res = deliver([alert], [by_name])
    assert res == [Delivery("11", ok=True, response="sent via CustomWebhookNotificationBlock")]
    assert webhook.received and "AI 얼라이언스 출범" in webhook.received[-1].json["text"]
    assert "<!channel>" not in webhook.received[-1].json["text"]

    webhook.status = 500
    res = deliver([replace(alert, alert_id="12")], [by_name])
    assert res[0].ok is False and "500" in res[0].error
    missing = Channel(id="block:nope", label="Prefect block nope", kind="block", target="nope")
    res = deliver([replace(alert, alert_id="13", channel="block:nope")], [missing])
    assert res[0].ok is False and "nope" in res[0].error
