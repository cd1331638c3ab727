"""What to poll and what to fetch: per-feed state, the backoff policy, the fetch log, URLs not worth a fetch.

Backoff: a feed that fails ``n`` times in a row is skipped until ``feed_backoff(n)`` after its last
attempt — ``feed_backoff_minutes`` doubled per failure, capped at ``feed_backoff_max_hours``
([warehouse] settings); one success (or a 304) resets it. A page is not fetched again when any URL
form of it is stored, when it failed permanently (4xx except 408/429, not_html, no_article, binary,
too_large) or when it failed three times.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pyarrow as pa

from extractors.models import FeedFetch, FeedState
from settings import WarehouseSettings

from .rows import LOG_COLS, STR, TS, arrow_table, aware, dedupe, reason_code, registered

PERMANENT_PAGE_REASONS = frozenset({"not_html", "no_article", "binary", "too_large"})
SOURCE_COLS = [("feed_url", STR), ("outlet", STR), ("kind", STR), ("etag", STR), ("last_modified", STR),
               ("consecutive_failures", pa.int32()), ("next_attempt_at", TS), ("last_fetched_at", TS),
               ("last_success_at", TS), ("last_error", STR), ("last_error_at", TS), ("first_seen_at", TS)]


def feed_backoff(failures: int, settings: WarehouseSettings) -> timedelta:
    """How long a feed that failed ``failures`` times in a row is skipped: doubling, capped."""
    base = timedelta(minutes=settings.feed_backoff_minutes)
    return min(base * (2 ** (failures - 1)), timedelta(hours=settings.feed_backoff_max_hours))


def feed_states(con) -> dict[str, FeedState]:
    rows = con.execute("SELECT feed_url, etag, last_modified, consecutive_failures, next_attempt_at, "
                       "last_success_at, last_error FROM sources").fetchall()
    return {r[0]: FeedState(feed_url=r[0], etag=r[1], last_modified=r[2], consecutive_failures=r[3] or 0,
                            next_attempt_at=r[4], last_success_at=r[5], last_error=r[6]) for r in rows}


def known_urls(con, urls: list[str]) -> set[str]:
    """Of ``urls``, those not worth fetching again (see the module doc)."""
    reasons = sorted(PERMANENT_PAGE_REASONS)
    with registered(con, "q_urls", pa.table({"url": pa.array(urls, STR)})):
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


def transient_page_failure(reason: str | None, http_status: int | None) -> bool:
    """A page failure worth another try (timeout, 5xx, connection): not permanent in ``known_urls``' sense."""
    return reason not in PERMANENT_PAGE_REASONS and not (
        http_status is not None and 400 <= http_status <= 499 and http_status not in (408, 429))


def feeds_with_pages_to_retry(con, run_id: str) -> set[str]:
    """The feeds one of whose pages failed in this run for a reason worth another try: the pages are loaded
    batch by batch before the feed polls are recorded, so the polls ask the fetch log."""
    rows = con.execute("SELECT DISTINCT feed_url, reason, http_status FROM fetch_log "
                       "WHERE run_id = ? AND kind = 'page' AND status = 'error' AND feed_url IS NOT NULL",
                       [run_id]).fetchall()
    return {feed for feed, reason, status in rows if transient_page_failure(reason, status)}


def apply_feed_fetches(con, run_id: str | None, feeds: Iterable[FeedFetch], settings: WarehouseSettings,
                       retry_pages_of: frozenset[str] | set[str] = frozenset()) -> None:
    """Each poll updates its feed's state (validators, failures, backoff) and goes to the fetch log.
    A poll already applied (the same pass loaded twice) changes nothing. A feed in ``retry_pages_of`` (one of
    its new pages failed for a reason worth another try) keeps no validators: its next poll is a full GET, so
    the failed page is listed — and fetched — again instead of being hidden behind a 304."""
    feeds = sorted(feeds, key=lambda f: (aware(f.fetched_at), f.feed_url))
    if not feeds:
        return
    urls = list(dict.fromkeys(f.feed_url for f in feeds))
    cols = [c for c, _ in SOURCE_COLS]
    cur = con.execute(f"SELECT {', '.join(cols)} FROM sources WHERE feed_url IN (SELECT unnest(?::VARCHAR[]))",
                      [urls])
    states = {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
    log = []
    for f in feeds:
        at = aware(f.fetched_at)
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
            if f.status == "ok" and f.feed_url in retry_pages_of:
                st["etag"], st["last_modified"] = None, None
            elif f.status == "ok":
                st["etag"], st["last_modified"] = f.etag, f.last_modified
            else:
                st["etag"] = f.etag or st.get("etag")
                st["last_modified"] = f.last_modified or st.get("last_modified")
        elif f.status == "error":
            n = int(st.get("consecutive_failures") or 0) + 1
            st["consecutive_failures"] = n
            st["last_error"] = f.error or "error"
            st["last_error_at"] = at
            st["next_attempt_at"] = at + feed_backoff(n, settings)
    with registered(con, "in_sources", arrow_table(list(states.values()), SOURCE_COLS)):
        sets = ", ".join(f"{c} = excluded.{c}" for c, _ in SOURCE_COLS if c not in ("feed_url", "first_seen_at"))
        con.execute(f"INSERT INTO sources BY NAME SELECT * FROM in_sources "
                    f"ON CONFLICT (feed_url) DO UPDATE SET {sets}")
    insert_fetch_log(con, log)


def insert_fetch_log(con, rows: list[dict]) -> None:
    """Feed polls and page fetches; the same fetch (kind, url, instant) is logged once, however often
    a pass is loaded."""
    if not rows:
        return
    rows = dedupe(rows, key=lambda r: (r["kind"], r["url"], r["fetched_at"]))
    with registered(con, "in_log", arrow_table(rows, LOG_COLS)):
        con.execute("""
            INSERT INTO fetch_log BY NAME
            SELECT * FROM in_log n
            WHERE NOT EXISTS (SELECT 1 FROM fetch_log f
                              WHERE f.fetched_at = n.fetched_at AND f.url = n.url AND f.kind = n.kind)
        """)
