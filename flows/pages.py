"""The page stage of a pass (``monitor`` and ``backfill``): fetch, extract and score, load — in bounded batches.

    flow process                                          task runner (flows/execution.py)
    ------------------------------------------------      --------------------------------------------
    fetch: one PoliteFetcher for the whole pass    ──►    extract_and_score(batch), on any worker:
      (robots.txt once per host, per-host limits)           process_page per page, rows.page_rows,
                                                            one Parquet shard -> staging (flows/staging.py)
    loader: shards in batch order, each in ONE     ◄──    BatchResult (shard path, counts, failures)
      short transaction (Warehouse.load_batch),
      deleted after its commit

Politeness: pages are fetched only here, by one fetcher, so its per-host interval and concurrency and its
robots.txt verdicts bind the whole pass, however many workers score the pages. Fetching is I/O (an event
loop on a background thread); scoring is CPU (the workers). Memory: at most ``window`` pages are held
between fetch and shard (``batches_per_worker`` batches per worker in flight, plus one being fetched);
a shard is small (compressed raw HTML and rows) and sits on disk until it is loaded. No worker opens DuckDB.
"""
from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from prefect import task
from prefect.cache_policies import NO_CACHE

from extractors.models import FeedEntry, PageRecord
from flows import progress
from flows.execution import PageRunner, describe, workers_for_pass
from flows.staging import Leftover, Staging, default_staging_url
from settings import Config

# (entry, feed_url, outlet hint): one page to fetch, as select_new_entries and backfill hand them over
Item = tuple[FeedEntry, str | None, str | None]


@dataclass(slots=True)
class BatchResult:
    """What a worker reports for one batch (the rows themselves are in the shard)."""
    seq: int
    shard: str | None
    pages: int
    fetched: int = 0                 # pages whose bytes arrived
    failed: int = 0                  # pages without an article
    alliance: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0             # wall time of the task
    cpu_seconds: float = 0.0
    pid: int = 0
    kiwi_loads: int = 0              # Kiwi models built in that worker process so far (1: loaded once)
    models_pid: int = 0              # the process that built them: the worker, or the fork server it came from


def staging_for(config: Config, db_path) -> Staging:
    return Staging(config.execution.staging_url or default_staging_url(db_path))


class PageBatch:
    """One batch of fetched pages on its way to a worker, with each page's outlet hint. Opaque to the
    task runner on purpose: given a plain list, Dask hashes every page (bytes and fields) to name the
    task and Prefect walks every page looking for futures — about 0.5 s of the flow's CPU per 50-page
    batch (py-spy), on the thread that feeds the workers. It pickles as plain data."""
    __slots__ = ("pages", "hints", "token")

    def __init__(self, pages: list[PageRecord], hints: list[str | None]):
        self.pages, self.hints = pages, hints
        self.token = uuid.uuid4().hex

    def __dask_tokenize__(self):
        return ("alliance-radar-page-batch", self.token)

    def __len__(self) -> int:
        return len(self.pages)


@task(name="extract-and-score", cache_policy=NO_CACHE)
def extract_and_score(seq: int, batch: PageBatch, threshold: float, max_bytes: int, staging_url: str,
                      shard: str) -> BatchResult:
    """Extract and score one batch of fetched pages and write its result shard (runs on a worker)."""
    from extractors import gazetteer
    from extractors.pipeline import process_page
    from warehouse.rows import page_rows
    from warehouse.shards import to_table

    t0, c0 = time.monotonic(), time.process_time()
    pages = batch.pages
    result = BatchResult(seq=seq, shard=shard, pages=len(pages), pid=os.getpid())
    for page, hint in zip(pages, batch.hints):
        if page.raw_html is not None:
            result.fetched += 1
            page.article, page.relevance, error = process_page(
                page.raw_html, url=page.url, content_type=page.content_type, entry=page.entry,
                outlet_hint=hint, threshold=threshold, max_bytes=max_bytes)
            page.error = page.error or error
        if page.article is None:
            result.failed += 1
            result.failures.append((page.url, page.error or "no article"))
        elif page.relevance is not None and page.relevance.is_alliance:
            result.alliance += 1
    run_id = _run_id_of(shard)
    Staging(staging_url).write(shard, to_table(page_rows(pages, run_id, log=True, raw=True)))
    result.seconds = round(time.monotonic() - t0, 3)
    result.cpu_seconds = round(time.process_time() - c0, 3)
    result.kiwi_loads = gazetteer.kiwi_loads
    result.models_pid = gazetteer.kiwi_loaded_by
    return result


def _run_id_of(shard: str) -> str:
    folder = shard.rsplit("/", 2)[-2]
    return folder.split("_", 1)[1] if "_" in folder else folder


# --- fetching, in the flow process -------------------------------------------------------------------

class PageFetcher:
    """Fetches the items on an event loop in a background thread; batch ``k`` is ``items[k*B:(k+1)*B]``.
    Each completed batch goes to ``events`` as ("batch", k, pages). At most ``window`` pages are held at
    once: ``release(n)`` frees room when the caller is done with a batch."""

    def __init__(self, config: Config, items: list[Item], batch_size: int, window: int, events: queue.Queue):
        self.config = config
        self.items = items
        self.batch_size = max(1, batch_size)
        self.window = max(window, self.batch_size)
        self.events = events
        self.stats: dict = {}
        self.started_at = self.finished_at = 0.0
        self.blocked_seconds = 0.0       # waiting for room (the workers are behind): not fetching
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="radar-fetch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def release(self, n: int) -> None:
        loop, sem = self._loop, self._sem
        if loop is None or sem is None or loop.is_closed():
            return

        def free() -> None:
            for _ in range(n):
                sem.release()
        try:
            loop.call_soon_threadsafe(free)
        except RuntimeError:      # the loop already finished
            pass

    def stop(self) -> None:
        self._stop.set()
        self.release(self.window)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._fetch_all())
        except BaseException as exc:       # reported to the flow, which fails the pass
            self.events.put(("fetch_error", exc))
        finally:
            self.events.put(("fetch_done", None))

    async def _fetch_all(self) -> None:
        from flows.http import PoliteFetcher
        self._loop = asyncio.get_running_loop()
        self._sem = asyncio.Semaphore(self.window)
        size = self.batch_size
        batches = [self.items[i:i + size] for i in range(0, len(self.items), size)]
        results: dict[int, list] = {k: [None] * len(b) for k, b in enumerate(batches)}
        remaining = {k: len(b) for k, b in enumerate(batches)}
        self.started_at = time.monotonic()
        async with PoliteFetcher(self.config.fetch) as fetcher:
            async def one(k: int, j: int, item: Item) -> None:
                entry, feed_url, _ = item
                response = await fetcher.fetch(entry.url, max_bytes=self.config.fetch.max_page_bytes)
                results[k][j] = PageRecord(
                    url=entry.url, feed_url=feed_url, fetched_at=datetime.now(timezone.utc),
                    http_status=response.http_status, content_type=response.content_type,
                    raw_html=response.content if not response.error else None, entry=entry,
                    error=response.error, elapsed_ms=response.elapsed_ms)
                remaining[k] -= 1
                if remaining[k] == 0:
                    self.events.put(("batch", k, results.pop(k)))

            running = set()
            for k, batch in enumerate(batches):
                for j, item in enumerate(batch):
                    if self._sem.locked():
                        b0 = time.monotonic()
                        await self._sem.acquire()
                        self.blocked_seconds += time.monotonic() - b0
                    else:
                        await self._sem.acquire()
                    if self._stop.is_set():
                        break
                    t = asyncio.create_task(one(k, j, item))
                    running.add(t)
                    t.add_done_callback(running.discard)
                if self._stop.is_set():
                    break
            if running:
                await asyncio.gather(*running)
            self.stats = dict(fetcher.stats)
        self.finished_at = time.monotonic()


# --- the stage ------------------------------------------------------------------------------------------

def load_leftovers(warehouse, staging: Staging, channels: list[str], logger: logging.Logger,
                   exclude: str | None = None) -> dict:
    """Load what killed or locked-out passes left in the staging area (oldest first, batches in order),
    deleting each shard after its commit. ``channels``: the alert channels, for stories a monitor pass
    found (a backfill's stories get no alerts, whoever loads its leftovers). Returns the summed counts."""
    from warehouse.shards import feeds_from_table, from_table
    totals: dict = {}
    for left in staging.leftovers(exclude=exclude):
        pages = 0
        alert_to = [] if warehouse.run_flow(left.run_id) == "backfill" else channels
        for path in left.shards:
            rows = from_table(staging.read(path))
            _add(totals, warehouse.load_batch(left.run_id, rows, alert_to))
            staging.delete(path)
            pages += len(rows)
        if left.feeds:
            _add(totals, warehouse.record_polls(left.run_id, feeds_from_table(staging.read(left.feeds)), alert_to))
            staging.delete(left.feeds)
        staging.remove_folder(left.folder)
        logger.info("loaded %d pages left by run %s (%d shards%s)", pages, left.run_id, len(left.shards),
                    ", and its feed polls" if left.feeds else "")
    return totals


def _add(totals: dict, counts: dict) -> None:
    for key, value in counts.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            totals[key] = round(totals.get(key, 0) + value, 3)


class _Loader:
    """The pass's one writer, on its own thread, so the workers keep being fed while it commits (before,
    the thread that submits batches also loaded them: py-spy at N = 1,000 found it loading for 60 s of a
    130 s stage while batches waited to be submitted). Shards are committed in batch order, each in ONE
    short transaction, and deleted after the commit; one shard per transaction keeps the warehouse a pass
    builds the same however fast the workers are (story assignment depends on what one load sees). A
    locked file (DatabaseBusy) stops the loads; the shards wait in the staging area for the next pass.

    Between loads the loader keeps the file open (``Warehouse.hold_open``) for up to ``HOLD_SECONDS``, so
    that a commit does not pay a checkpoint on every batch; then it lets the file go and does not take it
    again for ``READER_GAP_SECONDS`` (one batch may still load in that gap, in its own transaction as
    before): a reader elsewhere (``radar query``, a notebook), retrying every second at most, gets in."""
    HOLD_SECONDS = 10.0
    READER_GAP_SECONDS = 1.5

    def __init__(self, warehouse, staging: Staging, run_id: str, channels: list[str], stage: str, total: int,
                 logger: logging.Logger):
        self.warehouse, self.staging, self.run_id, self.channels = warehouse, staging, run_id, channels
        self.stage, self.total, self.logger = stage, total, logger
        self.counts: dict = {}
        self.seconds = 0.0
        self.transactions = 0
        self.transaction_seconds: list[float] = []     # each load, in order: shows a cost growing with the file
        self.busy: BaseException | None = None
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="radar-loader", daemon=True)
        self._held = None                # Warehouse.hold_open() while the loader keeps the file open
        self._let_go_at = float("-inf")
        self.holds = 0

    def start(self) -> "_Loader":
        self._thread.start()
        return self

    def put(self, seq: int, result: BatchResult | None) -> None:
        self._queue.put((seq, result))

    def close(self) -> None:
        """Load what is ready, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            self._run_loads()
        finally:
            self._let_go()

    def _run_loads(self) -> None:
        _preload_story_index()      # seconds of imports, paid while the first batches are still being scored
        ready: dict[int, BatchResult | None] = {}
        next_seq = loaded_pages = 0
        while (item := self._queue.get()) is not None:
            ready[item[0]] = item[1]
            while next_seq in ready:
                result = ready.pop(next_seq)
                next_seq += 1
                if result is not None:
                    if result.shard:
                        self._load(result)
                    loaded_pages += result.pages
                    progress.report(self.stage, loaded_pages, self.total)

    def _load(self, result: BatchResult) -> None:
        from warehouse import DatabaseBusy
        from warehouse.shards import from_table
        if self.busy is not None or self.error is not None:
            return
        t0 = time.monotonic()
        try:
            batch_counts = self.warehouse.load_batch(self.run_id, from_table(self.staging.read(result.shard)),
                                                     self.channels)
        except DatabaseBusy as exc:
            self.busy = exc
            self.logger.error("%s; this batch and the rest wait in %s for the next run", exc, self.staging.url)
            return
        except BaseException as exc:            # raised by the stage once its loop stops
            self.error = exc
            return
        self.staging.delete(result.shard)
        _add(self.counts, {k: v for k, v in batch_counts.items() if k not in ("pages_failed",)})
        self._hold_or_let_go()
        self.seconds += time.monotonic() - t0
        self.transactions += 1
        self.transaction_seconds.append(round(time.monotonic() - t0, 2))

    def _hold_or_let_go(self) -> None:
        """After a committed load: keep the file open for the next one, or let it go for a while."""
        from warehouse import WarehouseError
        now = time.monotonic()
        if self._held is not None:
            if now - self._held.since >= self.HOLD_SECONDS:
                self._let_go()
        elif now - self._let_go_at >= self.READER_GAP_SECONDS:
            try:
                self._held = self.warehouse.hold_open()     # one try: a reader that just got in keeps it
                self.holds += 1
            except WarehouseError:
                pass

    def _let_go(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            try:
                held.close()        # the checkpoint: what it has not written stays in the WAL, replayed on open
            except Exception as exc:
                self.logger.warning("closing the warehouse after the loads: %s", exc)
            self._let_go_at = time.monotonic()


def _preload_story_index() -> None:
    """Import what the first load needs for the story index (datasketch pulls in scipy: ~7 s here)."""
    try:
        import datasketch  # noqa: F401
    except Exception:       # the load itself reports a broken install
        pass


def process_pages(config: Config, warehouse, run_id: str, items: list[Item], channels: list[str],
                  logger: logging.Logger, *, workers: int | None = None, stage: str = "pages",
                  staging: Staging | None = None) -> dict:
    """Fetch, extract and score ``items``, loading the batches as they are done. Returns the counts
    (articles_new, stories_new, alerts_created, ... summed over the batches; pages_fetched,
    pages_failed, alliance_kept, failures, timings). Raises DatabaseBusy at the end if the file stayed
    locked: the batches not loaded then wait in the staging area for the next pass."""
    counts: dict = {"pages_fetched": 0, "pages_failed": 0, "alliance_kept": 0, "failures": []}
    if not items:
        return counts
    staging = staging or staging_for(config, warehouse.path)
    folder = staging.run_folder(run_id)
    size = max(1, config.fetch.pages_per_batch)
    n_batches = (len(items) + size - 1) // size
    n_workers, fewer_because = workers_for_pass(config.execution, workers, len(items), n_batches)
    in_flight_max = max(1, n_workers * max(1, config.execution.batches_per_worker))
    events: queue.Queue = queue.Queue()
    fetcher = PageFetcher(config, items, size, size * (in_flight_max + 1), events)
    hints_by_url = {entry.url: hint for entry, _, hint in items}
    t0 = time.monotonic()
    timings = {"extract_cpu": 0.0, "extract_wall": 0.0, "load": 0.0, "cluster_start": 0.0}
    logger.info("%d pages in %d batches of %d; extract and score: %s%s", len(items), n_batches, size,
                describe(config.execution, n_workers), f"; {fewer_because}" if fewer_because else "")
    fetcher.start()
    loader = _Loader(warehouse, staging, run_id, channels, stage, len(items), logger).start()
    fetch_error: BaseException | None = None
    waiting: list[tuple[int, list[PageRecord]]] = []
    running: dict[int, object] = {}
    fetch_done = False
    pids: dict[int, int] = {}
    models_by: dict[int, int] = {}

    with PageRunner(config.execution, n_workers, logger, api_url=_api_url()) as runner:
        try:
            while loader.error is None:
                while waiting and len(running) < in_flight_max:
                    seq, pages = waiting.pop(0)
                    batch = PageBatch(pages, [hints_by_url.get(p.url) for p in pages])
                    future = runner.submit(extract_and_score, {
                        "seq": seq, "batch": batch, "threshold": config.relevance.threshold,
                        "max_bytes": config.fetch.max_page_bytes, "staging_url": staging.url,
                        "shard": staging.shard_path(folder, seq)})
                    running[seq] = (future, len(pages))
                    future.add_done_callback(lambda _f, s=seq: events.put(("done", s, None)))
                    del pages, batch
                if fetch_done and not waiting and not running:
                    break
                kind, *rest = events.get()
                if kind == "batch":
                    waiting.append((rest[0], rest[1]))
                    waiting.sort(key=lambda b: b[0])
                elif kind == "done":
                    seq = rest[0]
                    future, n = running.pop(seq)
                    result = _result_of(future, seq, n, counts, logger)
                    fetcher.release(n)
                    if result is not None:
                        counts["pages_fetched"] += result.fetched
                        counts["pages_failed"] += result.failed
                        counts["alliance_kept"] += result.alliance
                        counts["failures"] += [{"url": u, "reason": r} for u, r in result.failures]
                        timings["extract_cpu"] += result.cpu_seconds
                        timings["extract_wall"] += result.seconds
                        pids[result.pid] = max(pids.get(result.pid, 0), result.kiwi_loads)
                        models_by[result.pid] = result.models_pid
                    loader.put(seq, result)
                elif kind == "fetch_error":
                    fetch_error = rest[0]
                elif kind == "fetch_done":
                    fetch_done = True
        finally:
            fetcher.stop()
            loader.close()              # commits what is ready
        timings["cluster_start"] = runner.start_seconds
    if loader.error is not None:
        raise loader.error
    staging.remove_folder(folder)
    if fetch_error is not None:
        raise fetch_error
    _add(counts, loader.counts)
    timings["load"] = loader.seconds
    timings["fetch"] = round(fetcher.finished_at - fetcher.started_at, 3)
    timings["fetch_blocked"] = fetcher.blocked_seconds
    timings["stage"] = time.monotonic() - t0
    counts["timings"] = {k: round(v, 3) for k, v in timings.items()}
    counts["batches"] = n_batches
    counts["load_transactions"] = loader.transactions
    counts["load_transaction_seconds"] = loader.transaction_seconds
    counts["workers"] = {str(pid): loads for pid, loads in pids.items()}
    counts["models_loaded_by"] = {str(pid): loader for pid, loader in models_by.items()}
    counts["fetch_stats"] = {k: v for k, v in fetcher.stats.items() if k in ("requests", "robots_fetches", "bytes",
                                                                             "rate_limited_waits", "errors")}
    if loader.busy is not None:
        raise loader.busy
    return counts


def _result_of(future, seq: int, n: int, counts: dict, logger: logging.Logger) -> BatchResult | None:
    """The batch's result; a batch whose task failed is logged, its pages counted failed (they are not
    loaded, so the next pass fetches them again)."""
    try:
        return future.result()
    except Exception as exc:
        logger.error("batch %d failed: %s: %s", seq, type(exc).__name__, exc)
        counts["pages_failed"] += n
        counts["failures"].append({"url": f"batch {seq} ({n} pages)", "reason": f"internal_error: {type(exc).__name__}: {exc}"[:300]})
        return None


def _api_url() -> str | None:
    """The Prefect API this flow run talks to (workers of a LocalCluster must use the same one)."""
    try:
        from prefect.context import FlowRunContext
        ctx = FlowRunContext.get()
        if ctx is not None and ctx.client is not None:
            return str(ctx.client.api_url).rstrip("/")
    except Exception:
        pass
    return os.environ.get("PREFECT_API_URL") or None


__all__ = ["Item", "BatchResult", "extract_and_score", "load_leftovers", "process_pages", "staging_for", "Leftover"]
