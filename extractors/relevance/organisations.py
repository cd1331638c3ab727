"""Organisations in a sentence: the gazetteer's names (known), names it does not know (unresolved: Kiwi
morphology, organisation suffixes, member lists), and whether a mention is a side mention (an example,
a comparison, a person's affiliation, a place) rather than a party.

Kiwi (kiwipiepy) is used only for articles that already look like AI-tie news, to find organisations the
gazetteer does not know ("몬드리안에이아이와", "천안시는" ...); they are returned with ``resolved=False``.
"""
from __future__ import annotations

import re

from ..gazetteer import Gazetteer, get_kiwi, word_tokens
from .lexicon import Lexicon
from .sentences import Sentence

# "... 본사 대회의실에서": an organisation followed by a venue is named as a place
_VENUE_AFTER = re.compile(r"^\s(?:[가-힣A-Za-z0-9]+\s){0,2}[가-힣A-Za-z0-9]{1,12}에서(?=[\s,)]|$)")


# a dateline opening a sentence: "[이코리아] ...", "[서울=뉴시스] ..."
_DATELINE = re.compile(r"\s*[\[【][^\]】]{1,30}[\]】]")
# a ceremony the sentence tells of: a name right before "에서" is where it was held
_CEREMONY = re.compile(r"(?:식|행사|회의|간담회|세미나|포럼|설명회)(?:을|를)?\s?(?:열|가졌|가진|개최|진행)|참석한\s?가운데")
# a city or county right after a province
_CITY_AFTER = re.compile(r"\s[가-힣]{1,4}(?:시|군)(?=[은는이가와과의도\s,·]|$)")
# a ticker code right after a listed company: "KT[030200]는", "나무기술(242040)"
_TICKER = re.compile(r"^\s?[\[(]\d{6}[\])]")
# a unit of the organisation between it and a person: "KT AI/DX융합사업부문 전홍범 부사장"
_UNIT_WORD = re.compile(r"^\s?[가-힣A-Za-z0-9/·&]{0,20}(?:부문|본부|사업부|사업단|사업본부|연구소|연구원|센터|담당|실|팀|그룹|캠퍼스)"
                        r"(?:장)?(?=\s)")


def side_mention(text: str, start: int, end: int, lex: Lexicon) -> bool:
    """An organisation named as an example, a comparison, a person's affiliation or a place, not a party."""
    after = text[end:end + 60]
    tm = _TICKER.match(after)
    if tm:
        after = after[tm.end():]
    m = re.match(r"[은는이가와과의]?", after)
    rest = after[m.end():] if m and m.group(0) in ("", "의") else after
    if lex.side_after.match(after) or lex.person_after_org.match(rest) or lex.place_after.match(after) \
            or _VENUE_AFTER.match(after):
        return True
    if text[end - 1:end] == "도" and _CITY_AFTER.match(after):
        return True                                # "경기도 화성시가": the province says where the city is
    um = _UNIT_WORD.match(rest)                    # "KT 클라우드/DX사업본부 이미희 본부장", "KT AI/DX융합사업부문장"
    if um:
        tail = rest[um.end():]
        return bool(lex.person_after_org.match(tail) or re.match(r"^장(?:[은는이가과와의]|\s|$)", tail)
                    or lex.title_after_name.match(tail))
    return False


def _final_consonant(word: str) -> bool:
    last = word[-1:]
    return bool(last) and "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0


def proper_name(stem: str, kiwi, gz: Gazetteer | None = None) -> bool:
    """Kiwi reads ``stem`` as one proper noun: alone ("틸론") or before a coordinating particle
    ("제노솔루션과", "씨이랩과"), where Kiwi tags an unknown name NNP and a common noun stays NNG. A known
    organisation's name followed by more of a name is one too ("티맥스에이앤씨", "카카오헬스케어")."""
    if kiwi is None or not stem:
        return False
    if gz is not None and re.fullmatch(r"[가-힣A-Za-z0-9&]+", stem):
        for i in range(2, len(stem) - 1):
            if re.fullmatch(r"[가-힣A-Za-z]{2,}", stem[i:]) and gz.resolve(stem[:i]) is not None:
                return True
    probes = (stem, stem + ("과" if _final_consonant(stem) else "와"))
    for probe in probes:
        try:
            toks = word_tokens(kiwi, probe)
        except Exception:
            continue
        inside = [t for t in toks if t.start < len(stem)]
        if inside and all(t.tag in ("NNP", "SL", "SN", "SH") or (t.tag == "SW" and t.form in "&+") for t in inside) \
                and any(t.tag == "NNP" for t in inside) and inside[-1].start + inside[-1].len == len(stem):
            return True
    return False


def clean_span(stem: str, kiwi, lex: Lexicon) -> str | None:
    """An organisation span as a name: a trailing particle Kiwi finds is cut ("협의체로" -> "협의체",
    "하만이" -> "하만"); a span ending in a person's title is no organisation ("우리은행장", "MX사업부장",
    "DT담당") -> None."""
    stem = stem.strip()
    if not re.match(r"[가-힣A-Za-z0-9]", stem):
        return None                   # "-클라우드" of "케이(K)-클라우드": a piece of a word, not a name
    if kiwi is not None and re.search(r"[가-힣]$", stem):
        try:
            toks = word_tokens(kiwi, stem)
        except Exception:
            toks = []
        while toks and toks[-1].tag.startswith("J") and toks[-1].start > 0:
            stem = stem[:toks[-1].start].rstrip()
            toks = toks[:-1]
        if toks and toks[-1].start > 0 and (toks[-1].form in ("장", "담당") or lex.title_end.fullmatch(toks[-1].form)):
            return None
    if lex.title_end.search(stem) and not lex.org_suffix.search(stem):
        return None
    pm = re.search(r"(?:에서|으로|에|로|와|과|의|은|는|이|가|을|를)$", stem)
    if pm and stem[:pm.start()] in lex.not_org:
        return None                   # "얼라이언스에", "협의체로": a common noun and its particle
    return stem or None


_HOSPITAL_END = r"(?:병원|의료원)"


def _norm_unresolved(stem: str, lex: Lexicon, gz: Gazetteer | None = None) -> str:
    stem = lex.legal_form.sub("", stem).strip(" '\"‘’“”·,()△▲▷▶■◆●□◇※")
    stem = lex.legal_form.sub("", stem).strip()
    m = re.fullmatch(r"([가-힣]{1,10}대학교?)(\S*" + _HOSPITAL_END + ")", stem)
    if m and gz is not None:
        uni = gz.resolve(m.group(1))
        if uni is not None and uni.type == "university":
            return uni.name + m.group(2)                  # 이화여자대학교의료원 -> 이화여대의료원
    stem = re.sub(r"대학교$", "대", stem)
    stem = re.sub(r"대학교(?=\S*" + _HOSPITAL_END + "$)", "대", stem)   # 한림대학교동탄성심병원 -> 한림대동탄성심병원
    return stem


# a university's hospital written apart: "계명대 동산의료원", "전남대 병원", "고려대학교 구로병원"
_HOSPITAL_APART = re.compile(r"(?<![가-힣A-Za-z0-9])([가-힣]{1,10}대)(?:학교)?\s((?:[가-힣]{1,6})?" + _HOSPITAL_END + ")"
                             r"(?=[은는이가와과의도을를에,.·)\s]|$)")


def hospitals_apart(text: str, gz: Gazetteer) -> list[tuple[int, int, str]]:
    """A university and its hospital written as two words, as one organisation: (start, end, name), the
    university by its canonical name where the gazetteer knows it ("계명대 동산의료원" -> 계명대동산의료원)."""
    out = []
    for m in _HOSPITAL_APART.finditer(text):
        uni = gz.resolve(m.group(1))
        head = uni.name if uni is not None and uni.type == "university" else m.group(1)
        name = head + m.group(2)
        known = gz.resolve(name) or gz.resolve(m.group(0))
        out.append((m.start(), m.end(), known.name if known else name))
    return out


# a university's hospital written apart: "고려대학교 구로병원"
_UNI_BEFORE = re.compile(r"([가-힣]{1,6}대)(?:학교)?\s$")
# members listed together: "A, B, C 등 6개 기업", "△A △B", "A·B·C"
_LIST_ITEM = r"(?:㈜|\(주\))?\s?[가-힣A-Za-z0-9&+.\-]{2,20}(?:\s?㈜|\(주\))?(?:\([^()]{1,30}\))?"
_LIST_SEP = r"(?:\s?[,·、]\s?|\s[△▲]\s?)"
_LIST_RUN = re.compile(r"(?<![^\s△▲(])" + _LIST_ITEM + r"(?:" + _LIST_SEP + _LIST_ITEM + r")+")
_PARTICLE_END = re.compile(r"(?:와의|과의|와|과|은|는|을|를|의|도|으로|로|에)$")


def _list_orgs(text: str, known_spans: list[tuple[int, int]], gz: Gazetteer, lex: Lexicon,
               kiwi, loose: bool = False) -> list[tuple[int, int, str]]:
    """Unknown names listed together with known organisations (or marked ㈜, or "... 등 N개 기업")."""
    out = []
    for run in _LIST_RUN.finditer(text):
        items = []
        for m in re.finditer(_LIST_ITEM, run.group(0)):
            st, en = run.start() + m.start(), run.start() + m.end()
            raw = m.group(0)
            marked = bool(re.search(r"㈜|\(주\)", raw))
            name = re.sub(r"㈜|\(주\)", "", raw).strip()
            gloss = re.search(r"\([^()]*\)$", name)
            core = name[:gloss.start()].strip() if gloss else name
            if en == run.end() and not gloss:
                pm = _PARTICLE_END.search(core)
                if pm and len(core) - len(pm.group(0)) >= 2:
                    core = core[:pm.start()]
            items.append((st, st + len(raw.rstrip()), core, marked, gz.resolve(core) is not None or gz.resolve(name) is not None))
        if len(items) < 2:
            continue
        n_known = sum(1 for *_, k in items if k)
        tail = bool(lex.list_tail.match(text[run.end():run.end() + 20]))
        anchored = n_known or sum(1 for *_, mk, _ in items if mk) >= 2 or tail
        if not anchored:
            continue
        # the last item must end the list ("C 등", "C와", "C(TTA)와"), not modify the next word ("싱가포르 싱텔")
        last_ok = bool(re.match(r"\s?(?:등|및|$|[,.)]|[은는이가을를와과의도로에])", text[run.end():run.end() + 3])) or \
            text[run.end() - 1:run.end()] in (")",) or bool(_PARTICLE_END.search(run.group(0)))
        for i, (st, en, core, marked, known) in enumerate(items):
            if i == len(items) - 1 and not last_ok:
                continue
            if known or any(not (en <= a or st >= b) for a, b in known_spans):
                continue
            stem = clean_span(_norm_unresolved(core, lex, gz), kiwi, lex)
            if stem is None or not (2 <= len(stem) <= 15) or stem in lex.not_org or lex.subunit.search(stem) \
                    or not re.search(r"[가-힣A-Za-z]", stem) or lex.country.match(stem):
                continue
            try:
                tags = {t.tag for t in word_tokens(kiwi, stem + ("과" if _final_consonant(stem) else "와"))}
            except Exception:
                continue
            strong_list = tail or n_known >= 2 or (loose and n_known >= 1)
            if marked or lex.org_suffix.search(stem):
                out.append((st, en, stem))            # "㈜바른로직", "한결반도체"
            elif strong_list and 3 <= len(stem) <= 12 and re.fullmatch(r"[가-힣A-Za-z0-9&]+", stem) and \
                    not re.search(r"(?:다|고|며|서|게|한|된|적|등|및|들)$", stem):
                out.append((st, en, stem))            # Kiwi splits unseen names ("알파칩스" -> 알파/칩/스)
            elif any(tg.startswith(("V", "E", "XSV", "XSA", "M")) for tg in tags):
                continue
            elif proper_name(stem, kiwi, gz) or "SL" in tags:
                out.append((st, en, stem))
    return out


# a region and an institution written apart: "인천 창조경제혁신센터", "경남 테크노파크"
_REGION_APART_TAIL = r"\s([가-힣]{2,14}(?:센터|테크노파크|진흥원|재단|공사|공단|병원|의료원))(?=[은는이가와과의도을를에,.·)\s]|$)"


def regional_apart(text: str, lex: Lexicon) -> list[tuple[int, int, str]]:
    """(start, end, name) of "<region> <institution>" written apart, as one name ("인천창조경제혁신센터")."""
    out = []
    for m in re.finditer(r"(?<![가-힣A-Za-z0-9])([가-힣]{2,8})" + _REGION_APART_TAIL, text):
        if not lex.region_word.match(m.group(1)):
            continue
        if m.group(2).endswith("센터") and re.match(r"에서(?:\s|$)", text[m.end():]):
            continue                      # "부산 OO컨벤션센터에서 협약식을 열었다": a venue, not a party
        out.append((m.start(), m.end(), m.group(1) + m.group(2)))
    return out


def unresolved_orgs(sent: Sentence, gz: Gazetteer, lex: Lexicon, *, loose: bool = False) -> list[tuple[int, int, str]]:
    """Organisation-like eojeol stems in one sentence that the gazetteer does not know (Kiwi-based).
    ``loose`` (a sentence that states membership): a stem Kiwi reads as a proper noun, or a plain noun
    inside a list of names ("A, B와 C"), is kept too."""
    kiwi = get_kiwi(gz)
    if kiwi is None:
        return []
    text = sent.text
    try:
        tokens = kiwi.tokenize(text)
    except Exception:
        return []
    known = [(a, b) for a, b, *_ in sent.orgs] + [(m.start, m.end) for m in sent.alliances]
    out = []
    for st, en, name in hospitals_apart(text, gz) + regional_apart(text, lex):
        if not any(a <= st and en <= b for a, b in known) and not any(not (en <= a or st >= b) for a, b, _ in out):
            out.append((st, en, name))
    known = known + [(a, b) for a, b, _ in out]
    # group tokens into eojeols (whitespace-separated words)
    words: list[list] = []
    for t in tokens:
        brk = t.tag in ("SS", "SB", "SSO", "SSC") or (words and words[-1][-1].tag in ("SS", "SB", "SSO", "SSC"))
        if words and not brk and t.start == words[-1][-1].start + words[-1][-1].len:
            words[-1].append(t)
        else:
            words.append([t])
    weak: list[tuple[int, int, int, str]] = []

    def listed(wi: int) -> bool:
        """The word is an item of a list: a comma, a middle dot or 와/과/및 joins it to a neighbour."""
        w = words[wi]
        if any(t.tag == "JC" or (t.tag == "SP" and t.form in ",·、") for t in w[1:]) or \
                re.match(r"\s?[,·、]", text[w[-1].start + w[-1].len:]):
            return True
        if wi > 0:
            prev = words[wi - 1]
            if prev[-1].tag == "JC" or prev[-1].form in (",", "·", "및") or text[prev[-1].start + prev[-1].len:w[0].start].strip() in (",", "·"):
                return True
        return False

    for wi, w in enumerate(words):
        # trailing particles / punctuation
        k = len(w)
        while k > 0 and (w[k - 1].tag.startswith("J") or w[k - 1].tag in ("SP", "SF", "SS", "SE", "SO", "SW")):
            k -= 1
        if k == 0:
            continue
        stem_toks = w[:k]
        s, e = stem_toks[0].start, stem_toks[-1].start + stem_toks[-1].len
        if loose and wi + 1 < len(words) and text[e:e + 3] == " 그룹" and not any(not (e + 3 <= a or e >= b) for a, b in known) \
                and proper_name(text[s:e], kiwi):
            e = e + 3                                  # "웹케시 그룹과": a group written apart
        if any(not (e <= a or s >= b) for a, b in known):
            continue
        stem = clean_span(_norm_unresolved(text[s:e].replace(" 그룹", "그룹"), lex, gz), kiwi, lex)
        if stem is None or len(stem) < 2 or len(stem) > 25 or stem in lex.not_org or not re.search(r"[가-힣A-Za-z]", stem):
            continue
        if lex.subunit.search(stem) or re.fullmatch(r"[\d\W]+", stem):
            continue
        if re.search(r"[·, …\"'‘’“”]", stem):
            continue
        if lex.name_part_head.match(text[e:e + 30]):
            continue                                   # "K-AI 풀스택 얼라이언스": part of an alliance's name
        if re.search(r"[‘'\"“「『]\s?$", text[max(0, s - 2):s]) and re.match(r"\s?[’'\"”」』]", text[e:]):
            continue                                   # "‘AI산학일체연구센터’를 개설": what the tie makes, not a party
        if re.match(r"에서(?:\s|$)", text[e:]) and (
                re.search(r"(?:센터|컨벤션|호텔|홀|타워|빌딩|캠퍼스|본관|사옥|회관|청사)$", stem) or _CEREMONY.search(text)):
            continue                                   # "김대중컨벤션센터에서", "OO기술원에서 개소식을 열었다": a venue
        tags = {t.tag for t in stem_toks}
        has_nnp = "NNP" in tags
        has_sl = "SL" in tags
        if any(tg.startswith(("V", "E", "M", "XSV", "XSA")) for tg in tags):
            continue
        # particle right after the stem (possibly after a closing bracket: "KAIST(총장 OOO)와")
        particle = ""
        for t in w[k:]:
            if t.tag.startswith("J"):
                particle = t.form
                break
        after = text[e:]
        headed = not particle and bool(lex.bracket_head.match(after))     # "OO기술원(원장 OOO)은": an organisation
        if not headed and lex.title_after_name.match(after.lstrip("()") if not particle else after[after.find(particle) + len(particle):]):
            continue
        if lex.title_before_name.search(text[max(0, s - 8):s]):
            continue                                   # "(회장 홍길동)" — a person, not an organisation
        partner = particle in ("와", "과", "는", "은", "이", "가", "도", "와의", "과의")
        described = bool(lex.descriptor_before.search(text[max(0, s - 12):s]))
        if described and not (has_nnp or has_sl):
            try:                                       # in context Kiwi tags names as NNG; alone, a name is NNP
                described = any(t.tag == "NNP" for x in ("과", "와") for t in word_tokens(kiwi, stem + x))
            except Exception:
                described = False
        if lex.ai_name_end.search(stem) and lex.ai_field_after.match(text[e:e + 8]) and not particle:
            continue                                   # "의료AI 기술": a field, not a company
        if lex.org_suffix.search(stem) and len(stem) >= 4 and (has_nnp or has_sl):
            ok = True
        elif headed and len(stem) >= 3 and (has_nnp or has_sl or lex.org_suffix.search(stem) or lex.org_short_suffix.search(stem)):
            ok = True          # "순천향대학교(총장 OOO)"
        elif described and len(stem) >= 2 and not re.match(r"\d", stem) and (partner or (particle == "" and (has_nnp or has_sl))) and \
                tags <= {"NNG", "NNP", "SL", "SN", "SH"}:
            ok = True          # "AI 전문기업인 아이브엠과"
        elif lex.org_short_suffix.search(stem) and has_nnp and len(stem) >= 3 and partner:
            ok = True          # "천안시는", "안산시가" (but not "서울 종로구 KT 광화문빌딩")
        elif has_nnp and particle in ("와", "과") and len(stem) >= 5 and re.search(r"[가-힣]", stem):
            ok = True          # "몬드리안에이아이와 ... 손잡고": a proper noun partnering in a tie sentence
        elif loose and listed(wi) and re.search(r"[가-힣A-Za-z]{2}", stem) and not lex.country.match(stem) and \
                not re.search(r"(?:들|측|쪽|등|및)$", stem) and \
                not lex.region_word.match(stem) and \
                (proper_name(stem, kiwi, gz) or lex.org_suffix.search(stem) and len(stem) >= 4):
            ok = True          # a member list: "케이뱅크은행, 소만사, 틸론 ... 가 참여한다"
        elif (loose or wi == 0 or wi == 1 and lex.title_before_name.search(text[:s]) is None and
              re.fullmatch(r"[\[(].*[\])]\s?", text[:s])) and \
                particle in ("이", "가", "은", "는", "도") and len(stem) >= 2 and re.search(r"[가-힣]", stem) and \
                not lex.region_word.match(stem) and not lex.country.match(stem) and proper_name(stem, kiwi, gz):
            ok = True          # the subject of the act: "다솜물류가 20일 ... 에 합류했다", "동아에스티가 ... 손을 맞잡았다"
        elif loose and listed(wi) and 3 <= len(stem) <= 12 and re.fullmatch(r"[가-힣A-Za-z0-9&]+", stem) and \
                not re.search(r"(?:들|측|쪽|등|및)$", stem) and not lex.country.match(stem) and \
                not lex.region_word.match(stem) and tags <= {"NNG", "NNP", "SL", "SN", "SH", "XSN", "IC", "NNB", "XPN"}:
            weak.append((wi, s, e, stem))   # a plain noun in a list ("나무기술"): kept next to a name, below
            continue
        else:
            ok = False
        if not ok:
            continue
        # a name matched by the gazetteer inside the stem (e.g. "KAIST경영대학") is not a new org
        if gz.resolve(stem):
            continue
        if lex.unit_suffix.search(stem) and \
                any(b == s - 1 and text[b:s] == " " for a, b in known):
            continue                                   # "서울대학교 OO연구소": a unit of a named organisation
        if stem.endswith("병원") and len(stem) <= 8:
            um = _UNI_BEFORE.search(text[max(0, s - 10):s])
            if um:                                     # "고려대학교 구로병원" -> 고려대구로병원
                s, stem = s - len(um.group(0)), um.group(1) + stem
        out.append((s, e, stem))
    if weak:                                           # plain nouns kept when a name stands within two words
        anchors = {wi for wi, w in enumerate(words)
                   if any(not (w[-1].start + w[-1].len <= a or w[0].start >= b) for a, b in known + [(x, y) for x, y, _ in out])}
        for wi, st, en, stem in weak:
            if any(abs(wi - a) <= 2 for a in anchors) and not gz.resolve(stem):
                out.append((st, en, stem))
    taken = known + [(a, b) for a, b, _ in out]
    for st, en, stem in _list_orgs(text, taken, gz, lex, kiwi, loose):
        if stem not in {x for *_, x in out}:
            out.append((st, en, stem))
    return out


def known_orgs(text: str, gz: Gazetteer) -> list[tuple[int, int, str, bool]]:
    """The gazetteer's organisations in ``text``: (start, end, canonical name, resolved=True)."""
    return [(m.start, m.end, m.name, True) for m in gz.find_orgs(text)]


def add_unresolved(party_sents: list[Sentence], gz: Gazetteer, lex: Lexicon, *, loose: bool = False) -> dict[str, int]:
    """Add the organisations the gazetteer does not know to the party sentences (a known name inside an
    unresolved span gives way to it); returns how often each unresolved name was added. ``loose``: the
    sentences state membership (see ``unresolved_orgs``)."""
    unresolved: dict[str, int] = {}
    mode = "loose" if loose else "strict"
    for s in party_sents:
        if s.unresolved_done in (mode, "loose"):
            continue
        s.unresolved_done = mode
        dateline = _DATELINE.match(s.text)
        for st, en, name in unresolved_orgs(s, gz, lex, loose=loose):
            if dateline and en <= dateline.end():
                continue                               # "[이코리아] 메타와 IBM ...": the outlet, not a party
            if any(not o[3] and not (en <= o[0] or st >= o[1]) for o in s.orgs):
                continue                               # found before (a stricter pass)
            s.orgs = [o for o in s.orgs if not (o[3] and st <= o[0] and o[1] <= en and (o[0], o[1]) != (st, en))]
            org = gz.resolve(name)
            if org is not None:                        # "고려대 의료원" written apart: a known organisation
                if not any(o[2] == org.name and o[0] == st for o in s.orgs):
                    s.orgs.append((st, en, org.name, True))
                continue
            s.orgs.append((st, en, name, False))
            unresolved[name] = unresolved.get(name, 0) + 1
    return unresolved
