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
    name = re.sub(r"\s*\([^()]{1,40}\)\s*(?=\S)", " ", name).strip()
    name = re.sub(r"\s*\([^()]{1,40}\)$", "", name).strip()        # "클라우드 원팀(Cloud One Team)": the gloss goes
    name = re.sub(r"^제\s?\d+\s?[회차기]\s+", "", name)
    m = re.match(r"^([^\s-]+)\s?-\s?([^\s-]+)\s+(?=\S)", name)
    if m and gz.resolve(m.group(1)) and gz.resolve(m.group(2)):
        name = name[m.end():]
    return re.sub(r"\s+", " ", name).strip()


def name_key(name: str) -> str:
    """How two spellings of one alliance's name compare: spaces, quotes and case ignored."""
    return re.sub(r"[\s'\"‘’“”]+", "", name or "").casefold()


def _bare_name(s: Sentence, start: int, end: int, gz: Gazetteer, kiwi) -> str | None:
    """The name ending at a bare alliance noun: the nouns before it (at most four words), by Kiwi's tags."""
    offset = max(0, start - 60)                   # four words back at most: a short window is enough
    try:
        toks = kiwi.tokenize(s.text[offset:start].rstrip())
    except Exception:
        return None
    first, words, prev_start = None, 0, None
    for t in reversed(toks):
        if t.tag not in _NAME_TAGS or (t.tag == "SO" and t.form != "-"):
            break
        if prev_start is None or t.start + t.len < prev_start:
            words += 1
        if words > 4:
            break
        first, prev_start = t.start, t.start
    if first is None or (offset and first == 0):
        return None                               # the window cut a word
    return clean_alliance_name(re.sub(r"\s+", " ", s.text[offset + first:end]).strip(" -"), gz)


def alliance_names(sents: list[Sentence], gz: Gazetteer, lex: Lexicon, *,
                   bare: bool = True) -> list[tuple[str, Sentence]]:
    """The alliance names in these sentences that the gazetteer does not know, each with the first sentence
    that names it, the most used first (ties: the earliest). A name counts when it is quoted ("‘부산 AI
    원팀’", "‘연구 협력 네트워크 2차 협약식’"), introduced as the thing launched ("이번 연구 협력 네트워크 출범"),
    or bare and proper: two words of its own ("한국어 AI 평가 컨소시엄"), a region ("부산 AI 원팀"), or a
    name-like head with a word of its own used at least twice ("클라우드 원팀"). Generic phrases ("AI 협의체",
    "SK텔레콤 컨소시엄", "글로벌 최대 규모 연구 연합체") are not names."""
    known = gz.is_alliance_alias
    found: dict[str, list] = {}            # key -> [name, sentence, accepted]

    def add(name: str, s: Sentence, accepted: bool) -> None:
        if not name or known(name):
            return
        k = name_key(name)
        if k not in found:
            found[k] = [name, s, accepted]
        elif accepted and not found[k][2]:
            found[k][2] = True

    def overlaps_known(s: Sentence, a: int, b: int) -> bool:
        return any(not (b <= m.start or a >= m.end) for m in s.alliances)

    for s in sents:
        for rx in (lex.quoted_alliance, lex.quoted_alliance_event):
            for m in rx.finditer(s.text):
                if overlaps_known(s, m.start(1), m.end(1)):
                    continue
                name = clean_alliance_name(re.sub(r"\s+", " ", m.group(1)).strip(), gz)
                if _distinct_name(name, gz, lex, quoted=True):
                    add(name, s, True)
        for m in lex.launched_alliance.finditer(s.text):
            if overlaps_known(s, m.start(1), m.end(1)):
                continue
            name = clean_alliance_name(re.sub(r"\s+", " ", m.group(1)).strip(), gz)
            if _distinct_name(name, gz, lex, quoted=True):
                add(name, s, True)
    kiwi = None
    for s in (sents if bare else []):
        for m in lex.bare_alliance.finditer(s.text):
            if overlaps_known(s, m.start(), m.end()):
                continue
            if re.match(r"\s?[‘'\"“「『《<]", s.text[m.end():]):
                continue                  # "항만 물류 협력체 ‘스마트항만 원팀’": a description before the name
            if kiwi is None:
                kiwi = get_kiwi(gz)
                if kiwi is None:
                    break
            name = _bare_name(s, m.start(), m.end(), gz, kiwi)
            if not name:
                continue
            if _distinct_name(name, gz, lex, quoted=False):
                add(name, s, True)
            elif lex.strong_name_head.search(name) and _own_words(name, gz, lex):
                add(name, s, False)          # accepted below when the article uses it at least twice
    text_key = name_key(" ".join(s.text for s in sents))
    ranked = []
    for k, (name, s, accepted) in found.items():
        uses = text_key.count(k)
        if accepted or uses >= 2:
            ranked.append((-uses, s.idx, name, s))
    ranked.sort(key=lambda x: (x[0], x[1]))
    # a name inside a longer captured one ("원팀" in "클라우드 원팀") is the same alliance
    out: list[tuple[str, Sentence]] = []
    for _, _, name, s in ranked:
        if not any(name_key(name) in name_key(o) or name_key(o) in name_key(name) for o, _ in out):
            out.append((name, s))
    return out


def _own_words(name: str, gz: Gazetteer, lex: Lexicon) -> list[str]:
    """The words of a name that are neither generic nor an organisation's name."""
    return [w for w in _name_words(name, lex) if w not in lex.generic_name_words and not gz.resolve(w)
            and not re.fullmatch(r"[\d\W]+", w)]


def unknown_alliance(sents: list[Sentence], gz: Gazetteer, lex: Lexicon) -> tuple[str, Sentence] | None:
    """The alliance name in these sentences the gazetteer does not know (``alliance_names``), the most used."""
    names = alliance_names(sents, gz, lex)
    return names[0] if names else None


def _mask_background_founding(text: str, lex: Lexicon) -> str:
    """Blank the founding verb of a definition ("X은 지난해 2월 ... 출범한 산학연 협의체다": an existing alliance,
    not its founding) and of a relative clause about the alliance ("지난해 8월 출범한 ‘연구 협력 네트워크’는")."""
    m = lex.definitional_founding.search(text)
    if m:
        text = text[:m.start(1)] + "_" * (m.end(1) - m.start(1)) + text[m.end(1):]
    return lex.background_founding.sub(lambda b: "_" * len(b.group(0)), text)


def event_type(texts: list[str], n_alliances: int, lex: Lexicon, *, named: bool = False) -> tuple[str, str | None]:
    """Event class of the main tie, by priority over the party sentences (title and lead). ``named``: the
    article names an alliance the gazetteer does not know (as good as an alliance noun)."""
    texts = [_mask_background_founding(t, lex) for t in texts]
    joined = " ".join(texts)
    has_alliance_noun = bool(lex.alliance_noun.search(joined)) or n_alliances > 0 or named
    for ev, rx in lex.event_cues.items():
        m = rx.search(joined)
        if ev == "joined" and not m:
            m = (lex.join_participate.search(joined) or lex.join_more.search(joined)) if has_alliance_noun else None
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
                  ref_date: date | None, all_orgs: set[str],
                  names_in_article: list[tuple[str, Sentence]] | None = None) -> tuple[str | None, bool]:
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
        lead = [s for s in list(dict.fromkeys(party + top)) if not s.caption]
        if names_in_article is None:
            found = unknown_alliance(lead, gz, lex)
            alliance = found[0] if found else None
        else:                             # the most used name of the article that the tie or the lead names
            lead_key = name_key(" ".join(s.text for s in lead))
            alliance = next((name for name, _ in names_in_article if name_key(name) in lead_key), None)
    if event == "rivalry":
        alliance = None                   # a rivalry is between alliances: no single alliance is "the" one
    return alliance, resolved_alliance
