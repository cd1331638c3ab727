"""Features -> probability: the scorer behind a small interface, ``score(features) -> (probability, parts)``.

``parts`` are the per-feature contributions (and the bias) that the evidence shows, so a user sees why an
article scored as it did. Today's scorer is a logistic model with hand-set weights (``HAND_SET``); a model
trained with scikit-learn replaces it behind the same interface (``Scorer``), and ``default_model`` is
the one place that picks the scorer in force.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Protocol

# the hand-set model: logistic over the features (fitted on the labelled dev set, then rounded; see
# radar/bench_relevance.py for the measurement). score = sigmoid(BIAS + sum(w * feature)).
WEIGHTS = {
    "tie_ai": 2.4,          # best tie sentence with AI context, position-weighted (0..1)
    "parties": 2.7,         # distinct parties in the tie sentences, min(n, 3) / 3
    "alliance": 1.2,        # a named (1) or generic "AI 동맹" (0.7) AI alliance in title/lead; later only (0.3)
    "ai_share": 1.2,        # share of sentences with a strong AI cue
    "ai_head": 0.6,         # AI cue in the title or first sentence
    "tie_head": 0.8,        # strong tie cue in the title or first sentence
    "politics": -3.0,       # 동맹/협력 in politics or security in title/lead (set by hand: no dev example passes the gate)
    "non_ai_subject": -1.8, # tie sentences about tourism, hydrogen, ESG ... without AI
    "single_org": -1.9,     # one organisation's own launch / report / vision in the title
    "edu_event": -2.9,      # education programme or event (입교식, 교육생 모집, 페스티벌, 컨퍼런스 ...)
    "non_ai_alliance": -3.0,  # a named non-AI alliance (수소 동맹) in title/lead (set by hand)
    "roundup": -2.5,        # a news roundup / briefing where the tie is one item (set by hand)
}
BIAS = -3.5
# Fitted by L2-regularised logistic regression (lambda 0.003, signs constrained) on the 72 labelled dev
# articles, rounded; articles without any AI cue together with a tie cue are capped at 0.05 before this.


class Scorer(Protocol):
    """What ``classify`` needs from a model."""
    version: str                      # short id, part of the classifier version (a model file's digest)

    def score(self, features: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        """(probability 0..1, contributions per feature plus "bias")."""
        ...


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class LinearModel:
    """sigmoid(bias + sum(weight * feature)); a feature the dict lacks counts as 0."""
    weights: Mapping[str, float]
    bias: float
    version: str

    def score(self, features: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        parts = {k: round(w * features.get(k, 0.0), 3) for k, w in self.weights.items()}
        z = self.bias + sum(parts.values())
        return sigmoid(z), {**parts, "bias": self.bias}


HAND_SET = LinearModel(weights=WEIGHTS, bias=BIAS, version="hand-set")


def default_model() -> Scorer:
    """The scorer ``classify`` uses."""
    return HAND_SET


def score(features: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """Score a feature dict with the default model: (probability, parts)."""
    return default_model().score(features)
