"""Benchmark of membership as of a date (``radar bench membership DIR``).

DIR holds ``texts.jsonl`` (one news text per line: id, url, title or null, published YYYY-MM-DD, text) and
``gold.json`` (``{"alliances": [{"alliance", "aliases", "checks": [{"as_of", "members": [[name, other
spellings ...], ...]}]}]}``). Every text goes through the real pipeline: the classifier, a page record, a
real DuckDB warehouse (a temporary file) and its ``alliance_members`` view. Then, per gold alliance and
checkpoint, the as-of query a user would run:

    SELECT org FROM alliance_members WHERE alliance = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)

A gold alliance is ours when our alliance's name equals its canonical name or one of its aliases once
spaces and case are ignored (no per-alliance mapping). A gold member is hit when some returned org equals
one of its spellings (spaces and case ignored); a returned org that matches no gold member is an extra. A
checkpoint is exact when it has no miss and no extra.
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime
from pathlib import Path
from typing import TextIO

from extractors.models import KST, Article, FeedEntry, PageRecord
from extractors.relevance import classify

AS_OF_SQL = ("SELECT org FROM alliance_members WHERE alliance = ? AND joined_on <= ? "
             "AND (left_on IS NULL OR left_on > ?) ORDER BY org")


class MembershipBenchError(ValueError):
    pass


def norm_name(name: str) -> str:
    """Spaces, case and quotes ignored: how names are compared here."""
    return re.sub(r"[\s'\"‘’“”]+", "", name or "").casefold()


def read_set(directory: Path) -> tuple[list[dict], list[dict]]:
    """(texts, gold alliances) of a membership set; a clear error for a missing or malformed file."""
    directory = Path(directory)
    texts_path, gold_path = directory / "texts.jsonl", directory / "gold.json"
    for p in (texts_path, gold_path):
        if not p.is_file():
            raise MembershipBenchError(f"{p}: not found (a membership set needs texts.jsonl and gold.json)")
    texts = []
    for lineno, line in enumerate(texts_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise MembershipBenchError(f"{texts_path}:{lineno}: not JSON ({exc})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec.get("id"):
            raise MembershipBenchError(f"{texts_path}:{lineno}: needs id and text")
        texts.append(rec)
    try:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["alliances"]
        for g in gold:
            for c in g["checks"]:
                date.fromisoformat(c["as_of"])
                assert all(isinstance(m, list) and m for m in c["members"])
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise MembershipBenchError(f"{gold_path}: not a membership gold file ({exc!r})") from None
    return texts, gold


def page_record(rec: dict) -> PageRecord:
    """One text as the monitor would hand it to the warehouse, with the real classifier's verdict."""
    published = None
    if rec.get("published"):
        published = datetime.combine(date.fromisoformat(str(rec["published"])[:10]), dtime(12, 0), KST)
    title = rec.get("title") or ""
    url = rec.get("url") or f"https://membership.example/{rec['id']}"
    article = Article(url=url, canonical_url=url, outlet=None, title=title or None, authors=[],
                      published_at=published, language=None, body=rec["text"], extractor_version="bench")
    rel = classify(title, rec["text"], published)
    return PageRecord(url=url, feed_url=None, fetched_at=published or datetime.now(KST),
                      entry=FeedEntry(url=url, title=title, published_at=published), article=article,
                      relevance=rel)


def bench_membership(directory: Path, out: TextIO = sys.stdout) -> dict:
    from settings import WarehouseSettings
    from warehouse import Warehouse

    texts, gold = read_set(directory)
    t0 = time.perf_counter()
    pages = [page_record(rec) for rec in texts]
    elapsed = time.perf_counter() - t0
    print(f"membership benchmark: {directory}  ({len(texts)} texts, {len(gold)} alliances; "
          f"classified in {elapsed:.1f}s)", file=out)
    for rec, p in zip(texts, pages):
        r = p.relevance
        members = sorted({(e.alliance, o, role) for e in r.events if e.alliance
                          for o, role in e.roles.items() if role != "mentioned"})
        kept = "kept" if r.is_alliance else "    "
        print(f"  {rec['id']:>4} {rec.get('published') or '?':10} {kept} {r.score:.2f}  "
              f"{r.alliance or '-'} / {r.event or '-'}  "
              f"{'; '.join(f'{a}:{o}={role}' for a, o, role in members)[:300]}", file=out)

    results = {"checkpoints": 0, "exact": 0, "hits": 0, "misses": 0, "extras": 0, "alliances": {}}
    with tempfile.TemporaryDirectory(prefix="radar-membership-") as tmp:
        wh = Warehouse(Path(tmp) / "membership.duckdb", WarehouseSettings(lock_wait_seconds=5))
        wh.load("bench-membership", [], pages, [])
        ours = [r[0] for r in wh.query("SELECT DISTINCT alliance FROM alliance_members ORDER BY 1")[1]]
        for g in gold:
            wanted = {norm_name(n) for n in [g["alliance"], *g.get("aliases", [])]}
            mapped = [a for a in ours if norm_name(a) in wanted]
            print(f"\n  {g['alliance']}: ours = {', '.join(mapped) if mapped else 'NOT FOUND'}"
                  f"{'  (SPLIT over several names: the union is scored)' if len(mapped) > 1 else ''}", file=out)
            per = results["alliances"].setdefault(g["alliance"], {"mapped": mapped, "checks": []})
            for check in g["checks"]:
                as_of = date.fromisoformat(check["as_of"])
                got: set[str] = set()
                for a in mapped:
                    got |= {r[0] for r in wh.query(AS_OF_SQL, [a, as_of, as_of])[1]}
                spellings = [{norm_name(n) for n in m} for m in check["members"]]
                hits = [m[0] for m, sp in zip(check["members"], spellings) if any(norm_name(o) in sp for o in got)]
                misses = [m[0] for m, sp in zip(check["members"], spellings) if not any(norm_name(o) in sp for o in got)]
                extras = sorted(o for o in got if not any(norm_name(o) in sp for sp in spellings))
                exact = not misses and not extras
                results["checkpoints"] += 1
                results["exact"] += exact
                results["hits"] += len(hits)
                results["misses"] += len(misses)
                results["extras"] += len(extras)
                per["checks"].append({"as_of": check["as_of"], "hits": hits, "misses": misses, "extras": extras})
                print(f"    as of {check['as_of']}: {'EXACT' if exact else 'wrong'}  hits {len(hits)}/{len(spellings)}"
                      f"  misses {len(misses)}  extras {len(extras)}", file=out)
                if misses:
                    print(f"      missing: {', '.join(misses)}", file=out)
                if extras:
                    print(f"      extra:   {', '.join(extras)}", file=out)
        unmatched = [a for a in ours if not any(a in v["mapped"] for v in results["alliances"].values())]
        if unmatched:
            print(f"\n  our other alliances: {', '.join(unmatched)}", file=out)
    print(f"\n  checkpoints exact: {results['exact']}/{results['checkpoints']}  "
          f"(hits {results['hits']}, misses {results['misses']}, extras {results['extras']})", file=out)
    return results
