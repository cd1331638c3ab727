"""The two news search services over HTTP, through the polite fetcher: Google News links and the Naver API.

* ``resolve_google_news_link``: the publisher URL behind a Google News article link (pure decoding
  first, then one polite GET), remembered per pass;
* ``fetch_naver_news``: one Naver News search API call with the keys from the environment (or Prefect
  Secret blocks); without keys it returns None after one log line per pass.

The URLs themselves are built by ``extractors.news_search``; ``extractors.feeds`` parses the answers.
What a pass learns (resolved links, the Naver keys, "no keys" said once) lives in ``fetcher.memo``.
"""
from __future__ import annotations

import html
import logging
import re
from urllib.parse import urlsplit

from extractors.news_search import decode_google_news_url, naver_search_url
from flows.http import FetchResponse, PoliteFetcher
from settings import Environment

log = logging.getLogger("radar.http")

GOOGLE_NEWS_HOSTS = ("news.google.com",)
GOOGLE_GIVE_UP_AFTER = 3          # unresolved HTTP attempts in a row before a fetcher stops trying
_HTML_URL_PATTERNS = (
    re.compile(rb'data-n-au="(https?://[^"]+)"'),
    re.compile(rb'<meta[^>]+http-equiv=["\']?refresh["\']?[^>]+url=([^"\'>\s]+)', re.I),
    re.compile(rb'<a[^>]+href="(https?://[^"]+)"[^>]*>', re.I),
)


# --- Google News links -----------------------------------------------------------------------------

def _publisher_in_html(content: bytes | None, hosts: tuple[str, ...]) -> str | None:
    if not content:
        return None
    head = content[:400_000]
    for pattern in _HTML_URL_PATTERNS:
        for m in pattern.finditer(head):
            cand = html.unescape(m.group(1).decode("utf-8", "replace"))
            h = (urlsplit(cand).hostname or "").lower()
            if h and h not in hosts and not h.endswith((".google.com", ".gstatic.com", ".googleusercontent.com")) \
                    and h != "google.com":
                return cand
    return None


async def resolve_google_news_link(fetcher: PoliteFetcher, url: str, *,
                                   hosts: tuple[str, ...] = GOOGLE_NEWS_HOSTS) -> str:
    """Publisher URL for a Google News article link; the link itself when it cannot be resolved.

    Pure decoding first (old protobuf/base64 article ids carry the URL); otherwise one polite GET
    (robots, address checks and limits apply): a redirect to the publisher, or the publisher URL
    in the returned page. Results are remembered per fetcher, and after ``GOOGLE_GIVE_UP_AFTER``
    unresolved attempts in a row the fetcher stops asking Google for this pass (new-style
    "AU_yqL" ids need Google's private batchexecute API, which this project does not call)."""
    host = (urlsplit(url).hostname or "").lower()
    if host not in hosts:
        return url
    decoded = decode_google_news_url(url)
    if decoded:
        return decoded
    cache: dict[str, str] = fetcher.memo.setdefault("google_links", {})
    if url in cache:
        return cache[url]
    if fetcher.stats["google_unresolved_streak"] >= GOOGLE_GIVE_UP_AFTER:
        fetcher.stats["google_not_tried"] += 1
        return url
    r = await fetcher.fetch(url, max_bytes=fetcher.settings.max_link_page_bytes)
    final_host = (urlsplit(r.final_url).hostname or "").lower()
    resolved = None
    if r.redirects and final_host and final_host not in hosts and not final_host.endswith(".google.com"):
        resolved = r.final_url
    elif r.ok:
        resolved = _publisher_in_html(r.content, hosts)
    if resolved:
        fetcher.stats["google_resolved"] += 1
        fetcher.stats["google_unresolved_streak"] = 0
    else:
        fetcher.stats["google_unresolved"] += 1
        fetcher.stats["google_unresolved_streak"] += 1
        if fetcher.stats["google_unresolved_streak"] == GOOGLE_GIVE_UP_AFTER:
            log.info("Google News links not resolvable over HTTP (last: %s); keeping news.google.com links "
                     "for the rest of this pass", r.error or "no redirect")
    cache[url] = resolved or url
    return cache[url]


# --- Naver news search API -------------------------------------------------------------------------

async def naver_credentials(env: Environment) -> tuple[str, str] | None:
    """(client id, secret) from NAVER_CLIENT_ID / NAVER_CLIENT_SECRET (read by settings), else from
    Prefect Secret blocks ``naver-client-id`` / ``naver-client-secret``; None when neither is set."""
    if env.naver_credentials:
        return env.naver_credentials
    if not env.prefect_secrets:
        return None
    from prefect.settings import PREFECT_API_URL
    if not PREFECT_API_URL.value():
        return None        # no Prefect server / Cloud configured: don't start an ephemeral API just to look
    from prefect.blocks.system import Secret
    try:
        cid_block = await Secret.aload("naver-client-id")
        secret_block = await Secret.aload("naver-client-secret")
    except Exception:   # no API, no block: treat as "no keys"
        return None
    cid, secret = str(cid_block.get()), str(secret_block.get())
    return (cid, secret) if cid and secret else None


async def fetch_naver_news(fetcher: PoliteFetcher, query: str, *, env: Environment, url: str | None = None,
                           display: int = 100, logger: logging.Logger | logging.LoggerAdapter | None = None
                           ) -> FetchResponse | None:
    """One Naver news search API call. None (after one log line per fetcher) when no keys are configured.
    The parse is ``extractors.feeds.parse_naver_news(resp.content, feed_url=...)``."""
    if "naver_credentials" not in fetcher.memo:
        fetcher.memo["naver_credentials"] = await naver_credentials(env)      # once per fetcher (one pass)
    creds = fetcher.memo["naver_credentials"]
    if not creds:
        if not fetcher.memo.get("naver_skip_logged"):
            fetcher.memo["naver_skip_logged"] = True
            (logger or log).info("Naver news search skipped: no NAVER_CLIENT_ID/NAVER_CLIENT_SECRET "
                                 "(env) or Prefect Secret blocks naver-client-id/naver-client-secret")
        return None
    return await fetcher.fetch(url or naver_search_url(query, display), max_bytes=fetcher.settings.max_feed_bytes,
                               check_robots=False,
                               headers={"X-Naver-Client-Id": creds[0], "X-Naver-Client-Secret": creds[1],
                                        "Accept": "application/json"})
