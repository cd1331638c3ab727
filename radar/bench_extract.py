"""``radar bench extract DIR``: alliance-radar's extractor against plain trafilatura on the same pages.

DIR holds ``pages/<id>.html.gz`` (or ``.html``) and ``gold/<id>.json`` (url, title, published, authors, body).
Body scores use the article-extraction-benchmark metric: lowercased ``\\w+`` tokens, 4-gram shingles as
multisets, precision and recall per page, averaged over pages, F1 from the two means. Also reported:
leaked boilerplate markers, title exact match (whitespace-normalised), published_at match to the minute
(to the day when the gold has a date only), and milliseconds per page.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from extractors.article import extract_article
from extractors.dates import parse_datetime
from extractors.metadata import to_kst
from extractors.models import ExtractionError

# Phrases that must never reach a clean body (the markers counted as leaks).
LEAK_MARKERS = (
    re.compile(r"무단\s*전재"), re.compile(r"재배포\s*금지"), re.compile(r"저작권자"), re.compile(r"copyrights?\s*(?:ⓒ|©|\(c\))", re.I),
    re.compile(r"ⓒ|©"), re.compile(r"All rights reserved", re.I),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                      # reporter e-mail
    re.compile(r"(?:^|\s)[가-힣]{2,4}\s?기자(?:\s|$)"),                 # a bare byline line
    re.compile(r"댓글\s*\(?\d+\)?|댓글\s*쓰기|댓글\s*삭제"),
    re.compile(r"(?:카카오스토리|네이버밴드|글자\s*크게|글자\s*작게|URL\s*복사|이 기사를 공유합니다)"),
    re.compile(r"본문\s*(?:으로)?\s*바로\s*가기|상태바|기사\s*제보"),
    re.compile(r"[\[(]\s*사진\s*(?:제공)?\s*=|사진\s*=\s*\S"),
    re.compile(r"기사\s*URL이\s*복사"),
    # broadcast transcripts: reporter sign-offs and anchor hand-offs, tip blocks, radio copyright notes
    re.compile(r"(?:KBS|MBC|SBS|YTN|JTBC|MBN|TBS|OBS|채널\s*A|TV\s*조선|연합뉴스\s*TV|MTN|머니투데이방송)\s*(?:뉴스\s*)?"
               r"[가-힣]{2,4}(?:입니다|이었습니다|였습니다)\.?\s*$"),
    re.compile(r"^\s*(?:[가-힣·\s]{1,16}\s)?[가-힣]{2,4}\s?(?:기자|특파원)(?:입니다|가 보도합니다|(?:의 )?보도입니다|가 취재했습니다)\.?\s*$"),
    re.compile(r"당신의 제보가 뉴스가 됩니다|기사\s*문의\s*및\s*제보|제보하기|인터뷰 자료의 저작권"),
    # portal summary boxes and keyword lines
    re.compile(r"자동\s*추출\s*기술로\s*요약|요약봇|^\s*(?:#[^\s#]+\s*){2,}$"),
)

TARGETS = {"page_f1": 0.97, "mean_f1": 0.98, "leaks": 0, "max_time_ratio": 2.0}

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall((text or "").lower())
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def precision_recall(gold: str, pred: str) -> tuple[float, float]:
    if not gold and not pred:
        return 1.0, 1.0
    g, p = _shingles(gold), _shingles(pred)
    tp = sum((g & p).values())
    np_, ng = sum(p.values()), sum(g.values())
    return (tp / np_ if np_ else 0.0), (tp / ng if ng else 0.0)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def count_leaks(body: str, gold: str | None = None) -> int:
    """Boilerplate markers in the extracted body, line by line. A line that is in the gold body is not a leak
    (a marker can sit in real text: "현장에 나가 있는 취재기자 연결해 보겠습니다")."""
    kept = {_ws(line) for line in (gold or "").splitlines() if line.strip()}
    n = 0
    for line in (body or "").splitlines():
        if _ws(line) in kept:
            continue
        n += sum(1 for rx in LEAK_MARKERS if rx.search(line))
    return n


def _ws(s: str | None) -> str:
    return " ".join((s or "").split())


def _date_match(gold: str | None, got: datetime | None) -> bool | None:
    if not gold:
        return None
    if got is None:
        return False
    date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", gold.strip()) is not None
    g = to_kst(parse_datetime(gold, zoneless=None, in_text=True), True)
    if g is None:
        return None
    got = to_kst(got, True)
    if date_only:
        return g.date() == got.date()
    return g.replace(second=0, microsecond=0) == got.replace(second=0, microsecond=0)


def _read_page(pages: Path, pid: str) -> bytes:
    gz = pages / f"{pid}.html.gz"
    if gz.exists():
        return gzip.decompress(gz.read_bytes())
    return (pages / f"{pid}.html").read_bytes()


def _run_trafilatura(raw: bytes, url: str):
    import trafilatura
    out = trafilatura.bare_extraction(raw, url=url, with_metadata=True)
    if out is None:
        return "", None, None
    doc = out if not isinstance(out, dict) else None
    body = (doc.text if doc is not None else out.get("text")) or ""
    title = doc.title if doc is not None else out.get("title")
    date = doc.date if doc is not None else out.get("date")
    return body, title, parse_datetime(date, zoneless=None, in_text=True) if date else None


def _traf_extract(raw: bytes, url: str):
    import trafilatura
    return trafilatura.extract(raw, url=url)


def _warm_up(raw: bytes, url: str) -> None:
    """First calls pay for imports and regex compilation; keep that out of the per-page times."""
    try:
        extract_article(raw, url=url)
    except ExtractionError:
        pass
    _run_trafilatura(raw, url)
    _traf_extract(raw, url)


def bench_extract(dir: Path, out=sys.stdout, repeat: int = 3) -> dict:
    """Run both extractors over DIR, print the table and the target verdicts, return the figures.
    Times are the best of ``repeat`` runs per page, after one warm-up run."""
    dir = Path(dir)
    gold_dir, pages_dir = dir / "gold", dir / "pages"
    ids = sorted(p.stem for p in gold_dir.glob("*.json"))
    rows = []
    warmed = False
    for pid in ids:
        gold = json.loads((gold_dir / f"{pid}.json").read_text(encoding="utf-8"))
        try:
            raw = _read_page(pages_dir, pid)
        except FileNotFoundError:
            continue
        url = gold.get("url") or ""
        if not warmed:
            _warm_up(raw, url)
            warmed = True
        row = {"id": pid}
        for name in ("radar", "trafilatura"):
            best_ms = None
            for _ in range(max(1, repeat)):
                t0 = time.perf_counter()
                if name == "radar":
                    try:
                        art = extract_article(raw, url=url)
                        body, title, pub, err = art.body, art.title, art.published_at, None
                    except ExtractionError as exc:
                        body, title, pub, err = "", None, None, exc.reason
                else:
                    body, title, pub = _run_trafilatura(raw, url)
                    err = None
                ms = (time.perf_counter() - t0) * 1000
                best_ms = ms if best_ms is None else min(best_ms, ms)
            p, r = precision_recall(gold.get("body") or "", body)
            row[name] = {
                "precision": p, "recall": r, "f1": f1(p, r), "leaks": count_leaks(body, gold.get("body")),
                "title_ok": (_ws(title) == _ws(gold["title"])) if gold.get("title") else None,
                "date_ok": _date_match(gold.get("published"), pub),
                "ms": best_ms, "error": err,
            }
        # plain trafilatura.extract (body text only, no metadata), timed for reference
        best_ms = None
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            _traf_extract(raw, url)
            ms = (time.perf_counter() - t0) * 1000
            best_ms = ms if best_ms is None else min(best_ms, ms)
        row["trafilatura"]["ms_extract_only"] = best_ms
        rows.append(row)

    def summary(name):
        if not rows:
            return {}
        mp = sum(r[name]["precision"] for r in rows) / len(rows)
        mr = sum(r[name]["recall"] for r in rows) / len(rows)
        titles = [r[name]["title_ok"] for r in rows if r[name]["title_ok"] is not None]
        dates = [r[name]["date_ok"] for r in rows if r[name]["date_ok"] is not None]
        return {"precision": mp, "recall": mr, "f1": f1(mp, mr),
                "leaks": sum(r[name]["leaks"] for r in rows),
                "titles_ok": sum(titles), "titles": len(titles), "dates_ok": sum(dates), "dates": len(dates),
                "ms": sum(r[name]["ms"] for r in rows) / len(rows),
                **({"ms_extract_only": sum(r[name]["ms_extract_only"] for r in rows) / len(rows)}
                   if name == "trafilatura" else {})}

    result = {"pages": rows, "radar": summary("radar"), "trafilatura": summary("trafilatura")}
    rs, ts = result["radar"], result["trafilatura"]
    verdicts = {}
    if rows:
        verdicts = {
            f"every page F1 >= {TARGETS['page_f1']}": all(r["radar"]["f1"] >= TARGETS["page_f1"] for r in rows),
            f"mean F1 >= {TARGETS['mean_f1']}": rs["f1"] >= TARGETS["mean_f1"],
            "0 leaked markers": rs["leaks"] == 0,
            "title right on every gold title": rs["titles_ok"] == rs["titles"],
            "date right on every gold date": rs["dates_ok"] == rs["dates"],
            "never worse than trafilatura (F1)": all(r["radar"]["f1"] >= r["trafilatura"]["f1"] - 1e-9 for r in rows),
            f"time <= {TARGETS['max_time_ratio']}x trafilatura (same job: body + metadata)":
                rs["ms"] <= TARGETS["max_time_ratio"] * ts["ms"],
            f"time <= {TARGETS['max_time_ratio']}x trafilatura.extract (body only)":
                rs["ms"] <= TARGETS["max_time_ratio"] * ts["ms_extract_only"],
        }
    result["targets"] = verdicts
    result["passed"] = bool(verdicts) and all(verdicts.values())
    _print(result, out)
    return result


def _yn(v) -> str:
    return "-" if v is None else ("yes" if v else "NO")


def _print(res: dict, out) -> None:
    w = out.write
    w(f"{'page':<28} {'':>5} | {'alliance-radar':^44} | {'trafilatura 2.3.1':^44}\n")
    hdr = f"{'P':>6} {'R':>6} {'F1':>6} {'leak':>4} {'title':>5} {'date':>4} {'ms':>7}"
    w(f"{'':<34} | {hdr} | {hdr}\n")
    w("-" * 130 + "\n")
    for r in res["pages"]:
        cells = []
        for name in ("radar", "trafilatura"):
            x = r[name]
            cells.append(f"{x['precision']:6.3f} {x['recall']:6.3f} {x['f1']:6.3f} {x['leaks']:4d} "
                         f"{_yn(x['title_ok']):>5} {_yn(x['date_ok']):>4} {x['ms']:7.1f}")
        w(f"{r['id']:<34} | {cells[0]} | {cells[1]}\n")
    w("-" * 130 + "\n")
    cells = []
    for name in ("radar", "trafilatura"):
        s = res[name]
        if not s:
            cells.append("")
            continue
        cells.append(f"{s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['leaks']:4d} "
                     f"{s['titles_ok']}/{s['titles']:<3} {s['dates_ok']}/{s['dates']:<2} {s['ms']:7.1f}")
    w(f"{'MEAN (F1 from mean P, mean R)':<34} | {cells[0]} | {cells[1]}\n")
    if res["trafilatura"]:
        w(f"  trafilatura columns: bare_extraction(with_metadata=True), the same job as ours; "
          f"plain trafilatura.extract() (body only) takes {res['trafilatura']['ms_extract_only']:.1f} ms/page. "
          f"Times: best of runs after a warm-up.\n")
    w("\n")
    for name, ok in res["targets"].items():
        w(f"  [{'PASS' if ok else 'FAIL'}] {name}\n")
    w(f"\n  {'ALL TARGETS MET' if res['passed'] else 'TARGETS NOT MET'}\n")
