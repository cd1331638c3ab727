"""Text -> sentences: cleaning, splitting, and each sentence's kind (title | head | body), position weight
and flags (photo caption, attendee list, metadata line).

The title and the lead decide: only the first ``SCORED_CHARS`` characters of a body are read, and a
sentence's ``weight`` falls with its position. Later stages annotate the same ``Sentence`` objects with
cues, organisations, alliances and dates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon

SCORED_CHARS = 12_000           # only the head of an article is read (title and lead decide)
MAX_SENTENCES = 80

METADATA_SHORT = re.compile(r"\d{1,2}:\d{2}|^\W*\d{4}\s?[.\-/]\s?\d{1,2}\s?[.\-/]\s?\d{1,2}\.?\W*$")   # lines < 80 chars

_SENT_SPLIT = re.compile(r"(?<=[다요죠음함임됨][.!?])(?![\d.])\s*|(?<=[.!?][\"”’'])\s+|(?<=[가-힣)\]][.!?])\s+(?=[^\s\d])")
_PROPER_END = re.compile(r"(?:[다요죠음함임됨][.!?]?|[.!?])[\"”’')\]]*\s*$")


@dataclass(eq=False)
class Sentence:
    idx: int
    text: str
    kind: str              # title | head | body
    order: int             # position among body sentences (0-based), -1 for title/head
    weight: float = 0.0
    caption: bool = False
    attendee: bool = False
    metadata: bool = False
    ai: int = 0
    ai_weak: int = 0
    ties: list = field(default_factory=list)        # [(label, class, surface)]
    orgs: list = field(default_factory=list)        # [(start, end, canonical, resolved)]
    alliances: list = field(default_factory=list)   # [AllianceMention]
    dates: list = field(default_factory=list)       # [DateMention]
    unresolved_done: str = ""                       # Kiwi added the names the gazetteer does not know: "", strict, loose

    @property
    def strong_tie(self) -> bool:
        return any(c in ("strong", "alliance") for _, c, _ in self.ties) or bool(self.alliances)


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\u200b", "")
    text = re.sub(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([^)]*\)", " ", text)   # markdown images (alt text may hold [..])
    text = re.sub(r"(?<=[가-힣A-Za-z])\s?[\[(]\d{6}[\])]", "", text)  # ticker codes: "KT[030200]는" -> "KT는"
    text = re.sub(r"\[([^\]]*)\]\((?:https?://)[^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?m)^\s*date\s+\d{4}(?:-\d{2}){0,2}\s*", "", text)
    text = re.sub(r"\([^()=\n]{1,20}=[^()\n]{1,20}\)", " ", text)                       # (서울=연합뉴스)
    text = re.sub(r"\[[^\[\]\n]{0,30}(?:기자|특파원|뉴스|일보|신문|=)[^\[\]\n]{0,20}\]", " ", text)  # [OO일보 XXX 기자]
    text = re.sub(r"[가-힣]{2,4}\s?(?:기자|특파원)\s?=", " ", text)
    # a word a page broke across lines after a sentence: "... 알려졌다. 임\n\n원사에는" -> "임원사에는"
    text = re.sub(r"(?<=[.!?] )([가-힣]{1,2})[ \t]*\n\s*(?=[가-힣])", r"\1", text)
    text = re.sub(r"[ \t]+", " ", text)
    return text


def split_text(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = line.strip(" \t•·-|")
        if not line:
            continue
        for part in _SENT_SPLIT.split(line):
            part = part.strip()
            if part:
                out.append(part)
    return out


def position_weight(kind: str, order: int) -> float:
    if kind == "title":
        return 1.0
    if kind == "head":
        return 0.85
    if order < 4:
        return (0.95, 0.9, 0.8, 0.7)[order]
    if order < 8:
        return 0.5
    if order < 15:
        return 0.3
    return 0.15


def sentences(title: str, text: str, lex: Lexicon) -> list[Sentence]:
    """The title and the sentences of the body's head, with kinds, positions, weights and flags."""
    sents: list[Sentence] = []
    title = (title or "").strip()
    if title:
        sents.append(Sentence(0, title, "title", -1, weight=position_weight("title", -1)))
    raw = split_text(clean_text(text[:SCORED_CHARS]))
    order = 0
    seen_proper = False
    norm_title = re.sub(r"\s+", "", title)
    seen_text: set[str] = set()
    for part in raw:
        key = re.sub(r"\s+", "", part)
        if len(key) >= 15 and key in seen_text:
            continue                                   # pages that paste the lead twice
        seen_text.add(key)
        if len(sents) >= MAX_SENTENCES:
            break
        if lex.boilerplate.search(part) and len(part) < 200:
            continue
        if not re.search(r"[가-힣]", part) and not re.search(r"[A-Za-z]{3}", part):
            continue
        if norm_title and re.sub(r"\s+", "", part) == norm_title:
            continue
        proper = bool(_PROPER_END.search(part)) and len(part) >= 15
        if not proper and not seen_proper and len(part) <= 120:
            kind = "title" if not title and not any(s.kind in ("title", "head") for s in sents) else "head"
            s = Sentence(len(sents), part, kind, -1)
        else:
            seen_proper = True
            s = Sentence(len(sents), part, "body", order)
            order += 1
        s.caption = bool(lex.caption.search(part))
        if s.caption and len(re.findall(r"[▲△]", part)) >= 3 and _PROPER_END.search(part) \
                and not lex.caption.search(re.sub(r"^\s*[▲△]", "", part)):
            s.caption = False            # "▲A ▲B ▲C이 이름을 올렸다.": a list in a sentence, not a photo caption
        s.attendee = bool(lex.attendee.search(part))
        s.metadata = bool(lex.metadata.search(part)) or (len(part) < 80 and bool(METADATA_SHORT.search(part)))
        if s.caption and s.kind == "title":
            s.kind = "head"
        s.weight = position_weight(s.kind, s.order)
        if s.caption:
            s.weight *= 0.3
        sents.append(s)
    # a series intro ending in "<편집자주>" is not the article's lead: demote it and restart the lead
    note = next((i for i, s in enumerate(sents[:14]) if re.search(r"편집자\s?주", s.text)), None)
    if note is not None:
        order = 0
        for i, s in enumerate(sents):
            if i <= note:
                if s.kind != "title" or title:
                    s.kind, s.order, s.weight = ("title", -1, 1.0) if s.kind == "title" else ("head", -1, 0.2)
                else:
                    s.kind, s.weight = "head", 0.2
            elif s.kind == "body":
                s.order = order
                s.weight = position_weight("body", order) * (0.3 if s.caption else 1.0)
                order += 1
    return sents
