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
from .lexicon import Lexicon
from .organisations import known_orgs
from .sentences import SCORED_CHARS, Sentence, sentences

# the features, in the order the model reports its parts
FEATURE_NAMES = ("tie_ai", "parties", "alliance", "ai_share", "ai_head", "tie_head", "politics",
                 "non_ai_subject", "single_org", "edu_event", "non_ai_alliance", "roundup")


@dataclass
class Analysis:
    sents: list[Sentence]
    features: dict
    cues: list[str]
    reasons: list[str]
    best: Sentence | None
    party_sents: list[Sentence]
    alliance_resolved: bool | None = None     # False: the alliance name is not in the gazetteer


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
    for s in body:
        if s.kind != "body" or s.order >= 10 or k >= 6:
            continue
        n_o = len({o[2] for o in s.orgs})
        weak_pair = n_o >= 2 and any(c == "weak" for _, c, _ in s.ties) and (s.ai or title_ai)
        if (s.strong_tie or weak_pair) and (not s.attendee or lex.member_noun.search(s.text)):
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



def analyse(title: str, text: str, published, gz: Gazetteer, lex: Lexicon) -> tuple[Analysis, DateResolver]:
    sents = sentences(title, text, lex)
    resolver = DateResolver(published)
    annotate(sents, gz, lex, resolver)
    feats, cues, reasons, best, party = extract_features(sents, gz, lex)
    return Analysis(sents, feats, cues, reasons, best, party), resolver


def gate(title: str, text: str, lex: Lexicon) -> bool:
    """Cheap test: without an AI cue and a tie cue anywhere, the article cannot be AI-alliance news."""
    t = (title or "") + "\n" + text[:SCORED_CHARS]
    if not lex.ai_strong.search(t):
        return False
    return any(rx.search(t) for label, cls, rx in lex.ties if cls != "weak")
