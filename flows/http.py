"""The fetching edge: every HTTP request the pipeline makes goes through ``PoliteFetcher``.

Politeness and safety, all in one place:

* robots.txt per origin (protego), fetched once per fetcher through the same polite path and cached;
  4xx -> allow all, 5xx / unreachable -> disallow that origin for this pass ("robots_unavailable");
  a ``Crawl-delay`` raises the per-host interval (capped at ``max_crawl_delay``).
* per-host concurrency bound and a minimum interval between request *starts* to one host, plus a
  global concurrency bound;
* a clear User-Agent with the contact URL from config;
* conditional GET (If-None-Match / If-Modified-Since) -> ``not_modified``;
* connect/read timeouts (httpx) and a total budget per fetch (asyncio), so a server that drips bytes
  cannot hold a fetch longer than ``total_timeout``;
* a response size cap enforced while streaming (decoded bytes, so gzip bombs are cut too);
* redirects followed by hand up to ``max_redirects``, every hop re-checked (scheme, address, robots);
* hosts resolving to private / loopback / link-local / multicast / reserved addresses refused (and
  logged with the reason) unless their ``host:port`` is in ``allow_private_hosts`` (what the demo and
  the tests use) or the global switch ``allow_private_networks`` is on; checked after DNS resolution,
  before every hop.

``fetch`` never raises for network faults: it returns a ``FetchResponse`` whose ``error`` is a short
reason: timeout, too_large, robots_disallowed, robots_unavailable[: why], private_address, bad_scheme,
bad_url, http_<status>, too_many_redirects, redirect_without_location, dns_error: ...,
connect_error: ..., read_error: ..., protocol_error: ...
"""
from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

import httpx
from protego import Protego

from settings import FetchSettings, parse_host_port

log = logging.getLogger("radar.http")
# outside a flow (radar extract) nobody configured logging: the caller reports the reason itself, so no
# "last resort" copy of the warning on stderr; inside a flow the records still reach Prefect's handlers
logging.getLogger("radar").addHandler(logging.NullHandler())


@dataclass(slots=True)
class FetchResponse:
    url: str                              # as requested
    final_url: str                        # after redirects (== url when none)
    http_status: int | None = None
    content: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None
    elapsed_ms: int = 0
    redirects: list[str] = field(default_factory=list)   # hops after the first URL

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One item for ``fetch_many`` when conditional-GET validators are known."""
    url: str
    etag: str | None = None
    last_modified: str | None = None
    max_bytes: int | None = None


class _Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Host:
    __slots__ = ("sem", "lock", "next_start", "interval")

    def __init__(self, concurrency: int, interval: float):
        self.sem = asyncio.Semaphore(max(1, concurrency))
        self.lock = asyncio.Lock()
        self.next_start = 0.0
        self.interval = max(0.0, interval)


def user_agent_for(settings: FetchSettings) -> str:
    ua = settings.user_agent.strip() or "alliance-radar"
    if settings.contact_url and settings.contact_url not in ua:
        ua = f"{ua} (+{settings.contact_url})"
    return ua


def _blocked_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def _origin(url: httpx.URL) -> str:
    port = url.port
    default = {"http": 80, "https": 443}.get(url.scheme)
    netloc = url.host if port in (None, default) else f"{url.host}:{port}"
    return f"{url.scheme}://{netloc}"


def _host_key(url: httpx.URL) -> str:
    return f"{url.host}:{url.port or {'http': 80, 'https': 443}.get(url.scheme, 0)}"


class PoliteFetcher:
    """``async with PoliteFetcher(settings) as f: r = await f.fetch(url)``.

    One instance is meant to live for one pass (robots.txt and DNS verdicts are cached for its lifetime).
    ``stats`` counts what happened (requests, robots_disallowed, not_modified, errors, bytes, ...).
    """

    def __init__(self, settings: FetchSettings | None = None):
        self.settings = settings or FetchSettings()
        self.user_agent = user_agent_for(self.settings)
        self.stats: Counter[str] = Counter()
        self.request_log: list[tuple[float, str]] = []     # (monotonic start, url) of every HTTP request sent
        self._open = False
        self._ssl: Any = None                               # one TLS context, shared by every host's pool
        self._clients: dict[str, httpx.AsyncClient] = {}    # "host:port" -> that host's connection pool
        self._global = asyncio.Semaphore(max(1, self.settings.total_concurrency))
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | bool] = {}       # origin -> parser | True (allow all) | False (disallow)
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._robots_why: dict[str, str] = {}              # origin -> why robots.txt was unavailable
        self._addr_ok: dict[str, str | None] = {}          # "host:port" -> None (ok) | refusal reason
        self._allowed = {hp for hp in map(parse_host_port, self.settings.allow_private_hosts) if hp}
        self.memo: dict[str, Any] = {}    # what callers learn once per pass (flows/search_apis.py)

    # --- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> "PoliteFetcher":
        self._ssl = httpx.create_ssl_context(trust_env=False)
        self._open = True
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._open = False
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client_for(self, url: httpx.URL) -> httpx.AsyncClient:
        """The host's own connection pool, sized to its concurrency. One pool for every host made a full
        pool (total_concurrency) close another host's idle connection to open one for the next request:
        3,000 new connections for 4,000 pages on 8 hosts, and a scan of every connection in the pool on
        each request (py-spy: ~40% of the fetching CPU). The host and global semaphores still bound the
        requests; a pool per host only keeps each host's connections alive for its next request."""
        key = _host_key(url)
        client = self._clients.get(key)
        if client is None:
            s = self.settings
            n = max(1, s.per_host_concurrency)
            client = self._clients[key] = httpx.AsyncClient(
                follow_redirects=False, verify=self._ssl,
                timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout,
                                      write=s.read_timeout, pool=s.total_timeout),
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                headers={"User-Agent": self.user_agent,
                         "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"},
                trust_env=False,
            )
        return client

    # --- public API --------------------------------------------------------------------------------

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    max_bytes: int | None = None, headers: dict[str, str] | None = None,
                    check_robots: bool | None = None) -> FetchResponse:
        """GET ``url`` politely. Never raises for network faults (see module doc for error reasons).

        ``check_robots=False`` is for authorised API calls (e.g. the Naver search API with keys)."""
        if not self._open:
            raise RuntimeError("PoliteFetcher must be used as 'async with PoliteFetcher(...) as f'")
        start = time.monotonic()
        limit = max_bytes if max_bytes is not None else self.settings.max_page_bytes
        robots = self.settings.respect_robots if check_robots is None else check_robots
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = last_modified
        resp = FetchResponse(url=url, final_url=url)
        try:
            await self._follow(resp, extra, limit, robots)
        except _Refused as exc:
            resp.error = exc.reason
        except Exception as exc:   # never raise for a fetch; keep the reason
            log.exception("unexpected error fetching %s", url)
            resp.error = f"internal_error: {type(exc).__name__}: {exc}"[:300]
        if resp.not_modified:
            # the caller stores what it sent unless the server sent newer validators
            resp.etag = resp.etag or etag
            resp.last_modified = resp.last_modified or last_modified
        resp.elapsed_ms = int((time.monotonic() - start) * 1000)
        self.stats["fetches"] += 1
        if resp.error:
            self.stats["errors"] += 1
            self.stats["error:" + resp.error.split(":")[0]] += 1
        elif resp.not_modified:
            self.stats["not_modified"] += 1
        else:
            self.stats["ok"] += 1
        return resp

    async def fetch_many(self, urls: Iterable[str | FetchRequest], *, max_bytes: int | None = None,
                         headers: dict[str, str] | None = None,
                         on_done: Callable[[FetchResponse], Any | Awaitable[Any]] | None = None,
                         ) -> list[FetchResponse]:
        """Fetch all, concurrently within the global and per-host bounds; results in input order.
        ``on_done(response)`` (sync or async) is called as each one finishes."""
        items = [u if isinstance(u, FetchRequest) else FetchRequest(u) for u in urls]

        async def one(item: FetchRequest) -> FetchResponse:
            r = await self.fetch(item.url, etag=item.etag, last_modified=item.last_modified,
                                 max_bytes=item.max_bytes if item.max_bytes is not None else max_bytes,
                                 headers=headers)
            if on_done is not None:
                try:
                    out = on_done(r)
                    if inspect.isawaitable(out):
                        await out
                except Exception:
                    log.exception("on_done callback failed for %s", item.url)
            return r

        return list(await asyncio.gather(*(one(i) for i in items)))

    # --- internals ---------------------------------------------------------------------------------

    async def _follow(self, resp: FetchResponse, headers: dict[str, str], limit: int, robots: bool) -> None:
        budget = self.settings.total_timeout
        current = resp.url
        for _hop in range(self.settings.max_redirects + 1):
            try:
                url = httpx.URL(current)
            except Exception:
                raise _Refused("bad_url") from None
            if url.scheme not in ("http", "https") or not url.host:
                raise _Refused("bad_scheme" if url.host or url.scheme else "bad_url")
            await self._check_address(url)
            if robots:
                await self._check_robots(url)
            net_start = time.monotonic()
            status, location = await self._request(resp, url, headers, limit, budget)
            budget -= time.monotonic() - net_start
            if location is None:
                return
            if not location:
                resp.error = "redirect_without_location"
                return
            try:
                nxt = str(url.join(location))
            except Exception:
                raise _Refused("bad_url") from None
            resp.redirects.append(nxt)
            resp.final_url = nxt
            current = nxt
            if budget <= 0:
                resp.error = "timeout"
                return
        resp.error = "too_many_redirects"

    async def _request(self, resp: FetchResponse, url: httpx.URL, headers: dict[str, str], limit: int,
                       budget: float) -> tuple[int | None, str | None]:
        """One HTTP GET within the bounds. Fills ``resp``; returns (status, Location) for a redirect."""
        host = self._host(url)
        async with host.sem:
            await self._wait_turn(host)
            async with self._global:
                self.stats["requests"] += 1
                self.request_log.append((time.monotonic(), str(url)))
                try:
                    async with asyncio.timeout(max(0.001, budget)):
                        return await self._stream(resp, url, headers, limit)
                except TimeoutError:
                    resp.error = "timeout"
                except httpx.TimeoutException:
                    resp.error = "timeout"
                except httpx.ConnectError as exc:
                    resp.error = f"connect_error: {exc or type(exc).__name__}"[:300]
                except (httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
                    resp.error = f"read_error: {exc or type(exc).__name__}"[:300]
                except httpx.HTTPError as exc:   # RemoteProtocolError, DecodingError, ...
                    resp.error = f"protocol_error: {exc or type(exc).__name__}"[:300]
                except (OSError, ValueError) as exc:
                    resp.error = f"connect_error: {exc}"[:300]
                resp.content = None
                return None, None

    async def _stream(self, resp: FetchResponse, url: httpx.URL, headers: dict[str, str],
                      limit: int) -> tuple[int | None, str | None]:
        async with self._client_for(url).stream("GET", url, headers=headers) as r:
            resp.http_status = r.status_code
            resp.final_url = str(url)
            resp.content_type = r.headers.get("content-type")
            resp.etag = r.headers.get("etag")
            resp.last_modified = r.headers.get("last-modified")
            if r.status_code in (301, 302, 303, 307, 308):
                return r.status_code, r.headers.get("location", "")
            if r.status_code == 304:
                resp.not_modified = True
                return r.status_code, None
            if r.status_code >= 400 or r.status_code < 200:
                resp.error = f"http_{r.status_code}"
                return r.status_code, None
            declared = r.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                resp.error = "too_large"
                self.stats["bytes_refused"] += int(declared)
                return r.status_code, None
            buf = bytearray()
            async for chunk in r.aiter_bytes():
                buf += chunk
                if len(buf) > limit:
                    resp.error = "too_large"
                    self.stats["bytes"] += len(buf)
                    return r.status_code, None   # leaving the block closes the stream
            self.stats["bytes"] += len(buf)
            resp.content = bytes(buf)
            return r.status_code, None

    def _host(self, url: httpx.URL) -> _Host:
        key = _host_key(url)
        h = self._hosts.get(key)
        if h is None:
            h = self._hosts[key] = _Host(self.settings.per_host_concurrency, self.settings.per_host_interval)
        return h

    async def _wait_turn(self, host: _Host) -> None:
        """Reserve the next start slot for this host, then sleep until it."""
        async with host.lock:
            now = time.monotonic()
            slot = max(now, host.next_start)
            host.next_start = slot + host.interval
        delay = slot - time.monotonic()
        if delay > 0:
            self.stats["rate_limited_waits"] += 1
            await asyncio.sleep(delay)

    async def _check_address(self, url: httpx.URL) -> None:
        """Refuse a host that resolves to an internal address (any of its addresses), unless the switch
        ``allow_private_networks`` is on or ``host:port`` is in ``allow_private_hosts``. Runs before
        every hop, so a redirect from an allowed host to another internal one is refused too."""
        if self.settings.allow_private_networks:
            return
        host, port = url.host.lower().rstrip("."), url.port or {"http": 80, "https": 443}.get(url.scheme, 443)
        key = f"{host}:{port}"
        if key not in self._addr_ok:
            verdict = await self._resolve_verdict(host, port)
            if verdict == "private_address" and (host, port) in self._allowed:
                verdict = None
            self._addr_ok[key] = verdict
            if verdict == "private_address":
                log.warning("refused %s: %s resolves to a private/loopback/link-local address and %s is not in "
                            "[fetch] allow_private_hosts", _origin(url), host, key)
        reason = self._addr_ok[key]
        if reason:
            self.stats["private_refused" if reason == "private_address" else "dns_errors"] += 1
            raise _Refused(reason)

    @staticmethod
    async def _resolve_verdict(host: str, port: int) -> str | None:
        try:
            ips = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, OSError, UnicodeError) as exc:
                return f"dns_error: {exc}"[:200]
            ips = []
            for info in infos:
                try:
                    ips.append(ipaddress.ip_address(info[4][0].split("%")[0]))
                except ValueError:
                    continue
            if not ips:
                return "dns_error: no address"
        # refuse if ANY address is internal: a name with one public and one private record is suspicious
        return "private_address" if any(_blocked_ip(ip) for ip in ips) else None

    async def _check_robots(self, url: httpx.URL) -> None:
        origin = _origin(url)
        rules = self._robots.get(origin)
        if rules is None:
            lock = self._robots_locks.setdefault(origin, asyncio.Lock())
            async with lock:
                rules = self._robots.get(origin)
                if rules is None:
                    rules = self._robots[origin] = await self._load_robots(origin)
        if rules is False:
            self.stats["robots_unavailable"] += 1
            why = self._robots_why.get(origin)
            raise _Refused(f"robots_unavailable: {why}" if why else "robots_unavailable")
        if rules is True:
            return
        if not rules.can_fetch(str(url), self.user_agent):
            self.stats["robots_disallowed"] += 1
            raise _Refused("robots_disallowed")

    async def _load_robots(self, origin: str) -> Protego | bool:
        self.stats["robots_fetches"] += 1
        r = FetchResponse(url=origin + "/robots.txt", final_url=origin + "/robots.txt")
        try:
            await self._follow(r, {}, self.settings.max_robots_bytes, robots=False)
        except _Refused as exc:
            r.error = exc.reason
        if r.http_status is not None and 400 <= r.http_status < 500 and r.http_status != 429:
            return True                       # no robots.txt (or forbidden): allow all, as RFC 9309 says
        if r.error == "too_large" and r.http_status and r.http_status < 300:
            return True                       # RFC 9309: a parser may ignore content past its limit; be lenient
        if r.error or r.content is None:
            log.info("robots.txt for %s unavailable (%s): skipping that host this pass", origin, r.error)
            self._robots_why[origin] = r.error or "empty"
            return False
        try:
            rules = Protego.parse(r.content.decode("utf-8", errors="replace"))
        except Exception:
            return True
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            host = self._host(httpx.URL(origin))
            host.interval = max(host.interval, min(float(delay), self.settings.max_crawl_delay))
        return rules
