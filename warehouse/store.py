"""``Warehouse``: the one object the flows and the CLI use — a thin facade, one module per job behind it.

    connection.py  opening the file: lock wait with backoff, schema check, one transaction per write
    rows.py        pages and feed polls -> rows (ids, hashes, sketches, compression) before the lock
    shards.py      a batch's page rows as one Parquet file (workers write them, the loader reads them)
    sources.py     feed state and the backoff policy, the fetch log, URLs not worth fetching again
    loads.py       a pass (or reprocessed pages) into the tables
    stories.py     story assignment inside a load (clustering.py is the pure matching)
    outbox.py      alert creation, pending alerts, the delivery journal
    queries.py     read queries: ad-hoc SQL, stories, the alliance timeline, stored raw pages
    runs.py        the runs table
    export.py      Parquet export

Lock discipline: every public method opens its own connection and closes it before returning
(DuckDB lets one process write or many read, and an open connection locks the file). Writes do
their CPU work first (``rows.prepare``), then hold a read-write connection for ONE transaction.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from extractors.models import FeedFetch, FeedState, PageRecord
from settings import AlertSettings, WarehouseSettings

from . import connection, export, loads, outbox, queries, runs, sources
from .clustering import DEFAULT_PARAMS, StoryParams
from .errors import DatabaseBusy
from .records import AllianceTimeline, Delivery, PendingAlert, RawPage, StoryRow
from .rows import Prepared, aware, combine, prepare, utcnow
from .schema import SCHEMA_VERSION
from .stories import KeptIndex


class Warehouse:
    def __init__(self, path: str | os.PathLike, settings: WarehouseSettings = WarehouseSettings(), *,
                 alert_max_attempts: int = AlertSettings().max_attempts, alert_max_age_days: float = 0,
                 story_params: StoryParams = DEFAULT_PARAMS):
        self.path = Path(path)
        self.settings = settings
        self.alert_max_attempts = int(alert_max_attempts)
        # new stories first published longer ago are stored, not pushed; 0 = no limit (the library default:
        # the flows pass [alerts] max_age_days, 3 days unless the sources file says otherwise)
        self.alert_max_age_days = float(alert_max_age_days)
        self.story_params = story_params
        self.journal = outbox.DeliveryJournal(self.path)
        self._verified = False   # the file was checked to be ours (read-only probe) in this process

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def lock_wait_seconds(self) -> float:
        return float(self.settings.lock_wait_seconds)

    @property
    def journal_path(self) -> Path:
        """Delivery results not yet in the database (the file was busy or the process died)."""
        return self.journal.path

    # -- connections --------------------------------------------------------------------------

    @contextmanager
    def _read(self):
        with connection.reading(self.path, self.lock_wait_seconds, verified=self._verified) as con:
            yield con

    @contextmanager
    def _write(self):
        """ONE read-write transaction; journaled delivery results are applied first and forgotten
        once it commits."""
        with connection.transaction(self.path, self.lock_wait_seconds, verified=self._verified) as con:
            journal = self.journal.entries()
            if journal:
                outbox.apply_deliveries(con, journal)
            yield con
        self._verified = True
        if journal:
            self.journal.forget(journal)

    def hold_open(self, wait_seconds: float = 0.0) -> connection.HeldOpen:
        """Keep the file open in this process across the next write transactions (``HeldOpen``); the
        caller closes it. DatabaseBusy if another process has the file after ``wait_seconds``."""
        return connection.HeldOpen(self.path, wait_seconds)

    # -- schema ---------------------------------------------------------------------------------

    def migrate(self) -> int:
        """Create the file (and its folder) or upgrade it to SCHEMA_VERSION; returns the version.
        A newer-than-code file raises SchemaTooNew, a foreign or corrupt one NotAWarehouse;
        neither is modified."""
        if self.path.exists():
            version = connection.probe(self.path, self.lock_wait_seconds)
            if version == SCHEMA_VERSION:
                self._verified = True
                return version
        with self._write():
            pass
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._read() as con:
            v, _ = connection.version_of(con)
            return v or 0

    # -- reads -------------------------------------------------------------------------------------

    def query(self, sql: str, params=None, *, timezone: str | None = None) -> tuple[list[str], list[tuple]]:
        """(columns, rows) of one read-only query; QueryError when the SQL fails. ``timezone``
        (e.g. "Asia/Seoul") sets how TIMESTAMPTZ values come back."""
        with self._read() as con:
            if timezone:
                connection.set_timezone(con, timezone)
            return queries.run_query(con, sql, params)

    def feed_states(self) -> dict[str, FeedState]:
        if not self.path.exists():
            return {}
        with self._read() as con:
            return sources.feed_states(con)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """URLs not worth fetching again: stored articles (any URL form) and pages that failed
        permanently (4xx except 408/429, not_html, no_article, binary, too_large) or 3+ times."""
        urls = list(dict.fromkeys(u for u in urls if u))
        if not urls or not self.path.exists():
            return set()
        with self._read() as con:
            return sources.known_urls(con, urls)

    def pending_alerts(self) -> list[PendingAlert]:
        """Alerts to deliver, oldest first, with their story as it stands now (outlets that joined
        since the alert was created are listed); journaled sends are left out."""
        if not self.path.exists():
            return []
        sent = self.journal.sent_alert_ids()
        with self._read() as con:
            pending = outbox.pending_alerts(con, self.alert_max_attempts)
        return [a for a in pending if a.alert_id not in sent]

    def stories_between(self, start: datetime, end: datetime) -> list[StoryRow]:
        """Stories that appeared, or that new outlets joined, in [start, end) — for a digest.
        Each has its articles (``StoryArticle``: outlet, title, url, published_at, joined_at, is_new)."""
        if not self.path.exists():
            return []
        with self._read() as con:
            return queries.stories_between(con, aware(start), aware(end))

    def stories_for_run(self, run_id: str) -> list[StoryRow]:
        """The stories a run created (for the run's summary)."""
        if not self.path.exists():
            return []
        with self._read() as con:
            return queries.stories_for_run(con, run_id)

    def alliance_timeline(self) -> list[AllianceTimeline]:
        """Per alliance, its members in the order the news shows them joining."""
        if not self.path.exists():
            return []
        with self._read() as con:
            return queries.alliance_timeline(con)

    def run_flow(self, run_id: str) -> str | None:
        """Which flow a run belongs to ("monitor", "backfill", ...), None for an unknown run."""
        if not self.path.exists():
            return None
        with self._read() as con:
            return runs.flow_of(con, run_id)

    def raw_pages(self, since: date | None = None) -> Iterator[RawPage]:
        """Stored raw pages (decompressed), oldest first, each with the feed item it came from
        (``entry``) and the outlet its feed is configured with (``feed_outlet``). Reads in chunks of
        ``raw_pages_per_chunk`` and closes the connection between chunks, so a long re-extraction
        never blocks the flow's writes."""
        if not self.path.exists():
            return
        limit, after = self.settings.raw_pages_per_chunk, None
        while True:
            with self._read() as con:   # one chunk per connection: writers get the file in between
                chunk = queries.raw_page_chunk(con, since, after, limit)
            yield from chunk
            if len(chunk) < limit:
                return
            after = (chunk[-1].fetched_at, chunk[-1].url)

    def raw_page_count(self, since: date | None = None) -> int:
        """How many pages ``raw_pages(since)`` will yield (for progress)."""
        if not self.path.exists():
            return 0
        with self._read() as con:
            return queries.raw_page_count(con, since)

    # -- writes ---------------------------------------------------------------------------------------

    def start_run(self, run_id: str, flow: str, params: dict) -> None:
        with self._write() as con:
            runs.record_start(con, run_id, flow, params)

    def finish_run(self, run_id: str, status: str, counts: dict, error: str | None = None) -> None:
        with self._write() as con:
            runs.record_finish(con, run_id, status, counts, error)

    def load(self, run_id: str, feeds: list[FeedFetch], pages: list[PageRecord], channels: list[str]) -> dict:
        """Everything one pass fetched, in ONE transaction (see module doc). Idempotent: loading the
        same feeds/pages again adds no rows and creates no alerts."""
        return self._load_prepared(run_id, feeds, prepare(pages, run_id, log=True, raw=True), channels)

    def load_batch(self, run_id: str, rows: list[dict], channels: list[str]) -> dict:
        """One batch of page rows (``rows.page_rows``, as workers write them to result shards) in ONE
        short transaction: fetch log, articles with their stories and alerts, raw pages. Idempotent, so
        a shard loaded twice (the process died between commit and delete) changes nothing."""
        return self._load_prepared(run_id, [], combine(rows), channels)

    def record_polls(self, run_id: str, feeds: list[FeedFetch], channels: list[str]) -> dict:
        """A pass's feed polls (validators, failures and backoff, the fetch log) and the alert channels
        in use, in one transaction. Called after the pass's pages are loaded: a pass killed before keeps
        no validators, so the next pass reads those feeds in full and fetches what was not loaded."""
        return self._load_prepared(run_id, feeds, Prepared(), channels)

    def record_idle_pass(self, run_id: str, flow: str, params: dict, feeds: list[FeedFetch], channels: list[str],
                         counts: dict) -> None:
        """A pass that found nothing to fetch (the CLI's pre-check, flows/precheck.py), in ONE transaction:
        its ``runs`` row, started and completed, and its feed polls as ``record_polls`` writes them (state,
        validators, backoff, fetch log); raw HTML past its retention is pruned as after every pass."""
        days = self.settings.raw_html_retention_days
        with self._write() as con:
            runs.record_start(con, run_id, flow, params)
            loads.write_pass(con, run_id, feeds, Prepared(), channels, loads.empty_counts(), self.settings,
                             self.story_params)
            if days > 0:
                counts = {**counts, "raw_pages_pruned": loads.prune_raw_pages(con, utcnow() - timedelta(days=days))}
            runs.record_finish(con, run_id, "completed", counts, None)

    def _load_prepared(self, run_id: str, feeds: list[FeedFetch], prep: Prepared, channels: list[str]) -> dict:
        counts = loads.empty_counts()
        counts["pages_failed"] = prep.pages_failed
        counts["feeds_failed"] = sum(1 for f in feeds if f.status == "error")
        held = connection.holding(self.path)
        kept = held.kept.setdefault("story_index", KeptIndex()) if held is not None else None
        t0 = time.monotonic()
        try:
            with self._write() as con:
                t1 = time.monotonic()
                began = utcnow()
                loads.write_pass(con, run_id, feeds, prep, channels, counts, self.settings, self.story_params,
                                 kept)
                counts["alerts_too_old"] = outbox.hold_old_alerts(con, began, self.alert_max_age_days)
        except BaseException:
            if kept is not None:
                kept.clear()        # rolled back: the index has what the file does not
            raise
        counts["lock_wait_seconds"] = round(t1 - t0, 3)
        counts["write_seconds"] = round(time.monotonic() - t1, 3)   # how long the file was locked
        return counts

    def reprocess(self, pages: list[PageRecord], channels: list[str] | None = None) -> dict:
        """Store re-extracted/re-scored pages (from ``raw_pages``) in place: rows whose content or
        scores changed are updated, the extractor version history keeps the old version, and only
        genuinely new alliance stories are created and alerted (``channels`` None: the channels
        the latest ``load`` was given). Nothing is fetched; fetch_log and raw_pages are not touched."""
        prep = prepare(pages, None, log=False, raw=False)
        counts = loads.empty_counts()
        counts["pages_failed"] = prep.pages_failed
        with self._write() as con:
            began = utcnow()
            loads.write_reprocessed(con, prep, channels, counts, self.story_params)
            counts["alerts_too_old"] = outbox.hold_old_alerts(con, began, self.alert_max_age_days)
        return counts

    def journal_delivery(self, result: Delivery) -> None:
        """One delivery result, durable (appended to the journal beside the database, fsynced) before
        this returns — call it as each answer comes in, before the next send. ``pending_alerts`` skips
        journaled sends at once; the next write transaction moves them into the database."""
        self.journal.append(outbox.journal_entries([result], utcnow().isoformat(), self.alert_max_attempts))

    def apply_journal(self) -> dict:
        """Move journaled delivery results into the database now (if the file is busy, the next write
        does it; nothing is lost). Returns {"recorded": n, "journaled": n left in the journal}."""
        waiting = len(self.journal.entries())
        if not waiting:
            return {"recorded": 0, "journaled": 0}
        try:
            with self._write():
                pass    # _write applies (and then forgets) every journaled result
        except DatabaseBusy:
            return {"recorded": 0, "journaled": waiting}   # the next write applies them
        return {"recorded": waiting, "journaled": 0}

    def record_deliveries(self, results: list[Delivery]) -> dict:
        """Outcome of delivering alerts: journaled (fsync), then written to the database; if the
        database is busy the journal is applied by the next write, and pending_alerts already skips
        journaled sends — so a sent alert is never sent again."""
        if not results:
            return {"recorded": 0, "journaled": 0}
        self.journal.append(outbox.journal_entries(results, utcnow().isoformat(), self.alert_max_attempts))
        return self.apply_journal()

    def prune_raw_html(self) -> int:
        """Delete raw HTML older than raw_html_retention_days (0 keeps everything)."""
        days = self.settings.raw_html_retention_days
        if days <= 0 or not self.path.exists():
            return 0
        with self._write() as con:
            return loads.prune_raw_pages(con, utcnow() - timedelta(days=days))

    def export_parquet(self, out_dir: str | os.PathLike, *, include_raw: bool = False) -> dict:
        """Write every table as Parquet under ``out_dir/<table>/``; article-related tables are
        partitioned by published month (``published_month=YYYY-MM``, 'unknown' when undated).
        Read-only: the flow can keep loading meanwhile. Returns rows written per table."""
        with self._read() as con:
            return export.export_parquet(con, out_dir, include_raw=include_raw)
