"""What happened, to which alliance, when: the main event's type (founded / joined / left / summit / mou /
equity_swap / joint_research / rivalry / other), the alliance it concerns (a gazetteer alliance, or a
quoted or proper name the gazetteer does not know) and its date.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date

from ..dates import DateMention
from ..gazetteer import Gazetteer, get_kiwi
from .organisations import side_mention
from .sentences import Sentence

EVENT_CUES = OrderedDict([
    ("summit", re.compile(r"전체\s?회의|(?<!창립)(?<!창립 )총회|정기\s?회의|서밋|Summit|간담회를?\s?(?:열|개최)|회의를?\s?(?:열|개최)|포럼을?\s?(?:열|개최)|성과\s?(?:공유|발표)회")),
    ("left", re.compile(r"탈퇴|이탈했|결별")),
    ("joined", re.compile(r"합류(?!해\s?있|하고\s?있)|가입(?!해\s?있|하고\s?있)|동참|합세|새로\s?참여|신규\s?참여|참여\s?(?:업무\s?)?협약|일원이\s?(?:되|됐)")),
    ("founded", re.compile(r"(?:얼라이언스|협의체|컨소시엄|연합체|원\s?팀|드림팀|협력체)[’'\"”」』]?\s?(?:을|를)\s?(?:구축|조직)(?:했|하고|한다|키로|하기로|해)|"
                           r"출범|결성|발족|창립|설립|구성(?:했|하고|한다|키로|하기로|된|해|하며)|탄생|꾸렸|꾸린|꾸려|꾸리|만든다|만들었|닻을\s?올|공식\s?활동")),
    ("equity_swap", re.compile(r"지분\s?(?:맞)?교환|상호\s?지분|지분을\s?(?:맞)?교환|주식\s?(?:맞)?교환|상호\s?투자")),
    ("rivalry", re.compile(r"진영|합종연횡|맞대결|대결|(?<![A-Za-z])vs\.?(?![A-Za-z])|VS|패권\s?(?:경쟁|다툼)|경쟁\s?구도|세\s?불리기|몸집\s?(?:을\s?)?불리")),
    ("mou", re.compile(r"협약|MOU|양해\s?각서|제휴|파트너십|협정|동맹을?\s?(?:맺|체결)|손\s?잡|손을\s?(?:맞)?잡|맞손|LOI|의향서|"
                       r"협력(?:하기로|키로|을\s?발표|\s?계약|에\s?합의)|계약을?\s?(?:맺|체결)|동맹")),
    ("joint_research", re.compile(r"공동\s?연구|공동\s?개발|공동\s?R&D")),
])
JOIN_PARTICIPATE = re.compile(r"(?:얼라이언스|협의체|협의회|컨소시엄|원\s?팀|동맹|연합체|연합군|포럼|네트워크|드림팀|협력체|"
                              r"Alliance|One\s?Team|[’'\"”」』》>)])\s?(?:에|에도)\s?(?:공식\s?)?참여(?:했|한다|하기로|키로|하며|해|한)")
BACKGROUND = re.compile(r"^\s*(?:한편|앞서|또한\s?앞서)|바\s?있다|지난해|작년")

# named alliances the gazetteer does not know: "‘부산 AI 원팀’ 결성", "K-로봇 AI 얼라이언스 출범"
_NAMED_HEAD = r"(?:얼라이언스|협의체|협의회|컨소시엄|원\s?팀|연합체|연합군|드림팀|협력체|Alliance|Consortium|One\s?Team)"
QUOTED_ALLIANCE = re.compile(r"[‘'\"“「『《<]\s*([^‘’'\"“”「」『』《》<>\n.!?]{0,40}?(?:" + _NAMED_HEAD + r"|포럼|네트워크))\s*[’'\"”」』》>]")
BARE_ALLIANCE = re.compile(_NAMED_HEAD + r"(?=[은는이가을를의에와과도로]|\s|$|[,.)…·'’\"”])")
# "동맹" is not a head here: in quotes it is mostly a journalist's label ("‘피지컬 AI 동맹’"), not a name
_GENERIC_NAME_WORDS = {  # words that alone do not make a name
    "AI", "A.I.", "인공지능", "생성형", "생성형AI", "초거대", "초거대AI", "산학연", "산학", "민관", "민관학", "민관합동", "산·학·연",
    "국내", "글로벌", "새", "새로운", "신규", "이번", "해당", "공동", "전략", "전략적", "업무", "협력", "기업", "기관", "대학",
    "업계", "관련", "분야", "국가", "범국가", "대규모", "첫", "최초", "최대", "국내외", "디지털", "데이터", "기술", "AX", "DX",
    "연합", "협업", "파트너", "통신", "통신사", "빅테크", "정부", "공공", "민간", "산업", "생태계", "얼라이언스", "협의체",
    "협의회", "컨소시엄", "원팀", "동맹", "포럼", "네트워크", "연합체", "연합군", "드림팀", "협력체", "사업", "주관", "참여",
}
_REGION_WORD = re.compile(r"^(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주|충청|전라|"
                          r"경상|호남|영남|수도권|동남권|대경|부울경|포항|창원|수원|성남|용인|고양|천안|청주|전주|김해|구미|판교|"
                          r"송도|춘천|원주|강릉|목포|여수|순천|진주)(?:시|도|특별시|광역시|특별자치시|특별자치도)?$")
_NAME_TAGS = ("NNG", "NNP", "SL", "SN", "SH", "XPN", "NR", "SO")


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"\s+", re.sub(_NAMED_HEAD + r"$", "", name).strip()) if w]


def _distinct_name(name: str, gz: Gazetteer, *, quoted: bool) -> bool:
    """A proper alliance name, not a generic "AI 협의체" / "산학연 컨소시엄" / "SK텔레콤 컨소시엄"."""
    words = _name_words(name)
    specific = [w for w in words if w not in _GENERIC_NAME_WORDS and not re.fullmatch(r"[\d\W]+", w)]
    if not specific:
        return False
    if quoted:
        return True
    if any(_REGION_WORD.match(w) or re.search(r"[A-Za-z]-[가-힣A-Za-z]|[가-힣]-[A-Za-z]", w) for w in specific):
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


def unknown_alliance(sents: list[Sentence], gz: Gazetteer) -> tuple[str, Sentence] | None:
    """The first quoted (or, failing that, bare proper) alliance name in these sentences that is not a
    known alliance: "‘부산 AI 원팀’", "한국어 AI 평가 컨소시엄"."""
    known = gz.is_alliance_alias
    for s in sents:
        for m in QUOTED_ALLIANCE.finditer(s.text):
            name = clean_alliance_name(re.sub(r"\s+", " ", m.group(1)).strip(), gz)
            if any(not (m.end(1) <= a.start or m.start(1) >= a.end) for a in s.alliances):
                continue
            if not known(name) and _distinct_name(name, gz, quoted=True):
                return name, s
    kiwi = None
    for s in sents:
        for m in BARE_ALLIANCE.finditer(s.text):
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
            if not known(name) and _distinct_name(name, gz, quoted=False):
                return name, s
    return None


_ALLIANCE_NOUN = re.compile(r"얼라이언스|협의체|협의회|컨소시엄|원\s?팀|동맹|연합체|연합군|포럼|One\s?Team|위원회|네트워크|"
                            r"드림팀|협력체|Alliance")


# "X은 지난해 2월 ... 출범한 산학연 협의체다": a definition of an existing alliance, not its founding
_PAST_TIME = r"(?:지난해|작년|지난달|지난\s?\d{1,2}\s?월|\d{4}\s?년|올해\s?\d{1,2}\s?월)"
_DEFINITIONAL_FOUNDING = re.compile(_PAST_TIME + r"[^.!?]{0,60}?((?:출범|결성|발족|창립|설립)(?:한|된|했던))\s(?:[^\s.]+\s){0,3}[^\s.]*?"
                                    r"(?:이다|다|이며|으로|로|인)(?=[\s.,]|$)")
# a founding stated as the main predicate ("... 을 발족했다") beats the meeting it happened at ("CEO 서밋")
_FOUNDED_FINITE = re.compile(r"(?:출범|발족|결성|창립)(?:했|시켰|시켜|한다고|됐|하며|하고)")
_RECURRING_MEETING = re.compile(r"정기|전체\s?회의|\d+\s?차\s?(?:회의|총회|서밋)|출범\s?\d+\s?(?:주년|년)|성과")


def _mask_background_founding(text: str) -> str:
    m = _DEFINITIONAL_FOUNDING.search(text)
    if not m:
        return text
    return text[:m.start(1)] + "_" * (m.end(1) - m.start(1)) + text[m.end(1):]


def event_type(texts: list[str], n_alliances: int) -> tuple[str, str | None]:
    """Event class of the main tie, by priority over the party sentences (title and lead)."""
    texts = [_mask_background_founding(t) for t in texts]
    joined = " ".join(texts)
    has_alliance_noun = bool(_ALLIANCE_NOUN.search(joined)) or n_alliances > 0
    for ev, rx in EVENT_CUES.items():
        m = rx.search(joined)
        if ev == "joined" and not m:
            m = JOIN_PARTICIPATE.search(joined) if has_alliance_noun else None
        if not m:
            continue
        if ev == "rivalry" and not (n_alliances >= 2 or (re.search(r"진영|합종연횡", joined) and has_alliance_noun)):
            continue
        if ev in ("founded", "summit", "joined", "left") and not has_alliance_noun:
            continue
        if ev == "summit" and _FOUNDED_FINITE.search(joined) and not _RECURRING_MEETING.search(joined):
            continue                      # founded at its first summit: the founding is the event
        if ev == "mou" and texts and not EVENT_CUES["mou"].search(texts[0]):
            jr = EVENT_CUES["joint_research"].search(texts[0])
            if jr:
                return "joint_research", jr.group(0)   # "A·B, AI 공동연구센터 세운다" (the MOU is only the vehicle)
        return ev, m.group(0)
    return "other", None


def sentence_event(s: Sentence) -> str | None:
    for ev, rx in EVENT_CUES.items():
        if rx.search(s.text):
            return ev
    return None


def pick_date(cands: list[Sentence], all_sents: list[Sentence]) -> tuple[date | None, DateMention | None]:
    """The main event's date: a day-precise, non-source date from the event sentence, then from the
    title/lead in reading order; a date attached to "밝혔다" yields to a "전날/전일 ... 협약식" nearby."""
    def day_dates(s: Sentence):
        return [d for d in s.dates if d.precision == "day" and d.kind != "source"]

    order = list(dict.fromkeys(cands + [s for s in all_sents if (s.kind in ("title", "head") or s.order < 6)
                                          and not s.caption and not s.metadata]))
    for s in order:
        if BACKGROUND.search(s.text) and s not in cands[:1]:
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
                    if re.match(r"전날|전일|어제|지난", d.text) and re.search(r"협약|체결|출범|발족|열린|개최|서명", t.text):
                        return d.value, d
        return pick.value, pick
    return None, None


def main_alliance(party: list[Sentence], top: list[Sentence], event: str, gz: Gazetteer, *,
                  ref_date: date | None, all_orgs: set[str]) -> tuple[str | None, bool]:
    """(the alliance of the main event, whether the gazetteer knows it): the first named AI alliance in the
    party sentences, else in the lead, else an unknown quoted or proper alliance name; none for a rivalry."""
    alliance = None
    for s in party + top:
        for m in s.alliances:
            cands = tuple(c for c in m.candidates if gz.alliances[c].ai)
            if cands and not side_mention(s.text, m.start, m.end):
                alliance, _ = gz.pick_alliance(cands, ref_date=ref_date, orgs=all_orgs,
                                              text=" ".join(x.text for x in top))
                break
        if alliance:
            break
    resolved_alliance = alliance is not None
    if alliance is None and event != "rivalry":
        found = unknown_alliance([s for s in list(dict.fromkeys(party + top)) if not s.caption], gz)
        if found:
            alliance = found[0]
    if event == "rivalry":
        alliance = None                   # a rivalry is between alliances: no single alliance is "the" one
    return alliance, resolved_alliance
