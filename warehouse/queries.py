"""Read queries over one read-only connection: ad-hoc SQL, stories for digests and run summaries, the
alliance timeline, stored raw pages. (What to fetch is in sources.py, what to alert in outbox.py.)"""
from __future__ import annotations

import zlib
from datetime import date, datetime

import duckdb

from extractors.models import KST

from .errors import QueryError
from .records import AllianceTimeline, Member, RawPage, StoryArticle, StoryRow
from .rows import UTC, entry_from_json

# the alliance_stories columns a StoryRow holds, named (the view may grow columns)
STORY_COLUMNS = ("story_id", "title", "url", "outlet", "alliance", "event", "event_date", "orgs",
                 "first_published_at", "last_published_at", "article_count", "outlet_count", "outlets", "urls",
                 "created_at", "alerted")
_STORY_SELECT = ", ".join(f"st.{c}" for c in STORY_COLUMNS)


def run_query(con, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    try:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cur.description else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc
    return cols, rows


def story_row(values: tuple, **extra) -> StoryRow:
    """A StoryRow from the STORY_COLUMNS values of one alliance_stories row."""
    d = dict(zip(STORY_COLUMNS, values))
    for k in ("orgs", "outlets", "urls"):
        d[k] = tuple(d[k] or ())
    return StoryRow(**d, **extra)


def stories_between(con, start: datetime, end: datetime) -> list[StoryRow]:
    """Stories that appeared, or that new outlets joined, in [start, end), each with its articles."""
    rows = con.execute(f"""
        SELECT {_STORY_SELECT}, (st.created_at >= ? AND st.created_at < ?) AS is_new_story
        FROM alliance_stories st
        WHERE st.story_id IN (SELECT story_id FROM story_articles WHERE joined_at >= ? AND joined_at < ?)
        ORDER BY st.first_published_at NULLS LAST, st.story_id
    """, [start, end, start, end]).fetchall()
    if not rows:
        return []
    members = con.execute("""
        SELECT sa.story_id, a.article_id, a.outlet, a.title, a.url, a.published_at, sa.joined_at, sa.reason
        FROM story_articles sa JOIN articles a USING (article_id)
        WHERE sa.story_id IN (SELECT unnest(?::VARCHAR[])) AND a.is_alliance
        ORDER BY a.published_at NULLS LAST, a.article_id
    """, [[r[0] for r in rows]]).fetchall()
    by_story: dict[str, list[StoryArticle]] = {}
    for sid, aid, outlet, title, url, pub, joined, reason in members:
        by_story.setdefault(sid, []).append(StoryArticle(
            article_id=aid, outlet=outlet, title=title, url=url, published_at=pub, joined_at=joined,
            reason=reason, is_new=start <= joined < end))
    return [story_row(r[:-1], is_new_story=bool(r[-1]), articles=tuple(by_story.get(r[0], ()))) for r in rows]


def stories_for_run(con, run_id: str) -> list[StoryRow]:
    """The stories a run created (for the run's summary)."""
    rows = con.execute(f"SELECT {_STORY_SELECT} FROM alliance_stories st JOIN stories s USING (story_id) "
                       f"WHERE s.run_id = ? ORDER BY st.first_published_at NULLS LAST, st.story_id", [run_id])
    return [story_row(r) for r in rows.fetchall()]


def alliance_timeline(con) -> list[AllianceTimeline]:
    """Per alliance, its members in the order the news shows them joining."""
    rows = con.execute("""
        SELECT m.alliance, m.org, m.joined_on, m.article_id, a.title, a.outlet, a.url
        FROM alliance_members m LEFT JOIN articles a USING (article_id)
        ORDER BY m.alliance, m.joined_on, m.org
    """).fetchall()
    members: dict[str, list[Member]] = {}
    for alliance, org, joined_on, aid, title, outlet, url in rows:
        members.setdefault(alliance, []).append(Member(org=org, joined_on=joined_on, article_id=aid, title=title,
                                                       outlet=outlet, url=url))
    return [AllianceTimeline(alliance=name, first_seen=found[0].joined_on, members=tuple(found))
            for name, found in members.items()]


def since_instant(since: date | None) -> datetime:
    """The start of a KST day (the epoch for None)."""
    return datetime.combine(since, datetime.min.time(), KST) if since else datetime(1970, 1, 1, tzinfo=UTC)


def raw_page_count(con, since: date | None) -> int:
    return con.execute("SELECT count(*) FROM raw_pages WHERE fetched_at >= ?", [since_instant(since)]).fetchall()[0][0]


RAW_PAGE_SELECT = ("SELECT r.url, r.feed_url, r.fetched_at, r.http_status, r.content_type, r.compression, r.raw, "
                   "r.entry, r.article_id, r.error, s.outlet "
                   "FROM raw_pages r LEFT JOIN sources s USING (feed_url) WHERE r.fetched_at >= ?")


def raw_page_chunk(con, since: date | None, after: tuple[datetime, str] | None, limit: int) -> list[RawPage]:
    """Up to ``limit`` stored raw pages fetched on/after ``since``, oldest first, strictly after the
    (fetched_at, url) key ``after``; each decompressed, with its feed item and its feed's outlet."""
    if after is None:
        rows = con.execute(f"{RAW_PAGE_SELECT} ORDER BY r.fetched_at, r.url LIMIT ?",
                           [since_instant(since), limit]).fetchall()
    else:
        rows = con.execute(f"{RAW_PAGE_SELECT} AND (r.fetched_at > ? OR (r.fetched_at = ? AND r.url > ?)) "
                           f"ORDER BY r.fetched_at, r.url LIMIT ?",
                           [since_instant(since), after[0], after[0], after[1], limit]).fetchall()
    return [RawPage(url=url, feed_url=feed_url, fetched_at=fetched_at, http_status=status, content_type=ctype,
                    raw_html=zlib.decompress(raw) if comp == "zlib" else bytes(raw), entry=entry_from_json(entry),
                    feed_outlet=feed_outlet, article_id=aid, error=error)
            for url, feed_url, fetched_at, status, ctype, comp, raw, entry, aid, error, feed_outlet in rows]
