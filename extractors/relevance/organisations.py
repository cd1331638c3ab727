"""Organisations in a sentence: the gazetteer's names (known), names it does not know (unresolved: Kiwi
morphology, organisation suffixes, member lists), and whether a mention is a side mention (an example,
a comparison, a person's affiliation, a place) rather than a party.

Kiwi (kiwipiepy) is used only for articles that already look like AI-tie news, to find organisations the
gazetteer does not know ("몬드리안에이아이와", "천안시는" ...); they are returned with ``resolved=False``.
"""
from __future__ import annotations

import re

from ..gazetteer import Gazetteer, get_kiwi
from .lexicon import Lexicon
from .sentences import Sentence

# "... 본사 대회의실에서": an organisation followed by a venue is named as a place
_VENUE_AFTER = re.compile(r"^\s(?:[가-힣A-Za-z0-9]+\s){0,2}[가-힣A-Za-z0-9]{1,12}에서(?=[\s,)]|$)")


def side_mention(text: str, start: int, end: int, lex: Lexicon) -> bool:
    """An organisation named as an example, a comparison, a person's affiliation or a place, not a party."""
    after = text[end:end + 50]
    m = re.match(r"[은는이가와과의]?", after)
    rest = after[m.end():] if m and m.group(0) in ("", "의") else after
    return bool(lex.side_after.match(after) or lex.person_after_org.match(rest) or lex.place_after.match(after)
                or _VENUE_AFTER.match(after))


def _norm_unresolved(stem: str, lex: Lexicon) -> str:
    stem = lex.legal_form.sub("", stem).strip(" '\"‘’“”·,()△▲▷▶■◆●□◇※")
    stem = lex.legal_form.sub("", stem).strip()
    stem = re.sub(r"대학교$", "대", stem)
    stem = re.sub(r"대학교(?=\S*병원$)", "대", stem)        # 한림대학교동탄성심병원 -> 한림대동탄성심병원
    return stem


# a university's hospital written apart: "고려대학교 구로병원"
_UNI_BEFORE = re.compile(r"([가-힣]{1,6}대)(?:학교)?\s$")
# members listed together: "A, B, C 등 6개 기업", "△A △B", "A·B·C"
_LIST_ITEM = r"(?:㈜|\(주\))?\s?[가-힣A-Za-z0-9&+.\-]{2,20}(?:\s?㈜|\(주\))?(?:\([^()]{1,30}\))?"
_LIST_SEP = r"(?:\s?[,·、]\s?|\s[△▲]\s?)"
_LIST_RUN = re.compile(r"(?<![^\s△▲(])" + _LIST_ITEM + r"(?:" + _LIST_SEP + _LIST_ITEM + r")+")
_PARTICLE_END = re.compile(r"(?:와의|과의|와|과|은|는|을|를|의|도|으로|로|에)$")


def _list_orgs(text: str, known_spans: list[tuple[int, int]], gz: Gazetteer, lex: Lexicon,
               kiwi) -> list[tuple[int, int, str]]:
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
            stem = _norm_unresolved(core, lex)
            if not (2 <= len(stem) <= 15) or stem in lex.not_org or lex.subunit.search(stem) or not re.search(r"[가-힣A-Za-z]", stem):
                continue
            if lex.country.match(stem):
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
            if marked or "NNP" in tags or "SL" in tags or lex.org_suffix.search(stem) or \
                    (nouns_only and len(stem) >= 4 and re.fullmatch(r"[가-힣]+", stem) and (tail or n_known >= 2)):
                out.append((st, en, stem))
    return out


def unresolved_orgs(sent: Sentence, gz: Gazetteer, lex: Lexicon) -> list[tuple[int, int, str]]:
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
        stem = _norm_unresolved(text[s:e], lex)
        if len(stem) < 2 or len(stem) > 25 or stem in lex.not_org or not re.search(r"[가-힣A-Za-z]", stem):
            continue
        if lex.subunit.search(stem) or re.fullmatch(r"[\d\W]+", stem):
            continue
        if re.search(r"[·, …\"'‘’“”]", stem):
            continue
        if lex.name_part_head.match(text[e:e + 30]):
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
        headed = not particle and bool(lex.bracket_head.match(after))     # "OO기술원(원장 OOO)은": an organisation
        if not headed and lex.title_after_name.match(after.lstrip("()") if not particle else after[after.find(particle) + len(particle):]):
            continue
        if lex.title_before_name.search(text[max(0, s - 8):s]):
            continue                                   # "(회장 홍길동)" — a person, not an organisation
        partner = particle in ("와", "과", "는", "은", "이", "가", "도", "와의", "과의")
        described = bool(lex.descriptor_before.search(text[max(0, s - 12):s]))
        if described and not (has_nnp or has_sl):
            try:                                       # in context Kiwi tags names as NNG; alone, a name is NNP
                described = any(t.tag == "NNP" for x in ("과", "와") for t in kiwi.tokenize(stem + x))
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
    taken = known + [(a, b) for a, b, _ in out]
    for st, en, stem in _list_orgs(text, taken, gz, lex, kiwi):
        if stem not in {x for *_, x in out}:
            out.append((st, en, stem))
    return out


def known_orgs(text: str, gz: Gazetteer) -> list[tuple[int, int, str, bool]]:
    """The gazetteer's organisations in ``text``: (start, end, canonical name, resolved=True)."""
    return [(m.start, m.end, m.name, True) for m in gz.find_orgs(text)]


def add_unresolved(party_sents: list[Sentence], gz: Gazetteer, lex: Lexicon) -> dict[str, int]:
    """Add the organisations the gazetteer does not know to the party sentences (a known name inside an
    unresolved span gives way to it); returns how often each unresolved name was added."""
    unresolved: dict[str, int] = {}
    for s in party_sents:
        for st, en, name in unresolved_orgs(s, gz, lex):
            s.orgs = [o for o in s.orgs if not (o[3] and st <= o[0] and o[1] <= en and (o[0], o[1]) != (st, en))]
            s.orgs.append((st, en, name, False))
            unresolved[name] = unresolved.get(name, 0) + 1
    return unresolved
