"""Tests for extractors.feeds: pure feed parsing (no network)."""
from __future__ import annotations

import base64
import json
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from extractors.feeds import parse_feed, parse_naver_news
from extractors.models import KST, FeedParseError, ParsedFeed
from extractors.news_search import decode_google_news_url, google_news_search_url, naver_search_url
from settings import FetchSettings

FIX = Path(__file__).resolve().parent / "fixtures" / "feeds"
SHARED = Path(__file__).resolve().parents[2] / "shared"
PLUS9 = timedelta(hours=9)


def fx(name: str) -> bytes:
    return (FIX / name).read_bytes()


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def assert_same_moment(actual: datetime | None, expected: datetime, offset: timedelta | None = None):
    """Same instant, and (when given) the same UTC offset the user would read."""
    assert actual is not None
    assert actual.tzinfo is not None
    assert actual == expected
    if offset is not None:
        assert actual.utcoffset() == offset


# --------------------------------------------------------------------------- formats

def test_rss20_entries_links_text_and_dates():
    feed = parse_feed(fx("rss20.xml"), feed_url="https://news.gaon-tech.example/rss/all.xml")
    assert isinstance(feed, ParsedFeed)
    assert feed.title == "가온테크 뉴스 & 전망"
    assert feed.encoding == "utf-8"
    urls = [e.url for e in feed.entries]
    assert urls == [
        "https://news.gaon-tech.example/article/1001",
        "https://news.gaon-tech.example/article/1002?from=rss",   # relative link resolved
        "https://news.gaon-tech.example/article/1003",
        "https://news.gaon-tech.example/article/1004",            # permalink guid used as link
        "https://news.gaon-tech.example/article/1006",
    ]
    first, second, zoneless, guid_only, gmt = feed.entries
    # CDATA HTML stripped, &nbsp; unescaped, whitespace collapsed
    assert first.title == "다온전자·누리통신, AI 반도체 공동연구 협약"
    assert first.summary == "두 회사가 차세대 추론 칩을 함께 만들기로 했다. 협약식은 판교에서 열렸다."
    assert first.guid == "https://news.gaon-tech.example/article/1001"
    assert second.title == "한빛대 – 초거대 언어모델 연합 출범"
    assert second.summary == "대학 다섯 곳이 연합을 꾸렸다."
    # "KST" -> 10:21 at +09:00 (feedparser alone would say 10:21 UTC)
    assert_same_moment(first.published_at, kst(2025, 3, 4, 10, 21), PLUS9)
    assert_same_moment(second.published_at, kst(2025, 3, 4, 11, 5, 30), PLUS9)
    assert_same_moment(zoneless.published_at, kst(2025, 3, 4, 10, 21), PLUS9)
    assert_same_moment(guid_only.published_at, kst(2025, 3, 4, 13, 40), PLUS9)
    # an explicit GMT is honoured: 01:21 GMT is 10:21 in Seoul
    assert_same_moment(gmt.published_at, kst(2025, 3, 4, 10, 21), timedelta(0))
    # duplicates dropped, link-less entries counted
    assert "2 entries without a usable http(s) link skipped" in feed.warning
    assert "1 duplicate link dropped" in feed.warning


def test_atom():
    feed = parse_feed(fx("atom.xml"), feed_url="https://saebyeok.example/atom.xml")
    assert feed.title == "새벽연구소 블로그"
    assert feed.warning is None
    a, b, c = feed.entries
    assert a.url == "https://saebyeok.example/posts/open-model-alliance"
    assert a.title == "오픈소스 모델 동맹에 세 기업 합류"
    assert a.summary == "연구소와 기업 세 곳이 모델 가중치를 공개하기로 했다."
    assert a.guid == "tag:saebyeok.example,2025:post-1"
    assert_same_moment(a.published_at, kst(2025, 3, 5, 8, 30), PLUS9)   # published wins over updated
    assert b.url == "https://saebyeok.example/posts/second-meeting"      # relative href resolved
    assert b.summary == "회의록은 다음 주에 공개된다."                      # from xhtml content
    assert_same_moment(b.published_at, kst(2025, 3, 5, 8, 0), timedelta(0))
    assert_same_moment(c.published_at, kst(2025, 3, 3, 17, 15), PLUS9)    # zone-less ISO -> KST


def test_rss10_rdf():
    feed = parse_feed(fx("rss10.xml"), feed_url="https://mirae.example/rss")
    assert feed.title == "미래신문 과학면"
    assert [e.url for e in feed.entries] == ["https://mirae.example/science/77", "https://mirae.example/science/78"]
    assert feed.entries[0].summary == "참여 기관이 열 곳으로 늘었다."
    assert_same_moment(feed.entries[0].published_at, kst(2025, 3, 2, 7, 0), PLUS9)
    assert_same_moment(feed.entries[1].published_at, kst(2025, 3, 2, 16, 45), PLUS9)


def test_rss092_without_items_is_an_empty_feed_not_an_error():
    data = '<?xml version="1.0"?><rss version="0.92"><channel><title>조용한 채널</title></channel></rss>'.encode()
    feed = parse_feed(data, feed_url="https://quiet.example/rss")
    assert feed.entries == [] and feed.title == "조용한 채널"


# --------------------------------------------------------------------------- dates in a feed

def test_korean_dates_in_a_feed():
    feed = parse_feed(fx("korean_dates.xml"), feed_url="https://dates.example/rss")
    got = {e.title: e.published_at for e in feed.entries}
    assert got["오전 표기"] == kst(2025, 3, 4, 10, 21)
    assert got["오후 표기"] == kst(2025, 3, 4, 15, 7, 45)
    assert got["정오 표기"] == kst(2025, 3, 4, 12, 30)
    assert got["자정 직후"] == kst(2025, 3, 4, 0, 10)
    assert got["점 표기"] == kst(2025, 3, 4, 10, 21)
    assert got["알 수 없는 표기"] is None
    assert all(d is None or d.utcoffset() == PLUS9 for d in got.values())


# --------------------------------------------------------------------------- encodings

HANGUL_TITLE = "국산 인공지능 연합, 첫 공동 발표회 개최"


def _no_mojibake(feed: ParsedFeed):
    for e in feed.entries:
        for text in (e.title, e.summary):
            assert "\ufffd" not in text
            assert not any(ch in text for ch in "ÃÂ¡°±³ÀÁ"), text


def test_euckr_declared():
    feed = parse_feed(fx("euckr_declared.xml"), feed_url="https://hangul.example/rss")
    assert feed.encoding == "cp949"          # EUC-KR read as its superset
    assert feed.title == "한글 소식"
    assert feed.entries[0].title == HANGUL_TITLE
    _no_mojibake(feed)
    assert feed.warning is None


def test_cp949_only_syllables_survive_an_euckr_label():
    data = fx("cp949_only.xml")
    with pytest.raises(UnicodeDecodeError):
        data.decode("euc-kr")                # proves the fixture really needs CP949
    feed = parse_feed(data, feed_url="https://hangul.example/rss")
    assert feed.entries[0].title == "똠방각하와 햏자, 뷁 소리에 놀라다"
    assert "똠" in feed.entries[0].summary and "햏" in feed.entries[0].summary
    _no_mojibake(feed)


def test_charset_only_in_http_header():
    data = fx("http_charset_only.xml")
    feed = parse_feed(data, feed_url="https://hangul.example/rss", content_type="text/xml; charset=EUC-KR")
    assert feed.encoding == "cp949"
    assert feed.entries[0].title == HANGUL_TITLE
    _no_mojibake(feed)
    # without the header it still comes out right (detection), never as mojibake
    feed2 = parse_feed(data, feed_url="https://hangul.example/rss")
    assert feed2.entries[0].title == HANGUL_TITLE


def test_http_charset_beats_declaration():
    data = '<?xml version="1.0" encoding="euc-kr"?><rss version="2.0"><channel><title>헤더 우선</title></channel></rss>'
    feed = parse_feed(data.encode("utf-8"), feed_url="https://x.example/rss", content_type="application/rss+xml; charset=utf-8")
    assert feed.encoding == "utf-8" and feed.title == "헤더 우선"


def test_lying_declaration_utf8_label_on_cp949_bytes():
    feed = parse_feed(fx("lying_utf8_declared.xml"), feed_url="https://hangul.example/rss")
    assert feed.encoding == "cp949"
    assert feed.entries[0].title == HANGUL_TITLE
    assert "cp949" in feed.warning
    _no_mojibake(feed)


def test_lying_declaration_euckr_label_on_utf8_bytes():
    feed = parse_feed(fx("lying_euckr_declared.xml"), feed_url="https://hangul.example/rss")
    assert feed.encoding == "utf-8"
    assert feed.title == "거꾸로 된 거짓 선언"
    assert feed.entries[0].title == HANGUL_TITLE
    _no_mojibake(feed)


def test_lying_http_header_loses_to_clean_declaration():
    data = fx("euckr_declared.xml")
    feed = parse_feed(data, feed_url="https://hangul.example/rss", content_type="text/xml; charset=utf-8")
    assert feed.encoding == "cp949"
    assert feed.entries[0].title == HANGUL_TITLE


def test_latin1_http_default_does_not_turn_hangul_into_mojibake():
    # the classic server default: "ISO-8859-1" in the header, EUC-KR in the declaration
    feed = parse_feed(fx("euckr_declared.xml"), feed_url="https://hangul.example/rss",
                      content_type="text/xml; charset=ISO-8859-1")
    assert feed.encoding == "cp949"
    assert feed.entries[0].title == HANGUL_TITLE
    _no_mojibake(feed)
    # ... and with no declaration at all, detection still beats the Western default
    feed = parse_feed(fx("lying_utf8_declared.xml").replace(b' encoding="utf-8"', b""),
                      feed_url="https://hangul.example/rss", content_type="text/xml; charset=iso-8859-1")
    assert feed.encoding == "cp949" and feed.entries[0].title == HANGUL_TITLE


def test_latin1_header_is_honoured_for_western_text():
    data = '<rss version="2.0"><channel><title>Café Zürich</title></channel></rss>'.encode("latin-1")
    feed = parse_feed(data, feed_url="https://x.example/rss", content_type="text/xml; charset=iso-8859-1")
    assert feed.title == "Café Zürich"


@pytest.mark.parametrize("name, encoding", [("bom_utf8.xml", "utf-8"), ("bom_utf16le.xml", "utf-16")])
def test_bom_wins(name, encoding):
    feed = parse_feed(fx(name), feed_url="https://hangul.example/rss", content_type="text/xml; charset=euc-kr")
    assert feed.encoding == encoding
    assert feed.entries[0].title == HANGUL_TITLE
    _no_mojibake(feed)


# --------------------------------------------------------------------------- errors & safety

def _billion_laughs(levels: int = 9, fanout: int = 10) -> bytes:
    decls = ['<!ENTITY ha "하하">']
    prev = "ha"
    for i in range(1, levels + 1):
        decls.append(f'<!ENTITY ha{i} "{("&" + prev + ";") * fanout}">')
        prev = f"ha{i}"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE rss [\n  {chr(10).join(decls)}\n  <!ENTITY leak SYSTEM "file:///etc/passwd">\n]>\n'
        '<rss version="2.0"><channel><title>폭탄 &' + prev + ';</title>'
        '<item><title>터지지 않는 기사 &' + prev + '; &leak;</title>'
        '<link>https://safe.example/1</link><description>&' + prev + ';</description></item>'
        '</channel></rss>'
    ).encode("utf-8")


def test_billion_laughs_is_not_expanded():
    data = _billion_laughs()   # would expand to 10^9 copies of "하하"
    tracemalloc.start()
    try:
        feed = parse_feed(data, feed_url="https://safe.example/rss")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [e.url for e in feed.entries] == ["https://safe.example/1"]
    entry = feed.entries[0]
    assert entry.title.startswith("터지지 않는 기사")
    assert len(entry.title) < 100 and len(entry.summary) < 100 and len(feed.title) < 100
    assert "root:" not in entry.title                    # no external entity read
    assert peak < 50_000_000


def test_big_entity_payload_stays_small():
    # ~100 KB of declarations that would expand to ~10^8 characters
    decls = ['<!ENTITY a0 "' + "가" * 20_000 + '">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 5)]
    data = ('<?xml version="1.0"?><!DOCTYPE rss [' + "".join(decls) + ']>'
            '<rss version="2.0"><channel><title>t</title><item><title>&a4;</title>'
            '<link>https://safe.example/2</link></item></channel></rss>').encode()
    assert len(data) > 60_000
    feed = parse_feed(data, feed_url="https://safe.example/rss")
    assert feed.entries[0].url == "https://safe.example/2"
    assert len(feed.entries[0].title) < 20


def test_too_large_is_refused_before_parsing():
    data = fx("rss20.xml")
    with pytest.raises(FeedParseError) as err:
        parse_feed(data, feed_url="https://x.example/rss", max_bytes=len(data) - 1)
    assert err.value.reason == "too_large"
    with pytest.raises(FeedParseError) as err:     # the default cap the flows pass (settings: 5 MB)
        parse_feed(b"<rss>" + b" " * 6_000_000 + b"</rss>", feed_url="https://x.example/rss",
                   max_bytes=FetchSettings().max_feed_bytes)
    assert err.value.reason == "too_large"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \r\n\t ", "empty"),
    (b"\xef\xbb\xbf  \n", "empty"),
    (None, "empty"),
    (b'{"items": []}', "not_xml"),
    (b"[1, 2, 3]", "not_xml"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not_xml"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00", "not_xml"),
    ("그냥 글자만 있는 응답".encode(), "not_xml"),
    (b"<html><body><p>\xec\x95\x88\xeb\x85\x95</p></body></html>", "not_xml"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">', "not_xml"),
])
def test_parse_errors(data, reason):
    with pytest.raises(FeedParseError) as err:
        parse_feed(data, feed_url="https://x.example/rss")
    assert err.value.reason == reason


def test_html_page_instead_of_feed():
    with pytest.raises(FeedParseError) as err:
        parse_feed(fx("html_page.html"), feed_url="https://x.example/rss", content_type="text/html; charset=utf-8")
    assert err.value.reason == "not_xml"
    assert "HTML" in str(err.value)


def test_xml_that_is_not_a_feed():
    with pytest.raises(FeedParseError) as err:
        parse_feed(fx("sitemap.xml"), feed_url="https://x.example/sitemap.xml")
    assert err.value.reason == "not_a_feed"


def test_truncated_xml_recovers_complete_entries():
    feed = parse_feed(fx("truncated.xml"), feed_url="https://cut.example/rss")
    assert feed.title == "끊긴 피드"
    urls = [e.url for e in feed.entries]
    assert urls[:2] == ["https://cut.example/news/1", "https://cut.example/news/2"]
    assert feed.entries[0].title == "끝까지 도착한 첫 기사"
    assert_same_moment(feed.entries[0].published_at, kst(2025, 3, 5, 9, 0), PLUS9)
    assert feed.warning and "malformed" in feed.warning


def test_truncated_before_any_item_is_empty_with_warning_or_clean_error():
    data = '<?xml version="1.0"?><rss version="2.0"><channel><title>반쯤'.encode()
    try:
        feed = parse_feed(data, feed_url="https://cut.example/rss")
    except FeedParseError as err:
        assert err.reason in ("not_xml", "not_a_feed")
    else:
        assert feed.entries == [] and feed.warning


def test_undefined_html_entities_do_not_break_strict_parsing():
    data = ('<rss version="2.0"><channel><title>점&middot;선&nbsp;면</title><item><title>가&hellip;나</title>'
            '<link>https://x.example/1</link></item></channel></rss>').encode()
    feed = parse_feed(data, feed_url="https://x.example/rss")
    assert feed.warning is None
    assert feed.title == "점·선 면"
    assert feed.entries[0].title == "가…나"


def test_junk_before_the_feed_is_skipped_with_a_warning():
    data = ('Warning: something went wrong in line 12\n<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0"><channel><title>앞에 찌꺼기</title><item><title>기사</title>'
            '<link>https://x.example/1</link></item></channel></rss>').encode()
    feed = parse_feed(data, feed_url="https://x.example/rss")
    assert feed.title == "앞에 찌꺼기" and len(feed.entries) == 1
    assert "junk" in feed.warning


def test_double_escaped_markup_in_summary():
    data = ('<rss version="2.0"><channel><title>t</title><item><title>&amp;lt;책 제목&amp;gt; 출간</title>'
            '<link>https://x.example/1</link><description>&amp;lt;p&amp;gt;본문 &amp;lt;b&amp;gt;굵게&amp;lt;/b&amp;gt;&amp;lt;/p&amp;gt;'
            '</description></item></channel></rss>').encode()
    e = parse_feed(data, feed_url="https://x.example/rss").entries[0]
    assert e.title == "<책 제목> 출간"
    assert e.summary == "본문 굵게"


def test_summary_markup_as_a_reader_sees_it():
    """Real feeds carry HTML fragments, often broken: inline highlights join the word they mark, blocks and
    table cells separate words, scripts and comments vanish, Korean angle-bracket titles stay, and an
    entity cut off by the publisher's truncation ("&#3...") leaves no control character behind."""
    desc = ("<![CDATA[<div><p>KT<b>AI</b>원팀 소식</p><table><tr><td>1월</td><td>2월</td></tr></table>"
            "<script>var x = 1;</script><!-- 광고 --><p>&lt;AI 원팀&gt; 합류 &#3...<a href='https://x.example/1'>더보기</a>"
            "</p></div>]]>")
    data = ('<rss version="2.0"><channel><title>t</title><item><title>KT<b>AI</b>원팀 &amp; R&amp;D</title>'
            f'<link>https://x.example/1</link><description>{desc}</description></item></channel></rss>').encode()
    e = parse_feed(data, feed_url="https://x.example/rss").entries[0]
    assert e.title == "KTAI원팀 & R&D"
    assert e.summary == "KTAI원팀 소식 1월 2월 <AI 원팀> 합류 ...더보기"


# --------------------------------------------------------------------------- Google News

def _gnews_id(url: str) -> str:
    raw = url.encode()
    assert len(raw) < 128
    return base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(raw)]) + raw + b"\xd2\x01\x00").decode().rstrip("=")


def test_google_news_search_url():
    assert google_news_search_url("AI 동맹") == (
        "https://news.google.com/rss/search?q=AI%20%EB%8F%99%EB%A7%B9&hl=ko&gl=KR&ceid=KR:ko")
    assert "q=%22K-AI%22%20%EC%96%BC%EB%9D%BC%EC%9D%B4%EC%96%B8%EC%8A%A4" in google_news_search_url('"K-AI" 얼라이언스')
    with pytest.raises(ValueError):
        google_news_search_url("  ")


def test_decode_google_news_url_old_format():
    target = "https://www.example.co.kr/news/articleView.html?idxno=12345"
    article_id = _gnews_id(target)
    assert article_id.startswith("CBMi")
    assert decode_google_news_url(f"https://news.google.com/rss/articles/{article_id}?oc=5") == target
    assert decode_google_news_url(f"https://news.google.com/articles/{article_id}") == target


def test_decode_google_news_url_long_url_two_byte_length():
    ids = (FIX / "google_news_ids.txt").read_text(encoding="utf-8").split()
    long_id, long_url = ids[1], ids[2]
    assert len(long_url) >= 128                 # length needs a two-byte varint
    assert decode_google_news_url(f"https://news.google.com/rss/articles/{long_id}?oc=5&hl=ko") == long_url


@pytest.mark.parametrize("url", [
    # newer opaque id: the protobuf holds "AU_yqL..." instead of a URL
    "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(b"\x08\x13\x22\x10AU_yqLnotAUrl123").decode().rstrip("=") + "?oc=5",
    "https://news.google.com/rss/articles/not-base64!!?oc=5",
    "https://news.google.com/rss/articles/A?oc=5",
    "https://news.google.com/rss/search?q=x",
    "https://www.example.co.kr/news/1",
    "ftp://news.google.com/rss/articles/CBMi",
    "",
])
def test_decode_google_news_url_returns_none(url):
    assert decode_google_news_url(url) is None


def test_google_news_feed_outlet_title_and_links():
    feed = parse_feed(fx("google_news.xml"), feed_url=google_news_search_url("AI 동맹"))
    a, b, c = feed.entries
    assert a.outlet == "전자소식"
    assert a.title == "통신 3사, AI 데이터센터 연합 결성"          # " - 전자소식" stripped
    assert a.url == "https://www.etnews.example/20250306000123"    # decoded offline
    assert a.guid and a.guid.startswith("CBMi")
    assert a.summary == ""                                        # only headline + outlet again
    assert_same_moment(a.published_at, kst(2025, 3, 6, 10, 30), timedelta(0))
    assert b.outlet == "한경비즈"
    assert b.title == '증권가 "AI 동맹주 주목" - 한경 예시'        # only the outlet suffix goes
    assert b.url.startswith("https://biz.hankyung.example/article/2025030612345?")
    assert c.outlet == "누리일보" and c.title == "새 형식 링크를 쓰는 기사"
    assert c.url.startswith("https://news.google.com/rss/articles/")  # left for the fetcher


# --------------------------------------------------------------------------- Naver

def test_naver_search_url():
    assert naver_search_url("AI 동맹") == (
        "https://openapi.naver.com/v1/search/news.json?query=AI%20%EB%8F%99%EB%A7%B9&display=100&sort=date")
    assert "display=20&" in naver_search_url("x", display=20)
    with pytest.raises(ValueError):
        naver_search_url("x", display=101)


def test_parse_naver_news():
    feed = parse_naver_news(fx("naver_news.json"), feed_url=naver_search_url("AI 동맹"))
    assert feed.encoding == "utf-8"
    first, naver_only = feed.entries
    assert first.url == "https://www.daon-daily.example/news/articleView.html?idxno=5501"   # originallink
    assert first.guid == "https://n.news.naver.com/mnews/article/999/0000005501?sid=105"
    assert first.title == '다온전자, 누리통신과 AI 동맹 확대… "공동 연구소" 세운다'
    assert first.summary == "두 회사는 AI 반도체와 통신망을 묶는 '공동 연구소'를 올해 안에 연다. 연구 인력 & 예산은..."
    assert_same_moment(first.published_at, kst(2025, 3, 6, 9, 48), PLUS9)
    assert naver_only.url == "https://n.news.naver.com/mnews/article/998/0000000042?sid=101"
    assert "1 item without a usable http(s) link skipped" in feed.warning
    assert "1 duplicate link dropped" in feed.warning


def test_naver_api_error_body():
    with pytest.raises(FeedParseError) as err:
        parse_naver_news(fx("naver_error.json"), feed_url=naver_search_url("x"))
    assert err.value.reason == "api_error"
    assert "024" in str(err.value)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"{not json", "not_json"),
    (b"<rss></rss>", "not_json"),
    (b"\xff\xfe\x00garbage", "not_json"),
    (b"[]", "not_json"),
    (json.dumps({"total": 0}).encode(), "not_a_feed"),
])
def test_naver_bad_bodies(data, reason):
    with pytest.raises(FeedParseError) as err:
        parse_naver_news(data, feed_url=naver_search_url("x"))
    assert err.value.reason == reason


def test_naver_empty_result_is_fine():
    feed = parse_naver_news(b'{"total":0,"start":1,"display":0,"items":[]}', feed_url=naver_search_url("x"))
    assert feed.entries == [] and feed.warning is None


# --------------------------------------------------------------------------- real snapshots

KNEWS = SHARED / "corpus" / "feeds" / "knews-2022-07-23"
EUCKR = SHARED / "corpus" / "feeds" / "euc-kr"


def _snapshot_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        pytest.skip(f"shared snapshots not present: {folder}")
    files = sorted(folder.glob("*.xml"))
    if not files:
        pytest.skip(f"no snapshots in {folder}")
    return files


def _parse_all(files: list[Path]) -> tuple[list[ParsedFeed], float]:
    t0 = time.perf_counter()
    feeds = [parse_feed(f.read_bytes(), feed_url=f"https://snapshot.example/{f.name}") for f in files]
    return feeds, (time.perf_counter() - t0) * 1000 / len(files)


def test_knews_snapshots_all_parse():
    files = _snapshot_files(KNEWS)
    feeds, ms = _parse_all(files)
    total = sum(len(f.entries) for f in feeds)
    print(f"\nknews: {len(files)} feeds, {total} entries, {ms:.1f} ms/feed")
    assert total > 20 * len(files)
    for path, feed in zip(files, feeds):
        assert feed.entries, path.name
        for e in feed.entries:
            assert e.url.startswith(("http://", "https://")), path.name
            assert e.title, path.name
            assert e.published_at is not None and e.published_at.tzinfo is not None, path.name
            assert "\ufffd" not in e.title + e.summary, path.name
            assert "&lt;" not in e.summary and "<p" not in e.summary, path.name


def test_euckr_snapshots_have_clean_hangul():
    files = _snapshot_files(EUCKR)
    feeds, ms = _parse_all(files)
    total = sum(len(f.entries) for f in feeds)
    print(f"\neuc-kr: {len(files)} feeds, {total} entries, {ms:.1f} ms/feed")
    for path, feed in zip(files, feeds):
        assert feed.encoding == "cp949", path.name
        assert feed.entries, path.name
        titles = " ".join(e.title for e in feed.entries) + " " + (feed.title or "")
        assert any("\uac00" <= ch <= "\ud7a3" for ch in titles), path.name      # Hangul syllables
        for e in feed.entries:
            for text in (e.title, e.summary):
                assert "\ufffd" not in text, path.name
                assert "Ã" not in text and "Â" not in text, path.name
