"""Plain data passed between the rooms: extractors produce these, warehouse stores them, flows move them.

Every datetime is timezone-aware. Korean outlets publish in KST (+09:00); see ``KST``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")

EVENT_TYPES = ("founded", "joined", "left", "mou", "summit", "equity_swap", "joint_research", "rivalry", "other")


class ExtractionError(ValueError):
    """Page bytes that hold no article. ``reason`` is a short machine-readable code
    (empty, binary, not_html, too_large, no_article, ...), the message says it for people."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class FeedParseError(ValueError):
    """Feed bytes that are not a usable RSS/Atom/JSON feed; ``reason`` as for ExtractionError."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str                              # the article link (publisher URL where resolvable)
    title: str = ""
    summary: str = ""                     # plain text, tags stripped
    published_at: datetime | None = None  # aware; zone-less / "KST" dates read as +09:00
    guid: str | None = None
    outlet: str | None = None             # the item's own source where the feed names it (Google News <source>)


@dataclass(slots=True)
class ParsedFeed:
    entries: list[FeedEntry]
    title: str | None = None
    encoding: str | None = None           # the encoding the bytes were decoded with
    warning: str | None = None            # non-fatal problem (e.g. recovered from malformed XML)


@dataclass(slots=True)
class Article:
    url: str                              # as fetched
    canonical_url: str                    # one form for mobile/AMP/portal variants, tracking params dropped
    outlet: str | None
    title: str | None
    authors: list[str]
    published_at: datetime | None         # aware
    language: str | None                  # "ko", "en", ... or None
    body: str                             # clean paragraphs separated by a blank line
    extractor_version: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat() if self.published_at else None
        return d


@dataclass(slots=True)
class OrgRef:
    name: str                             # canonical gazetteer name, or the surface form if unresolved
    resolved: bool
    org_type: str | None = None           # company | university | institute | government | association | foreign | None
    mentions: int = 1


# What an organisation is to an alliance event (``AllianceEvent.roles``):
#   founder        founded the alliance in this event (a founding the text states, not a background clause)
#   joiner         joined it                               leaver   left it
#   listed_member  named as a member in a present-tense or background list ("... 가 참여하고 있다"):
#                  a member as of the article's date, never dated to the alliance's founding
#   partner        a party to a bilateral tie (an MOU, a joint project) that is not a membership act
#   mentioned      named in the event's text but not a party: a rival camp, a host or venue, a government
#                  attendee, a customer, a parent company, a person's affiliation
ROLES = ("founder", "joiner", "leaver", "listed_member", "partner", "mentioned")
MEMBER_ROLES = ("founder", "joiner", "listed_member")      # roles that make an organisation a member


@dataclass(slots=True)
class AllianceEvent:
    alliance: str | None                  # canonical alliance name from the alliances data file; None for an unnamed tie
    event: str                            # one of EVENT_TYPES
    event_date: date | None               # the date the text states for it (None when it states none)
    orgs: list[str]                       # canonical names of the parties (unresolved surface forms kept as they are)
    evidence: str                         # the sentence that shows it
    roles: dict[str, str] = field(default_factory=dict)   # organisation -> one of ROLES (parties and mentions)

    def __post_init__(self):
        # an event built with parties only (older callers): each party takes the event's natural role
        for org in self.orgs:
            self.roles.setdefault(org, default_role(self.event, self.alliance))
        bad = {r for r in self.roles.values() if r not in ROLES}
        if bad:
            raise ValueError(f"unknown role(s) {sorted(bad)}; roles are {', '.join(ROLES)}")

    def members(self) -> list[str]:
        """Organisations this event shows as members of its alliance (founders, joiners, listed members)."""
        return [o for o, r in self.roles.items() if r in MEMBER_ROLES]


def default_role(event: str, alliance: str | None) -> str:
    """The role of a party when nothing more specific is known: founding -> founder, joining -> joiner,
    leaving -> leaver, a rivalry's camps -> mentioned, a member meeting or listing of a named alliance ->
    listed_member, any other tie -> partner."""
    if event == "founded":
        return "founder"
    if event == "joined":
        return "joiner"
    if event == "left":
        return "leaver"
    if event == "rivalry":
        return "mentioned"
    if event in ("summit", "other") and alliance:
        return "listed_member"
    return "partner"


@dataclass(slots=True)
class Relevance:
    is_alliance: bool
    score: float                          # calibrated, 0..1
    orgs: list[OrgRef] = field(default_factory=list)
    alliance: str | None = None           # main event's alliance
    event: str | None = None              # main event's type
    event_date: date | None = None        # main event's date
    events: list[AllianceEvent] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)   # {"cues": [...], "sentence": str, "reasons": [...], ...}


# --- what one pass of the monitor flow hands to the warehouse -------------------------------------

@dataclass(slots=True)
class FeedState:
    """What the warehouse remembers per feed between passes."""
    feed_url: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_attempt_at: datetime | None = None   # backoff: skip the feed until then
    last_success_at: datetime | None = None
    last_error: str | None = None


@dataclass(slots=True)
class FeedFetch:
    """One poll of one feed."""
    feed_url: str
    outlet: str | None
    kind: str
    fetched_at: datetime
    status: str                  # ok | not_modified | error | skipped
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    entries: int = 0             # entries in the feed
    new_entries: int = 0         # entries whose URL the warehouse did not have
    encoding: str | None = None
    error: str | None = None     # reason, for status error/skipped
    elapsed_ms: int = 0


@dataclass(slots=True)
class PageRecord:
    """One fetched page with what the extractors made of it (article None when it failed)."""
    url: str                     # as fetched (the feed's link)
    feed_url: str | None
    fetched_at: datetime
    http_status: int | None = None
    content_type: str | None = None
    raw_html: bytes | None = None
    entry: FeedEntry | None = None        # the feed item it came from (fallback title/date)
    article: Article | None = None
    relevance: Relevance | None = None
    error: str | None = None              # reason when article is None
    elapsed_ms: int = 0
