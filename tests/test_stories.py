"""Story clustering: pure parts, and through a real DuckDB warehouse."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from builders import page

from extractors import similarity
from extractors.models import KST
from radar.bench_stories import bench_stories, load_story_fixture, story_pages
from warehouse import Warehouse
from warehouse.clustering import StoryDoc, StoryIndex, cluster, compare, pairwise_scores

ROOT = Path(__file__).resolve().parent.parent
ITEMS = {it["id"]: it for it in load_story_fixture()}


def pages_of(*ids):
    return story_pages([ITEMS[i] for i in ids])


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "radar.duckdb")
    w.migrate()
    return w


# --- pure helpers -------------------------------------------------------------------------------------

def test_shingles_ignore_spacing_and_punctuation():
    a = "삼성전자와 네이버가 AI 반도체 동맹을 맺었다."
    b = "삼성전자와  네이버가 AI반도체 동맹을 맺었다!"
    assert similarity.shingles(a) == similarity.shingles(b)
    assert similarity.estimated_jaccard(similarity.sketch(a), similarity.sketch(b)) == 1.0
    assert similarity.estimated_jaccard(similarity.sketch(""), similarity.sketch(a)) == 0.0
    assert similarity.sketch(a).dtype == np.uint32 and len(similarity.sketch(a)) == similarity.NUM_PERM


def test_sketches_are_stable_across_processes():
    import subprocess
    import sys
    code = "from extractors.similarity import sketch; print([int(x) for x in sketch('네이버와 삼성전자가 협약')[:4]])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str([int(x) for x in similarity.sketch("네이버와 삼성전자가 협약")[:4]])


def test_sketches_are_datasketchs_minhash_values_bit_for_bit():
    # stored sketches (UINTEGER[128]) are read back into datasketch's LSH: the numpy path must give its values
    from datasketch import MinHash
    texts = ["", "가", "삼성전자와 네이버가 AI반도체 동맹을 맺었다!", "KT·LG유플러스 'AI 원팀' 합류 " * 40] + \
        [ITEMS[k]["title"] + "\n" + ITEMS[k]["body"] for k in list(ITEMS)[:10]]
    for text in texts:
        reference = MinHash(num_perm=similarity.NUM_PERM, seed=similarity.SEED, scheme=similarity.SCHEME,
                            hashfunc=similarity._crc32)
        shingles = similarity.shingles(text)
        if shingles:
            reference.update_batch([s.encode("utf-8") for s in shingles])
        assert similarity.sketch(text).tolist() == reference.hashvalues.astype(np.uint32).tolist()


def test_making_a_sketch_leaves_datasketch_unimported():
    # every worker process makes sketches; datasketch (and scipy under it) costs seconds of CPU to import
    code = ("import sys; from extractors.similarity import sketch; sketch('네이버와 삼성전자가 협약'); "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_minhash_estimate_tracks_exact_jaccard():
    for a, b in [("e01-yna", "e01-copy"), ("e02-yna", "e02-mk"), ("e03-yna", "d01-naver-samsung-later")]:
        ta = ITEMS[a]["title"] + "\n" + ITEMS[a]["body"]
        tb = ITEMS[b]["title"] + "\n" + ITEMS[b]["body"]
        est = similarity.estimated_jaccard(similarity.sketch(ta), similarity.sketch(tb))
        assert abs(est - similarity.exact_jaccard(ta, tb)) < 0.15


def _doc(aid, d, text, orgs, event="mou", alliance=None, event_date=None, story=None, published_at=None):
    return StoryDoc(aid, d, similarity.sketch(text), frozenset(orgs), alliance, event, event_date, story,
                    published_at)


def test_compare_rules():
    d = date(2024, 4, 2)
    base = _doc("a", d, "네이버와 삼성전자가 AI 반도체 협약을 맺었다", ["네이버", "삼성전자"], story="s1")
    same = _doc("b", d + timedelta(days=1), "삼성전자, 네이버와 AI 칩 공동개발 협약", ["삼성전자", "네이버"])
    assert compare(same, base).reason == "same_event"
    weeks_later = _doc("c", d + timedelta(days=50), "삼성전자, 네이버와 AI 칩 공동개발 협약", ["삼성전자", "네이버"])
    assert compare(weeks_later, base) is None
    other_kind = _doc("d", d, "검색 시장에서 네이버와 삼성전자의 경쟁이 붙었다", ["네이버", "삼성전자"], event="rivalry")
    assert compare(other_kind, base) is None
    other_orgs = _doc("e", d, "카카오와 오픈AI가 AI 협약을 맺었다", ["카카오", "오픈AI"])
    assert compare(other_orgs, base) is None
    copy = _doc("f", d + timedelta(days=5), "네이버와 삼성전자가 AI 반도체 협약을 맺었다!", [], event=None)
    assert compare(copy, base).reason == "near_duplicate"


def test_pairwise_scores():
    gold = {"a": 1, "b": 1, "c": 2, "d": 3}
    assert pairwise_scores(gold, {"a": "x", "b": "x", "c": "y", "d": "z"})["f1"] == 1.0
    r = pairwise_scores(gold, {"a": "x", "b": "y", "c": "y", "d": "z"})
    assert (r["pairs_tp"], r["pairs_fp"], r["pairs_fn"]) == (0, 1, 1)


def test_index_assigns_in_publication_order():
    items = [ITEMS[i] for i in ("e03-edaily", "e03-yna", "e03-chosun", "d01-naver-samsung-later")]
    docs = [_doc(it["id"], it["published_at"].astimezone(KST).date(), it["title"] + it["body"], it["orgs"],
                 it["event"], it["alliance"], it["event_date"], published_at=it["published_at"]) for it in items]
    got = cluster(docs)
    assert got["e03-yna"] == got["e03-chosun"] == got["e03-edaily"] == "se03-yna"   # the earliest leads
    assert got["d01-naver-samsung-later"] != got["e03-yna"]
    idx = StoryIndex()
    with pytest.raises(ValueError):
        idx.add(_doc("x", date(2024, 1, 1), "x", []))


# --- through the warehouse -----------------------------------------------------------------------------

def test_three_outlets_one_story_one_alert(wh):
    c = wh.load("run-1", [], pages_of("e01-yna", "e01-copy", "e01-etnews"), ["log", "apprise:3f2a9c"])
    assert c["stories_new"] == 1 and c["stories_joined"] == 2 and c["alerts_created"] == 2   # one per channel
    assert [s.outlet_count for s in wh.stories_for_run("run-1")] == [3] and wh.stories_for_run("x") == []
    _, rows = wh.query("SELECT outlet_count, article_count, outlets FROM alliance_stories")
    assert rows == [(3, 3, ["서울경제", "연합뉴스", "전자신문"])]
    assert len({a.story_id for a in wh.pending_alerts()}) == 1


def test_later_outlets_join_without_a_new_alert_and_show_in_the_digest(wh):
    t_before = datetime.now(KST)
    wh.load("run-1", [], pages_of("e02-yna"), ["log"])
    assert len(wh.pending_alerts()) == 1
    c = wh.load("run-2", [], pages_of("e02-zdnet", "d03-aioneteam-forum"), ["log"])
    assert c["stories_joined"] == 1 and c["stories_new"] == 1 and c["alerts_created"] == 1   # the forum is new
    c = wh.load("run-3", [], pages_of("e02-mk"), ["log"])
    assert c["stories_joined"] == 1 and c["stories_new"] == 0 and c["alerts_created"] == 0
    alerts = wh.pending_alerts()
    e02 = [a for a in alerts if a.alliance == "AI 원팀" and a.event == "joined"]
    assert len(e02) == 1 and e02[0].outlet_count == 3          # the alert shows who joined since
    digest = wh.stories_between(t_before, datetime.now(KST) + timedelta(seconds=1))
    story = next(s for s in digest if s.event == "joined")
    assert [a.outlet for a in story.articles] == ["연합뉴스", "지디넷코리아", "매일경제"]
    assert story.is_new_story and all(a.is_new for a in story.articles)


def test_distractors_stay_separate(wh):
    ids = ["e03-yna", "e03-chosun", "d01-naver-samsung-later", "e05-yna", "d04-hynix-symposium",
           "e01-yna", "d06-samsungsds-google", "d02-gtaa-summit"]
    c = wh.load("run", [], pages_of(*ids), ["log"])
    assert c["stories_new"] == 7 and c["stories_joined"] == 1


def test_whole_fixture_through_the_warehouse_in_arbitrary_batches(wh):
    items = sorted(ITEMS.values(), key=lambda it: it["id"])          # not in publication order
    pages = story_pages(items)
    for i in range(0, len(pages), 4):
        wh.load(f"run-{i}", [], pages[i:i + 4], ["log"])
    _, rows = wh.query("SELECT a.url, sa.story_id FROM story_articles sa JOIN articles a USING (article_id)")
    url_to_gold = {p.url: it["story"] for p, it in zip(pages, items)}
    scores = pairwise_scores(url_to_gold, dict(rows))
    assert scores["precision"] == 1.0 and scores["recall"] >= 0.9, scores
    assert wh.query("SELECT count(*) FROM alerts")[1][0][0] == wh.query("SELECT count(*) FROM stories")[1][0][0]


def test_clustering_cost_is_bounded_by_the_window(wh):
    """Old stories far from the new article's date are not even read."""
    old = [page(f"https://old.example/{i}", body=f"삼성전자 네이버 협력 {i}", is_alliance=True,
                orgs=["삼성전자", "네이버"], event="mou", published_at=datetime(2023, 1, 1, tzinfo=KST) + timedelta(days=i))
           for i in range(40)]
    wh.load("old", [], old, ["log"])
    new = page("https://new.example/1", body="삼성전자 네이버 협력 새 소식", is_alliance=True,
               orgs=["삼성전자", "네이버"], event="mou", published_at=datetime(2024, 6, 1, tzinfo=KST))
    c = wh.load("new", [], [new], ["log"])
    assert c["stories_window"] == 0 and c["stories_new"] == 1


def _load_in_batches(path, change: str, *, held: bool) -> tuple[dict, int]:
    """The story fixture in batches of three (not in publication order), but for one follower; then the
    change — its story's lead stops being alliance news ("leaving") or comes back as another article,
    with other parties and other text ("edited") — and then the follower. With ``held`` the file stays
    open across the loads, and each reuses the story index the last one left: unless that index
    forgets the change, the follower starts its own story, as without it."""
    lead, follower = {"leaving": ("e08-yna", "e08-bloter"), "edited": ("e07-yna", "e07-dt")}[change]
    items = [it for _, it in sorted(ITEMS.items()) if it["id"] != follower]
    if change == "leaving":
        changed = pages_of(lead)[0]
        changed.relevance.is_alliance = False
    else:
        other = ITEMS["d04-hynix-symposium"]
        changed = story_pages([{**ITEMS[lead], "body": other["body"], "orgs": other["orgs"]}])[0]
    loads = [story_pages(items[i:i + 3]) for i in range(0, len(items), 3)] + [[changed], pages_of(follower)]
    wh = Warehouse(path)
    wh.migrate()
    block = wh.hold_open() if held else None
    read = 0
    try:
        for n, pages in enumerate(loads):
            read += wh.load(f"run-{n}", [], pages, ["log"]).get("stories_window_read", 0)
    finally:
        if block is not None:
            block.close()
    tables = {
        "story_articles": "SELECT a.url, sa.story_id, sa.similarity, sa.reason FROM story_articles sa "
                          "JOIN articles a USING (article_id) ORDER BY ALL",
        "stories": "SELECT story_id, lead_article_id, first_published_at, alliance, event FROM stories ORDER BY ALL",
        "alerts": "SELECT story_id, status FROM alerts ORDER BY ALL"}
    return {name: wh.query(sql)[1] for name, sql in tables.items()}, read


@pytest.mark.parametrize("change", ["leaving", "edited"])
def test_loads_into_a_held_file_reuse_the_story_index_and_assign_the_same_stories(tmp_path, change):
    plain, read_plain = _load_in_batches(tmp_path / "plain.duckdb", change, held=False)
    kept, read_kept = _load_in_batches(tmp_path / "held.duckdb", change, held=True)
    assert kept == plain
    follower = {"leaving": "e08-bloter", "edited": "e07-dt"}[change]
    assert [reason for url, _, _, reason in plain["story_articles"] if url.endswith(follower)] == ["lead"]
    if change == "leaving":
        assert "cancelled" in {status for _, status in plain["alerts"]}   # the story of the lead that left
    # the held loads read only the days their window adds (the index was rebuilt after the change)
    assert read_kept < read_plain


def test_article_leaving_alliance_leaves_its_story(wh):
    wh.load("r1", [], pages_of("e07-yna"), ["log"])
    p = pages_of("e07-yna")[0]
    p.relevance.is_alliance = False
    c = wh.load("r2", [], [p], ["log"])
    assert c["articles_updated"] == 1
    assert wh.query("SELECT count(*) FROM alliance_stories")[1] == [(0,)]
    assert wh.pending_alerts() == []
    assert wh.query("SELECT status FROM alerts")[1] == [("cancelled",)]


def test_bench_stories_reports_precision_recall(tmp_path):
    out = io.StringIO()
    res = bench_stories(out=out)
    text = out.getvalue()
    assert "precision" in text and "recall" in text
    assert res["combined"]["f1"] >= 0.9 and res["combined"]["precision"] >= 0.95
    assert res["warehouse"]["f1"] >= 0.9
    assert res["text_only"]["recall"] < res["combined"]["recall"]   # the same-event signals matter
    assert res["events"] == 8 and res["articles"] >= 20


def test_bench_stories_at_scale_from_the_command_line():
    """`radar bench stories --archive N --new M` builds the archive, loads the same new articles into it and into
    an empty warehouse, and prints both times, the ratio and peak RSS (small here: the bench is the big one)."""
    done = subprocess.run([sys.executable, "-m", "radar.cli", "bench", "stories", "--archive", "2000", "--new", "50",
                           "--repeat", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Stories at scale: 50 new alliance articles") and "holding 2,000 (" in lines[0]
    assert lines[1] == "  medians of 1 loads each, alternating, each into a fresh copy:"
    empty = re.fullmatch(r"\s+empty warehouse\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+0\s+(\d+) / (\d+) "
                         r"\(0\)\s+[\d,]+ MB", lines[3])
    archive = re.fullmatch(r"\s+archive of 2,000\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+([\d,]+)\s+"
                           r"(\d+) / (\d+) \((\d+)\)\s+[\d,]+ MB", lines[4])
    assert empty and archive, done.stdout
    assert int(empty[5]) + int(empty[6]) == 50 and int(archive[6]) + int(archive[7]) == 50   # every article placed
    assert int(archive[5].replace(",", "")) > 0           # the archive's recent stories were compared
    assert int(archive[8]) >= 1                           # some new reports joined archive stories
    assert re.fullmatch(r"  archive / empty: load [\d.]+x \(CPU [\d.]+x\), story assignment [\d.]+x \(target <= 2x\), "
                        r"file locked [\d.]+x; load average before the loads [\d.]+-[\d.]+ .*", lines[5])


def test_index_pruning_matches_comparing_every_pair():
    """StoryIndex drops candidates compare() cannot match before the per-pair rules: the stories are exactly
    those of comparing each new article with every article already placed (on the scale bench's own news, where
    LSH and the organisation index between them miss no pair that matches)."""
    from radar.bench_stories import ScaleCorpus
    corpus = ScaleCorpus(3, paragraphs=300, orgs=40)
    docs = []
    for i in range(120):
        ev = corpus.event(date(2026, 11, 1) + timedelta(days=i // 12))
        for k in range(corpus.rnd.choice((1, 2, 3))):
            paras = ev["paragraphs"] if k == 0 else corpus.member_paragraphs(ev["paragraphs"], k == 1)
            docs.append(StoryDoc(article_id=f"a{i}-{k}", pub_date=date(2026, 11, 1) + timedelta(days=i // 12 + k),
                                 sketch=similarity.sketch(corpus.body(paras)), orgs=frozenset(ev["orgs"]),
                                 alliance=ev["alliance"], event=ev["event"], event_date=ev["event_date"]))

    def copies():
        return [StoryDoc(d.article_id, d.pub_date, d.sketch, d.orgs, d.alliance, d.event, d.event_date) for d in docs]

    placed: list[StoryDoc] = []
    every_pair = {}
    for doc in sorted(copies(), key=lambda d: (d.pub_date, d.pub_date.toordinal(), d.article_id)):
        best = None
        for old in placed:
            m = compare(doc, old)
            if m and (best is None or m.score > best.score or (m.score == best.score and m.story_id < best.story_id)):
                best = m
        doc.story_id = best.story_id if best else "s" + doc.article_id
        placed.append(doc)
        every_pair[doc.article_id] = doc.story_id
    indexed = cluster(copies())
    assert indexed == every_pair
    assert len(set(indexed.values())) < len(docs) / 1.3       # the set has stories of several articles
