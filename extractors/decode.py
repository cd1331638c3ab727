"""Bytes -> text for HTML pages and XML feeds, robust to the ways Korean pages get their charset wrong.

Order of evidence:

1. a byte-order mark (UTF-8 / UTF-16) — unambiguous, wins over everything;
2. the declared charsets: the HTTP ``Content-Type`` charset, then ``<meta charset>`` /
   ``<meta http-equiv=Content-Type>`` / ``<?xml encoding=...?>`` — each is *verified* by a strict decode;
3. byte-level evidence: valid multi-byte UTF-8 is UTF-8 whatever a tag claims (a UTF-8 page whose meta
   says EUC-KR), and bytes that are not UTF-8 but are clean CP949 are CP949 (an EUC-KR page whose meta
   says UTF-8);
4. statistical detection (charset-normalizer) on a bounded prefix;
5. UTF-8 with replacement characters, so the caller always gets text.

EUC-KR, KS_C_5601-1987, UHC and windows-949 labels are all decoded as CP949, the superset Korean
Windows pages really use (it holds syllables such as 똠 and 햏 that strict EUC-KR lacks).
"""
from __future__ import annotations

import codecs
import re

__all__ = ["charset_from_content_type", "decode_html", "normalize_charset", "sniff_declared_charset",
           "strip_control_chars"]

_SNIFF_BYTES = 4096            # where <meta charset> / <?xml encoding?> must appear (HTML spec: 1024; be lenient)
_DETECT_BYTES = 200_000        # charset-normalizer looks at this much at most (bounded time on huge pages)

# labels people write -> the Python codec we decode with
_ALIASES = {
    "euc-kr": "cp949", "euckr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "ksc5601": "cp949", "ksc_5601": "cp949", "korean": "cp949", "windows-949": "cp949", "x-windows-949": "cp949",
    "ms949": "cp949", "uhc": "cp949", "cp949": "cp949", "x-uhc": "cp949", "iso-ir-149": "cp949", "csksc56011987": "cp949",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "windows-1252": "cp1252",  # browsers treat these labels as windows-1252
}

_META_RE = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_XML_RE = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_HIGH = re.compile(rb"[\x80-\xff]")


def normalize_charset(label: str | None) -> str | None:
    """A charset label as written in headers/tags -> Python codec name, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of an HTTP Content-Type header, as a codec name (None: absent or unknown)."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return normalize_charset(value)
    return None


def sniff_declared_charset(data: bytes) -> str | None:
    """The charset declared inside the document (XML declaration first, then meta), as a codec name."""
    head = data[:_SNIFF_BYTES]
    for rx in (_XML_RE, _META_RE):
        m = rx.search(head)
        if m:
            enc = normalize_charset(m.group(1).decode("ascii", "ignore"))
            if enc:
                return enc
    return None


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _bom(data: bytes) -> tuple[str, int] | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 0          # the utf-16 codec consumes the BOM itself
    return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a handful of broken bytes (a truncated page, one bad paste) — still UTF-8."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    if bad and bad <= max(2, len(text) // 2000) and len(_HIGH.findall(data[:_DETECT_BYTES])) > 20 * bad:
        return text
    return None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import (
        from_bytes,  # imported when needed: most pages never get this far
    )
    best = from_bytes(data[:_DETECT_BYTES]).best()
    if best is None:
        return None
    return normalize_charset(best.encoding)


# C0 controls but tab / newline / carriage return, DEL, and lone surrogates: never text, and NUL or a lone
# surrogate breaks every consumer downstream (XML, DuckDB strings, JSON, terminals)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def strip_control_chars(text: str) -> str:
    """``text`` without control characters (tab, newline and CR stay) and without lone surrogates."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page or feed bytes. Returns ``(text, encoding_used)``; never raises on bad bytes. The text
    holds no control characters but tab, newline and CR (``strip_control_chars``)."""
    text, enc = _decode(data, http_charset)
    return strip_control_chars(text), enc


def _decode(data: bytes, http_charset: str | None) -> tuple[str, str]:
    if not data:
        return "", "utf-8"
    bom = _bom(data)
    if bom:
        enc, skip = bom
        return data[skip:].decode(enc, "replace"), enc

    declared: list[str] = []
    for label in (normalize_charset(http_charset), sniff_declared_charset(data)):
        if label and label not in declared:
            declared.append(label)

    if not _HIGH.search(data):           # pure ASCII: every ASCII-compatible label agrees
        enc = declared[0] if declared and declared[0] not in ("utf-16", "utf-32") else "utf-8"
        return data.decode("ascii", "replace"), enc if enc != "cp1252" else "ascii"

    # Valid multi-byte UTF-8 is a very strong signal: legacy Korean bytes almost never form it by chance.
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"

    # Declared legacy charsets, verified strictly (a meta that says UTF-8 on EUC-KR bytes fails above).
    for enc in declared:
        if enc in ("utf-8", "utf-16", "utf-32"):
            continue
        text = _strict(data, enc)
        if text is not None:
            return text, enc

    # Korean first: CP949 that decodes cleanly and contains Hangul.
    text = _strict(data, "cp949")
    if text is not None and re.search("[\uac00-\ud7a3]", text):
        return text, "cp949"

    text = _mostly_utf8(data)
    if text is not None:
        return text, "utf-8"

    enc = _detect(data)
    if enc:
        try:
            return data.decode(enc, "replace"), enc
        except LookupError:
            pass
    for enc in declared:
        try:
            return data.decode(enc, "replace"), enc
        except LookupError:
            continue
    # A legacy Korean page with a few broken bytes still reads best as CP949 when most pairs are valid.
    cp = data.decode("cp949", "replace")
    utf = data.decode("utf-8", "replace")
    if cp.count("\ufffd") < utf.count("\ufffd"):
        return cp, "cp949"
    return utf, "utf-8"
