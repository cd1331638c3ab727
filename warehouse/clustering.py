"""Story clustering (pure, no DuckDB): articles from different outlets about the same event form one story.

Two signals, either one is enough:

* near-duplicate text - syndicated copies and light rewrites of one wire report. MinHash of
  character 3-shingles (``extractors.similarity``) and a datasketch ``MinHashLSH`` index find
  candidates; a candidate joins when the estimated Jaccard similarity is >= ``near_dup`` and the
  articles were published within ``near_dup_days``.
* same event - independent write-ups of one announcement share little text but the classifier
  gives them the same parties, event type and date: organisations overlap strongly, the event
  types and alliances agree (or one is unknown), event/published dates are within ``event_days``,
  and the texts share at least a little (``min_text``). This keeps "the same two companies in a
  different event weeks later" (date), and "the same companies, different kind of news the same
  week" (event type), apart.

An article joins the story of its best-scoring match (single link); otherwise it starts a story.

Cost: the warehouse only hands this index the stories' articles published within
``window_days`` of the new articles (``StoryIndex.window``), so each load costs
O(new articles x articles in their window), whatever the size of the archive.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np

from extractors import similarity


@dataclass(frozen=True, slots=True)
class StoryParams:
    near_dup: float = 0.4         # estimated Jaccard of char-3 shingles for a near-duplicate
    near_dup_days: int = 7        # near-duplicates published this far apart still join
    lsh_threshold: float = 0.3    # LSH candidate threshold (below near_dup: recall first, then verify)
    event_days: int = 3           # same-event: dates within this many days
    min_org_overlap: float = 0.6  # |A & B| / min(|A|, |B|)
    min_text: float = 0.03        # same-event: some shared text (names, figures) still required
    window_days: int = 7          # how far around a new article stored articles are considered

    @property
    def window(self) -> int:
        return max(self.window_days, self.near_dup_days, self.event_days)


DEFAULT_PARAMS = StoryParams()

# event types that describe the same kind of news (an MOU is often reported as "joined")
_COMPATIBLE = {frozenset({"joined", "mou"}), frozenset({"founded", "joined"}), frozenset({"founded", "mou"}),
               frozenset({"mou", "joint_research"})}


@dataclass(slots=True)
class StoryDoc:
    article_id: str
    pub_date: date
    sketch: np.ndarray                     # uint32[NUM_PERM]
    orgs: frozenset[str] = frozenset()
    alliance: str | None = None
    event: str | None = None
    event_date: date | None = None
    story_id: str | None = None            # set once assigned
    published_at: datetime | None = None   # orders a batch (the earliest article leads its story)


@dataclass(slots=True)
class Match:
    story_id: str
    article_id: str                        # the member it matched best
    score: float
    reason: str                            # near_duplicate | same_event
    text: float = 0.0
    org_overlap: float = 0.0


def org_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def events_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    if "other" in (a, b):
        return True
    return frozenset({a, b}) in _COMPATIBLE


def compare(new: StoryDoc, old: StoryDoc, params: StoryParams = DEFAULT_PARAMS, *, text: float | None = None
            ) -> Match | None:
    """Does ``new`` belong to ``old``'s story? Returns the match or None. ``text``: their estimated
    Jaccard similarity when the caller computed it already (``StoryIndex`` does, for all candidates at once)."""
    days = abs((new.pub_date - old.pub_date).days)
    if text is None:
        text = similarity.estimated_jaccard(new.sketch, old.sketch)
    if text >= params.near_dup and days <= params.near_dup_days:
        return Match(old.story_id or old.article_id, old.article_id, 1.0 + text, "near_duplicate", text)
    if days > params.event_days + 1:          # +1: a story published late in the evening, copied next morning
        return None
    if new.event_date and old.event_date and abs((new.event_date - old.event_date).days) > params.event_days:
        return None
    if new.alliance and old.alliance and new.alliance != old.alliance:
        return None
    if not events_compatible(new.event, old.event):
        return None
    ov = org_overlap(new.orgs, old.orgs)
    shared = len(new.orgs & old.orgs)
    named_same = bool(new.alliance and new.alliance == old.alliance)
    same_type = bool(new.event and new.event == old.event)
    # one shared party is enough only when it is all one side names (a classifier that missed the
    # other party) and the alliance name or the event type agrees
    if ov < params.min_org_overlap or not (shared >= 2 or (shared >= 1 and (named_same or (ov >= 1.0 and same_type)))):
        return None
    if text < params.min_text:
        return None
    score = 0.5 * ov + text + (0.2 if same_type else 0.0) + (0.1 if named_same else 0.0)
    return Match(old.story_id or old.article_id, old.article_id, score, "same_event", text, ov)


class StoryIndex:
    """In-memory index over the articles already in stories (a bounded window of them).

    Candidates come from MinHash LSH (similar text) and from shared organisations. Their sketches sit in one
    matrix, so a new article's text similarity to all its candidates is one vectorised comparison; a
    candidate that ``compare`` could not match whatever its other signals (published too far apart for
    the same event and not similar enough for a near-duplicate, or sharing less text than either rule
    needs) is dropped before the per-pair rules run: the matches are exactly those of comparing every
    candidate.
    With a large archive most organisation candidates are such: this keeps assignment close to linear in
    the new articles."""

    def __init__(self, docs: Iterable[StoryDoc] = (), params: StoryParams = DEFAULT_PARAMS):
        self.params = params
        self.docs: dict[str, StoryDoc] = {}
        self._lsh = similarity.make_lsh(params.lsh_threshold)
        self._by_org: dict[str, set[str]] = defaultdict(set)
        self._row: dict[str, int] = {}                                  # article_id -> row of the matrices
        self._sketches = np.empty((64, similarity.NUM_PERM), dtype=np.uint32)
        self._days = np.empty(64, dtype=np.int64)                       # published date as an ordinal
        self._has_text = np.empty(64, dtype=bool)                       # False for an empty sketch
        for d in docs:
            self.add(d)

    def add(self, doc: StoryDoc) -> None:
        if doc.article_id in self.docs:
            return
        if doc.story_id is None:
            raise ValueError("only documents with a story go into the index")
        self.docs[doc.article_id] = doc
        empty = similarity.is_empty_sketch(doc.sketch)
        if not empty:
            self._lsh.insert(doc.article_id, similarity.from_sketch(doc.sketch), check_duplication=False)
        for org in doc.orgs:
            self._by_org[org].add(doc.article_id)
        row = len(self._row)
        if row == len(self._days):
            self._sketches = np.concatenate([self._sketches, np.empty_like(self._sketches)])
            self._days = np.concatenate([self._days, np.empty_like(self._days)])
            self._has_text = np.concatenate([self._has_text, np.empty_like(self._has_text)])
        self._row[doc.article_id] = row
        sketch = np.asarray(doc.sketch, dtype=np.uint32)
        self._has_text[row] = not empty and len(sketch) == similarity.NUM_PERM
        if self._has_text[row]:
            self._sketches[row] = sketch
        self._days[row] = doc.pub_date.toordinal()

    def candidates(self, doc: StoryDoc) -> set[str]:
        found: set[str] = set()
        if not similarity.is_empty_sketch(doc.sketch) and self.docs:
            found.update(self._lsh.query(similarity.from_sketch(doc.sketch)))
        for org in doc.orgs:
            found.update(self._by_org.get(org, ()))
        found.discard(doc.article_id)
        return found

    def best_match(self, doc: StoryDoc) -> Match | None:
        best: Match | None = None
        ids = list(self.candidates(doc))
        if not ids:
            return None
        p = self.params
        rows = np.fromiter((self._row[a] for a in ids), dtype=np.int64, count=len(ids))
        sketch = np.asarray(doc.sketch, dtype=np.uint32)
        if similarity.is_empty_sketch(sketch) or len(sketch) != similarity.NUM_PERM:
            texts = np.zeros(len(ids))
        else:   # what similarity.estimated_jaccard gives for each pair, all at once
            texts = np.where(self._has_text[rows],
                             np.count_nonzero(self._sketches[rows] == sketch, axis=1) / similarity.NUM_PERM, 0.0)
        days = np.abs(self._days[rows] - doc.pub_date.toordinal())
        # compare() returns None for every other candidate: too far apart for the same event and not a
        # near-duplicate within near_dup_days, or sharing less text than either rule asks for
        possible = ((days <= p.event_days + 1) | ((texts >= p.near_dup) & (days <= p.near_dup_days))) \
            & (texts >= min(p.min_text, p.near_dup))
        for i in np.flatnonzero(possible):
            m = compare(doc, self.docs[ids[i]], p, text=float(texts[i]))
            if m and (best is None or m.score > best.score or (m.score == best.score and m.story_id < best.story_id)):
                best = m
        return best

    def assign(self, docs: Iterable[StoryDoc], new_story_id=lambda d: "s" + d.article_id
               ) -> list[tuple[StoryDoc, Match | None]]:
        """Assign each new doc (oldest first) to an existing story or a new one; new docs join the
        index as they go, so later articles of the same batch can join earlier ones. Returns
        (doc, match) pairs; match None means the doc started a new story (doc.story_id is set)."""
        out = []
        def order(d: StoryDoc):
            ts = d.published_at.timestamp() if d.published_at else datetime.combine(
                d.pub_date, datetime.min.time(), timezone.utc).timestamp()
            return (d.pub_date, ts, d.article_id)

        for doc in sorted(docs, key=order):
            if doc.article_id in self.docs:
                continue
            m = self.best_match(doc)
            doc.story_id = m.story_id if m else new_story_id(doc)
            self.add(doc)
            out.append((doc, m))
        return out


def cluster(docs: Iterable[StoryDoc], params: StoryParams = DEFAULT_PARAMS) -> dict[str, str]:
    """Cluster a set of documents from scratch: article_id -> story_id."""
    index = StoryIndex(params=params)
    return {d.article_id: d.story_id for d, _ in index.assign(list(docs))}


def pairwise_scores(gold: dict[str, str], predicted: dict[str, str]) -> dict:
    """Pairwise precision/recall/F1: a pair of articles is positive when both are in one cluster."""
    ids = sorted(gold)
    tp = fp = fn = 0
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            same_gold = gold[a] == gold[b]
            same_pred = predicted.get(a) is not None and predicted.get(a) == predicted.get(b)
            if same_pred and same_gold:
                tp += 1
            elif same_pred:
                fp += 1
            elif same_gold:
                fn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs_tp": tp, "pairs_fp": fp, "pairs_fn": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def doc_orgs(relevance) -> frozenset[str]:
    """The organisations that identify an article's event: the main event's parties when the
    classifier found one, else every resolved organisation it mentions."""
    if relevance is None:
        return frozenset()
    main = None
    for ev in relevance.events or []:
        if ev.event == relevance.event and ev.alliance == relevance.alliance:
            main = ev
            break
    if main is None and relevance.events:
        main = relevance.events[0]
    if main is not None and main.orgs:
        return frozenset(main.orgs)
    resolved = [o.name for o in relevance.orgs if o.resolved]
    return frozenset(resolved or [o.name for o in relevance.orgs])
