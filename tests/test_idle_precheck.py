"""`radar run` with nothing new: the feeds are checked before Prefect starts, the pass is recorded, one line
is printed. A new entry, or batches an earlier pass left in the staging area, still run the whole flow."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from localhttp import LocalServer

from extractors.models import FeedFetch
from flows.staging import Staging, default_staging_url
from warehouse import Warehouse
from warehouse.shards import feeds_table

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
N_FEEDS = 3
PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>동네 소식 {n}호 - 시험일보</title>
<meta property="og:site_name" content="시험일보"><meta property="article:published_time" content="2026-11-0{d}T09:00:00+09:00">
</head><body><article><h1>동네 소식 {n}호</h1>
<p>구립 체육관이 다음 달부터 평일 수영 강습 시간을 저녁 9시까지 늘린다고 밝혔다. 대상 강좌는 {n}개다.</p>
<p>체육관 측은 직장인 수요가 많아 초급반과 중급반을 하나씩 더 열고, 강사도 두 명 새로 뽑기로 했다.</p>
<p>신청은 구청 누리집에서 받으며, 자리가 남으면 현장 접수도 할 수 있다고 체육관은 덧붙였다.</p>
</article></body></html>"""


def feed_xml(base: str, feed: int, items: list[int]) -> str:
    entries = "".join(f"<item><title>동네 소식 {n}호</title><link>{base}/page/{n}.html</link>"
                      f"<pubDate>Mon, 02 Nov 2026 09:00:00 +0900</pubDate></item>" for n in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>피드 {feed}</title>'
            f"<link>{base}/</link>{entries}</channel></rss>")


def serve_feed(srv: LocalServer, feed: int, items: list[int]) -> None:
    body, etag = feed_xml(srv.base, feed, items).encode(), f'"f{feed}-{len(items)}"'

    def handler(req):
        if req.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag}, body
    srv.route(f"/feed/{feed}.rss", handler)


def serve_page(srv: LocalServer, n: int) -> None:
    srv.route(f"/page/{n}.html", status=200, body=PAGE.format(n=n, d=n % 9 + 1), content_type="text/html; charset=utf-8")


def radar_run(sources: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db),
                           "--workers", "1"], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=600)


def page_requests(srv: LocalServer, since: int) -> list[str]:
    return [path for _, path, _ in srv.requests[since:] if path.startswith("/page/")]


def test_nothing_new_is_checked_and_recorded_without_prefect_and_new_work_runs_the_flow(tmp_path):
    with LocalServer() as srv:
        for n in range(N_FEEDS):
            serve_feed(srv, n, [n])
            serve_page(srv, n)
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nallow_private_hosts = ["127.0.0.1:{srv.port}"]\nper_host_interval = 0.0\n'
                           + "".join(f'\n[[feeds]]\nurl = "{srv.url(f"/feed/{n}.rss")}"\noutlet = "시험일보"\n'
                                     for n in range(N_FEEDS)), encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        wh = Warehouse(db)

        first = radar_run(sources, db)          # no warehouse yet: the flow, as always
        assert first.returncode == 0, first.stderr[-3000:]
        assert "alliance-radar pass finished" in first.stdout
        assert wh.query("select count(*) from articles")[1][0][0] == N_FEEDS

        # 1. nothing new: one line, no page request, no Prefect; the pass is in runs, fetch_log and sources
        before, polled_before = len(srv.requests), wh.query("select max(last_fetched_at) from sources")[1][0][0]
        idle = radar_run(sources, db)
        assert idle.returncode == 0, idle.stderr[-3000:]
        assert re.fullmatch(rf"nothing new: {N_FEEDS} of {N_FEEDS} feeds unchanged \({N_FEEDS} answered 304\), "
                            r"checked in \d+\.\d s; recorded as run precheck-[0-9a-f-]+\n", idle.stdout), idle.stdout
        assert "Finished in state" not in idle.stderr and "flow run" not in idle.stderr     # Prefect never started
        assert page_requests(srv, before) == []
        assert sorted(p for _, p, _ in srv.requests[before:]) == sorted([f"/feed/{n}.rss" for n in range(N_FEEDS)]
                                                                        + ["/robots.txt"])   # asked once, as the flow does
        run_id = idle.stdout.rsplit("recorded as run ", 1)[1].strip()
        (flow, status, params, counts), = wh.query("select flow, status, params, counts from runs where run_id = ?",
                                                   [run_id])[1]
        assert (flow, status) == ("monitor", "completed") and '"precheck": true' in params
        assert '"feeds_not_modified": 3' in counts
        assert wh.query("select count(*) from fetch_log where run_id = ? and kind = 'feed' and status = 'not_modified'",
                        [run_id])[1][0][0] == N_FEEDS
        assert wh.query("select min(last_fetched_at) from sources")[1][0][0] > polled_before
        assert [r[0] for r in wh.query("select polls_7d from source_health")[1]] == [2] * N_FEEDS

        # 2. an earlier pass's batches wait in the staging area: the flow runs and loads them, feeds unchanged
        staging = Staging(default_staging_url(db))
        left_at = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
        staging.write(f"{staging.run_folder('killed-run')}/feeds.parquet", feeds_table([FeedFetch(
            feed_url=srv.url("/feed/0.rss"), outlet="시험일보", kind="rss", fetched_at=left_at, status="not_modified",
            http_status=304, etag='"f0-1"')]))
        before = len(srv.requests)
        leftover = radar_run(sources, db)
        assert leftover.returncode == 0, leftover.stderr[-3000:]
        assert "nothing new" not in leftover.stdout and "alliance-radar pass finished" in leftover.stdout
        assert not staging.has_leftovers()
        assert wh.query("select count(*) from fetch_log where run_id = 'killed-run'")[1][0][0] == 1
        assert page_requests(srv, before) == []

        # 3. a new entry between runs: the pre-check sees it, the flow fetches and loads it
        serve_feed(srv, 1, [1, 7])
        serve_page(srv, 7)
        before = len(srv.requests)
        fresh = radar_run(sources, db)
        assert fresh.returncode == 0, fresh.stderr[-3000:]
        assert "pre-check: 1 new entry" in fresh.stderr and "alliance-radar pass finished" in fresh.stdout
        assert page_requests(srv, before) == ["/page/7.html"]
        assert wh.query("select count(*) from articles where url = ?", [srv.url("/page/7.html")])[1][0][0] == 1

        # 4. and the pass after it is idle again
        before = len(srv.requests)
        again = radar_run(sources, db)
        assert again.returncode == 0 and again.stdout.startswith("nothing new: 3 of 3 feeds unchanged"), again.stdout
        assert page_requests(srv, before) == []

        # 5. `radar run --full`: the flow, whatever the feeds say
        full = subprocess.run([sys.executable, "-m", "radar.cli", "run", "--full", "--sources", str(sources),
                               "--db", str(db), "--workers", "1"], cwd=ROOT, env=dict(os.environ),
                              capture_output=True, text=True, timeout=600)
        assert full.returncode == 0, full.stderr[-3000:]
        assert "nothing new" not in full.stdout and "alliance-radar pass finished" in full.stdout
        assert re.search(r"feeds polled\s+3\s+\(3 not modified", full.stdout), full.stdout


def test_a_busy_file_is_left_to_the_flow_quickly_and_nothing_is_polled(tmp_path):
    """The pre-check waits briefly for a file another process holds, then answers "run the flow" (which waits
    and names the holder); it polls nothing and writes nothing."""
    import time

    from holders import hold

    from flows.precheck import BUSY_WAIT_SECONDS, precheck
    from settings import load_config
    with LocalServer() as srv:
        serve_feed(srv, 0, [0])
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nallow_private_hosts = ["127.0.0.1:{srv.port}"]\n\n[warehouse]\nlock_wait_seconds = 60\n'
                           f'\n[[feeds]]\nurl = "{srv.url("/feed/0.rss")}"\n', encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        Warehouse(db).migrate()
        for name in ("report.html", "alliance-news.xml"):
            (tmp_path / name).write_text("", encoding="utf-8")
        holder = hold(db, 60)
        try:
            started = time.monotonic()
            result = precheck(load_config(sources), db)
            waited = time.monotonic() - started
        finally:
            holder.kill()
            holder.wait()
        assert not result.idle and result.reason == "the warehouse cannot be read now (DatabaseBusy)"
        assert BUSY_WAIT_SECONDS / 2 <= waited < 30      # it waited, briefly (the file asks for 60 s)
        assert srv.requests == []
