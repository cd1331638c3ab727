"""A real local webhook receiver (standard library only): what alert tests and ``radar bench faults`` deliver to.

    with WebhookReceiver() as hook:
        apprise.Apprise().add(hook.apprise_url) ...   # json://127.0.0.1:PORT/hook
        hook.wait_for(1)
        hook.received[0].json["message"]
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: str
    path: str                       # request target (path + query)
    headers: dict[str, str]
    raw: bytes                      # the body as received
    json: object | None             # the parsed body when it is JSON, else None
    status: int                     # what the receiver answered
    at: float = field(default_factory=time.time)
    held: bool = False              # answered only after ``release()`` (the sender may have died meanwhile)

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    @property
    def body(self) -> object:
        """The parsed JSON when the body is JSON, else the text (always JSON-serialisable)."""
        return self.json if self.json is not None else self.text


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr, handler, owner: WebhookReceiver):
        self.owner = owner
        super().__init__(addr, handler)

    def handle_error(self, request, client_address):  # quiet
        pass


class _HookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        self._receive()

    def do_PUT(self):
        self._receive()

    def do_GET(self):  # a health check; not recorded
        self._answer(200, b'{"ok": true}')

    def _receive(self):
        owner: WebhookReceiver = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        status, delay, held = owner._next_answer()
        if held:
            owner.holding.set()
            owner._released.wait()
        if delay > 0 and owner._stopping.wait(delay):
            self.close_connection = True
            return
        owner._record(WebhookRequest(method=self.command, path=self.path, headers=dict(self.headers.items()),
                                     raw=body, json=parsed, status=status, held=held))
        self._answer(status, b'{"ok": true}' if status < 400 else b'{"ok": false}')

    def _answer(self, status: int, body: bytes):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class WebhookReceiver:
    """Records every POST/PUT on 127.0.0.1:<free port>.

    status     what to answer (default 200); set 500 to make every delivery fail
    delay      seconds to wait before answering (a slow endpoint)
    fail_next(n, status=500)   only the next n requests fail, later ones get ``status`` again
    hold(n)    the n-th request (1-based, counted from now) is read but not answered until ``release()``;
               ``holding`` is set when it arrives (a test can kill the sender then)
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/hook"):
        self.host = host
        self.port = port
        self.path = path if path.startswith("/") else "/" + path
        self.status = 200
        self.delay = 0.0
        self.received: list[WebhookRequest] = []
        self._failures: list[int] = []
        self._arrived = 0
        self._hold_at: int | None = None
        self.holding = threading.Event()
        self._released = threading.Event()
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: _HookServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Plain HTTP URL of the hook (for httpx or a generic webhook setting)."""
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def apprise_url(self) -> str:
        """Apprise JSON plugin URL: Apprise POSTs {"version","title","message","attachments","type"}
        as application/json to http://host:port/path."""
        return f"json://{self.host}:{self.port}{self.path}"

    def start(self) -> WebhookReceiver:
        if self._httpd is None:
            self._stopping.clear()
            self._httpd = _HookServer((self.host, self.port), _HookHandler, self)
            self.port = self._httpd.server_address[1]
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=f"webhook-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def hold(self, n: int) -> None:
        with self._cond:
            self._hold_at = self._arrived + n
            self.holding.clear()
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def fail_next(self, n: int, status: int = 500) -> None:
        with self._cond:
            self._failures.extend([status] * n)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[WebhookRequest]:
        """Block until at least ``count`` requests arrived (or raise TimeoutError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise TimeoutError(f"webhook got {len(self.received)} request(s), expected {count}")
            return list(self.received)

    @property
    def messages(self) -> list[object]:
        """Parsed JSON bodies of the successfully answered deliveries (non-JSON bodies left out)."""
        with self._cond:
            return [r.json for r in self.received if r.status < 400 and r.json is not None]

    def _next_answer(self) -> tuple[int, float, bool]:
        with self._cond:
            self._arrived += 1
            status = self._failures.pop(0) if self._failures else self.status
            return status, self.delay, self._arrived == self._hold_at

    def _record(self, request: WebhookRequest) -> None:
        with self._cond:
            self.received.append(request)
            self._cond.notify_all()
