"""The bundled demo corpus and the real local servers the other tests use: what `radar demo` serves
is complete and consistent, conditional GET works, faults can be injected, alerts reach a webhook."""
from __future__ import annotations

import concurrent.futures
import time
import tomllib
from collections import Counter, defaultdict
from urllib.parse import unquote, urlsplit

import apprise
import feedparser
import httpx
import pytest
from lxml import etree
from lxml import html as lxml_html
from protego import Protego

from extractors.models import EVENT_TYPES
from radar.demo_server import DEMO_CORPUS_DIR, CorpusServer, route_key
from settings import parse_config

LAYOUTS = {"ndsoft", "naver", "wp", "legacy"}
SYNDICATED = "k-ai-fullstack-alliance-2026-10-27"


def get(server: CorpusServer, path: str, **kw) -> httpx.Response:
    return httpx.get(server.url(path), timeout=10, **kw)


def page_text(demo_manifest, page, base_url="http://127.0.0.1:1") -> str:
    return demo_manifest.page_bytes(page, base_url).decode(page.charset)


def feed_links(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    if root.tag == "rss":
        return [link.text.strip() for link in root.iterfind("./channel/item/link")]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [link.get("href") for link in root.iterfind("./a:entry/a:link[@rel='alternate']", ns)]


# --- the corpus as data ----------------------------------------------------------------------------

def test_manifest_covers_what_the_demo_promises(demo_manifest):
    pages = demo_manifest.pages
    assert len(pages) >= 18
    assert sum(p.is_alliance for p in pages) >= 8
    assert sum(not p.is_alliance for p in pages) >= 7
    assert {p.layout for p in pages} == LAYOUTS
    assert len({p.outlet for p in pages}) >= 4
    kinds = Counter(f.kind for f in demo_manifest.feeds)
    assert kinds["rss"] >= 2 and kinds["atom"] >= 1
    assert any("euc-kr" in f.content_type for f in demo_manifest.feeds)
    assert len({p.path for p in pages}) == len(pages) and len({p.file for p in pages}) == len(pages)
    for p in pages:
        assert p.published_at.utcoffset() is not None and p.published_at.utcoffset().total_seconds() == 9 * 3600
        assert (DEMO_CORPUS_DIR / p.file).is_file(), p.file
        assert p.feed in {f.name for f in demo_manifest.feeds}
        assert p.boilerplate and p.body_contains
        assert route_key(p.link) == route_key(p.path), p.link     # feed link and canonical are one page
        if p.is_alliance:
            assert len(p.orgs) >= 2, p.path
            assert p.event in EVENT_TYPES and p.event_date is not None, p.path
        else:
            assert not p.orgs and p.event is None


def test_one_event_reported_by_three_outlets_forms_one_story(demo_manifest):
    stories = defaultdict(list)
    for p in demo_manifest.pages:
        stories[p.story].append(p)
    trio = stories[SYNDICATED]
    assert len(trio) == 3
    assert len({p.layout for p in trio}) == 3 and len({p.outlet for p in trio}) == 3
    assert len({frozenset(p.orgs) for p in trio}) == 1
    assert len({p.event_date for p in trio}) == 1 and len({p.alliance for p in trio}) == 1
    assert len({p.title for p in trio}) == 3
    # the same event in different words: no body sentence is shared between the versions
    bodies = [set(p.body_contains) for p in trio]
    assert not (bodies[0] & bodies[1] or bodies[1] & bodies[2] or bodies[0] & bodies[2])
    assert all(len(v) == 1 for k, v in stories.items() if k != SYNDICATED)


def test_boilerplate_and_body_sentences_are_really_in_each_page(demo_manifest):
    for p in demo_manifest.pages:
        text = page_text(demo_manifest, p)
        for s in (*p.boilerplate, *p.body_contains):
            assert s in text, f"{p.file}: {s!r} not in the page"
        for b in p.boilerplate:
            assert not any(b in s for s in p.body_contains), f"{p.file}: boilerplate {b!r} inside a body sentence"


def test_pages_carry_real_metadata(demo_manifest):
    base = "http://127.0.0.1:1"
    jsonld_layouts = set()
    for p in demo_manifest.pages:
        doc = lxml_html.fromstring(page_text(demo_manifest, p, base))
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert canonical and route_key(urlsplit(canonical[0]).path + "?" + urlsplit(canonical[0]).query) == route_key(p.path)
        # canonical URLs name the (fictional) publisher's own domain, so a re-run on another port is the same article
        assert urlsplit(canonical[0]).hostname.endswith(".example") and not canonical[0].startswith(base)
        title = doc.findtext(".//title")
        assert p.title in title and title != p.title, p.file          # a site suffix
        assert doc.xpath("//meta[@property='og:title']/@content")
        published = doc.xpath("//meta[@property='article:published_time']/@content")
        if p.layout == "legacy":
            assert not published and "입력 " + p.published_at.strftime("%Y.%m.%d %H:%M") in page_text(demo_manifest, p)
        else:
            assert published and published[0].endswith("+09:00"), p.file
        if doc.xpath("//script[@type='application/ld+json']"):
            jsonld_layouts.add(p.layout)
        body = {"ndsoft": "//*[@id='article-view-content-div']", "naver": "//*[@id='dic_area']",
                "wp": "//*[contains(@class,'entry-content')]", "legacy": "//*[@id='articleBody']"}[p.layout]
        assert doc.xpath(body), p.file
    assert jsonld_layouts == {"wp"}


def test_legacy_pages_are_really_euc_kr(demo_manifest):
    legacy = [p for p in demo_manifest.pages if p.layout == "legacy"]
    assert legacy
    for p in legacy:
        raw = (DEMO_CORPUS_DIR / p.file).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert b'<meta charset="euc-kr">' in raw
        assert p.title in raw.decode("euc-kr")


def test_demo_sources_template_is_a_valid_sources_file(corpus_server_session):
    text = corpus_server_session.render_sources()
    assert "{base_url}" not in text
    # callers add settings with text.replace("[fetch]", "[fetch]\n...", 1): the first hit must be the table
    assert text.count("[fetch]") == 1 and text.lstrip().splitlines().count("[fetch]") == 1
    config = parse_config(tomllib.loads(text))
    # only the server's own address is opened, not every private network
    assert config.fetch.allow_private_networks is False
    assert config.fetch.allow_private_hosts == (f"127.0.0.1:{corpus_server_session.port}",)
    assert config.alerts.max_age_days == 0          # the corpus is dated: every story alerts whatever its age
    with_urls = parse_config(tomllib.loads(corpus_server_session.render_sources(alert_urls=["json://127.0.0.1:1/x"])))
    assert with_urls.alerts.urls == ("json://127.0.0.1:1/x",) and with_urls.alerts.max_age_days == 0
    feed_urls = {f.url for f in config.feeds}
    assert feed_urls == {corpus_server_session.url(f.path) for f in corpus_server_session.manifest.feeds}


# --- served over HTTP ------------------------------------------------------------------------------

def test_server_serves_every_page_with_the_right_bytes_and_charset(corpus_server_session, demo_manifest):
    server = corpus_server_session
    for p in demo_manifest.pages:
        r = get(server, p.link)
        assert r.status_code == 200, p.link
        assert r.headers["content-type"] == f"text/html; charset={p.charset}"
        assert r.content == demo_manifest.page_bytes(p, server.base_url)
        assert b"{base_url}" not in r.content
        assert server.base_url not in r.content.decode(p.charset)    # pages name their publisher's domain
        if p.charset == "euc-kr":
            with pytest.raises(UnicodeDecodeError):
                r.content.decode("utf-8")
        # the canonical path answers the same page as the tracked feed link
        assert get(server, p.path).content == r.content


def test_feeds_parse_and_list_every_page_with_server_links(corpus_server_session, demo_manifest):
    server = corpus_server_session
    listed = set()
    for feed in demo_manifest.feeds:
        r = get(server, feed.path)
        assert r.status_code == 200 and r.headers["content-type"] == feed.content_type
        links = feed_links(r.content)                        # lxml honours the XML encoding declaration
        assert links and all(link.startswith(server.base_url + "/") for link in links)
        expected = {server.url(p.link) for p in demo_manifest.pages if p.feed == feed.name}
        assert set(links) == expected, feed.name
        parsed = feedparser.parse(r.content)
        assert len(parsed.entries) == len(links)
        assert all(e.get("title") and e.get("summary") for e in parsed.entries)
        listed |= set(links)
    assert listed == {server.url(p.link) for p in demo_manifest.pages}     # every page is in some feed


def test_legacy_feed_is_euc_kr_with_kst_and_zoneless_dates(corpus_server_session):
    r = get(corpus_server_session, "/feeds/legacy.rss")
    assert r.headers["content-type"] == "application/rss+xml; charset=euc-kr"
    assert r.content.startswith(b'<?xml version="1.0" encoding="euc-kr"?>')
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    dates = [d.text for d in etree.fromstring(r.content).iterfind("./channel/item/pubDate")]
    assert any(d.endswith(" KST") for d in dates)
    assert any(d[:4].isdigit() and "+" not in d and "KST" not in d for d in dates)
    other = get(corpus_server_session, "/feeds/technews.rss").content
    assert all(d.text.endswith("+0900") for d in etree.fromstring(other).iterfind("./channel/item/pubDate"))


def test_robots_txt_disallows_only_private(corpus_server_session, demo_manifest):
    server = corpus_server_session
    r = get(server, "/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    robots = Protego.parse(r.text)
    assert not robots.can_fetch(server.url("/private/draft.html"), "alliance-radar")
    for url in [server.url(p.link) for p in demo_manifest.pages] + [server.url(f.path) for f in demo_manifest.feeds]:
        assert robots.can_fetch(url, "alliance-radar"), url


def test_unknown_paths_are_404_and_nothing_leaks_outside_the_root(corpus_server_session):
    server = corpus_server_session
    for path in ("/nope.html", "/ndsoft/news/articleView.html?idxno=9", "/../pyproject.toml", "/%2e%2e/radar/cli.py",
                 "/pages/ndsoft/2101.html", "/private/draft.html"):
        assert get(server, path).status_code == 404, path


def test_percent_encoded_korean_slug_matches_either_form(corpus_server_session, demo_manifest):
    page = next(p for p in demo_manifest.pages if "%" in p.path)
    encoded, decoded = get(corpus_server_session, page.path), get(corpus_server_session, unquote(page.path))
    assert encoded.status_code == decoded.status_code == 200 and encoded.content == decoded.content


# --- conditional GET -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/feeds/technews.rss", "/feeds/legacy.rss",
                                  "/ndsoft/news/articleView.html?idxno=2101"])
def test_conditional_get_answers_304(corpus_server, path):
    first = get(corpus_server, path)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")        # strong
    assert get(corpus_server, path).headers["etag"] == etag           # stable

    by_etag = get(corpus_server, path, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b"" and by_etag.headers["etag"] == etag
    by_date = get(corpus_server, path, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304 and by_date.content == b""

    assert get(corpus_server, path, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert get(corpus_server, path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    assert get(corpus_server, path, headers={"If-None-Match": '"stale"',
                                             "If-Modified-Since": last_modified}).status_code == 200
    assert [r.status for r in corpus_server.requests_for(path)] == [200, 200, 304, 304, 200, 200, 200]


def test_etag_follows_the_served_bytes_not_the_file(corpus_server, demo_manifest):
    """The same file served on two ports has two different bodies ({base_url}), so two ETags."""
    with CorpusServer() as other:
        a = get(corpus_server, "/feeds/aitoday.atom").headers["etag"]
        b = get(other, "/feeds/aitoday.atom").headers["etag"]
    assert a != b


# --- fault injection -------------------------------------------------------------------------------

def test_route_injects_faults(corpus_server):
    s = corpus_server
    s.route("/feeds/technews.rss", status=500, body="oops")
    s.route("/feeds/aitoday.atom", body=b"<html><body>not a feed</body></html>", content_type="text/html")
    s.route("/feeds/dtnews.rss", body=b"", content_type="application/rss+xml")
    s.route("/huge.html", body=b"<p>" + b"x" * 9_000_000 + b"</p>")
    s.route("/ndsoft/news/articleView.html?idxno=2101", status=404)
    s.redirect("/old/article", "/ndsoft/news/articleView.html?idxno=2117")

    assert get(s, "/feeds/technews.rss").status_code == 500
    r = get(s, "/feeds/aitoday.atom")
    assert r.status_code == 200 and r.content.startswith(b"<html>") and "etag" not in r.headers
    r = get(s, "/feeds/dtnews.rss")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-length"] == "0"
    assert len(get(s, "/huge.html").content) == 9_000_007
    assert get(s, "/ndsoft/news/articleView.html?idxno=2101&utm_source=rss").status_code == 404
    assert get(s, "/ndsoft/news/articleView.html?idxno=2124").status_code == 200    # other pages untouched
    r = get(s, "/old/article", follow_redirects=True)
    assert r.status_code == 200 and [h.status_code for h in r.history] == [301]
    assert str(r.url) == s.url("/ndsoft/news/articleView.html?idxno=2117")

    s.clear_routes()
    assert get(s, "/feeds/technews.rss").status_code == 200


def test_route_times_then_falls_back_to_the_corpus(corpus_server):
    corpus_server.route("/feeds/legacy.rss", status=503, times=2)
    statuses = [get(corpus_server, "/feeds/legacy.rss").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_slow_route_times_out_a_client_and_stop_is_prompt():
    server = CorpusServer().start()
    server.route("/feeds/technews.rss", delay=30)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url("/feeds/technews.rss"), timeout=httpx.Timeout(5, read=0.3))
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url("/robots.txt"), timeout=2)


def test_request_log_is_complete_under_concurrency(corpus_server, demo_manifest):
    links = [p.link for p in demo_manifest.pages]
    with httpx.Client(timeout=10) as client, concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda link: client.get(corpus_server.url(link)).status_code, links * 2))
    assert statuses == [200] * (2 * len(links))
    get(corpus_server, "/feeds/technews.rss")
    assert len(corpus_server.page_requests()) == 2 * len(links)
    assert len(corpus_server.requests) == 2 * len(links) + 1
    record = corpus_server.requests_for(links[0])[0]
    assert record.method == "GET" and record.status == 200 and "user-agent" in {k.lower() for k in record.headers}
    corpus_server.clear_requests()
    assert corpus_server.requests == []


def test_head_requests_get_headers_only(corpus_server):
    r = httpx.head(corpus_server.url("/feeds/technews.rss"), timeout=10)
    assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 1000


# --- the webhook receiver and Apprise --------------------------------------------------------------

def test_apprise_json_notification_reaches_the_webhook_once(webhook):
    notifier = apprise.Apprise()
    assert notifier.add(webhook.apprise_url)
    assert notifier.notify(title="AI 동맹 감지", body="KT·리벨리온 얼라이언스 출범") is True
    received = webhook.wait_for(1)
    time.sleep(0.2)
    assert len(webhook.received) == 1
    hit = received[0]
    assert hit.method == "POST" and hit.path == "/hook"
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.json["title"] == "AI 동맹 감지" and hit.json["message"] == "KT·리벨리온 얼라이언스 출범"
    assert webhook.messages == [hit.json]


def test_apprise_reports_failure_when_the_webhook_answers_500(webhook):
    webhook.status = 500
    notifier = apprise.Apprise()
    notifier.add(webhook.apprise_url)
    assert notifier.notify(title="t", body="b") is False
    assert [r.status for r in webhook.wait_for(1)] == [500]
    assert webhook.messages == []


def test_webhook_fail_next_then_recovers_and_plain_posts_are_recorded(webhook):
    webhook.fail_next(1)
    assert httpx.post(webhook.url, json={"n": 1}, timeout=5).status_code == 500
    assert httpx.post(webhook.url, json={"n": 2}, timeout=5).status_code == 200
    assert httpx.post(webhook.url, content=b"plain text", timeout=5).status_code == 200
    got = webhook.wait_for(3)
    assert [r.status for r in got] == [500, 200, 200]
    assert got[2].json is None and got[2].text == got[2].body == "plain text" and got[2].raw == b"plain text"
    assert got[1].body == {"n": 2}
    assert webhook.messages == [{"n": 2}]


def test_slow_webhook_times_out_the_sender(webhook):
    webhook.delay = 5
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(webhook.url, json={}, timeout=httpx.Timeout(5, read=0.3))
