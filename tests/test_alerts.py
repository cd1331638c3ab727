"""Alert formatting and real Apprise delivery to a real local receiver (no mocks)."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from datetime import date, datetime

from builders import pending_alert, story_row
from localhttp import LocalServer

from extractors.models import KST
from flows.alerts import (
    Channel,
    alert_channels,
    apprise_channel_id,
    deliver,
    escape_markdown,
    format_alert,
    format_digest,
    redact_url,
)
from settings import parse_config
from warehouse import Delivery

EVIL = pending_alert(
    "7", channel="log",
    title="*속보* <!here> @here @channel 네이버_카카오 [클릭](http://evil.example) `code` <@U123>",
    url="https://www.etnews.com/20240101000001?a=1&b=<x>",
    outlet="전자신문", outlets=("전자신문", "ZDNet Korea", "블로터"), outlet_count=3,
    alliance="K-AI 얼라이언스", event="joined", event_date=date(2024, 3, 5),
    orgs=("네이버", "LG AI연구원", "@everyone"), first_published_at=datetime(2024, 3, 5, 9, 30, tzinfo=KST),
)


def test_format_markdown_escapes_and_neutralises():
    title, body = format_alert(EVIL, markdown=True)
    assert title.startswith("[AI 동맹] ")
    for label in ("동맹:", "이벤트:", "기관:", "날짜:", "보도 매체 수:", "제목:", "링크:"):
        assert label in body
    assert "K\\-AI" not in body and "K-AI 얼라이언스" in body
    assert "합류" in body and "3곳" in body and "2024-03-05" in body
    assert "\\*속보\\*" in body and "네이버\\_카카오" in body
    assert "\\[클릭\\]\\(http://evil.example\\)" in body and "\\`code\\`" in body
    for bad in ("<!here>", "<@U123>", "@here", "@channel", "@everyone"):
        assert bad not in body and bad not in title
    assert "@\u200bhere" in body
    # the link is an autolink with the angle brackets inside it percent-encoded
    assert "<https://www.etnews.com/20240101000001?a=1&b=%3Cx%3E>" in body


def test_format_plain_text_keeps_stars_but_no_mentions():
    title, body = format_alert(EVIL, markdown=False)
    assert "*속보*" in body and "\\*" not in body
    assert "<!here>" not in body and "@here" not in body and "<@U123>" not in body
    assert "링크: https://www.etnews.com/20240101000001?a=1&b=%3Cx%3E" in body
    assert "\n" not in title


def test_format_sparse_alert():
    title, body = format_alert(pending_alert("1", title="제목", url="https://a.kr/1",
                                             first_published_at=datetime.fromisoformat("2024-05-01T10:00:00+00:00")),
                               markdown=False)
    assert "이름 없는 협력" in body and "2024-05-01 19:00 KST" in body and "0곳" in body


def test_escape_markdown_is_idempotent_on_safe_text():
    assert escape_markdown("삼성전자 AI 협의체 출범 2024.1.1") == "삼성전자 AI 협의체 출범 2024.1.1"


def test_channels_are_stable_and_secret_free(monkeypatch):
    monkeypatch.setenv("RADAR_ALERT_URLS", "slack://TOKENA/TOKENB/TOKENC/#news, json://hooks.example.org/x")
    cfg = parse_config({"feeds": [], "alerts": {"urls": ["tgram://123456:SECRETBOT/987"],
                                                 "prefect_blocks": ["team-slack"]}})
    chans = alert_channels(cfg)
    assert [c.kind for c in chans] == ["log", "apprise", "apprise", "apprise", "block"]
    assert chans[1].id == apprise_channel_id("tgram://123456:SECRETBOT/987") and len(chans[1].id) == len("apprise:") + 12
    labels = " ".join(c.label + c.id for c in chans)
    for secret in ("SECRETBOT", "TOKENA", "TOKENB", "123456"):
        assert secret not in labels
    assert redact_url("json://hooks.example.org/x") == "json://hooks.example.org"
    assert chans[-1].id == "block:team-slack"
    assert alert_channels(cfg)[2].id == chans[2].id                  # stable


def _receiver(srv: LocalServer, path="/hook", status=200, delay=0.0):
    got = []

    def handler(req):
        if delay:
            time.sleep(delay)
        got.append(json.loads(req.body.decode("utf-8")))
        return status, {"Content-Type": "application/json"}, b'{"ok": true}' if status == 200 else b"boom"
    srv.route(path, handler)
    return got


def test_real_apprise_json_delivery_and_log_channel(caplog):
    with LocalServer() as srv:
        got = _receiver(srv)
        url = f"json://127.0.0.1:{srv.port}/hook"
        ch = Channel(id=apprise_channel_id(url), label=redact_url(url), kind="apprise", target=url)
        logch = Channel(id="log", label="run log", kind="log", target="log")
        alerts = [replace(EVIL, alert_id="1", channel=ch.id), replace(EVIL, alert_id="2", channel="log")]
        with caplog.at_level(logging.INFO, logger="test.alerts"):
            res = deliver(alerts, [logch, ch], logging.getLogger("test.alerts"))
    assert [r.alert_id for r in res] == ["1", "2"]
    assert res[0].ok is True and res[0].error is None
    assert res[1] == Delivery("2", ok=True, response="logged")
    assert len(got) == 1
    assert got[0]["title"].startswith("[AI 동맹] ") and "보도 매체 수: 3곳" in got[0]["message"]
    assert "@here" not in got[0]["message"]
    assert any("[AI 동맹]" in r.getMessage() for r in caplog.records)


def test_endpoint_500_is_reported_not_raised():
    with LocalServer() as srv:
        got = _receiver(srv, status=500)
        url = f"json://127.0.0.1:{srv.port}/hook"
        ch = Channel(id="apprise:x", label=redact_url(url), kind="apprise", target=url)
        res = deliver([replace(EVIL, alert_id="5", channel="apprise:x")], [ch], logging.getLogger("t"))
    assert res[0].ok is False and res[0].alert_id == "5"
    assert "500" in res[0].error
    assert len(got) == 1                                  # one attempt per delivery call, no hidden retries


def test_endpoint_down_and_slow_are_bounded():
    with LocalServer() as dead:
        port = dead.port
    url = f"json://127.0.0.1:{port}/hook"
    ch = Channel(id="apprise:d", label="d", kind="apprise", target=url)
    t0 = time.monotonic()
    res = deliver([replace(EVIL, alert_id="9", channel="apprise:d")], [ch], logging.getLogger("t"), timeout=2)
    assert res[0].ok is False and res[0].error
    assert time.monotonic() - t0 < 5
    with LocalServer() as srv:
        _receiver(srv, delay=4)
        url = f"json://127.0.0.1:{srv.port}/hook"
        ch = Channel(id="apprise:s", label="s", kind="apprise", target=url)
        t0 = time.monotonic()
        res = deliver([replace(EVIL, alert_id="10", channel="apprise:s")], [ch], logging.getLogger("t"), timeout=1)
        took = time.monotonic() - t0
    assert res[0].ok is False and took < 4, (res, took)


def test_unknown_channel_is_an_error_result():
    res = deliver([replace(EVIL, alert_id="3", channel="apprise:gone")], [Channel("log", "run log", "log", "log")])
    assert res[0].ok is False and "not configured" in res[0].error


def test_digest_format():
    title, body = format_digest(date(2024, 3, 5), [story_row(EVIL), story_row(EVIL, title="두 번째")], markdown=True)
    assert "2024-03-05" in title and "2건" in title
    assert "1\\. **" in body and "2\\. **두 번째**" in body and "@here" not in body
    title, body = format_digest(date(2024, 3, 6), [], markdown=False)
    assert "0건" in title and "없습니다" in body


def test_failing_channel_is_skipped_after_two_failures_in_one_call():
    with LocalServer() as srv:
        got = _receiver(srv, status=500)
        url = f"json://127.0.0.1:{srv.port}/hook"
        ch = Channel(id="apprise:f", label="f", kind="apprise", target=url)
        logch = Channel(id="log", label="run log", kind="log", target="log")
        alerts = [replace(EVIL, alert_id=str(i), channel="apprise:f") for i in range(5)] + \
            [replace(EVIL, alert_id="99", channel="log")]
        res = deliver(alerts, [logch, ch], logging.getLogger("t"))
    assert [r.ok for r in res] == [False] * 5 + [True]
    assert len(got) == 2                                   # the rest were not attempted this run
    assert all(r.error.startswith("not sent: channel failing this run") for r in res[2:5])
