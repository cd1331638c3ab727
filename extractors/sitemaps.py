"""Sitemap bytes -> page URLs (for `radar backfill --sitemap`). Pure: no network.

Reads the sitemaps.org protocol — a ``<urlset>`` of pages or a ``<sitemapindex>`` of further sitemaps —
plain or gzip-compressed, with Google News extensions (``<news:publication_date>``, ``<news:title>``).
A page's date is its news publication date, else its ``<lastmod>`` (a date without a zone is read as
KST, like every date in the radar). Malformed XML is read as far as it goes; bytes that are no sitemap
at all raise SitemapError.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from .dates import parse_datetime


class SitemapError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    url: str
    published_at: datetime | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    kind: str                                  # "urlset" | "sitemapindex"
    entries: tuple[SitemapEntry, ...]          # pages (urlset) or child sitemaps (sitemapindex)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _decompress(data: bytes, max_bytes: int) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise SitemapError(f"not a valid gzip file: {exc}") from None
    if len(out) > max_bytes:
        raise SitemapError(f"the sitemap is larger than {max_bytes:,} bytes once decompressed")
    return out


def parse_sitemap(data: bytes, *, max_bytes: int = 50_000_000) -> Sitemap:
    """The pages (or child sitemaps) a sitemap lists, in document order, without duplicates."""
    data = _decompress(data or b"", max_bytes)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data.lstrip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from None
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (root element {_local(root.tag) if root is not None else 'none'!r})")
    kind = _local(root.tag)
    item_tag = "url" if kind == "urlset" else "sitemap"
    seen: set[str] = set()
    entries = []
    for item in root:
        if _local(item.tag) != item_tag:
            continue
        loc = lastmod = published = title = None
        for child in item.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and loc is None:
                loc = text
            elif name == "lastmod":
                lastmod = text
            elif name == "publication_date":
                published = text
            elif name == "title" and child.getparent() is not None and _local(child.getparent().tag) == "news":
                title = text
        if not loc or not loc.startswith(("http://", "https://")) or loc in seen:
            continue
        seen.add(loc)
        when = parse_datetime(published) if published else None
        if when is None and lastmod:
            when = parse_datetime(lastmod)
        entries.append(SitemapEntry(url=loc, published_at=when, title=title or None))
    return Sitemap(kind=kind, entries=tuple(entries))
