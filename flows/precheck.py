"""The idle pre-check: is there anything for a monitor pass to do? Asked before Prefect is imported.

Most scheduled passes find nothing new, and from the command line such a pass used to cost tens of
seconds — importing Prefect and starting its ephemeral API server — to send one conditional GET per
feed. ``radar run`` asks this module first (``[execution] idle_precheck``, ``radar run --full`` skips
it; scheduled and deployed flow runs never use it):

1. the warehouse, read-only and briefly: feed validators and backoff, pending alerts, schema version;
2. the staging area: batches a killed or locked-out pass left are the flow's job;
3. every feed polled with the flow's own code (``flows.polling.poll_feed`` through ``PoliteFetcher``:
   robots.txt, per-host limits, conditional GET, backoff), then the entries' URLs checked against the
   stored ones (``Warehouse.known_urls``, the flow's own test).

The pass is idle when every feed answered 304, listed only stored pages, is backing off or failed,
nothing waits in the staging area and no alert is pending. Then the polls are recorded as the flow
would record them — a ``runs`` row (flow ``monitor``, ``params.precheck`` true), each feed's fetch log
row and state (validators, backoff, last success) — in one short write transaction, so
``source_health`` and ``runs`` show the pass. Otherwise nothing is written: the flow polls again with the
stored validators (the pre-check never updated them), so servers answer in full and the flow sees what
the pre-check saw. Anything the pre-check cannot judge without the flow — a Naver API source, Google
News links that need resolving, a missing report, an older schema, a busy file — means "run the flow".

Imports nothing of Prefect, Dask, trafilatura or the models: its cost is Python, httpx, feedparser and
DuckDB, plus the polls themselves.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractors.models import FeedEntry, FeedFetch
from flows.polling import poll_feed
from settings import Config

log = logging.getLogger("radar.precheck")
BUSY_WAIT_SECONDS = 2.0      # how long the pre-check waits for a file another process holds before leaving it to the flow


@dataclass(slots=True)
class PrecheckResult:
    """``idle``: nothing to do, and ``run_id`` names the recorded pass; else ``reason`` says why the flow runs."""
    idle: bool
    reason: str = ""
    feeds: list[FeedFetch] = field(default_factory=list)
    seconds: float = 0.0
    run_id: str | None = None
    new_urls: int = 0

    @property
    def counts(self) -> dict:
        feeds = self.feeds
        return {"feeds_polled": len(feeds),
                "feeds_not_modified": sum(1 for f in feeds if f.status == "not_modified"),
                "feeds_unchanged": sum(1 for f in feeds if f.status == "ok"),
                "feeds_failed": sum(1 for f in feeds if f.status == "error"),
                "feeds_skipped": sum(1 for f in feeds if f.status == "skipped"),
                "pages_fetched": 0, "articles_new": 0, "alliance_new": 0, "stories_new": 0, "alerts_sent": 0}

    def line(self) -> str:
        """The one line ``radar run`` prints for an idle pass."""
        c = self.counts
        quiet = c["feeds_not_modified"] + c["feeds_unchanged"]
        parts = [f"{c['feeds_not_modified']} answered 304"]
        if c["feeds_unchanged"]:
            parts.append(f"{c['feeds_unchanged']} listed only stored pages")
        if c["feeds_skipped"]:
            parts.append(f"{c['feeds_skipped']} backing off")
        if c["feeds_failed"]:
            parts.append(f"{c['feeds_failed']} failed")
        return (f"nothing new: {quiet} of {c['feeds_polled']} feeds unchanged ({', '.join(parts)}), "
                f"checked in {self.seconds:.1f} s; recorded as run {self.run_id}")


def precheck(config: Config, db_path: str | Path, *, record: bool = True) -> PrecheckResult:
    """Decide whether a monitor pass over ``config`` into ``db_path`` has anything to do; record it when not
    (``record``). Never raises for a fault the flow handles itself: it answers "run the flow" instead."""
    from warehouse import SCHEMA_VERSION, Warehouse, WarehouseError

    started = time.monotonic()

    def full(reason: str, feeds: list[FeedFetch] | None = None, new_urls: int = 0) -> PrecheckResult:
        return PrecheckResult(False, reason, feeds or [], round(time.monotonic() - started, 3), new_urls=new_urls)

    db_path = Path(db_path)
    if not config.feeds:
        return full("no feeds configured")
    if not db_path.exists():
        return full("no warehouse yet")
    unjudged = sorted({s.kind for s in config.feeds if s.kind == "naver_api"})
    if unjudged:
        return full(f"{', '.join(unjudged)} sources are polled by the flow only")
    if not _report_files_exist(config, db_path):
        return full("the report or the Atom feed is missing")
    if _staged_batches(config, db_path):
        return full("an earlier pass left batches in the staging area")
    # as flows/runs.py opens it, without the upgrade (an older file is the flow's to migrate), and without
    # the long wait for a busy file: the flow waits (and says who holds it) if the file stays busy
    settings = replace(config.warehouse, lock_wait_seconds=min(config.warehouse.lock_wait_seconds, BUSY_WAIT_SECONDS))
    warehouse = Warehouse(db_path, settings, alert_max_attempts=config.alerts.max_attempts,
                          alert_max_age_days=config.alerts.max_age_days)
    try:
        if warehouse.schema_version() != SCHEMA_VERSION:
            return full("the warehouse needs a schema upgrade")
        if warehouse.pending_alerts():     # journaled answers are left out; the recording write applies them
            return full("alerts are waiting to be delivered")
        states = warehouse.feed_states()
    except WarehouseError as exc:      # busy, foreign, too new: the flow says so in its own words
        return full(f"the warehouse cannot be read now ({type(exc).__name__})")

    polled = asyncio.run(_poll_all(config, states))
    feeds = [fetch for fetch, _ in polled]
    listed = {entry.url for _, entries in polled for entry in entries if entry.url}
    try:
        known = warehouse.known_urls(listed) if listed else set()
    except WarehouseError as exc:
        return full(f"the warehouse cannot be read now ({type(exc).__name__})", feeds)
    unknown = listed - known
    if unknown:
        return full(f"{len(unknown)} new entr{'y' if len(unknown) == 1 else 'ies'}", feeds, len(unknown))
    result = PrecheckResult(True, "", feeds, round(time.monotonic() - started, 3))
    if record:
        run_id = f"precheck-{uuid.uuid4()}"
        try:
            warehouse.record_idle_pass(run_id, "monitor", {"sources_path": str(config.path), "db_path": str(db_path),
                                                           "precheck": True},
                                       feeds, _channel_ids(config), {**result.counts, "precheck_seconds": result.seconds})
        except WarehouseError as exc:
            return full(f"the pass could not be recorded ({type(exc).__name__})", feeds)
        result.run_id = run_id
    result.seconds = round(time.monotonic() - started, 3)
    return result


async def _poll_all(config: Config, states: dict) -> list[tuple[FeedFetch, list[FeedEntry]]]:
    from flows.http import PoliteFetcher
    from flows.polling import feed_url_of
    async with PoliteFetcher(config.fetch) as fetcher:
        # Google News links are not resolved here: an unresolved link is an unknown URL, so the flow runs
        return list(await asyncio.gather(*(
            poll_feed(fetcher, config, source, states.get(feed_url_of(source)), log, resolve_links=False)
            for source in config.feeds)))


def _report_files_exist(config: Config, db_path: Path) -> bool:
    """The flow (re)writes a missing report or feed; an idle pass leaves both as they are."""
    from reports import feed_path, report_path
    if not report_path(db_path, config.report).exists():
        return False
    return not config.report.write_feed or feed_path(db_path, config.report).exists()


def _staged_batches(config: Config, db_path: Path) -> bool:
    from flows.staging import Staging, default_staging_url
    try:
        return Staging(config.execution.staging_url or default_staging_url(db_path)).has_leftovers()
    except Exception:      # an unreachable remote staging area: the flow reports it
        return True


def _channel_ids(config: Config) -> list[str]:
    from flows.alerts import alert_channels
    return [channel.id for channel in alert_channels(config)]
