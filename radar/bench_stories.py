"""Benchmarks for the warehouse: story clustering quality and Arrow load speed.

    uv run python -m radar.bench_stories [tests/fixtures/stories]     # clustering P/R/F1
    uv run python -m radar.bench_stories --load 5000                  # load speed

``bench_stories`` clusters our own set of syndicated rewrites (tests/fixtures/stories) three
ways — text only, text + same-event signals in memory, and end-to-end through a real DuckDB
warehouse in batches — and prints pairwise precision/recall/F1 against the gold labels.
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from extractors import similarity
from extractors.models import KST, AllianceEvent, Article, FeedEntry, FeedFetch, OrgRef, PageRecord, Relevance
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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--load"]:
        n = int(argv[1]) if len(argv) > 1 else 5000
        batch = int(argv[2]) if len(argv) > 2 else None
        bench_load(n, batch=batch)
        return 0
    bench_stories(argv[0] if argv else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
