"""Result shards: what one batch of pages became, as one Parquet file, and back — the hand-over between
the workers that extract and score pages and the one loader that writes DuckDB.

A page shard has one row per fetched page with three struct columns, exactly the rows of
``rows.page_rows`` (every hash, sketch and compression already computed by the worker):

    log      the fetch-log row (url, feed_url, fetched_at, status, http_status, reason, error, bytes, ...)
    raw      the raw-page row (zlib-compressed HTML, its sha1 and size, the feed item as JSON), or null
    article  the article row (text, metadata, score, orgs, events, MinHash sketch, row_hash), or null

so a shard can be read by anything that reads Parquet (``duckdb -c "select article.title from
'00003.parquet'"``). A feed shard (``feeds_table``) holds a pass's feed polls when they could not be
committed. Types are inferred from the values, so a column the rows do not fill is simply null.
"""
from __future__ import annotations

from dataclasses import asdict, fields

import numpy as np
import pyarrow as pa

from extractors.models import FeedFetch

from .rows import aware


def to_table(rows: list[dict]) -> pa.Table:
    """Page rows (``rows.page_rows``) -> an Arrow table, one row per page."""
    return pa.Table.from_pylist([{"log": r.get("log"), "raw": r.get("raw"), "article": r.get("article")}
                                 for r in rows])


def from_table(table: pa.Table) -> list[dict]:
    """The page rows of a shard, as ``rows.combine`` takes them (sketches back as uint32 arrays)."""
    rows = table.to_pylist()
    for row in rows:
        article = row.get("article")
        if article is not None and article.get("sketch") is not None:
            article["sketch"] = np.asarray(article["sketch"], dtype=np.uint32)
        for part in ("log", "raw", "article"):
            row.setdefault(part, None)
    return rows


FEED_FIELDS = [f.name for f in fields(FeedFetch)]


def feeds_table(feeds: list[FeedFetch]) -> pa.Table:
    return pa.Table.from_pylist([asdict(f) for f in feeds])


def feeds_from_table(table: pa.Table) -> list[FeedFetch]:
    out = []
    for row in table.to_pylist():
        values = {k: row.get(k) for k in FEED_FIELDS}
        values["fetched_at"] = aware(values["fetched_at"])
        out.append(FeedFetch(**values))
    return out
