"""Page bytes -> Article + Relevance: the one pure path that `monitor`, `reprocess` and `radar extract` share.

Feed data fills what a page does not say (title, published time, outlet), because portals and
JS-rendered pages often hide them from the HTML. The article's ``extractor_version`` names both halves,
"<extractor version>/<classifier version>" (each carries a digest of its data files), so a rule or
lexicon change shows in the version history that `radar reprocess` writes.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from extractors.article import extract_article
from extractors.decode import charset_from_content_type
from extractors.models import Article, ExtractionError, FeedEntry, Relevance
from extractors.relevance import classifier_version, classify


def extract_page(raw_html: bytes, *, url: str, content_type: str | None = None,
                 max_bytes: int | None = None, published_hint: datetime | None = None) -> Article:
    """The article in a page's bytes (charset from ``content_type``); ExtractionError when there is none.
    ``max_bytes`` (the caller's setting, FetchSettings.max_page_bytes) refuses larger pages as too_large;
    ``published_hint`` (the feed item's date) replaces htmldate's guess, see ``extract_article``."""
    return extract_article(raw_html, url=url, http_charset=charset_from_content_type(content_type),
                           published_hint=published_hint, max_bytes=max_bytes)


def process_page(
    raw_html: bytes,
    *,
    url: str,
    content_type: str | None = None,
    entry: FeedEntry | None = None,
    outlet_hint: str | None = None,
    threshold: float,
    max_bytes: int | None = None,
) -> tuple[Article | None, Relevance | None, str | None]:
    """Return (article, relevance, error reason). Never raises on bad page bytes."""
    try:
        article = extract_page(raw_html, url=url, content_type=content_type, max_bytes=max_bytes,
                               published_hint=entry.published_at if entry is not None else None)
    except ExtractionError as exc:
        return None, None, f"{exc.reason}: {exc}"
    article = _fill_from_feed(article, entry, outlet_hint)
    article = replace(article, extractor_version=f"{article.extractor_version}/{classifier_version()}")
    relevance = classify(article.title or "", article.body, article.published_at, threshold=threshold)
    return article, relevance, None


_WARM_UP_PAGE = ("<!doctype html><html lang='ko'><head><meta charset='utf-8'><title>워밍업 - 알림</title></head><body>"
                 "<article><h1>KT와 LG유플러스, AI 협력 업무협약 체결</h1><p>KT와 LG유플러스가 인공지능 분야 협력을 위한 "
                 "업무협약(MOU)을 체결했다고 밝혔다. 두 회사는 AI 반도체와 언어모델을 함께 개발한다.</p>"
                 "<p>양사는 앞으로 3년간 공동 연구를 진행하고 성과를 공개할 계획이다.</p></article></body></html>").encode()


def warm_up() -> None:
    """Build, once per process, what every page needs — boilerplate rules, the outlet registry, the
    gazetteer, the lexicon and Kiwi's model (which loads on its first analysis) — by running one small
    page through the whole path. A worker that does this as it starts serves its first batch at full speed."""
    try:
        process_page(_WARM_UP_PAGE, url="https://warm-up.invalid/news/1", content_type="text/html; charset=utf-8",
                     threshold=0.5)
    except Exception:   # warming up must never break a worker; the first page would raise the same error
        pass


def _fill_from_feed(article: Article, entry: FeedEntry | None, outlet_hint: str | None) -> Article:
    changes = {}
    if entry is not None:
        if not article.title and entry.title:
            changes["title"] = entry.title
        if article.published_at is None and entry.published_at is not None:
            changes["published_at"] = entry.published_at
        if not article.outlet and entry.outlet:
            changes["outlet"] = entry.outlet
    if not article.outlet and not changes.get("outlet") and outlet_hint:
        changes["outlet"] = outlet_hint
    return replace(article, **changes) if changes else article
