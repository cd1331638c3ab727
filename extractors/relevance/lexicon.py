"""The classifier's words as data: ``lexicon.toml`` (plus a user's own files) compiled into the patterns
the stages use.

The file is read once per process (``get_lexicon`` is cached; it is re-read when ``RADAR_LEXICON``
changes). ``RADAR_LEXICON`` names extra TOML files (``os.pathsep``-separated) with the same tables and
keys: their entries are appended to the built-in lists. Each entry is a regular-expression fragment; a
bad entry raises ``LexiconError`` naming the file, the list and the entry. ``Lexicon.digest`` covers every
file in force and is part of the classifier version.
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import EVENT_TYPES

LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.toml"
ENV_VAR = "RADAR_LEXICON"
TIE_CLASSES = ("strong", "weak", "alliance")
CUED_EVENTS = tuple(e for e in EVENT_TYPES if e != "other")   # each needs an [[event]] block

_LATIN_WORD = r"(?<![A-Za-z])(?:{})(?![A-Za-z])"
_QUOTE_CLOSE = r"[’'\"”」』》>)]"          # a quoted or bracketed name ends here


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Lexicon:
    """Compiled patterns and word sets, named by what the classifier reads them for."""
    sources: tuple[str, ...]
    digest: str                          # sha256 of the files in force, 8 hex digits
    # AI subject and tie cues
    ai_strong: re.Pattern
    ai_weak: re.Pattern
    ties: tuple[tuple[str, str, re.Pattern], ...]     # (label, class, pattern), in reporting order
    # sentence flags
    boilerplate: re.Pattern
    caption: re.Pattern
    attendee: re.Pattern
    metadata: re.Pattern
    # signals against a tie
    politics: re.Pattern
    application_field: re.Pattern
    pair_anaphor: re.Pattern
    non_ai_subject: re.Pattern
    launch: re.Pattern
    edu_event: re.Pattern
    roundup_title: re.Pattern
    generic_alliance: re.Pattern
    # organisations
    org_suffix: re.Pattern
    org_short_suffix: re.Pattern
    subunit: re.Pattern
    unit_suffix: re.Pattern
    not_org: frozenset[str]
    legal_form: re.Pattern
    descriptor_before: re.Pattern
    list_tail: re.Pattern
    ai_name_end: re.Pattern
    ai_field_after: re.Pattern
    place_after: re.Pattern
    side_after: re.Pattern
    # person titles
    person_after_org: re.Pattern
    title_after_name: re.Pattern
    title_before_name: re.Pattern
    title_end: re.Pattern
    bracket_head: re.Pattern
    # regions
    country: re.Pattern
    region_word: re.Pattern
    # alliances
    alliance_noun: re.Pattern
    quoted_alliance: re.Pattern
    quoted_alliance_event: re.Pattern
    launched_alliance: re.Pattern
    strong_name_head: re.Pattern
    bare_alliance: re.Pattern
    name_head_end: re.Pattern
    name_part_head: re.Pattern
    join_participate: re.Pattern
    generic_name_words: frozenset[str]
    # events
    event_cues: dict[str, re.Pattern]              # event type -> cues, in priority order
    rivalry_camp: re.Pattern
    definitional_founding: re.Pattern
    founded_finite: re.Pattern
    recurring_meeting: re.Pattern
    background: re.Pattern
    day_before: re.Pattern
    ceremony: re.Pattern
    # membership
    member_noun: re.Pattern
    existing_members: re.Pattern
    existing_cut: re.Pattern
    aside_start: re.Pattern
    past_marker: re.Pattern
    join_more: re.Pattern
    listing: re.Pattern
    participation: re.Pattern
    background_founding: re.Pattern
    convener: re.Pattern
    parent_after: re.Pattern
    announcer_after: re.Pattern
    rival_marker: re.Pattern


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"{path}: lexicon file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: invalid TOML: {exc}") from None


def _entries(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise LexiconError(f"{where} must be a list of non-empty strings")
    for entry in value:
        try:
            re.compile(entry)
        except re.error as exc:
            raise LexiconError(f"{where}: bad pattern '{entry}': {exc}") from None
    return list(value)


def _check(data: dict, path: Path, *, builtin: bool) -> None:
    """Every list is a list of patterns that compile; tie and event blocks are well-formed."""
    if builtin and not (data.get("tie") and data.get("event")):
        raise LexiconError(f"{path}: needs [[tie]] and [[event]] blocks")
    if builtin and sorted(b.get("name", "") for b in data["event"]) != sorted(CUED_EVENTS):
        raise LexiconError(f"{path}: [[event]] blocks must name each of {', '.join(CUED_EVENTS)} once")
    if builtin and len({b.get("label") for b in data["tie"]}) != len(data["tie"]):
        raise LexiconError(f"{path}: two [[tie]] blocks share a label")
    for table, body in data.items():
        if table in ("tie", "event"):
            if not isinstance(body, list):
                raise LexiconError(f"{path}: '{table}' must be [[{table}]] blocks")
            key = "label" if table == "tie" else "name"
            for i, block in enumerate(body, 1):
                if not isinstance(block, dict) or not isinstance(block.get(key), str) or not block[key].strip():
                    raise LexiconError(f"{path}: [[{table}]] #{i} needs a '{key}'")
                if table == "tie" and builtin and "class" not in block:
                    raise LexiconError(f"{path}: [[tie]] '{block[key]}' needs a class")
                if "class" in block and block["class"] not in TIE_CLASSES:
                    raise LexiconError(f"{path}: [[tie]] '{block[key]}': class must be one of {', '.join(TIE_CLASSES)}")
                _entries(block.get("cues"), f"{path}: [[{table}]] '{block[key]}' cues")
        elif isinstance(body, dict):
            for key, value in body.items():
                _entries(value, f"{path}: [{table}] {key}")
        else:
            raise LexiconError(f"{path}: '{table}' must be a table of word lists")


def _extend(base: dict, extra: dict, path: Path) -> None:
    """Append a user file's entries to the built-in lists (blocks by label / event name)."""
    for table, body in extra.items():
        if table == "tie":
            for block in body:
                mine = next((b for b in base["tie"] if b["label"] == block["label"]), None)
                if mine is None:
                    if "class" not in block:
                        raise LexiconError(f"{path}: [[tie]] '{block['label']}' is new: give its class")
                    base["tie"].append({"label": block["label"], "class": block["class"], "cues": list(block["cues"])})
                elif block.get("class", mine["class"]) != mine["class"]:
                    raise LexiconError(f"{path}: [[tie]] '{block['label']}' is class '{mine['class']}'")
                else:
                    mine["cues"] = mine["cues"] + block["cues"]
        elif table == "event":
            for block in body:
                mine = next((b for b in base["event"] if b["name"] == block["name"]), None)
                if mine is None:
                    names = ", ".join(b["name"] for b in base["event"])
                    raise LexiconError(f"{path}: [[event]] '{block['name']}' is not an event type ({names})")
                mine["cues"] = mine["cues"] + block["cues"]
        elif table not in base:
            raise LexiconError(f"{path}: unknown table [{table}] (tables: {', '.join(base)})")
        else:
            for key, value in body.items():
                if key not in base[table]:
                    raise LexiconError(f"{path}: unknown list [{table}] {key} (lists: {', '.join(base[table])})")
                base[table][key] = base[table][key] + value


def _alt(words: list[str]) -> str:
    return "|".join(words)


def _compile(data: dict, path: str) -> dict:
    """The patterns the stages use, built from the word lists (each list joined with "|")."""
    def w(table: str, key: str) -> str:
        try:
            return _alt(data[table][key])
        except KeyError:
            raise LexiconError(f"{path}: [{table}] {key} is missing") from None

    def rx(pattern: str, name: str) -> re.Pattern:
        try:
            return re.compile(pattern)
        except re.error as exc:                     # an entry that compiles alone but breaks its context
            raise LexiconError(f"{path}: the {name} pattern does not compile: {exc}") from None

    name_heads = f"(?:{w('alliances', 'name_heads')})"
    p = {
        "ai_strong": _LATIN_WORD.format(w("ai", "strong_latin")) + "|" + w("ai", "strong"),
        "ai_weak": _LATIN_WORD.format(w("ai", "weak_latin")) + "|" + w("ai", "weak"),
        "boilerplate": w("sentence", "boilerplate"),
        "caption": w("sentence", "caption"),
        "attendee": w("sentence", "attendee"),
        "metadata": w("sentence", "metadata"),
        "politics": w("signals", "politics"),
        "application_field": (rf"^(?:\s?[·ㆍ,/]\s?[가-힣A-Za-z]{{1,6}}){{0,4}}\s?(?:{w('signals', 'application_field')}|"
                              + _LATIN_WORD.format(w("ai", "strong_latin")) + "|" + w("ai", "strong") + ")"),
        "pair_anaphor": w("signals", "pair_anaphor"),
        "non_ai_subject": w("signals", "non_ai_subject"),
        "launch": w("signals", "launch"),
        "edu_event": w("signals", "edu_event"),
        "roundup_title": rf"^\s*[\[【<(]?\s*(?:{w('signals', 'roundup_title_start')})|{w('signals', 'roundup_title')}",
        "generic_alliance": rf"(?:{w('signals', 'generic_alliance_ai')})\s?(?:{w('signals', 'generic_alliance_nouns')})",
        "org_suffix": f"(?:{w('organisations', 'suffixes')})$",
        "org_short_suffix": f"(?:{w('organisations', 'short_suffixes')})$",
        "subunit": f"(?:{w('organisations', 'subunit_suffixes')})$",
        "unit_suffix": f"(?:{w('organisations', 'unit_suffixes')})$",
        "legal_form": rf"^(?:{w('organisations', 'legal_form_prefix')})\s*|\s*(?:{w('organisations', 'legal_form_suffix')})$",
        "descriptor_before": rf"(?:{w('organisations', 'descriptors')})(?:인)?\s$",
        "list_tail": rf"^\s?등\s?(?:총\s?)?\d*\s?(?:개|곳)?\s?(?:{w('organisations', 'list_counters')})",
        "ai_name_end": f"(?:{w('organisations', 'ai_name_endings')})$",
        "ai_field_after": rf"\s?(?:{w('organisations', 'ai_field_after')})",
        "place_after": rf"^\s?(?:{w('organisations', 'place_after')})",
        "side_after": rf"^(?:(?!{w('organisations', 'side_stops')}|[.!?]\s).){{0,40}}?(?:{w('organisations', 'side_markers')})",
        "person_after_org": rf"^\s(?:[가-힣]{{2,4}}\s)?(?:{w('titles', 'after_org')})(?:[은는이가을를과와의도]|\s|$|[,.)·])",
        "title_after_name": rf"^\s*(?:{w('titles', 'after_name')})",
        "title_before_name": rf"(?:{w('titles', 'before_name')})\s*$",
        "title_end": rf"(?:{w('titles', 'after_org')}|{w('titles', 'after_name')}|{w('titles', 'name_endings')})$",
        "bracket_head": rf"\(\s?(?:{w('titles', 'in_brackets')})",
        "country": rf"^(?:{w('regions', 'countries')})(?:\(.*\))?$",
        "region_word": f"^(?:{w('regions', 'korean')})(?:{w('regions', 'korean_endings')})?$",
        "alliance_noun": w("alliances", "nouns"),
        "quoted_alliance": (r"[‘'\"“「『《<]\s*([^‘’'\"“”「」『』《》<>\n.!?]{0,40}?(?:" + name_heads + "|"
                            + w("alliances", "quoted_name_heads") + r"))\s*[’'\"”」』》>]"),
        "quoted_alliance_event": (r"[‘'\"“「『《<]\s*([^‘’'\"“”「」『』《》<>\n.!?]{0,40}?(?:" + name_heads + "|"
                                  + w("alliances", "quoted_name_heads") + r"))\s*(?:\([^()]{1,40}\))?\s*"
                                  r"(?:제?\s?\d+\s?차\s?)?(?:" + w("alliances", "event_words") + r")\s*[’'\"”」』》>]"),
        "launched_alliance": (r"(?:이번|이)\s((?:[^\s.,]+\s){0,3}?[^\s.,]*?(?:" + name_heads + "|"
                              + w("alliances", "quoted_name_heads") + r"))\s?(?:"
                              + w("event_rules", "definitional_founding") + ")"),
        "strong_name_head": f"(?:{w('alliances', 'strong_name_heads')})$",
        "bare_alliance": name_heads + r"(?=[은는이가을를의에와과도로]|\s|$|[,.)…·'’\"”])",
        "name_head_end": name_heads + "$",
        "name_part_head": rf"^\s?[^\s,·]{{0,12}}\s?(?:{w('alliances', 'name_part_heads')})",
        "join_participate": (f"(?:{w('alliances', 'joinable')}|{_QUOTE_CLOSE})"
                             r"\s?(?:에|에도)\s?(?:공식\s?)?참여(?:했|한다|하기로|키로|하며|해|한)"),
        "rivalry_camp": w("event_rules", "rivalry_camp"),
        "definitional_founding": (f"(?:{w('event_rules', 'past_time')})"
                                  rf"[^.!?]{{0,60}}?((?:{w('event_rules', 'definitional_founding')})(?:한|된|했던))\s"
                                  r"(?:[^\s.]+\s){0,3}[^\s.]*?(?:이다|다|이며|으로|로|인)(?=[\s.,]|$)"),
        "founded_finite": f"(?:{w('event_rules', 'founded_finite')})(?:했|시켰|시켜|한다고|됐|하며|하고)",
        "recurring_meeting": w("event_rules", "recurring_meeting"),
        "background": w("event_date", "background"),
        "day_before": w("event_date", "day_before"),
        "ceremony": w("event_date", "ceremony"),
        "member_noun": w("membership", "member_nouns"),
        "existing_members": w("membership", "existing_members"),
        "existing_cut": w("membership", "existing_cut"),
        "aside_start": rf"^\s*(?:{w('membership', 'aside_start')})",
        "past_marker": w("membership", "past_marker"),
        "join_more": w("membership", "join_more"),
        "listing": w("membership", "listing"),
        "participation": w("membership", "participation"),
        "background_founding": w("membership", "background_founding"),
        "convener": rf"^\s?(?:(?:{w('membership', 'convener')})(?:\s[^\s,.]+){{0,4}}\s?)?[‘'\"“「『《<]?\s?$",
        "parent_after": rf"^\s?(?:[은는의가이]\s?)?(?:{w('membership', 'parent_after')})(?:인|로|이자)?\s",
        "rival_marker": w("membership", "rival_marker"),
        "announcer_after": rf"^\s?(?:{w('membership', 'announcer_after')})",
    }
    out = {name: rx(pattern, name) for name, pattern in p.items()}
    out["ties"] = tuple((b["label"], b["class"], rx(_alt(b["cues"]), f"tie '{b['label']}'")) for b in data["tie"])
    out["event_cues"] = {b["name"]: rx(_alt(b["cues"]), f"event '{b['name']}'") for b in data["event"]}
    out["not_org"] = frozenset(data["organisations"]["not_org"])
    out["generic_name_words"] = frozenset(data["alliances"]["generic_name_words"])
    return out


def load_lexicon(path: Path | str = LEXICON_FILE, extra: list[Path | str] | None = None) -> Lexicon:
    """The lexicon of ``path`` with the entries of the ``extra`` files appended (default: the files named in
    RADAR_LEXICON)."""
    path = Path(path)
    extra_paths = [Path(p) for p in (_extra_paths() if extra is None else extra)]
    data = _read(path)
    _check(data, path, builtin=True)
    digest = hashlib.sha256(path.read_bytes())
    for p in extra_paths:
        more = _read(p)
        _check(more, p, builtin=False)
        _extend(data, more, p)
        digest.update(p.read_bytes())
    sources = (str(path), *map(str, extra_paths))
    return Lexicon(sources=sources, digest=digest.hexdigest()[:8], **_compile(data, str(path)))


def _extra_paths() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "").strip()
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()] if raw else []


@lru_cache(maxsize=4)
def _cached(key: str) -> Lexicon:
    return load_lexicon()


def get_lexicon() -> Lexicon:
    """The process-wide lexicon (read once; re-read when RADAR_LEXICON changes)."""
    return _cached(os.environ.get(ENV_VAR, ""))
