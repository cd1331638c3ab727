"""The network half of a pass: poll feeds (conditional GET) and fetch pages, politely.

Plain async functions over one PoliteFetcher; the Prefect tasks in monitor.py call them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timezone

from extractors.feeds import parse_feed, parse_naver_news
from extractors.models import FeedEntry, FeedFetch, FeedParseError, FeedState, PageRecord
from extractors.news_search import google_news_search_url, naver_search_url
from flows import progress
from flows.http import PoliteFetcher
from flows.search_apis import fetch_naver_news, resolve_google_news_link
from settings import Config, FeedSource


def _now() -> datetime:
    return datetime.now(timezone.utc)


def feed_url_of(source: FeedSource) -> str:
    """The URL a source is polled at (and keyed by in the warehouse). ValueError for an empty query."""
    if source.url:
        return source.url
    if source.kind == "google_news":
        return google_news_search_url(source.query or "")
    return naver_search_url(source.query or "")


async def poll_feeds(config: Config, states: dict[str, FeedState], logger: logging.Logger
                     ) -> list[tuple[FeedFetch, list[FeedEntry]]]:
    # all feeds at once: the fetcher enforces the per-host and total bounds
    done = 0

    async def one(source: FeedSource) -> tuple[FeedFetch, list[FeedEntry]]:
        nonlocal done
        result = await poll_feed(fetcher, config, source, states.get(feed_url_of(source)), logger)
        done += 1
        progress.report("feeds", done, len(config.feeds))
        return result

    async with PoliteFetcher(config.fetch) as fetcher:
        return list(await asyncio.gather(*(one(source) for source in config.feeds)))


async def poll_feed(fetcher: PoliteFetcher, config: Config, source: FeedSource, state: FeedState | None,
                    logger: logging.Logger | None = None, *, resolve_links: bool = True
                    ) -> tuple[FeedFetch, list[FeedEntry]]:
    """Fetch and parse one feed. With a state: conditional GET and backoff; without: a plain GET
    (what `radar sources check` wants). Never raises for network or parse faults."""
    feed_url = feed_url_of(source)
    started = _now()
    fetch = FeedFetch(feed_url=feed_url, outlet=source.outlet, kind=source.kind, fetched_at=started, status="ok")
    if state and state.next_attempt_at and state.next_attempt_at > started:
        fetch.status, fetch.error = "skipped", f"backing off after {state.consecutive_failures} failures until {state.next_attempt_at.isoformat()}"
        return fetch, []
    if source.kind == "naver_api":
        response = await fetch_naver_news(fetcher, source.query or "", env=config.env, url=feed_url, logger=logger)
        if response is None:  # no API keys configured: skipped, said once in the log by fetch_naver_news
            fetch.status, fetch.error = "skipped", "naver_api: no client id/secret configured"
            return fetch, []
    else:
        response = await fetcher.fetch(feed_url, etag=state.etag if state else None,
                                       last_modified=state.last_modified if state else None,
                                       max_bytes=config.fetch.max_feed_bytes)
    fetch.http_status, fetch.elapsed_ms = response.http_status, response.elapsed_ms
    fetch.etag = response.etag or (state.etag if state else None)
    fetch.last_modified = response.last_modified or (state.last_modified if state else None)
    if response.not_modified:
        fetch.status = "not_modified"
        return fetch, []
    if response.error:
        fetch.status, fetch.error = "error", response.error
        return fetch, []
    try:
        if source.kind == "naver_api":
            parsed = parse_naver_news(response.content or b"", feed_url=feed_url)
        else:
            parsed = parse_feed(response.content or b"", feed_url=feed_url, content_type=response.content_type,
                                max_bytes=config.fetch.max_feed_bytes)
    except FeedParseError as exc:
        fetch.status, fetch.error = "error", f"{exc.reason}: {exc}"
        # a feed that stopped parsing must be fetched in full next time, not answered 304
        fetch.etag = fetch.last_modified = None
        return fetch, []
    entries = parsed.entries
    if source.kind == "google_news" and resolve_links:
        entries = [await _resolve_google(fetcher, entry) for entry in entries]
    fetch.entries, fetch.encoding = len(entries), parsed.encoding
    fetch.error = parsed.warning           # non-fatal; status stays ok
    if parsed.warning and logger:
        logger.info("feed %s: %s", feed_url, parsed.warning)
    return fetch, entries


async def _resolve_google(fetcher: PoliteFetcher, entry: FeedEntry) -> FeedEntry:
    url = await resolve_google_news_link(fetcher, entry.url)
    return replace(entry, url=url) if url and url != entry.url else entry


async def fetch_pages(config: Config, items: list[tuple[FeedEntry, str, str | None]]) -> list[PageRecord]:
    """items: (entry, feed_url, outlet). Returns one PageRecord per item, in order."""
    done = 0

    def on_done(_response) -> None:
        nonlocal done
        done += 1
        progress.report("pages", done, len(items))

    async with PoliteFetcher(config.fetch) as fetcher:
        responses = await fetcher.fetch_many([entry.url for entry, _, _ in items],
                                             max_bytes=config.fetch.max_page_bytes, on_done=on_done)
    records = []
    for (entry, feed_url, _outlet), response in zip(items, responses):
        records.append(PageRecord(
            url=entry.url, feed_url=feed_url, fetched_at=_now(), http_status=response.http_status,
            content_type=response.content_type, raw_html=response.content if not response.error else None,
            entry=entry, error=response.error, elapsed_ms=response.elapsed_ms,
        ))
    return records
