"""Rows out of what a pass fetched: ids and hashes, Arrow tables, the CPU work done before a write.

Everything here is pure Python over ``PageRecord`` / ``FeedFetch`` values (and Arrow); the modules that
write (loads, sources, stories, outbox) take these rows into DuckDB inside one short transaction.
"""
from __future__ import annotations

import hashlib
import json
import re
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pyarrow as pa

from extractors import similarity
from extractors.models import KST, AllianceEvent, FeedEntry, PageRecord, default_role

from .clustering import doc_orgs

UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=KST)   # the contract says aware; a naive Korean date is KST
    return dt


def kst_date(dt: datetime | None) -> date | None:
    return aware(dt).astimezone(KST).date() if dt else None


def sha1(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha1(data).hexdigest()


def article_id_for(canonical_url: str) -> str:
    return sha1(canonical_url)[:16]


def alert_id_for(story_id: str, channel: str) -> str:
    return sha1(f"{story_id}\x1f{channel}")[:20]


def content_hash(body: str | None) -> str:
    return sha1(" ".join((body or "").split()))


_REASON_RE = re.compile(r"^\s*([A-Za-z0-9_]+)")


def reason_code(error: str | None) -> str | None:
    if not error:
        return None
    m = _REASON_RE.match(error)
    return m.group(1).lower() if m else "error"


def json_text(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
STRS = pa.list_(pa.string())


def arrow_table(rows: list[dict], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    cols = {}
    for name, typ in schema:
        vals = [r.get(name) for r in rows]
        if typ == TS:
            vals = [aware(v).astimezone(UTC) if v is not None else None for v in vals]
        cols[name] = pa.array(vals, type=typ)
    return pa.table(cols)


def dedupe(rows: list[dict], key, prefer=None) -> list[dict]:
    """One row per key (DuckDB silently drops duplicate keys inside an upsert batch)."""
    out: dict = {}
    for r in rows:
        k = key(r)
        if k not in out or (prefer is not None and prefer(r) >= prefer(out[k])):
            out[k] = r
    return list(out.values())


@contextmanager
def registered(con, name: str, table: pa.Table):
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


# --- one pass's pages as rows (CPU work done before the write lock is taken) -----------------------------

@dataclass(slots=True)
class Prepared:
    articles: list[dict] = field(default_factory=list)
    raw: list[dict] = field(default_factory=list)
    page_log: list[dict] = field(default_factory=list)
    pages_failed: int = 0


ARTICLE_COLS = [
    ("article_id", STR), ("url", STR), ("canonical_url", STR), ("outlet", STR), ("title", STR), ("authors", STRS),
    ("published_at", TS), ("published_date", pa.date32()), ("language", STR), ("body", STR), ("content_hash", STR),
    ("extractor_version", STR), ("is_alliance", pa.bool_()), ("score", pa.float64()), ("alliance", STR),
    ("event", STR), ("event_date", pa.date32()), ("evidence", STR), ("feed_url", STR), ("fetched_at", TS),
    ("first_seen_at", TS), ("updated_at", TS), ("first_run_id", STR), ("last_run_id", STR), ("row_hash", STR),
]
RAW_COLS = [("url", STR), ("article_id", STR), ("feed_url", STR), ("fetched_at", TS), ("http_status", pa.int32()),
            ("content_type", STR), ("compression", STR), ("raw_size", pa.int32()), ("raw_sha1", STR),
            ("raw", pa.binary()), ("entry", STR), ("error", STR)]
LOG_COLS = [("run_id", STR), ("kind", STR), ("url", STR), ("feed_url", STR), ("fetched_at", TS), ("status", STR),
            ("http_status", pa.int32()), ("reason", STR), ("error", STR), ("content_type", STR), ("bytes", pa.int32()),
            ("entries", pa.int32()), ("new_entries", pa.int32()), ("encoding", STR), ("elapsed_ms", pa.int32())]
EVENT_COLS = [("article_id", STR), ("seq", pa.int32()), ("is_main", pa.bool_()), ("alliance", STR), ("event", STR),
              ("event_date", pa.date32()), ("orgs", STRS), ("evidence", STR)]
EVENT_ORG_COLS = [("article_id", STR), ("seq", pa.int32()), ("org", STR), ("role", STR)]
SKETCH_COLS = [("article_id", STR), ("pub_date", pa.date32()), ("sketch_version", STR),
               ("sketch", pa.list_(pa.uint32())), ("orgs", STRS), ("alliance", STR), ("event", STR),
               ("event_date", pa.date32())]


def event_roles(ev: AllianceEvent) -> dict[str, str]:
    """Organisation -> role for one event: the classifier's roles; a party it gave no role takes the
    event's natural one (``models.default_role``)."""
    roles = {o: r for o, r in (ev.roles or {}).items() if o}
    for org in ev.orgs or []:
        if org:
            roles.setdefault(org, default_role(ev.event, ev.alliance))
    return dict(sorted(roles.items()))


def entry_json(entry: FeedEntry | None) -> str | None:
    if entry is None:
        return None
    return json_text({"url": entry.url, "title": entry.title, "summary": entry.summary,
                  "published_at": entry.published_at.isoformat() if entry.published_at else None,
                  "guid": entry.guid, "outlet": entry.outlet})


def entry_from_json(text: str | None) -> FeedEntry | None:
    if not text:
        return None
    d = json.loads(text)
    pub = datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
    return FeedEntry(url=d.get("url") or "", title=d.get("title") or "", summary=d.get("summary") or "",
                     published_at=pub, guid=d.get("guid"), outlet=d.get("outlet"))


def prepare(pages: list[PageRecord], run_id: str | None, *, log: bool, raw: bool) -> Prepared:
    """CPU work done before the write lock is taken."""
    return combine(page_rows(pages, run_id, log=log, raw=raw))


def page_rows(pages: list[PageRecord], run_id: str | None, *, log: bool, raw: bool) -> list[dict]:
    """One row per page: ``{"log": fetch-log row | None, "raw": raw-page row | None, "article": article
    row | None}`` with every hash, sketch and compression already computed — what a worker writes to its
    result shard (warehouse/shards.py) and ``combine`` turns into a load."""
    out = []
    for p in pages:
        fetched_at = aware(p.fetched_at) or utcnow()
        row: dict = {"log": None, "raw": None, "article": None}
        if log:
            row["log"] = {
                "run_id": run_id, "kind": "page", "url": p.url, "feed_url": p.feed_url, "fetched_at": fetched_at,
                "status": "ok" if p.article is not None else "error", "http_status": p.http_status,
                "reason": None if p.article is not None else (reason_code(p.error) or "no_article"),
                "error": None if p.article is not None else (p.error or "no article"),
                "content_type": p.content_type, "bytes": len(p.raw_html) if p.raw_html is not None else None,
                "elapsed_ms": p.elapsed_ms}
        if raw and p.raw_html:
            data = bytes(p.raw_html)
            row["raw"] = {
                "url": p.url, "canonical_url": p.article.canonical_url if p.article else None,
                "feed_url": p.feed_url, "fetched_at": fetched_at, "http_status": p.http_status,
                "content_type": p.content_type, "compression": "zlib", "raw_size": len(data),
                "raw_sha1": sha1(data), "raw": zlib.compress(data, 3), "entry": entry_json(p.entry),
                "error": None if p.article is not None else p.error}
        if p.article is not None:
            row["article"] = article_row(p, fetched_at)
        out.append(row)
    return out


def article_row(p: PageRecord, fetched_at: datetime) -> dict:
    a, rel, entry = p.article, p.relevance, p.entry
    published_at = aware(a.published_at) or (aware(entry.published_at) if entry else None)
    row = {
        "url": a.url or p.url, "canonical_url": a.canonical_url or a.url or p.url,
        "outlet": a.outlet or (entry.outlet if entry else None), "title": a.title or (entry.title if entry else None),
        "authors": list(a.authors or []), "published_at": published_at, "published_date": kst_date(published_at),
        "language": a.language, "body": a.body or "", "content_hash": content_hash(a.body),
        "extractor_version": a.extractor_version or "", "is_alliance": bool(rel and rel.is_alliance),
        "score": float(rel.score) if rel else None, "alliance": rel.alliance if rel else None,
        "event": rel.event if rel else None, "event_date": rel.event_date if rel else None,
        "evidence": json_text(rel.evidence) if rel and rel.evidence else None, "feed_url": p.feed_url,
        "fetched_at": fetched_at,
        "orgs": dedupe([{"org": o.name, "resolved": o.resolved, "org_type": o.org_type,
                          "mentions": int(o.mentions or 1)} for o in (rel.orgs if rel else []) if o.name],
                        key=lambda r: r["org"], prefer=lambda r: r["mentions"]),
        "events": [{"seq": i, "alliance": ev.alliance, "event": ev.event, "event_date": ev.event_date,
                    "orgs": list(dict.fromkeys(ev.orgs or [])), "evidence": ev.evidence,
                    # (org, role) pairs, not a dict: a shard's Parquet round trip would turn a dict keyed
                    # by organisation into a struct holding every organisation of the batch
                    "roles": [{"org": o, "role": r} for o, r in event_roles(ev).items()]}
                   for i, ev in enumerate(rel.events if rel else [])],
        "story_orgs": sorted(doc_orgs(rel)) if rel else [],
        "page_url": p.url,
    }
    main_seen = False
    for ev in row["events"]:
        ev["is_main"] = (not main_seen and ev["event"] == row["event"] and ev["alliance"] == row["alliance"])
        main_seen = main_seen or ev["is_main"]
    if row["is_alliance"]:
        text = "\n".join(x for x in (row["title"], row["body"]) if x)
        row["sketch"] = similarity.sketch(text)
    # hashed here, where the values are exactly what the extractors made (a shard's round trip keeps the
    # instants of timestamps, not their zones, and the hash must not depend on that)
    row["row_hash"] = row_hash(row)
    return row


def combine(rows: list[dict]) -> Prepared:
    """Page rows (``page_rows``, maybe read back from shards) -> one load: one article per canonical URL
    (the latest fetch wins) knowing every URL form seen, one raw page per URL."""
    prep = Prepared()
    for row in rows:
        if row.get("log") is not None:
            prep.page_log.append(row["log"])
        if row.get("raw") is not None:
            prep.raw.append(row["raw"])
        if row.get("article") is None:
            prep.pages_failed += 1
        else:
            prep.articles.append(row["article"])
    forms: dict[str, set[str]] = {}
    for r in prep.articles:
        forms.setdefault(r["canonical_url"], set()).update((r["url"], r["page_url"], r["canonical_url"]))
    prep.articles = dedupe(prep.articles, key=lambda r: r["canonical_url"], prefer=lambda r: r["fetched_at"])
    for r in prep.articles:
        r["aliases"] = sorted(forms[r["canonical_url"]])
    prep.raw = dedupe(prep.raw, key=lambda r: r["url"], prefer=lambda r: r["fetched_at"])
    return prep


def row_hash(r: dict) -> str:
    keys = ("canonical_url", "outlet", "title", "authors", "published_at", "language", "content_hash",
            "extractor_version", "is_alliance", "score", "alliance", "event", "event_date", "evidence",
            "orgs", "events")
    payload = {k: r.get(k) for k in keys}
    if payload["score"] is not None:
        payload["score"] = round(payload["score"], 6)
    return sha1(json_text(payload))
