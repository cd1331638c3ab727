"""PoliteFetcher against real HTTP servers on 127.0.0.1 (no mocks)."""
from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from localhttp import LocalServer

from flows.http import FetchRequest, PoliteFetcher
from flows.search_apis import fetch_naver_news, resolve_google_news_link
from settings import FetchSettings, read_environment

BASE = FetchSettings(per_host_interval=0.0, per_host_concurrency=4,
                     connect_timeout=2, read_timeout=2, total_timeout=5, max_redirects=3)


def fast(*servers, **changes) -> FetchSettings:
    """BASE with the given local servers (or ports) allow-listed by host:port, as a user would; the
    global allow_private_networks switch stays off."""
    ports = [s if isinstance(s, int) else s.port for s in servers]
    allowed = tuple(f"{host}:{port}" for port in ports for host in ("127.0.0.1", "localhost"))
    return replace(BASE, allow_private_hosts=allowed, **changes)


def run(coro):
    return asyncio.run(coro)


async def fetch_all(settings, *urls, **kw):
    async with PoliteFetcher(settings) as f:
        return [await f.fetch(u, **kw) for u in urls], f


@pytest.fixture
def srv():
    with LocalServer() as s:
        s.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n")
        yield s


def test_plain_fetch_sends_user_agent_with_contact(srv):
    srv.route("/feed.xml", body="<rss/>", content_type="application/rss+xml; charset=utf-8",
              headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})
    settings = fast(srv, user_agent="alliance-radar-test/1.0", contact_url="https://example.org/contact")
    (r,), _ = run(fetch_all(settings, srv.url("/feed.xml")))
    assert r.ok and r.http_status == 200 and r.content == b"<rss/>"
    assert r.content_type.startswith("application/rss+xml")
    assert r.etag == '"v1"' and r.last_modified.startswith("Mon, 01 Jan 2024")
    ua = [h for _, p, h in srv.requests if p == "/feed.xml"][0]["User-Agent"]
    assert ua == "alliance-radar-test/1.0 (+https://example.org/contact)"


def test_robots_disallow_is_honoured_counted_and_cached(srv):
    srv.route("/private/secret.html", body="nope")
    srv.route("/public.html", body="yes")
    urls = [srv.url("/private/secret.html"), srv.url("/public.html"), srv.url("/private/other")]
    (a, b, c), f = run(fetch_all(fast(srv), *urls))
    assert a.error == "robots_disallowed" and a.content is None and a.http_status is None
    assert b.ok and b.content == b"yes"
    assert c.error == "robots_disallowed"
    assert f.stats["robots_disallowed"] == 2
    assert srv.hits("/private/secret.html") == [] and srv.hits("/private/other") == []
    assert len(srv.hits("/robots.txt")) == 1          # cached per origin


def test_robots_404_allows_all_and_5xx_skips_host(srv):
    srv.route("/page", body="x")
    srv.route("/robots.txt", status=404, body="")
    (r,), _ = run(fetch_all(fast(srv), srv.url("/page")))
    assert r.ok
    srv.route("/robots.txt", status=503, body="down")
    before = len(srv.hits("/page"))
    (r1, r2), f = run(fetch_all(fast(srv), srv.url("/page"), srv.url("/page")))
    assert r1.error == r2.error == "robots_unavailable: http_503"
    assert len(srv.hits("/page")) == before           # page never requested
    assert f.stats["robots_fetches"] == 1


def test_respect_robots_false_skips_robots(srv):
    srv.route("/private/x", body="x")
    (r,), _ = run(fetch_all(fast(srv, respect_robots=False), srv.url("/private/x")))
    assert r.ok and srv.hits("/robots.txt") == []


def test_per_host_rate_limit_spaces_request_starts(srv):
    srv.route("/a", body="a")
    settings = fast(srv, per_host_interval=0.25, per_host_concurrency=2)

    async def go():
        async with PoliteFetcher(settings) as f:
            t0 = time.monotonic()
            rs = await f.fetch_many([srv.url("/a")] * 6)
            return rs, time.monotonic() - t0

    rs, took = run(go())
    assert all(r.ok for r in rs)
    starts = sorted(srv.hits("/robots.txt") + srv.hits("/a"))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # 7 requests (robots + 6) to one host, each started 0.25 s after the previous one; the server sees
    # the arrivals with a few ms of scheduling jitter on a loaded machine, so allow 20% per gap, none overall
    assert len(starts) == 7 and min(gaps) >= 0.2, gaps
    assert took >= 6 * 0.25 - 0.05
    rate = (len(starts) - 1) / (starts[-1] - starts[0])
    assert rate <= 4.1     # 1 / interval


def test_per_host_concurrency_bound_and_hosts_independent(srv):
    def slow(req):
        time.sleep(0.3)
        return 200, {"Content-Type": "text/plain"}, b"s"
    srv.route("/slow", slow)
    settings = fast(srv, per_host_concurrency=2, total_concurrency=10)

    async def go():
        async with PoliteFetcher(settings) as f:
            t0 = time.monotonic()
            # two host names for one server: 127.0.0.1 and localhost are different hosts to the limiter
            urls = [srv.url("/slow")] * 4 + [f"http://localhost:{srv.port}/slow"] * 4
            rs = await f.fetch_many(urls)
            return rs, time.monotonic() - t0

    rs, took = run(go())
    assert all(r.ok for r in rs), [r.error for r in rs]
    assert srv.max_active <= 4            # 2 per host x 2 hosts
    assert 0.55 <= took < 1.5             # 4 per host at 2 at a time = 2 rounds of 0.3 s, hosts in parallel


def test_each_host_keeps_its_connections_when_hosts_outnumber_the_global_bound():
    """Four sites, two requests at a time in all: each site's pages still go over its own kept-alive
    connections (one shared pool of two closed one site's connection to open another's, per request)."""
    servers = [LocalServer(f"127.0.0.{i}") for i in range(2, 6)]
    peers: dict[int, set] = {}
    for n, s in enumerate(servers):
        peers[n] = set()

        def page(req, _seen=peers[n]):
            _seen.add(req.client_address)        # (address, port): one per TCP connection
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<p>기사</p>".encode()
        s.route("/robots.txt", status=404, body="")
        s.route("/news", page)
    for s in servers:
        s.__enter__()
    try:
        settings = replace(BASE, per_host_concurrency=1, total_concurrency=2,
                           allow_private_hosts=tuple(f"{s.host}:{s.port}" for s in servers))
        urls = [s.url(f"/news?id={k}") for k in range(6) for s in servers]    # the sites interleaved
        responses, fetcher = run(fetch_all(settings, *urls))
    finally:
        for s in servers:
            s.__exit__(None, None, None)
    assert [r.error for r in responses] == [None] * len(urls)
    assert fetcher.stats["requests"] == len(urls) + len(servers)         # the pages and one robots.txt each
    assert {n: len(p) for n, p in peers.items()} == {n: 1 for n in peers}


def test_size_cap_stops_an_endless_chunked_stream(srv):
    def endless(req):
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(100_000):           # ~6.5 GB if nobody stops reading
                req.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        return None
    srv.route("/endless", endless)
    t0 = time.monotonic()
    (r,), f = run(fetch_all(fast(srv), srv.url("/endless"), max_bytes=1_000_000))
    assert r.error == "too_large" and r.content is None and r.http_status == 200
    assert time.monotonic() - t0 < 3
    assert f.stats["bytes"] < 1_200_000


def test_declared_content_length_over_cap_is_refused_without_reading(srv):
    srv.route("/big", body=b"y" * 50_000)
    (r,), f = run(fetch_all(fast(srv), srv.url("/big"), max_bytes=10_000))
    assert r.error == "too_large" and f.stats["bytes_refused"] == 50_000 and f.stats["bytes"] < 100  # robots only


def test_redirects_followed_limited_and_rechecked(srv):
    for i in range(1, 6):
        srv.route(f"/r{i}", status=302, headers={"Location": f"/r{i - 1}" if i > 1 else "/final"})
    srv.route("/final", body="done")
    srv.route("/to-private", status=301, headers={"Location": "/private/x"})
    srv.route("/to-ftp", status=302, headers={"Location": "ftp://example.org/file"})
    (ok3, too_many, to_priv, to_ftp), _ = run(fetch_all(
        fast(srv), srv.url("/r3"), srv.url("/r4"), srv.url("/to-private"), srv.url("/to-ftp")))
    assert ok3.ok and ok3.content == b"done" and ok3.final_url == srv.url("/final") and len(ok3.redirects) == 3
    assert too_many.error == "too_many_redirects"
    assert to_priv.error == "robots_disallowed" and srv.hits("/private/x") == []
    assert to_ftp.error == "bad_scheme"


def test_private_addresses_refused_unless_allowed(srv):
    srv.route("/page", body="x")
    strict = BASE                                      # nothing allow-listed, the global switch off
    # IP literals and localhost only: a refused address is never resolved through outside DNS or connected to
    urls = [srv.url("/page"), f"http://localhost:{srv.port}/page", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/", "http://[::1]:1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]:1/"]
    rs, f = run(fetch_all(strict, *urls))
    assert [r.error for r in rs] == ["private_address"] * len(urls)
    assert srv.requests == []                          # nothing was even connected to
    assert f.stats["private_refused"] == len(urls) and f.stats["requests"] == 0
    (r,), _ = run(fetch_all(fast(srv), srv.url("/page")))   # the tests allow-list it by host:port
    assert r.ok


def test_allow_list_opens_one_host_and_port_only(srv):
    srv.route("/page", body="x")
    with LocalServer() as other:
        other.route("/page", body="y")
        only_srv = replace(BASE, allow_private_hosts=(f"127.0.0.1:{srv.port}",))
        rs, f = run(fetch_all(only_srv, srv.url("/page"), other.url("/page"), f"http://localhost:{srv.port}/page",
                              "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/"))
        assert rs[0].ok and rs[0].content == b"x"
        # the same address on another port, the same port under another name, other private networks: refused
        assert [r.error for r in rs[1:]] == ["private_address"] * 4
        assert other.requests == [] and [p for _, p, _ in srv.requests] == ["/robots.txt", "/page"]
        # the global switch still opens everything (for users who really mean it)
        (r,), _ = run(fetch_all(replace(BASE, allow_private_networks=True), other.url("/page")))
        assert r.ok and r.content == b"y"


def test_redirect_from_an_allowed_host_to_a_refused_one_is_refused_and_logged(srv, caplog):
    """An allowed internal feed host cannot be used to reach another internal address: every hop is checked."""
    with LocalServer() as internal:
        internal.route("/robots.txt", body="User-agent: *\nAllow: /\n")
        internal.route("/admin", body="secret")
        srv.route("/hop", status=302, headers={"Location": internal.url("/admin")})
        srv.route("/hop-metadata", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        with caplog.at_level("WARNING", logger="radar.http"):
            (to_internal, to_metadata), f = run(fetch_all(replace(BASE, allow_private_hosts=(f"127.0.0.1:{srv.port}",)),
                                                          srv.url("/hop"), srv.url("/hop-metadata")))
        assert to_internal.error == "private_address" and to_internal.content is None
        assert to_internal.redirects == [internal.url("/admin")]
        assert to_metadata.error == "private_address"
        assert internal.requests == []                  # not even its robots.txt: nothing fetched from the target
        refusals = [r.getMessage() for r in caplog.records if r.name == "radar.http"]
        assert any(f"127.0.0.1:{internal.port} is not in [fetch] allow_private_hosts" in m for m in refusals)
        assert any("169.254.169.254" in m and "private" in m for m in refusals)


def test_allow_list_entries_are_checked_when_the_sources_file_is_read(tmp_path):
    from settings import ConfigError, parse_config
    assert parse_config({"fetch": {"allow_private_hosts": ["127.0.0.1:8080", "Intranet.example:443", "[::1]:9000"]}}
                        ).fetch.allow_private_hosts == ("127.0.0.1:8080", "Intranet.example:443", "[::1]:9000")
    for bad in ("127.0.0.1", "intranet.example:http", "::1:80", "http://x:80", "host:70000"):
        with pytest.raises(ConfigError, match="is not host:port"):
            parse_config({"fetch": {"allow_private_hosts": [bad]}})


def test_conditional_get_304(srv):
    def feed(req):
        if req.headers.get("If-None-Match") == '"v7"' or req.headers.get("If-Modified-Since"):
            return 304, {"ETag": '"v7"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v7"',
                     "Last-Modified": "Tue, 02 Jan 2024 00:00:00 GMT"}, b"<rss>...</rss>"
    srv.route("/feed", feed)
    (first,), _ = run(fetch_all(fast(srv), srv.url("/feed")))
    (second,), f = run(fetch_all(fast(srv), srv.url("/feed"), etag=first.etag, last_modified=first.last_modified))
    assert first.ok and not first.not_modified and first.content
    assert second.ok and second.not_modified and second.http_status == 304 and second.content is None
    assert second.etag == '"v7"' and second.last_modified == "Tue, 02 Jan 2024 00:00:00 GMT"
    hdrs = [h for _, p, h in srv.requests if p == "/feed"][1]
    assert hdrs["If-None-Match"] == '"v7"' and hdrs["If-Modified-Since"].startswith("Tue, 02 Jan")
    assert f.stats["not_modified"] == 1


def test_http_errors_and_connect_errors_do_not_raise(srv):
    srv.route("/gone", status=404, body="no")
    srv.route("/boom", status=500, body="err")
    with LocalServer() as dead:
        dead_port = dead.port
    (a, b, c), _ = run(fetch_all(fast(srv, dead_port), srv.url("/gone"), srv.url("/boom"),
                                 f"http://127.0.0.1:{dead_port}/x"))
    assert a.error == "http_404" and a.http_status == 404
    assert b.error == "http_500"
    # robots.txt of a dead host is "unreachable" -> the host is skipped this pass
    assert c.error.startswith("robots_unavailable: connect_error")
    (d,), _ = run(fetch_all(fast(dead_port, respect_robots=False), f"http://127.0.0.1:{dead_port}/x"))
    assert d.error.startswith("connect_error")


def test_timeouts_are_bounded(srv):
    srv.route("/stall", body="late", delay=5)

    def drip(req):
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", "1000")
        req.end_headers()
        try:
            for _ in range(1000):
                req.wfile.write(b"x")
                req.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return None
    srv.route("/drip", drip)
    settings = fast(srv, read_timeout=0.5, total_timeout=1.5)
    t0 = time.monotonic()
    (stall,), _ = run(fetch_all(settings, srv.url("/stall")))
    t_stall = time.monotonic() - t0
    t0 = time.monotonic()
    (dripped,), _ = run(fetch_all(settings, srv.url("/drip")))
    t_drip = time.monotonic() - t0
    assert stall.error == "timeout" and t_stall < 1.5           # read timeout (no bytes for 0.5 s)
    assert dripped.error == "timeout" and 1.4 <= t_drip < 2.5   # bytes keep coming: total budget stops it


def test_fetch_many_order_callback_and_304_steady_state(srv):
    """50 unchanged feeds answering 304: one conditional GET each, fast."""
    def feed(req):
        return (304, {"ETag": '"same"'}, b"") if req.headers.get("If-None-Match") == '"same"' else \
            (200, {"ETag": '"same"', "Content-Type": "application/rss+xml"}, b"<rss/>")
    for i in range(50):
        srv.route(f"/feeds/{i}.xml", feed)
    done = []
    settings = fast(srv, per_host_concurrency=4, per_host_interval=0.0)

    async def go():
        async with PoliteFetcher(settings) as f:
            t0 = time.monotonic()
            rs = await f.fetch_many([FetchRequest(srv.url(f"/feeds/{i}.xml"), etag='"same"') for i in range(50)],
                                    on_done=lambda r: done.append(r.url))
            return rs, time.monotonic() - t0, f

    rs, took, f = run(go())
    assert [r.url for r in rs] == [srv.url(f"/feeds/{i}.xml") for i in range(50)]
    assert all(r.not_modified for r in rs) and sorted(done) == sorted(r.url for r in rs)
    assert f.stats["requests"] == 51                    # robots + 50 feeds, nothing else
    assert took < 3, took
    print(f"\n50 feeds x 304: {took * 1000:.0f} ms")


def test_google_news_link_resolution_follows_redirects(srv):
    # the same logic on a local "news.google.com" is not possible; pure decode + non-google passthrough
    async def go():
        async with PoliteFetcher(fast(srv)) as f:
            return await resolve_google_news_link(f, srv.url("/article"))
    assert run(go()) == srv.url("/article")


def test_naver_without_keys_is_skipped_with_one_log_line(monkeypatch, caplog):
    monkeypatch.delenv("NAVER_CLIENT_ID", raising=False)
    monkeypatch.delenv("NAVER_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("RADAR_NO_PREFECT_SECRETS", "1")

    async def go():
        async with PoliteFetcher(BASE) as f:
            return [await fetch_naver_news(f, "AI 동맹", env=read_environment()) for _ in range(3)]
    with caplog.at_level("INFO", logger="radar.http"):
        assert run(go()) == [None, None, None]
    assert len([r for r in caplog.records if "Naver" in r.getMessage()]) == 1


def test_naver_with_keys_sends_headers(srv, monkeypatch):
    srv.route("/v1/search/news.json", body='{"items": []}', content_type="application/json")
    monkeypatch.setenv("NAVER_CLIENT_ID", "id-123")
    monkeypatch.setenv("NAVER_CLIENT_SECRET", "sec-456")

    async def go():
        async with PoliteFetcher(fast(srv)) as f:
            return await fetch_naver_news(f, "AI 동맹", env=read_environment(), url=srv.url("/v1/search/news.json?query=x"))
    r = run(go())
    assert r.ok and r.content == b'{"items": []}'
    h = [h for _, p, h in srv.requests if p.startswith("/v1/search")][0]
    assert h["X-Naver-Client-Id"] == "id-123" and h["X-Naver-Client-Secret"] == "sec-456"
    assert srv.hits("/robots.txt") == []   # an authorised API call, not crawling


def test_google_news_link_resolution_over_http(srv):
    host = ("127.0.0.1",)          # stands in for news.google.com
    srv.route("/rss/articles/redir", status=302, headers={"Location": f"http://localhost:{srv.port}/article"})
    srv.route("/rss/articles/page", body='<html><c-wiz data-n-au="https://www.etnews.com/2024/1"></c-wiz></html>',
              content_type="text/html")
    srv.route("/rss/articles/opaque", body="<html>js only</html>", content_type="text/html")
    srv.route("/article", body="publisher")

    async def go():
        async with PoliteFetcher(fast(srv)) as f:
            a = await resolve_google_news_link(f, srv.url("/rss/articles/redir"), hosts=host)
            b = await resolve_google_news_link(f, srv.url("/rss/articles/page"), hosts=host)
            c = [await resolve_google_news_link(f, srv.url(f"/rss/articles/opaque?{i}"), hosts=host)
                 for i in range(5)]
            return a, b, c, f
    a, b, c, f = run(go())
    assert a == f"http://localhost:{srv.port}/article"
    assert b == "https://www.etnews.com/2024/1"
    assert c == [srv.url(f"/rss/articles/opaque?{i}") for i in range(5)]
    opaque_requests = [p for _, p, _ in srv.requests if p.startswith("/rss/articles/opaque")]
    assert len(opaque_requests) == 3 and f.stats["google_not_tried"] == 2   # gives up after 3 in a row
