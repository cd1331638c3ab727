"""Fit the relevance model with scikit-learn, and measure it by grouped cross-validation.

Used by ``radar train relevance`` (fit on every labelled record, write ``model.json.gz``) and by
``radar bench relevance`` (refit per fold, score the held-out fold through the same inference code as
``classify``). Records are dicts as in the labelled JSON Lines files: {id, title?, text, published?, label,
borderline?, orgs?, alliance?}.

The model: the rule features (``features.FEATURE_NAMES``) next to TF-IDF character n-grams of
``features.model_text`` (``model.char_ngrams``), a class-balanced L2 logistic regression, and a sigmoid
calibration fitted on out-of-fold scores (``CalibratedClassifierCV(ensemble=False)``), the folds grouped so
that copies of one story never sit on both sides of a split. Everything is seeded and sorted: the same
records give the same file, byte for byte.
"""
from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, Mapping, Sequence

from .features import FEATURE_NAMES, model_text, prepare
from .model import MODEL_FORMAT, char_ngrams


@dataclass(frozen=True)
class TrainingParams:
    C: float = 3.0                       # inverse L2 strength of the logistic regression
    rule_scale: float = 0.5              # rule features (0..1 each) are multiplied by this before the fit: it
                                         # sets how strongly their weights are regularised next to the n-grams
    ngram_range: tuple[int, int] = (2, 4)
    min_df: int = 2                      # an n-gram must occur in at least this many training texts
    folds: int = 5                       # grouped folds, for the calibration and for the benchmark
    seed: int = 0


@dataclass(frozen=True)
class Prepared:
    """What the model reads of one record: the rule features (in FEATURE_NAMES order) and the model text;
    with the rule stage's reasons and decisive sentence, for the benchmark's list of misses."""
    features: tuple[float, ...]
    text: str
    reasons: tuple[str, ...] = ()
    sentence: str = ""

    @property
    def feature_dict(self) -> dict[str, float]:
        return dict(zip(FEATURE_NAMES, self.features))


def prepare_record(rec: Mapping, gazetteer=None, lexicon=None) -> Prepared:
    from ..gazetteer import get_gazetteer
    from .lexicon import get_lexicon
    an, _ = prepare(rec.get("title") or "", rec.get("text") or "", rec.get("published_at", rec.get("published")),
                    gazetteer or get_gazetteer(), lexicon or get_lexicon())
    return Prepared(tuple(float(an.features.get(k, 0.0)) for k in FEATURE_NAMES), model_text(an),
                    tuple(an.reasons), an.best.text if an.best else "")


def prepare_records(records: Sequence[Mapping], progress: Callable[[int, int], None] | None = None) -> list[Prepared]:
    out = []
    for i, rec in enumerate(records, 1):
        out.append(prepare_record(rec))
        if progress:
            progress(i, len(records))
    return out


# --- story groups: copies of one story, and positives about the same tie, share a group ---------------

def _shingles(text: str, k: int = 6) -> set[str]:
    t = re.sub(r"\W+", "", text)
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def _tie_key(rec: Mapping):
    if not rec.get("label"):
        return None
    if rec.get("alliance"):
        return ("alliance", re.sub(r"\W+", "", str(rec["alliance"])).lower())
    orgs = rec.get("orgs") or []
    return ("orgs", tuple(sorted(orgs))) if len(orgs) >= 2 else None


def story_groups(records: Sequence[Mapping], overlap: float = 0.2) -> list[int]:
    """A group id per record: near-duplicates (6-character shingles of the first 2,000 characters, the
    smaller text sharing at least ``overlap`` of its shingles) and positives about the same tie (the same
    alliance name, or the same set of two or more organisations) are joined, transitively."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sh = [_shingles((r.get("title") or "") + (r.get("text") or "")[:2000]) for r in records]
    keys = [_tie_key(r) for r in records]
    for i in range(len(records)):
        for j in range(i):
            shared = len(sh[i] & sh[j]) / max(1, min(len(sh[i]), len(sh[j])))
            if shared >= overlap or (keys[i] is not None and keys[i] == keys[j]):
                parent[find(i)] = find(j)
    roots = [find(i) for i in range(len(records))]
    ids = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    return [ids[r] for r in roots]


def grouped_folds(labels: Sequence[int], groups: Sequence[int], folds: int, seed: int):
    """(train, test) index arrays, stratified by label, no group on both sides."""
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold
    y = np.asarray(labels)
    return list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


# --- the estimator ------------------------------------------------------------------------------------

@lru_cache(maxsize=50_000)
def _ngrams(text: str, lo: int, hi: int) -> tuple[str, ...]:
    return tuple(char_ngrams(text, lo, hi))


def _estimator(params: TrainingParams):
    """Pipeline: [TF-IDF n-grams | rule features x rule_scale] -> balanced logistic regression."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    lo, hi = params.ngram_range

    class Design(BaseEstimator, TransformerMixin):
        def __init__(self, min_df: int = 2, rule_scale: float = 1.0):
            self.min_df = min_df
            self.rule_scale = rule_scale

        def fit(self, X, y=None):
            self.vectorizer_ = TfidfVectorizer(analyzer=lambda t: _ngrams(t, lo, hi), min_df=self.min_df,
                                               sublinear_tf=True, dtype=np.float64)
            self.vectorizer_.fit([p.text for p in X])
            return self

        def transform(self, X):
            rules = np.array([p.features for p in X], dtype=np.float64) * self.rule_scale
            return hstack([self.vectorizer_.transform([p.text for p in X]), csr_matrix(rules)]).tocsr()

    return Pipeline([("design", Design(params.min_df, params.rule_scale)),
                     ("lr", LogisticRegression(C=params.C, class_weight="balanced", max_iter=5000))])


def design_rows(items: Sequence[Prepared]):
    """The estimator's input: an object array of ``Prepared`` (one row per item)."""
    import numpy as np
    X = np.empty(len(items), dtype=object)
    X[:] = list(items)
    return X


def fit_estimator(items: Sequence[Prepared], labels: Sequence[int], groups: Sequence[int], params: TrainingParams):
    """The fitted scikit-learn ``CalibratedClassifierCV`` (one pipeline fitted on every item, its sigmoid
    calibration fitted on grouped out-of-fold decision values)."""
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from threadpoolctl import threadpool_limits
    y = np.asarray(labels)
    with threadpool_limits(1):      # BLAS threads fight on small shared machines, and 1 thread is deterministic
        splits = grouped_folds(y, groups, params.folds, params.seed)
        cal = CalibratedClassifierCV(_estimator(params), method="sigmoid", cv=splits, ensemble=False)
        cal.fit(design_rows(items), y)
    return cal


def fit(items: Sequence[Prepared], labels: Sequence[int], groups: Sequence[int], params: TrainingParams,
        info: Mapping | None = None) -> dict:
    """Fit on every item; returns the model file's JSON form (``model.model_from_dict`` reads it)."""
    import numpy as np
    import sklearn
    y = np.asarray(labels)
    cal = fit_estimator(items, labels, groups, params)
    calibrated = cal.calibrated_classifiers_[0]
    pipe, sig = calibrated.estimator, calibrated.calibrators[0]
    vec, lr = pipe.named_steps["design"].vectorizer_, pipe.named_steps["lr"]
    names = vec.get_feature_names_out()
    coef = lr.coef_[0]
    n_text = len(names)
    return {
        "format": MODEL_FORMAT,
        "text": {"ngram_range": list(params.ngram_range), "tf": "sublinear", "norm": "l2"},
        "intercept": _g(lr.intercept_[0]),
        "calibration": {"method": "sigmoid", "a": _g(sig.a_), "b": _g(sig.b_)},
        "rule_weights": {k: _g(coef[n_text + i] * params.rule_scale) for i, k in enumerate(FEATURE_NAMES)},
        "ngrams": [[str(g), round(float(idf), 6), _g(w)] for g, idf, w in zip(names, vec.idf_, coef[:n_text])],
        "info": {**(info or {}), "params": {**asdict(params), "ngram_range": list(params.ngram_range)},
                 "items": int(len(y)), "positives": int(y.sum()), "scikit_learn": sklearn.__version__},
    }


def _g(x) -> float:
    """Six significant digits: the file does not carry floating-point noise."""
    return float(f"{float(x):.6g}")


def to_bytes(model: Mapping) -> bytes:
    """The model file's bytes: sorted-key JSON, gzip with no name and no time stamp (byte-identical reruns)."""
    payload = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return buf.getvalue()


@dataclass(frozen=True)
class CrossValidation:
    scores: list[float]          # out-of-fold probability per item
    fold_of: list[int]           # which fold held each item out
    models: list                 # the model fitted without that fold (``TrainedModel``), per fold

    def explain(self, i: int, item: Prepared):
        """(probability, parts, n-gram parts) of item ``i`` by the model that did not see it."""
        return self.models[self.fold_of[i]].explain(item.feature_dict, item.text)


def cross_validate(items: Sequence[Prepared], labels: Sequence[int], groups: Sequence[int], params: TrainingParams,
                   progress: Callable[[int, int], None] | None = None) -> CrossValidation:
    """Out-of-fold probabilities: per grouped fold, the whole training procedure (``fit``, calibration
    included) runs on the other folds, and the held-out fold is scored through ``TrainedModel.score``, the
    code ``classify`` runs."""
    from .model import model_from_dict
    scores, fold_of, models = [0.0] * len(items), [0] * len(items), []
    splits = grouped_folds(labels, groups, params.folds, params.seed)
    for k, (train, test) in enumerate(splits):
        tr_items = [items[i] for i in train]
        tr_labels = [labels[i] for i in train]
        tr_groups = [groups[i] for i in train]
        model = model_from_dict(fit(tr_items, tr_labels, tr_groups, params), f"fold-{k + 1}", FEATURE_NAMES)
        models.append(model)
        for i in test:
            scores[i], fold_of[i] = model.score(items[i].feature_dict, items[i].text)[0], k
        if progress:
            progress(k + 1, len(splits))
    return CrossValidation(scores, fold_of, models)
