"""Small builders of FeedFetch / PageRecord values for tests, benchmarks and demos.

They construct the extractor and classifier outputs directly (Article, Relevance), so the
warehouse can be exercised without fetching or extracting anything.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from extractors.models import KST, AllianceEvent, Article, FeedEntry, FeedFetch, OrgRef, PageRecord, Relevance


def feed_fetch(feed_url: str, *, status: str = "ok", fetched_at: datetime | None = None, outlet: str | None = None,
               error: str | None = None, http_status: int | None = 200, etag: str | None = None,
               entries: int = 0, new_entries: int = 0) -> FeedFetch:
    return FeedFetch(feed_url=feed_url, outlet=outlet, kind="rss",
                     fetched_at=fetched_at or datetime(2024, 5, 1, 9, 0, tzinfo=KST), status=status,
                     http_status=http_status, etag=etag, entries=entries, new_entries=new_entries, error=error)


def page(url: str, *, body: str = "본문", title: str | None = "제목", outlet: str | None = "테스트일보",
         published_at: datetime | None = None, fetched_at: datetime | None = None,
         feed_url: str | None = "https://feeds.example/rss", canonical_url: str | None = None,
         is_alliance: bool = False, score: float | None = None, orgs: list[str] | None = None,
         alliance: str | None = None, event: str | None = None, event_date: date | None = None,
         extractor_version: str = "test-1", raw_html: bytes | None = b"", error: str | None = None,
         http_status: int | None = 200, events: list[AllianceEvent] | None = None) -> PageRecord:
    """A fetched page. ``error`` set -> a failed page (no article). ``raw_html=b""`` -> a small
    HTML document is made from title and body."""
    published_at = published_at or datetime(2024, 5, 1, 8, 0, tzinfo=KST)
    fetched_at = fetched_at or published_at + timedelta(hours=1)
    if raw_html == b"":
        raw_html = f"<html><head><title>{title or ''}</title></head><body><article><h1>{title or ''}</h1>" \
                   f"{''.join(f'<p>{p}</p>' for p in body.split(chr(10)*2))}</article></body></html>".encode()
    entry = FeedEntry(url=url, title=title or "", published_at=published_at, outlet=outlet)
    if error:
        return PageRecord(url=url, feed_url=feed_url, fetched_at=fetched_at, http_status=http_status,
                          content_type="text/html", raw_html=raw_html, entry=entry, error=error)
    org_names = list(orgs or [])
    if events is None:
        events = [AllianceEvent(alliance=alliance, event=event, event_date=event_date, orgs=org_names,
                                evidence=body.split(".")[0][:200])] if (is_alliance and event) else []
    rel = Relevance(is_alliance=is_alliance, score=score if score is not None else (0.9 if is_alliance else 0.1),
                    orgs=[OrgRef(name=o, resolved=True, org_type="company") for o in org_names],
                    alliance=alliance, event=event, event_date=event_date, events=events,
                    evidence={"cues": ["동맹"]} if is_alliance else {})
    art = Article(url=url, canonical_url=canonical_url or url, outlet=outlet, title=title, authors=["기자"],
                  published_at=published_at, language="ko", body=body, extractor_version=extractor_version)
    return PageRecord(url=url, feed_url=feed_url, fetched_at=fetched_at, http_status=http_status,
                      content_type="text/html; charset=utf-8", raw_html=raw_html, entry=entry, article=art,
                      relevance=rel)


FIXTURE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stories"


def load_story_fixture(path: str | Path | None = None) -> list[dict]:
    """Articles of the syndicated-rewrites set: dicts with id, story (gold label), outlet, title,
    body, published_at (datetime), alliance, event, event_date (date|None), orgs."""
    path = Path(path) if path else FIXTURE_DIR
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    items = []
    for f in files:
        for it in json.loads(f.read_text(encoding="utf-8"))["articles"]:
            it = dict(it)
            it["published_at"] = datetime.fromisoformat(it["published_at"])
            it["event_date"] = date.fromisoformat(it["event_date"]) if it.get("event_date") else None
            items.append(it)
    return items


def fixture_pages(items: list[dict], *, feed_url: str = "https://feeds.example/rss") -> list[PageRecord]:
    """PageRecords for fixture items (all alliance-relevant, as the classifier would say)."""
    return [page(f"https://{it['outlet_host']}/news/{it['id']}", body=it["body"], title=it["title"],
                 outlet=it["outlet"], published_at=it["published_at"], feed_url=feed_url, is_alliance=True,
                 score=0.9, orgs=it["orgs"], alliance=it.get("alliance"), event=it.get("event"),
                 event_date=it.get("event_date")) for it in items]
