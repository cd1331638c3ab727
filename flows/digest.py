"""`digest`: one message per channel with the day's alliance stories (a KST day).

Scheduled at 08:30 Asia/Seoul with ``day="yesterday"`` (the last complete day); ``radar digest``
defaults to today. A day's digest goes to a channel once: the channels it reached are remembered in
``<db>.digests.json`` next to the database (the warehouse has no table for it). A digest sent while
the day was still running (e.g. a manual run at noon) may be followed by one update after the day
ends if more stories arrived; ``force=True`` sends again regardless. A channel that failed is not
marked, so the next run for that day retries just that channel; the run then ends Failed so the
failure is visible in Prefect and in the exit code of ``radar digest``.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.models import KST
from flows.alerts import Channel, alert_channels, format_digest, send_message
from flows.runs import open_warehouse
from settings import load_config


def resolve_day(day: str | date | None, now: datetime | None = None) -> date:
    now = (now or datetime.now(KST)).astimezone(KST)
    if day is None or day == "" or day == "today":
        return now.date()
    if day == "yesterday":
        return now.date() - timedelta(days=1)
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(str(day))
    except ValueError:
        raise ValueError(f"day '{day}' is not YYYY-MM-DD, 'today' or 'yesterday'") from None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), KST)
    return start, start + timedelta(days=1)


class DigestMarks:
    """``<db>.digests.json``: {day: {channel_id: {"sent_at": iso, "complete": bool, "stories": n}}}."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".digests.json")

    def load(self) -> dict:
        try:
            return json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}

    def mark(self, day: date, channel_id: str, *, complete: bool, stories: int) -> None:
        data = self.load()
        data.setdefault(day.isoformat(), {})[channel_id] = {
            "sent_at": datetime.now(KST).isoformat(timespec="seconds"), "complete": complete, "stories": stories}
        # keep a year of marks
        cutoff = (date.today() - timedelta(days=400)).isoformat()
        data = {k: v for k, v in data.items() if k >= cutoff}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def should_send(self, day: date, channel_id: str, *, complete: bool, stories: int, force: bool) -> bool:
        if force:
            return True
        prev = self.load().get(day.isoformat(), {}).get(channel_id)
        if prev is None:
            return True
        # one update after a mid-day digest, only if the full day has more stories
        return complete and not prev.get("complete") and stories > int(prev.get("stories", 0))


@task(name="send-digest", cache_policy=NO_CACHE)
def send_digest(channel: Channel, title: str, body: str, timeout: float) -> tuple[bool, str]:
    return send_message(channel, title, body, get_run_logger(), timeout=timeout)


@flow(name="digest")
def digest(db_path: str | None = None, sources_path: str | None = None, day: str | None = None,
           force: bool = False) -> dict:
    """Send the stories of one KST day (default today; 'yesterday' for the morning schedule)."""
    logger = get_run_logger()
    config = load_config(sources_path)
    the_day = resolve_day(day)
    start, end = day_bounds(the_day)
    warehouse = open_warehouse(config, db_path)
    stories = warehouse.stories_between(start, end)
    complete = datetime.now(KST) >= end
    marks = DigestMarks(warehouse.path)
    counts = {"day": the_day.isoformat(), "stories": len(stories), "channels_sent": 0, "channels_skipped": 0,
              "channels_failed": 0}
    failed: list[str] = []
    for ch in alert_channels(config):
        if not marks.should_send(the_day, ch.id, complete=complete, stories=len(stories), force=force):
            counts["channels_skipped"] += 1
            logger.info("digest %s already sent to %s", the_day, ch.label)
            continue
        title, body = format_digest(the_day, stories, markdown=ch.markdown)
        ok, msg = send_digest(ch, title, body, config.alerts.timeout_seconds)
        if ok:
            counts["channels_sent"] += 1
            marks.mark(the_day, ch.id, complete=complete, stories=len(stories))
        else:
            counts["channels_failed"] += 1
            failed.append(f"{ch.label}: {msg}")
            logger.warning("digest %s to %s failed: %s", the_day, ch.label, msg)
    logger.info("digest %s: %s", the_day, counts)
    if failed:
        raise RuntimeError(f"digest {the_day} not delivered to {len(failed)} channel(s): " + "; ".join(failed))
    return counts


if __name__ == "__main__":
    digest()
