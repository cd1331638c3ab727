"""Organisations in a sentence: the gazetteer's names (known), names it does not know (unresolved: Kiwi
morphology, organisation suffixes, member lists), and whether a mention is a side mention (an example,
a comparison, a person's affiliation, a place) rather than a party.

Kiwi (kiwipiepy) is used only for articles that already look like AI-tie news, to find organisations the
gazetteer does not know ("몬드리안에이아이와", "천안시는" ...); they are returned with ``resolved=False``.
"""
from __future__ import annotations

import re

from ..gazetteer import Gazetteer, get_kiwi
from .sentences import Sentence

_SIDE_AFTER = re.compile(r"^(?:(?!손잡|협약|맺|합류|제휴|[.!?]\s).){0,40}?(?:에\s?이어|같은\s|처럼|(?:와|과)\s?달리|에\s?맞서|에\s?대항|"
                         r"(?:와|과)\s?(?:대조|비교))")
_PERSON_AFTER = re.compile(r"^\s(?:[가-힣]{2,4}\s)?(?:대표이사|대표|회장|부회장|사장|부사장|전무|상무|CEO|CTO|총장|원장|장관|차관|"
                           r"이사장|행장|청장|시장|군수|부문장|본부장|센터장|실장|단장)(?:[은는이가을를과와의도]|\s|$|[,.)·])")
_VENUE_AFTER = re.compile(r"^\s(?:[가-힣A-Za-z0-9]+\s){0,2}[가-힣A-Za-z0-9]{1,12}에서(?=[\s,)]|$)")
_PLACE_AFTER = re.compile(r"^\s?(?:사옥|본사|본관|빌딩|타워|캠퍼스|회의실|사무실|청사|연구센터|컨벤션|광화문|판교|분당|우면)")
# organisations the gazetteer does not know: eojeol stems with these endings (plus Kiwi NNP)
ORG_SUFFIX_LONG = re.compile(r"(?:대학교|전문대|공대|대학|협회|재단|공사|공단|진흥원|연구원|연구소|혁신원|기술원|평가원|개발원|정보원|학회|기금|센터|은행|증권|보험|"
                             r"생명|그룹|지주|전자|텔레콤|홀딩스|테크놀로지스?|테크|랩스|소프트|시스템즈|솔루션즈|네트웍스|"
                             r"에이아이|AI|로보틱스|모빌리티|의료원|병원|중공업|클라우드|컴퍼니|코리아|위원회|조합|산업|"
                             r"인베스트먼트|파트너스|바이오|제약|엔터프라이즈|시청|군청|구청|도청)$")
ORG_SUFFIX_SHORT = re.compile(r"(?:시|군|구|도|대|원|청|부|처)$")
SUBUNIT = re.compile(r"(?:공유대학|선도대학|중심대학|혁신대학|육성사업|사업단|학과|학부|연구실|연구팀|본부|사무국|추진단|센터장|위원장|지사|지점|영업점|단과대학|대학원)$")
NOT_ORG = {
    "정부", "양사", "양측", "양국", "당사", "회사", "기업", "기관", "업계", "이들", "각사", "국내", "해외", "우리", "본부",
    "지자체", "대학", "협회", "재단", "센터", "위원회", "협의회", "협의체", "연구원", "연구소", "은행", "그룹", "산업",
    "AI", "인공지능", "생성형AI", "한국", "미국", "중국", "일본", "독일", "영국", "프랑스", "대한민국", "글로벌", "서울", "부산",
    "전체", "일부", "학부", "교육부", "시", "군", "구", "도", "원", "대", "관계자", "반도체", "스마트시티", "모빌리티",
    "클라우드", "디지털", "데이터", "빅데이터", "초거대AI", "중소기업", "대기업", "스타트업", "벤처", "협력사", "참여사", "회원사",
    "산학연", "민관", "민관학", "산학", "컨소시엄", "원팀", "얼라이언스", "동맹", "주관사", "공공기관", "연구기관",
}
PERSON_TITLE = re.compile(r"^\s*(?:대표|회장|사장|부사장|전무|상무|이사|이사장|총장|원장|단장|시장|군수|구청장|도지사|장관|차관|"
                          r"실장|본부장|센터장|교수|박사|기자|CEO|CTO|CAIO|의장|위원장|부회장|행장|청장|소장|팀장|부문장)")
PLACE_PREFIX = re.compile(r"^(?:\(사\)|\(재\)|\(주\)|㈜|\(유\)|사단법인|재단법인|주식회사)\s*|\s*(?:㈜|\(주\))$")


def side_mention(text: str, start: int, end: int) -> bool:
    """An organisation named as an example, a comparison, a person's affiliation or a place, not a party."""
    after = text[end:end + 50]
    m = re.match(r"[은는이가와과의]?", after)
    rest = after[m.end():] if m and m.group(0) in ("", "의") else after
    return bool(_SIDE_AFTER.match(after) or _PERSON_AFTER.match(rest) or _PLACE_AFTER.match(after)
                or _VENUE_AFTER.match(after))


def _norm_unresolved(stem: str) -> str:
    stem = PLACE_PREFIX.sub("", stem).strip(" '\"‘’“”·,()△▲▷▶■◆●□◇※")
    stem = PLACE_PREFIX.sub("", stem).strip()
    stem = re.sub(r"대학교$", "대", stem)
    stem = re.sub(r"대학교(?=\S*병원$)", "대", stem)        # 한림대학교동탄성심병원 -> 한림대동탄성심병원
    return stem


# a head's title in brackets right after a name: "순천향대학교(총장 OOO)", "OO기술원(원장 OOO)은"
_BRACKET_HEAD = re.compile(r"\(\s?(?:대표이사|대표|회장|사장|총장|원장|단장|시장|군수|구청장|도지사|청장|이사장|소장|센터장|"
                           r"병원장|학장|의장|협회장|위원장|행장)")
# a descriptor right before a name: "의료 AI 전문기업인 아이브엠과", "팹리스 기업 에임퓨처와"
_DESCRIPTOR_BEFORE = re.compile(r"(?:기업|업체|스타트업|전문기업|전문업체|회사|팹리스|개발사|운영사|제조사|벤처)(?:인)?\s$")
# a university's hospital written apart: "고려대학교 구로병원"
_UNI_BEFORE = re.compile(r"([가-힣]{1,6}대)(?:학교)?\s$")
# members listed together: "A, B, C 등 6개 기업", "△A △B", "A·B·C"
_LIST_ITEM = r"(?:㈜|\(주\))?\s?[가-힣A-Za-z0-9&+.\-]{2,20}(?:\s?㈜|\(주\))?(?:\([^()]{1,30}\))?"
_LIST_SEP = r"(?:\s?[,·、]\s?|\s[△▲]\s?)"
_LIST_RUN = re.compile(r"(?<![^\s△▲(])" + _LIST_ITEM + r"(?:" + _LIST_SEP + _LIST_ITEM + r")+")
_LIST_TAIL = re.compile(r"^\s?등\s?(?:총\s?)?\d*\s?(?:개|곳)?\s?(?:사|기업|기관|업체|대학|회사|팹리스|스타트업|단체)")
_COUNTRY = re.compile(r"^(?:한국|대한민국|미국|중국|일본|독일|프랑스|영국|캐나다|호주|인도|대만|베트남|태국|싱가포르|인도네시아|말레이시아|"
                      r"사우디(?:아라비아)?|아랍에미리트(?:연합)?|UAE|이스라엘|네덜란드|스페인|이탈리아|스웨덴|핀란드|스위스|러시아|"
                      r"브라질|멕시코|몽골|카타르|튀르키예|폴란드|유럽|중동|(?:동남|서남|중앙|동북)?아시아|동남아|북미|남미|아프리카|전\s?세계|세계)(?:\(.*\))?$")
_PARTICLE_END = re.compile(r"(?:와의|과의|와|과|은|는|을|를|의|도|으로|로|에)$")


def _list_orgs(text: str, known_spans: list[tuple[int, int]], gz: Gazetteer, kiwi) -> list[tuple[int, int, str]]:
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
        tail = bool(_LIST_TAIL.match(text[run.end():run.end() + 20]))
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
            stem = _norm_unresolved(core)
            if not (2 <= len(stem) <= 15) or stem in NOT_ORG or SUBUNIT.search(stem) or not re.search(r"[가-힣A-Za-z]", stem):
                continue
            if _COUNTRY.match(stem):
                continue
            try:
                tags = {t.tag for t in kiwi.tokenize(stem)}
            except Exception:
                continue
            strong_list = tail or n_known >= 2
            if strong_list and 3 <= len(stem) <= 12 and re.fullmatch(r"[가-힣A-Za-z0-9&]+", stem) and \
                    not re.search(r"(?:다|고|며|서|게|한|된|적|등|및|들)$", stem):
                out.append((st, en, stem))            # Kiwi splits unseen names ("알파칩스" -> 알파/칩/스)
                continue
            if any(tg.startswith(("V", "E", "XSV", "XSA")) for tg in tags):
                continue
            nouns_only = tags <= {"NNG", "NNP", "SL", "SN", "SH", "XSN", "NNB"}
            if marked or "NNP" in tags or "SL" in tags or ORG_SUFFIX_LONG.search(stem) or \
                    (nouns_only and len(stem) >= 4 and re.fullmatch(r"[가-힣]+", stem) and (tail or n_known >= 2)):
                out.append((st, en, stem))
    return out


def unresolved_orgs(sent: Sentence, gz: Gazetteer) -> list[tuple[int, int, str]]:
    """Organisation-like eojeol stems in one sentence that the gazetteer does not know (Kiwi-based)."""
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
    # group tokens into eojeols (whitespace-separated words)
    words: list[list] = []
    for t in tokens:
        brk = t.tag in ("SS", "SB", "SSO", "SSC") or (words and words[-1][-1].tag in ("SS", "SB", "SSO", "SSC"))
        if words and not brk and t.start == words[-1][-1].start + words[-1][-1].len:
            words[-1].append(t)
        else:
            words.append([t])
    for wi, w in enumerate(words):
        # trailing particles / punctuation
        k = len(w)
        while k > 0 and (w[k - 1].tag.startswith("J") or w[k - 1].tag in ("SP", "SF", "SS", "SE", "SO", "SW")):
            k -= 1
        if k == 0:
            continue
        stem_toks = w[:k]
        s, e = stem_toks[0].start, stem_toks[-1].start + stem_toks[-1].len
        if any(not (e <= a or s >= b) for a, b in known):
            continue
        stem = _norm_unresolved(text[s:e])
        if len(stem) < 2 or len(stem) > 25 or stem in NOT_ORG or not re.search(r"[가-힣A-Za-z]", stem):
            continue
        if SUBUNIT.search(stem) or re.fullmatch(r"[\d\W]+", stem):
            continue
        if re.search(r"[·, …\"'‘’“”]", stem):
            continue
        if re.match(r"^\s?[^\s,·]{0,12}\s?(?:얼라이언스|협의체|협의회|컨소시엄|원\s?팀|동맹|연합|Alliance)", text[e:e + 30]):
            continue                                   # "K-AI 풀스택 얼라이언스": part of an alliance's name
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
        headed = not particle and bool(_BRACKET_HEAD.match(after))     # "OO기술원(원장 OOO)은": an organisation
        if not headed and PERSON_TITLE.match(after.lstrip("()") if not particle else after[after.find(particle) + len(particle):]):
            continue
        if re.search(r"(?:대표|회장|사장|총장|원장|단장|시장|장관|이사장|교수|CEO|의장|위원장|행장)\s*$", text[max(0, s - 8):s]):
            continue                                   # "(회장 홍길동)" — a person, not an organisation
        partner = particle in ("와", "과", "는", "은", "이", "가", "도", "와의", "과의")
        described = bool(_DESCRIPTOR_BEFORE.search(text[max(0, s - 12):s]))
        if described and not (has_nnp or has_sl):
            try:                                       # in context Kiwi tags names as NNG; alone, a name is NNP
                described = any(t.tag == "NNP" for x in ("과", "와") for t in kiwi.tokenize(stem + x))
            except Exception:
                described = False
        if re.search(r"(?:AI|에이아이)$", stem) and re.match(r"\s?(?:기술|산업|분야|생태계|서비스|솔루션|모델|플랫폼|반도체|개발|연구|"
                                                         r"융합|전환|교육|인재|전문)", text[e:e + 8]) and not particle:
            continue                                   # "의료AI 기술": a field, not a company
        if ORG_SUFFIX_LONG.search(stem) and len(stem) >= 4 and (has_nnp or has_sl):
            ok = True
        elif headed and len(stem) >= 3 and (has_nnp or has_sl or ORG_SUFFIX_LONG.search(stem) or ORG_SUFFIX_SHORT.search(stem)):
            ok = True          # "순천향대학교(총장 OOO)"
        elif described and len(stem) >= 2 and not re.match(r"\d", stem) and (partner or (particle == "" and (has_nnp or has_sl))) and \
                tags <= {"NNG", "NNP", "SL", "SN", "SH"}:
            ok = True          # "AI 전문기업인 아이브엠과"
        elif ORG_SUFFIX_SHORT.search(stem) and has_nnp and len(stem) >= 3 and partner:
            ok = True          # "천안시는", "안산시가" (but not "서울 종로구 KT 광화문빌딩")
        elif has_nnp and particle in ("와", "과") and len(stem) >= 5 and re.search(r"[가-힣]", stem):
            ok = True          # "몬드리안에이아이와 ... 손잡고": a proper noun partnering in a tie sentence
        else:
            ok = False
        if not ok:
            continue
        # a name matched by the gazetteer inside the stem (e.g. "KAIST경영대학") is not a new org
        if gz.resolve(stem):
            continue
        if re.search(r"(?:연구소|연구원|연구센터|센터|사업단|대학원|연구실|위원회|본부)$", stem) and \
                any(b == s - 1 and text[b:s] == " " for a, b in known):
            continue                                   # "서울대학교 OO연구소": a unit of a named organisation
        if stem.endswith("병원") and len(stem) <= 8:
            um = _UNI_BEFORE.search(text[max(0, s - 10):s])
            if um:                                     # "고려대학교 구로병원" -> 고려대구로병원
                s, stem = s - len(um.group(0)), um.group(1) + stem
        out.append((s, e, stem))
    taken = known + [(a, b) for a, b, _ in out]
    for st, en, stem in _list_orgs(text, taken, gz, kiwi):
        if stem not in {x for *_, x in out}:
            out.append((st, en, stem))
    return out


def known_orgs(text: str, gz: Gazetteer) -> list[tuple[int, int, str, bool]]:
    """The gazetteer's organisations in ``text``: (start, end, canonical name, resolved=True)."""
    return [(m.start, m.end, m.name, True) for m in gz.find_orgs(text)]


def add_unresolved(party_sents: list[Sentence], gz: Gazetteer) -> dict[str, int]:
    """Add the organisations the gazetteer does not know to the party sentences (a known name inside an
    unresolved span gives way to it); returns how often each unresolved name was added."""
    unresolved: dict[str, int] = {}
    for s in party_sents:
        for st, en, name in unresolved_orgs(s, gz):
            s.orgs = [o for o in s.orgs if not (o[3] and st <= o[0] and o[1] <= en and (o[0], o[1]) != (st, en))]
            s.orgs.append((st, en, name, False))
            unresolved[name] = unresolved.get(name, 0) + 1
    return unresolved
