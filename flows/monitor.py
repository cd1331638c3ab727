"""`monitor`: one pass — poll feeds, fetch new pages, extract, score, load, alert.

Reads like a table of contents; the work lives in flows/polling.py (network), extractors/ (pure)
and warehouse/ (DuckDB). Tasks take batches, never one article.
"""
from __future__ import annotations

import asyncio

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.models import FeedEntry, FeedFetch, PageRecord
from extractors.pipeline import process_page
from flows import spool
from flows.alerts import alert_channels, deliver
from flows.polling import fetch_pages, poll_feeds
from flows.report import publish_report, publish_run_artifacts
from flows.runs import channel_ids, current_run_id, open_warehouse
from settings import Config, load_config
from warehouse import DatabaseBusy, Warehouse


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
    for fetch, entries in polled:
        fetch.new_entries = sum(1 for e in entries if e.url not in known)
    if len(new) > limit:
        get_run_logger().info("%d new pages; fetching %d now, the rest next pass", len(new), limit)
        waiting = {feed_url for _, feed_url, _ in new[limit:]}
        for fetch, _ in polled:
            if fetch.feed_url in waiting:      # no validators: the next poll lists the rest again, not a 304
                fetch.etag = fetch.last_modified = None
    return new[:limit]


@task(name="fetch-pages", cache_policy=NO_CACHE)
def fetch_pages_task(config: Config, batch: list[tuple[FeedEntry, str, str | None]]) -> list[PageRecord]:
    return asyncio.run(fetch_pages(config, batch))


@task(name="extract-and-score", cache_policy=NO_CACHE)
def extract_and_score(pages: list[PageRecord], outlets: dict[str, str | None], config: Config) -> list[PageRecord]:
    for page in pages:
        if page.raw_html is None:
            continue
        page.article, page.relevance, error = process_page(
            page.raw_html, url=page.url, content_type=page.content_type, entry=page.entry,
            outlet_hint=outlets.get(page.url), threshold=config.relevance.threshold,
            max_bytes=config.fetch.max_page_bytes)
        page.error = page.error or error
    return pages


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_task(warehouse: Warehouse, run_id: str, feeds: list[FeedFetch], pages: list[PageRecord],
              channels: list[str]) -> dict:
    """One transaction. If the file stays locked, the pass is spooled to disk and loaded next run."""
    try:
        counts = warehouse.load(run_id, feeds, pages, channels)
    except DatabaseBusy:
        path = spool.save(warehouse.path, run_id, feeds, pages)
        get_run_logger().error("load failed; %d pages kept in %s for the next run", len(pages), path)
        raise
    counts["raw_pages_pruned"] = warehouse.prune_raw_html()   # retention: [warehouse] raw_html_retention_days
    return counts


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(warehouse: Warehouse, config: Config) -> dict:
    # each answer is journaled (fsync) before the next send: a crash mid-delivery never re-sends a confirmed alert
    results = deliver(warehouse.pending_alerts(), alert_channels(config), get_run_logger(),
                      timeout=config.alerts.timeout_seconds, on_result=warehouse.journal_delivery)
    warehouse.apply_journal()
    sent = sum(1 for r in results if r.ok)
    return {"alerts_sent": sent, "alerts_failed": len(results) - sent}


@flow(name="monitor")
def monitor(sources_path: str | None = None, db_path: str | None = None) -> dict:
    """One pass over the sources file into the DuckDB file; returns the counts it also publishes."""
    logger = get_run_logger()
    config = load_config(sources_path)
    warehouse = open_warehouse(config, db_path)
    run_id = current_run_id()
    warehouse.start_run(run_id, "monitor", {"sources_path": str(config.path), "db_path": str(warehouse.path)})
    channels = channel_ids(config)

    try:
        counts = _one_pass(config, warehouse, run_id, channels, logger)
    except Exception as exc:
        try:
            warehouse.finish_run(run_id, "failed", {}, error=f"{type(exc).__name__}: {exc}")
        except Exception:  # the database itself may be what failed; the original error matters more
            pass
        raise
    warehouse.finish_run(run_id, "completed", {k: v for k, v in counts.items() if k != "failures"})
    publish_run_artifacts(warehouse, run_id, counts)
    counts.update(publish_report(warehouse.path, config.report, counts, logger))   # report.html, the Atom feed
    logger.info("pass done: %s", {k: v for k, v in counts.items() if k != "failures"})
    return counts


def _one_pass(config: Config, warehouse: Warehouse, run_id: str, channels: list[str], logger) -> dict:
    spooled_counts = spool.load_pending(warehouse, channels, logger)   # a pass that could not load before
    polled = poll_feeds_task(config, warehouse)
    feeds = [fetch for fetch, _ in polled]
    new = select_new_entries(polled, warehouse, config.fetch.max_pages_per_run)
    outlets = {entry.url: outlet for entry, _, outlet in new}
    pages: list[PageRecord] = []
    step = config.fetch.pages_per_batch
    for start in range(0, len(new), step):
        batch = fetch_pages_task(config, new[start:start + step])
        pages += extract_and_score(batch, outlets, config)
    counts = load_task(warehouse, run_id, feeds, pages, channels)
    for key, value in spooled_counts.items():
        counts[key] = counts.get(key, 0) + value
    counts.update(deliver_alerts(warehouse, config))
    counts.update(
        feeds_polled=len(feeds),
        feeds_failed=sum(1 for f in feeds if f.status == "error"),
        feeds_not_modified=sum(1 for f in feeds if f.status == "not_modified"),
        feeds_skipped=sum(1 for f in feeds if f.status == "skipped"),
        pages_fetched=sum(1 for p in pages if p.raw_html is not None),
        pages_failed=sum(1 for p in pages if p.article is None),
        alliance_kept=sum(1 for p in pages if p.relevance and p.relevance.is_alliance),
    )
    failures = [(f.feed_url, f.error) for f in feeds if f.status == "error"]
    failures += [(p.url, p.error) for p in pages if p.article is None]
    counts["failures"] = [{"url": url, "reason": reason} for url, reason in failures]
    return counts


if __name__ == "__main__":
    monitor()
