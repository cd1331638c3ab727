"""Issue 14: property-based fuzzing (hypothesis) of the parsers that read what strangers send us — the feed
parser, the page extractor, the text cleaner and the date parser. For any input: no unhandled exception
(FeedParseError / ExtractionError are the typed answers), bounded time (hypothesis' deadline), and text that is
valid Unicode without NUL or control characters. Inputs are random bytes, markup-shaped text, and the demo
corpus's own feeds and pages with random edits.

The suite runs the 'ci' profile (25 fixed, derandomized examples per property, tests/conftest.py);
`RADAR_FUZZ=long uv run pytest tests/test_fuzz_parsers.py` runs the long profile (3,000 random examples per
property, failures kept in .hypothesis/). Inputs that broke a parser live in tests/fixtures/fuzz/ and run on
every suite (test_regression_corpus)."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.article import clean_text, extract_article
from extractors.boilerplate import MAX_LINES
from extractors.dates import find_dates, parse_datetime, parse_published, resolve_date
from extractors.feeds import parse_feed, parse_naver_news
from extractors.models import ExtractionError, FeedParseError
from radar.demo_server import fill_base_url, load_manifest

CORPUS = Path(__file__).resolve().parent / "fixtures" / "fuzz"
BASE = "http://127.0.0.1:8000"
MANIFEST = load_manifest()
FEEDS = [fill_base_url((MANIFEST.root / f.file).read_bytes(), BASE) for f in MANIFEST.feeds]
PAGES = [MANIFEST.page_bytes(p, BASE) for p in MANIFEST.pages]

# pieces of feeds, pages and Korean news text that steer random input into the parsers' corners
PIECES = [
    '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="euc-kr"?>', '<rss version="2.0">',
    "<channel>", "<item>", "</item>", "<title>", "</title>", "<link>", "</link>", "<pubDate>", "</pubDate>",
    "<description>", "</description>", "<guid>", '<feed xmlns="http://www.w3.org/2005/Atom">', "<entry>",
    '<link href="', '"/>', "<![CDATA[", "]]>", "&amp;", "&nbsp;", "&bogus;", "&#0;", "&#1;", "&#xD800;",
    "&#x110000;", "&#12593;", '<!DOCTYPE rss [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', "&b;",
    "<html>", "<body>", '<div class="article_body">', "<p>", "</p>", "<br>", "<script>", "</script>",
    '<meta charset="euc-kr">', '<meta property="article:published_time" content="', "<table><tr><td>",
    "\x00", "\x1b", "\ufeff", "\u202e", "\u200b", "\ud7a3", " ", "\n", "가온전자", "누리대", "AI 동맹", "업무협약",
    "기자", "hong@example.com", "저작권자 © 테크프레스 무단전재 및 재배포 금지", "▶ 관련기사", "[앵커]",
    "2026년 11월 3일 오후 3:10", "Tue, 03 Nov 2026 15:10:00 KST", "2026-11-03T15:10:00+09:00", "1762150200",
    "지난달 27일", "내년 상반기", "http://127.0.0.1:8000/news/1", "javascript:alert(1)", "http://[::1",
]
markup = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=80).map("".join)
ENCODINGS = ["utf-8", "euc-kr", "utf-16", "cp1252"]


@st.composite
def encoded(draw, text_strategy=markup) -> bytes:
    text, enc = draw(text_strategy), draw(st.sampled_from(ENCODINGS))
    return text.encode(enc, "surrogatepass" if enc.startswith("utf") else "replace")


@st.composite
def edited(draw, seeds: list[bytes]) -> bytes:
    """A real feed or page with a few random edits (insertions, deletions, overwrites)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        blob = draw(st.one_of(st.binary(max_size=12), st.sampled_from(PIECES).map(
            lambda s: s.encode("utf-8", "surrogatepass"))))
        match draw(st.sampled_from(["insert", "delete", "overwrite"])):
            case "insert":
                data[pos:pos] = blob
            case "delete":
                del data[pos:pos + draw(st.integers(1, 400))]
            case "overwrite":
                data[pos:pos + len(blob)] = blob
    return bytes(data)


feed_bytes = st.one_of(st.binary(max_size=3000), encoded(), edited(FEEDS))
page_bytes = st.one_of(st.binary(max_size=3000), encoded(), edited(PAGES))
CONTENT_TYPES = [None, "application/rss+xml", "text/xml; charset=euc-kr", "text/html; charset=iso-8859-1",
                 "text/xml; charset=no-such-charset", "application/json"]
DATE_WORDS = ["년", "월", "일", "오전", "오후", "시", "분", " ", ".", "-", "/", ":", "T", "Z", "+09:00", "KST", "GMT",
              "Tue,", "Nov", "지난달", "어제", "내년", "상반기", "말", "1", "3", "12", "13", "31", "32", "2026", "1899",
              "9999", "99999999999999999999", "1762150200", "1762150200000", "２０２６"]
date_text = st.one_of(st.lists(st.sampled_from(DATE_WORDS), max_size=20).map("".join), st.text(max_size=60))
published = st.one_of(st.none(), st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                              timezones=st.just(timezone.utc)),
                      st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)))

_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def assert_clean(value, where: str) -> None:
    """Valid Unicode (no lone surrogate), no NUL, no control character but tab / newline / CR."""
    if value is None:
        return
    assert isinstance(value, str), where
    bad = _BAD_TEXT.search(value)
    assert bad is None, f"{where} holds {bad.group(0)!r}: {value[:200]!r}"
    value.encode("utf-8")


def check_feed(data: bytes, content_type: str | None = None):
    try:
        parsed = parse_feed(data, feed_url=BASE + "/feed.xml", content_type=content_type, max_bytes=5_000_000)
    except FeedParseError as exc:
        assert_clean(str(exc), "error")
        return None
    assert_clean(parsed.title, "feed title")
    assert_clean(parsed.warning, "warning")
    for entry in parsed.entries:
        for name in ("url", "title", "summary", "guid", "outlet"):
            assert_clean(getattr(entry, name), f"entry {name}")
        assert entry.url.startswith(("http://", "https://"))
    return parsed


def check_page(data: bytes):
    try:
        article = extract_article(data, url=BASE + "/news/1")
    except ExtractionError as exc:
        assert exc.reason in ("empty", "binary", "not_html", "too_large", "no_article")
        return None
    for name in ("title", "body", "outlet", "canonical_url", "language", "url"):
        assert_clean(getattr(article, name), f"article {name}")
    for author in article.authors:
        assert_clean(author, "author")
    assert article.body
    return article


@settings(deadline=5000)
@given(feed_bytes, st.sampled_from(CONTENT_TYPES))
def test_feed_parser_never_crashes(data, content_type):
    check_feed(data, content_type)


@settings(deadline=5000)
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=400).map(str.encode),
                 st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=40)),
                              lambda kids: st.one_of(st.lists(kids, max_size=5),
                                                     st.dictionaries(st.sampled_from(
                                                         ["items", "title", "link", "originallink", "description",
                                                          "pubDate", "errorCode", "errorMessage"]), kids, max_size=6)),
                              max_leaves=20).map(lambda v: __import__("json").dumps(v).encode())))
def test_naver_api_parser_never_crashes(data):
    try:
        parsed = parse_naver_news(data, feed_url="https://openapi.naver.com/v1/search/news.json")
    except FeedParseError:
        return
    for entry in parsed.entries:
        assert_clean(entry.title, "title")
        assert_clean(entry.url, "url")


@settings(deadline=15000)
@given(page_bytes)
def test_page_extractor_never_crashes(data):
    check_page(data)


@settings(deadline=3000)
@given(st.one_of(markup, st.text(max_size=500)))
def test_text_cleaner_never_crashes(text):
    assert_clean(clean_text(text), "clean_text")


@settings(deadline=2000)
@given(date_text, published)
def test_date_parser_never_crashes(text, when):
    for value in (parse_datetime(text), parse_datetime(text, in_text=True), parse_datetime(text, zoneless=None)):
        assert value is None or isinstance(value, datetime)
        if value is not None and value.tzinfo is not None:
            value.utcoffset()
    found = find_dates(text, when)
    assert all(isinstance(m.value, date) for m in found if getattr(m, "value", None) is not None)
    resolved = resolve_date(text, when)
    assert resolved is None or isinstance(resolved, date)
    parse_published(text)


# --- the regression corpus: inputs the fuzzer found -------------------------------------------------------

def corpus(prefix: str) -> list[Path]:
    return sorted(CORPUS.glob(f"{prefix}-*"))


@pytest.mark.parametrize("path", corpus("feed"), ids=lambda p: p.name)
def test_regression_corpus_feeds(path):
    parsed = check_feed(path.read_bytes())
    assert parsed is not None and parsed.entries, "a stray bad character must not throw the whole feed away"


@pytest.mark.parametrize("path", corpus("page"), ids=lambda p: p.name)
def test_regression_corpus_pages(path):
    article = check_page(path.read_bytes())
    assert article is not None and "가온전자와 누리대가" in article.body


@pytest.mark.parametrize("path", corpus("text"), ids=lambda p: p.name)
def test_regression_corpus_text(path):
    out = clean_text(path.read_text(encoding="utf-8"))
    assert_clean(out, "clean_text")
    assert "가온전자와 누리대가" in out


def test_regression_corpus_specifics():
    euckr = check_feed((CORPUS / "feed-euckr-title-nul.xml").read_bytes())
    assert [e.title for e in euckr.entries] == ["가온전자누리대 AI 동맹 결성", "누리대 연구소 개소"]
    link = check_feed((CORPUS / "feed-link-nul.xml").read_bytes())
    assert [e.url for e in link.entries] == ["http://127.0.0.1:8000/news/1?x=1"]
    refs = check_feed((CORPUS / "feed-charref-controls.xml").read_bytes())
    assert (refs.title, refs.entries[0].title, refs.entries[0].summary) == ("피드", "동맹결성", "협약체결")
    surrogate = check_feed((CORPUS / "feed-charref-surrogate-link.xml").read_bytes())
    assert [e.url for e in surrogate.entries] == ["http://127.0.0.1:8000/news/1", "http://127.0.0.1:8000/news/2"]


def test_a_giant_page_of_short_paragraphs_is_read_up_to_the_line_cap():
    """Found by the fuzzer's big sibling: 50,000 paragraphs took 53 s; the cleaner now reads MAX_LINES."""
    paras = "".join(f"<p>가온전자와 누리대가 {i}번째 AI 반도체 협약을 맺었다고 {i % 28 + 1}일 밝혔다.</p>"
                    for i in range(MAX_LINES + 500))
    article = check_page(f"<html><body><article>{paras}</article></body></html>".encode())
    assert article is not None and len(article.body.split("\n\n")) <= MAX_LINES
