"""`backfill`: load many pages at once — a file of URLs, a sitemap, or every entry the configured feeds still
list since a date — through the same page stage as `monitor` (flows/pages.py), resumably.

Resumable: every batch is committed as soon as it is scored, and a killed backfill leaves at most the
batches in flight in the staging area; run again, it loads those first and skips every URL the warehouse
already knows, so nothing loaded is fetched again. A backfill fills the archive: it creates stories but
no alerts (hundreds of old stories should not page anyone); feed validators are left to `monitor`.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extractors.models import KST, FeedEntry
from flows.pages import Item, load_leftovers, process_pages, staging_for
from flows.runs import channel_ids, current_run_id, open_warehouse
from settings import Config, ConfigError, load_config

MAX_SITEMAPS = 1000          # sitemaps read through one sitemap index (an index of indexes included)


def read_url_file(path: str | Path) -> list[str]:
    """The URLs of a file: one per line, blank lines and ``#`` comments skipped, duplicates dropped.
    ConfigError naming the first bad lines when a line is not an http(s) URL."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the URL list ({exc})") from None
    urls, bad = [], []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith(("http://", "https://")) or " " in line:
            bad.append(f"line {n}: {line[:80]!r}")
            continue
        urls.append(line)
    if bad:
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise ConfigError(f"{path}: not an http(s) URL: " + "; ".join(bad[:3]) + more)
    return list(dict.fromkeys(urls))


def since_instant(since: str | date | None) -> datetime | None:
    if not since:
        return None
    day = since if isinstance(since, date) else date.fromisoformat(str(since))
    return datetime.combine(day, time.min, tzinfo=KST)


async def sitemap_entries(config: Config, url: str, logger: logging.Logger) -> list[FeedEntry]:
    """The pages a sitemap (or a sitemap index, followed) lists, fetched politely."""
    from extractors.sitemaps import SitemapError, parse_sitemap
    from flows.http import PoliteFetcher
    entries: dict[str, FeedEntry] = {}
    todo, seen = [url], set()
    async with PoliteFetcher(config.fetch) as fetcher:
        while todo and len(seen) < MAX_SITEMAPS:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            response = await fetcher.fetch(current, max_bytes=config.fetch.max_feed_bytes)
            if response.error:
                if current == url:
                    raise ConfigError(f"sitemap {url}: {response.error}")
                logger.warning("sitemap %s: %s", current, response.error)
                continue
            try:
                sitemap = parse_sitemap(response.content or b"", max_bytes=config.fetch.max_feed_bytes * 10)
            except SitemapError as exc:
                if current == url:
                    raise ConfigError(f"sitemap {url}: {exc}") from None
                logger.warning("sitemap %s: %s", current, exc)
                continue
            if sitemap.kind == "sitemapindex":
                todo += [e.url for e in sitemap.entries]
                continue
            for e in sitemap.entries:
                entries.setdefault(e.url, FeedEntry(url=e.url, title=e.title or "", published_at=e.published_at))
    if todo:
        logger.warning("sitemap index lists more than %d sitemaps; read the first %d", MAX_SITEMAPS, MAX_SITEMAPS)
    return list(entries.values())


async def feed_entries(config: Config, logger: logging.Logger) -> list[tuple[FeedEntry, str, str | None]]:
    """Every entry the configured feeds list now (full GETs: the stored validators are not used)."""
    from flows.http import PoliteFetcher
    from flows.polling import poll_feed
    async with PoliteFetcher(config.fetch) as fetcher:
        polled = await asyncio.gather(*(poll_feed(fetcher, config, source, None, logger) for source in config.feeds))
    out = []
    for fetch, entries in polled:
        if fetch.status == "error":
            logger.warning("feed %s: %s", fetch.feed_url, fetch.error)
        out += [(e, fetch.feed_url, e.outlet or fetch.outlet) for e in entries]
    return out


@task(name="collect-backfill-pages", cache_policy=NO_CACHE)
def collect_items(config: Config, urls_file: str | None, sitemap: str | None, since: str | None) -> list[Item]:
    logger = get_run_logger()
    start = since_instant(since)
    if urls_file:
        items: list[Item] = [(FeedEntry(url=u), None, None) for u in read_url_file(urls_file)]
    elif sitemap:
        items = [(e, sitemap, None) for e in asyncio.run(sitemap_entries(config, sitemap, logger))]
    else:
        items = asyncio.run(feed_entries(config, logger))
    if start is not None:       # undated entries stay: nothing says they are older
        items = [it for it in items if it[0].published_at is None or it[0].published_at >= start]
    return list({it[0].url: it for it in items}.values())


@flow(name="backfill")
def backfill(urls_file: str | None = None, sitemap: str | None = None, since: str | None = None,
             sources_path: str | None = None, db_path: str | None = None, workers: int | None = None) -> dict:
    """Load the pages of ``urls_file`` / ``sitemap`` (or, with only ``since``, the configured feeds'
    entries published since that KST date) that the warehouse does not have yet."""
    logger = get_run_logger()
    config = load_config(sources_path)
    warehouse = open_warehouse(config, db_path)
    run_id = current_run_id()
    warehouse.start_run(run_id, "backfill", {"urls_file": urls_file, "sitemap": sitemap, "since": since,
                                             "db_path": str(warehouse.path)})
    try:
        counts = load_leftovers(warehouse, staging_for(config, warehouse.path), channel_ids(config), logger)
        items = collect_items(config, urls_file, sitemap, since)
        known = warehouse.known_urls(entry.url for entry, _, _ in items)
        todo = [it for it in items if it[0].url not in known]
        logger.info("backfill: %d pages listed, %d already in the warehouse, %d to fetch",
                    len(items), len(items) - len(todo), len(todo))
        pages = process_pages(config, warehouse, run_id, todo, [], logger, workers=workers, stage="backfill")
    except Exception as exc:
        try:
            warehouse.finish_run(run_id, "failed", {}, error=f"{type(exc).__name__}: {exc}")
        except Exception:
            pass
        raise
    for key, value in pages.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            counts[key] = counts.get(key, 0) + value
    counts.update(pages_listed=len(items), pages_known=len(items) - len(todo),
                  timings=pages.get("timings", {}), failures=pages.get("failures", []))
    warehouse.finish_run(run_id, "completed", {k: v for k, v in counts.items() if k != "failures"})
    logger.info("backfill done: %s", {k: v for k, v in counts.items() if k != "failures"})
    return counts
