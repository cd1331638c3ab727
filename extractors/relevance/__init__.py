"""Is this article AI-alliance news, who are the parties, which alliance, what happened, when?

The scorer is explainable: every article gets a handful of rule features (AI subject, tie cues, parties in
the tie sentences, named alliance, and negative cues for politics, non-AI MOUs, one-company launches and
education events), weighted by position (title and lead weigh more than the tail), and the character
n-grams of its title, lead and tie sentences; a logistic model trained on labelled news (``model.json.gz``,
rebuilt by ``radar train relevance``) combines them. ``Relevance.evidence`` keeps the matched cues, the
decisive sentence, the reasons, the features, their contributions and the n-grams that weighed most, so an
analyst can see why.

The package, by stage (``classify`` below runs them in this order):

* ``sentences``     text -> cleaned sentences with kind (title/head/body), position weight and flags
* ``features``      cues per sentence -> the rule signals as a named feature dict, cues, reasons
* ``model``         features + text -> (probability, per-feature parts), behind ``score(features, text)``;
                    the trained weights are ``model.json.gz`` (``training`` fits them with scikit-learn)
* ``organisations`` known (gazetteer) and unresolved (Kiwi, lists, suffixes) organisations; side mentions
* ``events``        the main event's type, its alliance (known or a new name) and its date
* ``membership``    the parties of the main event and the membership background sentences show
* ``lexicon``       the words all stages read: ``lexicon.toml`` (+ ``RADAR_LEXICON`` files), compiled once

``classifier_version()`` names what decided a score: the code version, the digest of the lexicon files in
force and the model file's digest; ``extractors.pipeline`` stores it with each article's extractor version.
"""
from __future__ import annotations

import heapq
import json
from collections import Counter
from datetime import date, datetime

from ..dates import DateResolver
from ..gazetteer import Gazetteer, get_gazetteer
from ..models import AllianceEvent, OrgRef, Relevance
from .events import alliance_names, event_type, main_alliance, name_key, pick_date, sentence_event
from .features import Analysis, model_text, prepare
from .lexicon import Lexicon, LexiconError, get_lexicon
from .membership import (article_scope, dedupe, korean_text, membership_acts, membership_events, parties,
                         rival_orgs)
from .model import BIAS, WEIGHTS, ModelError, Scorer, default_model
from .sentences import SCORED_CHARS

__all__ = ["classify", "classifier_version", "relevance_to_json", "get_lexicon", "Lexicon", "LexiconError",
           "ModelError", "CLASSIFIER_VERSION", "SCORED_CHARS", "WEIGHTS", "BIAS"]

CLASSIFIER_VERSION = "rel-2025.2"     # bump when a code change alters what the classifier decides
TOP_NGRAMS = 6                        # n-grams shown in the evidence, each way

_NO_GATE = "no AI cue together with a tie cue anywhere in the text"


def classifier_version(lexicon: Lexicon | None = None, model: Scorer | None = None) -> str:
    """Code version + digest of the lexicon files in force + the model file's digest
    ("rel-2025.2+2f6a511b+lr-1e170699"): a change of any of them changes the version stored with each score."""
    lex = lexicon or get_lexicon()
    return f"{CLASSIFIER_VERSION}+{lex.digest}+{(model or default_model()).version}"


def _default_threshold() -> float:
    from settings import RelevanceSettings      # the one place defaults live (a stdlib-only leaf module)
    return RelevanceSettings().threshold


def classify(title: str, text: str, published_at: date | datetime | str | None = None, *,
             threshold: float | None = None, gazetteer: Gazetteer | None = None,
             lexicon: Lexicon | None = None, model: Scorer | None = None) -> Relevance:
    """Score one article (title + body text) for AI-alliance news and extract parties and events.
    ``threshold`` defaults to ``settings.RelevanceSettings.threshold``; ``gazetteer``, ``lexicon`` and
    ``model`` default to the process-wide ones (data files plus RADAR_GAZETTEER / RADAR_LEXICON /
    RADAR_RELEVANCE_MODEL)."""
    gz = gazetteer or get_gazetteer()
    lex = lexicon or get_lexicon()
    scorer = model or default_model()
    threshold = _default_threshold() if threshold is None else threshold
    title = title or ""
    text = text or ""
    if not title.strip() and not text.strip():
        return Relevance(False, 0.0, evidence={"cues": [], "sentence": "", "reasons": ["empty text"],
                                               "features": {}, "score_parts": {},
                                               "classifier_version": classifier_version(lex, scorer)})
    truncated = len(text) > SCORED_CHARS
    an, resolver = prepare(title, text, published_at, gz, lex)     # features, gate, unresolved parties
    scored_text = model_text(an)
    prob, parts, ngram_parts = scorer.explain(an.features, scored_text)
    if not an.passed:
        an.reasons.insert(0, _NO_GATE)
    unresolved = an.unresolved or {}
    is_alliance = prob >= threshold

    main, main_orgs, alliance, event, ev_date, date_ev, names = None, [], None, None, None, None, None
    if is_alliance or prob >= 0.2:
        main, names, date_ev = _describe(an, gz, lex, resolver)
        main_orgs, alliance, event, ev_date = main.orgs, main.alliance, main.event, main.event_date
    events = _membership(an, gz, lex, resolver, main if is_alliance else None, names)
    if is_alliance and events:
        main_orgs = events[0].orgs         # the parties, less those the membership reading calls mentioned

    # OrgRefs: every organisation mentioned, parties first
    counts: Counter = Counter()
    resolved_flag: dict[str, bool] = {}
    for s in an.sents:
        for _, _, name, res in s.orgs:
            counts[name] += 1
            resolved_flag[name] = resolved_flag.get(name, False) or res
    ordered = list(dict.fromkeys(main_orgs + [n for n, _ in counts.most_common()]))
    orgs = []
    for name in ordered:
        org = gz.orgs.get(name)
        orgs.append(OrgRef(name=name, resolved=bool(org) and resolved_flag.get(name, True),
                           org_type=org.type if org else None, mentions=max(1, counts.get(name, 0))))

    best = an.best
    evidence = {
        "cues": an.cues,
        "sentence": best.text if best else "",
        "sentence_position": (best.kind if best else None) if (best is None or best.order < 0) else f"body#{best.order + 1}",
        "reasons": an.reasons,
        "features": an.features,
        "score_parts": parts,
        "ngrams": _top_ngrams(ngram_parts),
        "parties": main_orgs,
        "unresolved": sorted(unresolved),
        "date_expression": date_ev.to_json() if date_ev else None,
        "alliance_resolved": an.alliance_resolved if (is_alliance and alliance) else None,
        "threshold": threshold,
        "classifier_version": classifier_version(lex, scorer),
    }
    if truncated:
        evidence["truncated_at_chars"] = SCORED_CHARS
    return Relevance(is_alliance=is_alliance, score=round(prob, 4), orgs=orgs if prob >= 0.2 else
                     [o for o in orgs if o.resolved], alliance=alliance if is_alliance else None,
                     event=event if is_alliance else None, event_date=ev_date if is_alliance else None,
                     events=events, evidence=evidence)


def _top_ngrams(ngram_parts: dict[str, float]) -> dict[str, list]:
    """The n-grams that pushed the score most, each way: {"for": [[n-gram, contribution], ...], "against": ...}."""
    pro = heapq.nsmallest(TOP_NGRAMS, ((-v, g) for g, v in ngram_parts.items() if v > 0))
    con = heapq.nsmallest(TOP_NGRAMS, ((v, g) for g, v in ngram_parts.items() if v < 0))
    return {"for": [[g, round(-v, 3)] for v, g in pro], "against": [[g, round(v, 3)] for v, g in con]}


def _describe(an: Analysis, gz: Gazetteer, lex: Lexicon, resolver: DateResolver):
    """The main event (type, alliance, parties, date), the alliance names the article uses that the gazetteer
    does not know, and the date expression the event date came from."""
    sents = an.sents
    party = an.party_sents or ([an.best] if an.best else [])
    body = [s for s in sents if not s.caption and not s.metadata]
    top = [s for s in body if s.kind in ("title", "head") or s.order < 6]
    named = [m for s in top for m in s.alliances if any(gz.alliances[c].ai for c in m.candidates)]
    n_alliances = len({m.candidates for m in named})

    lead1 = [s for s in body if s.kind in ("title", "body")][:2]
    event_texts = list(dict.fromkeys([s.text for s in lead1] + [s.text for s in party[:6] if s.orgs or s.alliances]))
    names = alliance_names(body, gz, lex)
    # a lead sentence naming the alliance the article names ("... 'K-로봇 연합' 출범식을 가졌다") tells its event too
    keys = [name_key(n) for n, _ in names]
    event_texts += [s.text for s in body if s.kind == "body" and s.order < 6 and s.text not in event_texts
                    and any(k and k in name_key(s.text) for k in keys)]
    event_key = name_key(" ".join(event_texts))
    event, cue = event_type(event_texts, n_alliances, lex, named=any(name_key(n) in event_key for n, _ in names))

    all_orgs = {o[2] for s in sents for o in s.orgs}
    ref_date = resolver.published
    alliance, resolved_alliance = main_alliance(party, top, event, gz, lex, ref_date=ref_date, all_orgs=all_orgs,
                                                names_in_article=names)
    orgs = parties(party, event, alliance, named, gz, lex, all_orgs, body)

    # the event's date: a sentence stating this event first; a sentence stating another membership event
    # (the founding named in a joining story) never dates it
    membership = ("founded", "joined", "left")
    other = [s for s in party if event in membership and sentence_event(s, lex) in membership
             and sentence_event(s, lex) != event]
    date_cands = [s for s in party if sentence_event(s, lex) == event] + [s for s in party if s not in other]
    ev_date, date_ev = pick_date(date_cands, [s for s in sents if s not in other], lex)
    evidence_sentence = next((s.text for s in party if cue and cue in s.text), party[0].text if party else "")
    an.alliance_resolved = (resolved_alliance if alliance else None)
    main = AllianceEvent(alliance=alliance, event=event, event_date=ev_date, orgs=orgs, evidence=evidence_sentence)
    return main, names, date_ev


_MEMBERSHIP_CUE_TABLES = ("founded", "joined", "left")


def _membership(an: Analysis, gz: Gazetteer, lex: Lexicon, resolver: DateResolver, main: AllianceEvent | None,
                names) -> list[AllianceEvent]:
    """The alliance events of the article with a role for each organisation: the main event (for an
    alliance article) and what any sentence says about an alliance's membership (for every article that
    names an alliance, so a later, lower-scoring article about a tracked alliance still dates its joiners)."""
    body = [s for s in an.sents if not s.caption and not s.metadata]
    text = " ".join(s.text for s in body)
    # an article that is not about an alliance tie may still state a tracked alliance's membership: it must
    # name one (known, or quoted) -- bare unknown names are read only in alliance articles (Kiwi is dear)
    names_alliance = any(gz.alliances[c].ai for s in body for m in s.alliances for c in m.candidates) or \
        bool(lex.quoted_alliance.search(text) or lex.quoted_alliance_event.search(text))
    states_membership = any(lex.event_cues[e].search(text) for e in _MEMBERSHIP_CUE_TABLES) or \
        bool(lex.participation.search(text) or lex.listing.search(text) or lex.join_more.search(text))
    acts = []
    read = korean_text(text)
    if read and (main is not None or (names_alliance and states_membership)):
        all_orgs = {o[2] for s in an.sents for o in s.orgs}
        if names is None:
            names = alliance_names(body, gz, lex, bare=main is not None)
        scope = article_scope(body, names, main.alliance if main else None, gz, lex,
                              ref_date=resolver.published, all_orgs=all_orgs)
        acts = membership_acts(body, scope, gz, lex, ref_date=resolver.published, all_orgs=all_orgs)
    if main is not None and not read:
        # a text that is not Korean: parties, but no membership read from it
        role = "partner" if main.event in ("mou", "joint_research", "equity_swap") else "mentioned"
        main = AllianceEvent(alliance=main.alliance, event=main.event, event_date=main.event_date,
                             orgs=list(main.orgs), evidence=main.evidence, roles={o: role for o in main.orgs})
        return [main]
    party_orgs = list(dict.fromkeys(o[2] for s in (an.party_sents or []) for o in s.orgs))
    known = gz.alliances.get(main.alliance) if main is not None and main.alliance else None
    return dedupe(membership_events(acts, main, party_orgs, rival_orgs(body, lex), known.leader if known else None))


def _evidence_json(ev: dict) -> dict:
    return json.loads(json.dumps(ev, ensure_ascii=False, default=lambda o: o.isoformat() if hasattr(o, "isoformat") else str(o)))


def relevance_to_json(r: Relevance) -> dict:
    """The JSON form ``radar classify`` writes: orgs are the parties' canonical names (for an alliance
    article); every organisation found and every event are kept inside ``evidence``."""
    evidence = _evidence_json(r.evidence)
    evidence["org_refs"] = [{"name": o.name, "resolved": o.resolved, "type": o.org_type, "mentions": o.mentions}
                            for o in r.orgs]
    evidence["events"] = [{"alliance": e.alliance, "event": e.event,
                           "event_date": e.event_date.isoformat() if e.event_date else None,
                           "orgs": e.orgs, "roles": e.roles, "evidence": e.evidence} for e in r.events]
    return {
        "is_alliance": r.is_alliance,
        "score": r.score,
        "orgs": list(r.evidence.get("parties") or []) if r.is_alliance else [],
        "alliance": r.alliance,
        "event": r.event,
        "event_date": r.event_date.isoformat() if r.event_date else None,
        "evidence": evidence,
    }
