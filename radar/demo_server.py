"""A real HTTP server for the bundled demo corpus (``radar/demo_corpus``).

``radar demo`` and the test-suite both use it: it binds 127.0.0.1 on a free port, serves the feeds and
article pages listed in ``manifest.toml`` (with ``{base_url}`` filled in, so every link points back at
this server), answers conditional GETs with 304, and lets a test replace any route with a fault
(404/500/slow/not-XML/empty/huge/redirect) through :meth:`CorpusServer.route`.

Standard library only; the serving threads are daemons and :meth:`CorpusServer.stop` closes every open
connection, so a forgotten server never keeps the interpreter alive.

    with CorpusServer() as server:
        sources_text = server.render_sources()      # sources.toml pointing at server.base_url
        ...                                         # poll server.base_url + "/feeds/technews.rss"
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import posixpath
import socket
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

DEMO_CORPUS_DIR = Path(__file__).resolve().parent / "demo_corpus"
PLACEHOLDER = b"{base_url}"

# query parameters that never select content (prefixes); dropped before a request is matched to a page.
# "sid" is a portal's section id: /naver/mnews/article/648/0000031207?sid=105 is the same article.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "sid")

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".toml": "text/plain",
    ".md": "text/plain",
}
TEXT_EXTENSIONS = set(CONTENT_TYPES)
# pages and feeds get a fixed Last-Modified from the manifest; other files get this one
DEFAULT_LAST_MODIFIED = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)


# --- the manifest ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FeedDef:
    name: str
    path: str                       # URL path on the server
    file: str                       # relative to the corpus root
    kind: str                       # rss | atom
    outlet: str
    content_type: str
    last_modified: datetime


@dataclass(frozen=True, slots=True)
class PageDef:
    path: str                       # URL path (+ query) of the page; canonical form
    link: str                       # the link as the feed gives it (may carry utm_ tracking)
    file: str
    charset: str
    feed: str                       # FeedDef.name
    outlet: str
    layout: str
    title: str
    published_at: datetime
    is_alliance: bool
    story: str
    authors: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    alliance: str | None = None
    event: str | None = None
    event_date: date | None = None
    boilerplate: tuple[str, ...] = ()
    body_contains: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"text/html; charset={self.charset}"


@dataclass(frozen=True, slots=True)
class Manifest:
    root: Path
    feeds: tuple[FeedDef, ...]
    pages: tuple[PageDef, ...]

    def feed(self, name: str) -> FeedDef:
        for f in self.feeds:
            if f.name == name:
                return f
        raise KeyError(name)

    def page_bytes(self, page: PageDef, base_url: str) -> bytes:
        """The page exactly as the server sends it (for offline extractor tests)."""
        return fill_base_url((self.root / page.file).read_bytes(), base_url)


def _aware(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def load_manifest(root: Path = DEMO_CORPUS_DIR) -> Manifest:
    root = Path(root)
    data = tomllib.loads((root / "manifest.toml").read_text("utf-8"))
    feeds = []
    for f in data.get("feeds", []):
        feeds.append(FeedDef(name=f["name"], path=f["path"], file=f["file"], kind=f["kind"],
                             outlet=f["outlet"], content_type=f["content_type"],
                             last_modified=_aware(f["last_modified"])))
    pages = []
    for p in data.get("pages", []):
        pages.append(PageDef(
            path=p["path"], link=p.get("link", p["path"]), file=p["file"], charset=p.get("charset", "utf-8"),
            feed=p["feed"], outlet=p["outlet"], layout=p["layout"], title=p["title"],
            published_at=_aware(p["published_at"]), is_alliance=p["is_alliance"], story=p["story"],
            authors=tuple(p.get("authors", ())), orgs=tuple(p.get("orgs", ())), alliance=p.get("alliance"),
            event=p.get("event"), event_date=p.get("event_date"),
            boilerplate=tuple(p.get("boilerplate", ())), body_contains=tuple(p.get("body_contains", ())),
        ))
    return Manifest(root=root, feeds=tuple(feeds), pages=tuple(pages))


def fill_base_url(data: bytes, base_url: str) -> bytes:
    """Byte-level substitution: works for UTF-8 and EUC-KR files alike (the placeholder is ASCII)."""
    return data.replace(PLACEHOLDER, base_url.rstrip("/").encode("ascii"))


def route_key(target: str) -> str:
    """One form for a request target: path percent-decoded and normalised, tracking params dropped,
    remaining query sorted. ``/a/b?utm_source=rss&idxno=7`` -> ``/a/b?idxno=7``. For every manifest
    page ``route_key(page.link) == route_key(page.path)``."""
    parts = urlsplit(target)
    path = unquote(parts.path or "/")
    trailing = path.endswith("/") and path != "/"
    path = posixpath.normpath(path)
    if not path.startswith("/"):
        path = "/" + path
    if trailing:
        path += "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PARAMS)]
    return path + ("?" + urlencode(sorted(query)) if query else "")


# --- the server ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str                       # the request target as sent (path + query)
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.time)


@dataclass(slots=True)
class _Resource:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    last_modified: datetime | None = None
    conditional: bool = True        # ETag / Last-Modified / 304 (files only, not fault routes)
    times: int | None = None        # a fault route that applies to the first N requests only


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr, handler, owner: CorpusServer):
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(addr, handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        with self.connections_lock:
            conns = list(self.connections)
            self.connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):  # quiet: clients hang up in fault tests
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "demo-corpus/1.0"
    sys_version = ""
    timeout = 15                    # an idle keep-alive connection is closed after this

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    def do_POST(self):
        self._serve(head=False)

    def _serve(self, head: bool):
        owner: CorpusServer = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1_000_000))
        resource = owner._resolve(self.path)
        if resource is None:
            resource = _Resource(body=b"<html><body><h1>404 Not Found</h1></body></html>",
                                 content_type="text/html; charset=utf-8", status=404, conditional=False)
        if resource.delay > 0 and owner._stopping.wait(resource.delay):
            self.close_connection = True
            return
        status = resource.status
        headers = {"Content-Type": resource.content_type}
        body = resource.body
        if resource.conditional and status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            last_modified = resource.last_modified or DEFAULT_LAST_MODIFIED
            headers["ETag"] = etag
            headers["Last-Modified"] = email.utils.format_datetime(last_modified.astimezone(UTC),
                                                                   usegmt=True)
            headers["Cache-Control"] = "max-age=0, must-revalidate"
            if _not_modified(self.headers, etag, last_modified):
                status, body = 304, b""
                del headers["Content-Type"]
        headers.update(resource.headers)
        owner._record(self.command, self.path, dict(self.headers.items()), status)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304 and "Content-Length" not in resource.headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and status not in (204, 304):
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _not_modified(request_headers, etag: str, last_modified: datetime) -> bool:
    inm = request_headers.get("If-None-Match")
    if inm is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = request_headers.get("If-Modified-Since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


class CorpusServer:
    """The demo corpus over real HTTP on ``host`` (a free port unless ``port`` is given)."""

    def __init__(self, root: Path = DEMO_CORPUS_DIR, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.base_url = ""
        self.manifest = load_manifest(self.root)
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._overrides: dict[str, _Resource] = {}
        self._routes: dict[str, tuple[Path, str, datetime]] = {}
        for feed in self.manifest.feeds:
            self._routes[route_key(feed.path)] = (self.root / feed.file, feed.content_type, feed.last_modified)
        for page in self.manifest.pages:
            self._routes[route_key(page.path)] = (self.root / page.file, page.content_type, page.published_at)
        self._cache: dict[Path, bytes] = {}
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> CorpusServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._cache.clear()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"corpus-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()            # wakes handlers sleeping in a delay
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # helpers for callers
    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def render_sources(self, template: Path | None = None, *, alert_urls: list[str] | tuple[str, ...] = ()) -> str:
        """The demo sources.toml with ``{base_url}`` and ``{host_port}`` (this server's 127.0.0.1:<port>,
        the one private address the demo opens) filled in; ``alert_urls`` go into its ``[alerts]`` table."""
        self._require_started()
        text = Path(template or self.root / "sources.toml").read_text("utf-8")
        text = text.replace("{base_url}", self.base_url).replace("{host_port}", f"{self.host}:{self.port}")
        if alert_urls:
            if "\n[alerts]\n" not in text:
                text += "\n[alerts]\n"
            urls = ", ".join(json.dumps(u) for u in alert_urls)
            text = text.replace("\n[alerts]\n", f"\n[alerts]\nurls = [{urls}]\n", 1)
        return text

    def route(self, path: str, *, status: int = 200, body: bytes | str = b"",
              content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None,
              delay: float = 0.0, times: int | None = None) -> None:
        """Answer ``path`` (matched like pages: tracking params ignored) with this instead.
        ``times``: only the next N requests get it, later ones fall back to the corpus file."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._overrides[route_key(path)] = _Resource(body=body, content_type=content_type, status=status,
                                                         headers=dict(headers or {}), delay=delay,
                                                         conditional=False, times=times)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self.route(path, status=status, headers={"Location": location}, body=b"")

    def clear_routes(self) -> None:
        with self._lock:
            self._overrides.clear()

    def requests_for(self, path: str, method: str | None = None) -> list[RequestRecord]:
        """Logged requests that reached ``path`` (tracking and ignored params don't matter)."""
        key = self._served_key(path)
        with self._lock:
            records = list(self.requests)
        return [r for r in records if self._served_key(r.path) == key and (method is None or r.method == method)]

    def page_requests(self) -> list[RequestRecord]:
        """Logged GETs of article pages (not feeds, not robots.txt)."""
        pages = {route_key(p.path) for p in self.manifest.pages}
        with self._lock:
            records = list(self.requests)
        return [r for r in records if r.method == "GET" and self._served_key(r.path) in pages]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # internals
    def _require_started(self):
        if not self.base_url:
            raise RuntimeError("CorpusServer is not started")

    def _served_key(self, target: str) -> str:
        """The route a request target ends up on: its route_key, or its path alone when only that is
        a route (a portal link with an extra ``?sid=105``)."""
        key = route_key(target)
        path_only = key.split("?", 1)[0]
        return path_only if key not in self._routes and path_only in self._routes else key

    def _record(self, method, path, headers, status):
        with self._lock:
            self.requests.append(RequestRecord(method=method, path=path, headers=headers, status=status))

    def _load(self, file: Path) -> bytes:
        data = self._cache.get(file)
        if data is None:
            data = file.read_bytes()
            if file.suffix.lower() in TEXT_EXTENSIONS:
                data = fill_base_url(data, self.base_url)
            self._cache[file] = data
        return data

    def _resolve(self, target: str) -> _Resource | None:
        key = route_key(target)
        path_only = key.split("?", 1)[0]
        with self._lock:
            override = self._overrides.get(key) or self._overrides.get(path_only)
            if override is not None and override.times is not None:
                if override.times <= 0:
                    override = None
                else:
                    override.times -= 1
        if override is not None:
            return override
        hit = self._routes.get(key) or self._routes.get(path_only)   # e.g. a portal's extra ?sid=105
        if hit is not None:
            file, content_type, last_modified = hit
            return _Resource(body=self._load(file), content_type=content_type, last_modified=last_modified)
        return self._static(path_only)

    def _static(self, path: str) -> _Resource | None:
        """Any other file under the root (robots.txt, ...); no way out of the root."""
        relative = path.lstrip("/")
        if not relative or relative.startswith((".", "pages/")) or "/." in relative:
            return None
        file = (self.root / relative).resolve()
        if not file.is_file() or self.root not in file.parents:
            return None
        suffix = file.suffix.lower()
        kind = CONTENT_TYPES.get(suffix, "application/octet-stream")
        if kind.startswith("text/") or suffix in (".rss", ".atom", ".xml", ".json"):
            kind += "; charset=euc-kr" if ".euckr." in file.name else "; charset=utf-8"
        return _Resource(body=self._load(file), content_type=kind)

