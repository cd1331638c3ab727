"""The alert outbox: where alerts are created, which are pending, and how delivery results are recorded.

* ``create_alerts``: one alert per new story and channel, written in the load's own transaction (so a
  story is never stored without its alert, nor alerted twice: the id is a hash of story and channel);
* ``hold_old_alerts``: a new story first published more than ``[alerts] max_age_days`` ago (a first run,
  a backfill, a feed that republished its archive) keeps its alerts as status 'too_old': stored, shown in
  the digest and the report, never pushed;
* ``cancel_alerts_of_dropped_stories``: a story none of whose articles is alliance news any more keeps
  its sent alerts as history, its pending ones are cancelled;
* ``pending_alerts``: what the flow should deliver now, with the story as it stands (outlets that
  joined since the alert was created are listed);
* ``DeliveryJournal`` + ``apply_deliveries``: each delivery result is appended to a small fsynced
  journal next to the database as soon as the channel answers, BEFORE the next alert is sent and before
  the database is written; the next write transaction applies the journal (idempotently) and then
  forgets it. So a result is never lost when the file is busy or the process dies (SIGKILL, OOM, power)
  mid-delivery, and a journaled send is never offered again. The one window left is between a channel's
  answer and that fsync; json:// and form:// requests carry the alert id as a stable message id so a
  receiver can drop the repeat such a crash would cause.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from .records import Delivery, PendingAlert
from .rows import STR, TS, alert_id_for, arrow_table, registered

ALERT_COLS = [("alert_id", STR), ("story_id", STR), ("channel", STR), ("status", STR), ("created_at", TS),
              ("run_id", STR), ("attempts", pa.int32())]


def create_alerts(con, story_ids: list[str], channels: list[str], now: datetime, run_id: str | None) -> int:
    """Pending alerts for new stories, one per channel; returns how many did not exist yet."""
    alerts = [{"alert_id": alert_id_for(sid, ch), "story_id": sid, "channel": ch, "status": "pending",
               "created_at": now, "run_id": run_id, "attempts": 0} for sid in story_ids for ch in channels]
    if not alerts:
        return 0
    with registered(con, "in_al", arrow_table(alerts, ALERT_COLS)):
        created = con.execute("SELECT count(*) FROM in_al WHERE alert_id NOT IN (SELECT alert_id FROM alerts)"
                              ).fetchall()[0][0]
        con.execute("INSERT OR IGNORE INTO alerts BY NAME SELECT * FROM in_al")
    return int(created)


def hold_old_alerts(con, created_since: datetime, max_age_days: float) -> int:
    """Alerts created since ``created_since`` (this transaction: the write lock is exclusive) whose story
    was first published more than ``max_age_days`` before now become 'too_old'; returns how many stories.
    0 days: no limit. A story without a publication time is pushed."""
    if not max_age_days or max_age_days <= 0:
        return 0
    cutoff = created_since - timedelta(days=max_age_days)
    rows = con.execute("""
        UPDATE alerts SET status = 'too_old',
               last_error = 'not pushed: story first published ' || strftime(st.first_published_at, '%Y-%m-%d %H:%M UTC')
                            || ', more than ' || ? || ' days before it was found ([alerts] max_age_days)'
        FROM stories st
        WHERE st.story_id = alerts.story_id AND alerts.status = 'pending' AND alerts.attempts = 0
          AND alerts.created_at >= ? AND st.first_published_at < ?
        RETURNING alerts.story_id""", [f"{max_age_days:g}", created_since, cutoff]).fetchall()
    return len({story_id for (story_id,) in rows})


def cancel_alerts_of_dropped_stories(con) -> None:
    con.execute("""UPDATE alerts SET status = 'cancelled', last_error = 'story no longer an alliance story'
                   WHERE status = 'pending' AND story_id NOT IN
                     (SELECT sa.story_id FROM story_articles sa JOIN articles a USING (article_id)
                      WHERE a.is_alliance)""")


def pending_alerts(con, max_attempts: int) -> list[PendingAlert]:
    """Alerts to deliver, oldest first, with their story as it stands now."""
    rows = con.execute("""
        SELECT al.alert_id, al.story_id, al.channel, al.attempts, al.last_error, al.created_at,
               st.title, st.url, st.outlet, st.outlets, st.outlet_count, st.article_count, st.alliance,
               st.event, st.event_date, st.orgs, st.first_published_at, st.urls
        FROM alerts al JOIN alliance_stories st ON st.story_id = al.story_id
        WHERE al.status = 'pending' AND al.attempts < ?
        ORDER BY al.created_at, st.first_published_at NULLS LAST, al.alert_id
    """, [max_attempts]).fetchall()
    return [PendingAlert(alert_id=aid, story_id=sid, channel=channel, attempts=attempts, last_error=last_error,
                         created_at=created_at, title=title, url=url, outlet=outlet, outlets=tuple(outlets or ()),
                         outlet_count=outlet_count, article_count=article_count, alliance=alliance, event=event,
                         event_date=event_date, orgs=tuple(orgs or ()), first_published_at=first_published_at,
                         urls=tuple(urls or ()))
            for (aid, sid, channel, attempts, last_error, created_at, title, url, outlet, outlets, outlet_count,
                 article_count, alliance, event, event_date, orgs, first_published_at, urls) in rows]


def journal_entries(results: list[Delivery], recorded_at: str, max_attempts: int) -> list[dict]:
    """Journal lines for delivery results (the give-up count travels with them)."""
    return [{"alert_id": r.alert_id, "ok": bool(r.ok), "response": r.response, "error": r.error,
             "at": r.at or recorded_at, "max_attempts": max_attempts} for r in results]


def apply_deliveries(con, entries: list[dict]) -> None:
    """Idempotent: a success marks the alert sent once; a failure counts once per attempt time, and
    the alert is given up ('failed') at the journaled ``max_attempts``."""
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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DeliveryJournal:
    """``<db>.deliveries.jsonl``: delivery results not yet in the database, one JSON object a line
    ({alert_id, ok, response, error, at, max_attempts}); ``<db>.deliveries.lock`` serialises writers."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".deliveries.jsonl")
        self.lock_path = db_path.with_name(db_path.name + ".deliveries.lock")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def append(self, entries: list[dict]) -> None:
        """Durable before it returns: the lines are fsynced, and the folder too when the file is new."""
        with self._locked():
            created = not self.path.exists()
            with open(self.path, "a", encoding="utf-8") as fh:
                for e in entries:
                    fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if created:
                _fsync_dir(self.path.parent)

    def entries(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue    # a line cut by a crash: its send is retried (never lost)
        return out

    def sent_alert_ids(self) -> set[str]:
        return {e["alert_id"] for e in self.entries() if e.get("ok")}

    def forget(self, applied: list[dict]) -> None:
        """Drop entries the database now holds (others, appended meanwhile, stay)."""
        keys = {(e["alert_id"], e["at"], e["ok"]) for e in applied}
        with self._locked():
            rest = [e for e in self.entries() if (e["alert_id"], e["at"], e["ok"]) not in keys]
            if rest:
                tmp = self.path.with_suffix(".tmp")
                with open(tmp, "w", encoding="utf-8") as fh:
                    fh.write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in rest))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
                _fsync_dir(self.path.parent)
            else:
                self.path.unlink(missing_ok=True)
