"""The two news search services as feeds: Google News RSS and the Naver News search API (pure, no network).

* ``google_news_search_url(query)``: the Korean-edition Google News RSS search for a query;
* ``decode_google_news_url(url)``: the publisher URL inside an old-style Google News article link;
* ``naver_search_url(query)``: the Naver News search API call (send it with the client id/secret headers).

The flows fetch these URLs (flows/search_apis.py); extractors/feeds.py parses what comes back.
"""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, urlsplit

from .urls import http_url

__all__ = ["GOOGLE_NEWS_HOST", "NAVER_NEWS_API", "decode_google_news_url", "google_news_search_url",
           "is_google_news_link", "naver_search_url"]

GOOGLE_NEWS_HOST = "news.google.com"


def google_news_search_url(query: str) -> str:
    """Google News RSS search URL for a Korean-language, Korea-edition query."""
    if not query or not query.strip():
        raise ValueError("empty query")
    return (f"https://{GOOGLE_NEWS_HOST}/rss/search?q={quote(query.strip(), safe='')}"
            "&hl=ko&gl=KR&ceid=KR:ko")


def _protobuf_fields(buf: bytes) -> dict[int, list]:
    """Minimal protobuf wire-format reader: field number -> values (int for varints, bytes for
    length-delimited). Stops quietly at the first malformed or truncated field."""
    out: dict[int, list] = {}
    i, n = 0, len(buf)

    def varint(pos: int) -> tuple[int, int]:
        result = shift = 0
        while pos < n and shift < 64:
            b = buf[pos]
            result |= (b & 0x7F) << shift
            pos += 1
            if not b & 0x80:
                return result, pos
            shift += 7
        raise ValueError("truncated varint")

    try:
        while i < n:
            key, i = varint(i)
            field, wire = key >> 3, key & 7
            if field == 0:
                break
            if wire == 0:
                value, i = varint(i)
            elif wire == 2:
                length, i = varint(i)
                if i + length > n:
                    break
                value, i = buf[i:i + length], i + length
            elif wire == 1:
                value, i = buf[i:i + 8], i + 8
            elif wire == 5:
                value, i = buf[i:i + 4], i + 4
            else:
                break
            out.setdefault(field, []).append(value)
    except ValueError:
        pass
    return out


def decode_google_news_url(url: str) -> str | None:
    """Publisher URL embedded in an old-style Google News article id, or None.

    ``https://news.google.com/rss/articles/<id>?oc=5``: ``<id>`` is URL-safe base64 of a small
    protobuf message -- field 1 a varint (e.g. 0x08 0x13, hence ids starting "CBMi"), field 4 the
    article URL as a length-delimited string, optionally field 26 (0xd2 0x01) an AMP URL. Since
    mid-2024 field 4 holds an opaque token starting "AU_yqL" instead of a URL; resolving that
    needs Google's servers, so this returns None and the caller follows the redirect over HTTP.
    Anything that is not a Google News article link also gives None.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != GOOGLE_NEWS_HOST:
        return None
    segments = [s for s in parts.path.split("/") if s]
    article_id = None
    for marker in ("articles", "read"):
        if marker in segments:
            idx = segments.index(marker)
            if idx + 1 < len(segments):
                article_id = segments[idx + 1]
            break
    if not article_id or len(article_id) > 8192 or not re.fullmatch(r"[A-Za-z0-9_\-]+", article_id):
        return None
    try:
        raw = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    fields = _protobuf_fields(raw)
    for number in (4, 26):
        for value in fields.get(number, []):
            if not isinstance(value, bytes) or not value[:8].lower().startswith((b"http://", b"https:/")):
                continue
            try:
                candidate = value.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if any(ord(c) < 33 for c in candidate):
                continue
            good = http_url(candidate, None)
            if good and (urlsplit(good).hostname or "").lower() != GOOGLE_NEWS_HOST:
                return good
    return None


def is_google_news_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "").lower() == GOOGLE_NEWS_HOST and "/articles/" in parts.path


NAVER_NEWS_API = "https://openapi.naver.com/v1/search/news.json"


def naver_search_url(query: str, display: int = 100) -> str:
    """Naver News search API URL, newest first. Send it with the X-Naver-Client-Id and
    X-Naver-Client-Secret headers. ``display`` is 1..100 (the API's limit)."""
    if not query or not query.strip():
        raise ValueError("empty query")
    if not 1 <= int(display) <= 100:
        raise ValueError("display must be between 1 and 100")
    return f"{NAVER_NEWS_API}?query={quote(query.strip(), safe='')}&display={int(display)}&sort=date"
