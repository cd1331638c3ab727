"""The Atom feed of alliance stories (RFC 4287): rows of ``alliance_stories`` in, UTF-8 bytes out (pure).

One entry per story, newest first. Entry ids are ``urn:uuid:`` values derived from the story id
(uuid5), so they never change between runs and a reader never shows a story twice; ``updated`` is
the story's latest report (it moves only when another outlet joins the story), and the feed's
``updated`` is the newest entry's, so an unchanged warehouse gives a byte-identical feed.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from flows.alerts import EVENT_KO

from .model import kst, safe_url

ATOM_NS = "http://www.w3.org/2005/Atom"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/alliance-radar/alliance-radar")
FEED_ID = f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'feed:alliance-stories')}"
FEED_TITLE = "AI 동맹 레이더 — 새 AI 동맹 소식"
FEED_SUBTITLE = "한국 기술 뉴스에서 찾은 AI 동맹·제휴 스토리 (한 사건을 여러 매체가 보도해도 한 항목)"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def story_entry_id(story_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'story:' + str(story_id))}"


def _text(value) -> str:
    """XML 1.0 cannot carry most control characters; articles sometimes do."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


def _stamp(value: datetime) -> str:
    return kst(value).isoformat(timespec="seconds")


def _sub(parent, tag: str, text=None, **attrs):
    node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _text(text)
    return node


def _entry_times(story: dict) -> tuple[datetime, datetime | None]:
    published = story.get("first_published_at")
    candidates = [t for t in (story.get("last_published_at"), published, story.get("created_at"))
                  if isinstance(t, datetime)]
    updated = candidates[0] if candidates else datetime(1970, 1, 1, tzinfo=timezone.utc)
    if published and isinstance(published, datetime) and kst(published) > kst(updated):
        updated = published
    return updated, published if isinstance(published, datetime) else None


def _summary(story: dict) -> str:
    event = " ".join(x for x in (story.get("alliance") or "", EVENT_KO.get(story.get("event") or "", "")) if x)
    lines = [f"사건: {event or '—'}" + (f" ({story['event_date']})" if story.get("event_date") else ""),
             f"기관: {', '.join(story.get('orgs') or []) or '—'}",
             f"보도: {story.get('outlet_count') or 0}개 매체 ({', '.join(story.get('outlets') or [])})"]
    created = story.get("created_at")
    if isinstance(created, datetime):
        lines.append(f"처음 확인: {kst(created).strftime('%Y-%m-%d %H:%M')} KST")
    return "\n".join(lines)


def render_feed(stories: list[dict], *, generated_at: datetime | None = None) -> bytes:
    """The Atom document. ``stories`` newest first (as ``warehouse.report_queries.feed_rows`` gives them);
    ``generated_at`` is only used as the feed's ``updated`` when there is no story at all."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ko"})
    _sub(feed, "id", FEED_ID)
    _sub(feed, "title", FEED_TITLE)
    _sub(feed, "subtitle", FEED_SUBTITLE)
    times = [_entry_times(s)[0] for s in stories]
    newest = max(times, key=lambda t: kst(t)) if times else (generated_at or datetime.now(timezone.utc))
    _sub(feed, "updated", _stamp(newest))
    author = _sub(feed, "author")
    _sub(author, "name", "alliance-radar")
    _sub(feed, "generator", "alliance-radar", uri="https://github.com/alliance-radar/alliance-radar")
    for story in stories:
        updated, published = _entry_times(story)
        entry = _sub(feed, "entry")
        _sub(entry, "id", story_entry_id(story["story_id"]))
        _sub(entry, "title", story.get("title") or "(제목 없음)", type="text")
        url = safe_url(story.get("url"))
        if url:
            _sub(entry, "link", rel="alternate", type="text/html", href=url)
        for other in story.get("urls") or []:
            other = safe_url(other)
            if other and other != url:
                _sub(entry, "link", rel="related", type="text/html", href=other)
        if published:
            _sub(entry, "published", _stamp(published))
        _sub(entry, "updated", _stamp(updated))
        if story.get("event"):
            _sub(entry, "category", term=story["event"], label=EVENT_KO.get(story["event"], story["event"]))
        if story.get("alliance"):
            _sub(entry, "category", term=story["alliance"], scheme="urn:alliance-radar:alliance")
        for org in story.get("orgs") or []:
            _sub(entry, "category", term=org, scheme="urn:alliance-radar:organisation")
        # without an alternate link an Atom entry must carry content (RFC 4287 4.1.2)
        _sub(entry, "summary" if url else "content", _summary(story), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
