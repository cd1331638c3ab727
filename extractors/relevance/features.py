"""Sentences -> the rule signals as a named feature dict, with the cues, the reasons and the decisive
sentence an analyst reads as evidence; and the short text the model reads its character n-grams from.

``annotate`` marks each sentence with its AI cues, tie cues, known organisations, alliances and dates;
``extract_features`` turns the annotated sentences into ``FEATURE_NAMES`` (each 0..1, weighted by position: the
title and the lead weigh more than the tail) and picks the party sentences the later stages read.
``gate`` is the cheap test that an article can be AI-alliance news at all; it is a feature (``no_gate``), not a
cap: the trained model decides how much it weighs. ``prepare`` runs the stages the model's inputs need (the
same path for ``classify`` and for training), ``model_text`` is the text the n-grams are read from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..dates import DateResolver
from ..gazetteer import Gazetteer
from .lexicon import Lexicon
from .organisations import add_unresolved, known_orgs
from .sentences import SCORED_CHARS, Sentence, sentences

# the features, in the order the model reports its parts (names are stable: the model file keys its weights
# by them; a new feature is appended and the model retrained with `radar train relevance`)
FEATURE_NAMES = ("tie_ai", "parties", "alliance", "ai_share", "ai_head", "tie_head", "politics",
                 "non_ai_subject", "single_org", "edu_event", "non_ai_alliance", "roundup",
                 "no_gate", "tie_lead", "tie_count", "orgs_lead", "pair_head", "pair_anaphor", "politics_field")

def _names_a_pair(text: str, lex: Lexicon) -> bool:
    """A headline joining two or more names by punctuation ("A·B, ...", "A-B 맞손"), where at least two of
    the joined words are not topics: "AI·반도체 협력" joins fields, not parties."""
    for m in _PAIR_HEAD.finditer(text):
        names = [re.search(_NAME, part).group(0) for part in re.split(r"\s?[·ㆍ‧\-–/]\s?", m.group(0))]
        named = [n for n in names if len(_topic_words(lex).sub("", n)) >= 2]
        if len(named) >= 2:
            return True
    return False


_TOPIC_WORDS: dict[str, re.Pattern] = {}     # per lexicon digest


def _topic_words(lex: Lexicon) -> re.Pattern:
    pattern = _TOPIC_WORDS.get(lex.digest)
    if pattern is None:
        pattern = _TOPIC_WORDS[lex.digest] = re.compile(
            "|".join(f"(?:{p.pattern})" for p in (lex.ai_strong, lex.ai_weak, lex.application_field)))
    return pattern


# the text the model's character n-grams read: the title (and head lines), the first body sentences and the
# tie / party sentences, with organisation names masked (the model learns how ties are phrased, not who)
TEXT_LEAD_SENTENCES = 5
TEXT_MAX_CHARS = 1500
ORG_MASK = "◆"

# a headline naming a pair: "가온텔레콤·미리내대, ...", "고려대-오투오, ...", "A·B·C 맞손" (punctuation, not words)
_NAME = r"[가-힣A-Za-z0-9&+]{2,12}"
_PAIR_HEAD = re.compile(rf"(?:^|[\s\[\]‘“'\"(]){_NAME}\s?[·ㆍ‧\-–/]\s?{_NAME}(?:\s?[·ㆍ‧\-–/]\s?{_NAME})*"
                        rf"\s?(?:,|…|\.\.\.|\s(?:손|맞손|협약|협력|업무협약|MOU|공동))")


@dataclass
class Analysis:
    sents: list[Sentence]
    features: dict
    cues: list[str]
    reasons: list[str]
    best: Sentence | None
    party_sents: list[Sentence]
    alliance_resolved: bool | None = None     # False: the alliance name is not in the gazetteer
    passed: bool = True                       # the gate: an AI cue and a tie cue somewhere in the text
    unresolved: dict | None = None            # unresolved organisation -> mentions added to the party sentences


def annotate(sents: list[Sentence], gz: Gazetteer, lex: Lexicon, resolver: DateResolver) -> None:
    for s in sents:
        t = s.text
        s.ai = len(lex.ai_strong.findall(t))
        s.ai_weak = len(lex.ai_weak.findall(t))
        for label, cls, rx in lex.ties:
            for m in rx.finditer(t):
                s.ties.append((label, cls, m.group(0)))
        s.orgs = known_orgs(t, gz)
        s.alliances = gz.find_alliances(t)
        s.dates = [] if s.metadata else resolver.scan(t)


def extract_features(sents: list[Sentence], gz: Gazetteer, lex: Lexicon
                     ) -> tuple[dict, list[str], list[str], Sentence | None, list[Sentence]]:
    """(features, cues, reasons, the decisive tie sentence, the party sentences) of annotated sentences."""
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

    # "양사 / 두 기관" stands for a pair only where the article has named two or more organisations
    # ("양측" of two governments, with no organisation named, is not a pair of parties)
    named_pair = len({o[2] for s in body if s.kind != "body" or s.order < 10 for o in s.orgs}) >= 2

    # tie sentences with AI context
    best, best_v = None, 0.0
    for i, s in enumerate(sents):
        if s.caption or s.metadata or not s.ties and not s.alliances:
            continue
        strong = s.strong_tie
        n_orgs = len({o[2] for o in s.orgs})
        if n_orgs < 2 and named_pair and lex.pair_anaphor.search(s.text):
            n_orgs = 2                     # "양사는 ... 함께 개발한다": the pair named before
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
        if s.attendee and not lex.member_noun.search(s.text):
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
    for j, s in enumerate(body):
        if s.kind != "body" or s.order >= 10 or k >= 6:
            continue
        n_o = len({o[2] for o in s.orgs})
        anaphor = n_o < 2 and named_pair and bool(lex.pair_anaphor.search(s.text))
        weak_pair = (n_o >= 2 or anaphor) and any(c == "weak" for _, c, _ in s.ties) and (s.ai or title_ai)
        if (s.strong_tie or weak_pair) and (not s.attendee or lex.member_noun.search(s.text)):
            if anaphor and j > 0 and body[j - 1].kind == "body" and body[j - 1] not in party \
                    and len({o[2] for o in body[j - 1].orgs}) >= 2:
                party.append(body[j - 1])  # the sentence naming the pair "양사" refers to
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
    generic = any(lex.generic_alliance.search(s.text) for s in top)
    alliance = 1.0 if named_ai else 0.7 if generic else 0.0
    if not alliance and any(c for s in body for m in s.alliances for c in m.candidates if gz.alliances[c].ai):
        alliance = 0.3

    ai_sents = sum(1 for s in body if s.ai)
    ai_share = min(1.0, ai_sents / max(1, min(len(body), 12)))

    politics = 1.0 if lex.politics.search(" ".join(s.text for s in (head + lead[:3]))) else 0.0
    tie_top = [s for s in top if s.strong_tie]
    non_ai = 0.0
    if tie_top and any(lex.non_ai_subject.search(s.text) for s in tie_top):
        non_ai = 1.0 if not any(s.ai for s in tie_top) else 0.4
    single = 0.0
    head_or_first = head[:2] if head else lead[:1]
    for s in head_or_first:
        if lex.launch.search(s.text) and len({o[2] for o in s.orgs}) <= 1 and not s.strong_tie:
            single = 1.0
    edu = 1.0 if lex.edu_event.search(" ".join(s.text for s in (head + lead[:3]))) else 0.0
    non_ai_alliance = 1.0 if named_non_ai and not named_ai else 0.0
    # an application field, not politics: "국방·의료 분야", "국방 AI 반도체" (share of the politics words so used)
    lead_text = " ".join(s.text for s in (head + lead[:3]))
    pol_hits = list(lex.politics.finditer(lead_text)) if politics else []
    politics_field = (sum(1 for m in pol_hits if lex.application_field.search(lead_text[m.end():m.end() + 40]))
                      / len(pol_hits)) if pol_hits else 0.0

    # where the tie is: the title or the first sentences (the article's subject), how often, and with whom
    lead3 = head + [s for s in body if s.kind == "body" and s.order < 3]
    tie_lead = 1.0 if any(s.strong_tie for s in lead3) else 0.0
    tie_count = min(sum(1 for s in body if s.kind == "body" and s.order < 10 and s.strong_tie), 5) / 5
    orgs_lead = min(len({o[2] for s in lead3 for o in s.orgs}), 4) / 4
    pair_head = 1.0 if any(_names_a_pair(s.text, lex) for s in (head[:1] or lead[:1])) else 0.0
    pair_anaphor = 1.0 if named_pair and any(lex.pair_anaphor.search(s.text) and (s.ties or s.ai) for s in body
                                             if s.kind != "body" or s.order < 10) else 0.0

    bullets = sum(1 for s in body if re.match(r"^\s*(?:[▶■◆●□◇]|\d{1,2}[.)]\s)", s.text))
    roundup = 1.0 if (head and lex.roundup_title.search(head[0].text)) or bullets >= 4 else 0.0

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
        "no_gate": 0.0,                    # set by ``prepare`` (the gate reads the raw text)
        "tie_lead": tie_lead,
        "tie_count": round(tie_count, 3),
        "orgs_lead": round(orgs_lead, 3),
        "pair_head": pair_head,
        "pair_anaphor": pair_anaphor,
        "politics_field": round(politics_field, 3),
    }
    for s in top:
        for label, cls, surface in s.ties:
            if cls != "weak":
                cues.append(surface)
        if s.ai:
            cues.extend(lex.ai_strong.findall(s.text)[:2])
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
    if politics and politics_field < 1:
        reasons.append("politics/security context (동맹/협력 in diplomacy)")
    elif politics:
        reasons.append("a security/defence word names an application field, not politics")
    if pair_anaphor:
        reasons.append("the parties are referred to together (양사, 두 기관 ...)")
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



def analyse(title: str, text: str, published, gz: Gazetteer, lex: Lexicon) -> tuple[Analysis, DateResolver]:
    sents = sentences(title, text, lex)
    resolver = DateResolver(published)
    annotate(sents, gz, lex, resolver)
    feats, cues, reasons, best, party = extract_features(sents, gz, lex)
    return Analysis(sents, feats, cues, reasons, best, party), resolver


def prepare(title: str, text: str, published, gz: Gazetteer, lex: Lexicon) -> tuple[Analysis, DateResolver]:
    """Everything the model reads: the annotated sentences, the features (with the gate as ``no_gate``) and,
    where a tie with AI context was found, the unresolved organisations of the party sentences."""
    passed = gate(title, text, lex)
    an, resolver = analyse(title, text, published, gz, lex)
    an.passed, an.unresolved = passed, {}
    # names the gazetteer does not know (Kiwi), only where they can matter: in the party sentences of a tie
    # with AI context, and in the title and lead of an article about AI ("A와 B가 AI ... 함께 개발한다": a tie
    # without a listed cue word between two unknown companies is found through them)
    lead = [s for s in an.sents if not s.caption and not s.metadata and (s.kind != "body" or s.order < 3)]
    where = list(an.party_sents) if passed and an.features.get("tie_ai", 0) > 0 else []
    if any(s.ai for s in lead):
        where += [s for s in lead if s not in where]
    if where:
        an.unresolved = add_unresolved(where, gz, lex)
        if an.unresolved:
            an.features, an.cues, an.reasons, an.best, an.party_sents = extract_features(an.sents, gz, lex)
    an.features["no_gate"] = 0.0 if passed else 1.0
    return an, resolver


def model_text(an: Analysis) -> str:
    """The text the model's n-grams are read from: title and head lines, the first body sentences, the decisive
    tie sentence and the party sentences (each once, in that order), organisation names masked, capped."""
    picked: list[Sentence] = [s for s in an.sents if not s.caption and not s.metadata
                              and (s.kind != "body" or s.order < TEXT_LEAD_SENTENCES)]
    for s in ([an.best] if an.best is not None else []) + an.party_sents:
        if s not in picked:
            picked.append(s)
    parts = []
    for s in picked:
        t, left = s.text, len(s.text)
        for start, end, _, _ in sorted(s.orgs, key=lambda o: (-o[0], o[1])):
            if end <= left:                       # right to left; an overlapping span is already masked
                t, left = f"{t[:start]} {ORG_MASK} {t[end:]}", start
        parts.append(t)
    return "\n".join(parts)[:TEXT_MAX_CHARS]


def gate(title: str, text: str, lex: Lexicon) -> bool:
    """Cheap test: without an AI cue and a tie cue anywhere, the article cannot be AI-alliance news."""
    t = (title or "") + "\n" + text[:SCORED_CHARS]
    if not lex.ai_strong.search(t):
        return False
    return any(rx.search(t) for label, cls, rx in lex.ties if cls != "weak")
