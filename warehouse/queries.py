"""Read queries over one read-only connection: ad-hoc SQL, stories for digests and run summaries, the
alliance timeline, stored raw pages. (What to fetch is in sources.py, what to alert in outbox.py.)"""
from __future__ import annotations

import zlib
from datetime import date, datetime

import duckdb

from extractors.models import KST

from .errors import QueryError
from .rows import UTC, entry_from_json


def run_query(con, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    try:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cur.description else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc
    return cols, rows


def _dicts(cur) -> list[dict]:
    cols = [d[0] for d in cur.description]
    out = [dict(zip(cols, r)) for r in cur.fetchall()]
    for d in out:
        for k in ("outlets", "orgs", "urls"):
            if k in d:
                d[k] = list(d[k] or [])
    return out


def stories_between(con, start: datetime, end: datetime) -> list[dict]:
    """Stories that appeared, or that new outlets joined, in [start, end), each with its articles."""
    stories = _dicts(con.execute("""
        SELECT st.*, (st.created_at >= ? AND st.created_at < ?) AS is_new_story
        FROM alliance_stories st
        WHERE st.story_id IN (SELECT story_id FROM story_articles WHERE joined_at >= ? AND joined_at < ?)
        ORDER BY st.first_published_at NULLS LAST, st.story_id
    """, [start, end, start, end]))
    if not stories:
        return []
    rows = con.execute("""
        SELECT sa.story_id, a.article_id, a.outlet, a.title, a.url, a.published_at, sa.joined_at, sa.reason
        FROM story_articles sa JOIN articles a USING (article_id)
        WHERE sa.story_id IN (SELECT unnest(?::VARCHAR[])) AND a.is_alliance
        ORDER BY a.published_at NULLS LAST, a.article_id
    """, [[s["story_id"] for s in stories]]).fetchall()
    by_story: dict[str, list[dict]] = {}
    for sid, aid, outlet, title, url, pub, joined, reason in rows:
        by_story.setdefault(sid, []).append({
            "article_id": aid, "outlet": outlet, "title": title, "url": url, "published_at": pub,
            "joined_at": joined, "reason": reason, "is_new": start <= joined < end})
    for s in stories:
        s["articles"] = by_story.get(s["story_id"], [])
    return stories


def stories_for_run(con, run_id: str) -> list[dict]:
    """The stories a run created (for the run's summary), as rows of alliance_stories."""
    return _dicts(con.execute("SELECT st.* FROM alliance_stories st JOIN stories s USING (story_id) "
                              "WHERE s.run_id = ? ORDER BY st.first_published_at NULLS LAST, st.story_id", [run_id]))


def alliance_timeline(con) -> list[dict]:
    """Per alliance, its members in the order the news shows them joining."""
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


def since_instant(since: date | None) -> datetime:
    """The start of a KST day (the epoch for None)."""
    return datetime.combine(since, datetime.min.time(), KST) if since else datetime(1970, 1, 1, tzinfo=UTC)


def raw_page_count(con, since: date | None) -> int:
    return con.execute("SELECT count(*) FROM raw_pages WHERE fetched_at >= ?", [since_instant(since)]).fetchall()[0][0]


RAW_PAGE_SELECT = ("SELECT r.url, r.feed_url, r.fetched_at, r.http_status, r.content_type, r.compression, r.raw, "
                   "r.entry, r.article_id, r.error, s.outlet "
                   "FROM raw_pages r LEFT JOIN sources s USING (feed_url) WHERE r.fetched_at >= ?")


def raw_page_chunk(con, since: date | None, after: tuple[datetime, str] | None, limit: int) -> list[dict]:
    """Up to ``limit`` stored raw pages fetched on/after ``since``, oldest first, strictly after the
    (fetched_at, url) key ``after``; each decompressed, with its feed item and its feed's outlet."""
    if after is None:
        rows = con.execute(f"{RAW_PAGE_SELECT} ORDER BY r.fetched_at, r.url LIMIT ?",
                           [since_instant(since), limit]).fetchall()
    else:
        rows = con.execute(f"{RAW_PAGE_SELECT} AND (r.fetched_at > ? OR (r.fetched_at = ? AND r.url > ?)) "
                           f"ORDER BY r.fetched_at, r.url LIMIT ?",
                           [since_instant(since), after[0], after[0], after[1], limit]).fetchall()
    return [{"url": url, "feed_url": feed_url, "fetched_at": fetched_at, "http_status": status,
             "content_type": ctype, "raw_html": zlib.decompress(raw) if comp == "zlib" else bytes(raw),
             "entry": entry_from_json(entry), "feed_outlet": feed_outlet, "article_id": aid, "error": error}
            for url, feed_url, fetched_at, status, ctype, comp, raw, entry, aid, error, feed_outlet in rows]
