"""Loads: one pass (or one reprocessed batch) into the database inside the caller's single transaction.

``write_pass``: feed states and the fetch log, the alert channels in use, then ``upsert_articles``:
articles (one row per canonical URL; an unchanged row is not rewritten, see ``rows.row_hash``), their
version history, organisations and events, their stories and alerts (``stories.assign_stories``), and
the raw pages. ``write_reprocessed`` is the same for re-extracted pages, without fetch log or raw pages.
All CPU work (hashing, sketches, compression) was done before by ``rows.prepare``.
"""
from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from extractors.models import FeedFetch
from settings import WarehouseSettings

from .clustering import StoryParams
from .rows import (
    ARTICLE_COLS,
    EVENT_COLS,
    EVENT_ORG_COLS,
    RAW_COLS,
    STR,
    TS,
    Prepared,
    arrow_table,
    article_id_for,
    dedupe,
    registered,
    row_hash,
    utcnow,
)
from .sources import apply_feed_fetches, feeds_with_pages_to_retry, insert_fetch_log
from .stories import KeptIndex, assign_stories


def empty_counts() -> dict:
    return {"articles_new": 0, "articles_updated": 0, "articles_unchanged": 0, "alliance_new": 0,
            "stories_new": 0, "stories_joined": 0, "alerts_created": 0, "pages_failed": 0, "feeds_failed": 0}


def write_pass(con, run_id: str, feeds: list[FeedFetch], prep: Prepared, channels: list[str], counts: dict,
               settings: WarehouseSettings, story_params: StoryParams, kept: KeptIndex | None = None) -> None:
    insert_fetch_log(con, prep.page_log)
    # a feed whose page failed for a transient reason keeps no validators, so the next poll lists the page again
    retry = feeds_with_pages_to_retry(con, run_id) if (feeds and run_id) else set()
    apply_feed_fetches(con, run_id, feeds, settings, retry)
    channels = list(dict.fromkeys(channels or []))
    if channels:
        now = utcnow()
        con.execute("INSERT INTO alert_channels SELECT unnest(?::VARCHAR[]), ?, ? ON CONFLICT (channel) "
                    "DO UPDATE SET last_used_at = excluded.last_used_at", [channels, now, now])
    upsert_articles(con, run_id, prep, channels, counts, story_params, kept)


def write_reprocessed(con, prep: Prepared, channels: list[str] | None, counts: dict,
                      story_params: StoryParams) -> None:
    """``channels`` None: the channels the latest load was given."""
    if channels is None:
        channels = [r[0] for r in con.execute(
            "SELECT channel FROM alert_channels WHERE last_used_at = (SELECT max(last_used_at) "
            "FROM alert_channels) ORDER BY 1").fetchall()]
    upsert_articles(con, None, prep, list(dict.fromkeys(channels)), counts, story_params)
    # link raw pages that became articles
    link_raw_pages(con, [{"url": r["page_url"], "canonical_url": r["canonical_url"]} for r in prep.articles])


def prune_raw_pages(con, older_than: datetime) -> int:
    """Delete raw HTML fetched before ``older_than``; articles stay. Returns the pages deleted."""
    n = con.execute("SELECT count(*) FROM raw_pages WHERE fetched_at < ?", [older_than]).fetchall()[0][0]
    if n:
        con.execute("DELETE FROM raw_pages WHERE fetched_at < ?", [older_than])
    return int(n)


def upsert_articles(con, run_id: str | None, prep: Prepared, channels: list[str], counts: dict,
                    story_params: StoryParams, kept: KeptIndex | None = None) -> None:
    """Articles (one row per canonical URL, ids resolved through every URL form known), their history,
    organisations and events, their stories and alerts, and the raw pages they came from."""
    now = utcnow()
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
        rows = dedupe(rows, key=lambda r: r["article_id"], prefer=lambda r: r["fetched_at"])
        existing_ids = [r["article_id"] for r in rows]
        cur = con.execute("SELECT article_id, row_hash, is_alliance, canonical_url, first_seen_at, url, "
                          "first_run_id FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
                          [existing_ids])
        existing = {r[0]: r for r in cur.fetchall()}
        new_rows, changed_rows = [], []
        for r in rows:
            r["row_hash"] = r.get("row_hash") or row_hash(r)   # rows.article_row hashed it already
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
            with registered(con, "in_new", arrow_table(new_rows, ARTICLE_COLS)):
                con.execute("INSERT INTO articles BY NAME SELECT * REPLACE (evidence::JSON AS evidence) "
                            "FROM in_new")
        if changed_rows:
            upd_cols = [c for c, _ in ARTICLE_COLS if c not in ("article_id", "url", "first_seen_at",
                                                                 "first_run_id")]
            sets = ", ".join(f"{c} = u.{c}" + ("::JSON" if c == "evidence" else "") for c in upd_cols)
            with registered(con, "in_upd", arrow_table(changed_rows, ARTICLE_COLS)):
                con.execute(f"UPDATE articles SET {sets} FROM in_upd u WHERE articles.article_id = u.article_id")
        touched = new_rows + changed_rows
        # every URL form -> article
        url_rows = dedupe([{"url": u, "article_id": r["article_id"]} for r in rows
                           for u in r["aliases"] if u and u not in known],
                          key=lambda x: x["url"])
        if url_rows:
            with registered(con, "in_urls", arrow_table(url_rows, [("url", STR), ("article_id", STR)])):
                con.execute("INSERT OR IGNORE INTO article_urls BY NAME SELECT * FROM in_urls")
        for r in rows:
            for u in r["aliases"]:
                ids.setdefault(u, known.get(u) or r["article_id"])
        if touched:
            _store_children(con, run_id, touched, now)
        assign_stories(con, run_id, touched, channels, now, counts, story_params, kept)
    store_raw_pages(con, prep.raw, ids)


def _store_children(con, run_id: str | None, touched: list[dict], now: datetime) -> None:
    """Version history, organisations, article_orgs, article_events and event_orgs of the touched articles."""
    ids = [r["article_id"] for r in touched]
    vers = [{"article_id": r["article_id"], "extractor_version": r["extractor_version"] or "",
             "content_hash": r["content_hash"], "title": r["title"], "is_alliance": r["is_alliance"],
             "score": r["score"], "recorded_at": now, "run_id": run_id} for r in touched]
    with registered(con, "in_vers", arrow_table(vers, [
            ("article_id", STR), ("extractor_version", STR), ("content_hash", STR), ("title", STR),
            ("is_alliance", pa.bool_()), ("score", pa.float64()), ("recorded_at", TS), ("run_id", STR)])):
        con.execute("INSERT OR IGNORE INTO article_versions BY NAME SELECT * FROM in_vers")
    orgs = dedupe([o for r in touched for o in r["orgs"]], key=lambda o: o["org"],
                   prefer=lambda o: (bool(o["resolved"]), o["org_type"] is not None))
    if orgs:
        tbl = arrow_table([dict(o, first_seen_at=now) for o in orgs],
                     [("org", STR), ("resolved", pa.bool_()), ("org_type", STR), ("first_seen_at", TS)])
        with registered(con, "in_orgs", tbl):
            con.execute("""INSERT INTO organisations BY NAME SELECT * FROM in_orgs
                           ON CONFLICT (org) DO UPDATE SET resolved = organisations.resolved OR excluded.resolved,
                           org_type = coalesce(organisations.org_type, excluded.org_type)""")
    con.execute("DELETE FROM article_orgs WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    con.execute("DELETE FROM article_events WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    ao = [{"article_id": r["article_id"], "org": o["org"], "mentions": o["mentions"]}
          for r in touched for o in r["orgs"]]
    if ao:
        with registered(con, "in_ao", arrow_table(ao, [("article_id", STR), ("org", STR), ("mentions", pa.int32())])):
            con.execute("INSERT INTO article_orgs BY NAME SELECT * FROM in_ao")
    con.execute("DELETE FROM event_orgs WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    ev = [dict(e, article_id=r["article_id"]) for r in touched for e in r["events"]]
    if ev:
        with registered(con, "in_ev", arrow_table(ev, EVENT_COLS)):
            con.execute("INSERT INTO article_events BY NAME SELECT * FROM in_ev")
    roles = [{"article_id": e["article_id"], "seq": e["seq"], "org": pair["org"], "role": pair["role"]}
             for e in ev for pair in e["roles"]]
    if roles:
        with registered(con, "in_roles", arrow_table(roles, EVENT_ORG_COLS)):
            con.execute("INSERT INTO event_orgs BY NAME SELECT * FROM in_roles")


def store_raw_pages(con, raw: list[dict], ids: dict[str, str]) -> None:
    """Raw HTML (compressed) with its feed item; a page already stored is replaced only by a newer, different
    fetch, or to link it to the article it became."""
    if not raw:
        return
    for r in raw:
        r["article_id"] = ids.get(r["url"]) or (ids.get(r["canonical_url"]) if r.get("canonical_url") else None)
    tbl = arrow_table(raw, RAW_COLS)
    with registered(con, "in_raw", tbl):
        sets = ", ".join(f"{c} = excluded.{c}" for c, _ in RAW_COLS if c != "url")
        con.execute(f"""
            INSERT INTO raw_pages BY NAME
            SELECT n.* FROM in_raw n LEFT JOIN raw_pages o ON o.url = n.url
            WHERE o.url IS NULL OR (n.fetched_at > o.fetched_at AND o.raw_sha1 <> n.raw_sha1)
               OR (o.article_id IS NULL AND n.article_id IS NOT NULL)
            ON CONFLICT (url) DO UPDATE SET {sets}""")


def link_raw_pages(con, pairs: list[dict]) -> None:
    """Point raw pages ({url, canonical_url}) at the articles they became."""
    if not pairs:
        return
    tbl = pa.table({"url": pa.array([p["url"] for p in pairs], STR),
                    "canonical_url": pa.array([p["canonical_url"] for p in pairs], STR)})
    with registered(con, "in_link", tbl):
        con.execute("""
            UPDATE raw_pages SET article_id = au.article_id
            FROM in_link l JOIN article_urls au ON au.url = l.canonical_url
            WHERE raw_pages.url = l.url AND raw_pages.article_id IS DISTINCT FROM au.article_id""")
