"""Read-only queries behind `radar report` and `radar feed`: the public views in, plain dicts out.

Everything here reads the views the README documents (alliance_stories, alliance_events,
alliance_news, alliance_members, source_health), plus the organisations table for each
organisation's type (no view carries it). Views may grow columns between versions, so rows are
read with ``SELECT *`` and picked by name by the caller (``alliance_members`` may carry
``basis``, ``first_reported_on`` and ``left_on``). One read-only connection per call, closed at
once, so a running flow is never blocked for longer than the queries take.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from .connection import read_only_connection
from .errors import WarehouseError

STORIES_SQL = "SELECT * FROM alliance_stories"          # newest first (the view's order)

FEED_STORIES_SQL = """
SELECT * FROM alliance_stories
ORDER BY coalesce(first_published_at, created_at) DESC, story_id
LIMIT ?"""

# one row per event found in a kept article, with the article it came from and that article's story
EVENTS_SQL = """
SELECT e.alliance, e.event, e.event_date, e.orgs, e.article_id, e.evidence,
       n.title, n.url, n.outlet, n.published_at, n.story_id
FROM alliance_events e
JOIN alliance_news n USING (article_id)
ORDER BY e.event_date NULLS LAST, n.published_at, e.article_id"""

# every member row as the view has it (m.*), with the article that shows the membership
MEMBERS_SQL = """
SELECT m.*, n.title AS evidence_title, n.url AS evidence_url, n.outlet AS evidence_outlet,
       n.published_at AS evidence_published_at, n.story_id AS evidence_story_id
FROM alliance_members m
LEFT JOIN alliance_news n USING (article_id)
ORDER BY m.alliance, m.joined_on, m.org"""

ORG_TYPES_SQL = "SELECT org, org_type FROM organisations"

SOURCES_SQL = "SELECT * FROM source_health"


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _listify(rows: list[dict], *keys: str) -> list[dict]:
    for r in rows:
        for k in keys:
            if k in r:
                r[k] = list(r[k] or [])
    return rows


def _open(path: str | os.PathLike, wait_seconds: float):
    return read_only_connection(Path(path), wait_seconds=wait_seconds)


def _failed(path, exc: duckdb.Error) -> WarehouseError:
    first = str(exc).strip().splitlines()[0]
    return WarehouseError(f"{path}: cannot read the alliance-radar views ({first}); is it an alliance-radar "
                          f"warehouse? `radar run` or `radar demo` creates one")


def report_rows(path: str | os.PathLike, *, wait_seconds: float = 30.0) -> dict[str, list[dict]]:
    """Every row the report draws: stories, events, members, organisation types, source health."""
    con = _open(path, wait_seconds)
    try:
        try:
            stories = _listify(_rows(con, STORIES_SQL), "orgs", "outlets", "urls")
            events = _listify(_rows(con, EVENTS_SQL), "orgs")
            members = _rows(con, MEMBERS_SQL)
            sources = _rows(con, SOURCES_SQL)
        except duckdb.Error as exc:
            raise _failed(path, exc) from exc
        try:
            org_types = {org: kind for org, kind in con.execute(ORG_TYPES_SQL).fetchall()}
        except duckdb.Error:
            org_types = {}      # a view-only copy of the warehouse: types unknown, the report still draws
    finally:
        con.close()
    return {"stories": stories, "events": events, "members": members, "org_types": org_types,
            "sources": sources}


def feed_rows(path: str | os.PathLike, *, limit: int = 200, wait_seconds: float = 30.0) -> list[dict]:
    """The newest ``limit`` alliance stories (all when limit <= 0), newest first."""
    con = _open(path, wait_seconds)
    try:
        try:
            rows = _rows(con, FEED_STORIES_SQL, [limit if limit > 0 else 2**62])
        except duckdb.Error as exc:
            raise _failed(path, exc) from exc
    finally:
        con.close()
    return _listify(rows, "orgs", "outlets", "urls")
