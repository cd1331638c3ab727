"""Issue 6 at flow level: an unchanged feed list costs one conditional GET per feed and no page
requests; a feed that keeps failing backs off, visibly in `source_health`."""
from __future__ import annotations

import time

import pytest
from localhttp import LocalServer

from flows.monitor import monitor
from warehouse import Warehouse

pytestmark = pytest.mark.slow

N_FEEDS = 50
PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>지역 소식 {n}호 - 테스트일보</title>
<meta property="og:site_name" content="테스트일보"><meta property="article:published_time" content="2026-11-0{d}T09:00:00+09:00">
</head><body><article><h1>지역 소식 {n}호</h1>
<p>시립도서관이 이번 주말부터 야간 개관 시간을 밤 10시까지 늘린다고 밝혔다. 대상은 본관과 분관 {n}곳이다.</p>
<p>도서관 측은 시험 기간을 맞아 열람실 좌석을 평소보다 두 배 가까이 늘리고, 주차장도 무료로 개방하기로 했다.</p>
<p>이용객들은 회원증을 지참하면 별도 예약 없이 입장할 수 있으며, 자세한 내용은 홈페이지에서 확인할 수 있다.</p>
</article></body></html>"""


def feed_xml(base: str, n: int) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>피드 {n}</title>'
            f'<link>{base}/</link><item><title>지역 소식 {n}호</title><link>{base}/page/{n}.html</link>'
            f'<pubDate>Mon, 02 Nov 2026 09:00:00 +0900</pubDate></item></channel></rss>')


def conditional(body: str, etag: str, content_type: str):
    def handler(req):
        if req.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": content_type, "ETag": etag}, body.encode()
    return handler


@pytest.fixture
def srv():
    with LocalServer() as server:
        yield server


def write_sources(tmp_path, feeds: list[str]):
    port = feeds[0].split(":")[2].split("/")[0]
    text = f'[fetch]\nallow_private_hosts = ["127.0.0.1:{port}"]\nper_host_interval = 0.0\nper_host_concurrency = 8\n'
    text += "".join(f'\n[[feeds]]\nurl = "{url}"\noutlet = "테스트일보"\n' for url in feeds)
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unchanged_feeds_cost_one_304_each_and_no_page_requests(srv, tmp_path, capsys):
    for n in range(N_FEEDS):
        srv.route(f"/feed/{n}.rss", conditional(feed_xml(srv.base, n), f'"f{n}"', "application/rss+xml"))
        srv.route(f"/page/{n}.html", status=200, body=PAGE.format(n=n, d=n % 9 + 1),
                  content_type="text/html; charset=utf-8")
    sources = write_sources(tmp_path, [srv.url(f"/feed/{n}.rss") for n in range(N_FEEDS)])
    db = str(tmp_path / "radar.duckdb")

    first = monitor(sources_path=str(sources), db_path=db)
    assert first["feeds_polled"] == N_FEEDS and first["articles_new"] == N_FEEDS
    assert first["alliance_kept"] == 0 and first["alerts_sent"] == 0

    before = len(srv.requests)
    started = time.monotonic()
    second = monitor(sources_path=str(sources), db_path=db)
    seconds = time.monotonic() - started
    paths = [path for _, path, _ in srv.requests[before:]]
    assert second["feeds_not_modified"] == N_FEEDS
    assert second["pages_fetched"] == 0 and second["articles_new"] == 0
    assert not [p for p in paths if p.startswith("/page/")]
    assert sorted(p for p in paths if p.startswith("/feed/")) == sorted(f"/feed/{n}.rss" for n in range(N_FEEDS))
    with capsys.disabled():
        print(f"\n  steady state: {N_FEEDS} feeds answering 304, pass took {seconds:.2f} s (Prefect warm)")


def test_failing_feed_backs_off_and_source_health_shows_it(srv, tmp_path):
    srv.route("/feed/ok.rss", conditional(feed_xml(srv.base, 1), '"ok"', "application/rss+xml"))
    srv.route("/page/1.html", status=200, body=PAGE.format(n=1, d=2), content_type="text/html; charset=utf-8")
    srv.route("/feed/broken.rss", status=500, body=b"internal error")
    sources = write_sources(tmp_path, [srv.url("/feed/ok.rss"), srv.url("/feed/broken.rss")])
    db = str(tmp_path / "radar.duckdb")

    first = monitor(sources_path=str(sources), db_path=db)
    assert first["feeds_failed"] == 1
    columns, rows = Warehouse(db).query(
        "select feed_url, consecutive_failures, next_attempt_at, last_error, last_success_at "
        "from source_health order by feed_url")
    health = {r[0].rsplit("/", 1)[-1]: dict(zip(columns, r)) for r in rows}
    assert health["broken.rss"]["consecutive_failures"] == 1
    assert health["broken.rss"]["next_attempt_at"] is not None
    assert "500" in health["broken.rss"]["last_error"]
    assert health["ok.rss"]["consecutive_failures"] == 0 and health["ok.rss"]["last_success_at"] is not None

    broken_hits = len(srv.hits("/feed/broken.rss"))
    second = monitor(sources_path=str(sources), db_path=db)
    assert second["feeds_skipped"] == 1                         # still backing off: not asked again
    assert len(srv.hits("/feed/broken.rss")) == broken_hits
    assert second["feeds_not_modified"] == 1
