"""Typed records that cross the warehouse boundary (what the warehouse hands out, and the delivery
results it takes back). Frozen: a reader can rely on every field being there, with this name and type.

What goes IN to a load is ``extractors.models`` (``PageRecord``, ``FeedFetch``); what comes OUT is here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from extractors.models import FeedEntry


@dataclass(frozen=True, slots=True)
class RawPage:
    """A stored page, decompressed, as ``reprocess`` needs it to extract it again without the network."""
    url: str
    feed_url: str | None
    fetched_at: datetime
    http_status: int | None
    content_type: str | None
    raw_html: bytes
    entry: FeedEntry | None         # the feed item it came from: title, date and outlet the page may not give
    feed_outlet: str | None         # the outlet its feed is configured with in the sources file
    article_id: str | None          # the article it became (None when extraction failed)
    error: str | None

    @property
    def outlet_hint(self) -> str | None:
        """The outlet the monitor gave the extractor: the item's own source, else the feed's outlet."""
        return (self.entry.outlet if self.entry else None) or self.feed_outlet


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One report of a story (for the digest): which outlet said it, and when it joined the story."""
    article_id: str
    outlet: str | None
    title: str | None
    url: str
    published_at: datetime | None
    joined_at: datetime
    reason: str                     # lead | near_duplicate | same_event
    is_new: bool = False            # joined within the period asked for


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A row of the ``alliance_stories`` view (one event, all outlets)."""
    story_id: str
    title: str | None
    url: str | None
    outlet: str | None              # the first report's
    alliance: str | None
    event: str | None
    event_date: date | None
    orgs: tuple[str, ...]
    first_published_at: datetime | None
    last_published_at: datetime | None
    article_count: int
    outlet_count: int
    outlets: tuple[str, ...]
    urls: tuple[str, ...]
    created_at: datetime
    alerted: bool
    is_new_story: bool = False      # created within the period asked for (stories_between)
    articles: tuple[StoryArticle, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An outbox row to deliver, with its story as it stands now (outlets that joined since are listed)."""
    alert_id: str
    story_id: str
    channel: str | None             # a Channel.id; None: every configured channel
    attempts: int
    last_error: str | None
    created_at: datetime | None
    title: str | None
    url: str | None
    outlet: str | None
    outlets: tuple[str, ...]
    outlet_count: int
    article_count: int
    alliance: str | None
    event: str | None
    event_date: date | None
    orgs: tuple[str, ...]
    first_published_at: datetime | None
    urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of delivering one alert (``Warehouse.record_deliveries`` takes a list of these)."""
    alert_id: str
    ok: bool
    response: str | None = None
    error: str | None = None
    at: str | None = None           # ISO time of the attempt; None: when it is recorded


@dataclass(frozen=True, slots=True)
class Member:
    org: str
    joined_on: date
    article_id: str | None          # the article that shows it
    title: str | None
    outlet: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class AllianceTimeline:
    """An alliance with its members in the order the news shows them joining."""
    alliance: str
    first_seen: date
    members: tuple[Member, ...]
