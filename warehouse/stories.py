"""Story assignment inside a load: each touched alliance article joins a story or starts one (and its alerts).

The matching itself is pure and lives in ``warehouse/clustering.py``; this module is its database side:
store the articles' sketches and event signals, read the stories' members published within the
window around the new articles, assign, write ``stories`` / ``story_articles``, and hand the new
stories to the outbox (``outbox.create_alerts``) in the same transaction. Articles that stopped being
alliance news leave their story; its pending alerts are cancelled when no alliance article is left.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from extractors import similarity
from extractors.models import KST

from . import outbox
from .clustering import StoryDoc, StoryIndex, StoryParams
from .rows import SKETCH_COLS, STR, STRS, TS, arrow_table, kst_date, registered

STORY_COLS = [("story_id", STR), ("lead_article_id", STR), ("title", STR), ("url", STR), ("outlet", STR),
              ("alliance", STR), ("event", STR), ("event_date", pa.date32()), ("orgs", STRS),
              ("first_published_at", TS), ("created_at", TS), ("run_id", STR)]
MEMBER_COLS = [("article_id", STR), ("story_id", STR), ("similarity", pa.float64()), ("reason", STR),
               ("joined_at", TS), ("run_id", STR)]


class KeptIndex:
    """The story index of this process's last load, kept for its next load while the file stays held
    (``connection.HeldOpen.kept``): no other process can write the file meanwhile, so the index,
    with what that load assigned, still equals the stored stories. The next load then reads from the file
    only the days its window adds, instead of rebuilding the index from its whole window (py-spy at
    N = 4,000: 12 s of the flow process's CPU, rebuilding for every batch). Extra days in the index
    change nothing: a stored article further from every new one than the window can never match
    (``usable``), and the window count is kept per day.
    Before each use its record of the two tables is checked against the file; a load that fails
    (rolled back) or changes stored stories (articles leaving them, stored sketches replaced) starts over
    from the file."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.index: StoryIndex | None = None
        self.days: set = set()                      # days read from the file, every stored member of them
        self.per_day: dict = {}                     # stored members per day, for the window count
        self.tables: tuple | None = None            # (story_articles, article_sketches) rows after the last load

    def count(self, doc: StoryDoc) -> None:
        """One more stored member on ``doc``'s day."""
        self.per_day[doc.pub_date] = self.per_day.get(doc.pub_date, 0) + 1

    def stored_on(self, days: set) -> int:
        return sum(self.per_day.get(d, 0) for d in days)

    @staticmethod
    def usable(params: StoryParams) -> bool:
        return params.window >= max(params.event_days + 1, params.near_dup_days)


def _table_counts(con) -> tuple:
    return tuple(con.execute("SELECT (SELECT count(*) FROM story_articles), (SELECT count(*) FROM article_sketches)"
                             ).fetchall()[0])


def _window_days(docs: list[StoryDoc], window: int) -> set:
    return {d.pub_date + timedelta(days=k) for d in docs for k in range(-window, window + 1)}


def _story_index(con, docs: list[StoryDoc], params: StoryParams, kept: KeptIndex | None
                 ) -> tuple[StoryIndex, int, int]:
    """The index over the stored story members within the window of ``docs``, how many those are, and how
    many were read from the file for it: the kept index, completed with the days it lacks, when there is
    one; else all read from the file."""
    days = _window_days(docs, params.window)
    if kept is not None and kept.index is not None:
        missing = days - kept.days
        read = []
        if missing:
            read = _stored_window(con, missing)
            for doc in read:
                if doc.article_id not in kept.index.docs:       # not one the kept index assigned itself
                    kept.index.add(doc)
                    kept.count(doc)
            kept.days |= missing
        return kept.index, kept.stored_on(days), len(read)
    stored = _stored_window(con, days)
    index = StoryIndex(stored, params)
    if kept is not None:
        kept.clear()
        if KeptIndex.usable(params):
            kept.index, kept.days = index, set(days)
            for doc in stored:
                kept.count(doc)
    return index, len(stored), len(stored)


def assign_stories(con, run_id: str | None, touched: list[dict], channels: list[str], now: datetime,
                   counts: dict, params: StoryParams, kept: KeptIndex | None = None) -> None:
    """``touched``: article rows written by this load (new or changed). Updates ``counts``:
    stories_new, stories_joined, alerts_created, stories_window (stored articles compared),
    stories_window_read (of those, read from the file: fewer with a kept index).
    ``kept``: the index the last load left, when this process holds the file (``KeptIndex``)."""
    if not touched:
        return
    if kept is not None and kept.index is not None and (not KeptIndex.usable(params) or kept.tables != _table_counts(con)):
        kept.clear()        # the stored stories are not what the last load left (checked before this one writes)
    ids = [r["article_id"] for r in touched]
    # articles that are no longer alliance leave their story (sent alerts stay as history)
    gone = [r["article_id"] for r in touched if not r["is_alliance"]]
    if gone:
        left = con.execute("DELETE FROM story_articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
                           [gone]).fetchall()[0][0]
        con.execute("DELETE FROM article_sketches WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [gone])
        if left and kept is not None:
            kept.clear()    # members left their stories: the kept index has them
        outbox.cancel_alerts_of_dropped_stories(con)
    alliance = [r for r in touched if r["is_alliance"]]
    if not alliance:
        return
    docs = []
    for r in alliance:
        pub = r["published_date"] or kst_date(r["fetched_at"]) or now.astimezone(KST).date()
        r["pub_date"] = pub
        docs.append(StoryDoc(article_id=r["article_id"], pub_date=pub, sketch=r["sketch"],
                             orgs=frozenset(r["story_orgs"]), alliance=r["alliance"], event=r["event"],
                             event_date=r["event_date"], published_at=r["published_at"]))
    sk = [{"article_id": r["article_id"], "pub_date": r["pub_date"], "sketch_version": similarity.SKETCH_VERSION,
           "sketch": r["sketch"].tolist(), "orgs": r["story_orgs"], "alliance": r["alliance"],
           "event": r["event"], "event_date": r["event_date"]} for r in alliance]
    with registered(con, "in_sk", arrow_table(sk, SKETCH_COLS)):
        con.execute("INSERT OR REPLACE INTO article_sketches BY NAME SELECT * FROM in_sk")
    in_story = {r[0] for r in con.execute(
        "SELECT article_id FROM story_articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids]).fetchall()}
    docs = [d for d in docs if d.article_id not in in_story]
    if in_story and kept is not None:
        kept.clear()        # their stored sketches were just replaced: the kept index has the old ones
    if not docs:
        return
    started = time.perf_counter()
    index, stored, read = _story_index(con, docs, params, kept)
    counts["stories_window"] = counts.get("stories_window", 0) + stored
    counts["stories_window_read"] = counts.get("stories_window_read", 0) + read
    by_id = {r["article_id"]: r for r in alliance}
    new_stories, members = [], []
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
        else:
            members.append({"article_id": doc.article_id, "story_id": match.story_id,
                            "similarity": round(match.score, 4), "reason": match.reason, "joined_at": now,
                            "run_id": run_id})
            counts["stories_joined"] += 1
    if new_stories:
        # a story may already exist under this id (its lead left it and came back): reuse it
        with registered(con, "in_st", arrow_table(new_stories, STORY_COLS)):
            fresh = con.execute("SELECT count(*) FROM in_st WHERE story_id NOT IN (SELECT story_id FROM stories)"
                                ).fetchall()[0][0]
            con.execute("INSERT OR IGNORE INTO stories BY NAME SELECT * FROM in_st")
        counts["stories_new"] += int(fresh)
    if members:
        with registered(con, "in_sa", arrow_table(members, MEMBER_COLS)):
            con.execute("INSERT OR REPLACE INTO story_articles BY NAME SELECT * FROM in_sa")
            # a story's first publication is its earliest member's
            con.execute("""
                UPDATE stories SET first_published_at = m.first_pub FROM (
                    SELECT sa.story_id, min(a.published_at) AS first_pub FROM story_articles sa
                    JOIN articles a USING (article_id)
                    WHERE sa.story_id IN (SELECT story_id FROM in_sa) GROUP BY sa.story_id) m
                WHERE stories.story_id = m.story_id
                  AND m.first_pub < coalesce(stories.first_published_at, TIMESTAMPTZ '9999-01-01')""")
    counts["alerts_created"] += outbox.create_alerts(con, [s["story_id"] for s in new_stories], channels, now,
                                                     run_id)
    if kept is not None and kept.index is not None:
        for doc in docs:            # what this load assigned is in the index now, and stored
            kept.count(doc)
        kept.tables = _table_counts(con)
    # how long assignment took inside the transaction (window read, matching, writes): radar bench stories --archive
    counts["stories_seconds"] = round(counts.get("stories_seconds", 0) + time.perf_counter() - started, 3)


def _stored_window(con, days: set) -> list[StoryDoc]:
    """Story members published on ``days`` (the window around the new articles; sketches of other
    parameters are not comparable and are skipped; reprocess recomputes them)."""
    days = sorted(days)
    cur = con.execute("""
        SELECT s.article_id, s.pub_date, s.sketch, s.orgs, s.alliance, s.event, s.event_date, sa.story_id,
               s.sketch_version
        FROM article_sketches s JOIN story_articles sa USING (article_id)
        WHERE s.pub_date IN (SELECT unnest(?::DATE[]))""", [days])
    stored = []
    for aid, pub, sketch, orgs, al, ev, evd, sid, sv in cur.fetchall():
        if sv != similarity.SKETCH_VERSION:
            continue
        stored.append(StoryDoc(aid, pub, np.asarray(sketch, dtype=np.uint32), frozenset(orgs or []), al, ev, evd,
                               story_id=sid))
    return stored
