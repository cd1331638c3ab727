"""`reprocess`: re-extract and re-score stored raw HTML with the current code, without the network."""
from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from extractors.models import PageRecord  # noqa: E402
from extractors.pipeline import process_page  # noqa: E402
from flows import progress  # noqa: E402
from flows.alerts import alert_channels  # noqa: E402
from flows.monitor import deliver_alerts  # noqa: E402
from radar.config import default_db_path, load_config  # noqa: E402
from warehouse import Warehouse  # noqa: E402

BATCH = 200


@task(name="reprocess-batch", cache_policy=NO_CACHE)
def reprocess_batch(warehouse: Warehouse, rows: list[dict], threshold: float, channels: list[str]) -> dict:
    pages = []
    for row in rows:
        entry = row["entry"]          # the feed item: title, date and outlet the page itself may not give
        page = PageRecord(url=row["url"], feed_url=row["feed_url"], fetched_at=row["fetched_at"],
                          http_status=row["http_status"], content_type=row["content_type"],
                          raw_html=row["raw_html"], entry=entry)
        # the same outlet hint the monitor gave: the item's own source, else the feed's configured outlet
        outlet_hint = (entry.outlet if entry else None) or row["feed_outlet"]
        page.article, page.relevance, page.error = process_page(
            page.raw_html, url=page.url, content_type=page.content_type, entry=entry,
            outlet_hint=outlet_hint, threshold=threshold)
        pages.append(page)
    return warehouse.reprocess(pages, channels)


@flow(name="reprocess")
def reprocess(db_path: str | None = None, sources_path: str | None = None, since: str | None = None) -> dict:
    """Re-run extraction and scoring over stored pages (fetched on or after `since`, ISO date)."""
    logger = get_run_logger()
    config = load_config(sources_path)
    warehouse = Warehouse(Path(db_path) if db_path else default_db_path(),
                          lock_wait_seconds=config.warehouse.lock_wait_seconds)
    warehouse.migrate()
    run_id = str(flow_run.id or "local")
    warehouse.start_run(run_id, "reprocess", {"since": since, "db_path": str(warehouse.path)})
    channels = [channel.id for channel in alert_channels(config)]
    since_date = date.fromisoformat(since) if since else None
    total = warehouse.raw_page_count(since_date)
    totals: dict = {"pages": 0}
    batch: list[dict] = []

    def flush() -> None:
        counts = reprocess_batch(warehouse, batch, config.relevance.threshold, channels)
        for key, value in counts.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
        totals["pages"] += len(batch)
        batch.clear()
        progress.report("reprocess", totals["pages"], max(total, totals["pages"]))

    for row in warehouse.raw_pages(since_date):     # streamed: one batch of raw HTML in memory at a time
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    totals.update(deliver_alerts(warehouse, config))
    warehouse.finish_run(run_id, "completed", totals)
    logger.info("reprocess done: %s", totals)
    return totals
