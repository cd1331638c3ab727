"""`radar report` and `radar feed` as a person meets them.

The demo's report is opened in a real headless Chromium (Debian's package, driven by Playwright,
fresh profile, network cut off: see tests/browser.py): the charts draw their marks, nothing logs an
error, Korean labels are in the DOM and render as distinct glyphs, an edge click lists its stories,
a timeline point opens its story, a phone-sized screen does not scroll sideways. Screenshots are kept
as test artifacts (their paths are printed at the end of the run). The Atom feed is read back with
feedparser. Untrusted article text is shown as text, never run.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import feedparser
import pytest
from browser import DISTINCT_GLYPHS_JS, LAPTOP, PHONE, chromium_path, open_page
from builders import feed_fetch, page
from conftest import SCREENSHOTS
from lxml import html as lxml_html

from extractors.models import KST
from reports.model import build_model
from reports.page import render_report
from warehouse import Warehouse
from builders import feed_fetch, page

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=KST)


def radar(*args, timeout: int = 600):
    return subprocess.run([sys.executable, "-m", "radar.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def chromium():
    executable, reason = chromium_path()
    if executable is None:
        if os.environ.get("RADAR_REQUIRE_CHROMIUM"):
            pytest.fail(f"RADAR_REQUIRE_CHROMIUM is set but: {reason}")
        pytest.skip(reason)
    return executable


def keep_screenshot(request, path: Path) -> None:
    """Record a screenshot so conftest prints its path after the run."""
    request.config.stash.setdefault(SCREENSHOTS, []).append(str(path))
    print(f"screenshot: {path}")


def page_text(report: Path) -> str:
    doc = lxml_html.fromstring(report.read_bytes())
    for node in doc.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(doc.text_content().split())


def sql_rows(db: Path, sql: str) -> list[dict]:
    columns, rows = Warehouse(db).query(sql)
    return [dict(zip(columns, r)) for r in rows]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- the demo, through the CLI --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("report-demo") / "radar.duckdb"
    result = radar("demo", "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    return {"db": db, "stdout": result.stdout, "report": db.parent / "report.html"}


@pytest.mark.slow
def test_demo_writes_the_report_beside_the_database_and_prints_its_path(demo):
    printed = re.search(r"^report: (\S+) \(([\d.]+) MB; (\d+) alliances, (\d+) organisations", demo["stdout"], re.M)
    assert printed, demo["stdout"][-2000:]
    report = Path(printed.group(1))
    assert report == demo["report"] and report.is_file()
    assert abs(report.stat().st_size / 1e6 - float(printed.group(2))) < 0.06
    doc = lxml_html.fromstring(report.read_bytes())
    # self-contained: nothing to fetch, no CDN
    assert not doc.xpath("//script[@src] | //link[@href] | //img | //iframe | //object | //embed")
    assert all(href.startswith(("http://", "https://", "#")) for href in doc.xpath("//a/@href"))
    assert "default-src 'none'" in doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    # every alliance and organisation of alliance_members is in the page's text
    text = page_text(report)
    members = sql_rows(demo["db"], "select alliance, org from alliance_members")
    assert members and int(printed.group(3)) == len({m["alliance"] for m in members})
    for m in members:
        assert m["alliance"] in text and m["org"] in text, m
    # ... and so is every alliance story, in "new this period" (the demo saw them all just now)
    for story in sql_rows(demo["db"], "select title from alliance_stories"):
        assert story["title"] in text


@pytest.mark.slow
def test_demo_report_in_chromium_offline(demo, chromium, tmp_path, request):
    report = demo["report"]
    members = sql_rows(demo["db"], "select alliance, org from alliance_members")
    with open_page(report.as_uri(), tmp_path / "profile", viewport=LAPTOP) as visit:
        p = visit.page
        p.wait_for_selector("#timeline-chart[data-ready='1']", timeout=60_000)
        p.wait_for_selector("#network-chart[data-ready='1']", timeout=60_000)
        assert p.evaluate("navigator.onLine") is False            # the page really had no network
        marks = p.evaluate("""() => ({
            timeline: document.querySelectorAll('#timeline-chart svg .scatterlayer .point').length,
            lines: document.querySelectorAll('#timeline-chart svg .scatterlayer .js-line').length,
            network: document.querySelectorAll('#network-chart svg .scatterlayer .point').length,
            edges: document.querySelectorAll('#network-chart svg .scatterlayer .js-line').length})""")
        stories = sql_rows(demo["db"], "select count(*) as n from alliance_stories")[0]["n"]
        assert marks["timeline"] >= stories and marks["lines"] > 0, marks
        orgs = {m["org"] for m in members}
        assert marks["network"] > len(orgs) and marks["edges"] > 0, marks
        # Korean labels drawn by the charts (SVG text), and the page's visible text
        ticks = squash(" ".join(p.eval_on_selector_all("#timeline-chart .ytick text", "ns => ns.map(n => n.textContent)")))
        nodes = set(p.eval_on_selector_all("#network-chart .textpoint text", "ns => ns.map(n => n.textContent)"))
        visible = p.evaluate("document.body.innerText")
        for m in members:
            assert squash(m["alliance"]) in ticks, m["alliance"]
            assert m["org"] in nodes, m["org"]
            assert m["alliance"] in visible and m["org"] in visible
        assert p.evaluate(DISTINCT_GLYPHS_JS, ["동", "맹", "기", "관", "협"]) == 5   # Hangul glyphs, not tofu
        shot = tmp_path / "report-laptop.png"
        p.screenshot(path=str(shot), full_page=True)
        keep_screenshot(request, shot)
        assert visit.console_errors == [] and visit.page_errors == []
        assert visit.blocked == []                                 # nothing even tried the network


@pytest.mark.slow
def test_network_edge_click_lists_its_stories_and_timeline_point_opens_its_story(demo, chromium, tmp_path):
    db = demo["db"]
    tie = sql_rows(db, "select title, orgs, url from alliance_stories where alliance is null and event = 'mou' "
                       "order by first_published_at limit 1")[0]
    a, b = sorted(tie["orgs"])[:2]
    with open_page(demo["report"].as_uri(), tmp_path / "profile", viewport=LAPTOP) as visit:
        p = visit.page
        p.wait_for_selector("#network-chart[data-ready='1']", timeout=60_000)
        # the edge's click target: the midpoint marker of the pair, found through the page's own data
        box = p.evaluate("""([a, b]) => {
            const data = JSON.parse(document.getElementById('report-data').textContent);
            const edge = data.edges.findIndex(e => e.a === a && e.b === b);
            const gd = document.getElementById('network-chart');
            const trace = gd.data.findIndex(t => t.customdata && t.customdata.length && t.customdata[0][0] === 'edge');
            const point = gd.querySelectorAll('.scatterlayer .trace')[trace].querySelectorAll('.point')[edge];
            point.scrollIntoView({block: 'center'});
            const r = point.getBoundingClientRect();
            return {x: r.x + r.width / 2, y: r.y + r.height / 2, edge};
        }""", [a, b])
        assert box["edge"] >= 0, (a, b)
        p.mouse.move(box["x"], box["y"])
        p.wait_for_selector("#network-chart .hoverlayer .hovertext", timeout=10_000)
        hover = p.eval_on_selector("#network-chart .hoverlayer", "n => n.textContent")
        assert a in hover and b in hover and tie["title"][:20] in hover
        p.mouse.click(box["x"], box["y"])
        p.wait_for_function("document.querySelector('#edge-stories .story-list') !== null", timeout=10_000)
        panel = p.inner_text("#edge-stories")
        assert f"{a} — {b}" in panel and tie["title"] in panel
        assert p.get_attribute("#edge-stories .story-list a", "href") == tie["url"]
        # a timeline point opens its story in a new tab
        box = p.evaluate("""() => {
            const gd = document.getElementById('timeline-chart');
            const point = gd.querySelector('.scatterlayer .trace .point');
            point.scrollIntoView({block: 'center'});
            const r = point.getBoundingClientRect();
            return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }""")
        with p.context.expect_page(timeout=10_000):
            p.mouse.click(box["x"], box["y"])
        story_urls = {r["url"] for r in sql_rows(db, "select url from alliance_stories")}
        p.wait_for_timeout(500)
        # the new tab asked for the story (and was stopped: this browser has no network)
        assert visit.blocked and set(visit.blocked) <= story_urls, visit.blocked
        assert visit.console_errors == [] and visit.page_errors == []


@pytest.mark.slow
def test_demo_report_on_a_phone(demo, chromium, tmp_path, request):
    with open_page(demo["report"].as_uri(), tmp_path / "profile", viewport=PHONE, mobile=True) as visit:
        p = visit.page
        p.wait_for_selector("#network-chart[data-ready='1']", timeout=60_000)
        size = p.evaluate("({page: document.documentElement.scrollWidth, screen: window.innerWidth,"
                          " chart: document.getElementById('timeline-chart').getBoundingClientRect().width})")
        assert size["page"] <= size["screen"], size               # tables scroll in their box, not the page
        assert 0.8 * size["screen"] <= size["chart"] <= size["screen"], size
        assert p.evaluate("document.querySelectorAll('#network-chart svg .point').length") > 0
        shot = tmp_path / "report-phone.png"
        p.screenshot(path=str(shot), full_page=True)
        keep_screenshot(request, shot)
        assert visit.console_errors == [] and visit.page_errors == [] and visit.blocked == []


# --- the feed -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_feed_is_valid_atom_newest_first_with_ids_stable_across_runs(demo, tmp_path):
    # (a monitor pass that adds nothing keeps the feed as it is: tests/test_monitor_flow.py)
    db = demo["db"]
    first = radar("feed", "--db", str(db), "--out", str(tmp_path / "one.xml"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"feed: {tmp_path / 'one.xml'} ({len(sql_rows(db, 'select * from alliance_stories'))} entries)"
    second = radar("feed", "--db", str(db), "--out", str(tmp_path / "two.xml"))
    assert second.returncode == 0, second.stderr
    one, two = (tmp_path / "one.xml").read_bytes(), (tmp_path / "two.xml").read_bytes()
    assert one == two
    parsed = feedparser.parse(one)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    stories = sql_rows(db, "select story_id, title, url, orgs, outlet_count, first_published_at from alliance_stories")
    entries = parsed.entries
    assert len(entries) == len(stories)
    assert len({e.id for e in entries}) == len(entries)
    published = [datetime(*e.published_parsed[:6]) for e in entries]
    assert published == sorted(published, reverse=True)
    by_title = {s["title"]: s for s in stories}
    for e in entries:
        story = by_title[e.title]
        assert e.link == story["url"]
        assert all(org in e.summary for org in story["orgs"])
        assert f"{story['outlet_count']}개 매체" in e.summary
        assert e.id.startswith("urn:uuid:")


def test_feed_and_report_of_an_empty_warehouse(tmp_path):
    db = tmp_path / "radar.duckdb"
    Warehouse(db).migrate()
    result = radar("report", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"report: {tmp_path / 'report.html'} (nothing yet: no alliance stories in the warehouse)"
    text = page_text(tmp_path / "report.html")
    assert "아직 보여 줄 AI 동맹 소식이 없습니다" in text and "Nothing yet" in text
    assert (tmp_path / "report.html").stat().st_size < 50_000      # no chart library for nothing
    result = radar("feed", "--db", str(db))
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse((tmp_path / "alliance-news.xml").read_bytes())
    assert not parsed.bozo and parsed.entries == [] and parsed.feed.title


def test_report_options_fail_with_one_line(tmp_path):
    result = radar("report", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"radar: no database at {tmp_path / 'none.duckdb'} — run `radar demo` or `radar run` first"
    db = tmp_path / "radar.duckdb"
    Warehouse(db).migrate()
    result = radar("report", "--db", str(db), "--since", "last week")
    assert result.returncode == 2 and result.stderr.strip() == "radar: --since 'last week' is not a date (YYYY-MM-DD)"


# --- untrusted text -------------------------------------------------------------------------------------

EVIL_TITLE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> 수상한 <b>제목</b> & "인용"'
EVIL_ALLIANCE = '<svg onload="window.__pwned=3">악성 동맹</svg>'
EVIL_ORG = "<b>네이버</b>"


@pytest.fixture
def evil_warehouse(tmp_path) -> Path:
    db = tmp_path / "radar.duckdb"
    pages = [
        page("https://news.example/a/1", title=EVIL_TITLE, body="KT와 네이버가 동맹을 맺었다.", outlet="<i>악성</i>일보",
             published_at=datetime(2026, 11, 20, 9, 0, tzinfo=KST), is_alliance=True, orgs=["KT", EVIL_ORG],
             alliance=EVIL_ALLIANCE, event="founded", event_date=date(2026, 11, 20)),
        page("javascript:alert(1)", title="링크가 이상한 기사 %{x} {plot_id}", body="KT와 카카오가 업무협약을 맺었다.",
             outlet="일보", published_at=datetime(2026, 11, 21, 9, 0, tzinfo=KST), is_alliance=True,
             orgs=["KT", "카카오"], event="mou", event_date=date(2026, 11, 21)),
    ]
    feeds = [feed_fetch("https://feeds.example/rss", outlet="<script>x</script>피드", status="error",
                        error="<img src=x onerror=alert(1)> timeout")]
    Warehouse(db).load("run-1", feeds, pages, [])
    return db


def test_untrusted_titles_and_names_are_shown_as_text(evil_warehouse, chromium, tmp_path):
    result = radar("report", "--db", str(evil_warehouse))
    assert result.returncode == 0, result.stderr
    report = evil_warehouse.parent / "report.html"
    doc = lxml_html.fromstring(report.read_bytes())
    assert not doc.xpath("//img | //svg | //main//b | //main//i | //*[@onerror] | //*[@onload]")
    assert not [h for h in doc.xpath("//a/@href") if not h.startswith(("http", "#"))]
    with open_page(report.as_uri(), tmp_path / "profile") as visit:
        p = visit.page
        p.wait_for_selector("#network-chart[data-ready='1']", timeout=60_000)
        assert p.evaluate("window.__pwned") is None
        assert p.evaluate("document.querySelectorAll('img, main b, main i').length") == 0
        visible = p.evaluate("document.body.innerText")
        assert EVIL_TITLE in visible and EVIL_ALLIANCE in visible and EVIL_ORG in visible
        labels = p.eval_on_selector_all("#network-chart .textpoint text", "ns => ns.map(n => n.textContent)")
        assert EVIL_ORG in labels                               # drawn as the literal name
        assert p.evaluate("Array.from(document.links).filter(a => a.protocol === 'javascript:').length") == 0
        assert visit.console_errors == [] and visit.page_errors == [] and visit.blocked == []
    result = radar("feed", "--db", str(evil_warehouse), "--out", str(tmp_path / "f.xml"))
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse((tmp_path / "f.xml").read_bytes())
    assert not parsed.bozo
    assert {e.title for e in parsed.entries} == {EVIL_TITLE, "링크가 이상한 기사 %{x} {plot_id}"}
    assert all(not link.href.startswith("javascript") for e in parsed.entries for link in e.get("links", []))


# --- alliance_members read defensively (columns another issue adds) --------------------------------------

def test_members_with_left_on_and_basis_columns():
    def story(sid, title, day):
        return {"story_id": sid, "title": title, "url": f"https://news.example/{sid}", "alliance": "AI 원팀",
                "event": "joined", "event_date": day, "orgs": ["KT", "LG전자"], "outlets": ["테크일보"],
                "outlet_count": 1, "first_published_at": datetime.combine(day, datetime.min.time(), KST),
                "created_at": NOW}
    rows = {
        "stories": [story("s1", "AI 원팀 출범", date(2020, 2, 19)), story("s2", "LG전자 AI 원팀 합류", date(2020, 6, 3))],
        "events": [],
        "members": [
            {"alliance": "AI 원팀", "org": "KT", "joined_on": date(2020, 2, 19), "article_id": "a1", "basis": "founding",
             "first_reported_on": date(2020, 2, 19), "left_on": None, "evidence_title": "AI 원팀 출범",
             "evidence_url": "https://news.example/s1", "evidence_story_id": "s1"},
            {"alliance": "AI 원팀", "org": "LG전자", "joined_on": date(2020, 6, 3), "article_id": "a2", "basis": "joined",
             "first_reported_on": date(2020, 6, 3), "left_on": date(2022, 1, 1), "evidence_title": "LG전자 AI 원팀 합류",
             "evidence_url": "javascript:alert(1)", "evidence_story_id": "s2"},
        ],
        "org_types": {"KT": "company"},
        "sources": [],
    }
    model = build_model(rows, generated_at=NOW, since=datetime(2026, 11, 23, tzinfo=KST))
    assert [(d.isoformat(), n) for d, n in model.membership["AI 원팀"]] == [
        ("2020-02-19", 1), ("2020-06-03", 2), ("2022-01-01", 1), ("2026-11-30", 1)]
    html = render_report(model)
    doc = lxml_html.fromstring(html)
    table = doc.xpath("//table[contains(@class, 'members')]")[0]
    assert [th.text_content() for th in table.xpath(".//th")] == ["기관", "유형", "합류일", "근거", "첫 보도", "탈퇴일", "근거 기사"]
    lg = table.xpath(".//tr[@data-joined='2020-06-03']")[0]
    assert lg.get("data-left") == "2022-01-01" and "joined" in lg.text_content()
    assert not lg.xpath(".//a")                                 # a javascript: link is not a link
    edge = model.edges[0]
    assert (edge.a, edge.b, edge.alliances) == ("KT", "LG전자", ["AI 원팀"])
    assert [s.story_id for s in edge.stories] == ["s2", "s1"]   # the evidence of both memberships, newest first
    assert json.loads(doc.xpath("//script[@id='report-data']")[0].text)["edges"][0]["stories"] == ["s2", "s1"]
