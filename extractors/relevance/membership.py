"""Who took part, and as what: the parties of the main event and a role for every organisation of an
alliance event (``models.ROLES``).

Two readings of one article:

* ``parties`` — the main event's parties, from the party sentences (the tie the article is about): a party
  sentence's organisations are kept unless they are existing members named before a join, a member listing in
  brackets, a government attendee or a side mention; an organisation must be named by the first party
  sentence, by a title with a tie cue or by two party sentences.
* ``membership_acts`` — what each sentence says about an alliance's membership. A sentence is about the
  alliance it names (a gazetteer alliance or a name ``events.alliance_names`` found), or, when it names none
  but refers to one ("원팀에는", "산업계에서는 ... 가 참여한다"), about the article's main alliance. Its act is
  a departure, a joining, a founding the text states, or a list of current members (a present-tense list,
  "현재까지 ...", a background clause "지난해 8월 출범한 X는 A, B, C ..."). A founding in a relative clause
  never dates the organisations listed with it: they are listed members as of the article's date. In a
  story that states the founding, "A, B가 참여한다" lists the founders. The organisation that convenes the
  alliance ("KT 주도 AI 원팀", "KT ‘클라우드 원팀’에") is a listed member of a joining; a parent ("카카오는 자회사
  ..."), a person's affiliation, a place, an example and a rival camp ("... vs ...", "... 에 맞서") are
  mentioned, never members.

``membership_events`` turns the acts into ``AllianceEvent``s (the main event takes the acts of its own kind
and alliance); the warehouse's ``alliance_members`` view reads their roles.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ..gazetteer import AllianceMention, Gazetteer
from ..models import MEMBER_ROLES, AllianceEvent, default_role
from .events import name_key, sentence_event
from .lexicon import Lexicon
from .organisations import add_unresolved, side_mention
from .sentences import Sentence

ACT_ROLE = {"founded": "founder", "joined": "joiner", "left": "leaver", "listed": "listed_member"}
ACT_EVENT = {"founded": "founded", "joined": "joined", "left": "left", "listed": "other"}
# when two sentences give one organisation different roles in one event, the stronger one stays
ROLE_RANK = {"founder": 5, "joiner": 5, "leaver": 5, "listed_member": 3, "partner": 2, "mentioned": 1}

_BACKGROUND_AFTER = re.compile(r"(?:한|된|했던|됐던|시킨|하던|시켰던)\s|\s?(?:이후|후|이래|당시|때|\d+\s?(?:년|주년))(?:\s|$|[,.])")
_EVENT_BEFORE = re.compile(r"(?:서밋|총회|회의|포럼|행사|협약식|출범식|발족식|간담회|세미나|\d{4})\s?[’'\"”」』》>]?\s?$")
_REFERENCE = re.compile(r"원\s?팀|얼라이언스|[Aa]lliance|협의체|협의회|연합체|연합군|컨소시엄|네트워크|동맹|진영|회원사|멤버사|참여사|"
                        r"참여\s?(?:기관|기업|업체|병원)|일원")


# events whose parties a lead may list after the tie sentence (not a joining, a summit, a departure, a rivalry)
_NEW_TIE = ("founded", "mou", "other", "joint_research", "equity_swap")
# "... 등 7개 기업이", "총 8개 기관이": a counted list; "출자했다": who put money in took part
_COUNTED = re.compile(r"등\s?(?:총\s?)?\d+\s?(?:개|곳)\s?(?:사|기업|기관|업체|회사|단체|대학)?(?:이|가|은|는|과|와)?|총\s?\d+\s?(?:개|곳)")
_INVESTED = re.compile(r"출자(?:했|한다|하며|하고|해)|출자\s?(?:기업|회사|기관)[은는이가]|설립에\s?참여")


def korean_text(text: str) -> bool:
    """Mostly Hangul: membership is read from Korean sentences only."""
    hangul = len(re.findall(r"[가-힣]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return hangul >= 0.5 * latin and hangul >= 20


def counted_list(lead: list[Sentence], lex: Lexicon) -> list[str]:
    """The organisations of the first counted list of who takes part in the lead: "A, B, C 등 7개 기업이 (각 30억원씩)
    출자했다 / 설립에 참여했다", "출자기업은 ▲A ▲B ▲C로 총 3곳이다" -- the founders or signatories, told after the
    sentence that names the tie."""
    for s in lead:
        if s.caption or s.attendee or s.kind != "body" or s.order >= 12:
            continue
        if not (_COUNTED.search(s.text) and (lex.participation.search(s.text) or lex.member_noun.search(s.text))
                or _INVESTED.search(s.text)):
            continue
        names = [name for st, en, name, _ in sorted(s.orgs) if not side_mention(s.text, st, en, lex)]
        names = list(dict.fromkeys(names))
        if len(names) >= 3:
            return names
    return []


# right after a name: a subject or topic particle, or a list going on ("A·B는", "A와 B가", "A, B")
_SUBJECT_OR_LISTED = re.compile(r"[은는이가·,와과]|\s(?:와|과|및)\s")


def lead_subjects(lead: list[Sentence], lex: Lexicon) -> list[str]:
    """The organisations the first sentences of the body are about ("A·B는 ...", "A와 B가 ..."): who the
    article tells of, when the tie sentences name fewer than two parties."""
    out: list[str] = []
    for s in lead:
        if s.caption or s.attendee or s.kind != "body" or s.order >= 4:
            continue
        for st, en, name, _ in sorted(s.orgs):
            if side_mention(s.text, st, en, lex) or lex.parent_after.match(s.text[en:]):
                continue
            if _SUBJECT_OR_LISTED.match(s.text, en) and name not in out:
                out.append(name)
    return out


def parties(party: list[Sentence], event: str, alliance: str | None, named: list[AllianceMention],
            gz: Gazetteer, lex: Lexicon, all_orgs: set[str], lead: list[Sentence] = ()) -> list[str]:
    """The parties of the main event (canonical names, first named first), read from the party sentences.
    For a new tie (``_NEW_TIE``), a counted list of who takes part in the lead (``counted_list``) when the party
    sentences name fewer than two or only names it lists, then the subjects of the lead (``lead_subjects``)
    when there are still fewer than two; for a join, summit or departure the alliance's leader, and for a
    rivalry each camp's leader, when the article names them."""
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
            if side_mention(s.text, st, en, lex) or lex.parent_after.match(s.text[en:]):
                continue                  # an example, an affiliation, a place; a parent ("X 산하 Y", "X 자회사 Y")
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
    # a name the gazetteer does not know that ends another party's name is that party ("조폐공사", "한국조폐공사")
    unknown_names = {name for s in party for _, _, name, res in s.orgs if not res}
    orgs = [o for o in orgs if not (o in unknown_names and any(p != o and p.endswith(o) for p in orgs))]
    if event in _NEW_TIE:
        listed = counted_list(lead, lex)
        if len(orgs) < 2 or set(orgs) <= set(listed):
            orgs += [o for o in listed if o not in orgs]
        if len(orgs) < 2 and event != "equity_swap":
            orgs += [o for o in lead_subjects(lead, lex) if o not in orgs]
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


@dataclass
class Act:
    """What one sentence says about one alliance's membership."""
    alliance: str
    kind: str                               # founded | joined | left | listed
    stated: date | None                     # the day the sentence gives for it
    roles: dict[str, str] = field(default_factory=dict)
    sentence: Sentence | None = None
    conveners: set[str] = field(default_factory=set)       # who convenes it ("KT 주도 AI 원팀")


@dataclass
class Scope:
    """The alliances an article is about: the names it uses that the gazetteer does not know, and the main
    one (what an unnamed reference means)."""
    names: list[tuple[str, Sentence]]
    main: str | None
    founding: set[str] = field(default_factory=set)     # alliances whose founding the article states


def _loose_span(text: str, name: str) -> tuple[int, int] | None:
    """Where ``name`` occurs in ``text`` with any spacing."""
    chars = [re.escape(c) for c in name if not c.isspace()]
    if not chars:
        return None
    m = re.search(r"\s*".join(chars), text, flags=re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _named(s: Sentence, scope: Scope, gz: Gazetteer, lex: Lexicon, ref_date: date | None,
           all_orgs: set[str]) -> list[tuple[str, int, int]]:
    """(alliance, start, end) of each AI alliance this sentence names (not as an example or comparison)."""
    out = []
    for m in s.alliances:
        cands = tuple(c for c in m.candidates if gz.alliances[c].ai)
        if cands and not side_mention(s.text, m.start, m.end, lex):
            name, _ = gz.pick_alliance(cands, ref_date=ref_date, orgs=all_orgs, text=s.text)
            out.append((name, m.start, m.end))
    for name, _ in scope.names:
        span = _loose_span(s.text, name)
        if span and not any(not (span[1] <= a or span[0] >= b) for _, a, b in out) \
                and not side_mention(s.text, span[0], span[1], lex):
            out.append((name, *span))
    return sorted(out, key=lambda x: x[1])


def _founding_stated(text: str, lex: Lexicon) -> re.Match | None:
    """A founding the sentence states (not a relative clause or a time reference: "출범한 X는", "출범 이후")."""
    for m in lex.event_cues["founded"].finditer(text):
        if not _BACKGROUND_AFTER.match(text, m.end()):
            return m
    return None


def _joining(text: str, lex: Lexicon, named: bool) -> re.Match | None:
    """A joining the sentence states (not "이번에 합류한 세 병원을 포함해": a relative clause)."""
    for rx in (lex.event_cues["joined"], lex.join_more):
        for m in rx.finditer(text):
            if not re.match(r"(?:한|된|했던|하는)\s", text[m.end():]):
                return m
    if named:
        for m in lex.join_participate.finditer(text):
            if not _EVENT_BEFORE.search(text[max(0, m.start() - 20):m.start() + 1]):
                return m                  # "‘AI 원팀’에 참여해" (not "'AI 원팀 서밋 2020'에 참여했다")
    return None


def act_kind(s: Sentence, alliance: str, scope: Scope, lex: Lexicon, *, named: bool) -> str | None:
    """founded | joined | left | listed | None for one sentence about ``alliance``."""
    t = s.text
    if lex.event_cues["left"].search(t):
        return "left"
    if _joining(t, lex, named):
        return "joined"
    if _founding_stated(t, lex):
        return "founded"
    listing = lex.listing.search(t) or lex.existing_members.search(t) or lex.member_noun.search(t)
    background = lex.background_founding.search(t) or lex.past_marker.search(t)
    if listing and alliance in scope.founding and not background:
        return "founded"                  # a founding story's list of who takes part: the founders
    if listing or lex.background_founding.search(t):
        return "listed"
    if lex.participation.search(t):
        return "founded" if alliance in scope.founding else "listed"
    return None


def _stated_day(s: Sentence) -> date | None:
    return next((d.value for d in s.dates if d.precision == "day" and d.kind != "source"), None)


def sentence_acts(s: Sentence, scope: Scope, gz: Gazetteer, lex: Lexicon, *, ref_date: date | None,
                  all_orgs: set[str], follows_bound: bool = False) -> list[Act]:
    """The membership acts of one sentence (at most one per alliance it is about). ``follows_bound``: the
    sentence before is about the main alliance, so an unnamed list here continues it."""
    if s.caption or s.metadata:
        return []
    named = _named(s, scope, gz, lex, ref_date, all_orgs)
    referred = bool(_REFERENCE.search(s.text))
    if named:
        alliance, a_start, a_end = named[0]
    elif scope.main and (referred or follows_bound and (lex.participation.search(s.text) or lex.listing.search(s.text)
                                                         or lex.event_cues["joined"].search(s.text))):
        alliance, a_start, a_end = scope.main, -1, -1      # "원팀에는 ...", or right after a sentence about it
    else:
        return []
    kind = act_kind(s, alliance, scope, lex, named=bool(named) or referred)
    if kind is None:
        return []
    add_unresolved([s], gz, lex, loose=True)
    t = s.text
    rival = lex.rival_marker.search(t)
    cut = -1
    if kind == "joined":
        m = lex.existing_cut.search(t)
        jm = _joining(t, lex, bool(named))
        if m and jm and jm.start() >= m.end():
            cut = m.end()                 # "A, B가 참여하고 있는 X에 C, D가 합류": A, B are members already
    bg = lex.background_founding.search(t) if kind == "listed" else None
    # "30여명이 참여하는 AI 구루 그룹": what follows a relative "참여하는" is what they take part in
    rel = re.search(r"참여(?:하는|한|하고\s?있는|\s?중인)\s", t) if kind == "listed" else None
    other = [(a, b) for name, a, b in named if name != alliance]
    # "AI 원팀(KT, 현대중공업, KAIST ...)에 ... 합류": a member listing in brackets after the name
    brackets = [(b, t.find(")", b)) for _, _, b in named if t[b:b + 1] == "("]
    roles: dict[str, str] = {}
    conveners: set[str] = set()
    for st, en, org, _ in sorted(s.orgs):
        if org in roles and roles[org] != "mentioned":
            continue                      # "대전 KAIST 본관에서 KT, KAIST ... 와": a place first, then a party
        if any(a <= st and en <= b for _, a, b in named):
            continue                      # a word of the alliance's own name
        role = ACT_ROLE[kind]
        between = t[en:a_start] if a_start >= 0 and en <= a_start else None
        if s.attendee and gz.orgs.get(org) and gz.orgs[org].type == "government":
            role = "mentioned"            # a minister attending
        elif lex.parent_after.match(t[en:]):
            role = "mentioned"            # "카카오는 자회사 카카오헬스케어가": the parent
        elif lex.announcer_after.match(t[en:]):
            role = "mentioned"            # "... 합의를 이뤘다고 카카오는 소개했다": who tells, not who joins
        elif side_mention(t, st, en, lex):
            role = "mentioned"            # a person's affiliation, a place, an example
        elif rival and st >= rival.end():
            role = "mentioned"            # "... vs SKT·삼성·카카오": the other camp
        elif any(en <= a and lex.convener.match(t[en:a]) for a, _ in other):
            role = "mentioned"            # convenes another alliance named in the sentence
        elif between is not None and lex.convener.match(between):
            role = "founder" if kind == "founded" else "listed_member" if kind != "left" else "mentioned"
            conveners.add(org)
        elif a_start < 0 and re.match(r"\s?(?:진영|주도|이\s?이끄는|가\s?이끄는)", t[en:]):
            role = "listed_member" if kind in ("joined", "listed") else role      # "KT 진영에 ... 합류"
            conveners.add(org)
        elif kind == "joined" and re.match(r"(?:와|과)\s(?:[^,.]{0,40}?)(?:업무\s?)?(?:협약|MOU|양해각서)", t[en:]):
            role = "listed_member"        # "우리은행은 KT와 ... 협약을 체결하고 ... 에 합류": who it signs with
            conveners.add(org)
        elif cut >= 0 and en <= cut or any(a < st and en <= b for a, b in brackets):
            role = "listed_member"
        elif bg is not None and st >= bg.end() and kind == "listed" and not (
                lex.listing.search(t, bg.end()) or lex.existing_members.search(t, bg.end())
                or lex.participation.search(t, bg.end()) or lex.member_noun.search(t, bg.end())):
            role = "mentioned"            # after "결성한 X", with no member list of its own
        elif rel is not None and st >= rel.end() and not (
                lex.listing.search(t, rel.end()) or lex.participation.search(t, rel.end())
                or lex.member_noun.search(t, rel.end())):
            role = "mentioned"
        roles[org] = role
    if not any(r in ("founder", "joiner", "leaver", "listed_member") for r in roles.values()):
        return []
    stated = _stated_day(s) if kind in ("founded", "joined", "left") else None
    return [Act(alliance, kind, stated, roles, s, conveners)]


def article_scope(sents: list[Sentence], names: list[tuple[str, Sentence]], main: str | None, gz: Gazetteer,
                  lex: Lexicon, *, ref_date: date | None, all_orgs: set[str]) -> Scope:
    """The alliances in play; without a main event, the most named one is what unnamed references mean."""
    scope = Scope(names=names, main=main)
    if scope.main is None:
        counts: Counter = Counter()
        for s in sents:
            for name, _, _ in _named(s, scope, gz, lex, ref_date, all_orgs):
                counts[name] += 2 if s.kind in ("title", "head") or s.order < 4 else 1
        if counts:
            scope.main = counts.most_common(1)[0][0]
    for s in sents:
        if s.caption or s.metadata or not _founding_stated(s.text, lex) or lex.past_marker.search(s.text):
            continue                      # "올해 2월 출범했으며": a founding told as background
        named = _named(s, scope, gz, lex, ref_date, all_orgs)
        if named:
            scope.founding.add(named[0][0])
        elif scope.main and _REFERENCE.search(s.text):
            scope.founding.add(scope.main)
    return scope


def membership_acts(sents: list[Sentence], scope: Scope, gz: Gazetteer, lex: Lexicon, *, ref_date: date | None,
                    all_orgs: set[str]) -> list[Act]:
    """Every membership act of an article, in reading order (nothing for a text that is not Korean)."""
    if not korean_text(" ".join(s.text for s in sents)):
        return []
    acts: list[Act] = []
    bound_at = -9
    for i, s in enumerate(sents):
        found = sentence_acts(s, scope, gz, lex, ref_date=ref_date, all_orgs=all_orgs, follows_bound=i - bound_at <= 2)
        acts.extend(found)
        if found or (scope.main and (_REFERENCE.search(s.text) or any(
                n == scope.main for n, _, _ in _named(s, scope, gz, lex, ref_date, all_orgs)))):
            bound_at = i
    return acts


def _merge(into: dict[str, str], roles: dict[str, str]) -> None:
    for org, role in roles.items():
        if ROLE_RANK.get(role, 0) > ROLE_RANK.get(into.get(org, ""), 0):
            into[org] = role


def rival_orgs(sents: list[Sentence], lex: Lexicon) -> set[str]:
    """Organisations named after a rival marker ("... 에 맞서 SK텔레콤과", "vs ‘SKT·삼성·카카오’")."""
    out: set[str] = set()
    for s in sents:
        m = lex.rival_marker.search(s.text)
        if m:
            out |= {o[2] for o in s.orgs if o[0] >= m.end()}
    return out


def membership_events(acts: list[Act], main: AllianceEvent | None, party_orgs: list[str],
                      rivals: set[str] = frozenset(), leader: str | None = None) -> list[AllianceEvent]:
    """The main event (its roles completed by the acts of its own alliance and kind) and one event per other
    (alliance, act, stated date). ``party_orgs``: every organisation the party sentences name; ``rivals``:
    organisations named as a rival camp; ``leader``: the gazetteer's convener of the main alliance."""
    events: list[AllianceEvent] = []
    # the title and the body telling one act: an undated act takes the one day the others of its kind give
    for a in acts:
        if a.stated is None and a.kind != "listed":
            days = {b.stated for b in acts if b.alliance == a.alliance and b.kind == a.kind and b.stated}
            if len(days) == 1:
                a.stated = days.pop()
    rest = list(acts)
    if main is not None:
        kind = {"founded": "founded", "joined": "joined", "left": "left"}.get(main.event)
        own = [a for a in acts if main.alliance and a.alliance == main.alliance and a.kind == kind]
        known_roles: dict[str, str] = {}        # member roles any act of the alliance gives
        for a in acts:
            if main.alliance and a.alliance == main.alliance:
                _merge(known_roles, {o: r for o, r in a.roles.items() if r != "mentioned"})
        conveners = {o for a in acts if main.alliance and a.alliance == main.alliance for o in a.conveners}
        if leader:
            conveners.add(leader)
        roles: dict[str, str] = {}
        for a in own:
            _merge(roles, a.roles)
        rest = [a for a in acts if a not in own]

        def dropped(o: str) -> bool:
            # a party the acts call mentioned (a parent, a person's affiliation) or a rival camp's, unless
            # some act shows it a member; in a joining or a departure, a member already listed is no party
            # (the one who convenes the alliance is)
            if kind in ("joined", "left") and known_roles.get(o) == "listed_member" and roles.get(o) in (None, "listed_member") \
                    and o not in conveners:
                return True
            return o not in known_roles and (roles.get(o) == "mentioned" or (kind is not None and o in rivals))

        orgs = [o for o in main.orgs if not dropped(o)]
        if kind:
            orgs += [o for o, r in roles.items() if r == ACT_ROLE[kind] and o not in orgs]
        elif main.event in ("summit", "other") and main.alliance:
            # a members' meeting or news about the alliance as it stands: the members it names take part
            orgs += [o for o, r in known_roles.items() if r == "listed_member" and o not in orgs]
        for o in orgs:
            if roles.get(o) in (None, "mentioned"):
                # what another act shows (a member already), else the event's natural role
                roles[o] = ("listed_member" if own else known_roles[o]) if o in known_roles \
                    else default_role(main.event, main.alliance)
        date_ = main.event_date or next((a.stated for a in own if a.stated), None)
        for o in party_orgs:
            roles.setdefault(o, "mentioned")
        events.append(AllianceEvent(alliance=main.alliance, event=main.event, event_date=date_, orgs=orgs,
                                    evidence=main.evidence, roles=roles))
    grouped: dict[tuple, AllianceEvent] = {}
    for a in rest:
        key = (a.alliance, a.kind, a.stated)
        ev = grouped.get(key)
        if ev is None:
            ev = AllianceEvent(alliance=a.alliance, event=ACT_EVENT[a.kind], event_date=a.stated, orgs=[],
                               evidence=a.sentence.text if a.sentence else "", roles={})
            grouped[key] = ev
            events.append(ev)
        _merge(ev.roles, a.roles)
        ev.orgs = [o for o, r in ev.roles.items() if r != "mentioned"]
    return events


def dedupe(events: list[AllianceEvent]) -> list[AllianceEvent]:
    """Drop repeated events (same alliance, type, date and roles), keeping the first."""
    seen, uniq = set(), []
    for e in events:
        key = (e.alliance, e.event, e.event_date, tuple(sorted(e.roles.items())))
        if key not in seen:
            seen.add(key)
            uniq.append(e)
    return uniq
