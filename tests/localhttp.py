"""A tiny real HTTP server on 127.0.0.1 for the fetching / alert tests (stdlib only, threaded).

``srv.route(path, handler)`` where handler(req) -> (status, headers, body) or a callable that writes
itself (for endless / slow responses). Every request is logged in ``srv.requests`` as
(monotonic time, path, headers dict) before the handler runs, and ``srv.finished`` at the end.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, object] = {}
        self.requests: list[tuple[float, str, dict]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):   # quiet
                pass

            def do_GET(self):
                outer._handle(self)

            def do_POST(self):
                outer._handle(self)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler=None, *, status=200, body=b"", content_type="text/plain",
              headers=None, delay=0.0):
        if handler is None:
            data = body.encode() if isinstance(body, str) else body

            def handler(req, _s=status, _d=data, _h=dict(headers or {}), _ct=content_type, _delay=delay):
                if _delay:
                    time.sleep(_delay)
                return _s, {"Content-Type": _ct, **_h}, _d
        self.routes[path] = handler
        return self

    def hits(self, path: str) -> list[float]:
        return [t for t, p, _ in self.requests if p == path]

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        req.body = req.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append((time.monotonic(), req.path, dict(req.headers)))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            handler = self.routes.get(req.path) or self.routes.get(req.path.split("?")[0])
            if handler is None:
                out = (404, {"Content-Type": "text/plain"}, b"not found")
            else:
                out = handler(req)
            if out is None:   # handler wrote the response itself
                return
            status, headers, body = out
            req.send_response(status)
            for k, v in headers.items():
                req.send_header(k, v)
            if "Content-Length" not in headers:
                req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            if body:
                req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self.active -= 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
