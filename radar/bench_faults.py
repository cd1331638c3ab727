"""`radar bench faults`: the fault matrix as a command.

Each trial builds a fresh DuckDB file and sources file against real local servers — the demo corpus server
(radar/demo_server.py) as the fault server, a webhook receiver for alerts (radar/webhook_receiver.py) and an
"internal" server that must never receive a byte — injects one fault, runs real monitor passes, removes the
fault, runs one more pass, then counts:

    rows lost         demo-corpus articles missing from ``articles`` after the trial (every page must arrive)
    duplicate rows    ``articles`` rows beyond one per canonical URL
    duplicate alerts  alerts the receiver confirmed (200) more than once (same message id)
    seconds, peak MB  wall time of the trial; peak resident memory of the passes (this process and any
                      ``radar run`` it started), sampled every 0.1 s

A trial "held" when no pass ended in an unhandled exception (a handled failure — file busy, bad sources file
— is an expected answer), nothing was lost or duplicated, every alliance story was alerted once, and the
fault's own check passed (e.g. the internal server got no request). Ten trials SIGKILL a `radar run` at a
random point (some while the receiver holds its answer to an alert) and recover with the next pass.

    uv run radar bench faults            # the table and a totals line
    uv run radar bench faults --json     # the same as JSON
    uv run radar bench faults --only "feed,alert" --kills 2    # the faults whose name has a word; 2 kills

Passes in this process share one Prefect ephemeral API; the killed `radar run` processes use it too (their
Prefect start-up is not what is measured)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
FAULT_FEED = "/fault/feed.xml"
DEMO_FEED = "/feeds/technews.rss"
PUBDATE = "Tue, 27 Oct 2026 09:00:00 +0900"
TIMEOUTS = "connect_timeout = 2.0\nread_timeout = 3.0\ntotal_timeout = 6.0\n"
SLOW = 10.0                                  # seconds a slow fault waits: beyond every timeout above
SQL_TITLE = "통신 3사 AI 연합'); DROP TABLE articles; -- 출범"
SQL_BODY = "Robert'); DELETE FROM alerts WHERE '1'='1'; --"

PARAGRAPHS = [
    "국내 통신사와 반도체 설계 기업, 대학 연구소가 인공지능 반도체 공동 개발을 위한 협의체를 꾸렸다고 27일 밝혔다.",
    "참여 기관들은 데이터센터용 추론 칩과 경량 언어모델을 함께 검증하고, 시험 결과를 회원사끼리 공유하기로 했다.",
    "협의체는 분기마다 기술 회의를 열고 내년 상반기까지 공동 시험장을 마련한다는 계획을 내놨다.",
    "업계에서는 해외 빅테크에 맞서 국내 기업들이 연합 전선을 펴는 흐름이 이어지고 있다는 평가가 나온다.",
    "한 참여사 관계자는 칩 설계와 모델 최적화를 한 번에 맞춰 보는 자리가 필요했다고 설명했다.",
    "협의체는 앞으로 중소 소프트웨어 기업에도 문을 열어 참여 기관을 늘려 나갈 예정이다.",
]


@dataclass
class TrialResult:
    fault: str
    outcome: str                 # "held" or "FAILED: why"
    rows_lost: int
    duplicate_rows: int
    duplicate_alerts: int
    seconds: float
    peak_mb: float
    passes: str                  # what each pass ended with: ok / handled (Error) / killed / unhandled ...


def rss(base: str, items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
                   f"<pubDate>{PUBDATE}</pubDate><description>{escape(t)}</description></item>" for t, link in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>결함일보</title>'
            f"<link>{base}/</link><description>fault feed</description>{body}</channel></rss>").encode()


def article(title: str, paragraphs: list[str] = PARAGRAPHS, extra: str = "") -> str:
    ps = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta property="og:title" content="{escape(title)}">'
            f'<meta property="article:published_time" content="2026-10-27T09:00:00+09:00"></head>'
            f"<body><article><h1>{escape(title)}</h1>{ps}{extra}</article></body></html>")


class MemorySampler:
    """Peak resident memory (VmRSS) of this process plus the pass processes registered with ``watch``."""

    def __init__(self):
        self.pids: set[int] = set()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    @staticmethod
    def rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def sample(self) -> int:
        total = self.rss(os.getpid()) + sum(self.rss(p) for p in list(self.pids))
        self.peak = max(self.peak, total)
        return total

    def _loop(self):
        while not self._stop.wait(0.1):
            self.sample()

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)

    def reset(self):
        self.pids.clear()
        self.peak = 0
        self.sample()


class Trial:
    """One fault's sandbox: its own folder, DuckDB file, sources file and alert URL."""

    def __init__(self, bench: FaultBench, name: str, index: int):
        self.bench, self.name = bench, name
        self.dir = bench.workdir / f"{index:02d}"
        self.dir.mkdir(parents=True)
        self.db = self.dir / "radar.duckdb"
        self.sources = self.dir / "sources.toml"
        self.hook_path = f"/hook/{index:02d}"
        self.passes: list[str] = []
        self.received: list = []            # deliveries to another receiver than the bench's (alert_down)
        self.problems: list[str] = []
        self.write_sources()

    @property
    def server(self):
        return self.bench.server

    def write_sources(self, *, fault_feed: bool = False, alert_url: str | None = None, text: str | None = None):
        if text is None:
            hook = self.bench.hook
            text = self.server.render_sources(alert_urls=[alert_url or f"json://127.0.0.1:{hook.port}{self.hook_path}"])
            text = text.replace("[fetch]\n", "[fetch]\n" + TIMEOUTS, 1)
            text = text.replace("[alerts]\n", "[alerts]\ntimeout_seconds = 3.0\n", 1)
            text += "\n[warehouse]\nlock_wait_seconds = 3.0\nfeed_backoff_minutes = 0.0\n"
            if fault_feed:
                text += f'\n[[feeds]]\nurl = "{self.server.url(FAULT_FEED)}"\noutlet = "결함일보"\nkind = "rss"\n'
        self.sources.write_text(text, encoding="utf-8")

    def fault_feed(self, *pages: tuple[str, str]):
        """Serve the extra feed with these (title, path-or-URL) entries and add it to the sources file."""
        items = [(t, p if "://" in p else self.server.url(p)) for t, p in pages]
        self.server.route(FAULT_FEED, body=rss(self.server.base_url, items), content_type="application/rss+xml")
        self.write_sources(fault_feed=True)

    def run_pass(self) -> str:
        import logging

        from flows.monitor import monitor
        from flows.runs import HANDLED_ERRORS
        logging.getLogger("apprise").setLevel(logging.ERROR)    # Prefect's logging set-up turns it back on
        try:
            monitor(sources_path=str(self.sources), db_path=str(self.db))
            outcome = "ok"
        except HANDLED_ERRORS as exc:
            outcome = f"handled ({type(exc).__name__})"
        except Exception as exc:  # a real bug: the trial fails and says what
            outcome = f"unhandled {type(exc).__name__}: {str(exc)[:120]}"
        self.passes.append(outcome)
        return outcome

    def spawn_pass(self) -> subprocess.Popen:
        """`radar run` in its own process group (as cron starts it), on this bench's Prefect API."""
        proc = subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(self.sources),
                                 "--db", str(self.db)], cwd=ROOT, env=self.bench.child_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.bench.children.add(proc)
        self.bench.memory.pids.add(proc.pid)
        return proc

    def check(self, ok: bool, problem: str):
        if not ok:
            self.problems.append(problem)


class FaultBench:
    def __init__(self, workdir: Path, seed: int = 14, progress: TextIO | None = None):
        from radar.demo_server import CorpusServer
        from radar.webhook_receiver import WebhookReceiver
        self.workdir = workdir
        self.rng = random.Random(seed)
        self.progress = progress
        self.server = CorpusServer().start()
        self.internal = CorpusServer().start()          # a private address nothing may reach
        self.hook = WebhookReceiver(path="/hook").start()
        self.memory = MemorySampler().start()
        self.children: set[subprocess.Popen] = set()
        self.stories = {p.story for p in self.server.manifest.pages if p.is_alliance}
        self.pages = len(self.server.manifest.pages)
        self.pass_seconds = 20.0                        # a normal pass's working time; measured by the baseline
        self.api_url: str | None = None
        self.count = 0

    def close(self):
        for proc in list(self.children):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=30)
        self.memory.stop()
        self.hook.stop()
        self.internal.stop()
        self.server.stop()

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        if self.api_url:
            env["PREFECT_API_URL"] = self.api_url
        return env

    def _find_api_url(self):
        try:
            from prefect.server.api.server import SubprocessASGIServer
            server = SubprocessASGIServer._instances.get(None)
            if server is not None and server.running:
                self.api_url = server.api_url
        except Exception:  # an older/newer Prefect: the children start their own ephemeral API
            self.api_url = None

    # --- one trial ------------------------------------------------------------------------------
    def trial(self, name: str, body: Callable[[Trial], None]) -> TrialResult:
        self.count += 1
        trial = Trial(self, name, self.count)
        self.server.clear_routes()
        self.hook.status, self.hook.delay = 200, 0.0
        self.internal.clear_requests()
        self.memory.reset()
        start = time.monotonic()
        try:
            body(trial)
            self.server.clear_routes()
            self.hook.status = 200
            trial.write_sources(fault_feed=trial.sources.read_text("utf-8").count(FAULT_FEED) > 0)
            trial.run_pass()                             # the fault is gone: this pass must catch up
        except Exception as exc:  # the bench's own failure: recorded, the matrix goes on
            trial.problems.append(f"bench error {type(exc).__name__}: {exc}")
        seconds = time.monotonic() - start
        self.memory.sample()
        lost, dup_rows, dup_alerts, missing = self.count_rows(trial)
        self.check_common(trial, missing)
        bad = [p for p in trial.passes if p.startswith("unhandled")]
        problems = bad + trial.problems
        if lost:
            problems.append(f"{lost} rows lost")
        if dup_rows or dup_alerts:
            problems.append("duplicates")
        result = TrialResult(fault=name, outcome="held" if not problems else "FAILED: " + "; ".join(problems)[:200],
                             rows_lost=lost, duplicate_rows=dup_rows, duplicate_alerts=dup_alerts,
                             seconds=round(seconds, 1), peak_mb=round(self.memory.peak / 2**20, 1),
                             passes=", ".join(trial.passes))
        if self.progress:
            print(f"  [{self.count:2d}] {name}: {result.outcome} ({result.seconds:.1f} s; passes: {result.passes})",
                  file=self.progress, flush=True)
        if self.api_url is None:
            self._find_api_url()
        return result

    def count_rows(self, trial: Trial) -> tuple[int, int, int, int]:
        import duckdb
        received = [r for r in list(self.hook.received) if r.path == trial.hook_path] + trial.received
        confirmed = Counter(r.json.get("message_id") for r in received
                            if r.status < 400 and not r.held and isinstance(r.json, dict))
        duplicate_alerts = sum(n - 1 for n in confirmed.values())
        if not trial.db.exists():
            return self.pages, 0, duplicate_alerts, len(self.stories)
        con = duckdb.connect(str(trial.db), read_only=True)
        try:
            total, distinct = con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles").fetchone()
            demo = con.execute("SELECT count(DISTINCT canonical_url) FROM articles WHERE url LIKE ? "
                               "AND url NOT LIKE '%/fault/%'", [self.server.base_url + "/%"]).fetchone()[0]
            # alerts of this trial's channel (a fault page may make a story of its own: it is alerted too)
            sent, unsent = con.execute("SELECT count(*) FILTER (WHERE status = 'sent'), "
                                       "count(*) FILTER (WHERE status <> 'sent') FROM alerts "
                                       "WHERE channel LIKE 'apprise:%'").fetchone()
        finally:
            con.close()
        trial.check(len(confirmed) == sent, f"the receiver confirmed {len(confirmed)} alerts, the database has {sent} sent")
        missing = unsent + max(0, len(self.stories) - sent)
        return max(0, self.pages - demo), total - distinct, duplicate_alerts, missing

    def check_common(self, trial: Trial, missing_alerts: int):
        trial.check(missing_alerts == 0, f"{missing_alerts} stories never alerted")
        trial.check(not self.internal.requests, f"{len(self.internal.requests)} requests reached the internal server")

    # --- the matrix -----------------------------------------------------------------------------
    def run(self, only: str | None = None, kills: int = 10) -> tuple[dict, list[TrialResult]]:
        terms = [t.strip().lower() for t in (only or "").split(",") if t.strip()]

        def chosen(name: str) -> bool:
            return not terms or any(t in name.lower() for t in terms)

        self.count = -1
        baseline = self.trial("baseline: no fault", self.baseline)
        self.count = 0
        results = []
        for name, body in self.matrix():
            if chosen(name):
                results.append(self.trial(name, body))
        for i in range(kills):
            mode = "alert" if i % 3 == 2 else "random"
            label = (f"SIGKILL #{i + 1} while alert {1 + (i // 3) % 3} awaits its answer" if mode == "alert"
                     else f"SIGKILL #{i + 1} at a random point")
            if not chosen(label):
                continue
            results.append(self.trial(label, lambda t, mode=mode, i=i: self.kill(t, mode, 1 + (i // 3) % 3)))
        return asdict(baseline), results

    def baseline(self, t: Trial):
        before = len(self.server.requests)
        t.run_pass()
        first = self.server.requests[before].at if len(self.server.requests) > before else time.time()
        self.pass_seconds = max(2.0, time.time() - first)

    def matrix(self) -> list[tuple[str, Callable[[Trial], None]]]:
        s, internal = self.server, self.internal
        demo_feed = next(f for f in s.manifest.feeds if f.path == DEMO_FEED)
        real_feed = (s.root / demo_feed.file).read_bytes().replace(b"{base_url}", s.base_url.encode())

        def feed_fault(**route):
            def body(t: Trial):
                s.route(DEMO_FEED, **route)
                t.run_pass()
            return body

        def page_fault(status=200, body=b"", content_type="text/html; charset=utf-8", headers=None, delay=0.0,
                       check=None, path="/fault/page-1.html"):
            def run(t: Trial):
                s.route(path, status=status, body=body, content_type=content_type, headers=headers, delay=delay)
                t.fault_feed(("결함 기사", path))
                t.run_pass()
                if check:
                    check(t)
            return run

        def private_links(t: Trial):
            t.fault_feed(("내부 주소", internal.url("/admin")), ("사설망", "http://10.0.0.1/"),
                         ("메타데이터", "http://169.254.169.254/latest/meta-data/"),
                         ("localhost", f"http://localhost:{internal.port}/x"), ("IPv6 loopback", f"http://[::1]:{internal.port}/y"))
            t.run_pass()

        def feed_redirect_private(t: Trial):
            s.redirect(DEMO_FEED, internal.url("/feeds/technews.rss"), status=302)
            t.run_pass()

        def redirect_loop(t: Trial):
            s.redirect(DEMO_FEED, s.url("/loop/a"), status=302)
            s.redirect("/loop/a", s.url("/loop/b"), status=302)
            s.redirect("/loop/b", s.url("/loop/a"), status=302)
            t.run_pass()

        def sql_injection(t: Trial):
            s.route("/fault/sql.html", body=article(SQL_TITLE, PARAGRAPHS + [SQL_BODY]))
            s.route("/fault/sql2.html?id=1' OR '1'='1", body=article("따옴표 주소 기사 \" ' ;"))
            t.fault_feed((SQL_TITLE, "/fault/sql.html"), ("따옴표 주소 기사", "/fault/sql2.html?id=1' OR '1'='1"))
            t.run_pass()
            import duckdb
            con = duckdb.connect(str(t.db), read_only=True)
            try:
                tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
                t.check({"articles", "alerts", "stories"} <= tables, "a table is gone")
                stored = con.execute("SELECT count(*) FROM articles WHERE position(? IN title) > 0 AND position(? IN body) > 0",
                                     ["DROP TABLE articles; --", SQL_BODY]).fetchone()[0]
                t.check(stored == 1, "the injection text was not stored verbatim")
            finally:
                con.close()

        def alert_500_two_passes(t: Trial):
            self.hook.status = 500
            t.run_pass()
            t.run_pass()
            self.hook.status = 200

        def alert_down(t: Trial):
            from radar.webhook_receiver import WebhookReceiver
            spare = WebhookReceiver(path="/spare").start()
            port = spare.port
            spare.stop()                                   # nothing listens there now
            t.write_sources(alert_url=f"json://127.0.0.1:{port}{t.hook_path}")
            t.run_pass()
            spare = WebhookReceiver(port=port, path="/spare").start()
            try:
                t.run_pass()
                t.check(len({r.json.get("message_id") for r in spare.received if r.status < 400}) == len(self.stories),
                        "the channel that came back did not get every story")
                t.check(all(n == 1 for n in Counter(r.json.get("message_id") for r in spare.received).values()),
                        "duplicate alerts on the channel that came back")
            finally:
                spare.stop()
            t.received += [r for r in spare.received if not r.held]    # counted with the trial's own alerts
            t.write_sources()

        def held_before(t: Trial):
            holder = self.hold(t.db, seconds=30)
            try:
                outcome = t.run_pass()
                t.check(outcome.startswith("handled"), "a pass on a held file should end with a handled error")
            finally:
                holder.kill()
                holder.wait()

        def held_during(t: Trial):
            slow = s.manifest.pages[-1]
            s.route(slow.path, body=s.manifest.page_bytes(slow, s.base_url), content_type=slow.content_type,
                    delay=4.0, times=1)
            before = len(s.page_requests())
            proc = t.spawn_pass()
            holder = None
            try:
                deadline = time.monotonic() + 300
                while len(s.page_requests()) == before and time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.05)
                holder = self.hold(t.db, seconds=60)
                code = proc.wait(timeout=300)
                t.passes.append("ok" if code == 0 else f"handled (exit {code})" if code in (1, 2) else f"unhandled exit {code}")
            finally:
                if holder is not None:
                    holder.kill()
                    holder.wait()

        def bad_sources(text: str):
            def body(t: Trial):
                good = t.sources.read_text("utf-8")
                t.write_sources(text=text.replace("{good}", good))
                outcome = t.run_pass()
                t.check(outcome.startswith("handled (ConfigError"), f"expected a ConfigError, got {outcome}")
                t.write_sources()
            return body

        huge_feed = real_feed.replace(b"</channel>", b"<item><title>big</title><description>"
                                      + b"A" * 6_000_000 + b"</description></item></channel>")
        laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>')
        nul_feed = bytearray(real_feed)
        for i in range(len(nul_feed) // 3, len(nul_feed), 997):
            nul_feed[i:i] = b"\x00"
        euckr = article("EUC-KR로 쓰고 UTF-8이라 한 기사").replace('charset="utf-8"', 'charset="utf-8"').encode("cp949")

        return [
            ("feed answers 500", feed_fault(status=500, body="error")),
            ("feed answers 404", feed_fault(status=404, body="gone")),
            ("feed slower than the timeout", feed_fault(body=real_feed, content_type="application/rss+xml", delay=SLOW)),
            ("feed is an HTML page", feed_fault(body=article("피드가 아닌 페이지"))),
            ("feed is empty (200, no bytes)", feed_fault(body=b"", content_type="application/rss+xml")),
            ("feed is huge (6 MB)", feed_fault(body=huge_feed, content_type="application/rss+xml")),
            ("feed is truncated XML", feed_fault(body=real_feed[: len(real_feed) // 2], content_type="application/rss+xml")),
            ("feed expands entities (billion laughs)", feed_fault(body=laughs, content_type="application/rss+xml")),
            ("feed with stray NUL bytes", feed_fault(body=bytes(nul_feed), content_type="application/rss+xml")),
            ("feed is random bytes", feed_fault(body=random.Random(1).randbytes(20_000), content_type="application/rss+xml")),
            ("feed in a redirect loop", redirect_loop),
            ("feed redirects to a refused private address", feed_redirect_private),
            ("feed entries link to private, loopback and link-local addresses", private_links),
            ("page answers 500", page_fault(status=500, body=b"error")),
            ("page slower than the timeout", page_fault(body=article("느린 기사"), delay=SLOW)),
            ("page is huge (9 MB)", page_fault(body=article("큰 기사", PARAGRAPHS * 1, "<p>" + "가" * 3_000_000 + "</p>"))),
            ("page is random bytes", page_fault(body=random.Random(2).randbytes(50_000))),
            ("page nests 100,000 elements", page_fault(body=article("깊은 기사", extra="<div>" * 100_000 + "끝" + "</div>" * 100_000))),
            ("page of 50,000 short paragraphs", page_fault(body=article("긴 기사", ["짧은 문단 하나."] * 50_000))),
            ("page is truncated HTML", page_fault(body=article("잘린 기사")[:400])),
            ("page lies about its length", page_fault(body=article("길이 거짓 기사"), headers={"Content-Length": "1000000"})),
            ("page in CP949 declared UTF-8", page_fault(body=euckr)),
            ("page redirects to a refused private address",
             page_fault(status=302, headers={"Location": internal.url("/admin")})),
            ("page redirects to cloud metadata (169.254.169.254)",
             page_fault(status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})),
            ("SQL-injection text in titles, bodies and URLs", sql_injection),
            ("alert endpoint answers 500 for two passes", alert_500_two_passes),
            ("alert endpoint refuses connections for one pass", alert_down),
            ("database held by another writer before the pass", held_before),
            ("database held by another writer during the pass", held_during),
            ("sources file with an unknown setting", bad_sources("{good}\n[fetch2]\nspeed = 1\n")),
            ("sources file is not TOML", bad_sources("[fetch\nurl = ")),
        ]

    def hold(self, db: Path, seconds: float) -> subprocess.Popen:
        """Another process that opens the file read-write (creating it if needed) and keeps it."""
        code = ("import duckdb, sys, time\n"
                "while True:\n"
                "    try:\n        con = duckdb.connect(sys.argv[1]); break\n"
                "    except Exception:\n        time.sleep(0.05)\n"
                "print('held', flush=True)\ntime.sleep(float(sys.argv[2]))\n")
        proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
        self.children.add(proc)
        self.memory.pids.add(proc.pid)
        proc.stdout.readline()
        return proc

    def kill(self, t: Trial, mode: str, nth_alert: int):
        before = len(self.server.requests)
        if mode == "alert":
            self.hook.hold(nth_alert)
        proc = t.spawn_pass()
        try:
            if mode == "alert":
                deadline = time.monotonic() + 300
                while not self.hook.holding.wait(0.2) and proc.poll() is None and time.monotonic() < deadline:
                    pass
            else:
                deadline = time.monotonic() + 300
                while len(self.server.requests) == before and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(self.rng.uniform(0, self.pass_seconds))
            ended = proc.poll() is not None
            if not ended:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            t.passes.append(f"ended before the kill (exit {proc.returncode})" if ended else "killed")
        finally:
            self.hook.release()
            self.hook.hold(10**9)                         # no more holds
        t.run_pass()


COLUMNS = [("fault", 58), ("outcome", 8), ("rows lost", 9), ("dup rows", 8), ("dup alerts", 10), ("seconds", 8),
           ("peak MB", 8)]


def totals(results: list[TrialResult]) -> dict:
    held = sum(1 for r in results if r.outcome == "held")
    return {"faults": len(results), "held": held, "failed": len(results) - held,
            "kill_trials": sum(1 for r in results if r.fault.startswith("SIGKILL")),
            "rows_lost": sum(r.rows_lost for r in results), "duplicate_rows": sum(r.duplicate_rows for r in results),
            "duplicate_alerts": sum(r.duplicate_alerts for r in results),
            "seconds": round(sum(r.seconds for r in results), 1),
            "peak_mb": max((r.peak_mb for r in results), default=0.0)}


def print_table(baseline: dict, results: list[TrialResult], out: TextIO) -> None:
    header = "  ".join(f"{name:<{w}}" if i == 0 else f"{name:>{w}}" for i, (name, w) in enumerate(COLUMNS))
    print(header, file=out)
    print("-" * len(header), file=out)
    for r in results:
        outcome = "held" if r.outcome == "held" else "FAILED"
        cells = [r.fault[:58], outcome, r.rows_lost, r.duplicate_rows, r.duplicate_alerts, f"{r.seconds:.1f}",
                 f"{r.peak_mb:.0f}"]
        print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS))),
              file=out)
    for r in results:
        if r.outcome != "held":
            print(f"  {r.fault}: {r.outcome} (passes: {r.passes})", file=out)
    t = totals(results)
    print("-" * len(header), file=out)
    print(f"totals: {t['held']}/{t['faults']} faults held ({t['kill_trials']} SIGKILL trials); rows lost {t['rows_lost']}, "
          f"duplicate rows {t['duplicate_rows']}, duplicate alerts {t['duplicate_alerts']}; {t['seconds']:.0f} s, "
          f"peak {t['peak_mb']:.0f} MB", file=out)
    print(f"baseline pass without a fault: {baseline['seconds']:.1f} s, peak {baseline['peak_mb']:.0f} MB, "
          f"{baseline['outcome']}", file=out)


def bench_faults(out: TextIO = sys.stdout, *, as_json: bool = False, only: str | None = None, kills: int = 10,
                 seed: int = 14) -> dict:
    import logging
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")     # the table is the output, not pass logs
    logging.getLogger("apprise").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="radar-bench-faults-") as tmp:
        bench = FaultBench(Path(tmp), seed=seed, progress=sys.stderr)
        try:
            baseline, results = bench.run(only=only, kills=kills)
        finally:
            bench.close()
    report = {"baseline": baseline, "faults": [asdict(r) for r in results], "totals": totals(results)}
    if as_json:
        json.dump(report, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print_table(baseline, results, out)
    return report


if __name__ == "__main__":
    bench_faults(as_json="--json" in sys.argv)
