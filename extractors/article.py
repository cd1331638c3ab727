"""Korean news article extraction: page bytes -> ``Article`` (clean body + metadata).

Pipeline (pure, no network):

1. guard the input: empty, binary, not HTML, larger than the caller's ``max_bytes`` -> ``ExtractionError(reason)``;
2. decode (``extractors.decode``: HTTP charset, BOM, meta, then detection; lying metas survive);
3. parse with lxml (its depth limit bounds deeply nested markup);
4. metadata (``extractors.metadata``);
5. body from the DOM: drop non-content tags and boilerplate containers (class/id words from
   ``rules/boilerplate.toml``, guarded so a container holding body text is never dropped), linearise into
   paragraphs (``<p>``, blocks and ``<br>`` runs), score containers by the running text they hold
   directly (readability-style), read the best one;
6. when the DOM has no body (JavaScript-rendered pages), recover it from JSON-LD ``articleBody``,
   Next.js flight data (``self.__next_f.push``), ``__NEXT_DATA__``; trafilatura is the last resort, and a
   second opinion when the pruned page holds paragraph text outside the container we read;
7. the text-level cleaner (``boilerplate.clean_paragraphs``): Korean boilerplate rules, the body pasted
   twice, blog footers.

``clean_text`` exposes step 7 for plain text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree, html as lxml_html

from .boilerplate import (clean_paragraphs, default_rules, is_body_paragraph, is_sentence, normalize_line,
                          rules_fingerprint, strip_affixes)
from .decode import decode_html
from .metadata import PageData, collect_page_data, extract_metadata, find_authors
from .models import Article, ExtractionError
from .outlets import Layout, load_outlets
from .urls import host_of

__all__ = ["EXTRACTOR_VERSION", "extract_article", "clean_text"]

EXTRACTOR_VERSION = "ko-2025.3"
MIN_BODY_CHARS = 40                  # shorter bodies are "no_article"
SECOND_OPINION_MARGIN = 0.3          # trafilatura's body replaces ours when it is this much longer (+ 50 chars)
PARAGRAPH_MIN_CHARS = 25             # a line this long outside our body container may be body text that the
                                     # second opinion would add (see extract_article)
SLOW_PATH_MAX_CHARS = 1_500_000      # bigger pages skip htmldate's date search and trafilatura's second
                                     # opinion (both cost seconds to minutes there)

_INLINE = frozenset("""a abbr acronym b bdi bdo big cite code data dfn em font i kbd mark q rp rt ruby s samp small
span strike strong sub sup time tt u var wbr label nobr ins del img picture source amp-img""".split())
_PARA_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li blockquote pre dd dt figcaption caption".split())
_POSITIVE = re.compile(r"(?<![a-z])(?:article|content|body|text|view|news|story|entry|post|read|dic_area|main|cont|txt|detail)(?![a-z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf",
                 b"\x00\x00\x01\x00", b"RIFF", b"OggS", b"ID3", b"\x7fELF", b"MZ", b"wOFF", b"wOF2")
_HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|div|p|article|meta|title|span|table|br|section|main|script)\b", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_NEXT_PUSH = re.compile(r"self\.__next_f\.push\(\[\s*1\s*,\s*(\"(?:[^\"\\]|\\.)*\")\s*\]\)", re.S)
_FLIGHT_T = re.compile(r"(?:^|\n|\})([0-9a-fA-F]{1,6}):T([0-9a-fA-F]{1,8}),")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_VISIBLE_TEXT = etree.XPath("//body//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)
_BYLINE_HINT = re.compile(r"기자|특파원|칼럼니스트|@")


# ------------------------------------------------------------------------------------------ input guards

def _guard(data, max_bytes: int | None) -> bytes:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ExtractionError("not_html", f"expected page bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise ExtractionError("empty", "the page is empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise ExtractionError("too_large", f"the page is {len(data):,} bytes; the cap is {max_bytes:,}")
    head = data[:4096]
    if head.startswith(_BINARY_MAGIC):
        raise ExtractionError("binary", "the bytes are a binary file (image, archive, PDF...), not a page")
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # control bytes all over: binary. A stray NUL or two are dropped when the page is decoded (they
        # used to throw the whole article away)
        ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
        if ctrl > max(8, len(head) * 0.05):
            raise ExtractionError("binary", "the bytes hold control characters: a binary file, not a page")
    return data


def _parse(text: str):
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
    try:
        return lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("no_article", f"the page could not be parsed: {exc}") from None


# ------------------------------------------------------------------------------------------ DOM body

@dataclass(slots=True)
class _Rec:
    text: str
    owner: object
    link_chars: int
    tag: str


def _class_id(el) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


_LONG_RUNS = etree.XPath("count(.//text()[string-length(normalize-space(.)) >= 60])")


def _long_runs(el, limit: int) -> int:
    """How many long text runs an element holds (body text, not widget labels); counted in C."""
    return min(limit, int(_LONG_RUNS(el)))


_BYLINE_CLASS = re.compile(r"byline|journalist|reporter|writer|author")


def _prune(root, extra_drop: tuple = (), bylines: list[str] | None = None) -> None:
    """Drop non-content tags and boilerplate containers in place (``extra_drop``: compiled selectors of the
    outlet's layout). Texts of byline-like containers are appended to ``bylines`` (they name the authors)
    before they go."""
    rules = default_rules()
    drop_tags = set(rules.dom_drop_tags)
    doomed = []
    for xp in extra_drop:
        doomed.extend(xp(root))
    stack = list(root)
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str):
            doomed.append(el)
            continue
        tag = tag.lower()
        if tag in drop_tags:
            doomed.append(el)
            continue
        style = el.get("style")
        if (style and _HIDDEN_STYLE.search(style)) or el.get("hidden") is not None or el.get("aria-hidden") == "true":
            if _long_runs(el, 2) < 2:
                doomed.append(el)
                continue
        ci = _class_id(el)
        if len(ci) > 1:
            positive = bool(_POSITIVE.search(ci))
            if bylines is not None and len(bylines) < 20 and _BYLINE_CLASS.search(ci):
                bt = normalize_line("".join(el.itertext()))
                if 2 <= len(bt) <= 120:
                    bylines.append(bt)
            if rules.dom_strong.search(ci):
                if _long_runs(el, 5) < (2 if positive else 5):
                    doomed.append(el)
                    continue
            elif rules.dom_weak.search(ci) and not positive:
                if _long_runs(el, 3) < 3:
                    doomed.append(el)
                    continue
        stack.extend(el)       # only the children of kept elements are looked at
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        try:
            el.drop_tree()       # keeps the tail text
        except (AssertionError, ValueError, TypeError):
            parent.remove(el)


def _linearize(root) -> list[_Rec]:
    """Document order walk without recursion: text runs split at block boundaries and <br>."""
    recs: list[_Rec] = []
    buf: list[str] = []
    link = [0]
    blocks = [root]
    in_link = 0

    def flush():
        if buf:
            text = normalize_line("".join(buf))
            if text:
                owner = blocks[-1]
                recs.append(_Rec(text, owner, min(link[0], len(text)), owner.tag if isinstance(owner.tag, str) else ""))
            buf.clear()
        link[0] = 0

    stack = [(root, False)]
    while stack:
        el, leaving = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if leaving:
            if tag == "a":
                in_link -= 1
            if tag and tag not in _INLINE:
                flush()
                blocks.pop()
            if el is not root and el.tail:
                buf.append(el.tail)
                if in_link:
                    link[0] += len(el.tail)
            continue
        if not tag:
            if el.tail:
                buf.append(el.tail)
            continue
        if tag == "br" or tag == "hr":
            flush()
            if el.tail:
                buf.append(el.tail)
            continue
        if tag not in _INLINE:
            flush()
            blocks.append(el)
        elif tag == "a":
            in_link += 1
        if el.text:
            buf.append(el.text)
            if in_link:
                link[0] += len(el.text)
        stack.append((el, True))
        for child in reversed(el):
            stack.append((child, False))
    flush()
    return recs


def _good(rec: _Rec) -> bool:
    n = len(rec.text)
    return n >= 25 and rec.link_chars <= 0.5 * n and rec.tag not in ("h1", "option", "title")


def _weight(rec: _Rec) -> float:
    n = len(rec.text)
    w = float(n)
    if is_sentence(rec.text):
        w *= 1.5
    w += 10 * rec.text.count("다. ")
    return w


def _best_container(recs: list[_Rec]):
    per_owner: dict = {}
    for r in recs:
        per_owner[r.owner] = per_owner.get(r.owner, 0) + 1
    scores: dict = {}
    for r in recs:
        if not _good(r):
            continue
        w = _weight(r)
        owner = r.owner
        para_like = r.tag in _PARA_TAGS or per_owner[owner] == 1
        first = owner.getparent() if para_like else owner
        if first is None:
            first = owner
        scores[first] = scores.get(first, 0.0) + w
        second = first.getparent()
        if second is not None:
            scores[second] = scores.get(second, 0.0) + 0.5 * w
    if not scores:
        return None, 0.0
    best = max(scores, key=scores.get)
    return best, scores[best]


def _region(recs: list[_Rec], best) -> list[_Rec]:
    inside = set(best.iter())
    out = []
    for r in recs:
        if r.owner not in inside:
            continue
        n = len(r.text)
        if r.link_chars > 0.5 * n and not (n >= 150 and is_sentence(r.text)):
            continue        # link lists, "more" buttons
        out.append(r)
    return out


@dataclass(slots=True)
class _DomBody:
    paragraphs: list[str]      # the best container's lines
    all_lines: list[str]       # every line of the pruned page
    chars_elsewhere: int       # characters of paragraph-length lines outside the container


def _dom_body(tree, layout: Layout | None, bylines: list[str]) -> _DomBody:
    body = tree.find(".//body")
    root = body if body is not None else tree
    _prune(root, layout.drop_xpaths if layout else (), bylines)
    recs = _linearize(root)
    allrecs = [r.text for r in recs]
    best = None
    if layout is not None and layout.body_xpath is not None:
        found = layout.body_xpath(root)
        best = found[0] if found else None
    if best is None:
        best, _ = _best_container(recs)
    region = _region(recs, best) if best is not None else []
    taken = {id(r) for r in region}
    elsewhere = sum(len(r.text) for r in recs if id(r) not in taken and len(r.text) >= PARAGRAPH_MIN_CHARS)
    return _DomBody([r.text for r in region], allrecs, elsewhere)


# ------------------------------------------------------------------------------------------ JS-rendered bodies

def _html_fragment_paragraphs(fragment: str) -> list[str]:
    if "<" not in fragment:
        return [line for line in fragment.splitlines() if line.strip()]
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [line for line in re.sub(r"<[^>]+>", "\n", fragment).splitlines() if line.strip()]
    _prune(root)
    return [r.text for r in _linearize(root) if r.link_chars <= 0.5 * len(r.text)]


def _hangul_count(s: str) -> int:
    return len(_HANGUL.findall(s))


def _flight_body(raw_html: str) -> list[str]:
    """Next.js app-router pages stream their data as ``self.__next_f.push([1,"..."])``; long text/HTML
    values sit in ``<id>:T<hexlen>,<text>`` rows of that stream."""
    if "__next_f" not in raw_html:
        return []
    parts = []
    for m in _NEXT_PUSH.finditer(raw_html):
        try:
            parts.append(json.loads(m.group(1)))
        except ValueError:
            continue
    flight = "".join(parts)
    best = ""
    for m in _FLIGHT_T.finditer(flight):
        n = int(m.group(2), 16)
        chunk = flight[m.end():m.end() + n]
        enc = chunk.encode("utf-8")
        if len(enc) > n:                               # the length counts UTF-8 bytes
            chunk = enc[:n].decode("utf-8", "ignore")
        if _hangul_count(chunk) > _hangul_count(best):
            best = chunk
    if not best:
        # no text rows: look for an HTML/text body inside the JSON of the stream
        best = _best_json_string(_json_objects_in(flight))
    return _html_fragment_paragraphs(best) if best else []


def _json_objects_in(text: str) -> list:
    out = []
    for m in re.finditer(r'"(?:%s)"\s*:\s*("(?:[^"\\]|\\.){200,}")' % "|".join(default_rules().json_body_keys), text):
        try:
            out.append(json.loads(m.group(1)))
        except ValueError:
            continue
    return out


def _best_json_string(values) -> str:
    best = ""
    for v in values:
        if isinstance(v, str) and _hangul_count(v) > _hangul_count(best):
            best = v
    return best


def _walk_json_bodies(data, keys: tuple[str, ...], limit: int = 200_000) -> list[str]:
    found = []
    stack = [data]
    seen = 0
    keyset = {k.lower() for k in keys}
    while stack and seen < limit:
        d = stack.pop()
        seen += 1
        if isinstance(d, dict):
            for k, v in d.items():
                if isinstance(v, str):
                    if k.lower() in keyset and len(v) >= 200:
                        found.append(v)
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(d, list):
            stack.extend(x for x in d if isinstance(x, (dict, list)))
    return found


_NEXT_DATA = re.compile(r"<script[^>]*\bid=[\"']__NEXT_DATA__[\"'][^>]*>(.*?)</script>", re.S | re.I)


def _next_data_body(raw_html: str) -> list[str]:
    """Next.js pages-router pages carry their props as JSON in ``<script id="__NEXT_DATA__">``."""
    m = _NEXT_DATA.search(raw_html)
    if not m:
        return []
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return []
    best = _best_json_string(_walk_json_bodies(data, default_rules().json_body_keys))
    return _html_fragment_paragraphs(best) if best else []


def _jsonld_body(pd: PageData) -> list[str]:
    from .metadata import jsonld_articles
    best = ""
    for art in jsonld_articles(pd):
        b = art.get("articleBody") or art.get("text")
        if isinstance(b, str) and len(b) > len(best):
            best = b
    if not best:
        return []
    return _html_fragment_paragraphs(best) if re.search(r"<(?:p|br|div)\b", best, re.I) else \
        [line for line in best.splitlines() if line.strip()]


def _trafilatura_body(text: str, url: str) -> list[str]:
    try:
        import trafilatura
        # deduplicate=False: trafilatura's dedup cache is process-wide, so a second page sharing paragraphs
        # (a syndicated story, a re-extraction) would lose them; clean_paragraphs dedupes within the page
        out = trafilatura.extract(text, url=url, include_comments=False, include_tables=False,
                                  deduplicate=False, favor_recall=True)
    except Exception:  # the fallback must never turn into an unhandled error
        return []
    return [line for line in (out or "").splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------ public API

def clean_text(text: str) -> str:
    """The text-level cleaner on plain text: boilerplate rules, body pasted twice, blog footers.
    Paragraphs come out separated by a blank line."""
    if not text:
        return ""
    outlets = tuple(load_outlets().domains.values())
    paras = clean_paragraphs(text.splitlines(), drop_lines=outlets)
    return "\n\n".join(paras)


def _chars(paras: list[str]) -> int:
    return sum(len(p) for p in paras)


def _covers(bigger: list[str], smaller: list[str], share: float = 0.8) -> bool:
    """Whether ``bigger`` holds (nearly) all of ``smaller``'s word 4-grams."""
    def grams(paras: list[str]) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", " ".join(paras).lower())
        return {tuple(words[i:i + 4]) for i in range(max(0, len(words) - 3))}
    small = grams(smaller)
    return bool(small) and len(small & grams(bigger)) >= share * len(small)


def _loose(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


_DATELINE = re.compile(r"^\s*[\[(【〔]\s*[^\])】〕]{0,40}?(?:기자|특파원)\s*[\])】〕]?\s*=?|"
                       r"^\s*\([^()]{1,20}\)\s*[가-힣]{2,4}\s*(?:기자|특파원)\s*=")


def _byline_tiers(dom_paras: list[str], boxes: list[str], all_lines: list[str]) -> list[list[str]]:
    """Where the reporter is named, best first; the first tier that yields a name wins. Body sentences
    that merely mention a "칼럼니스트" or "기자" are not bylines."""
    def short(lines):
        return [line for line in lines if len(line) <= 90 and _BYLINE_HINT.search(line) and not is_sentence(line)]
    datelines = []
    for p in dom_paras[:6]:
        m = _DATELINE.match(p)
        if m:
            datelines.append(m.group(0))
    tiers = [short(dom_paras), datelines, boxes, short(all_lines)[:3]]
    return [t for t in tiers if t]


def extract_article(data: bytes, *, url: str, http_charset: str | None = None,
                    published_hint: datetime | None = None, max_bytes: int | None = None) -> Article:
    """Page bytes -> Article. Raises ``ExtractionError`` with reason empty / binary / not_html /
    too_large / no_article.

    ``max_bytes`` is the caller's size cap (the flows and the CLI pass FetchSettings.max_page_bytes, the one
    place it is set); larger pages fail fast with reason too_large before any parsing.

    ``published_hint`` is a date from outside the page (the feed item's). The page's own dates (JSON-LD,
    meta tags, labelled stamps, the URL) still win over it, but htmldate's guess does not: its heuristics
    can read a footer's "Copyright Since 1996" as the date, and a feed's date is better evidence. With a
    hint and no date of the page's own, ``published_at`` stays None for the caller to fill."""
    data = _guard(data, max_bytes)
    text, _encoding = decode_html(data, http_charset)
    if not _HTML_HINT.search(text[:200_000]):
        raise ExtractionError("not_html", "the bytes decode to text without HTML markup")
    tree = _parse(text)
    pd = collect_page_data(tree)
    host = host_of(url)
    outlets = load_outlets()

    visible = " ".join(_VISIBLE_TEXT(tree)[:20000])
    # metadata first: the body step below prunes the tree (dates and bylines often sit in pruned boxes)
    meta = extract_metadata(tree, pd, url, visible, visible[:5000],
                            allow_slow=published_hint is None and len(text) < SLOW_PATH_MAX_CHARS)
    layout = outlets.layout_for(host, meta.published_at) if host else None

    byline_boxes: list[str] = []
    dom = _dom_body(tree, layout, byline_boxes)
    dom_paras, all_lines = dom.paragraphs, dom.all_lines
    byline_tiers = _byline_tiers(dom_paras, byline_boxes, all_lines)

    title = meta.title
    if layout and layout.title_from == "first_body_line":
        for p in dom_paras:                 # only lines before the first body paragraph qualify
            if is_body_paragraph(p):
                break
            if 4 <= len(p) <= 120 and not _BYLINE_HINT.search(p):
                title = p
                break

    drop = tuple(n for n in meta.site_names if n) + tuple(outlets.domains.values())
    body = clean_paragraphs(dom_paras, title=title, drop_lines=drop)

    # JavaScript-rendered pages: the DOM holds no (or only a stub of the) body
    if _chars(body) < 400:
        for source in (lambda: _jsonld_body(pd), lambda: _flight_body(text), lambda: _next_data_body(text)):
            paras = source()
            if not paras:
                continue
            cand = clean_paragraphs(paras, title=title, drop_lines=drop)
            if _chars(cand) > max(1.3 * _chars(body), _chars(body) + 200):
                body = cand
                break

    # a cheap sanity check: the page's own description should open the body we found (compared without
    # the dateline byline that portals keep in the description and the cleaner strips from the body)
    desc = _loose(strip_affixes(meta.description or ""))[:20]
    suspicious = len(desc) >= 15 and desc in _loose(visible) and desc not in _loose(" ".join(body))
    # trafilatura as a second opinion: when the DOM gave too little, disagreed with the description, or
    # found only part of what trafilatura finds — a body split across sibling containers on a layout the
    # container scoring has not seen. To win that last way its body must be 1.3x ours + 50 characters, so
    # it is not asked (it is ~40% of a page's extraction and scoring time) when the pruned page holds
    # fewer paragraph-length characters outside our container than that margin
    # (nor on giant pages: trafilatura's time grows faster than the page — a minute at a few MB)
    could_add = _chars(body) < 200 or suspicious or dom.chars_elsewhere > SECOND_OPINION_MARGIN * _chars(body) + 50
    cand = clean_paragraphs(_trafilatura_body(text, url), title=title, drop_lines=drop) \
        if could_add and len(text) < SLOW_PATH_MAX_CHARS else []
    if (_chars(body) < 200 or suspicious) and (
            (suspicious and desc in _loose(" ".join(cand))) or _chars(cand) > 1.5 * _chars(body) + 100):
        body = cand
    elif _chars(cand) > (1 + SECOND_OPINION_MARGIN) * _chars(body) + 50 and _covers(cand, body):
        body = cand

    if _chars(body) < MIN_BODY_CHARS:
        raise ExtractionError("no_article", "no article body found on the page")

    authors = find_authors(pd, meta.outlet, byline_tiers[0] if byline_tiers else [])
    for tier in byline_tiers[1:]:
        if authors:
            break
        authors = find_authors(pd, meta.outlet, tier)
    return Article(
        url=url,
        canonical_url=meta.canonical_url,
        outlet=meta.outlet,
        title=title,
        authors=authors,
        published_at=meta.published_at,
        language=meta.language,
        body="\n\n".join(body),
        extractor_version=f"{EXTRACTOR_VERSION}+{rules_fingerprint()}",
    )
