"""What the report shows, computed from the warehouse rows (pure: no I/O, no HTML).

``build_model(rows, generated_at=..., since=...)`` turns the rows of
``warehouse.report_queries.report_rows`` into the timeline points, membership series, member tables,
the organisation network (nodes, edges and the stories behind each edge) and the new stories.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from extractors.models import KST

UNNAMED_TIE = "양자 제휴 (동맹 이름 없음)"       # the timeline row of events without a named alliance

ORG_TYPE_LABELS = {             # gazetteer type -> what the legend says
    "company": "기업",
    "university": "대학",
    "institute": "연구기관",
    "government": "공공기관",
    "association": "협회·단체",
    "foreign": "해외 기관",
}
UNKNOWN_TYPE_LABEL = "미분류"
TIE_EVENTS_WITH_ALLIANCE = {"rivalry"}   # events inside a named alliance that are still pairwise ties


def safe_url(url) -> str | None:
    """Only http(s) links reach the page: an article's ``javascript:`` link must never be clickable."""
    if not url or not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def kst(value) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=KST)).astimezone(KST)


def kst_date(value) -> date | None:
    if isinstance(value, datetime):
        return kst(value).date()
    if isinstance(value, date):
        return value
    return None


@dataclass(slots=True)
class StoryRef:
    story_id: str
    title: str
    url: str | None
    date: date | None             # the event date, else the first report's KST date
    alliance: str | None
    event: str | None
    orgs: list[str]
    outlets: list[str]
    outlet_count: int
    first_seen: datetime | None   # when the radar first saw the story (stories.created_at)
    first_published: datetime | None


@dataclass(slots=True)
class TimelinePoint:
    row: str                      # the alliance, or UNNAMED_TIE
    alliance: str | None
    event: str
    date: date
    orgs: list[str]
    story: StoryRef


@dataclass(slots=True)
class Member:
    alliance: str
    org: str
    org_type: str | None
    joined_on: date | None
    left_on: date | None
    basis: str | None
    first_reported_on: date | None
    evidence_title: str | None
    evidence_url: str | None
    evidence_outlet: str | None
    evidence_published: datetime | None
    story_id: str | None


@dataclass(slots=True)
class Edge:
    a: str
    b: str
    alliances: list[str] = field(default_factory=list)   # both are members of these
    ties: list[str] = field(default_factory=list)        # event types of pairwise ties (mou, equity_swap ...)
    stories: list[StoryRef] = field(default_factory=list)


@dataclass(slots=True)
class Org:
    name: str
    org_type: str | None
    stories: set[str] = field(default_factory=set)
    alliances: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Model:
    generated_at: datetime
    since: datetime
    stories: list[StoryRef]                  # newest first
    new_stories: list[StoryRef]              # first seen at or after ``since``, newest first
    points: list[TimelinePoint]
    alliances: list[str]                     # ordered by their first date
    members: dict[str, list[Member]]         # alliance -> members in joining order
    membership: dict[str, list[tuple[date, int]]]   # alliance -> (date, member count from that day)
    orgs: dict[str, Org]
    edges: list[Edge]
    sources: list[dict]

    @property
    def is_empty(self) -> bool:
        return not (self.stories or self.points or self.members)


def _story_ref(row: dict) -> StoryRef:
    first_pub = kst(row.get("first_published_at"))
    return StoryRef(
        story_id=str(row.get("story_id")), title=row.get("title") or "(제목 없음)", url=safe_url(row.get("url")),
        date=kst_date(row.get("event_date")) or (first_pub.date() if first_pub else None),
        alliance=row.get("alliance"), event=row.get("event"), orgs=list(row.get("orgs") or []),
        outlets=list(row.get("outlets") or []), outlet_count=int(row.get("outlet_count") or 0),
        first_seen=kst(row.get("created_at")), first_published=first_pub)


def _article_ref(row: dict, key: str) -> StoryRef:
    """A stand-in story for an event whose article is in no story (should not happen; never lose it)."""
    pub = kst(row.get("published_at"))
    return StoryRef(story_id=key, title=row.get("title") or "(제목 없음)", url=safe_url(row.get("url")),
                    date=kst_date(row.get("event_date")) or (pub.date() if pub else None),
                    alliance=row.get("alliance"), event=row.get("event"), orgs=list(row.get("orgs") or []),
                    outlets=[row["outlet"]] if row.get("outlet") else [], outlet_count=1 if row.get("outlet") else 0,
                    first_seen=None, first_published=pub)


def build_model(rows: dict, *, generated_at: datetime, since: datetime) -> Model:
    generated_at, since = kst(generated_at), kst(since)
    stories = [_story_ref(r) for r in rows.get("stories", [])]
    by_story = {s.story_id: s for s in stories}
    org_types: dict = rows.get("org_types") or {}

    # --- timeline: one point per (story, alliance, event, date), however many outlets reported it
    points: dict[tuple, TimelinePoint] = {}
    event_stories: list[tuple[dict, StoryRef]] = []
    for ev in rows.get("events", []):
        sid = ev.get("story_id")
        story = by_story.get(str(sid)) if sid else None
        if story is None:
            story = _article_ref(ev, f"article:{ev.get('article_id')}")
        when = kst_date(ev.get("event_date")) or kst_date(ev.get("published_at"))
        event_stories.append((ev, story))
        if when is None:
            continue
        alliance = ev.get("alliance")
        key = (story.story_id, alliance, ev.get("event"), when)
        if key not in points:
            points[key] = TimelinePoint(row=alliance or UNNAMED_TIE, alliance=alliance, event=ev.get("event") or "other",
                                        date=when, orgs=list(ev.get("orgs") or []), story=story)
    timeline = sorted(points.values(), key=lambda p: (p.date, p.row, p.story.story_id))

    # --- members, read defensively: basis / first_reported_on / left_on exist only in newer warehouses
    members: dict[str, list[Member]] = {}
    for m in rows.get("members", []):
        alliance, org = m.get("alliance"), m.get("org")
        if not alliance or not org:
            continue
        members.setdefault(alliance, []).append(Member(
            alliance=alliance, org=org, org_type=org_types.get(org), joined_on=kst_date(m.get("joined_on")),
            left_on=kst_date(m.get("left_on")), basis=m.get("basis"),
            first_reported_on=kst_date(m.get("first_reported_on")), evidence_title=m.get("evidence_title"),
            evidence_url=safe_url(m.get("evidence_url")), evidence_outlet=m.get("evidence_outlet"),
            evidence_published=kst(m.get("evidence_published_at")),
            story_id=str(m["evidence_story_id"]) if m.get("evidence_story_id") else None))

    first_date: dict[str, date] = {}
    for p in timeline:
        if p.alliance:
            first_date.setdefault(p.alliance, p.date)
    for alliance, rows_ in members.items():
        dates = [d for d in (r.joined_on for r in rows_) if d]
        if dates:
            first_date[alliance] = min(first_date.get(alliance, dates[0]), *dates)
    alliances = sorted(set(first_date) | set(members), key=lambda a: (first_date.get(a, date.max), a))

    # --- membership count over time: +1 on joined_on, -1 on left_on
    membership: dict[str, list[tuple[date, int]]] = {}
    for alliance, rows_ in members.items():
        changes: dict[date, int] = {}
        for r in rows_:
            if r.joined_on:
                changes[r.joined_on] = changes.get(r.joined_on, 0) + 1
            if r.left_on:
                changes[r.left_on] = changes.get(r.left_on, 0) - 1
        count, series = 0, []
        for day in sorted(changes):
            count += changes[day]
            series.append((day, count))
        if series:
            end = max(generated_at.date(), series[-1][0])
            if end > series[-1][0]:
                series.append((end, count))
            membership[alliance] = series

    # --- organisations and the edges between them
    orgs: dict[str, Org] = {}

    def org(name: str) -> Org:
        if name not in orgs:
            orgs[name] = Org(name=name, org_type=org_types.get(name))
        return orgs[name]

    edges: dict[tuple[str, str], Edge] = {}

    def edge(a: str, b: str) -> Edge:
        a, b = sorted((a, b))
        if (a, b) not in edges:
            edges[(a, b)] = Edge(a=a, b=b)
        return edges[(a, b)]

    pair_stories: dict[tuple[str, str], dict[str, StoryRef]] = {}
    for ev, story in event_stories:
        names = list(dict.fromkeys(o for o in ev.get("orgs") or [] if o))
        for name in names:
            org(name).stories.add(story.story_id)
        for a, b in itertools.combinations(sorted(names), 2):
            pair_stories.setdefault((a, b), {})[story.story_id] = story
            if ev.get("alliance") is None or ev.get("event") in TIE_EVENTS_WITH_ALLIANCE:
                e = edge(a, b)
                kind = ev.get("event") or "other"
                if kind not in e.ties:
                    e.ties.append(kind)
    for alliance, rows_ in members.items():
        names = sorted({r.org for r in rows_})
        for name in names:
            org(name).alliances.add(alliance)
        evidence = {r.org: r.story_id for r in rows_}
        for a, b in itertools.combinations(names, 2):
            e = edge(a, b)
            if alliance not in e.alliances:
                e.alliances.append(alliance)
            for sid in (evidence.get(a), evidence.get(b)):
                if sid and sid in by_story:
                    pair_stories.setdefault((a, b), {})[sid] = by_story[sid]
    for key, e in edges.items():
        e.stories = sorted(pair_stories.get(key, {}).values(), key=lambda s: (s.date or date.min, s.story_id),
                           reverse=True)

    new_stories = [s for s in stories if s.first_seen and s.first_seen >= since]
    new_stories.sort(key=lambda s: (s.first_seen, s.first_published or s.first_seen), reverse=True)
    return Model(generated_at=generated_at, since=since, stories=stories, new_stories=new_stories, points=timeline,
                 alliances=alliances, members={a: members[a] for a in alliances if a in members},
                 membership=membership, orgs=dict(sorted(orgs.items())), edges=list(edges.values()),
                 sources=list(rows.get("sources", [])))


def type_label(org_type: str | None) -> str:
    return ORG_TYPE_LABELS.get(org_type or "", UNKNOWN_TYPE_LABEL)
