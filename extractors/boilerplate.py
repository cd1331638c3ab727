"""Korean boilerplate removal on text: the rules live in ``rules/boilerplate.toml`` (data, not code).

``clean_paragraphs`` is the text-level cleaner the article extractor runs on every body, and that
``extractors.article.clean_text`` exposes for plain text. Steps, in order:

1. per line: ``keep`` rules protect a line from everything below (speaker labels of broadcast transcripts);
   drop lines a ``line`` rule matches (bylines, copyright, captions, sign-offs, widgets...), portal
   junk lines (runs of ids and numbers), the outlet's bare name and the headline itself;
   ``list`` rules drop a related/most-read heading with the short lines under it; ``tail`` rules end
   the body once a body paragraph has been seen (comment boxes, tip blocks, blog category footers);
   ``end`` rules drop a line only when no body paragraph follows it (a sign-off that would be body text
   anywhere else);
   a line rule that matched a footer glued to a sentence ("...말했다. 홍길동 기자 hong@x.com") drops only the
   footer when the prefix/suffix rules can cut it off;
2. strip ``prefix`` / ``suffix`` matches (dateline bylines, bylines and e-mails glued to the last sentence);
3. split the page into sections at footers (copyright, sign-off, byline, e-mail lines once body text was
   seen): a page may bundle several articles. In each section drop the short headline-style lines before its
   first body paragraph (headline, kicker, subtitle: no sentence punctuation), and in a section after a
   footer that holds no body paragraph, the short non-sentence lines (promo links, box headings, counters);
4. collapse a body pasted twice — also when the second copy was spliced into the middle of a sentence;
5. drop exact repeats (not of labels: a transcript repeats [앵커] or [이름 / 직함]).
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .outlets import OUTLETS_FILE
from .decode import strip_control_chars

RULES_DIR = Path(__file__).resolve().parent / "rules"
BOILERPLATE_FILE = RULES_DIR / "boilerplate.toml"

SCOPES = ("line", "prefix", "suffix", "list", "tail", "end", "keep")
_WS = re.compile(r"[\s\u00a0\u2000-\u200b\u2028\u2029\u3000\ufeff]+")
_ZW = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SENT_END = re.compile(r"(?:[.!?。…]|[다요죠음임함됨]\.?)[\"'”’』」)\]]*\s*$")
_WORD = re.compile(r"\w+")
_FOOTER_CLASSES = frozenset({"copyright", "signoff", "byline", "email"})   # such a line can close an article's section
_TERMINAL = re.compile(r"[.!?。…][\"'”’』」)\]]*\s*$")
_GLUE_HINT = re.compile(r"[다요죠][.!?][\"'”’』」)\]]*\s*\S")   # a sentence ends before the line does
_INNER_STOP = re.compile(r"[다요죠][.!?]\s+\S")   # sentences inside a line: running text, not a headline
# a short line wholly in brackets: a speaker or segment label of a transcript ([김경진], [A 씨 / 목격자],
# ◀ 리포트 ▶); labels repeat in a transcript, so exact repeats of them are not duplicates
_BRACKETED = re.compile(r"^\s*(?:\[[^\[\]]{1,38}\]|<[^<>]{1,38}>|【[^【】]{1,38}】|〔[^〔〕]{1,38}〕|◀[^◀▶]{1,38}▶)\s*$")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    cls: str
    scope: str
    regex: re.Pattern
    max_len: int | None

    @property
    def replacement(self) -> str:
        """What a prefix/suffix match is replaced with: the text of its ``keep`` group, if it has one."""
        return r"\g<keep>" if "keep" in self.regex.groupindex else ""


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    junk_min_tokens: int
    junk_ratio: float
    junk_token: re.Pattern
    dom_drop_tags: tuple[str, ...]
    dom_strong: re.Pattern
    dom_weak: re.Pattern
    json_body_keys: tuple[str, ...]
    json_date_keys: tuple[str, ...]
    json_author_keys: tuple[str, ...]
    generic_titles: frozenset[str] = frozenset()
    site_suffixes: tuple[str, ...] = ()
    scopes: dict = field(default_factory=dict, compare=False, repr=False)   # scope -> its rules, in file order

    def __post_init__(self):
        for scope in SCOPES:
            self.scopes[scope] = tuple(r for r in self.rules if r.scope == scope)

    def by_scope(self, scope: str) -> tuple[Rule, ...]:
        return self.scopes[scope]


class RuleError(ValueError):
    pass


def _words_regex(patterns: list[str]) -> re.Pattern:
    # whole "words" of a class/id string: no letter or digit right before or after
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![a-z0-9])")


EXTRA_RULES_ENV = "RADAR_BOILERPLATE_RULES"   # path of a user's own rules file, added to the bundled one


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: {exc}") from None


def load_rules(path: Path | str = BOILERPLATE_FILE, extra: Path | str | None = None) -> RuleSet:
    """The rules of ``path``, plus the [[rule]] entries of ``extra`` (a user's own file) after them."""
    path = Path(path)
    data = _read_toml(path)
    raw_rules = [(path, raw) for raw in data.get("rule", [])]
    if extra:
        raw_rules += [(Path(extra), raw) for raw in _read_toml(Path(extra)).get("rule", [])]
    rules = []
    names = set()
    for i, (path, raw) in enumerate(raw_rules, 1):
        try:
            name, cls, scope, pattern = raw["name"], raw["class"], raw["scope"], raw["pattern"]
        except KeyError as exc:
            raise RuleError(f"{path}: rule #{i} lacks {exc}") from None
        if scope not in SCOPES:
            raise RuleError(f"{path}: rule '{name}': scope must be one of {', '.join(SCOPES)}")
        if name in names:
            raise RuleError(f"{path}: rule name '{name}' used twice")
        names.add(name)
        flags = re.IGNORECASE
        try:
            if scope == "prefix":
                rx = re.compile(r"^(?:" + pattern + r")", flags)
            elif scope == "suffix":
                rx = re.compile(r"(?:" + pattern + r")$", flags)
            else:
                rx = re.compile(pattern, flags)
        except re.error as exc:
            raise RuleError(f"{path}: rule '{name}': bad pattern: {exc}") from None
        rules.append(Rule(name, cls, scope, rx, raw.get("max_len")))
    junk = data.get("junk_line", {})
    dom = data.get("dom", {})
    js = data.get("json", {})
    return RuleSet(
        rules=tuple(rules),
        junk_min_tokens=int(junk.get("min_tokens", 6)),
        junk_ratio=float(junk.get("ratio", 0.6)),
        junk_token=re.compile(junk.get("token_pattern", r"\d+"), re.IGNORECASE),
        dom_drop_tags=tuple(dom.get("drop_tags", ())),
        dom_strong=_words_regex(dom.get("strong", ["comment"])),
        dom_weak=_words_regex(dom.get("weak", ["photo"])),
        json_body_keys=tuple(js.get("body_keys", ("articleBody",))),
        json_date_keys=tuple(js.get("date_keys", ("datePublished",))),
        json_author_keys=tuple(js.get("author_keys", ())),
        generic_titles=frozenset(loose_key(t) for t in data.get("title", {}).get("generic", ())),
        site_suffixes=tuple(loose_key(t) for t in data.get("title", {}).get("site_suffixes", ())),
    )


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return load_rules(BOILERPLATE_FILE, os.environ.get(EXTRA_RULES_ENV) or None)


def rule_files() -> tuple[Path, ...]:
    """Every data file the extractor reads rules from: the bundled boilerplate rules, the outlet registry
    (domains, dated layouts) and the user's own rules file when one is set."""
    files = [BOILERPLATE_FILE, OUTLETS_FILE]
    extra = os.environ.get(EXTRA_RULES_ENV)
    if extra:
        files.append(Path(extra))
    return tuple(files)


def files_fingerprint(paths) -> str:
    """Short digest of the given files' bytes (in order)."""
    digest = hashlib.sha256()
    for path in paths:
        data = Path(path).read_bytes()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:8]


@lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """Digest of the rule files in force (``rule_files``): part of each article's extractor_version, so a rule
    or layout change shows in the version history (and `radar reprocess` re-extracts) without a code change."""
    return files_fingerprint(rule_files())


# ------------------------------------------------------------------------------------------ helpers

def normalize_line(text: str) -> str:
    text = unicodedata.normalize("NFC", _ZW.sub("", strip_control_chars(text)))
    return _WS.sub(" ", text).strip()


def is_sentence(line: str) -> bool:
    return bool(_SENT_END.search(line))


def is_body_paragraph(line: str) -> bool:
    """Looks like running text: long enough and ends like a sentence (or simply long)."""
    n = len(line)
    return n >= 120 or (n >= 40 and is_sentence(line) and len(_WORD.findall(line)) >= 6)


def loose_key(text: str) -> str:
    """Lowercased letters and digits only: how titles and names are compared."""
    return "".join(_WORD.findall(unicodedata.normalize("NFC", text or "").lower())).replace("_", "")


def _key(line: str) -> str:
    return "".join(_WORD.findall(line.lower()))


def is_junk_line(line: str, rules: RuleSet | None = None) -> bool:
    """A portal tracking line: mostly numbers, ids, version strings, true/false."""
    rules = rules or default_rules()
    tokens = line.split()
    if len(tokens) < rules.junk_min_tokens:
        return False
    junk = sum(1 for t in tokens if rules.junk_token.fullmatch(t))
    return junk / len(tokens) >= rules.junk_ratio


def _line_rule(line: str, rules: tuple[Rule, ...]) -> Rule | None:
    n = len(line)
    for r in rules:
        if r.max_len is not None and n > r.max_len:
            continue
        if r.regex.fullmatch(line):
            return r
    return None


def is_boilerplate_line(line: str, rules: RuleSet | None = None) -> bool:
    """Whether a line/list/tail rule drops this line wholesale (a box heading such as "많이 본 뉴스")."""
    rs = rules or default_rules()
    line = normalize_line(line)
    return any(_line_rule(line, rs.by_scope(scope)) for scope in ("line", "list", "tail"))


def strip_affixes(line: str, rules: RuleSet | None = None) -> str:
    """A paragraph without its dateline byline prefix and glued byline/e-mail suffix."""
    return _strip_affixes(normalize_line(line), rules or default_rules())


def _strip_affixes(line: str, rs: RuleSet) -> str:
    for _ in range(3):
        before = line
        for r in rs.by_scope("prefix"):
            line = r.regex.sub(r.replacement, line, count=1).strip()
        for r in rs.by_scope("suffix"):
            line = r.regex.sub(r.replacement, line, count=1).strip()
        if line == before:
            break
    return line


# ------------------------------------------------------------------------------------------ repeats

def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = _WORD.findall(text.lower())
    return {tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1))} if toks else set()


def _contained(par: str, pool: set, threshold: float = 0.8) -> bool:
    sh = _shingles(par)
    return bool(sh) and len(sh & pool) / len(sh) >= threshold


def collapse_repeats(paras: list[str]) -> list[str]:
    """A body pasted twice -> one copy. Handles a second copy spliced into the middle of a sentence
    ("...출발점<whole article again>...말했다.인 AI 원팀에서 ...말했다.") and copies that differ slightly
    (one has a paragraph the other lacks: the union is kept, in reading order)."""
    first = next((i for i, p in enumerate(paras) if len(p) >= 60 and is_body_paragraph(p)), None)
    if first is None:
        return paras
    lead, body = paras[:first], paras[first:]
    text = "\n".join(body)
    head = body[0][:30]
    k = text.find(head, len(head))
    if k <= 0:
        return paras
    copy1, copy2 = text[:k], text[k:]
    if len(copy2) < 0.3 * len(text) or len(copy1) < 0.2 * len(text):
        return paras
    sh1, sh2 = _shingles(copy1), _shingles(copy2)
    if not sh1 or not sh2 or len(sh1 & sh2) < 0.5 * min(len(sh1), len(sh2)):
        return paras
    fragment = ""
    if not copy1.endswith("\n"):
        cut = copy1.rfind("\n")
        fragment = copy1[cut + 1:]
        copy1 = copy1[:cut + 1] if cut >= 0 else ""
    p1 = [p for p in copy1.split("\n") if p.strip()]
    p2 = [p for p in copy2.split("\n") if p.strip()]
    if fragment:
        # the interrupted paragraph, as the second copy has it, tells what the stray tail is
        whole = next((p for p in p2 if p.startswith(fragment[:40]) and len(p) > len(fragment)), None)
        if whole is not None:
            rest = whole[len(fragment):]
            if whole is p2[-1]:
                # the interrupted paragraph is also the last one: its continuation appears twice
                half = len(rest) // 2
                if half and len(rest) % 2 == 0 and rest[:half] == rest[half:]:
                    p2[-1] = fragment + rest[:half]
            elif rest and p2[-1].endswith(rest) and len(p2[-1]) > len(rest):
                p2[-1] = p2[-1][: len(p2[-1]) - len(rest)].rstrip()
        else:
            p1.append(fragment)
    base, other = (p2, p1) if len("".join(p2)) >= len("".join(p1)) else (p1, p2)
    pool = set().union(*(_shingles(p) for p in base)) if base else set()
    merged = list(base)
    anchor = -1
    for p in other:
        if _contained(p, pool):
            # move the anchor to where this paragraph sits in the base copy
            sh = _shingles(p)
            for j in range(anchor + 1, len(merged)):
                if sh and len(sh & _shingles(merged[j])) / len(sh) >= 0.5:
                    anchor = j
                    break
            continue
        merged.insert(anchor + 1, p)
        anchor += 1
        pool |= _shingles(p)
    return lead + merged


def dedupe(paras: list[str], exempt: frozenset[str] = frozenset()) -> list[str]:
    """Exact repeats go, except ``exempt`` lines (speaker labels repeat in every transcript)."""
    seen: set[str] = set()
    out = []
    for p in paras:
        k = _key(p)
        if p in exempt:
            out.append(p)
            continue
        if k and k in seen:
            continue
        seen.add(k)
        out.append(p)
    return out


def trim_lead(paras: list[str], max_len: int = 60, exempt: frozenset[str] = frozenset()) -> list[str]:
    """Drop headline/kicker/subtitle lines before the first body paragraph: short lines that do not end with
    sentence punctuation (a subtitle ending in "…했다" or a quote without a full stop is headline style) and
    come before any sentence; ``exempt`` lines (a transcript's opening [앵커] label) stay."""
    first = next((i for i, p in enumerate(paras) if is_body_paragraph(p)), None)
    if not first:
        return paras
    kept: list[str] = []
    for p in paras[:first]:
        spoken = bool(_TERMINAL.search(p) or _INNER_STOP.search(p))
        # once a sentence was read, a short line is an in-body subheading, not the page's headline or kicker
        if len(p) > max_len or spoken or p in exempt or any(_TERMINAL.search(k) for k in kept):
            kept.append(p)
    return kept + paras[first:]


# ------------------------------------------------------------------------------------------ cleaner

# Every line meets every rule (about half a millisecond a line): a hostile or giant page of 100,000 short
# paragraphs would hold a worker for a minute. No article has this many; the first lines hold it.
MAX_LINES = 3000


def clean_paragraphs(paras: list[str], *, title: str | None = None, drop_lines: tuple[str, ...] = (),
                     rules: RuleSet | None = None) -> list[str]:
    """Apply the boilerplate table to a list of paragraphs/lines (the first ``MAX_LINES`` non-empty ones);
    returns the clean paragraphs."""
    rs = rules or default_rules()
    line_rules, list_rules, tail_rules = rs.by_scope("line"), rs.by_scope("list"), rs.by_scope("tail")
    keep_rules, end_rules = rs.by_scope("keep"), rs.by_scope("end")
    labels: set[str] = set()           # lines a keep rule protects
    ends: list[int] = []               # positions in ``out`` of lines an end rule matched
    breaks: set[int] = set()           # positions in ``out`` where a section of a bundle page starts
    banned = {_key(x) for x in drop_lines if x and _key(x)}
    title_key = _key(title) if title else ""
    units = [u for u in (normalize_line(p) for p in paras[:MAX_LINES * 4]) if u][:MAX_LINES]
    out: list[str] = []
    seen_body = False
    i = 0
    while i < len(units):
        u = units[i]
        i += 1
        if keep_rules and _line_rule(u, keep_rules):
            out.append(u)
            labels.add(u)
            continue
        if _line_rule(u, tail_rules):
            if seen_body:
                break
            continue
        if _line_rule(u, list_rules):
            while i < len(units) and len(units[i]) < 80 and not is_body_paragraph(units[i]):
                i += 1
            continue
        hit = _line_rule(u, line_rules)
        glued_footer = False
        if hit is not None:
            # a footer glued to the paragraph's last sentence ("...말했다. 홍길동 기자 hong@x.com"): the rule
            # matched the whole line, but the sentence stays when the prefix/suffix rules cut the footer off
            rest = _strip_affixes(u, rs) if len(u) >= 30 and _GLUE_HINT.search(u) else u
            if rest == u or len(rest) < 20 or not _TERMINAL.search(rest) or _line_rule(rest, line_rules):
                if hit.cls in _FOOTER_CLASSES and len(u) >= 15 and seen_body:
                    breaks.add(len(out))     # a footer mid-page: what follows is another article's section
                continue
            glued_footer = hit.cls in _FOOTER_CLASSES
        if is_junk_line(u, rs):
            continue
        k = _key(u)
        if k and (k in banned or (title_key and k == title_key)):
            continue
        u = _strip_affixes(u, rs)
        if not u or not _WORD.search(u):
            continue
        if _line_rule(u, line_rules):
            continue
        if end_rules and _line_rule(u, end_rules):
            ends.append(len(out))
        out.append(u)
        if is_body_paragraph(u):
            seen_body = True
        if glued_footer and seen_body:
            breaks.add(len(out))
    for j in ends:
        # a sign-off followed by a short non-sentence line (the next section's headline or kicker) closes a
        # section of a page that bundles several articles
        if j + 1 < len(out) and len(out[j + 1]) <= 60 and not is_sentence(out[j + 1]) and out[j + 1] not in labels:
            breaks.add(j + 1)
    exempt = frozenset(labels)
    cleaned: list[str] = []
    bounds = sorted(b for b in breaks if 0 < b < len(out))
    for start, stop in zip([0] + bounds, bounds + [len(out)]):
        sec = out[start:stop]
        # within a section: a sign-off is its last words (dropped when no body paragraph follows), and the
        # short lines before its first body paragraph are its headline/kicker/subtitle
        mine = {j - start for j in ends if start <= j < stop}
        if mine:
            last_body = max((j for j, p in enumerate(sec) if is_body_paragraph(p) and p not in labels), default=-1)
            sec = [p for j, p in enumerate(sec) if not (j in mine and j > last_body)]
        if start > 0 and not any(is_body_paragraph(p) and p not in labels for p in sec):
            # after an article's footer (copyright, sign-off, byline): lines up to the next article are page
            # furniture — promo links, box headings, counters — unless they are sentences or labels
            sec = [p for p in sec if p in exempt or len(p) > 60 or is_sentence(p)]
        cleaned.extend(trim_lead(sec, exempt=exempt))
    out = collapse_repeats(cleaned)
    return dedupe(out, exempt | frozenset(p for p in out if _BRACKETED.match(p)))
