"""Warehouse schema, loads, views, reprocess and export — on real DuckDB files."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest
from builders import feed_fetch, page

from extractors.models import KST, AllianceEvent, PageRecord
from radar.render import format_alliance_timeline
from settings import WarehouseSettings
from warehouse import SCHEMA_VERSION, NotAWarehouse, SchemaTooNew, Warehouse, WarehouseError
from warehouse.schema import APP_ID, apply_migrations

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=KST)


def count(wh: Warehouse, table: str) -> int:
    return wh.query(f"SELECT count(*) FROM {table}")[1][0][0]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "data" / "radar.duckdb", WarehouseSettings(lock_wait_seconds=5))
    assert w.migrate() == SCHEMA_VERSION
    return w


def alliance_page(n: int, **kw) -> PageRecord:
    defaults = dict(body=f"삼성전자와 네이버가 AI 반도체 동맹을 맺었다. 기사 {n}.", is_alliance=True,
                    orgs=["삼성전자", "네이버"], alliance="AI 반도체 동맹", event="mou", outlet=f"매체{n}")
    defaults.update(kw)
    return page(f"https://outlet{n}.example/news/{n}", **defaults)


# --- schema ------------------------------------------------------------------------------------------

def test_migrate_creates_file_parent_and_views(tmp_path):
    w = Warehouse(tmp_path / "new" / "dir" / "r.duckdb")
    assert w.migrate() == SCHEMA_VERSION
    assert w.migrate() == SCHEMA_VERSION          # idempotent
    assert w.schema_version() == SCHEMA_VERSION
    cols, _ = w.query("SELECT * FROM alliance_members")
    assert cols == ["alliance", "org", "joined_on", "article_id", "basis", "first_reported_on", "left_on"]
    cols, _ = w.query("SELECT * FROM alliance_events")
    assert cols == ["alliance", "event", "event_date", "orgs", "article_id", "evidence"]
    cols, _ = w.query("SELECT * FROM alliance_news")
    assert cols[:6] == ["published_at", "outlet", "title", "url", "organisations", "score"]
    for view in ("alliance_stories", "org_network", "source_health"):
        w.query(f"SELECT * FROM {view}")
    cols, _ = w.query("SELECT * FROM articles LIMIT 0")
    for c in ("article_id", "url", "canonical_url", "outlet", "title", "authors", "published_at", "body",
              "is_alliance", "score", "fetched_at", "content_hash", "extractor_version"):
        assert c in cols


def test_old_file_is_upgraded_keeping_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    apply_migrations(con, 0, upto=1)
    con.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES ('r-old', 'monitor', now(), 'ok')")
    con.close()
    w = Warehouse(path)
    assert w.schema_version() == 1
    assert w.migrate() == SCHEMA_VERSION
    assert w.query("SELECT run_id FROM runs")[1] == [("r-old",)]
    assert w.query("SELECT max(version) FROM schema_version")[1][0][0] == SCHEMA_VERSION
    w.query("SELECT * FROM alliance_stories")


def test_events_stored_before_roles_get_their_natural_roles(tmp_path):
    """A version-2 file's events are given roles by the migration, so alliance_members keeps answering."""
    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    apply_migrations(con, 0, upto=2)
    con.execute("""INSERT INTO articles (article_id, url, canonical_url, published_at, published_date, content_hash,
                   is_alliance, first_seen_at, updated_at, row_hash)
                   VALUES ('a1', 'u1', 'u1', TIMESTAMPTZ '2020-02-21 10:00+09', DATE '2020-02-21', 'h', true,
                           now(), now(), 'r'),
                          ('a2', 'u2', 'u2', TIMESTAMPTZ '2020-06-04 10:00+09', DATE '2020-06-04', 'h', true,
                           now(), now(), 'r')""")
    con.execute("""INSERT INTO article_events VALUES
                   ('a1', 0, true, 'AI 원팀', 'founded', DATE '2020-02-20', ['KT', 'KAIST'], '출범'),
                   ('a2', 0, true, 'AI 원팀', 'joined', DATE '2020-06-03', ['LG전자'], '합류'),
                   ('a2', 1, false, NULL, 'mou', DATE '2020-06-03', ['LG전자', 'KT'], '협약')""")
    con.close()
    w = Warehouse(path)
    assert w.migrate() == SCHEMA_VERSION
    _, rows = w.query("SELECT article_id, seq, org, role FROM event_orgs ORDER BY ALL")
    assert rows == [("a1", 0, "KAIST", "founder"), ("a1", 0, "KT", "founder"), ("a2", 0, "LG전자", "joiner"),
                    ("a2", 1, "KT", "partner"), ("a2", 1, "LG전자", "partner")]
    _, rows = w.query("SELECT org, joined_on, basis FROM alliance_members ORDER BY joined_on, org")
    assert rows == [("KAIST", date(2020, 2, 20), "stated_founding"), ("KT", date(2020, 2, 20), "stated_founding"),
                    ("LG전자", date(2020, 6, 3), "stated_join")]


def test_members_by_role_basis_first_report_and_departure(wh):
    """alliance_members reads roles: a stated founding or joining date where the text gives one, else the
    article's date (listed_member); partners and mentioned organisations are not members; a departure sets
    left_on; spellings of one alliance differing only in spaces or case are one alliance."""
    def ev(alliance, event, d, roles):
        return AllianceEvent(alliance=alliance, event=event, event_date=d,
                             orgs=[o for o, r in roles.items() if r != "mentioned"], evidence="…", roles=roles)

    def art(n, published, events, is_alliance=True):
        return page(f"https://m.example/{n}", body=f"본문 {n}", is_alliance=is_alliance, alliance=events[0].alliance,
                    event=events[0].event, event_date=events[0].event_date, events=events,
                    published_at=datetime(*published, 9, tzinfo=KST))

    founded = art(1, (2021, 3, 2), [ev("데이터 동맹", "founded", date(2021, 3, 2),
                                       {"가온": "founder", "나래": "founder", "다솜": "mentioned"})])
    # a year later, a background list names the founders and a newcomer: nobody is re-dated, the newcomer
    # counts from this article's date
    listed = art(2, (2022, 5, 10), [ev("데이터동맹", "other", None,
                                       {"가온": "listed_member", "나래": "listed_member", "라온": "listed_member"})])
    # a join stated for the 3rd, reported on the 4th, in an article below the relevance threshold: the
    # alliance is tracked, so the join counts
    joined = art(3, (2022, 6, 4), [ev("데이터 동맹", "joined", date(2022, 6, 3), {"마루": "joiner", "바다": "partner"})],
                 is_alliance=False)
    left = art(4, (2023, 1, 9), [ev("데이터 동맹", "left", date(2023, 1, 9), {"나래": "leaver"})])
    wh.load("roles", [], [founded, listed, joined, left], [])
    _, rows = wh.query("SELECT alliance, org, joined_on, basis, first_reported_on, left_on FROM alliance_members "
                       "ORDER BY joined_on, org")
    assert rows == [
        ("데이터 동맹", "가온", date(2021, 3, 2), "stated_founding", date(2021, 3, 2), None),
        ("데이터 동맹", "나래", date(2021, 3, 2), "stated_founding", date(2021, 3, 2), date(2023, 1, 9)),
        ("데이터 동맹", "라온", date(2022, 5, 10), "listed_member", date(2022, 5, 10), None),
        ("데이터 동맹", "마루", date(2022, 6, 3), "stated_join", date(2022, 6, 4), None),
    ]
    as_of = ("SELECT org FROM alliance_members WHERE alliance = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?) "
             "ORDER BY org")
    assert [r[0] for r in wh.query(as_of, ["데이터 동맹", date(2022, 6, 2), date(2022, 6, 2)])[1]] == ["가온", "나래", "라온"]
    assert [r[0] for r in wh.query(as_of, ["데이터 동맹", date(2023, 2, 1), date(2023, 2, 1)])[1]] == ["가온", "라온", "마루"]


def test_newer_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "future.duckdb"
    Warehouse(path).migrate()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version (version, description, app) VALUES (?, 'from the future', ?)",
                [SCHEMA_VERSION + 1, APP_ID])
    con.close()
    before = digest(path)
    with pytest.raises(SchemaTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        Warehouse(path).migrate()
    with pytest.raises(SchemaTooNew):
        Warehouse(path).load("r", [], [alliance_page(1)], ["log"])
    assert digest(path) == before


def test_foreign_duckdb_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'x')")
    con.close()
    before = digest(path)
    with pytest.raises(NotAWarehouse, match="customers"):
        Warehouse(path).migrate()
    with pytest.raises(NotAWarehouse):
        Warehouse(path).load("r", [], [alliance_page(1)], ["log"])
    with pytest.raises(NotAWarehouse):
        Warehouse(path).query("SELECT 1")
    assert digest(path) == before


@pytest.mark.parametrize("content", [b"", b"this is not a database\n" * 100, b"SQLite format 3\x00" + b"\x00" * 4000])
def test_garbage_file_is_refused_and_untouched(tmp_path, content):
    path = tmp_path / "radar.duckdb"
    path.write_bytes(content)
    with pytest.raises(NotAWarehouse, match="left untouched"):
        Warehouse(path).migrate()
    with pytest.raises(NotAWarehouse):
        Warehouse(path).load("r", [], [alliance_page(1)], ["log"])
    assert path.read_bytes() == content


def test_corrupted_warehouse_is_refused_and_untouched(tmp_path):
    path = tmp_path / "radar.duckdb"
    w = Warehouse(path)
    w.migrate()
    w.load("r", [], [alliance_page(i) for i in range(20)], ["log"])
    data = bytearray(path.read_bytes())
    data[5000:9000] = b"\xff" * 4000          # break the first blocks after the headers
    path.write_bytes(bytes(data))
    with pytest.raises(NotAWarehouse):
        Warehouse(path).migrate()
    assert path.read_bytes() == bytes(data)


def test_query_on_missing_file_says_what_to_do(tmp_path):
    w = Warehouse(tmp_path / "nope.duckdb")
    with pytest.raises(WarehouseError, match=r"no database at .*radar demo"):
        w.query("SELECT 1")
    assert not (tmp_path / "nope.duckdb").exists()
    assert w.feed_states() == {} and w.known_urls(["https://x"]) == set() and w.pending_alerts() == []


# --- loads ----------------------------------------------------------------------------------------------

def test_load_is_idempotent(wh):
    feeds = [feed_fetch("https://feeds.example/rss", outlet="테스트일보", etag='"abc"'),
             feed_fetch("https://broken.example/rss", status="error", error="http_404: not found", http_status=404)]
    pages = [alliance_page(1), alliance_page(2), page("https://x.example/weather", body="맑음"),
             page("https://x.example/pic.png", error="not_html: image/png", raw_html=None)]
    c1 = wh.load("run-1", feeds, pages, ["log", "apprise:3f2a9c"])
    assert c1["articles_new"] == 3 and c1["alliance_new"] == 2 and c1["pages_failed"] == 1
    assert c1["feeds_failed"] == 1 and c1["stories_new"] == 1 and c1["alerts_created"] == 2
    tables = ["articles", "article_urls", "article_versions", "raw_pages", "fetch_log", "article_orgs",
              "article_events", "organisations", "stories", "story_articles", "alerts", "sources"]
    before = {t: count(wh, t) for t in tables}
    c2 = wh.load("run-1", feeds, pages, ["log", "apprise:3f2a9c"])
    assert c2["articles_new"] == 0 and c2["articles_updated"] == 0 and c2["alerts_created"] == 0
    assert c2["stories_new"] == 0 and c2["stories_joined"] == 0
    assert {t: count(wh, t) for t in tables} == before
    # the same pass loaded again does not count the feed failure twice
    assert wh.feed_states()["https://broken.example/rss"].consecutive_failures == 1


def test_one_row_per_canonical_url_and_url_variants(wh):
    canon = "https://news.example/article/77"
    a = page("https://m.news.example/article/77?utm_source=x", canonical_url=canon, body="첫 버전")
    b = page("https://news.example/amp/article/77", canonical_url=canon, body="첫 버전",
             fetched_at=T0 + timedelta(hours=2))
    wh.load("r1", [], [a, b], [])                      # duplicate key inside one batch
    assert count(wh, "articles") == 1
    c = page("https://news.example/article/77", canonical_url=canon, body="첫 버전")
    assert wh.load("r2", [], [c], [])["articles_new"] == 0
    assert count(wh, "articles") == 1
    assert wh.known_urls([a.url, b.url, canon, "https://other.example/1"]) == {a.url, b.url, canon}
    assert wh.query("SELECT canonical_url FROM articles")[1] == [(canon,)]


def test_fetch_failures_are_logged_with_reasons_and_known_urls(wh):
    feeds = [feed_fetch("https://a.example/rss", status="error", error="timeout: read timed out", http_status=None),
             feed_fetch("https://b.example/rss", status="error", error="not_xml: text/html", http_status=200)]
    pages = [page("https://p.example/1", error="not_html: application/pdf", raw_html=None),
             page("https://p.example/2", error="empty: 0 bytes", raw_html=None),
             page("https://p.example/3", error="http_404", http_status=404, raw_html=None),
             page("https://p.example/4", error="timeout", http_status=None, raw_html=None)]
    wh.load("r1", feeds, pages, [])
    _, rows = wh.query("SELECT kind, url, status, reason FROM fetch_log ORDER BY kind, url")
    assert ("feed", "https://a.example/rss", "error", "timeout") in rows
    assert ("feed", "https://b.example/rss", "error", "not_xml") in rows
    assert ("page", "https://p.example/1", "error", "not_html") in rows
    assert ("page", "https://p.example/2", "error", "empty") in rows
    urls = [p.url for p in pages]
    # permanent failures are not fetched again; transient ones are, until they failed 3 times
    assert wh.known_urls(urls) == {"https://p.example/1", "https://p.example/3"}
    for k in range(2):
        later = [page("https://p.example/4", error="timeout", http_status=None, raw_html=None,
                      fetched_at=T0 + timedelta(hours=3 + k))]
        wh.load(f"r{k + 2}", [], later, [])
    assert "https://p.example/4" in wh.known_urls(urls)


def test_feed_state_backoff_and_reset(wh):
    url = "https://flaky.example/rss"
    for k in range(3):
        wh.load(f"r{k}", [feed_fetch(url, status="error", error="timeout", fetched_at=T0 + timedelta(hours=k))], [], [])
    st = wh.feed_states()[url]
    assert st.consecutive_failures == 3 and st.last_error == "timeout"
    assert st.next_attempt_at == T0 + timedelta(hours=2) + timedelta(minutes=60)   # 15 min * 2^(3-1)
    wh.load("ok", [feed_fetch(url, status="ok", etag='"v2"', fetched_at=T0 + timedelta(hours=5))], [], [])
    st = wh.feed_states()[url]
    assert st.consecutive_failures == 0 and st.next_attempt_at is None and st.etag == '"v2"'
    assert st.last_success_at == T0 + timedelta(hours=5)
    wh.load("nm", [feed_fetch(url, status="not_modified", fetched_at=T0 + timedelta(hours=6))], [], [])
    assert wh.feed_states()[url].etag == '"v2"'        # kept when the server answers 304 without one
    _, rows = wh.query("SELECT feed_url, last_success_at, last_error, consecutive_failures FROM source_health")
    assert rows[0][0] == url and rows[0][2] == "timeout" and rows[0][3] == 0


def test_views_members_and_timeline(wh):
    ev = lambda alliance, event, d, orgs: AllianceEvent(alliance=alliance, event=event, event_date=d, orgs=orgs,
                                                       evidence="…")
    p1 = page("https://n.example/1", body="AI 원팀 출범", is_alliance=True, orgs=["KT", "현대중공업그룹", "KAIST"],
              alliance="AI 원팀", event="founded", event_date=date(2020, 2, 20),
              published_at=datetime(2020, 2, 20, 10, tzinfo=KST),
              events=[ev("AI 원팀", "founded", date(2020, 2, 20), ["KT", "현대중공업그룹", "KAIST"])])
    # an event without a date: the article's published date (KST) counts
    p2 = page("https://n.example/2", body="LG전자 합류", is_alliance=True, orgs=["LG전자", "LG유플러스"],
              alliance="AI 원팀", event="joined", event_date=None,
              published_at=datetime(2020, 9, 29, 23, 30, tzinfo=timezone.utc),      # = 2020-09-30 08:30 KST
              events=[ev("AI 원팀", "joined", None, ["LG전자", "LG유플러스"])])
    p3 = page("https://n.example/3", body="다른 합류", is_alliance=True, orgs=["우리은행"], alliance="AI 원팀",
              event="joined", event_date=date(2021, 1, 5), published_at=datetime(2021, 1, 5, 9, tzinfo=KST),
              events=[ev("AI 원팀", "joined", date(2021, 1, 5), ["우리은행"]),
                      ev(None, "mou", date(2021, 1, 5), ["우리은행", "KT"])])         # unnamed tie
    p4 = page("https://n.example/4", body="탈퇴", is_alliance=True, orgs=["KAIST"], alliance="AI 원팀", event="left",
              event_date=date(2019, 1, 1), published_at=datetime(2022, 1, 1, 9, tzinfo=KST),
              events=[ev("AI 원팀", "left", date(2019, 1, 1), ["KAIST"])])
    # an article below the relevance threshold about an alliance no AI-alliance article names: no member
    p5 = page("https://n.example/5", body="관련 없음", is_alliance=False, orgs=["삼성전자"], alliance="수소 연합",
              event="joined", event_date=date(2019, 1, 1), events=[ev("수소 연합", "joined", date(2019, 1, 1), ["삼성전자"])])
    wh.load("r", [], [p1, p2, p3, p4, p5], [])
    _, rows = wh.query("SELECT org FROM alliance_members WHERE alliance = 'AI 원팀' AND joined_on <= DATE '2020-09-30' "
                       "ORDER BY org")
    assert [r[0] for r in rows] == sorted(["KT", "현대중공업그룹", "KAIST", "LG전자", "LG유플러스"])
    _, rows = wh.query("SELECT alliance, org, joined_on, left_on FROM alliance_members WHERE org = 'KAIST'")
    assert rows == [("AI 원팀", "KAIST", date(2020, 2, 20), None)]   # a departure dated before the joining is ignored
    _, rows = wh.query("SELECT count(*) FROM alliance_members WHERE alliance = '수소 연합' OR org = '삼성전자'")
    assert rows[0][0] == 0
    _, rows = wh.query("SELECT count(*) FROM alliance_members WHERE alliance IS NULL")
    assert rows[0][0] == 0
    _, rows = wh.query("SELECT alliance, event, event_date FROM alliance_events ORDER BY article_id")
    assert (None, "mou", date(2021, 1, 5)) in rows and ("AI 원팀", "joined", None) in rows
    tl = wh.alliance_timeline()
    assert [m.org for m in tl[0].members][:3] == sorted(["KT", "현대중공업그룹", "KAIST"])
    text = format_alliance_timeline(tl)
    assert "AI 원팀" in text and "2020-09-30  LG" in text
    _, rows = wh.query("SELECT org_a, org_b, articles FROM org_network WHERE org_a = 'KAIST' AND org_b = 'KT'")
    assert rows == [("KAIST", "KT", 1)]
    _, rows = wh.query("SELECT title, organisations FROM alliance_news")
    assert len(rows) == 4                                      # kept articles only, newest first


def test_reprocess_updates_rows_in_place_without_network(wh):
    pages = [page(f"https://r.example/{i}", body=f"옛 추출기 본문 {i} 메뉴 광고", extractor_version="x-1.0",
                  published_at=T0 + timedelta(hours=i)) for i in range(3)]
    pages.append(page("https://r.example/bad", error="no_article: too little text", raw_html=b"<html><p>AI</p></html>"))
    wh.load("r1", [], pages, ["log"])
    assert count(wh, "articles") == 3 and count(wh, "stories") == 0

    # "the new extractor": works only from the stored raw HTML
    raw = list(wh.raw_pages())
    assert len(raw) == 4 and all(isinstance(r.raw_html, bytes) for r in raw)
    assert all(r.entry.title == "제목" and r.outlet_hint == "테스트일보" for r in raw)   # the feed item came back
    new_pages = []
    for r in raw:
        text = r.raw_html.decode()
        alliance = "bad" in r.url                              # the new extractor finds an article here
        body = text.split("<p>")[1].split("</p>")[0].replace(" 메뉴 광고", "")
        new_pages.append(page(r.url, body=body, title=r.entry.title, published_at=r.entry.published_at,
                              fetched_at=r.fetched_at, feed_url=r.feed_url, raw_html=None,
                              extractor_version="x-2.0", is_alliance=alliance,
                              orgs=["KT", "마이크로소프트"] if alliance else [], event="mou" if alliance else None))
    c = wh.reprocess(new_pages)
    assert c["articles_updated"] == 3 and c["articles_new"] == 1 and c["stories_new"] == 1
    assert c["alerts_created"] == 1                            # to the channels used so far ("log")
    assert count(wh, "articles") == 4
    _, rows = wh.query("SELECT DISTINCT extractor_version FROM articles")
    assert rows == [("x-2.0",)]
    _, rows = wh.query("SELECT body FROM articles WHERE url = 'https://r.example/0'")
    assert rows == [("옛 추출기 본문 0",)]
    _, rows = wh.query("SELECT extractor_version, count(*) FROM article_versions GROUP BY 1 ORDER BY 1")
    assert rows == [("x-1.0", 3), ("x-2.0", 4)]               # history kept
    _, rows = wh.query("SELECT count(*) FROM raw_pages WHERE article_id IS NOT NULL")
    assert rows[0][0] == 4                                     # the rescued page is linked to its article
    _, rows = wh.query("SELECT count(*) FROM fetch_log")
    assert rows[0][0] == 4                                     # nothing was fetched
    again = wh.reprocess(new_pages)
    assert again["articles_updated"] == 0 and again["stories_new"] == 0 and again["alerts_created"] == 0


def test_raw_pages_since_and_prune(tmp_path):
    w = Warehouse(tmp_path / "r.duckdb", WarehouseSettings(raw_html_retention_days=30))
    now = datetime.now(KST)
    old = page("https://o.example/old", body="오래된", fetched_at=now - timedelta(days=40))
    new = page("https://o.example/new", body="새", fetched_at=now - timedelta(days=1))
    w.load("r", [], [old, new], [])
    assert [r.url for r in w.raw_pages(since=(now - timedelta(days=5)).date())] == ["https://o.example/new"]
    assert w.prune_raw_html() == 1
    assert [r.url for r in w.raw_pages()] == ["https://o.example/new"]
    assert count(w, "articles") == 2                           # articles stay; only raw HTML goes
    assert Warehouse(tmp_path / "r.duckdb", WarehouseSettings(raw_html_retention_days=0)).prune_raw_html() == 0


def test_raw_pages_iterates_in_chunks(tmp_path):
    wh = Warehouse(tmp_path / "r.duckdb", WarehouseSettings(raw_pages_per_chunk=7))
    pages = [page(f"https://c.example/{i}", body=f"본문 {i}", fetched_at=T0 + timedelta(minutes=i % 5))
             for i in range(23)]
    wh.load("r", [], pages, [])
    urls = [r.url for r in wh.raw_pages()]
    # four chunks of at most 7, oldest first; pages fetched at the same instant are ordered by URL across chunks
    assert urls == [p.url for p in sorted(pages, key=lambda p: (p.fetched_at, p.url))]


def test_export_parquet_round_trips_row_counts(wh, tmp_path):
    pages = [alliance_page(i, published_at=datetime(2024, 3 + i % 3, 10, 9, tzinfo=KST)) for i in range(6)]
    pages.append(page("https://u.example/undated", body="날짜 없음", published_at=None))
    pages[-1].article.published_at = None
    pages[-1].entry = None
    wh.load("r", [feed_fetch("https://feeds.example/rss")], pages, ["log"])
    out = tmp_path / "export"
    counts = wh.export_parquet(out)
    assert counts["articles"] == 7
    con = duckdb.connect()
    for table, n in counts.items():
        got = con.execute(f"SELECT count(*) FROM read_parquet('{out / table}/**/*.parquet', hive_partitioning = true)"
                          ).fetchall()[0][0]
        assert got == n == count(wh, table), table
    months = sorted(p.name for p in (out / "articles").iterdir())
    assert months == ["published_month=2024-03", "published_month=2024-04", "published_month=2024-05",
                      "published_month=unknown"]
    # exporting again replaces the files (no doubled rows)
    wh.export_parquet(out)
    assert con.execute(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet')").fetchall()[0][0] == 7


def test_runs_are_recorded(wh):
    wh.start_run("run-9", "monitor", {"feeds": 3})
    wh.start_run("run-9", "monitor", {"feeds": 3})
    wh.finish_run("run-9", "ok", {"articles_new": 2})
    _, rows = wh.query("SELECT run_id, flow, status, counts->>'articles_new', finished_at IS NOT NULL FROM runs")
    assert rows == [("run-9", "monitor", "ok", "2", True)]


def test_query_errors_are_clear_and_read_only(wh):
    from warehouse import QueryError
    with pytest.raises(QueryError, match="read-only|read only"):
        wh.query("DELETE FROM articles")
    with pytest.raises(QueryError, match="nope"):
        wh.query("SELECT nope FROM articles")
    assert wh.query("SELECT ? + 1", [1])[1] == [(2,)]


def test_views_work_on_the_parquet_export_in_another_database(wh, tmp_path):
    """What the README promises for DuckLake & co: tables rebuilt from the export + our view SQL."""
    from warehouse.schema import VIEWS, split_sql
    wh.load("r", [feed_fetch("https://feeds.example/rss")], [alliance_page(1), alliance_page(2)], ["log"])
    out = tmp_path / "export"
    counts = wh.export_parquet(out)
    con = duckdb.connect()
    for table in counts:
        con.execute(f"CREATE TABLE {table} AS SELECT * EXCLUDE (published_month) FROM "
                    f"read_parquet('{out / table}/**/*.parquet', hive_partitioning = true)"
                    if (out / table / "data.parquet").exists() is False else
                    f"CREATE TABLE {table} AS FROM read_parquet('{out / table}/data.parquet')")
    for stmt in split_sql(VIEWS):
        con.execute(stmt)
    assert con.execute("SELECT outlet_count FROM alliance_stories").fetchall() == \
        wh.query("SELECT outlet_count FROM alliance_stories")[1]
    assert con.execute("SELECT count(*) FROM alliance_members").fetchall() == \
        wh.query("SELECT count(*) FROM alliance_members")[1]
