"""Sentences -> the rule signals as a named feature dict, with the cues, the reasons and the decisive
sentence an analyst reads as evidence.

``annotate`` marks each sentence with its AI cues, tie cues, known organisations, alliances and dates;
``extract_features`` turns the annotated sentences into ``FEATURE_NAMES`` (each 0..1, weighted by position: the
title and the lead weigh more than the tail) and picks the party sentences the later stages read.
``gate`` is the cheap test that an article can be AI-alliance news at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..dates import DateResolver
from ..gazetteer import Gazetteer
from .organisations import known_orgs
from .sentences import SCORED_CHARS, Sentence, sentences

# the features, in the order the model reports its parts
FEATURE_NAMES = ("tie_ai", "parties", "alliance", "ai_share", "ai_head", "tie_head", "politics",
                 "non_ai_subject", "single_org", "edu_event", "non_ai_alliance", "roundup")

AI_STRONG = re.compile(
    r"(?<![A-Za-z])(?:AI|A\.I\.|AX|LLM|sLLM|GPT|AGI|NPU|GenAI|Gen AI)(?![A-Za-z])|인공\s?지능|초거대|생성형|"
    r"언어\s?모델|파운데이션\s?모델|머신\s?러닝|딥\s?러닝|챗GPT|챗봇|에이아이|Artificial Intelligence")
AI_WEAK = re.compile(r"빅\s?데이터|데이터\s?분석|자율\s?주행|로봇|디지털\s?전환|(?<![A-Za-z])DX(?![A-Za-z])|"
                     r"스마트\s?(?:시티|팩토리|도시)|알고리즘|클라우드|반도체|디지털\s?혁신")
MEMBER_NOUN = re.compile(r"이름을\s?올(?:렸|린|려)|회장사|회원사|참여사|임원사|참여\s?기업|참여\s?기관|참여\s?업체|주관사")

# tie cues: (label, class, pattern). class: strong | weak | alliance (an alliance noun)
_TIE = [
    ("협약", "strong", r"협약|협정|MOU|양해\s?각서|LOI|의향서"),
    ("맞손", "strong", r"맞손|손\s?잡|손을\s?(?:맞)?잡|손\s?맞잡|의기투합|뭉쳤|뭉친|뭉쳐|힘을\s?합치|힘을\s?모으|합종연횡"),
    ("제휴", "strong", r"제휴|파트너십|파트너\s?관계|동맹|연합군|연합체|초협력|협력\s?체계|협업\s?체계"),
    ("합류", "strong", r"합류|가입|동참|합세|탈퇴"),
    ("공동연구", "strong", r"공동\s?연구|공동\s?개발|공동\s?투자|산학\s?협력|산학연\s?협력|합작|지분\s?(?:맞)?교환|상호\s?지분|조인트\s?벤처"),
    ("협의체", "alliance", r"얼라이언스|협의체|협의회|컨소시엄|원\s?팀|One\s?Team|연합체|연합군|연합\s?전선|동맹|진영|Alliance|"
                           r"회장사|회원사|참여사|임원사|참여\s?기업|참여\s?기관|이름을\s?올(?:렸|린|려)"),
    ("협력 논의", "strong", r"협력\s?방안을?\s?(?:논의|모색|협의)|협력을?\s?(?:논의|모색|협의)하"),
    ("협력", "weak", r"협력|협업|참여|함께|공조|우군"),
]
TIE_RX = [(label, cls, re.compile(p)) for label, cls, p in _TIE]

POLITICS = re.compile(r"한\s?[·ㆍ-]?\s?미\s?동맹|한미일|韓美|韓·美|한\s?[·ㆍ]?\s?미\s?정상|정상\s?회담|안보|북핵|국방|군사|(?<!전)방위|"
                      r"핵\s?억제|확장\s?억제|외교\s?(?:안보|정책|장관)|동맹국|우방국|국회|여당|야당|총선|대선|선거|정당(?![한하성화])|당대표")
NON_AI_SUBJECT = re.compile(r"관광|수소|탄소\s?중립|ESG|소상공인|금융\s?지원|특별\s?출연|일자리|복지|봉사|기부|후원|장학|헌혈|"
                            r"문화\s?예술|체육|농산물|먹거리|환경\s?정화|산림|국립공원|재활용|폐기물|의료\s?봉사|물류|보증")
LAUNCH = re.compile(r"(?:AI|인공지능)\s?도입|탈바꿈|앞장|주도(?:한다|했다|하는)|이끈다|출시|공개|선보|선봬|론칭|런칭|인증|획득|수상|채용|실적|영업이익|매출|자체\s?개발|오픈\s?소스|"
                    r"업데이트|탑재|선언|비전|청사진|리포트|보고서|개원|개소|특화\s?모델|신제품")
EDU_EVENT = re.compile(r"입교|수료|교육생|모집|경쟁률|사관학교|\d+\s?기\s?(?:교육|과정|입|모집|생)|페스티벌|축제|박람회|"
                       r"전시회|공모전|해커톤|경진\s?대회|채용\s?설명회|설명회|컨퍼런스(?!\s?콜)|콘퍼런스(?!\s?콜)|개발자\s?(?:행사|대회)")
ROUNDUP_TITLE = re.compile(r"^\s*[\[【<(]?\s*(?:주간|오늘의|이번\s?주|[가-힣A-Za-z]{0,6}\s?브리핑|종합|모음|헤드라인|단신|뉴스\s?요약|"
                           r"한눈에|[가-힣A-Za-z]{0,6}\s?소식|이슈\s?정리|Weekly|Daily)|\s(?:외|등)\s*$|외\s\d+건")
GENERIC_ALLIANCE = re.compile(r"(?:AI|인공지능)\s?(?:동맹|연합|연합군|협의체|협의회|얼라이언스|컨소시엄|원\s?팀|드림팀|진영)")


@dataclass
class Analysis:
    sents: list[Sentence]
    features: dict
    cues: list[str]
    reasons: list[str]
    best: Sentence | None
    party_sents: list[Sentence]
    alliance_resolved: bool | None = None     # False: the alliance name is not in the gazetteer


def annotate(sents: list[Sentence], gz: Gazetteer, resolver: DateResolver) -> None:
    for s in sents:
        t = s.text
        s.ai = len(AI_STRONG.findall(t))
        s.ai_weak = len(AI_WEAK.findall(t))
        for label, cls, rx in TIE_RX:
            for m in rx.finditer(t):
                s.ties.append((label, cls, m.group(0)))
        s.orgs = known_orgs(t, gz)
        s.alliances = gz.find_alliances(t)
        s.dates = [] if s.metadata else resolver.scan(t)


def extract_features(sents: list[Sentence], gz: Gazetteer) -> tuple[dict, list[str], list[str], Sentence | None, list[Sentence]]:
    cues: list[str] = []
    reasons: list[str] = []
    n = len(sents)
    body = [s for s in sents if not s.caption and not s.metadata]
    if not body:
        return {k: 0.0 for k in FEATURE_NAMES}, cues, ["no usable sentences"], None, []
    head = [s for s in body if s.kind in ("title", "head")]
    lead = [s for s in body if s.kind == "body" and s.order < 4]
    first = (head[:1] or []) + lead[:1]
    title_ai = any(s.ai for s in head)

    # tie sentences with AI context
    best, best_v = None, 0.0
    for i, s in enumerate(sents):
        if s.caption or s.metadata or not s.ties and not s.alliances:
            continue
        strong = s.strong_tie
        n_orgs = len({o[2] for o in s.orgs})
        if strong:
            tie = 1.0
        elif any(c == "weak" for _, c, _ in s.ties) and n_orgs >= 2:
            tie = 0.6
        else:
            continue
        if s.ai:
            ai_ctx = 1.0
        elif any(sents[j].ai for j in (i - 1, i + 1) if 0 <= j < n and not sents[j].caption):
            ai_ctx = 0.7
        elif title_ai:
            ai_ctx = 0.6
        elif s.ai_weak:
            ai_ctx = 0.3
        else:
            ai_ctx = 0.0
        if any(gz.alliances[c].ai for m in s.alliances for c in m.candidates):
            ai_ctx = max(ai_ctx, 0.9)
        if s.attendee and not MEMBER_NOUN.search(s.text):
            tie *= 0.5
        v = s.weight * tie * ai_ctx
        if v > best_v:
            best, best_v = s, v

    # party sentences: title + first strong-tie sentences of the lead (no captions / attendee lists)
    party: list[Sentence] = []
    for s in body:
        if s.kind == "title" and (s.strong_tie or len({o[2] for o in s.orgs}) >= 2):
            party.append(s)
    k = 0
    for s in body:
        if s.kind != "body" or s.order >= 10 or k >= 6:
            continue
        n_o = len({o[2] for o in s.orgs})
        weak_pair = n_o >= 2 and any(c == "weak" for _, c, _ in s.ties) and (s.ai or title_ai)
        if (s.strong_tie or weak_pair) and (not s.attendee or MEMBER_NOUN.search(s.text)):
            party.append(s)
            k += 1
    if best is not None and best not in party and best.kind != "head":
        party.append(best)
    party_orgs = {o[2] for s in party for o in s.orgs}
    if not party and best is not None:
        party_orgs = {o[2] for o in best.orgs}

    # named alliances in title / lead
    top = head + [s for s in body if s.kind == "body" and s.order < 6]
    named_ai = [c for s in top for m in s.alliances for c in m.candidates if gz.alliances[c].ai]
    named_non_ai = [c for s in top for m in s.alliances for c in m.candidates if not gz.alliances[c].ai]
    generic = any(GENERIC_ALLIANCE.search(s.text) for s in top)
    alliance = 1.0 if named_ai else 0.7 if generic else 0.0
    if not alliance and any(c for s in body for m in s.alliances for c in m.candidates if gz.alliances[c].ai):
        alliance = 0.3

    ai_sents = sum(1 for s in body if s.ai)
    ai_share = min(1.0, ai_sents / max(1, min(len(body), 12)))

    politics = 1.0 if POLITICS.search(" ".join(s.text for s in (head + lead[:3]))) else 0.0
    tie_top = [s for s in top if s.strong_tie]
    non_ai = 0.0
    if tie_top and any(NON_AI_SUBJECT.search(s.text) for s in tie_top):
        non_ai = 1.0 if not any(s.ai for s in tie_top) else 0.4
    single = 0.0
    head_or_first = head[:2] if head else lead[:1]
    for s in head_or_first:
        if LAUNCH.search(s.text) and len({o[2] for o in s.orgs}) <= 1 and not s.strong_tie:
            single = 1.0
    edu = 1.0 if EDU_EVENT.search(" ".join(s.text for s in (head + lead[:3]))) else 0.0
    non_ai_alliance = 1.0 if named_non_ai and not named_ai else 0.0
    bullets = sum(1 for s in body if re.match(r"^\s*(?:[▶■◆●□◇]|\d{1,2}[.)]\s)", s.text))
    roundup = 1.0 if (head and ROUNDUP_TITLE.search(head[0].text)) or bullets >= 4 else 0.0

    feats = {
        "tie_ai": round(best_v, 3),
        "parties": round(min(len(party_orgs), 3) / 3, 3),
        "alliance": alliance,
        "ai_share": round(ai_share, 3),
        "ai_head": 1.0 if any(s.ai for s in first) else 0.0,
        "tie_head": 1.0 if any(s.strong_tie for s in first) else 0.0,
        "politics": politics,
        "non_ai_subject": non_ai,
        "single_org": single,
        "edu_event": edu,
        "non_ai_alliance": non_ai_alliance,
        "roundup": roundup,
    }
    for s in top:
        for label, cls, surface in s.ties:
            if cls != "weak":
                cues.append(surface)
        if s.ai:
            cues.extend(AI_STRONG.findall(s.text)[:2])
    cues = list(dict.fromkeys(cues))[:20]
    if best is None:
        reasons.append("no sentence ties two organisations with an AI subject")
    else:
        reasons.append(f"tie sentence ({best.kind}{'' if best.order < 0 else ' #' + str(best.order + 1)}) "
                       f"with AI context, strength {best_v:.2f}")
    if len(party_orgs) >= 2:
        reasons.append(f"{len(party_orgs)} parties in the tie sentences")
    elif best is not None:
        reasons.append("fewer than two parties found in the tie sentences")
    if named_ai:
        reasons.append("named AI alliance: " + ", ".join(dict.fromkeys(named_ai)))
    if politics:
        reasons.append("politics/security context (동맹/협력 in diplomacy)")
    if non_ai:
        reasons.append("the tie's subject is not AI (tourism, hydrogen, ESG, finance support ...)")
    if single:
        reasons.append("one organisation's own launch/report/vision in the title")
    if edu:
        reasons.append("education programme or event")
    if roundup:
        reasons.append("a roundup/briefing: the tie is one item among others")
    if non_ai_alliance:
        reasons.append("named non-AI alliance: " + ", ".join(dict.fromkeys(named_non_ai)))
    return feats, cues, reasons, best, party



def analyse(title: str, text: str, published, gz: Gazetteer) -> tuple[Analysis, DateResolver]:
    sents = sentences(title, text)
    resolver = DateResolver(published)
    annotate(sents, gz, resolver)
    feats, cues, reasons, best, party = extract_features(sents, gz)
    return Analysis(sents, feats, cues, reasons, best, party), resolver


def gate(title: str, text: str) -> bool:
    """Cheap test: without an AI cue and a tie cue anywhere, the article cannot be AI-alliance news."""
    t = (title or "") + "\n" + text[:SCORED_CHARS]
    if not AI_STRONG.search(t):
        return False
    return any(rx.search(t) for label, cls, rx in TIE_RX if cls != "weak")
