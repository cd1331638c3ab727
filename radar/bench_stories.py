"""Benchmarks for the warehouse: story clustering quality and Arrow load speed.

    uv run python -m radar.bench_stories [tests/fixtures/stories]     # clustering P/R/F1
    uv run python -m radar.bench_stories --load 5000                  # load speed
    uv run radar bench stories --archive 100000 --new 1000            # story assignment at scale

``bench_stories`` clusters our own set of syndicated rewrites (tests/fixtures/stories) three
ways — text only, text + same-event signals in memory, and end-to-end through a real DuckDB
warehouse in batches — and prints pairwise precision/recall/F1 against the gold labels.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from extractors import similarity
from extractors.models import KST, AllianceEvent, Article, FeedEntry, FeedFetch, OrgRef, PageRecord, Relevance
from radar.peak_memory import TreeMemory
from warehouse.clustering import DEFAULT_PARAMS, StoryDoc, StoryParams, cluster, pairwise_scores

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stories"


def load_story_fixture(path: str | Path | None = None) -> list[dict]:
    """Articles of the syndicated-rewrites set: dicts with id, story (gold label), outlet, title,
    body, published_at (datetime), alliance, event, event_date (date|None), orgs."""
    path = Path(path) if path else FIXTURE_DIR
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    items = []
    for f in files:
        for it in json.loads(f.read_text(encoding="utf-8"))["articles"]:
            it = dict(it)
            it["published_at"] = datetime.fromisoformat(it["published_at"])
            it["event_date"] = date.fromisoformat(it["event_date"]) if it.get("event_date") else None
            items.append(it)
    return items


def scored_page(url: str, *, title: str, body: str, outlet: str, published_at: datetime, feed_url: str,
                is_alliance: bool, orgs: list[str], event: str | None, alliance: str | None = None,
                event_date: date | None = None, raw_html: bytes | None = None) -> PageRecord:
    """A fetched page as the extractors and the classifier would leave it (the warehouse's input)."""
    events = [AllianceEvent(alliance=alliance, event=event, event_date=event_date, orgs=list(orgs),
                            evidence=body.split(".")[0][:200])] if (is_alliance and event) else []
    relevance = Relevance(is_alliance=is_alliance, score=0.9 if is_alliance else 0.1,
                          orgs=[OrgRef(name=o, resolved=True, org_type="company") for o in orgs], alliance=alliance,
                          event=event, event_date=event_date, events=events,
                          evidence={"cues": ["동맹"]} if is_alliance else {})
    html = raw_html if raw_html is not None else f"<html><body><h1>{title}</h1><p>{body}</p></body></html>".encode()
    article = Article(url=url, canonical_url=url, outlet=outlet, title=title, authors=["기자"],
                      published_at=published_at, language="ko", body=body, extractor_version="bench-1")
    return PageRecord(url=url, feed_url=feed_url, fetched_at=published_at + timedelta(hours=1), http_status=200,
                      content_type="text/html; charset=utf-8", raw_html=html,
                      entry=FeedEntry(url=url, title=title, published_at=published_at, outlet=outlet),
                      article=article, relevance=relevance)


def story_pages(items: list[dict], *, feed_url: str = "https://feeds.example/rss") -> list[PageRecord]:
    """Pages for fixture items (all alliance-relevant, as the classifier would say)."""
    return [scored_page(f"https://{it['outlet_host']}/news/{it['id']}", title=it["title"], body=it["body"],
                        outlet=it["outlet"], published_at=it["published_at"], feed_url=feed_url, is_alliance=True,
                        orgs=it["orgs"], alliance=it.get("alliance"), event=it.get("event"),
                        event_date=it.get("event_date")) for it in items]


def _docs(items: list[dict]) -> list[StoryDoc]:
    return [StoryDoc(article_id=it["id"], pub_date=it["published_at"].astimezone(KST).date(),
                     sketch=similarity.sketch(f"{it['title']}\n{it['body']}"), orgs=frozenset(it["orgs"]),
                     alliance=it.get("alliance"), event=it.get("event"), event_date=it.get("event_date"),
                     published_at=it["published_at"])
            for it in items]


def _perturb(items: list[dict], seed: int) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for it in items:
        it = dict(it)
        if len(it["orgs"]) > 1 and rnd.random() < 0.3:
            orgs = list(it["orgs"])
            orgs.pop(rnd.randrange(len(orgs)))
            it["orgs"] = orgs
        if rnd.random() < 0.2:
            it["event"] = None
        if rnd.random() < 0.3:
            it["event_date"] = None
        if rnd.random() < 0.2:
            it["alliance"] = None
        out.append(it)
    return out


def bench_stories(dir_or_file: str | Path | None = None, out: TextIO | None = None,
                  params: StoryParams = DEFAULT_PARAMS, through_warehouse: bool = True) -> dict:
    out = out or sys.stdout
    items = load_story_fixture(dir_or_file or FIXTURE_DIR)
    gold = {it["id"]: it["story"] for it in items}
    n_events = len({s for s in gold.values() if not s.startswith("d")})
    results: dict = {"articles": len(items), "gold_stories": len(set(gold.values())), "events": n_events}

    # 1. text only: near-duplicates alone (what plain MinHash LSH dedup would give)
    text_only = StoryParams(near_dup=params.near_dup, near_dup_days=params.near_dup_days,
                            lsh_threshold=params.lsh_threshold, min_org_overlap=2.0)   # same-event path off
    results["text_only"] = pairwise_scores(gold, cluster(_docs(items), text_only))
    # 2. text + same-event signals (organisations, event type, dates)
    t0 = time.perf_counter()
    pred = cluster(_docs(items), params)
    results["combined"] = pairwise_scores(gold, pred)
    results["combined"]["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    results["combined"]["predicted_stories"] = len(set(pred.values()))
    # 2b. the same with a noisy classifier: each article independently loses one party (30%),
    #     its event type (20%), its event date (30%) or its alliance name (20%); 20 seeds
    noisy = [pairwise_scores(gold, cluster(_docs(_perturb(items, seed)), params)) for seed in range(20)]
    results["noisy"] = {k: round(sum(r[k] for r in noisy) / len(noisy), 4) for k in ("precision", "recall", "f1")}
    results["noisy"].update({k: round(sum(r[k] for r in noisy) / len(noisy), 1)
                             for k in ("pairs_tp", "pairs_fp", "pairs_fn")})
    # 3. end to end: a real DuckDB file, articles arriving in three passes in publication order
    if through_warehouse:
        from warehouse import Warehouse
        with tempfile.TemporaryDirectory() as tmp:
            wh = Warehouse(Path(tmp) / "bench.duckdb")
            wh.migrate()
            ordered = sorted(items, key=lambda it: it["published_at"])
            pages = story_pages(ordered)
            url_to_id = {p.url: it["id"] for p, it in zip(pages, ordered)}
            third = max(1, len(pages) // 3)
            for i in range(0, len(pages), third):
                wh.load(f"bench-{i}", [], pages[i:i + third], ["log"])
            _, rows = wh.query("SELECT a.url, sa.story_id FROM story_articles sa JOIN articles a USING (article_id)")
            _, al = wh.query("SELECT count(*) FROM alerts")
        wpred = {url_to_id[u]: s for u, s in rows}
        results["warehouse"] = pairwise_scores(gold, wpred)
        results["warehouse"]["stories"] = len(set(wpred.values()))
        results["warehouse"]["alerts"] = al[0][0]

    print(f"Story clustering on {results['articles']} articles: {results['events']} events reported by 2-4 "
          f"outlets + {results['gold_stories'] - results['events']} distractors ({results['gold_stories']} gold stories)",
          file=out)
    print(f"{'method':<34}{'precision':>10}{'recall':>9}{'F1':>8}{'  TP/FP/FN':>14}", file=out)
    for key, label in (("text_only", "near-duplicate text only"),
                       ("combined", "text + same-event signals"),
                       ("noisy", "same, noisy classifier (20 seeds)"),
                       ("warehouse", "end-to-end DuckDB, 3 batches")):
        if key in results:
            r = results[key]
            print(f"{label:<34}{r['precision']:>10.3f}{r['recall']:>9.3f}{r['f1']:>8.3f}"
                  f"{r['pairs_tp']:>6g}/{r['pairs_fp']:g}/{r['pairs_fn']:g}", file=out)
    if "warehouse" in results:
        print(f"warehouse: {results['warehouse']['stories']} stories, {results['warehouse']['alerts']} alerts "
              f"(one channel)", file=out)
    # which gold stories were split or merged
    by_pred: dict[str, set[str]] = {}
    for aid, sid in pred.items():
        by_pred.setdefault(sid, set()).add(gold[aid])
    merged = [sorted(g) for g in by_pred.values() if len(g) > 1]
    split = sorted(g for g in set(gold.values()) if len({pred[a] for a in gold if gold[a] == g}) > 1)
    results["merged"], results["split"] = merged, split
    print(f"merged gold stories: {merged or 'none'}; split gold stories: {split or 'none'}", file=out)
    return results


# --- load speed ------------------------------------------------------------------------------------------

_WORDS = ("인공지능 반도체 동맹 협력 클라우드 데이터센터 모델 투자 개발 출시 서비스 플랫폼 연구 고객 시장 "
          "기술 전략 파트너십 통신 네트워크 생성형 거대언어모델 추론 학습 보안 규제 정부 지원 확대 글로벌").split()
_ORGS = ("삼성전자 네이버 카카오 KT SK텔레콤 LG유플러스 LG전자 SK하이닉스 현대자동차 퓨리오사AI 리벨리온 "
         "업스테이지 마이크로소프트 구글 오픈AI 엔비디아 TSMC 서울대 KAIST ETRI").split()


def synthetic_pages(n: int, *, alliance_share: float = 0.1, seed: int = 7, start: datetime | None = None,
                    body_chars: int = 1500) -> list:
    rnd = random.Random(seed)
    start = start or datetime(2024, 1, 1, 8, tzinfo=KST)
    pages = []
    for i in range(n):
        words = []
        while sum(len(w) + 1 for w in words) < body_chars:
            words.append(rnd.choice(_WORDS) if rnd.random() > 0.1 else rnd.choice(_ORGS))
        body = " ".join(words)
        is_alliance = rnd.random() < alliance_share
        orgs = rnd.sample(_ORGS, 2)
        pub = start + timedelta(minutes=37 * i)
        pages.append(scored_page(f"https://news{i % 40}.example/a/{i}", body=body,
                                 title=f"기사 {i} {orgs[0]} {orgs[1]}", outlet=f"매체{i % 40}", published_at=pub,
                                 feed_url=f"https://news{i % 40}.example/rss",
                                 is_alliance=is_alliance, orgs=orgs, event="mou" if is_alliance else None,
                                 event_date=pub.date() if is_alliance else None,
                                 raw_html=f"<html><body><p>{body}</p></body></html>".encode() * 10))
    return pages


def bench_load(n: int = 5000, out: TextIO | None = None, batch: int | None = None, db: str | Path | None = None
               ) -> dict:
    """Load n synthetic articles (10% alliance, ~1.5k chars, ~30 kB raw HTML each) into a fresh
    file, in batches of ``batch`` (default: all at once), and print timings."""
    from warehouse import Warehouse
    out = out or sys.stdout
    batch = batch or n
    t0 = time.perf_counter()
    pages = synthetic_pages(n)
    gen = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(db) if db else Path(tmp) / "load.duckdb"
        wh = Warehouse(path)
        wh.migrate()
        t1 = time.perf_counter()
        totals: dict = {}
        for i in range(0, n, batch):
            polls = [FeedFetch(feed_url=f"https://news{k}.example/rss", outlet=None, kind="rss",
                               fetched_at=datetime(2024, 5, 1, 9, 0, tzinfo=KST), status="ok", http_status=200)
                     for k in range(3)]
            counts = wh.load(f"load-{i}", polls, pages[i:i + batch], ["log"])
            for k, v in counts.items():
                totals[k] = round(totals.get(k, 0) + v, 3)
        load_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        again = wh.load("load-again", [], pages, ["log"])
        again_s = time.perf_counter() - t2
        _, rows = wh.query("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM raw_pages), "
                           "(SELECT count(*) FROM stories), (SELECT count(*) FROM alerts)")
        size_mb = path.stat().st_size / 1e6
    res = {"articles": n, "batch": batch, "load_seconds": round(load_s, 2), "rows_per_second": round(n / load_s),
           "write_seconds": totals.get("write_seconds"),
           "reload_seconds": round(again_s, 2), "reload_new": again["articles_new"], "db_mb": round(size_mb, 1),
           "stored": rows[0], "counts": totals, "generate_seconds": round(gen, 2)}
    print(f"Loaded {n} articles (batch {batch}) in {load_s:.2f}s = {n / load_s:,.0f} articles/s "
          f"(incl. MinHash sketches, zlib raw HTML, story clustering, outbox); file {size_mb:.1f} MB", file=out)
    print(f"the file was locked for writing {totals.get('write_seconds', 0):.2f}s of that "
          f"({n / max(totals.get('write_seconds', 0), 1e-9):,.0f} articles/s inside the transaction); "
          f"the rest (hashing, sketches, compression) runs before the lock is taken", file=out)
    print(f"stored: articles={rows[0][0]} raw_pages={rows[0][1]} stories={rows[0][2]} alerts={rows[0][3]}; "
          f"re-loading the same {n} pages: {again_s:.2f}s, {again['articles_new']} new rows", file=out)
    return res



# --- stories at scale: new articles against a large archive ---------------------------------------------

ARCHIVE_PER_DAY = 60       # stored alliance articles per day of archive (more than Korean outlets publish)
NEW_DAYS = 3               # the new articles are published over the archive's last days and the day after
_PARAGRAPHS = 4            # paragraphs per article; a near-duplicate keeps 3 of its lead's, a rewrite 1
_EVENTS_KO = {"mou": "업무협약", "joined": "합류", "founded": "출범", "summit": "정상회의",
              "joint_research": "공동연구", "other": "협력"}


class ScaleCorpus:
    """Our own synthetic alliance news for the scale benchmark: pseudo-Korean paragraphs (words of random
    syllables, a few of them common, so unrelated articles share a few shingles as real news does: median
    estimated Jaccard ~0.016, a quarter of pairs >= 0.03, about what real Korean alliance articles show), a few
    hundred organisations with Zipf frequencies, named alliances and event types.

    Stored articles are unions of paragraphs and the MinHash of a union is the element-wise minimum of the
    parts' MinHashes, so an archive article's sketch is computed from its paragraphs' sketches without
    hashing its text again: that is what makes an archive of 100,000 quick to build. New articles go
    through the real path (their text is sketched by the load, as any fetched page is)."""

    def __init__(self, seed: int = 11, paragraphs: int = 6000, orgs: int = 300, alliances: int = 40):
        import numpy as np
        rnd = self.rnd = random.Random(seed)
        syllables = [chr(0xAC00 + rnd.randrange(11172)) for _ in range(2500)]
        vocab = ["".join(rnd.choice(syllables) for _ in range(rnd.choice((1, 2, 2, 2, 3, 3, 4))))
                 for _ in range(8000)]
        common = ("밝혔다", "있다", "했다", "이번", "협력", "인공지능", "기술", "기업", "개발", "지원", "계획", "통해")

        def word() -> str:
            if rnd.random() < 0.03:
                return rnd.choice(common)
            return vocab[min(int(rnd.paretovariate(1.1)) - 1, len(vocab) - 1)] if rnd.random() < 0.1 \
                else rnd.choice(vocab)

        def paragraph() -> str:
            words = [word() for _ in range(rnd.randint(70, 100))]
            return " ".join(words) + "."
        self.paragraphs = [paragraph() for _ in range(paragraphs)]
        self.sketches = np.stack([similarity.sketch(p) for p in self.paragraphs])
        self.orgs = [f"{''.join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4)))}{rnd.choice(('전자', 'AI', '텔레콤', '대학교', '연구원', '소프트', '반도체', ''))}"
                     for _ in range(orgs)]
        self._org_weights = list(itertools.accumulate(1 / rank for rank in range(1, orgs + 1)))   # Zipf: the
        # most named organisation is in ~16% of events, as the big platforms and telcos are in the news
        self.alliances = [f"{rnd.choice(syllables)}{rnd.choice(syllables)} AI 얼라이언스 {k}" for k in range(alliances)]

    def org(self) -> str:
        return self.rnd.choices(self.orgs, cum_weights=self._org_weights)[0]

    def event(self, day: date) -> dict:
        rnd = self.rnd
        orgs: list[str] = []
        while len(orgs) < rnd.choice((2, 2, 2, 3, 3, 4)):
            o = self.org()
            if o not in orgs:
                orgs.append(o)
        kind = rnd.choice(("mou", "mou", "mou", "joined", "founded", "summit", "joint_research", "other"))
        return {"orgs": orgs, "event": kind, "alliance": rnd.choice(self.alliances) if rnd.random() < 0.3 else None,
                "event_date": day if rnd.random() < 0.7 else None,
                "paragraphs": rnd.sample(range(len(self.paragraphs)), _PARAGRAPHS)}

    def member_paragraphs(self, lead: list[int], near_duplicate: bool) -> list[int]:
        keep = 3 if near_duplicate else 1
        own = self.rnd.sample(range(len(self.paragraphs)), _PARAGRAPHS - keep)
        return self.rnd.sample(lead, keep) + own

    def title(self, ev: dict, n: int) -> str:
        return f"{'·'.join(ev['orgs'][:3])} {ev['alliance'] or ''} {_EVENTS_KO[ev['event']]} ({n})".replace("  ", " ")

    def body(self, paragraphs: list[int]) -> str:
        return "\n".join(self.paragraphs[i] for i in paragraphs)


def build_archive(path: Path, corpus: ScaleCorpus, n: int, end: date, *, per_day: int = ARCHIVE_PER_DAY) -> dict:
    """A warehouse holding ``n`` stored alliance articles in stories (1-4 articles each, from up to 40 outlets),
    published at ``per_day`` a day up to ``end``, written through Arrow in one transaction: articles, URL forms,
    organisations and events, sketches, stories, members, sent alerts and the fetch log. Returns what it
    wrote, with the stories (their last article's date, event and paragraphs) for follow-ups."""
    import numpy as np
    import pyarrow as pa

    from extractors.models import default_role
    from warehouse import Warehouse
    from warehouse import connection
    from warehouse.outbox import ALERT_COLS
    from warehouse.rows import (ARTICLE_COLS, EVENT_COLS, EVENT_ORG_COLS, LOG_COLS, SKETCH_COLS, STR, alert_id_for,
                                content_hash, registered, sha1)
    from warehouse.stories import MEMBER_COLS, STORY_COLS

    rnd = corpus.rnd
    days = max(1, -(-n // per_day))
    start = end - timedelta(days=days - 1)
    created = datetime.combine(end, datetime.min.time(), KST)
    arts, evs, roles, orgs_rows, sk_idx, stories, members, alerts, logs = [], [], [], [], [], [], [], [], []
    recent: list[dict] = []
    i = 0
    while i < n:
        day = start + timedelta(days=i // per_day)
        ev = corpus.event(day)
        size = min(n - i, rnd.choice((1, 1, 2, 2, 3, 4)))
        story_id = None
        for k in range(size):
            paras = ev["paragraphs"] if k == 0 else corpus.member_paragraphs(ev["paragraphs"], rnd.random() < 0.5)
            outlet = rnd.randrange(40)
            url = f"https://news{outlet}.example/article/{i}"
            aid = sha1(url)[:16]
            pub = datetime.combine(day, datetime.min.time(), KST) + timedelta(minutes=rnd.randrange(6 * 60, 22 * 60) + k * 40)
            title, body = corpus.title(ev, i), corpus.body(paras)
            orgs = ev["orgs"] if k == 0 or rnd.random() < 0.7 else ev["orgs"][:-1] or ev["orgs"]
            arts.append({"article_id": aid, "url": url, "canonical_url": url, "outlet": f"매체{outlet}", "title": title,
                         "authors": ["기자"], "published_at": pub, "published_date": day, "language": "ko",
                         "body": body, "content_hash": content_hash(body), "extractor_version": "bench-archive",
                         "is_alliance": True, "score": 0.9, "alliance": ev["alliance"], "event": ev["event"],
                         "event_date": ev["event_date"], "evidence": '{"cues": ["협력"]}',
                         "feed_url": f"https://news{outlet}.example/rss", "fetched_at": pub + timedelta(hours=1),
                         "first_seen_at": pub + timedelta(hours=1), "updated_at": pub + timedelta(hours=1),
                         "first_run_id": "archive", "last_run_id": "archive", "row_hash": sha1(url + body)})
            evs.append({"article_id": aid, "seq": 0, "is_main": True, "alliance": ev["alliance"], "event": ev["event"],
                        "event_date": ev["event_date"], "orgs": orgs, "evidence": title})
            roles += [{"article_id": aid, "seq": 0, "org": o, "role": default_role(ev["event"], ev["alliance"])}
                      for o in orgs]
            orgs_rows += [{"article_id": aid, "org": o, "mentions": 1} for o in orgs]
            sk_idx.append(paras)
            story_id = story_id or "s" + aid
            if k == 0:
                stories.append({"story_id": story_id, "lead_article_id": aid, "title": title, "url": url,
                                "outlet": f"매체{outlet}", "alliance": ev["alliance"], "event": ev["event"],
                                "event_date": ev["event_date"], "orgs": orgs, "first_published_at": pub,
                                "created_at": pub + timedelta(hours=1), "run_id": "archive"})
                alerts.append({"alert_id": alert_id_for(story_id, "log"), "story_id": story_id, "channel": "log",
                               "status": "sent", "created_at": pub + timedelta(hours=1), "run_id": "archive",
                               "attempts": 1})
            members.append({"article_id": aid, "story_id": story_id, "similarity": None if k == 0 else 1.0,
                            "reason": "lead" if k == 0 else "near_duplicate", "joined_at": pub + timedelta(hours=1),
                            "run_id": "archive"})
            logs.append({"run_id": "archive", "kind": "page", "url": url, "feed_url": arts[-1]["feed_url"],
                         "fetched_at": pub + timedelta(hours=1), "status": "ok", "http_status": 200,
                         "content_type": "text/html; charset=utf-8", "bytes": 80_000, "elapsed_ms": 120})
            i += 1
        if day >= end - timedelta(days=5):   # what a follow-up published up to a day later can join
            recent.append({**ev, "story_id": story_id, "day": day, "paragraphs": ev["paragraphs"]})
    sketches = corpus.sketches[np.asarray(sk_idx)].min(axis=1)        # MinHash of a union = element-wise min
    flat = pa.array(sketches.reshape(-1), type=pa.uint32())
    offsets = pa.array(np.arange(0, len(arts) * similarity.NUM_PERM + 1, similarity.NUM_PERM, dtype=np.int32))
    sketch_col = pa.ListArray.from_arrays(offsets, flat)
    sk_rows = [{"article_id": a["article_id"], "pub_date": a["published_date"],
                "sketch_version": similarity.SKETCH_VERSION, "sketch": None, "orgs": e["orgs"],
                "alliance": a["alliance"], "event": a["event"], "event_date": a["event_date"]}
               for a, e in zip(arts, evs)]
    sk_table = _columns(sk_rows, SKETCH_COLS).set_column(3, "sketch", sketch_col)
    org_names = sorted({r["org"] for r in orgs_rows})
    wh = Warehouse(path)
    wh.migrate()
    t0 = time.perf_counter()
    tables = [("articles", _columns(arts, ARTICLE_COLS), "* REPLACE (evidence::JSON AS evidence)"),
              ("article_urls", _columns([{"url": a["url"], "article_id": a["article_id"]} for a in arts],
                                        [("url", STR), ("article_id", STR)]), "*"),
              ("article_events", _columns(evs, EVENT_COLS), "*"),
              ("event_orgs", _columns(roles, EVENT_ORG_COLS), "*"),
              ("article_orgs", _columns(orgs_rows, [("article_id", STR), ("org", STR), ("mentions", pa.int32())]), "*"),
              ("organisations", _columns([{"org": o, "resolved": True, "org_type": "company", "first_seen_at": created}
                                          for o in org_names],
                                         [("org", STR), ("resolved", pa.bool_()), ("org_type", STR),
                                          ("first_seen_at", pa.timestamp("us", tz="UTC"))]), "*"),
              ("article_sketches", sk_table, "*"),
              ("stories", _columns(stories, STORY_COLS), "*"),
              ("story_articles", _columns(members, MEMBER_COLS), "*"),
              ("alerts", _columns(alerts, ALERT_COLS), "*"),
              ("fetch_log", _columns(logs, LOG_COLS), "*")]
    with connection.transaction(path, 30.0, verified=True) as con:
        for name, table, select in tables:
            with registered(con, "in_archive", table):
                con.execute(f"INSERT INTO {name} BY NAME SELECT {select} FROM in_archive")
    return {"articles": len(arts), "stories": len(stories), "days": days, "first_day": start, "last_day": end,
            "insert_seconds": round(time.perf_counter() - t0, 2), "recent": recent}


def _columns(rows: list[dict], schema) -> "pa.Table":
    """An Arrow table built column by column (rows hold UTC-aware datetimes already)."""
    import pyarrow as pa
    return pa.table({name: pa.array([r.get(name) for r in rows], type=typ) for name, typ in schema})


def new_articles(corpus: ScaleCorpus, n: int, first_day: date, recent: list[dict], *, follow_share: float = 0.1
                 ) -> tuple[list, int]:
    """``n`` new alliance pages published over NEW_DAYS days from ``first_day``: new events reported by 1-4
    outlets, and ``follow_share`` of them more reports of stories the archive holds from the last week
    (which should join those stories). Returns (pages, follow-ups)."""
    rnd = corpus.rnd
    pages, follow = [], 0
    i = 0
    while len(pages) < n:
        day = first_day + timedelta(days=min(NEW_DAYS - 1, len(pages) * NEW_DAYS // n))
        if recent and rnd.random() < follow_share:
            ev = rnd.choice(recent)
            group = [corpus.member_paragraphs(ev["paragraphs"], True)]
            follow += 1
        else:
            ev = corpus.event(day)
            group = [ev["paragraphs"]] + [corpus.member_paragraphs(ev["paragraphs"], rnd.random() < 0.5)
                                          for _ in range(rnd.choice((0, 0, 1, 1, 2, 3)))]
        for paras in group[: n - len(pages)]:
            outlet = rnd.randrange(40)
            pub = datetime.combine(day, datetime.min.time(), KST) + timedelta(minutes=rnd.randrange(6 * 60, 22 * 60))
            pages.append(scored_page(f"https://news{outlet}.example/new/{i}", title=corpus.title(ev, 10_000_000 + i),
                                     body=corpus.body(paras), outlet=f"매체{outlet}", published_at=pub,
                                     feed_url=f"https://news{outlet}.example/rss", is_alliance=True,
                                     orgs=ev["orgs"], alliance=ev["alliance"], event=ev["event"],
                                     event_date=ev["event_date"]))
            i += 1
    return pages, follow


def bench_archive(archive: int = 100_000, new: int = 1_000, out: TextIO | None = None, *, as_json: bool = False,
                  seed: int = 11, workdir: str | Path | None = None, repeat: int = 3) -> dict:
    """Load the same ``new`` alliance articles into an empty warehouse and into one holding ``archive`` stored
    articles (the real ``Warehouse.load``: rows, sketches, upserts, story assignment, outbox), ``repeat`` times
    each, alternating, and compare the medians."""
    from warehouse import Warehouse
    out = out or sys.stdout
    say = (lambda *a: None) if as_json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    corpus = ScaleCorpus(seed)
    end = date(2026, 11, 27)
    res: dict = {"archive": archive, "new": new, "archive_per_day": ARCHIVE_PER_DAY, "new_days": NEW_DAYS}
    with tempfile.TemporaryDirectory(prefix="radar-bench-stories-", dir=workdir) as tmp:
        say(f"building an archive of {archive:,} stored alliance articles ...")
        t0 = time.perf_counter()
        with TreeMemory(interval=0.05) as mem:
            built = build_archive(Path(tmp) / "archive.duckdb", corpus, archive, end)
        res["archive_build"] = {"seconds": round(time.perf_counter() - t0, 2), "insert_seconds": built["insert_seconds"],
                                "stories": built["stories"], "days": built["days"], "peak_rss_mb": mem.mb,
                                "mb": round((Path(tmp) / "archive.duckdb").stat().st_size / 1e6, 1)}
        pages, follow = new_articles(corpus, new, end - timedelta(days=NEW_DAYS - 2), built.pop("recent"))
        del built
        res["follow_ups"] = follow
        archive_file = Path(tmp) / "archive.duckdb"
        runs: dict[str, list[dict]] = {"empty": [], "archive": []}
        for r in range(repeat):      # alternating, each into a fresh file: on a shared machine one pair is noise
            for label in ("empty", "archive"):
                path = Path(tmp) / f"{label}-{r}.duckdb"
                if label == "archive":
                    shutil.copyfile(archive_file, path)
                wh = Warehouse(path)
                wh.migrate()
                say(f"loading {new:,} new articles into the {label} warehouse ({r + 1}/{repeat}) ...")
                load_average = round(os.getloadavg()[0], 2)
                t1, c1 = time.perf_counter(), time.process_time()
                with TreeMemory(interval=0.05) as mem:
                    counts = wh.load(f"bench-{label}", [], pages, ["log"])
                seconds, cpu = time.perf_counter() - t1, time.process_time() - c1
                _, rows = wh.query("SELECT count(*) FILTER (WHERE s.run_id = 'archive') FROM story_articles sa "
                                   "JOIN stories s USING (story_id) WHERE sa.run_id = ?", [f"bench-{label}"])
                runs[label].append({
                    "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "write_seconds": counts["write_seconds"],
                    "stories_seconds": counts.get("stories_seconds", 0.0), "articles_new": counts["articles_new"],
                    "stories_new": counts["stories_new"], "stories_joined": counts["stories_joined"],
                    "stored_compared": counts.get("stories_window", 0), "joined_archive_stories": rows[0][0],
                    "peak_rss_mb": mem.mb, "load_average": load_average})
                path.unlink()
    for label, done in runs.items():   # medians of the repeats; the counts are the same every time
        res[f"{label}_load"] = {**done[-1], **{key: statistics.median(d[key] for d in done) for key in
                                               ("seconds", "cpu_seconds", "write_seconds", "stories_seconds")},
                                "peak_rss_mb": max(d["peak_rss_mb"] for d in done),
                                "load_average": [d["load_average"] for d in done], "runs": done}
    for key, name in (("seconds", "ratio"), ("cpu_seconds", "cpu_ratio"), ("stories_seconds", "stories_ratio"),
                      ("write_seconds", "write_ratio")):
        res[name] = round(res["archive_load"][key] / max(res["empty_load"][key], 1e-9), 2)
    if as_json:
        out.write(json.dumps(res, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        print_archive_report(res, out)
    return res


def print_archive_report(res: dict, out: TextIO) -> None:
    e, a, b = res["empty_load"], res["archive_load"], res["archive_build"]
    lines = [
        f"Stories at scale: {res['new']:,} new alliance articles (over {res['new_days']} days, "
        f"{res['follow_ups']} of them more reports of archive stories) loaded into an empty warehouse and into one "
        f"holding {res['archive']:,} ({b['stories']:,} stories over {b['days']:,} days, {res['archive_per_day']} a day; "
        f"built in {b['seconds']:.1f} s, Arrow inserts {b['insert_seconds']:.1f} s, {b['mb']:.0f} MB)",
        f"  medians of {len(e['runs'])} loads each, alternating, each into a fresh copy:",
        f"  {'':<22}{'load':>8}{'CPU':>8}{'assignment':>12}{'locked':>9}{'compared':>10}  {'new / joined (archive)':<24}"
        f"{'peak RSS':>9}",
    ]
    for label, r in (("empty warehouse", e), (f"archive of {res['archive']:,}", a)):
        joined = f"{r['stories_new']} / {r['stories_joined']} ({r['joined_archive_stories']})"
        lines.append(f"  {label:<22}{r['seconds']:>7.2f}s{r['cpu_seconds']:>7.2f}s{r['stories_seconds']:>11.2f}s"
                     f"{r['write_seconds']:>8.2f}s"
                     f"{r['stored_compared']:>10,}  {joined:<24}{r['peak_rss_mb']:>6,.0f} MB")
    lines.append(f"  archive / empty: load {res['ratio']:.2f}x (CPU {res['cpu_ratio']:.2f}x), story assignment "
                 f"{res['stories_ratio']:.2f}x (target <= 2x), file locked {res['write_ratio']:.2f}x; load average "
                 f"before the loads {min(e['load_average'] + a['load_average']):.1f}-"
                 f"{max(e['load_average'] + a['load_average']):.1f} (figures taken under load are inflated)")
    print("\n".join(lines), file=out, flush=True)

def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--archive"]:
        bench_archive(int(argv[1]) if len(argv) > 1 else 100_000, int(argv[2]) if len(argv) > 2 else 1_000)
        return 0
    if argv[:1] == ["--load"]:
        n = int(argv[1]) if len(argv) > 1 else 5000
        batch = int(argv[2]) if len(argv) > 2 else None
        bench_load(n, batch=batch)
        return 0
    bench_stories(argv[0] if argv else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
