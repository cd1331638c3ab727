"""The committed sources.toml: parses, enough real outlets, the alliance searches, no secrets."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from settings import load_config

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources.toml"


def test_sources_toml_parses_with_enough_outlets():
    cfg = load_config(SOURCES)
    rss = [f for f in cfg.feeds if f.kind == "rss"]
    assert len(rss) >= 20
    assert len({f.outlet for f in rss}) >= 20
    assert all(f.outlet and f.category and f.url for f in rss)
    assert len({f.url for f in rss}) == len(rss)                       # no duplicates
    for must in ("전자신문", "ZDNet Korea", "디지털데일리", "아이뉴스24", "블로터", "바이라인네트워크", "AI타임스",
                 "테크M", "IT조선", "디지털타임스", "뉴시스", "연합뉴스"):
        assert must in {f.outlet for f in rss}, must
    assert cfg.fetch.allow_private_networks is False and cfg.fetch.respect_robots is True


def test_google_news_queries_and_optional_naver():
    cfg = load_config(SOURCES)
    queries = {f.query for f in cfg.feeds if f.kind == "google_news"}
    assert {"AI 동맹", "AI 얼라이언스", "AI 업무협약", "AI 원팀", "AI 협의체"} <= queries
    assert any(f.kind == "naver_api" and f.query for f in cfg.feeds)


def test_every_rss_feed_is_marked_reported_or_unverified():
    text = SOURCES.read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("url = "):
            assert "[reported]" in line or "[unverified]" in line or "[checked" in line, line


def test_no_secrets_in_sources():
    text = SOURCES.read_text("utf-8")
    assert not re.search(r"(?im)^\s*\w*(secret|token|password)\w*\s*=|hooks\.slack\.com|tgram://\d", text)
    cfg = load_config(SOURCES)
    assert cfg.alerts.urls == ()
    for f in cfg.feeds:
        if f.url:
            assert urlsplit(f.url).hostname and not urlsplit(f.url).password


RSS = """<?xml version="1.0" encoding="{enc}"?>
<rss version="2.0"><channel><title>{title}</title>
<item><title>{item} 1</title><link>http://127.0.0.1/a1</link><pubDate>Tue, 05 Mar 2024 09:30:00 +0900</pubDate></item>
<item><title>{item} 2</title><link>http://127.0.0.1/a2</link><pubDate>Wed, 06 Mar 2024 00:10:00 +0000</pubDate></item>
</channel></rss>"""


def test_sources_check_against_local_server(monkeypatch, capsys):
    from localhttp import LocalServer

    from flows.sources_check import (
        check_sources,
        format_sources_table,
        print_sources_table,
    )
    from settings import parse_config

    monkeypatch.delenv("NAVER_CLIENT_ID", raising=False)
    monkeypatch.setenv("RADAR_NO_PREFECT_SECRETS", "1")
    with LocalServer() as srv:
        srv.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n")
        srv.route("/utf8.xml", body=RSS.format(enc="utf-8", title="전자", item="AI 동맹").encode("utf-8"),
                  content_type="application/rss+xml")
        srv.route("/euckr.xml", body=RSS.format(enc="euc-kr", title="보안", item="협의체").encode("euc-kr"),
                  content_type="text/xml")
        srv.route("/empty.xml", body='<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
                  content_type="application/rss+xml")
        srv.route("/html", body="<html><body>not a feed</body></html>", content_type="text/html")
        cfg = parse_config({
            "fetch": {"allow_private_hosts": [f"127.0.0.1:{srv.port}"], "per_host_interval": 0.0, "per_host_concurrency": 4},
            "feeds": [
                {"url": srv.url("/utf8.xml"), "outlet": "전자신문", "category": "it"},
                {"url": srv.url("/euckr.xml"), "outlet": "보안뉴스", "category": "it"},
                {"url": srv.url("/empty.xml"), "outlet": "빈 피드"},
                {"url": srv.url("/missing.xml"), "outlet": "없음"},
                {"url": srv.url("/html"), "outlet": "HTML"},
                {"url": srv.url("/private/feed.xml"), "outlet": "금지"},
                {"kind": "naver_api", "query": "AI 동맹", "outlet": "네이버 뉴스"},
            ]})
        rows = check_sources(cfg)
    by = {r["outlet"]: r for r in rows}
    assert [r["outlet"] for r in rows] == ["전자신문", "보안뉴스", "빈 피드", "없음", "HTML", "금지", "네이버 뉴스"]
    assert by["전자신문"]["status"] == "ok" and by["전자신문"]["items"] == 2 and by["전자신문"]["http"] == 200
    assert by["전자신문"]["last_item"] == "2024-03-06 09:10"                 # KST
    assert by["보안뉴스"]["status"] == "ok" and by["보안뉴스"]["encoding"].lower().replace("_", "-") in ("euc-kr", "cp949")
    assert by["빈 피드"]["status"] == "empty"
    assert by["없음"]["status"] == "error" and by["없음"]["error"] == "http_404"
    assert by["HTML"]["status"] == "error" and by["HTML"]["error"].startswith("not_xml")
    assert by["금지"]["error"] == "robots_disallowed"
    assert by["네이버 뉴스"]["status"] == "skipped"
    table = format_sources_table(rows)
    assert "last item (KST)" in table and "2024-03-06 09:10" in table and "http_404" in table
    assert table.splitlines()[-1].startswith("7 feeds: 2 ok, 1 empty, 3 error, 1 skipped")
    print_sources_table(rows)
    out = capsys.readouterr().out
    assert "전자신문" in out and "robots_disallowed" in out
