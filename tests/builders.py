"""Builders of the values the warehouse takes and hands out, for tests: a fetched page as the extractors
and the classifier would leave it (no fetching, no extracting), a feed poll, a pending alert, a story row.
The syndicated-rewrites set and its pages come from radar.bench_stories (the benchmark owns that data)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from extractors.models import KST, AllianceEvent, Article, FeedEntry, FeedFetch, OrgRef, PageRecord, Relevance
from warehouse import PendingAlert, StoryRow


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


def pending_alert(alert_id: str = "a1", *, channel: str | None = "log", title: str | None = "제목",
                  url: str | None = "https://example.kr/1", outlet: str | None = None, outlets: tuple[str, ...] = (),
                  outlet_count: int = 0, alliance: str | None = None, event: str | None = None,
                  event_date: date | None = None, orgs: tuple[str, ...] = (),
                  first_published_at: datetime | None = None) -> PendingAlert:
    return PendingAlert(alert_id=alert_id, story_id="s-" + alert_id, channel=channel, attempts=0, last_error=None,
                        created_at=None, title=title, url=url, outlet=outlet, outlets=tuple(outlets),
                        outlet_count=outlet_count, article_count=max(1, outlet_count), alliance=alliance,
                        event=event, event_date=event_date, orgs=tuple(orgs), first_published_at=first_published_at,
                        urls=(url,) if url else ())


def story_row(alert: PendingAlert, **changes) -> StoryRow:
    """The story an alert is about, as alliance_stories shows it."""
    fields = dict(story_id=alert.story_id, title=alert.title, url=alert.url, outlet=alert.outlet,
                  alliance=alert.alliance, event=alert.event, event_date=alert.event_date, orgs=alert.orgs,
                  first_published_at=alert.first_published_at, last_published_at=alert.first_published_at,
                  article_count=alert.article_count, outlet_count=alert.outlet_count, outlets=alert.outlets,
                  urls=alert.urls, created_at=datetime(2024, 1, 1, tzinfo=KST), alerted=False)
    fields.update(changes)
    return StoryRow(**fields)
