"""The DuckDB warehouse: short connections, one transaction per load, Arrow inserts, outbox alerts.

Lock discipline (DuckDB allows one read-write process OR any number of read-only processes per
file, and every connection locks the file while it is open):

* every public method opens its own connection and closes it before returning;
* writes (``load``, ``record_deliveries``, ...) do all CPU work first (text hashing, MinHash
  sketches, compression), then open a read-write connection, run ONE transaction, and close;
* reads open read-only; a busy file is retried with exponential backoff for ``lock_wait_seconds``,
  then ``DatabaseBusy`` names the process that holds it (DuckDB's lock error carries its PID).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from extractors import similarity
from extractors.models import KST, FeedEntry, FeedFetch, FeedState, PageRecord
from settings import AlertSettings, WarehouseSettings

from .schema import APP_ID, SCHEMA_VERSION, apply_migrations
from .stories import DEFAULT_PARAMS, StoryDoc, StoryIndex, StoryParams, doc_orgs

UTC = timezone.utc
PERMANENT_PAGE_REASONS = frozenset({"not_html", "no_article", "binary", "too_large"})


# --- errors ---------------------------------------------------------------------------------------

class WarehouseError(RuntimeError):
    """A problem with the database file, said in one line for people."""


class DatabaseBusy(WarehouseError):
    def __init__(self, message: str, *, path: Path, pid: int | None = None, holder: str | None = None,
                 waited: float = 0.0):
        super().__init__(message)
        self.path, self.pid, self.holder, self.waited = path, pid, holder, waited


class SchemaTooNew(WarehouseError):
    pass


class NotAWarehouse(WarehouseError):
    pass


class QueryError(WarehouseError):
    """The SQL itself failed (syntax, unknown column, a write on the read-only connection...)."""


_LOCK_RE = re.compile(r'Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)')


def _holder_description(pid: int | None, prog: str | None) -> str:
    desc = prog or "another process"
    if pid is not None:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            cmd = " ".join(p.decode("utf-8", "replace") for p in raw.split(b"\0") if p)
            if cmd:
                desc = cmd if len(cmd) <= 120 else cmd[:117] + "..."
        except OSError:
            pass
        return f"PID {pid} ({desc})"
    return desc


def _is_lock_error(msg: str) -> bool:
    return "Could not set lock" in msg or "Conflicting lock" in msg


def _check_magic(path: Path) -> None:
    """Refuse files that are not DuckDB databases before DuckDB sees them (DuckDB would try to
    open e.g. a SQLite file through an extension, and might write to it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WarehouseError(f"cannot read {path}: {exc.strerror}") from None
    if head[8:12] != b"DUCK":
        kind = "an empty file" if not head else ("a SQLite database" if head.startswith(b"SQLite") else
                                                 "not a DuckDB database")
        raise NotAWarehouse(f"{path} is {kind}, not an alliance-radar DuckDB file; it was left untouched — "
                            f"move it away or pick another --db path")


def _connect(path: Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds a conflicting lock."""
    _check_magic(path)
    start = time.monotonic()
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)   # default config: no clash with others
        except duckdb.Error as exc:
            msg = str(exc)
            if _is_lock_error(msg):
                waited = time.monotonic() - start
                if waited + delay > wait_seconds:
                    m = _LOCK_RE.search(msg)
                    pid = int(m.group("pid")) if m else None
                    holder = _holder_description(pid, m.group("prog") if m else None)
                    mode = "read" if read_only else "write"
                    raise DatabaseBusy(
                        f"{path} is busy: {holder} holds it; gave up after waiting {waited:.1f}s to {mode}. "
                        f"DuckDB allows one writer or many readers: close that program's connection "
                        f"(a notebook, the duckdb CLI, a BI tool) or try again later.",
                        path=path, pid=pid, holder=holder, waited=waited) from None
                time.sleep(delay * (0.8 + 0.4 * random.random()))
                delay = min(delay * 1.6, 1.0)
                continue
            if "database does not exist" in msg:
                raise WarehouseError(f"no database at {path} — run `radar demo` or `radar run` first") from None
            if "not a valid DuckDB database file" in msg or "Corrupt" in msg or "checksum" in msg \
                    or "Could not read enough bytes" in msg:
                raise NotAWarehouse(f"{path} is not a readable alliance-radar DuckDB file ({msg.splitlines()[0]}); "
                                    f"it was left untouched — move it away or pick another --db path") from None
            if "different configuration" in msg:
                raise WarehouseError(f"{path} is already open in this process with other settings "
                                     f"(read-only vs read-write); close that connection first") from None
            raise WarehouseError(f"cannot open {path}: {msg.splitlines()[0]}") from None


def read_only_connection(path: str | os.PathLike, *, wait_seconds: float = 30.0,
                         timezone_name: str | None = "Asia/Seoul") -> duckdb.DuckDBPyConnection:
    """A read-only connection for ad-hoc SQL (``radar sql``): waits with backoff while the flow
    holds the file, then raises DatabaseBusy naming the holder. The caller must close it.
    Timestamps display in Korea time unless ``timezone_name`` is None."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"no database at {path} — run `radar demo` or `radar run` first")
    con = _connect(path, read_only=True, wait_seconds=wait_seconds)
    if timezone_name:
        try:
            con.execute(f"SET TimeZone = '{timezone_name}'")
        except duckdb.Error:
            pass
    return con


def _version_of(con) -> tuple[int | None, str | None]:
    """(version, problem): version None + problem for foreign files; (0, None) for an empty file."""
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'").fetchall()}
    except duckdb.Error as exc:
        return None, f"unreadable ({str(exc).splitlines()[0]})"
    if not tables:
        return 0, None
    if "schema_version" not in tables:
        return None, f"holds other tables ({', '.join(sorted(tables)[:5])}) and no schema_version"
    try:
        row = con.execute("SELECT max(version), count(*) FILTER (WHERE app <> ?) FROM schema_version",
                          [APP_ID]).fetchall()[0]
    except duckdb.Error as exc:
        return None, f"has a foreign schema_version table ({str(exc).splitlines()[0]})"
    if row[1]:
        return None, "has a schema_version table written by another application"
    return int(row[0] or 0), None


# --- small helpers ----------------------------------------------------------------------------------

def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=KST)   # the contract says aware; a naive Korean date is KST
    return dt


def _kst_date(dt: datetime | None) -> date | None:
    return _aware(dt).astimezone(KST).date() if dt else None


def _sha1(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha1(data).hexdigest()


def article_id_for(canonical_url: str) -> str:
    return _sha1(canonical_url)[:16]


def alert_id_for(story_id: str, channel: str) -> str:
    return _sha1(f"{story_id}\x1f{channel}")[:20]


def content_hash(body: str | None) -> str:
    return _sha1(" ".join((body or "").split()))


_REASON_RE = re.compile(r"^\s*([A-Za-z0-9_]+)")


def reason_code(error: str | None) -> str | None:
    if not error:
        return None
    m = _REASON_RE.match(error)
    return m.group(1).lower() if m else "error"


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
STRS = pa.list_(pa.string())


def _table(rows: list[dict], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    cols = {}
    for name, typ in schema:
        vals = [r.get(name) for r in rows]
        if typ == TS:
            vals = [_aware(v).astimezone(UTC) if v is not None else None for v in vals]
        cols[name] = pa.array(vals, type=typ)
    return pa.table(cols)


def _dedupe(rows: list[dict], key, prefer=None) -> list[dict]:
    """One row per key (DuckDB silently drops duplicate keys inside an upsert batch)."""
    out: dict = {}
    for r in rows:
        k = key(r)
        if k not in out or (prefer is not None and prefer(r) >= prefer(out[k])):
            out[k] = r
    return list(out.values())


@contextmanager
def _registered(con, name: str, table: pa.Table):
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


# --- prepared input -----------------------------------------------------------------------------------

@dataclass(slots=True)
class _Prepared:
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
SKETCH_COLS = [("article_id", STR), ("pub_date", pa.date32()), ("sketch_version", STR),
               ("sketch", pa.list_(pa.uint32())), ("orgs", STRS), ("alliance", STR), ("event", STR),
               ("event_date", pa.date32())]


def _entry_json(entry: FeedEntry | None) -> str | None:
    if entry is None:
        return None
    return _json({"url": entry.url, "title": entry.title, "summary": entry.summary,
                  "published_at": entry.published_at.isoformat() if entry.published_at else None,
                  "guid": entry.guid, "outlet": entry.outlet})


def _entry_from_json(text: str | None) -> FeedEntry | None:
    if not text:
        return None
    d = json.loads(text)
    pub = datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
    return FeedEntry(url=d.get("url") or "", title=d.get("title") or "", summary=d.get("summary") or "",
                     published_at=pub, guid=d.get("guid"), outlet=d.get("outlet"))


def _prepare(pages: list[PageRecord], run_id: str | None, *, log: bool, raw: bool) -> _Prepared:
    """CPU work done before the write lock is taken."""
    prep = _Prepared()
    for p in pages:
        fetched_at = _aware(p.fetched_at) or _utcnow()
        if log:
            prep.page_log.append({
                "run_id": run_id, "kind": "page", "url": p.url, "feed_url": p.feed_url, "fetched_at": fetched_at,
                "status": "ok" if p.article is not None else "error", "http_status": p.http_status,
                "reason": None if p.article is not None else (reason_code(p.error) or "no_article"),
                "error": None if p.article is not None else (p.error or "no article"),
                "content_type": p.content_type, "bytes": len(p.raw_html) if p.raw_html is not None else None,
                "elapsed_ms": p.elapsed_ms})
        if p.article is None:
            prep.pages_failed += 1
        if raw and p.raw_html:
            data = bytes(p.raw_html)
            prep.raw.append({
                "url": p.url, "canonical_url": p.article.canonical_url if p.article else None,
                "feed_url": p.feed_url, "fetched_at": fetched_at, "http_status": p.http_status,
                "content_type": p.content_type, "compression": "zlib", "raw_size": len(data),
                "raw_sha1": _sha1(data), "raw": zlib.compress(data, 3), "entry": _entry_json(p.entry),
                "error": None if p.article is not None else p.error})
        if p.article is None:
            continue
        a, rel, entry = p.article, p.relevance, p.entry
        published_at = _aware(a.published_at) or (_aware(entry.published_at) if entry else None)
        row = {
            "url": a.url or p.url, "canonical_url": a.canonical_url or a.url or p.url,
            "outlet": a.outlet or (entry.outlet if entry else None), "title": a.title or (entry.title if entry else None),
            "authors": list(a.authors or []), "published_at": published_at, "published_date": _kst_date(published_at),
            "language": a.language, "body": a.body or "", "content_hash": content_hash(a.body),
            "extractor_version": a.extractor_version or "", "is_alliance": bool(rel and rel.is_alliance),
            "score": float(rel.score) if rel else None, "alliance": rel.alliance if rel else None,
            "event": rel.event if rel else None, "event_date": rel.event_date if rel else None,
            "evidence": _json(rel.evidence) if rel and rel.evidence else None, "feed_url": p.feed_url,
            "fetched_at": fetched_at,
            "orgs": _dedupe([{"org": o.name, "resolved": o.resolved, "org_type": o.org_type,
                              "mentions": int(o.mentions or 1)} for o in (rel.orgs if rel else []) if o.name],
                            key=lambda r: r["org"], prefer=lambda r: r["mentions"]),
            "events": [{"seq": i, "alliance": ev.alliance, "event": ev.event, "event_date": ev.event_date,
                        "orgs": list(dict.fromkeys(ev.orgs or [])), "evidence": ev.evidence}
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
        prep.articles.append(row)
    # one row per canonical URL (the latest fetch wins); every URL form seen is remembered
    forms: dict[str, set[str]] = {}
    for r in prep.articles:
        forms.setdefault(r["canonical_url"], set()).update((r["url"], r["page_url"], r["canonical_url"]))
    prep.articles = _dedupe(prep.articles, key=lambda r: r["canonical_url"], prefer=lambda r: r["fetched_at"])
    for r in prep.articles:
        r["aliases"] = sorted(forms[r["canonical_url"]])
    prep.raw = _dedupe(prep.raw, key=lambda r: r["url"], prefer=lambda r: r["fetched_at"])
    return prep


def _row_hash(r: dict) -> str:
    keys = ("canonical_url", "outlet", "title", "authors", "published_at", "language", "content_hash",
            "extractor_version", "is_alliance", "score", "alliance", "event", "event_date", "evidence",
            "orgs", "events")
    payload = {k: r.get(k) for k in keys}
    if payload["score"] is not None:
        payload["score"] = round(payload["score"], 6)
    return _sha1(_json(payload))


# --- the warehouse --------------------------------------------------------------------------------------

class Warehouse:
    def __init__(self, path: str | os.PathLike, settings: WarehouseSettings = WarehouseSettings(), *,
                 alert_max_attempts: int = AlertSettings().max_attempts, story_params: StoryParams = DEFAULT_PARAMS):
        self.path = Path(path)
        self.settings = settings
        self.lock_wait_seconds = float(settings.lock_wait_seconds)
        self.alert_max_attempts = int(alert_max_attempts)
        self.story_params = story_params
        self._verified = False   # the file was checked to be ours (read-only probe) in this process

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def journal_path(self) -> Path:
        """Delivery results not yet in the database (the file was busy or the process died)."""
        return self.path.with_name(self.path.name + ".deliveries.jsonl")

    # -- connections --------------------------------------------------------------------------

    def _probe(self) -> int:
        """Check an existing file read-only (so a foreign file is never opened for writing)."""
        con = _connect(self.path, read_only=True, wait_seconds=self.lock_wait_seconds)
        try:
            return self._checked_version(con)
        finally:
            con.close()

    def _checked_version(self, con) -> int:
        """The file's schema version; a foreign or newer-than-code file is refused (never modified)."""
        version, problem = _version_of(con)
        if version is None:
            raise NotAWarehouse(f"{self.path} is a DuckDB file but not an alliance-radar warehouse: {problem}; "
                                f"it was left untouched — pick another --db path")
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(f"{self.path} has schema version {version} but this alliance-radar understands "
                               f"up to {SCHEMA_VERSION}; upgrade alliance-radar (the file was not modified)")
        return version

    @contextmanager
    def _read(self):
        if not self.path.exists():
            raise WarehouseError(f"no database at {self.path} — run `radar demo` or `radar run` first")
        con = _connect(self.path, read_only=True, wait_seconds=self.lock_wait_seconds)
        try:
            if not self._verified:
                self._checked_version(con)
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self):
        """ONE read-write transaction; the file is locked only while this block runs."""
        if self.path.exists():
            if not self._verified:
                self._probe()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(self.path, read_only=False, wait_seconds=self.lock_wait_seconds)
        journal: list[dict] = []
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                version, problem = _version_of(con)
                if version is None:
                    raise NotAWarehouse(f"{self.path} is not an alliance-radar warehouse: {problem}")
                if version > SCHEMA_VERSION:
                    raise SchemaTooNew(f"{self.path} has schema version {version} but this alliance-radar "
                                       f"understands up to {SCHEMA_VERSION}; upgrade alliance-radar")
                if version < SCHEMA_VERSION:
                    apply_migrations(con, version)
                journal = self._journal_entries()
                if journal:
                    self._apply_deliveries(con, journal)
                yield con
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            self._verified = True
            if journal:
                self._journal_forget(journal)
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            if "Corrupt" in first or "checksum" in first or "Could not read enough bytes" in first:
                raise NotAWarehouse(f"{self.path} looks corrupted ({first}); nothing was written — restore a "
                                    f"backup or move it away") from exc
            raise WarehouseError(f"{self.path}: database error: {first}") from exc
        finally:
            con.close()

    # -- schema ---------------------------------------------------------------------------------

    def migrate(self) -> int:
        """Create the file (and its folder) or upgrade it to SCHEMA_VERSION; returns the version.
        A newer-than-code file raises SchemaTooNew, a foreign or corrupt one NotAWarehouse;
        neither is modified."""
        if self.path.exists():
            version = self._probe()
            if version == SCHEMA_VERSION:
                self._verified = True
                return version
        with self._write():
            pass
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._read() as con:
            v, _ = _version_of(con)
            return v or 0

    # -- reads -------------------------------------------------------------------------------------

    def query(self, sql: str, params=None) -> tuple[list[str], list[tuple]]:
        with self._read() as con:
            try:
                cur = con.execute(sql, params) if params is not None else con.execute(sql)
                cols = [d[0] for d in cur.description] if cur.description else []
                rows = cur.fetchall() if cur.description else []
            except duckdb.Error as exc:
                raise QueryError(str(exc).strip()) from exc
            return cols, rows

    def feed_states(self) -> dict[str, FeedState]:
        if not self.path.exists():
            return {}
        with self._read() as con:
            rows = con.execute("SELECT feed_url, etag, last_modified, consecutive_failures, next_attempt_at, "
                               "last_success_at, last_error FROM sources").fetchall()
        return {r[0]: FeedState(feed_url=r[0], etag=r[1], last_modified=r[2], consecutive_failures=r[3] or 0,
                                next_attempt_at=r[4], last_success_at=r[5], last_error=r[6]) for r in rows}

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """URLs not worth fetching again: stored articles (any URL form) and pages that failed
        permanently (4xx except 408/429, not_html, no_article, binary, too_large) or 3+ times."""
        urls = list(dict.fromkeys(u for u in urls if u))
        if not urls or not self.path.exists():
            return set()
        reasons = sorted(PERMANENT_PAGE_REASONS)
        with self._read() as con, _registered(con, "q_urls", pa.table({"url": pa.array(urls, STR)})):
            rows = con.execute("""
                SELECT q.url FROM q_urls q JOIN article_urls au ON au.url = q.url
                UNION
                SELECT f.url FROM fetch_log f JOIN q_urls q ON q.url = f.url
                WHERE f.kind = 'page' AND f.status = 'error'
                GROUP BY f.url
                HAVING bool_or(list_contains(?::VARCHAR[], f.reason)
                               OR (f.http_status BETWEEN 400 AND 499 AND f.http_status NOT IN (408, 429)))
                    OR count(*) >= 3
            """, [reasons]).fetchall()
        return {r[0] for r in rows}

    def pending_alerts(self) -> list[dict]:
        """Alerts to deliver, oldest first, with their story as it stands now (outlets that joined
        since the alert was created are listed)."""
        if not self.path.exists():
            return []
        done = {e["alert_id"] for e in self._journal_entries() if e.get("ok")}
        with self._read() as con:
            cur = con.execute("""
                SELECT al.alert_id, al.story_id, al.channel, al.attempts, al.last_error, al.created_at,
                       st.title, st.url, st.outlet, st.outlets, st.outlet_count, st.article_count, st.alliance,
                       st.event, st.event_date, st.orgs, st.first_published_at AS published_at, st.urls
                FROM alerts al JOIN alliance_stories st ON st.story_id = al.story_id
                WHERE al.status = 'pending' AND al.attempts < ?
                ORDER BY al.created_at, st.first_published_at NULLS LAST, al.alert_id
            """, [self.alert_max_attempts])
            cols = [d[0] for d in cur.description]
            out = [dict(zip(cols, r)) for r in cur.fetchall()]
        for d in out:
            d["outlets"] = list(d["outlets"] or [])
            d["orgs"] = list(d["orgs"] or [])
            d["urls"] = list(d["urls"] or [])
        return [d for d in out if d["alert_id"] not in done]

    def stories_between(self, start: datetime, end: datetime) -> list[dict]:
        """Stories that appeared, or that new outlets joined, in [start, end) — for a digest.
        Each has its articles (outlet, title, url, published_at, joined_at, is_new)."""
        if not self.path.exists():
            return []
        start, end = _aware(start), _aware(end)
        with self._read() as con:
            cur = con.execute("""
                SELECT st.*, (st.created_at >= ? AND st.created_at < ?) AS is_new_story
                FROM alliance_stories st
                WHERE st.story_id IN (SELECT story_id FROM story_articles WHERE joined_at >= ? AND joined_at < ?)
                ORDER BY st.first_published_at NULLS LAST, st.story_id
            """, [start, end, start, end])
            cols = [d[0] for d in cur.description]
            stories = [dict(zip(cols, r)) for r in cur.fetchall()]
            if not stories:
                return []
            ids = [s["story_id"] for s in stories]
            rows = con.execute("""
                SELECT sa.story_id, a.article_id, a.outlet, a.title, a.url, a.published_at, sa.joined_at, sa.reason
                FROM story_articles sa JOIN articles a USING (article_id)
                WHERE sa.story_id IN (SELECT unnest(?::VARCHAR[])) AND a.is_alliance
                ORDER BY a.published_at NULLS LAST, a.article_id
            """, [ids]).fetchall()
        by_story: dict[str, list[dict]] = {}
        for sid, aid, outlet, title, url, pub, joined, reason in rows:
            by_story.setdefault(sid, []).append({
                "article_id": aid, "outlet": outlet, "title": title, "url": url, "published_at": pub,
                "joined_at": joined, "reason": reason, "is_new": start <= joined < end})
        for s in stories:
            for k in ("outlets", "orgs", "urls"):
                s[k] = list(s.get(k) or [])
            s["articles"] = by_story.get(s["story_id"], [])
        return stories

    def stories_for_run(self, run_id: str) -> list[dict]:
        """The stories a run created (for the run's summary), as rows of alliance_stories."""
        if not self.path.exists():
            return []
        with self._read() as con:
            cur = con.execute("SELECT st.* FROM alliance_stories st JOIN stories s USING (story_id) "
                              "WHERE s.run_id = ? ORDER BY st.first_published_at NULLS LAST, st.story_id", [run_id])
            cols = [d[0] for d in cur.description]
            out = [dict(zip(cols, r)) for r in cur.fetchall()]
        for d in out:
            for k in ("outlets", "orgs", "urls"):
                d[k] = list(d.get(k) or [])
        return out

    def alliance_timeline(self) -> list[dict]:
        """Per alliance, its members in the order the news shows them joining."""
        if not self.path.exists():
            return []
        with self._read() as con:
            rows = con.execute("""
                SELECT m.alliance, m.org, m.joined_on, m.article_id, a.title, a.outlet, a.url
                FROM alliance_members m LEFT JOIN articles a USING (article_id)
                ORDER BY m.alliance, m.joined_on, m.org
            """).fetchall()
        out: dict[str, dict] = {}
        for alliance, org, joined_on, aid, title, outlet, url in rows:
            d = out.setdefault(alliance, {"alliance": alliance, "first_seen": joined_on, "members": []})
            d["members"].append({"org": org, "joined_on": joined_on, "article_id": aid, "title": title,
                                 "outlet": outlet, "url": url})
        return list(out.values())

    def raw_pages(self, since: date | None = None) -> Iterator[dict]:
        """Stored raw pages (decompressed), oldest first, each with the feed item it came from
        (``entry``) and the outlet its feed is configured with (``feed_outlet``). Reads in chunks and
        closes the connection between chunks, so a long re-extraction never blocks the flow's writes."""
        if not self.path.exists():
            return
        since_ts = _since_ts(since)
        cols = ("r.url, r.feed_url, r.fetched_at, r.http_status, r.content_type, r.compression, r.raw, r.entry, "
                "r.article_id, r.error, s.outlet")
        base = f"SELECT {cols} FROM raw_pages r LEFT JOIN sources s USING (feed_url) WHERE r.fetched_at >= ?"
        last_ts, last_url = None, ""
        while True:
            with self._read() as con:   # one chunk per connection: writers get the file in between
                if last_ts is None:
                    rows = con.execute(f"{base} ORDER BY r.fetched_at, r.url LIMIT ?", [since_ts, self.settings.raw_pages_per_chunk]).fetchall()
                else:
                    rows = con.execute(f"{base} AND (r.fetched_at > ? OR (r.fetched_at = ? AND r.url > ?)) "
                                       f"ORDER BY r.fetched_at, r.url LIMIT ?",
                                       [since_ts, last_ts, last_ts, last_url, self.settings.raw_pages_per_chunk]).fetchall()
            for url, feed_url, fetched_at, status, ctype, comp, raw, entry, aid, error, feed_outlet in rows:
                data = zlib.decompress(raw) if comp == "zlib" else bytes(raw)
                yield {"url": url, "feed_url": feed_url, "fetched_at": fetched_at, "http_status": status,
                       "content_type": ctype, "raw_html": data, "entry": _entry_from_json(entry),
                       "feed_outlet": feed_outlet, "article_id": aid, "error": error}
            if len(rows) < self.settings.raw_pages_per_chunk:
                return
            last_ts, last_url = rows[-1][2], rows[-1][0]

    def raw_page_count(self, since: date | None = None) -> int:
        """How many pages ``raw_pages(since)`` will yield (for progress)."""
        if not self.path.exists():
            return 0
        with self._read() as con:
            return con.execute("SELECT count(*) FROM raw_pages WHERE fetched_at >= ?", [_since_ts(since)]).fetchall()[0][0]

    # -- writes ---------------------------------------------------------------------------------------

    def start_run(self, run_id: str, flow: str, params: dict) -> None:
        with self._write() as con:
            con.execute("INSERT INTO runs (run_id, flow, params, started_at, status) VALUES (?, ?, ?, ?, 'running') "
                        "ON CONFLICT (run_id) DO NOTHING", [run_id, flow, _json(params or {}), _utcnow()])

    def finish_run(self, run_id: str, status: str, counts: dict, error: str | None = None) -> None:
        with self._write() as con:
            con.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES (?, NULL, ?, ?) "
                        "ON CONFLICT (run_id) DO NOTHING", [run_id, _utcnow(), status])
            con.execute("UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE run_id = ?",
                        [_utcnow(), status, _json(counts or {}), error, run_id])

    def load(self, run_id: str, feeds: list[FeedFetch], pages: list[PageRecord], channels: list[str]) -> dict:
        """Everything one pass fetched, in ONE transaction (see module doc). Idempotent: loading the
        same feeds/pages again adds no rows and creates no alerts."""
        prep = _prepare(pages, run_id, log=True, raw=True)
        counts = _empty_counts()
        counts["pages_failed"] = prep.pages_failed
        counts["feeds_failed"] = sum(1 for f in feeds if f.status == "error")
        t0 = time.monotonic()
        with self._write() as con:
            t1 = time.monotonic()
            self._load_feeds(con, run_id, feeds)
            self._insert_log(con, prep.page_log)
            channels = list(dict.fromkeys(channels or []))
            if channels:
                now = _utcnow()
                con.execute("INSERT INTO alert_channels SELECT unnest(?::VARCHAR[]), ?, ? ON CONFLICT (channel) "
                            "DO UPDATE SET last_used_at = excluded.last_used_at", [channels, now, now])
            self._upsert(con, run_id, prep, channels, counts)
        counts["lock_wait_seconds"] = round(t1 - t0, 3)
        counts["write_seconds"] = round(time.monotonic() - t1, 3)   # how long the file was locked
        return counts

    def reprocess(self, pages: list[PageRecord], channels: list[str] | None = None) -> dict:
        """Store re-extracted/re-scored pages (from ``raw_pages``) in place: rows whose content or
        scores changed are updated, the extractor version history keeps the old version, and only
        genuinely new alliance stories are created and alerted (``channels`` None: the channels
        the latest ``load`` was given). Nothing is fetched; fetch_log and raw_pages are not touched."""
        prep = _prepare(pages, None, log=False, raw=False)
        counts = _empty_counts()
        counts["pages_failed"] = prep.pages_failed
        with self._write() as con:
            if channels is None:   # the channels of the latest load
                channels = [r[0] for r in con.execute(
                    "SELECT channel FROM alert_channels WHERE last_used_at = (SELECT max(last_used_at) "
                    "FROM alert_channels) ORDER BY 1").fetchall()]
            self._upsert(con, None, prep, list(dict.fromkeys(channels)), counts)
            # link raw pages that became articles
            self._link_raw(con, [{"url": r["page_url"], "canonical_url": r["canonical_url"]} for r in prep.articles])
        return counts

    def record_deliveries(self, results: list[dict]) -> dict:
        """Outcome of delivering alerts: {alert_id, ok, response, error}. Written first to a small
        journal next to the database (fsync), then to the database; if the database is busy the
        journal is applied by the next write, and pending_alerts already skips journaled sends —
        so a sent alert is never sent again."""
        if not results:
            return {"recorded": 0, "journaled": 0}
        now = _utcnow().isoformat()
        entries = [{"alert_id": r["alert_id"], "ok": bool(r.get("ok")), "response": r.get("response"),
                    "error": r.get("error"), "at": r.get("at") or now,
                    "max_attempts": self.alert_max_attempts} for r in results]
        self._journal_append(entries)
        try:
            with self._write():
                pass    # _write applies (and then forgets) every journaled result
        except DatabaseBusy:
            return {"recorded": 0, "journaled": len(entries)}   # the next write applies them
        return {"recorded": len(entries), "journaled": 0}

    def prune_raw_html(self) -> int:
        """Delete raw HTML older than raw_html_retention_days (0 keeps everything)."""
        days = self.settings.raw_html_retention_days
        if days <= 0 or not self.path.exists():
            return 0
        cutoff = _utcnow() - timedelta(days=days)
        with self._write() as con:
            n = con.execute("SELECT count(*) FROM raw_pages WHERE fetched_at < ?", [cutoff]).fetchall()[0][0]
            if n:
                con.execute("DELETE FROM raw_pages WHERE fetched_at < ?", [cutoff])
        return int(n)

    def export_parquet(self, out_dir: str | os.PathLike, *, include_raw: bool = False) -> dict:
        """Write every table as Parquet under ``out_dir/<table>/``; article-related tables are
        partitioned by published month (``published_month=YYYY-MM``, 'unknown' when undated).
        Read-only: the flow can keep loading meanwhile. Returns rows written per table."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        month_of_article = ("coalesce((SELECT strftime(a.published_date, '%Y-%m') FROM articles a "
                            "WHERE a.article_id = t.article_id), 'unknown')")
        specs = {
            "articles": ("SELECT t.*, coalesce(strftime(t.published_date, '%Y-%m'), 'unknown') AS published_month "
                         "FROM articles t", True),
            "article_orgs": (f"SELECT t.*, {month_of_article} AS published_month FROM article_orgs t", True),
            "article_events": (f"SELECT t.*, {month_of_article} AS published_month FROM article_events t", True),
            "article_versions": (f"SELECT t.*, {month_of_article} AS published_month FROM article_versions t", True),
            "story_articles": (f"SELECT t.*, {month_of_article} AS published_month FROM story_articles t", True),
            "stories": ("SELECT t.*, coalesce((SELECT strftime(a.published_date, '%Y-%m') FROM articles a "
                        "WHERE a.article_id = t.lead_article_id), 'unknown') AS published_month FROM stories t", True),
            "article_urls": ("SELECT * FROM article_urls", False),
            "organisations": ("SELECT * FROM organisations", False),
            "alerts": ("SELECT * FROM alerts", False),
            "alert_channels": ("SELECT * FROM alert_channels", False),
            "sources": ("SELECT * FROM sources", False),
            "fetch_log": ("SELECT * FROM fetch_log", False),
            "runs": ("SELECT * FROM runs", False),
            "schema_version": ("SELECT * FROM schema_version", False),
        }
        if include_raw:
            specs["raw_pages"] = (f"SELECT t.*, {month_of_article} AS published_month FROM raw_pages t", True)
        counts = {}
        with self._read() as con:
            for table, (sql, partitioned) in specs.items():
                target = out / table
                n = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
                if partitioned:
                    con.execute(f"COPY ({sql}) TO '{_sql_str(target)}' "
                                f"(FORMAT parquet, PARTITION_BY (published_month), OVERWRITE true)")
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    for old in target.glob("*.parquet"):
                        old.unlink()
                    con.execute(f"COPY ({sql}) TO '{_sql_str(target / 'data.parquet')}' (FORMAT parquet)")
                counts[table] = int(n)
            version = _version_of(con)[0]
        (out / "_export.json").write_text(json.dumps(
            {"schema_version": version, "exported_at": _utcnow().isoformat(), "rows": counts,
             "partitioned_by": "published_month"}, indent=2), encoding="utf-8")
        return counts

    # -- internals: load ---------------------------------------------------------------------------

    def _load_feeds(self, con, run_id: str | None, feeds: list[FeedFetch]) -> None:
        if not feeds:
            return
        feeds = sorted(feeds, key=lambda f: (_aware(f.fetched_at), f.feed_url))
        urls = list(dict.fromkeys(f.feed_url for f in feeds))
        cols = ["feed_url", "outlet", "kind", "etag", "last_modified", "consecutive_failures", "next_attempt_at",
                "last_fetched_at", "last_success_at", "last_error", "last_error_at", "first_seen_at"]
        cur = con.execute(f"SELECT {', '.join(cols)} FROM sources WHERE feed_url IN (SELECT unnest(?::VARCHAR[]))",
                          [urls])
        states = {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
        log = []
        for f in feeds:
            at = _aware(f.fetched_at)
            st = states.setdefault(f.feed_url, {"feed_url": f.feed_url, "consecutive_failures": 0, "first_seen_at": at})
            st["outlet"] = f.outlet or st.get("outlet")
            st["kind"] = f.kind or st.get("kind")
            log.append({"run_id": run_id, "kind": "feed", "url": f.feed_url, "feed_url": f.feed_url, "fetched_at": at,
                        "status": f.status, "http_status": f.http_status,
                        "reason": reason_code(f.error) if f.status in ("error", "skipped") else None,
                        "error": f.error, "entries": f.entries, "new_entries": f.new_entries,
                        "encoding": f.encoding, "elapsed_ms": f.elapsed_ms})
            if f.status == "skipped":
                continue
            last = st.get("last_fetched_at")
            if last is not None and at <= last:
                continue     # this poll was already applied (the same pass loaded twice)
            st["last_fetched_at"] = at
            if f.status in ("ok", "not_modified"):
                st["consecutive_failures"] = 0
                st["next_attempt_at"] = None
                st["last_success_at"] = at
                if f.status == "ok":
                    st["etag"], st["last_modified"] = f.etag, f.last_modified
                else:
                    st["etag"] = f.etag or st.get("etag")
                    st["last_modified"] = f.last_modified or st.get("last_modified")
            elif f.status == "error":
                n = int(st.get("consecutive_failures") or 0) + 1
                st["consecutive_failures"] = n
                st["last_error"] = f.error or "error"
                st["last_error_at"] = at
                st["next_attempt_at"] = at + self._feed_backoff(n)
        schema = [("feed_url", STR), ("outlet", STR), ("kind", STR), ("etag", STR), ("last_modified", STR),
                  ("consecutive_failures", pa.int32()), ("next_attempt_at", TS), ("last_fetched_at", TS),
                  ("last_success_at", TS), ("last_error", STR), ("last_error_at", TS), ("first_seen_at", TS)]
        tbl = _table(list(states.values()), schema)
        with _registered(con, "in_sources", tbl):
            sets = ", ".join(f"{c} = excluded.{c}" for c, _ in schema if c not in ("feed_url", "first_seen_at"))
            con.execute(f"INSERT INTO sources BY NAME SELECT * FROM in_sources "
                        f"ON CONFLICT (feed_url) DO UPDATE SET {sets}")
        self._insert_log(con, log)

    def _feed_backoff(self, failures: int) -> timedelta:
        """How long a feed that failed ``failures`` times in a row is skipped: doubling, capped."""
        base = timedelta(minutes=self.settings.feed_backoff_minutes)
        return min(base * (2 ** (failures - 1)), timedelta(hours=self.settings.feed_backoff_max_hours))

    def _insert_log(self, con, rows: list[dict]) -> None:
        if not rows:
            return
        rows = _dedupe(rows, key=lambda r: (r["kind"], r["url"], r["fetched_at"]))
        tbl = _table(rows, LOG_COLS)
        with _registered(con, "in_log", tbl):
            # the same fetch (kind, url, instant) is logged once, however often a pass is loaded
            con.execute("""
                INSERT INTO fetch_log BY NAME
                SELECT * FROM in_log n
                WHERE NOT EXISTS (SELECT 1 FROM fetch_log f
                                  WHERE f.fetched_at = n.fetched_at AND f.url = n.url AND f.kind = n.kind)
            """)

    def _store_raw(self, con, raw: list[dict], ids: dict[str, str]) -> None:
        if not raw:
            return
        for r in raw:
            r["article_id"] = ids.get(r["url"]) or (ids.get(r["canonical_url"]) if r.get("canonical_url") else None)
        tbl = _table(raw, RAW_COLS)
        with _registered(con, "in_raw", tbl):
            sets = ", ".join(f"{c} = excluded.{c}" for c, _ in RAW_COLS if c != "url")
            con.execute(f"""
                INSERT INTO raw_pages BY NAME
                SELECT n.* FROM in_raw n LEFT JOIN raw_pages o ON o.url = n.url
                WHERE o.url IS NULL OR (n.fetched_at > o.fetched_at AND o.raw_sha1 <> n.raw_sha1)
                   OR (o.article_id IS NULL AND n.article_id IS NOT NULL)
                ON CONFLICT (url) DO UPDATE SET {sets}""")

    def _link_raw(self, con, pairs: list[dict]) -> None:
        if not pairs:
            return
        tbl = pa.table({"url": pa.array([p["url"] for p in pairs], STR),
                        "canonical_url": pa.array([p["canonical_url"] for p in pairs], STR)})
        with _registered(con, "in_link", tbl):
            con.execute("""
                UPDATE raw_pages SET article_id = au.article_id
                FROM in_link l JOIN article_urls au ON au.url = l.canonical_url
                WHERE raw_pages.url = l.url AND raw_pages.article_id IS DISTINCT FROM au.article_id""")

    def _upsert(self, con, run_id: str | None, prep: _Prepared, channels: list[str], counts: dict) -> None:
        now = _utcnow()
        rows = prep.articles
        ids: dict[str, str] = {}
        if rows:
            # resolve article ids through every URL form already known
            keys = list(dict.fromkeys(u for r in rows for u in r["aliases"]))
            known = dict(con.execute("SELECT url, article_id FROM article_urls WHERE url IN "
                                     "(SELECT unnest(?::VARCHAR[]))", [keys]).fetchall())
            for r in rows:
                r["article_id"] = (known.get(r["canonical_url"])
                                   or next((known[u] for u in r["aliases"] if u in known), None)
                                   or article_id_for(r["canonical_url"]))
            rows = _dedupe(rows, key=lambda r: r["article_id"], prefer=lambda r: r["fetched_at"])
            existing_ids = [r["article_id"] for r in rows]
            cur = con.execute("SELECT article_id, row_hash, is_alliance, canonical_url, first_seen_at, url, "
                              "first_run_id FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
                              [existing_ids])
            existing = {r[0]: r for r in cur.fetchall()}
            new_rows, changed_rows = [], []
            for r in rows:
                r["row_hash"] = _row_hash(r)
                r["updated_at"] = now
                r["last_run_id"] = run_id
                old = existing.get(r["article_id"])
                if old is None:
                    r["first_seen_at"] = now
                    r["first_run_id"] = run_id
                    new_rows.append(r)
                elif old[1] != r["row_hash"]:
                    r["was_alliance"] = bool(old[2])
                    r["first_seen_at"], r["url"], r["first_run_id"] = old[4], old[5], old[6]
                    # keep the stored canonical URL if the new one belongs to another article
                    if known.get(r["canonical_url"], r["article_id"]) != r["article_id"]:
                        r["canonical_url"] = old[3]
                    changed_rows.append(r)
            counts["articles_new"] += len(new_rows)
            counts["articles_updated"] += len(changed_rows)
            counts["articles_unchanged"] += len(rows) - len(new_rows) - len(changed_rows)
            counts["alliance_new"] += sum(1 for r in new_rows if r["is_alliance"]) + sum(
                1 for r in changed_rows if r["is_alliance"] and not r["was_alliance"])
            if new_rows:
                with _registered(con, "in_new", _table(new_rows, ARTICLE_COLS)):
                    con.execute("INSERT INTO articles BY NAME SELECT * REPLACE (evidence::JSON AS evidence) "
                                "FROM in_new")
            if changed_rows:
                upd_cols = [c for c, _ in ARTICLE_COLS if c not in ("article_id", "url", "first_seen_at",
                                                                     "first_run_id")]
                sets = ", ".join(f"{c} = u.{c}" + ("::JSON" if c == "evidence" else "") for c in upd_cols)
                with _registered(con, "in_upd", _table(changed_rows, ARTICLE_COLS)):
                    con.execute(f"UPDATE articles SET {sets} FROM in_upd u WHERE articles.article_id = u.article_id")
            touched = new_rows + changed_rows
            # every URL form -> article
            url_rows = _dedupe([{"url": u, "article_id": r["article_id"]} for r in rows
                                for u in r["aliases"] if u and u not in known],
                               key=lambda x: x["url"])
            if url_rows:
                with _registered(con, "in_urls", _table(url_rows, [("url", STR), ("article_id", STR)])):
                    con.execute("INSERT OR IGNORE INTO article_urls BY NAME SELECT * FROM in_urls")
            for r in rows:
                for u in r["aliases"]:
                    ids.setdefault(u, known.get(u) or r["article_id"])
            if touched:
                self._store_children(con, run_id, touched, now)
            self._stories(con, run_id, touched, channels, now, counts)
        self._store_raw(con, prep.raw, ids)

    def _store_children(self, con, run_id, touched: list[dict], now: datetime) -> None:
        ids = [r["article_id"] for r in touched]
        vers = [{"article_id": r["article_id"], "extractor_version": r["extractor_version"] or "",
                 "content_hash": r["content_hash"], "title": r["title"], "is_alliance": r["is_alliance"],
                 "score": r["score"], "recorded_at": now, "run_id": run_id} for r in touched]
        with _registered(con, "in_vers", _table(vers, [
                ("article_id", STR), ("extractor_version", STR), ("content_hash", STR), ("title", STR),
                ("is_alliance", pa.bool_()), ("score", pa.float64()), ("recorded_at", TS), ("run_id", STR)])):
            con.execute("INSERT OR IGNORE INTO article_versions BY NAME SELECT * FROM in_vers")
        orgs = _dedupe([o for r in touched for o in r["orgs"]], key=lambda o: o["org"],
                       prefer=lambda o: (bool(o["resolved"]), o["org_type"] is not None))
        if orgs:
            tbl = _table([dict(o, first_seen_at=now) for o in orgs],
                         [("org", STR), ("resolved", pa.bool_()), ("org_type", STR), ("first_seen_at", TS)])
            with _registered(con, "in_orgs", tbl):
                con.execute("""INSERT INTO organisations BY NAME SELECT * FROM in_orgs
                               ON CONFLICT (org) DO UPDATE SET resolved = organisations.resolved OR excluded.resolved,
                               org_type = coalesce(organisations.org_type, excluded.org_type)""")
        con.execute("DELETE FROM article_orgs WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        con.execute("DELETE FROM article_events WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        ao = [{"article_id": r["article_id"], "org": o["org"], "mentions": o["mentions"]}
              for r in touched for o in r["orgs"]]
        if ao:
            with _registered(con, "in_ao", _table(ao, [("article_id", STR), ("org", STR), ("mentions", pa.int32())])):
                con.execute("INSERT INTO article_orgs BY NAME SELECT * FROM in_ao")
        ev = [dict(e, article_id=r["article_id"]) for r in touched for e in r["events"]]
        if ev:
            with _registered(con, "in_ev", _table(ev, [
                    ("article_id", STR), ("seq", pa.int32()), ("is_main", pa.bool_()), ("alliance", STR),
                    ("event", STR), ("event_date", pa.date32()), ("orgs", STRS), ("evidence", STR)])):
                con.execute("INSERT INTO article_events BY NAME SELECT * FROM in_ev")

    # -- internals: stories and outbox ----------------------------------------------------------------

    def _stories(self, con, run_id, touched: list[dict], channels: list[str], now: datetime, counts: dict) -> None:
        if not touched:
            return
        params = self.story_params
        ids = [r["article_id"] for r in touched]
        # articles that are no longer alliance leave their story (sent alerts stay as history)
        gone = [r["article_id"] for r in touched if not r["is_alliance"]]
        if gone:
            con.execute("DELETE FROM story_articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [gone])
            con.execute("DELETE FROM article_sketches WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [gone])
            con.execute("""UPDATE alerts SET status = 'cancelled', last_error = 'story no longer an alliance story'
                           WHERE status = 'pending' AND story_id NOT IN
                             (SELECT sa.story_id FROM story_articles sa JOIN articles a USING (article_id)
                              WHERE a.is_alliance)""")
        alliance = [r for r in touched if r["is_alliance"]]
        if not alliance:
            return
        docs = []
        for r in alliance:
            pub = r["published_date"] or _kst_date(r["fetched_at"]) or now.astimezone(KST).date()
            r["pub_date"] = pub
            docs.append(StoryDoc(article_id=r["article_id"], pub_date=pub, sketch=r["sketch"],
                                 orgs=frozenset(r["story_orgs"]), alliance=r["alliance"], event=r["event"],
                                 event_date=r["event_date"], published_at=r["published_at"]))
        sk = [{"article_id": r["article_id"], "pub_date": r["pub_date"], "sketch_version": similarity.SKETCH_VERSION,
               "sketch": r["sketch"].tolist(), "orgs": r["story_orgs"], "alliance": r["alliance"],
               "event": r["event"], "event_date": r["event_date"]} for r in alliance]
        with _registered(con, "in_sk", _table(sk, SKETCH_COLS)):
            con.execute("INSERT OR REPLACE INTO article_sketches BY NAME SELECT * FROM in_sk")
        in_story = {r[0] for r in con.execute(
            "SELECT article_id FROM story_articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids]).fetchall()}
        docs = [d for d in docs if d.article_id not in in_story]
        if not docs:
            return
        # the stored window: story members published within `window` days of a new article
        w = params.window
        days = sorted({d.pub_date + timedelta(days=k) for d in docs for k in range(-w, w + 1)})
        cur = con.execute("""
            SELECT s.article_id, s.pub_date, s.sketch, s.orgs, s.alliance, s.event, s.event_date, sa.story_id,
                   s.sketch_version
            FROM article_sketches s JOIN story_articles sa USING (article_id)
            WHERE s.pub_date IN (SELECT unnest(?::DATE[]))""", [days])
        stored = []
        for aid, pub, sketch, orgs, al, ev, evd, sid, sv in cur.fetchall():
            if sv != similarity.SKETCH_VERSION:
                continue    # made with other parameters: not comparable (reprocess recomputes them)
            stored.append(StoryDoc(aid, pub, np.asarray(sketch, dtype=np.uint32), frozenset(orgs or []), al, ev, evd,
                                   story_id=sid))
        counts["stories_window"] = counts.get("stories_window", 0) + len(stored)
        index = StoryIndex(stored, params)
        by_id = {r["article_id"]: r for r in alliance}
        new_stories, members, alerts = [], [], []
        for doc, match in index.assign(docs):
            r = by_id[doc.article_id]
            if match is None:
                new_stories.append({
                    "story_id": doc.story_id, "lead_article_id": doc.article_id, "title": r["title"], "url": r["url"],
                    "outlet": r["outlet"], "alliance": r["alliance"], "event": r["event"],
                    "event_date": r["event_date"], "orgs": r["story_orgs"], "first_published_at": r["published_at"],
                    "created_at": now, "run_id": run_id})
                members.append({"article_id": doc.article_id, "story_id": doc.story_id, "similarity": None,
                                "reason": "lead", "joined_at": now, "run_id": run_id})
                alerts.extend({"alert_id": alert_id_for(doc.story_id, ch), "story_id": doc.story_id, "channel": ch,
                               "status": "pending", "created_at": now, "run_id": run_id, "attempts": 0}
                              for ch in channels)
            else:
                members.append({"article_id": doc.article_id, "story_id": match.story_id,
                                "similarity": round(match.score, 4), "reason": match.reason, "joined_at": now,
                                "run_id": run_id})
                counts["stories_joined"] += 1
        if new_stories:
            # a story may already exist under this id (its lead left it and came back): reuse it
            with _registered(con, "in_st", _table(new_stories, [
                    ("story_id", STR), ("lead_article_id", STR), ("title", STR), ("url", STR), ("outlet", STR),
                    ("alliance", STR), ("event", STR), ("event_date", pa.date32()), ("orgs", STRS),
                    ("first_published_at", TS), ("created_at", TS), ("run_id", STR)])):
                fresh = con.execute("SELECT count(*) FROM in_st WHERE story_id NOT IN (SELECT story_id FROM stories)"
                                    ).fetchall()[0][0]
                con.execute("INSERT OR IGNORE INTO stories BY NAME SELECT * FROM in_st")
            counts["stories_new"] += int(fresh)
        if members:
            with _registered(con, "in_sa", _table(members, [
                    ("article_id", STR), ("story_id", STR), ("similarity", pa.float64()), ("reason", STR),
                    ("joined_at", TS), ("run_id", STR)])):
                con.execute("INSERT OR REPLACE INTO story_articles BY NAME SELECT * FROM in_sa")
                # a story's first publication is its earliest member's
                con.execute("""
                    UPDATE stories SET first_published_at = m.first_pub FROM (
                        SELECT sa.story_id, min(a.published_at) AS first_pub FROM story_articles sa
                        JOIN articles a USING (article_id)
                        WHERE sa.story_id IN (SELECT story_id FROM in_sa) GROUP BY sa.story_id) m
                    WHERE stories.story_id = m.story_id
                      AND m.first_pub < coalesce(stories.first_published_at, TIMESTAMPTZ '9999-01-01')""")
        if alerts:
            with _registered(con, "in_al", _table(alerts, [
                    ("alert_id", STR), ("story_id", STR), ("channel", STR), ("status", STR), ("created_at", TS),
                    ("run_id", STR), ("attempts", pa.int32())])):
                created = con.execute("SELECT count(*) FROM in_al WHERE alert_id NOT IN (SELECT alert_id FROM alerts)"
                                      ).fetchall()[0][0]
                con.execute("INSERT OR IGNORE INTO alerts BY NAME SELECT * FROM in_al")
            counts["alerts_created"] += int(created)

    # -- internals: delivery journal ---------------------------------------------------------------

    @contextmanager
    def _journal_lock(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".deliveries.lock")
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _journal_append(self, entries: list[dict]) -> None:
        with self._journal_lock(), open(self.journal_path, "a", encoding="utf-8") as fh:
            for e in entries:
                fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _journal_entries(self) -> list[dict]:
        try:
            text = self.journal_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue    # a line cut by a crash: its send is retried (never lost)
        return out

    def _journal_forget(self, applied: list[dict]) -> None:
        keys = {(e["alert_id"], e["at"], e["ok"]) for e in applied}
        with self._journal_lock():
            rest = [e for e in self._journal_entries() if (e["alert_id"], e["at"], e["ok"]) not in keys]
            if rest:
                tmp = self.journal_path.with_suffix(".tmp")
                tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in rest), encoding="utf-8")
                os.replace(tmp, self.journal_path)
            else:
                self.journal_path.unlink(missing_ok=True)

    def _apply_deliveries(self, con, entries: list[dict]) -> None:
        """Idempotent: a success marks the alert sent once; a failure counts once per attempt time."""
        for e in sorted(entries, key=lambda e: e["at"]):
            at = datetime.fromisoformat(e["at"])
            if e["ok"]:
                con.execute("""UPDATE alerts SET status = 'sent', sent_at = ?, response = ?, attempts = attempts + 1,
                               last_attempt_at = ? WHERE alert_id = ? AND status <> 'sent'""",
                            [at, e.get("response"), at, e["alert_id"]])
            else:
                con.execute("""UPDATE alerts SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?,
                               status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE status END
                               WHERE alert_id = ? AND status = 'pending'
                                 AND (last_attempt_at IS NULL OR last_attempt_at < ?)""",
                            [at, (e.get("error") or "delivery failed")[:2000], int(e["max_attempts"]),
                             e["alert_id"], at])


def _empty_counts() -> dict:
    return {"articles_new": 0, "articles_updated": 0, "articles_unchanged": 0, "alliance_new": 0,
            "stories_new": 0, "stories_joined": 0, "alerts_created": 0, "pages_failed": 0, "feeds_failed": 0}


def _since_ts(since: date | None) -> datetime:
    return datetime.combine(since, datetime.min.time(), KST) if since else datetime(1970, 1, 1, tzinfo=UTC)


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")
