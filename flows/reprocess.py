"""`reprocess`: re-extract and re-score stored raw HTML with the current code, without the network."""
from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.models import PageRecord
from extractors.pipeline import process_page
from flows import progress
from flows.monitor import deliver_alerts
from flows.runs import channel_ids, current_run_id, open_warehouse
from settings import Config, load_config
from warehouse import RawPage, Warehouse


@task(name="reprocess-batch", cache_policy=NO_CACHE)
def reprocess_batch(warehouse: Warehouse, stored: list[RawPage], config: Config, channels: list[str]) -> dict:
    pages = []
    for raw in stored:
        # the feed item fills what the page does not say (title, date, outlet), as in the monitor pass
        page = PageRecord(url=raw.url, feed_url=raw.feed_url, fetched_at=raw.fetched_at, http_status=raw.http_status,
                          content_type=raw.content_type, raw_html=raw.raw_html, entry=raw.entry)
        page.article, page.relevance, page.error = process_page(
            raw.raw_html, url=raw.url, content_type=raw.content_type, entry=raw.entry, outlet_hint=raw.outlet_hint,
            threshold=config.relevance.threshold, max_bytes=config.fetch.max_page_bytes)
        pages.append(page)
    return warehouse.reprocess(pages, channels)


@flow(name="reprocess")
def reprocess(db_path: str | None = None, sources_path: str | None = None, since: str | None = None) -> dict:
    """Re-run extraction and scoring over stored pages (fetched on or after `since`, ISO date)."""
    logger = get_run_logger()
    config = load_config(sources_path)
    warehouse = open_warehouse(config, db_path)
    run_id = current_run_id()
    warehouse.start_run(run_id, "reprocess", {"since": since, "db_path": str(warehouse.path)})
    channels = channel_ids(config)
    since_date = date.fromisoformat(since) if since else None
    total = warehouse.raw_page_count(since_date)
    totals: dict = {"pages": 0}
    batch: list[RawPage] = []

    def flush() -> None:
        counts = reprocess_batch(warehouse, batch, config, channels)
        for key, value in counts.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
        totals["pages"] += len(batch)
        batch.clear()
        progress.report("reprocess", totals["pages"], max(total, totals["pages"]))

    for row in warehouse.raw_pages(since_date):     # streamed: one batch of raw HTML in memory at a time
        batch.append(row)
        if len(batch) >= config.warehouse.raw_pages_per_chunk:
            flush()
    if batch:
        flush()
    totals.update(deliver_alerts(warehouse, config))
    warehouse.finish_run(run_id, "completed", totals)
    logger.info("reprocess done: %s", totals)
    return totals
