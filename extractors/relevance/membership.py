"""Who took part: the parties of the main event, and the membership that background sentences show (the
founding of a named alliance, a list of its members).

Today this is sentence-level rules: a party sentence's organisations are kept unless they are existing
members named before a join, a member listing in brackets, a government attendee or a side mention; an
organisation must be named by the first party sentence, by a title with a tie cue or by two party
sentences (a sentence naming a confirmed party confirms its co-parties).
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from ..gazetteer import AllianceMention, Gazetteer
from ..models import AllianceEvent
from .events import sentence_event
from .lexicon import Lexicon
from .organisations import side_mention
from .sentences import Sentence


def parties(party: list[Sentence], event: str, alliance: str | None, named: list[AllianceMention],
            gz: Gazetteer, lex: Lexicon, all_orgs: set[str]) -> list[str]:
    """The parties of the main event (canonical names, first named first), read from the party sentences;
    for a join, summit or departure the alliance's leader, and for a rivalry each camp's leader, when the
    article names them."""
    kept: list[tuple[Sentence, list[str]]] = []
    for s in party:
        if s.kind == "body" and lex.aside_start.match(s.text) and any(len(n) >= 2 for _, n in kept):
            continue                      # background aside
        sev = sentence_event(s, lex)
        joins = lex.event_cues["joined"].search(s.text)
        if event != "founded" and s.kind == "body" and sev == "founded" and not joins \
                and lex.past_marker.search(s.text):
            continue                      # "AI 원팀은 지난 2월 결성한 ..." is background in a joining story
        if event == "joined" and lex.existing_members.search(s.text) and not joins:
            continue                      # "... 이 참여하고 있다": existing members, not parties
        cut = -1
        if event == "joined":
            m = lex.existing_cut.search(s.text)
            if m and lex.event_cues["joined"].search(s.text, m.end()):
                cut = m.end()             # "A, B가 참여하고 있는 X에 C, D가 합류": only C, D
        names = []
        listing = [(m.end, s.text.find(")", m.end)) for m in s.alliances if s.text[m.end:m.end + 1] == "("]
        for st, en, name, res in sorted(s.orgs):
            if cut >= 0 and en <= cut:
                continue
            if any(a <= st and en <= b for a, b in listing):
                continue                  # "AI 원팀(KT, 현대중공업, ...)": a member listing in brackets
            if s.attendee and gz.orgs.get(name) and gz.orgs[name].type == "government":
                continue
            if side_mention(s.text, st, en, lex):
                continue
            names.append(name)
        if names:
            kept.append((s, names))
    orgs = list(dict.fromkeys(n for _, names in kept for n in names))
    # keep an organisation when the first party sentence names it, a title with a tie cue names it, or
    # at least two party sentences name it; a sentence naming a confirmed party confirms its co-parties
    support: Counter = Counter(n for _, names in kept for n in set(names))
    sure = {o for o, c in support.items() if c >= 2}
    first_body = next((i for i, (x, _) in enumerate(kept) if x.kind == "body"), None)
    for i, (x, names) in enumerate(kept):
        if (x.kind == "title" and x.strong_tie) or i == first_body or lex.member_noun.search(x.text):
            sure |= set(names)
    changed = True
    while changed:
        changed = False
        for x, names in kept:
            ns = set(names)
            if x.kind == "title" and not x.strong_tie:
                continue
            if ns & sure and not ns <= sure:
                sure |= ns
                changed = True
    if len(orgs) > 2:
        orgs = [o for o in orgs if o in sure] or orgs
    if alliance and alliance in gz.alliances and event in ("joined", "summit", "left"):
        leader = gz.alliances[alliance].leader
        if leader and leader in all_orgs and leader not in orgs:
            orgs.append(leader)
    if event == "rivalry":
        for m in named:
            for c in m.candidates:
                leader = gz.alliances[c].leader
                if leader and leader in all_orgs and leader not in orgs:
                    orgs.append(leader)
    return orgs


def background_events(body: list[Sentence], party: list[Sentence], alliance: str | None, event: str,
                      gz: Gazetteer, lex: Lexicon, *, ref_date: date | None, published_on: date | None,
                      all_orgs: set[str]) -> list[AllianceEvent]:
    """Membership shown outside the main event: the founding of a named AI alliance with the organisations
    in that sentence, or a sentence listing its members (dated by the article's day, ``published_on``)."""
    events: list[AllianceEvent] = []
    for s in body:
        if s in party[:1]:
            continue
        for m in s.alliances:
            cands = tuple(c for c in m.candidates if gz.alliances[c].ai)
            if not cands:
                continue
            name, _ = gz.pick_alliance(cands, ref_date=ref_date, orgs=all_orgs, text=s.text)
            members = list(dict.fromkeys(o[2] for o in sorted(s.orgs) if not (s.attendee and gz.orgs.get(o[2]) and gz.orgs[o[2]].type == "government")))
            if not members:
                continue
            if lex.event_cues["founded"].search(s.text) and not (name == alliance and event == "founded"):
                al = gz.alliances[name]
                d = next((x for x in s.dates if x.kind != "source"), None)
                when = None
                if d is not None:
                    when = d.value
                    if d.precision != "day" and al.founded and (al.founded.year, al.founded.month) == (d.value.year, d.value.month):
                        when = al.founded
                    elif d.precision == "year" and al.founded and al.founded.year == d.value.year:
                        when = al.founded
                events.append(AllianceEvent(alliance=name, event="founded", event_date=when, orgs=members, evidence=s.text))
            elif lex.existing_members.search(s.text) or lex.member_noun.search(s.text):
                when = published_on
                events.append(AllianceEvent(alliance=name, event="other", event_date=when, orgs=members, evidence=s.text))
            break
    return events


def dedupe(events: list[AllianceEvent]) -> list[AllianceEvent]:
    """Drop repeated events (same alliance, type, date and organisations), keeping the first."""
    seen, uniq = set(), []
    for e in events:
        key = (e.alliance, e.event, e.event_date, tuple(e.orgs))
        if key not in seen:
            seen.add(key)
            uniq.append(e)
    return uniq
