"""Benchmarks for the relevance scorer (``radar bench relevance|stream``).

* ``bench_relevance(FILE.jsonl)`` — labelled records {id, title?, text, published?, label 0/1, orgs?,
  alliance?, event?, event_date?}: precision / recall / F1, the misses with their evidence, and on true
  positives the organisation-set F1, alliance, event-type and event-date accuracy, plus calibration bins.
* ``bench_stream(DIR)`` — every item (title + description) of every RSS/Atom snapshot under DIR is scored;
  prints how many are flagged per 1,000 items and lists them. Feeds are parsed from bytes, never fetched.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import TextIO

from extractors.gazetteer import get_gazetteer, _norm_key
from extractors.relevance import classify

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


# --- labelled benchmark ------------------------------------------------------------------------------

def _set_f1(gold: set[str], pred: set[str]) -> float:
    if not gold and not pred:
        return 1.0
    if not gold or not pred:
        return 0.0
    tp = len(gold & pred)
    return 2 * tp / (len(gold) + len(pred))


def _org_key(name: str) -> str:
    """One organisation however it is written: the gazetteer's canonical name for a known one ("AWS" and
    "아마존웹서비스" are one company), else the name without spaces ("고려대 구로병원" = "고려대구로병원")."""
    org = get_gazetteer().resolve(name)
    return org.name if org is not None else re.sub(r"\s+", "", name)


def _org_set(names) -> set[str]:
    return {_org_key(n) for n in names}


def _alliance_match(gold: str | None, pred: str | None) -> bool:
    """Gold names an alliance as the article does; the prediction is canonical. They agree when equal or
    when the gold name is one of the predicted alliance's aliases (two alliances may share "AI 원팀")."""
    if gold == pred:
        return True
    if not gold or not pred:
        return False
    al = get_gazetteer().alliances.get(pred)
    return bool(al) and _norm_key(gold) in {_norm_key(a) for a in (al.name, *al.aliases)}


def bench_relevance(path: Path, out: TextIO = sys.stdout, *, threshold: float = 0.5) -> dict:
    path = Path(path)
    rows, bad = [], 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or "label" not in rec or not isinstance(rec.get("text"), str):
                raise ValueError("needs label and text")
            rows.append(rec)
        except ValueError as exc:
            bad += 1
            print(f"  line {lineno}: skipped ({exc})", file=out)
    t0 = time.perf_counter()
    results = []
    for rec in rows:
        r = classify(rec.get("title") or "", rec["text"], rec.get("published_at", rec.get("published")),
                     threshold=threshold)
        results.append((rec, r))
    elapsed = time.perf_counter() - t0

    tp = [(g, r) for g, r in results if g["label"] and r.is_alliance]
    fp = [(g, r) for g, r in results if not g["label"] and r.is_alliance]
    fn = [(g, r) for g, r in results if g["label"] and not r.is_alliance]
    tn = len(results) - len(tp) - len(fp) - len(fn)
    precision = len(tp) / (len(tp) + len(fp)) if (tp or fp) else 0.0
    recall = len(tp) / (len(tp) + len(fn)) if (tp or fn) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    org_f1s, ev_ok, ev_n, date_ok, date_n, dated_ok, dated_n, al_ok, al_n = [], 0, 0, 0, 0, 0, 0, 0, 0
    details = []
    for g, r in tp:
        pred_orgs = _org_set(r.evidence.get("parties") or [])
        if g.get("orgs") is not None:
            org_f1s.append(_set_f1(_org_set(g["orgs"]), pred_orgs))
        if g.get("event"):
            ev_n += 1
            ev_ok += r.event == g["event"]
        if "event_date" in g:
            date_n += 1
            pred_d = r.event_date.isoformat() if r.event_date else None
            date_ok += pred_d == g.get("event_date")
            if g.get("event_date"):
                dated_n += 1
                dated_ok += pred_d == g["event_date"]
        if "alliance" in g:
            al_n += 1
            al_ok += _alliance_match(g.get("alliance"), r.alliance)
        details.append((g, r, pred_orgs))

    def pct(a, b):
        return f"{a / b:.3f} ({a}/{b})" if b else "n/a"

    print(f"relevance benchmark: {path}  ({len(results)} records, {bad} skipped, threshold {threshold})", file=out)
    print(f"  confusion: TP {len(tp)}  FP {len(fp)}  FN {len(fn)}  TN {tn}", file=out)
    print(f"  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}", file=out)
    org_f1 = sum(org_f1s) / len(org_f1s) if org_f1s else 0.0
    print(f"  on true positives: organisation-set F1 {org_f1:.3f} (macro over {len(org_f1s)}; names compared through "
          f"the gazetteer's aliases)", file=out)
    print(f"    event type accuracy     {pct(ev_ok, ev_n)}", file=out)
    print(f"    event date accuracy     {pct(date_ok, date_n)}  (null = null counts; on dated gold: {pct(dated_ok, dated_n)})",
          file=out)
    print(f"    alliance accuracy       {pct(al_ok, al_n)}  (gold name may be an alias of the predicted alliance)",
          file=out)
    print(f"  time {elapsed:.2f}s ({1000 * elapsed / max(1, len(results)):.0f} ms/article, incl. first Kiwi load)", file=out)

    # calibration: mean score vs. share of positives per score bin
    bins = [(0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    print("  calibration (score bin: n, mean score, share labelled 1):", file=out)
    for lo, hi in bins:
        inb = [(g, r) for g, r in results if lo <= r.score < hi]
        if inb:
            ms = sum(r.score for _, r in inb) / len(inb)
            pos = sum(1 for g, _ in inb if g["label"]) / len(inb)
            print(f"    [{lo:.1f}, {min(hi, 1.0):.1f}): {len(inb):3d}  {ms:.2f}  {pos:.2f}", file=out)

    if fp or fn:
        print("  misses:", file=out)
    for kind, items in (("FP", fp), ("FN", fn)):
        for g, r in items:
            ev = r.evidence
            print(f"    {kind} {g.get('id')} score {r.score:.3f}{' (borderline)' if g.get('borderline') else ''}: "
                  f"{(g.get('title') or g['text'][:60]).strip()[:70]}", file=out)
            print(f"       reasons: {'; '.join(ev.get('reasons', []))}", file=out)
            print(f"       cues: {', '.join(ev.get('cues', [])[:10])}", file=out)
            if ev.get("sentence"):
                print(f"       sentence: {ev['sentence'][:140]}", file=out)
    weak = [(g, r, p) for g, r, p in details if g.get("orgs") is not None and _set_f1(_org_set(g["orgs"]), p) < 0.8]
    if weak:
        print("  true positives with organisation-set F1 < 0.8:", file=out)
        for g, r, p in weak:
            gold = _org_set(g["orgs"])
            print(f"    {g.get('id')}: extra {sorted(p - gold)} missing {sorted(gold - p)}", file=out)
    return {"records": len(results), "tp": len(tp), "fp": len(fp), "fn": len(fn), "tn": tn,
            "precision": precision, "recall": recall, "f1": f1, "org_f1": org_f1,
            "event_accuracy": ev_ok / ev_n if ev_n else None, "date_accuracy": date_ok / date_n if date_n else None,
            "alliance_accuracy": al_ok / al_n if al_n else None, "seconds": elapsed,
            "misses": [g.get("id") for g, _ in fp + fn]}


# --- feed stream benchmark ---------------------------------------------------------------------------

def _strip_tags(s: str) -> str:
    s = re.sub(r"<[^>]+>", " ", s or "")
    s = s.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.sub(r"\s+", " ", s).strip()


def _feed_items(path: Path) -> tuple[list[tuple[str, str, object]], str | None]:
    """(title, description, published) for each item of one snapshot, parsed from bytes only."""
    data = path.read_bytes()
    try:
        from extractors.feeds import parse_feed
        parsed = parse_feed(data, feed_url=path.resolve().as_uri())
        return [(e.title or "", e.summary or "", e.published_at) for e in parsed.entries], parsed.warning
    except ImportError:
        pass
    except Exception as exc:                   # fall back to feedparser on the bytes
        note = f"parse_feed: {exc}"
    else:
        note = None
    import io
    import feedparser
    body = re.sub(rb"<!DOCTYPE[^>]*>", b"", data, count=1)
    fp = feedparser.parse(io.BytesIO(body))
    items = []
    for e in fp.entries:
        desc = e.get("summary") or ""
        if not desc and e.get("content"):
            desc = e["content"][0].get("value", "")
        items.append((_strip_tags(e.get("title", "")), _strip_tags(desc), e.get("published") or e.get("updated")))
    return items, note


def bench_stream(directory: Path, out: TextIO = sys.stdout, *, threshold: float = 0.5, show: int = 50) -> dict:
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)
    t0 = time.perf_counter()
    n_items, flagged, errors, seen = 0, [], [], set()
    for path in files:
        try:
            items, note = _feed_items(path)
        except Exception as exc:
            errors.append(f"{path.name}: {exc}")
            continue
        for title, desc, published in items:
            n_items += 1
            seen.add((title.strip(), desc.strip()[:200]))
            r = classify(title, desc, published, threshold=threshold)
            if r.is_alliance:
                flagged.append((r.score, path.relative_to(directory), title, r))
    elapsed = time.perf_counter() - t0
    per_1000 = 1000 * len(flagged) / n_items if n_items else 0.0
    print(f"stream benchmark: {directory}  ({len(files)} feed files, {n_items} items, {len(seen)} distinct, "
          f"threshold {threshold})", file=out)
    print(f"  flagged {len(flagged)} items = {per_1000:.2f} per 1,000 items", file=out)
    print(f"  time {elapsed:.1f}s ({1000 * elapsed / max(1, n_items):.1f} ms/item)", file=out)
    for e in errors:
        print(f"  unreadable: {e}", file=out)
    for score, rel, title, r in sorted(flagged, key=lambda x: -x[0])[:show]:
        print(f"  {score:.3f}  {rel}  {title[:80]}", file=out)
        print(f"         {'; '.join(r.evidence.get('reasons', [])[:3])}", file=out)
    return {"files": len(files), "items": n_items, "distinct": len(seen), "flagged": len(flagged),
            "per_1000": per_1000, "seconds": elapsed, "errors": errors,
            "flagged_titles": [t for _, _, t, _ in flagged]}
