"""Issue 2's promise, end to end with real parts: the real `monitor` flow (Prefect, ephemeral) against the
real local corpus server, into a real DuckDB file, alerting a real webhook through Apprise json://."""
from __future__ import annotations

import json

import pytest

from flows.monitor import monitor
from radar.demo_server import CorpusServer, route_key
from warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def passes(tmp_path_factory, webhook_server):
    """Two passes over the demo corpus: the first stores everything, the second must add nothing."""
    tmp = tmp_path_factory.mktemp("monitor")
    with CorpusServer() as server:
        sources = tmp / "sources.toml"
        sources.write_text(server.render_sources(alert_urls=[webhook_server.apprise_url]),
                           encoding="utf-8")
        db = tmp / "radar.duckdb"
        first_state = monitor(sources_path=str(sources), db_path=str(db), return_state=True)
        alerts_after_first = list(webhook_server.received)
        pages_before = len(server.page_requests())
        second_state = monitor(sources_path=str(sources), db_path=str(db), return_state=True)
        first, second = first_state.result(), second_state.result()
        yield {"server": server, "db": db, "first": first, "second": second,
               "flow_run_ids": [first_state.state_details.flow_run_id, second_state.state_details.flow_run_id],
               "alerts_after_first": alerts_after_first, "alerts_after_second": list(webhook_server.received),
               "page_requests_second": len(server.page_requests()) - pages_before}


def rows(db, sql):
    columns, data = Warehouse(db).query(sql)
    return [dict(zip(columns, row)) for row in data]


def by_path(url: str) -> str:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    return route_key(parts.path + ("?" + parts.query if parts.query else ""))


def test_kept_set_is_exactly_the_alliance_pages(passes):
    manifest = passes["server"].manifest
    stored = rows(passes["db"], "select url, is_alliance from articles")
    assert {by_path(r["url"]) for r in stored} == {route_key(p.path) for p in manifest.pages}
    kept = {by_path(r["url"]) for r in stored if r["is_alliance"]}
    assert kept == {route_key(p.path) for p in manifest.pages if p.is_alliance}
    not_kept = {by_path(r["url"]) for r in stored if not r["is_alliance"]}
    assert not_kept == {route_key(p.path) for p in manifest.pages if not p.is_alliance}


def test_bodies_are_clean_and_complete(passes):
    manifest = passes["server"].manifest
    bodies = {by_path(r["url"]): r["body"] for r in rows(passes["db"], "select url, body from articles")}
    for page in manifest.pages:
        body = bodies[route_key(page.path)]
        for junk in page.boilerplate:
            assert junk not in body, f"{page.path}: boilerplate {junk!r} left in the body"
        for sentence in page.body_contains:
            assert sentence in body, f"{page.path}: lost body sentence {sentence!r}"


def test_metadata_is_recovered(passes):
    manifest = passes["server"].manifest
    stored = {by_path(r["url"]): r for r in rows(
        passes["db"], "select url, title, outlet, published_at, authors from articles")}
    for page in manifest.pages:
        row = stored[route_key(page.path)]
        assert row["title"] == page.title, page.path
        assert row["outlet"] == page.outlet, page.path
        assert row["published_at"] == page.published_at, page.path   # aware, KST pages right
        if page.authors:
            assert list(row["authors"]) == list(page.authors), page.path


def test_alliance_news_view_lists_kept_articles_newest_first(passes):
    news = rows(passes["db"], "select * from alliance_news")
    assert {"outlet", "title", "url", "published_at", "organisations", "score"} <= set(news[0])
    assert len(news) == sum(1 for p in passes["server"].manifest.pages if p.is_alliance)
    times = [r["published_at"] for r in news]
    assert times == sorted(times, reverse=True)
    assert all(0 < r["score"] <= 1 and r["organisations"] for r in news)


def test_one_alert_per_story_reaches_the_webhook(passes):
    stories = {p.story for p in passes["server"].manifest.pages if p.is_alliance}
    received = passes["alerts_after_first"]
    assert len(received) == len(stories)
    titles = [json.dumps(r.body, ensure_ascii=False) for r in received]
    assert len(set(titles)) == len(titles)
    assert passes["first"]["alerts_sent"] == 2 * len(stories)   # the run log channel and the webhook
    sent = rows(passes["db"], "select channel, status from alerts")
    assert len(sent) == 2 * len(stories) and all(r["status"] == "sent" for r in sent)


def test_second_pass_adds_nothing_and_sends_nothing(passes):
    second = passes["second"]
    assert second["articles_new"] == 0
    assert second["alerts_sent"] == 0
    assert second["feeds_not_modified"] == second["feeds_polled"]
    assert passes["page_requests_second"] == 0
    assert passes["alerts_after_second"] == passes["alerts_after_first"]
    count = rows(passes["db"], "select count(*) as n from articles")[0]["n"]
    assert count == len(passes["server"].manifest.pages)


BROKEN_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>고장난 피드</title><link>{base}/</link>
<item><title>빈 페이지</title><link>{base}/broken/empty.html</link></item>
<item><title>이미지</title><link>{base}/broken/image.html</link></item>
<item><title>없는 기사</title><link>{base}/broken/gone.html</link></item>
<item><title>느린 기사</title><link>{base}/broken/slow.html</link></item>
</channel></rss>"""


def test_bad_feeds_and_pages_are_logged_and_the_run_finishes(tmp_path):
    with CorpusServer() as server:
        base = server.base_url
        server.route("/feeds/broken.rss", body=BROKEN_FEED.format(base=base).encode(),
                     content_type="application/rss+xml; charset=utf-8")
        server.route("/feeds/notxml.rss", body=b"<html><body>not a feed</body></html>", content_type="text/html")
        server.route("/feeds/gone.rss", status=404, body=b"not here")
        server.route("/feeds/slow.rss", body=b"<rss/>", delay=5)
        server.route("/broken/empty.html", body=b"")
        server.route("/broken/image.html", body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, content_type="image/png")
        server.route("/broken/gone.html", status=404, body=b"gone")
        server.route("/broken/slow.html", body=b"<html></html>", delay=5)
        extra = "".join(f'\n[[feeds]]\nurl = "{base}/feeds/{name}.rss"\n' for name in ("broken", "notxml", "gone", "slow"))
        sources = tmp_path / "sources.toml"
        sources.write_text(server.render_sources().replace("[fetch]", "[fetch]\nread_timeout = 1.0\ntotal_timeout = 3.0", 1)
                           + extra, encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        counts = monitor(sources_path=str(sources), db_path=str(db))
    assert counts["feeds_failed"] == 3
    assert counts["pages_failed"] == 4
    good = sum(1 for p in server.manifest.pages)
    assert rows(db, "select count(*) as n from articles")[0]["n"] == good
    log = {by_path(r["url"]): r for r in rows(db, "select url, status, error from fetch_log where error is not null")}
    assert set(log) >= {"/feeds/notxml.rss", "/feeds/gone.rss", "/feeds/slow.rss",
                        "/broken/empty.html", "/broken/image.html", "/broken/gone.html", "/broken/slow.html"}
    assert "404" in log["/feeds/gone.rss"]["error"]
    assert "timeout" in log["/feeds/slow.rss"]["error"]


def test_run_publishes_a_summary_and_a_table_of_new_stories(passes):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    def artifacts(client, key: str):    # this module's two passes only (other tests share the Prefect server)
        runs = ArtifactFilterFlowRunId(any_=passes["flow_run_ids"])
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]), flow_run_id=runs))
    with get_client(sync_client=True) as client:
        summaries = artifacts(client, "monitor-summary")
        tables = artifacts(client, "new-alliance-stories")
    assert len(summaries) == 2 and len(tables) == 1      # the second pass found no new story
    first = passes["first"]
    assert any(f"| 새 기사 (articles stored) | {first['articles_new']} |" in a.data for a in summaries)
    stories = {p.story for p in passes["server"].manifest.pages if p.is_alliance}
    rows = [json.loads(a.data) if isinstance(a.data, str) else a.data for a in tables]
    assert any(len(r) == len(stories) for r in rows)
    titles = {row["title"] for r in rows for row in r}
    assert titles <= {p.title for p in passes["server"].manifest.pages if p.is_alliance}


def test_pass_that_changed_something_writes_the_report_and_points_an_artifact_at_it(passes):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    db = passes["db"]
    report, feed = db.parent / "report.html", db.parent / "alliance-news.xml"
    assert passes["first"]["report"] == str(report) and report.is_file()
    assert "report" not in passes["second"]                       # nothing changed: the report stays as it was
    assert passes["first"]["feed"] == passes["second"]["feed"] == str(feed) and feed.is_file()
    assert passes["first"]["feed_changed"] and not passes["second"]["feed_changed"]   # same entries, same ids
    stories = {p.story for p in passes["server"].manifest.pages if p.is_alliance}
    assert feed.read_text(encoding="utf-8").count("<entry>") == len(stories)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["alliance-report"])))
    assert any(report.resolve().as_uri() in a.data and f"| 스토리 (stories) | {len(stories)} |" in a.data
               for a in artifacts)


def test_a_page_that_failed_for_a_transient_reason_is_fetched_next_pass_even_when_the_feed_is_unchanged(tmp_path):
    """Found by `radar bench faults`: a page that timed out was never fetched again, because the next poll of its
    unchanged feed answered 304 and listed nothing. A feed with such a page keeps no validators for one poll."""
    with CorpusServer() as server:
        flaky, gone = server.manifest.pages[0], server.manifest.pages[1]
        server.route(flaky.path, status=503, body=b"busy", times=1)          # fails once, then the real page
        server.route(gone.path, status=404, body=b"gone")                     # fails for good
        sources = tmp_path / "sources.toml"
        sources.write_text(server.render_sources(), encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        first = monitor(sources_path=str(sources), db_path=str(db))
        assert first["pages_failed"] == 2
        second = monitor(sources_path=str(sources), db_path=str(db))
        third = monitor(sources_path=str(sources), db_path=str(db))
        flaky_gets = [r for r in server.page_requests() if route_key(r.path) == route_key(flaky.path)]
        gone_gets = [r for r in server.page_requests() if route_key(r.path) == route_key(gone.path)]
    assert second["pages_failed"] == 0 and len(flaky_gets) == 2           # retried once, stored
    assert len(gone_gets) == 1                                            # a 404 is not retried
    assert rows(db, "select count(*) as n from articles")[0]["n"] == len(server.manifest.pages) - 1
    assert third["feeds_not_modified"] == len(server.manifest.feeds)     # validators are back after the retry


def test_pages_beyond_max_pages_per_run_are_fetched_by_the_next_pass(tmp_path):
    """New pages over the cap wait for the next pass: they must not hide behind their unchanged feed's 304."""
    with CorpusServer() as server:
        total = len(server.manifest.pages)
        limit = total // 2 + 1
        sources = tmp_path / "sources.toml"
        sources.write_text(server.render_sources().replace("[fetch]", f"[fetch]\nmax_pages_per_run = {limit}", 1),
                           encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        monitor(sources_path=str(sources), db_path=str(db))
        assert rows(db, "select count(*) as n from articles")[0]["n"] == limit
        monitor(sources_path=str(sources), db_path=str(db))
        third = monitor(sources_path=str(sources), db_path=str(db))
    assert rows(db, "select count(*) as n from articles")[0]["n"] == total
    assert third["feeds_not_modified"] == len(server.manifest.feeds)
