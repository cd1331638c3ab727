"""Features + text -> probability: the scorer behind a small interface, ``score(features, text) -> (probability,
parts)``.

The scorer in force is a logistic model trained with scikit-learn (``radar train relevance``) and kept in a
small data file beside this module, ``model.json.gz``: the weights of the rule features, the character n-grams
(2-4 characters, with their idf and weight), the intercept and the sigmoid calibration fitted on grouped
cross-validated scores. Inference is a sparse dot product here, with no scikit-learn import: TF-IDF of the
n-grams of ``features.model_text`` (sublinear tf, L2-normalised over the known n-grams, as scikit-learn's
``TfidfVectorizer`` computes it), plus the rule features, through the calibrated sigmoid.

``parts`` are the contributions on the calibrated logit scale (each rule feature, ``text`` = all n-grams
together, and ``bias``): they add up to the logit of the score, so a user sees why. ``ngram_parts`` lists the
n-grams behind the ``text`` part. The file's digest is the model's ``version`` (part of the classifier
version), and it is read once per process (``default_model``; ``RADAR_RELEVANCE_MODEL`` names another file).

``HAND_SET`` is the rule-weighted model the project used before training (kept to measure against it).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Protocol

MODEL_FILE = Path(__file__).resolve().parent / "model.json.gz"
MODEL_FORMAT = "alliance-radar/relevance-model/1"
ENV_VAR = "RADAR_RELEVANCE_MODEL"

# the hand-set model used before training: logistic over the first twelve rule features, weights fitted by
# hand on the 72 dev articles; articles failing the gate were capped at 0.05. Kept as the "before" baseline
# of `radar bench relevance`.
WEIGHTS = {
    "tie_ai": 2.4, "parties": 2.7, "alliance": 1.2, "ai_share": 1.2, "ai_head": 0.6, "tie_head": 0.8,
    "politics": -3.0, "non_ai_subject": -1.8, "single_org": -1.9, "edu_event": -2.9, "non_ai_alliance": -3.0,
    "roundup": -2.5,
}
BIAS = -3.5


class ModelError(ValueError):
    """The model file is missing, unreadable or does not fit this code (retrain: `radar train relevance`)."""


class Scorer(Protocol):
    """What ``classify`` needs from a model."""
    version: str                      # short id, part of the classifier version (a model file's digest)

    def score(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float]]:
        """(probability 0..1, contributions per feature plus "text" and "bias", on the logit scale)."""
        ...

    def explain(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float], dict[str, float]]:
        """``score`` plus each n-gram's contribution to the "text" part."""
        ...


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_DIGITS = re.compile(r"\d+")


def char_ngrams(text: str, lo: int = 2, hi: int = 4) -> list[str]:
    """Character n-grams of each whitespace-separated word padded with a space (" 협약", "협약을 "); digits
    read as "0", Latin letters lower-cased. Training and inference both use this function."""
    out: list[str] = []
    for word in _DIGITS.sub("0", text.lower()).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            out += [padded[i:i + n] for i in range(size - n + 1)]
    return out


@dataclass(frozen=True)
class LinearModel:
    """sigmoid(bias + sum(weight * feature)); a feature the dict lacks counts as 0. Reads no text."""
    weights: Mapping[str, float]
    bias: float
    version: str

    def score(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float]]:
        parts = {k: round(w * features.get(k, 0.0), 3) for k, w in self.weights.items()}
        z = self.bias + sum(parts.values())
        return sigmoid(z), {**parts, "bias": self.bias}

    def explain(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float], dict[str, float]]:
        return (*self.score(features, text), {})


HAND_SET = LinearModel(weights=WEIGHTS, bias=BIAS, version="hand-set")


@dataclass(frozen=True)
class TrainedModel:
    """The trained logistic model, calibration folded in: weights and bias on the calibrated logit scale."""
    weights: Mapping[str, float]                       # rule feature -> weight
    ngrams: Mapping[str, tuple[float, float]]          # n-gram -> (idf, weight)
    bias: float
    ngram_range: tuple[int, int]
    version: str
    info: Mapping = field(default_factory=dict)        # how it was trained (inputs, parameters, CV figures)

    def ngram_parts(self, text: str) -> dict[str, float]:
        """Each known n-gram's contribution to the logit: its TF-IDF value (sublinear tf x idf, L2-normalised
        over the known n-grams of the text) times its weight."""
        get = self.ngrams.get
        values = []
        for g, c in Counter(char_ngrams(text, *self.ngram_range)).items():
            known = get(g)
            if known is not None:
                values.append((g, (1.0 + math.log(c)) * known[0], known[1]))
        norm = math.sqrt(sum(v * v for _, v, _ in values))
        return {g: v / norm * w for g, v, w in values} if norm else {}

    def explain(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float], dict[str, float]]:
        ngram_parts = self.ngram_parts(text) if text else {}
        parts = {k: round(w * features.get(k, 0.0), 3) for k, w in self.weights.items()}
        parts["text"] = round(sum(ngram_parts.values()), 3)
        parts["bias"] = round(self.bias, 3)
        return sigmoid(sum(parts.values())), parts, ngram_parts

    def score(self, features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float]]:
        return self.explain(features, text)[:2]


def model_from_dict(data: Mapping, version: str, feature_names: tuple[str, ...] | None = None) -> TrainedModel:
    """A ``TrainedModel`` from the file's JSON form (see ``extractors.relevance.training.export``): the
    uncalibrated coefficients with the sigmoid calibration p = 1 / (1 + exp(a * f + b)) folded in."""
    if not isinstance(data, Mapping) or data.get("format") != MODEL_FORMAT:
        raise ModelError(f"not a relevance model file (format {data.get('format') if isinstance(data, Mapping) else None!r}, "
                         f"expected {MODEL_FORMAT!r})")
    try:
        a, b = float(data["calibration"]["a"]), float(data["calibration"]["b"])
        rules = {str(k): float(v) for k, v in data["rule_weights"].items()}
        intercept = float(data["intercept"])
        lo, hi = (int(x) for x in data["text"]["ngram_range"])
        ngrams = {str(g): (float(idf), -a * float(w)) for g, idf, w in data["ngrams"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"malformed relevance model file: {exc.__class__.__name__}: {exc}") from None
    if feature_names is not None and set(rules) != set(feature_names):
        raise ModelError("the model file was trained on other rule features (it has "
                         f"{', '.join(sorted(set(rules) - set(feature_names))) or 'none'} more and "
                         f"{', '.join(sorted(set(feature_names) - set(rules))) or 'none'} fewer than this code); "
                         "retrain it with `radar train relevance`")
    order = list(feature_names) if feature_names is not None else list(rules)
    return TrainedModel(weights={k: -a * rules[k] for k in order}, ngrams=ngrams, bias=-(a * intercept + b),
                        ngram_range=(lo, hi), version=version, info=data.get("info", {}))


def load_model(path: Path | str = MODEL_FILE) -> TrainedModel:
    """Read a model file (gzip-compressed JSON); its version is "lr-" + the first 8 hex digits of its sha256."""
    from .features import FEATURE_NAMES
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: relevance model file not found (build it with `radar train relevance`)") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the relevance model file ({exc.strerror})") from None
    try:
        data = json.loads(gzip.decompress(raw).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: not a gzip-compressed JSON model file ({exc.__class__.__name__})") from None
    try:
        return model_from_dict(data, "lr-" + hashlib.sha256(raw).hexdigest()[:8], FEATURE_NAMES)
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from None


@lru_cache(maxsize=4)
def _cached(path: str) -> TrainedModel:
    return load_model(path)


def model_path() -> Path:
    """The model file in force: RADAR_RELEVANCE_MODEL, else the committed one."""
    return Path(os.environ.get(ENV_VAR, "").strip() or MODEL_FILE)


def default_model() -> Scorer:
    """The scorer ``classify`` uses, read once per process (per worker process under Dask)."""
    return _cached(str(model_path()))


def score(features: Mapping[str, float], text: str = "") -> tuple[float, dict[str, float]]:
    """Score a feature dict (and the model text) with the default model: (probability, parts)."""
    return default_model().score(features, text)
