"""What happened, to which alliance, when: the main event's type (founded / joined / left / summit / mou /
equity_swap / joint_research / rivalry / other), the alliance it concerns (a gazetteer alliance, or a
quoted or proper name the gazetteer does not know) and its date.
"""
from __future__ import annotations

import re
from datetime import date

from ..dates import DateMention
from ..gazetteer import Gazetteer, get_kiwi
from .lexicon import Lexicon
from .organisations import side_mention
from .sentences import Sentence

_NAME_TAGS = ("NNG", "NNP", "SL", "SN", "SH", "XPN", "NR", "SO")


def _name_words(name: str, lex: Lexicon) -> list[str]:
    return [w for w in re.split(r"\s+", lex.name_head_end.sub("", name).strip()) if w]


def _distinct_name(name: str, gz: Gazetteer, lex: Lexicon, *, quoted: bool) -> bool:
    """A proper alliance name, not a generic "AI 협의체" / "산학연 컨소시엄" / "SK텔레콤 컨소시엄"."""
    words = _name_words(name, lex)
    specific = [w for w in words if w not in lex.generic_name_words and not re.fullmatch(r"[\d\W]+", w)]
    if not specific:
        return False
    if quoted:
        return True
    if any(lex.region_word.match(w) or re.search(r"[A-Za-z]-[가-힣A-Za-z]|[가-힣]-[A-Za-z]", w) for w in specific):
        return True
    not_org = [w for w in specific if not gz.resolve(w)]
    return len(not_org) >= 2


def clean_alliance_name(name: str, gz: Gazetteer) -> str:
    name = re.sub(r"\s*\([^()]{1,20}\)\s*(?=\S)", " ", name).strip()
    name = re.sub(r"^제\s?\d+\s?[회차기]\s+", "", name)
    m = re.match(r"^([^\s-]+)\s?-\s?([^\s-]+)\s+(?=\S)", name)
    if m and gz.resolve(m.group(1)) and gz.resolve(m.group(2)):
        name = name[m.end():]
    return re.sub(r"\s+", " ", name).strip()


def unknown_alliance(sents: list[Sentence], gz: Gazetteer, lex: Lexicon) -> tuple[str, Sentence] | None:
    """The first quoted (or, failing that, bare proper) alliance name in these sentences that is not a
    known alliance: "‘부산 AI 원팀’", "한국어 AI 평가 컨소시엄"."""
    known = gz.is_alliance_alias
    for s in sents:
        for m in lex.quoted_alliance.finditer(s.text):
            name = clean_alliance_name(re.sub(r"\s+", " ", m.group(1)).strip(), gz)
            if any(not (m.end(1) <= a.start or m.start(1) >= a.end) for a in s.alliances):
                continue
            if not known(name) and _distinct_name(name, gz, lex, quoted=True):
                return name, s
    kiwi = None
    for s in sents:
        for m in lex.bare_alliance.finditer(s.text):
            if any(not (m.end() <= a.start or m.start() >= a.end) for a in s.alliances):
                continue
            if kiwi is None:
                kiwi = get_kiwi(gz)
                if kiwi is None:
                    return None
            try:
                toks = kiwi.tokenize(s.text[:m.start()].rstrip())
            except Exception:
                continue
            start, words = None, 0
            prev_start = None
            for t in reversed(toks):
                if t.tag not in _NAME_TAGS or (t.tag == "SO" and t.form != "-"):
                    break
                if prev_start is None or t.start + t.len < prev_start:
                    words += 1
                if words > 4:
                    break
                start, prev_start = t.start, t.start
            if start is None:
                continue
            name = clean_alliance_name(re.sub(r"\s+", " ", s.text[start:m.end()]).strip(" -"), gz)
            if not known(name) and _distinct_name(name, gz, lex, quoted=False):
                return name, s
    return None


def _mask_background_founding(text: str, lex: Lexicon) -> str:
    """Blank the founding verb of a definition ("X은 지난해 2월 ... 출범한 산학연 협의체다": an existing alliance,
    not its founding)."""
    m = lex.definitional_founding.search(text)
    if not m:
        return text
    return text[:m.start(1)] + "_" * (m.end(1) - m.start(1)) + text[m.end(1):]


def event_type(texts: list[str], n_alliances: int, lex: Lexicon) -> tuple[str, str | None]:
    """Event class of the main tie, by priority over the party sentences (title and lead)."""
    texts = [_mask_background_founding(t, lex) for t in texts]
    joined = " ".join(texts)
    has_alliance_noun = bool(lex.alliance_noun.search(joined)) or n_alliances > 0
    for ev, rx in lex.event_cues.items():
        m = rx.search(joined)
        if ev == "joined" and not m:
            m = lex.join_participate.search(joined) if has_alliance_noun else None
        if not m:
            continue
        if ev == "rivalry" and not (n_alliances >= 2 or (lex.rivalry_camp.search(joined) and has_alliance_noun)):
            continue
        if ev in ("founded", "summit", "joined", "left") and not has_alliance_noun:
            continue
        if ev == "summit" and lex.founded_finite.search(joined) and not lex.recurring_meeting.search(joined):
            continue                      # founded at its first summit: the founding is the event
        if ev == "mou" and texts and not lex.event_cues["mou"].search(texts[0]):
            jr = lex.event_cues["joint_research"].search(texts[0])
            if jr:
                return "joint_research", jr.group(0)   # "A·B, AI 공동연구센터 세운다" (the MOU is only the vehicle)
        return ev, m.group(0)
    return "other", None


def sentence_event(s: Sentence, lex: Lexicon) -> str | None:
    for ev, rx in lex.event_cues.items():
        if rx.search(s.text):
            return ev
    return None


def pick_date(cands: list[Sentence], all_sents: list[Sentence], lex: Lexicon) -> tuple[date | None, DateMention | None]:
    """The main event's date: a day-precise, non-source date from the event sentence, then from the
    title/lead in reading order; a date attached to "밝혔다" yields to a "전날/전일 ... 협약식" nearby."""
    def day_dates(s: Sentence):
        return [d for d in s.dates if d.precision == "day" and d.kind != "source"]

    order = list(dict.fromkeys(cands + [s for s in all_sents if (s.kind in ("title", "head") or s.order < 6)
                                          and not s.caption and not s.metadata]))
    for s in order:
        if lex.background.search(s.text) and s not in cands[:1]:
            continue
        ds = day_dates(s)
        if not ds:
            continue
        ev = [d for d in ds if d.kind == "event"]
        pick = (ev or ds)[0]
        if pick.kind == "announce":
            i = all_sents.index(s)
            for t in all_sents[i + 1:i + 4]:
                for d in day_dates(t):
                    if lex.day_before.match(d.text) and lex.ceremony.search(t.text):
                        return d.value, d
        return pick.value, pick
    return None, None


def main_alliance(party: list[Sentence], top: list[Sentence], event: str, gz: Gazetteer, lex: Lexicon, *,
                  ref_date: date | None, all_orgs: set[str]) -> tuple[str | None, bool]:
    """(the alliance of the main event, whether the gazetteer knows it): the first named AI alliance in the
    party sentences, else in the lead, else an unknown quoted or proper alliance name; none for a rivalry."""
    alliance = None
    for s in party + top:
        for m in s.alliances:
            cands = tuple(c for c in m.candidates if gz.alliances[c].ai)
            if cands and not side_mention(s.text, m.start, m.end, lex):
                alliance, _ = gz.pick_alliance(cands, ref_date=ref_date, orgs=all_orgs,
                                              text=" ".join(x.text for x in top))
                break
        if alliance:
            break
    resolved_alliance = alliance is not None
    if alliance is None and event != "rivalry":
        found = unknown_alliance([s for s in list(dict.fromkeys(party + top)) if not s.caption], gz, lex)
        if found:
            alliance = found[0]
    if event == "rivalry":
        alliance = None                   # a rivalry is between alliances: no single alliance is "the" one
    return alliance, resolved_alliance
