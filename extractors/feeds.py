"""Pure feed parsing: bytes in, :class:`ParsedFeed` out. No network, no I/O.

* RSS 0.9x / 1.0 / 2.0 and Atom go through feedparser, but only after we have
  - capped the input size,
  - decoded the bytes ourselves with ``extractors.decode.decode_html`` (BOM > HTTP charset >
    XML declaration > detection, each label verified; EUC-KR read as its superset CP949 so
    syllables like 똠/햏/뷁 survive), plus one feed rule: a Western single-byte HTTP charset
    (the common "ISO-8859-1" server default) never beats bytes that read as CP949/UTF-8,
  - removed the DOCTYPE and its internal subset (no entity expansion, no external entities),
  - handed feedparser a byte stream (never a URL or a path: feedparser would fetch or open it).
* Dates are parsed from the entry's raw string (``extractors.dates.parse_datetime``), because
  feedparser reads "KST" and zone-less dates as UTC. Zone-less and KST dates become +09:00;
  explicit offsets are kept.
* Google News RSS: outlet from ``<source>``, " - Outlet" title suffix stripped, publisher URL
  decoded offline from old-style article ids (``extractors.news_search.decode_google_news_url``).
* Naver News search API JSON: :func:`parse_naver_news`.

Size caps are the caller's (``max_bytes``; the flows pass FetchSettings.max_feed_bytes).
"""
from __future__ import annotations

import codecs
import io
import json
import re
from datetime import datetime, timezone
from html.entities import html5 as _HTML5_ENTITIES
from urllib.parse import urlsplit

import feedparser
from bs4 import BeautifulSoup
from bs4.exceptions import ParserRejectedMarkup

from .dates import parse_datetime
from .decode import charset_from_content_type, decode_html, sniff_declared_charset, strip_control_chars
from .models import FeedEntry, FeedParseError, ParsedFeed
from .news_search import GOOGLE_NEWS_HOST, decode_google_news_url, is_google_news_link
from .urls import http_url

__all__ = ["parse_feed", "parse_naver_news"]

# --------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------

# Single-byte Western labels decode any byte string "cleanly", so as an HTTP charset they prove
# nothing: Korean servers send "ISO-8859-1" by default on EUC-KR feeds.
_WEAK_LABELS = {"cp1252", "iso8859-1", "latin-1", "ascii"}
_MULTIBYTE = {"utf-8", "utf-16", "cp949", "johab", "big5", "big5hkscs", "gb18030", "gbk", "shift_jis", "cp932", "euc_jp"}


def _decode_xml(data: bytes, content_type: str | None) -> tuple[str, str, str | None]:
    """(text, encoding used, note or None).

    The decoding itself is ``extractors.decode.decode_html`` (BOM > HTTP charset > XML declaration
    > byte evidence > detection, each label verified by a strict decode, EUC-KR read as CP949).
    The feed-specific part: a Western single-byte HTTP charset is only trusted when the bytes do
    not read as a multi-byte encoding without it, and a label the bytes contradict becomes a note.
    """
    http = charset_from_content_type(content_type)
    declared = sniff_declared_charset(data)
    if http in _WEAK_LABELS and not data.isascii():
        text, enc = decode_html(data, None)
        if enc not in _MULTIBYTE:
            text, enc = decode_html(data, http)
    else:
        text, enc = decode_html(data, http)
    labels = [x for x in dict.fromkeys((http, declared)) if x]
    note = None
    if "\ufffd" in text:
        note = f"undecodable bytes replaced ({enc})"
    elif labels and enc not in labels and not data.isascii() and not data.startswith(
            (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        note = f"labelled {'/'.join(labels)} but the bytes are {enc}"
    return text, enc, note


# --------------------------------------------------------------------------------------------
# pre-parse clean-up: prolog / DOCTYPE / entities
# --------------------------------------------------------------------------------------------

_NAME_START = re.compile(r"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_HTML_ROOTS = {"html", "head", "body", "div", "p", "script", "meta", "title", "table", "span", "a", "br", "link", "style"}
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")


def _skip_doctype(text: str, i: int) -> int:
    """Index just past the DOCTYPE starting at ``i`` (internal subset, quotes and comments
    honoured), or -1 if it never ends."""
    n = len(text)
    j = i + len("<!DOCTYPE")
    depth = 0
    quote_char = ""
    while j < n:
        c = text[j]
        if quote_char:
            if c == quote_char:
                quote_char = ""
        elif c in "\"'":
            quote_char = c
        elif text.startswith("<!--", j):
            end = text.find("-->", j + 4)
            if end < 0:
                return -1
            j = end + 3
            continue
        elif c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        elif c == ">" and depth == 0:
            return j + 1
        j += 1
    return -1


def _split_prolog(text: str) -> tuple[str, str, str]:
    """Return (prolog without XML declaration and DOCTYPE, root element name, rest from root on).

    Raises FeedParseError(not_xml) when no root element can be found."""
    i = 0
    n = len(text)
    kept: list[str] = []
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise FeedParseError("not_xml", "no root element")
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                raise FeedParseError("not_xml", "unterminated processing instruction")
            if not text[i + 2:i + 6].lower().startswith("xml") or text[i + 5:i + 6] not in (" ", "\t", "\r", "\n", "?"):
                kept.append(text[i:end + 2])  # an xml-stylesheet PI and the like
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                raise FeedParseError("not_xml", "unterminated comment before the root element")
            i = end + 3
        elif text[i:i + 9].upper() == "<!DOCTYPE":
            end = _skip_doctype(text, i)
            if end < 0:
                raise FeedParseError("not_xml", "unterminated DOCTYPE")
            i = end
        elif text[i:i + 2] == "<!":
            # a stray <!ENTITY ...> or similar outside a DOCTYPE: drop it
            end = text.find(">", i)
            if end < 0:
                raise FeedParseError("not_xml", "unterminated declaration")
            i = end + 1
        else:
            m = _NAME_START.match(text, i)
            if not m:
                raise FeedParseError("not_xml", "content before the root element is not markup")
            return "".join(kept), m.group(1), text[i:]


def _numeric_entities(text: str) -> str:
    """HTML named entities (&nbsp; &middot; ...) are undefined in XML and would push feedparser
    into its loose parser; write them as character references instead."""
    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        chars = _HTML5_ENTITIES.get(name + ";")
        if chars is None:
            return m.group(0)
        return "".join(f"&#{ord(c)};" for c in chars)
    return _CHAR_REF.sub(_valid_char_ref, _ENTITY_REF.sub(repl, text))


_CHAR_REF = re.compile(r"&#(?:([0-9]{1,10})|[xX]([0-9A-Fa-f]{1,8}));")


def _valid_char_ref(m: re.Match) -> str:
    """A character reference to no character XML allows (NUL, a control, a lone surrogate, past U+10FFFF)
    is dropped: feedparser would crash on a surrogate or hand the control character on."""
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    if code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return m.group(0)
    return ""


_FEED_START = re.compile(r"<\?xml\s|<rss[\s>]|<feed[\s>]|<rdf:RDF[\s>]")


def _looks_binary(data: bytes) -> bool:
    """Control bytes (NUL included) all over the first 4 KB: a binary file. A stray one or two in a feed
    are dropped when it is decoded (they used to throw the whole feed away)."""
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False
    ctrl = sum(1 for b in head if b < 32 and b not in b"\t\r\n")
    return ctrl > max(8, len(head) // 50)


# --------------------------------------------------------------------------------------------
# text clean-up
# --------------------------------------------------------------------------------------------

_MARKUP = re.compile(r"<[A-Za-z!/?]|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
# after the first round, text that decoded to "<...>" is markup only if it names an HTML tag: "<AI 원팀>" is a
# Korean title in angle brackets, "<b>" is the publisher's markup escaped twice
_ESCAPED_MARKUP = re.compile(r"</?(?:a|b|br|center|div|em|font|h[1-6]|i|img|li|ol|p|span|strong|table|tbody|td|"
                             r"th|tr|u|ul|script|style|iframe|figure|figcaption)\b[^<>]*>|"
                             r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});", re.I)
_BLOCK_TAGS = ("br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6")
_WS = re.compile(r"\s+")


def _markup_to_text(text: str) -> str:
    """One round of HTML fragment -> text through BeautifulSoup (lenient with the broken markup feeds carry).
    Blocks and line breaks separate words; inline tags (Naver's <b> highlights) do not."""
    try:
        soup = BeautifulSoup(text, "html.parser")
    except ParserRejectedMarkup:        # markup the parser refuses outright: keep the text as it came
        return text
    for el in soup.find_all(("script", "style")):
        el.decompose()
    for el in soup.find_all(_BLOCK_TAGS):
        el.insert_before(" ")
        el.insert_after(" ")
    return soup.get_text()


def _clean_text(value: str | None) -> str:
    """Tags stripped, entities unescaped, whitespace collapsed.

    Markup escaped twice by the publisher ("&amp;lt;b&amp;gt;", seen in real Korean feeds) is
    unescaped and stripped again, up to three rounds."""
    if not value:
        return ""
    text = value
    for round_ in range(3):
        if not (_MARKUP if round_ == 0 else _ESCAPED_MARKUP).search(text):
            break
        text = _markup_to_text(text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return _WS.sub(" ", strip_control_chars(text)).strip()


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------

_EXPLICIT_ZONE = re.compile(r"(?:[+\-]\d{2}:?\d{2}|\b(?:GMT|UTC|UT|Z|[ECMP][SD]T)\b)\s*$")


def _entry_date(entry) -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)  # plain dict lookup: no feedparser updated->published aliasing
        if not raw:
            continue
        dt = parse_datetime(raw)
        if dt is not None:
            return dt
        # feedparser's tuple is UTC; it is right only when the string carried an explicit zone
        parsed = dict.get(entry, key + "_parsed")
        if parsed and _EXPLICIT_ZONE.search(raw) and "KST" not in raw.upper():
            try:
                return datetime(*parsed[:6], tzinfo=timezone.utc)
            except (TypeError, ValueError):
                pass
    return None


# --------------------------------------------------------------------------------------------
# RSS / Atom
# --------------------------------------------------------------------------------------------

def _check_size(data: bytes, max_bytes: int | None) -> None:
    if data is None or not data.strip():
        raise FeedParseError("empty", "no feed bytes")
    if max_bytes is not None and len(data) > max_bytes:
        raise FeedParseError("too_large", f"feed is {len(data):,} bytes, limit {max_bytes:,}")


def _prepare(data: bytes, content_type: str | None) -> tuple[bytes, str, str, str | None]:
    """Decoded, DOCTYPE-free UTF-8 bytes for feedparser: (bytes, root name, encoding, note)."""
    if _looks_binary(data):
        raise FeedParseError("not_xml", "binary data, not a feed")
    text, encoding, note = _decode_xml(data, content_type)
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedParseError("empty", "feed holds only whitespace")
    if text[0] in "{[":
        raise FeedParseError("not_xml", "JSON, not an RSS/Atom feed")
    if text[0] != "<":
        # some servers print a warning or a stray line before the feed: skip it if a feed follows
        m = _FEED_START.search(text, 0, 4096)
        if not m:
            raise FeedParseError("not_xml", "does not start with markup")
        note = "; ".join(filter(None, [note, f"skipped {m.start()} characters of junk before the feed"]))
        text = text[m.start():]
    prolog, root, rest = _split_prolog(text)
    local = root.rsplit(":", 1)[-1].lower()
    if local in _HTML_ROOTS:
        raise FeedParseError("not_xml", f"an HTML page (<{root}>), not a feed")
    if local not in _FEED_ROOTS:
        raise FeedParseError("not_a_feed", f"XML root <{root}> is not rss, feed or rdf:RDF")
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + prolog + _numeric_entities(rest)
    return body.encode("utf-8", "surrogatepass"), root, encoding, note


def _feedparser_warning(result) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    if isinstance(exc, feedparser.ThingsNobodyCaresAboutButMe):
        return None
    return f"recovered from malformed XML ({exc})" if exc else "recovered from malformed XML"


def parse_feed(data: bytes, *, feed_url: str, content_type: str | None = None,
               max_bytes: int | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes into a :class:`ParsedFeed`.

    Raises FeedParseError: ``empty``, ``too_large``, ``not_xml`` (HTML, JSON, binary, no markup),
    ``not_a_feed`` (XML without rss/feed/rdf root). Recoverable malformations give the entries
    found plus ``warning``.
    """
    _check_size(data, max_bytes)
    body, root, encoding, note = _prepare(data, content_type)

    headers = {"content-type": "application/xml; charset=utf-8"}
    if feed_url and urlsplit(feed_url).scheme in ("http", "https"):
        headers["content-location"] = feed_url
    # A stream, never bytes/str: feedparser treats a string as a URL or a file path.
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=headers)
    except Exception as exc:  # feedparser has a few crashes on corrupt input (e.g. a None <width>)
        raise FeedParseError("not_xml", f"malformed XML, the feed parser gave up: {exc!r}") from exc

    warnings: list[str] = []
    if note:
        warnings.append(note)
    fp_warning = _feedparser_warning(result)
    if fp_warning:
        warnings.append(fp_warning)

    is_google = (urlsplit(feed_url).hostname or "").lower() == GOOGLE_NEWS_HOST if feed_url else False
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for e in result.get("entries", []):
        url = http_url(e.get("link"), feed_url)
        if url is None:
            for link in e.get("links", []) or []:
                if link.get("rel", "alternate") == "alternate":
                    url = http_url(link.get("href"), feed_url)
                    if url:
                        break
        if url is None:
            skipped += 1
            continue
        guid = (e.get("id") or "").strip() or None

        outlet = None
        source = e.get("source") or {}
        if isinstance(source, dict) and source.get("title"):
            outlet = _clean_text(source.get("title")) or None
        title = _clean_text(e.get("title"))
        if outlet and title.endswith(" - " + outlet) and len(title) > len(outlet) + 3:
            title = title[: -(len(outlet) + 3)].rstrip()

        if is_google or is_google_news_link(url):
            decoded = decode_google_news_url(url)
            if decoded:
                url = decoded

        summary_raw = e.get("summary")
        if not summary_raw and e.get("content"):
            summary_raw = e["content"][0].get("value")
        summary = _clean_text(summary_raw)
        if outlet and summary and summary in (title, f"{title} {outlet}", _clean_text(e.get("title"))):
            summary = ""  # Google News: the description is only the headline and the outlet again
        if url in seen:
            duplicates += 1
            continue
        seen.add(url)
        entries.append(FeedEntry(
            url=url,
            title=title,
            summary=summary,
            published_at=_entry_date(e),
            guid=guid,
            outlet=outlet,
        ))

    if skipped:
        warnings.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} without a usable http(s) link skipped")
    if duplicates:
        warnings.append(f"{duplicates} duplicate link{'s' if duplicates != 1 else ''} dropped")

    version = result.get("version") or ""
    if not entries and not version and fp_warning:
        # the strict parser failed and the loose one found nothing feed-like
        raise FeedParseError("not_a_feed", f"no channel or feed element recognised ({fp_warning})")

    feed_title = _clean_text((result.get("feed") or {}).get("title")) or None
    return ParsedFeed(entries=entries, title=feed_title, encoding=encoding,
                      warning="; ".join(warnings) or None)


# --------------------------------------------------------------------------------------------
# Naver News search API
# --------------------------------------------------------------------------------------------

def parse_naver_news(data: bytes, *, feed_url: str, max_bytes: int | None = None) -> ParsedFeed:
    """Parse a Naver News search API response body.

    Raises FeedParseError: ``empty``, ``too_large``, ``not_json`` (bad JSON or not an object),
    ``api_error`` (``{"errorMessage": ..., "errorCode": ...}``), ``not_a_feed`` (no items list).
    """
    _check_size(data, max_bytes)
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedParseError("not_json", f"Naver response is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise FeedParseError("not_json", "Naver response is not a JSON object")
    if "errorCode" in obj or "errorMessage" in obj:
        code = obj.get("errorCode", "?")
        msg = obj.get("errorMessage", "")
        raise FeedParseError("api_error", f"Naver API error {code}: {msg}".rstrip(": "))
    items = obj.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not_a_feed", "Naver response has no items list")

    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        naver_link = http_url(item.get("link"), feed_url)
        url = http_url(item.get("originallink"), feed_url) or naver_link
        if url is None:
            skipped += 1
            continue
        if url in seen:
            duplicates += 1
            continue
        seen.add(url)
        entries.append(FeedEntry(
            url=url,
            title=_clean_text(item.get("title")),
            summary=_clean_text(item.get("description")),
            published_at=parse_datetime(item.get("pubDate")),
            guid=naver_link or url,
            outlet=None,
        ))
    warnings = []
    if skipped:
        warnings.append(f"{skipped} item{'s' if skipped != 1 else ''} without a usable http(s) link skipped")
    if duplicates:
        warnings.append(f"{duplicates} duplicate link{'s' if duplicates != 1 else ''} dropped")
    return ParsedFeed(entries=entries, title=None, encoding="utf-8", warning="; ".join(warnings) or None)
