"""Issue 5: after an extractor change, `radar reprocess` re-extracts the stored raw HTML — no network — and
updates the rows in place, keeping the extractor-version history."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from localhttp import LocalServer

from extractors.models import KST
from flows.monitor import monitor
from flows.reprocess import reprocess
from radar.demo_server import CorpusServer
from warehouse import Warehouse

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def test_reprocess_applies_a_new_rule_to_stored_pages_without_network(tmp_path):
    db = tmp_path / "radar.duckdb"
    with CorpusServer() as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(server.render_sources(), encoding="utf-8")
        monitor(sources_path=str(sources), db_path=str(db))
        page = next(p for p in server.manifest.pages if p.is_alliance and p.body_contains)
    # the server is gone now: any fetch would fail
    sentence = page.body_contains[0]
    wh = Warehouse(db)
    before = dict(wh.query("select url, extractor_version from articles")[1])
    assert all(v for v in before.values())
    articles_before = wh.query("select count(*) from articles")[1][0][0]

    rules = tmp_path / "my-rules.toml"
    rules.write_text("[[rule]]\nname = \"drop-one-paragraph\"\nclass = \"widget\"\nscope = \"line\"\n"
                     f"pattern = '.*{re.escape(sentence)}.*'\n", encoding="utf-8")
    env = {**os.environ, "RADAR_BOILERPLATE_RULES": str(rules)}
    result = subprocess.run([sys.executable, "-m", "radar.cli", "reprocess", "--db", str(db), "--sources", str(sources)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"reprocessed \d+ stored pages", result.stdout)

    after = dict(wh.query("select url, extractor_version from articles")[1])
    assert after.keys() == before.keys()
    assert all(after[url] != before[url] for url in after)          # the rule file is part of the version
    bodies = [row[0] for row in wh.query("select body from articles")[1]]
    assert not any(sentence in body for body in bodies)
    assert wh.query("select count(*) from articles")[1][0][0] == articles_before
    versions = wh.query("select count(distinct extractor_version) from article_versions")[1][0][0]
    assert versions == 2
    assert wh.query("select count(*) from alerts where status = 'sent'")[1][0][0] == \
        wh.query("select count(*) from stories")[1][0][0]          # nothing alerted twice


# a page that says nothing about itself: no <title>, no headline, no date, no outlet name
BARE_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"></head><body><div class="article-body">
<p>가온전자와 누리대학교는 인공지능 반도체 공동 연구를 위한 업무협약을 맺었다고 밝혔다. 두 기관은 앞으로 3년 동안
추론용 칩 설계를 함께 연구한다.</p>
<p>가온전자 관계자는 이번 협약으로 대학의 연구 인력과 회사의 설계 경험을 묶어 국산 AI 반도체 생태계를 넓히겠다고 말했다.</p>
<p>누리대학교는 연구실 두 곳을 공동 연구에 배정하고 대학원생 장학금도 마련하기로 했다.</p>
</div></body></html>"""


def test_reprocess_keeps_the_title_date_and_outlet_that_only_the_feed_item_gave(tmp_path):
    """The page names no title, date or outlet; the feed item (and the feed's configured outlet) do.
    `monitor` fills them from the feed; `reprocess` must fill them the same way from the stored item."""
    db = tmp_path / "radar.duckdb"
    with LocalServer() as server:
        feed = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>시험 피드</title>
<item><title>가온전자·누리대, AI 반도체 공동연구 협약</title><link>{server.url("/news/1")}</link>
<pubDate>Tue, 03 Nov 2026 10:21:00 +0900</pubDate></item></channel></rss>"""
        server.route("/rss", body=feed.encode(), content_type="application/rss+xml; charset=utf-8")
        server.route("/news/1", body=BARE_PAGE.encode(), content_type="text/html; charset=utf-8")
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nallow_private_hosts = ["127.0.0.1:{server.port}"]\nper_host_interval = 0.0\n\n'
                           f'[[feeds]]\nurl = "{server.url("/rss")}"\noutlet = "시험일보"\n', encoding="utf-8")
        monitor(sources_path=str(sources), db_path=str(db))
    expected = ("가온전자·누리대, AI 반도체 공동연구 협약", datetime(2026, 11, 3, 10, 21, tzinfo=KST), "시험일보")
    sql = "select title, published_at, outlet from articles"
    assert Warehouse(db).query(sql)[1] == [expected]       # monitor filled them from the feed

    counts = reprocess(db_path=str(db), sources_path=str(sources))     # the server is gone: no network

    assert counts["pages"] == 1 and counts["articles_unchanged"] == 1 and counts["articles_updated"] == 0
    assert Warehouse(db).query(sql)[1] == [expected]
