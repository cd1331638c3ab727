"""Issue 14: alerts for old news. A first run or a backfill finds stories first published long ago: they are
stored and shown in the digest and the report, but not pushed (`[alerts] max_age_days`, default 3)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from builders import page

from reports import write_report
from settings import AlertSettings, WarehouseSettings, parse_config
from warehouse import Warehouse

NOW = datetime.now(timezone.utc)


BODIES = {
    1: ("가온전자·누리대 AI 반도체 동맹 결성", "가온전자와 누리대가 AI 반도체 동맹을 결성했다. 두 기관은 신경망 처리장치를 함께 설계한다.",
        ["가온전자", "누리대"], "누리 반도체 동맹", "founded"),
    2: ("한빛통신, 초거대AI 협의체에 합류", "한빛통신이 초거대AI 협의체에 새 회원사로 합류했다. 협의체는 공공 데이터 활용을 논의한다.",
        ["한빛통신", "초거대AI 협의체"], "초거대AI 협의체", "joined"),
    3: ("바다로보틱스·새봄병원 의료 AI 업무협약", "바다로보틱스와 새봄병원이 의료 영상 AI 업무협약을 맺었다. 수술 로봇에 적용한다.",
        ["바다로보틱스", "새봄병원"], None, "mou"),
}


def alliance_page(n: int, published_at: datetime):
    title, body, orgs, alliance, event = BODIES[n]
    return page(f"https://news.example/{n}", title=title, published_at=published_at, body=body,
                is_alliance=True, orgs=orgs, alliance=alliance, event=event)


def test_default_is_three_days_and_zero_means_no_limit():
    assert AlertSettings().max_age_days == 3
    assert parse_config({"alerts": {"max_age_days": 0}}).alerts.max_age_days == 0
    with pytest.raises(Exception, match="max_age_days"):
        parse_config({"alerts": {"max_age_days": -1}})


def test_old_stories_are_stored_and_listed_but_not_pending(tmp_path):
    wh = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20), alert_max_age_days=3)
    wh.migrate()
    fresh, old, undated = alliance_page(1, NOW - timedelta(days=1)), alliance_page(2, NOW - timedelta(days=10)), \
        alliance_page(3, NOW - timedelta(days=2))
    undated.article.published_at = None
    undated.entry = replace(undated.entry, published_at=None)
    counts = wh.load("run-1", [], [fresh, old, undated], ["log", "apprise:abc"])
    assert counts["stories_new"] == 3 and counts["alerts_too_old"] == 1

    pending = wh.pending_alerts()
    assert {a.url for a in pending} == {fresh.url, undated.url}       # a story without a date is pushed
    assert len(pending) == 4                                           # two stories x two channels
    _, rows = wh.query("select st.url, al.status, al.last_error from alerts al join stories st using (story_id) "
                       "where al.status = 'too_old'")
    assert {r[0] for r in rows} == {old.url} and len(rows) == 2
    assert all("max_age_days" in r[2] for r in rows)

    # stored, and shown: alliance_stories (the report's source) and the digest's story list
    stories = {r[0]: r[1] for r in wh.query("select url, alerted from alliance_stories")[1]}
    assert stories == {fresh.url: False, old.url: False, undated.url: False}
    digest = wh.stories_between(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert old.url in {s.url for s in digest}
    summary = write_report(wh.path, tmp_path / "report.html")
    assert summary.stories == 3 and summary.new_stories == 3
    assert old.article.title in (tmp_path / "report.html").read_text(encoding="utf-8")

    # an old article that later joins a fresh story does not hold the fresh story's alert back
    again = wh.load("run-2", [], [fresh, old, undated], ["log", "apprise:abc"])
    assert again["alerts_created"] == 0 and again["alerts_too_old"] == 0
    assert len(wh.pending_alerts()) == 4


def test_no_limit_pushes_everything(tmp_path):
    wh = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=20), alert_max_age_days=0)
    wh.migrate()
    counts = wh.load("run-1", [], [alliance_page(1, NOW - timedelta(days=400))], ["log"])
    assert counts["alerts_too_old"] == 0 and len(wh.pending_alerts()) == 1


@pytest.mark.slow
def test_a_first_run_over_an_archive_pushes_nothing_old(corpus_server, webhook, tmp_path):
    """The demo corpus is dated autumn 2026: with the default limit its every story is too old to push."""
    from flows.monitor import monitor
    sources = tmp_path / "sources.toml"
    text = corpus_server.render_sources(alert_urls=[webhook.apprise_url]).replace("max_age_days = 0", "max_age_days = 3")
    sources.write_text(text, encoding="utf-8")
    latest = max(p.published_at for p in corpus_server.manifest.pages)
    assert NOW - latest > timedelta(days=3), "the demo corpus is newer than this test assumes"
    stories = {p.story for p in corpus_server.manifest.pages if p.is_alliance}

    counts = monitor(sources_path=str(sources), db_path=str(tmp_path / "radar.duckdb"))
    assert counts["stories_new"] == len(stories) and counts["alerts_too_old"] == len(stories)
    assert counts["alerts_sent"] == 0 and webhook.received == []
    wh = Warehouse(tmp_path / "radar.duckdb")
    assert wh.query("select count(*) from alliance_stories")[1][0][0] == len(stories)
    assert wh.query("select count(*) from alerts where status <> 'too_old'")[1][0][0] == 0
