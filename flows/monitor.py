"""`monitor`: one pass — poll feeds, fetch new pages, extract, score, load, alert.

Reads like a table of contents; the work lives in flows/polling.py (feeds), flows/pages.py (the page
stage: fetch, extract and score on the task runner, load in short transactions), extractors/ (pure)
and warehouse/ (DuckDB). Tasks take batches, never one article. Feed validators are committed after
the pages, so a pass that dies midway is resumed by the next one without fetching a loaded page again.
"""
from __future__ import annotations

import asyncio
import time

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.models import FeedEntry, FeedFetch
from flows.alerts import alert_channels, deliver
from flows.pages import load_leftovers, process_pages, staging_for
from flows.polling import poll_feeds
from flows.staging import FEEDS_SHARD
from flows.report import publish_report, publish_run_artifacts
from flows.runs import channel_ids, current_run_id, open_warehouse
from settings import Config, load_config
from warehouse import DatabaseBusy, Warehouse
from warehouse.shards import feeds_table


@task(name="poll-feeds", cache_policy=NO_CACHE)
def poll_feeds_task(config: Config, warehouse: Warehouse) -> list[tuple[FeedFetch, list[FeedEntry]]]:
    return asyncio.run(poll_feeds(config, warehouse.feed_states(), get_run_logger()))


@task(name="select-new-entries", cache_policy=NO_CACHE)
def select_new_entries(polled: list[tuple[FeedFetch, list[FeedEntry]]], warehouse: Warehouse,
                       limit: int) -> list[tuple[FeedEntry, str, str | None]]:
    """Entries whose URL the warehouse does not know, first feed wins, capped per pass."""
    seen: dict[str, tuple[FeedEntry, str, str | None]] = {}
    for fetch, entries in polled:
        for entry in entries:
            seen.setdefault(entry.url, (entry, fetch.feed_url, entry.outlet or fetch.outlet))
    known = warehouse.known_urls(seen)
    new = [item for url, item in seen.items() if url not in known]
    later = {entry.url for entry, _, _ in new[limit:]}
    for fetch, entries in polled:
        fetch.new_entries = sum(1 for e in entries if e.url not in known)
        if any(e.url in later for e in entries):
            # keep no validators: the next pass must read this feed in full to find the pages left for it
            fetch.etag = fetch.last_modified = None
    if later:
        get_run_logger().info("%d new pages; fetching %d now, the rest next pass", len(new), limit)
    return new[:limit]


@task(name="load-leftovers", cache_policy=NO_CACHE)
def load_leftovers_task(warehouse: Warehouse, config: Config, channels: list[str]) -> dict:
    """Batches a killed or locked-out pass left in the staging area, loaded before anything is fetched."""
    return load_leftovers(warehouse, staging_for(config, warehouse.path), channels, get_run_logger())


@task(name="record-feed-polls", cache_policy=NO_CACHE)
def record_polls_task(warehouse: Warehouse, config: Config, run_id: str, feeds: list[FeedFetch],
                      channels: list[str]) -> dict:
    """The feed polls (validators, backoff, fetch log), committed after the pages. If the file stays
    locked they wait in the staging area for the next run, with any batches not loaded."""
    try:
        counts = warehouse.record_polls(run_id, feeds, channels)
    except DatabaseBusy:
        stage_polls(config, warehouse, run_id, feeds)
        raise
    counts["raw_pages_pruned"] = warehouse.prune_raw_html()   # retention: [warehouse] raw_html_retention_days
    return counts


def stage_polls(config: Config, warehouse: Warehouse, run_id: str, feeds: list[FeedFetch]) -> None:
    staging = staging_for(config, warehouse.path)
    path = staging.write(f"{staging.run_folder(run_id)}/{FEEDS_SHARD}", feeds_table(feeds))
    get_run_logger().error("feed polls kept in %s for the next run", path)


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(warehouse: Warehouse, config: Config) -> dict:
    # each answer is journaled (fsync) before the next send: a crash mid-delivery never re-sends a confirmed alert
    results = deliver(warehouse.pending_alerts(), alert_channels(config), get_run_logger(),
                      timeout=config.alerts.timeout_seconds, on_result=warehouse.journal_delivery)
    warehouse.apply_journal()
    sent = sum(1 for r in results if r.ok)
    return {"alerts_sent": sent, "alerts_failed": len(results) - sent}


@flow(name="monitor")
def monitor(sources_path: str | None = None, db_path: str | None = None, workers: int | None = None) -> dict:
    """One pass over the sources file into the DuckDB file; returns the counts it also publishes.
    ``workers`` overrides ``[execution] workers`` (1 = extract and score in this process)."""
    logger = get_run_logger()
    config = load_config(sources_path)
    warehouse = open_warehouse(config, db_path)
    run_id = current_run_id()
    warehouse.start_run(run_id, "monitor", {"sources_path": str(config.path), "db_path": str(warehouse.path)})
    channels = channel_ids(config)

    try:
        counts = _one_pass(config, warehouse, run_id, channels, logger, workers)
    except Exception as exc:
        try:
            warehouse.finish_run(run_id, "failed", {}, error=f"{type(exc).__name__}: {exc}")
        except Exception:  # the database itself may be what failed; the original error matters more
            pass
        raise
    warehouse.finish_run(run_id, "completed", {k: v for k, v in counts.items()
                                               if k not in ("failures", "workers", "models_loaded_by")})
    publish_run_artifacts(warehouse, run_id, counts)
    counts.update(publish_report(warehouse.path, config.report, counts, logger))   # report.html, the Atom feed
    logger.info("pass done: %s", {k: v for k, v in counts.items() if k != "failures"})
    return counts


def _one_pass(config: Config, warehouse: Warehouse, run_id: str, channels: list[str], logger,
              workers: int | None = None) -> dict:
    t0 = time.monotonic()
    counts = load_leftovers_task(warehouse, config, channels)    # what a killed or locked-out pass left
    polled = poll_feeds_task(config, warehouse)
    feeds = [fetch for fetch, _ in polled]
    t_poll = time.monotonic()
    new = select_new_entries(polled, warehouse, config.fetch.max_pages_per_run)
    try:
        pages = process_pages(config, warehouse, run_id, new, channels, logger, workers=workers)
    except DatabaseBusy:
        stage_polls(config, warehouse, run_id, feeds)     # with the batches not loaded, for the next run
        raise
    t_pages = time.monotonic()
    _sum_into(counts, record_polls_task(warehouse, config, run_id, feeds, channels))
    _sum_into(counts, {k: v for k, v in pages.items() if k not in ("timings", "failures", "workers", "fetch_stats",
                                                                    "load_transaction_seconds", "models_loaded_by")})
    counts.update(deliver_alerts(warehouse, config))
    counts.update(
        feeds_polled=len(feeds),
        feeds_failed=sum(1 for f in feeds if f.status == "error"),
        feeds_not_modified=sum(1 for f in feeds if f.status == "not_modified"),
        feeds_skipped=sum(1 for f in feeds if f.status == "skipped"),
        pages_fetched=pages.get("pages_fetched", 0),
        pages_failed=pages.get("pages_failed", 0),
        alliance_kept=pages.get("alliance_kept", 0),
    )
    failures = [{"url": f.feed_url, "reason": f.error} for f in feeds if f.status == "error"]
    counts["failures"] = failures + pages.get("failures", [])
    timings = {"poll": round(t_poll - t0, 3), **pages.get("timings", {}),
               "feeds_and_alerts": round(time.monotonic() - t_pages, 3)}
    counts["timings"] = timings
    for key in ("batches", "workers", "models_loaded_by", "fetch_stats", "load_transaction_seconds"):
        if key in pages:
            counts[key] = pages[key]
    return counts


def _sum_into(totals: dict, counts: dict) -> None:
    for key, value in counts.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            totals[key] = round(totals.get(key, 0) + value, 3)


if __name__ == "__main__":
    monitor()
