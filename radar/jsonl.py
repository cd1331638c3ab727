"""JSON Lines in, one verdict per line out: the I/O of ``radar classify``.

Each input line is ``{id, title, text, published_at?, url?}``; each output line is the classifier's JSON
form (``extractors.relevance.relevance_to_json``) with the id, or ``{id?, line, error}`` for a line that
cannot be scored. A bad line never stops the batch.
"""
from __future__ import annotations

import json
import re
from typing import Iterable, Iterator

from extractors.dates import parse_published
from extractors.relevance import classify, relevance_to_json

MAX_TEXT_CHARS = 200_000        # longer texts get a per-line error


def _hangul_share(s: str) -> float:
    letters = [c for c in s if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "가" <= c <= "힣" or "ㄱ" <= c <= "ㅣ") / len(letters)


def classify_jsonl(lines: Iterable[str], threshold: float = 0.5) -> Iterator[dict]:
    """One output dict per input line: {id, is_alliance, score, orgs, alliance, event, event_date, evidence}
    or {id?, line, error} for a line that cannot be scored. Blank lines are skipped; the batch never stops."""
    for lineno, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield {"line": lineno, "error": "not_utf8: the line is not UTF-8 text"}
                continue
        if not raw.strip():
            continue
        if len(raw) > MAX_TEXT_CHARS * 2:
            rid = None
            m = re.match(r'\s*\{\s*"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)', raw)
            if m:
                try:
                    rid = json.loads(m.group(1))
                except ValueError:
                    rid = None
            out = {"line": lineno, "error": f"too_large: line of {len(raw):,} characters (limit {MAX_TEXT_CHARS:,})"}
            if rid is not None:
                out = {"id": rid, **out}
            yield out
            continue
        try:
            rec = json.loads(raw)
        except ValueError as exc:
            yield {"line": lineno, "error": f"bad_json: {exc.__class__.__name__}: {str(exc)[:120]}"}
            continue
        if not isinstance(rec, dict):
            yield {"line": lineno, "error": "bad_record: each line must be a JSON object {id, title, text, ...}"}
            continue
        rid = rec.get("id")
        base = {"id": rid} if rid is not None else {}
        title, text = rec.get("title") or "", rec.get("text")
        if text is None:
            text = rec.get("body") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            yield {**base, "line": lineno, "error": "bad_record: 'title' and 'text' must be strings"}
            continue
        if not (title.strip() or text.strip()):
            yield {**base, "line": lineno, "error": "empty: no title and no text"}
            continue
        if len(text) > MAX_TEXT_CHARS:
            yield {**base, "line": lineno, "error": f"too_large: text of {len(text):,} characters (limit {MAX_TEXT_CHARS:,})"}
            continue
        sample = (title + " " + text[:4000])
        letters = sum(1 for c in sample if c.isalpha())
        if letters >= 20 and _hangul_share(sample) < 0.15:
            yield {**base, "line": lineno, "error": "not_korean: the text is not Korean (Hangul share "
                                                     f"{_hangul_share(sample):.0%}); the scorer reads Korean news"}
            continue
        published = rec.get("published_at", rec.get("published"))
        if published is not None and parse_published(published)[0] is None:
            published = None
        try:
            r = classify(title, text, published, threshold=threshold)
        except Exception as exc:      # one bad record must not stop the batch
            yield {**base, "line": lineno, "error": f"internal: {exc.__class__.__name__}: {exc}"}
            continue
        yield {**base, **relevance_to_json(r)}


def read_labelled(path) -> tuple[list[dict], list[str]]:
    """The records of a labelled JSON Lines file ({id, title?, text, label 0/1, ...}) and one message per
    line that was skipped (bad JSON, no text, no 0/1 label). Raises OSError when the file cannot be read."""
    from pathlib import Path
    records, skipped = [], []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            skipped.append(f"{path}:{lineno}: bad JSON ({exc.__class__.__name__})")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or rec.get("label") not in (0, 1):
            skipped.append(f"{path}:{lineno}: needs 'text' and a 0/1 'label'")
            continue
        records.append(rec)
    return records, skipped
