"""extract_article on page layouts Korean outlets really use (fixtures written for this project), metadata,
and bad input. Assertions are about what a user reads: the body text and the fields."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import EXTRACTOR_VERSION, extract_article
from settings import FetchSettings

MAX_PAGE_BYTES = FetchSettings().max_page_bytes
from extractors.models import KST, ExtractionError

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
NOISE = ("무단", "재배포", "저작권", "Copyright", "©", "ⓒ", "@", "기자", "댓글", "카카오스토리", "네이버밴드",
         "글자크게", "글자작게", "공유", "바로가기", "사진=", "사진제공", "많이 본", "관련", "구독", "카테고리")


def extract(name: str, url: str = "https://www.example.co.kr/news/1", **kw):
    return extract_article((FIXTURES / name).read_bytes(), url=url, **kw)


def assert_clean(body: str, *must: str) -> None:
    for m in must:
        assert m in body, f"missing body text: {m[:40]}"
    for n in NOISE:
        assert n not in body, f"boilerplate leaked: {n}"
    assert "\n\n" in body and "\n\n\n" not in body


def test_ndsoft_cms_page():
    art = extract("ndsoft.html", url="https://www.garamilbo.example/news/articleView.html?idxno=50123&utm_source=x")
    assert_clean(art.body,
                 "팹리스 기업 한빛반도체와 클라우드 사업자 누리클라우드가",
                 "전력 효율이 관건",                      # in-body subheading kept
                 "고객이 믿고 쓸 수 있는 선택지를 만들겠다\"고 말했다.")
    assert art.body.startswith("팹리스 기업")              # dateline byline stripped, no subtitle/headline
    assert art.body.endswith("말했다.")                    # byline glued to the last paragraph cut
    assert art.title == "한빛반도체·누리클라우드, 국산 AI 가속기 공동개발 협약"
    assert art.outlet == "가람일보"
    assert art.authors == ["윤서하"]
    assert art.published_at == datetime(2026, 3, 4, 9, 40, tzinfo=KST)
    assert art.canonical_url == "https://www.garamilbo.example/news/articleView.html?idxno=50123"
    assert art.language == "ko" and art.extractor_version.startswith(EXTRACTOR_VERSION + "+")


def test_naver_portal_page():
    art = extract("naver.html", url="https://n.news.naver.com/mnews/article/999/0000012345?sid=105")
    assert_clean(art.body, "수중 드론 스타트업 바다로보틱스가", "드론이 대신하게 될 것\"이라고 했다.")
    assert "시험하고 있다" not in art.body               # photo caption inside #dic_area dropped
    assert art.outlet == "물결경제"                        # the press, not the portal
    assert art.authors == ["강지후"]
    assert art.published_at == datetime(2026, 5, 12, 14, 7, tzinfo=KST)
    assert art.canonical_url == "https://n.news.naver.com/article/999/0000012345"


def test_wordpress_page():
    art = extract("wordpress.html", url="https://technote.example/2026/06/18/law-llm/?utm_source=rss&fbclid=abc")
    assert_clean(art.body, "별빛대학교 법학전문대학원과", "설계에 넣었다”고 설명했다.")
    assert "Facebook" not in art.body and "관련 글" not in art.body and "이메일 주소" not in art.body
    assert art.title == "별빛대·새벽AI, 한국어 법률 언어모델 함께 만든다"
    assert art.authors == ["문채원"]
    assert art.published_at == datetime(2026, 6, 18, 16, 20, tzinfo=KST)
    assert art.canonical_url == "https://technote.example/2026/06/18/law-llm/"


def test_legacy_euckr_table_page():
    art = extract("legacy.euckr.html", url="http://www.goeul.example/news/view.php?no=77")
    assert_clean(art.body, "똠방각하전자가 햏빛연구소와 손잡고", "보급할 계획\"이라고 말했다.")
    assert art.body.endswith("말했다.")
    assert art.outlet == "고을신문"
    assert art.authors == ["배다온"]
    # zone-less "입력 2026.02.11 15:30" on a Korean page is KST
    assert art.published_at == datetime(2026, 2, 11, 15, 30, tzinfo=KST)
    assert art.published_at.utcoffset().total_seconds() == 9 * 3600


def test_nextjs_page_with_body_only_in_flight_data():
    art = extract("nextjs_flight.html")
    assert_clean(art.body, "자율주행 셔틀 기업 이음모빌리티가", "정밀지도 갱신 주기 단축", "참여사를 늘리겠다는 입장이다.")
    assert "센서를 점검하고 있다" not in art.body        # caption inside the streamed HTML dropped
    assert art.title == "이음모빌리티·길벗맵스, AI 주행 데이터 동맹"   # "-경제ㅣ가람일보" suffix removed
    assert art.published_at == datetime(2026, 7, 21, 8, 15, tzinfo=KST)
    assert art.authors == ["노유나"]


def test_jsonld_only_page():
    art = extract("jsonld_only.html")
    assert_clean(art.body, "반도체 장비 기업 한결테크가", "가장 큰 기회\"라고 말했다.")
    assert art.outlet == "새솔신문" and art.authors == ["한예준"]
    assert art.published_at == datetime(2026, 8, 5, 10, 0, tzinfo=KST)


def test_next_data_page():
    art = extract("next_data.html")
    assert_clean(art.body, "통신사 푸른숲통신이 지역 거점 대학", "통로를 만들겠다\"고 밝혔다.")
    assert art.title == "푸른숲통신, 지역 대학 다섯 곳과 AI 인재 협의체"
    assert art.published_at == datetime(2026, 9, 30, 16, 30, tzinfo=KST)   # 07:30Z in KST
    assert art.authors == ["서다인"]


def test_amp_variant_maps_to_one_url():
    html = (FIXTURES / "ndsoft.html").read_text(encoding="utf-8").replace('<html lang="ko">', '<html ⚡ lang="ko">')
    html = html.replace('<link rel="canonical" href="https://www.garamilbo.example/news/articleView.html?idxno=50123">', "")
    html = html.replace('<meta property="og:url" content="https://www.garamilbo.example/news/articleView.html?idxno=50123">', "")
    art = extract_article(html.encode(), url="https://amp.garamilbo.example/news/amp/articleView.html?idxno=50123&amp=1")
    assert art.canonical_url == "https://www.garamilbo.example/news/articleView.html?idxno=50123"
    assert "팹리스 기업 한빛반도체와" in art.body


def test_to_json_is_one_plain_object():
    d = extract("ndsoft.html").to_json()
    assert d["published_at"] == "2026-03-04T09:40:00+09:00"
    assert set(d) == {"url", "canonical_url", "outlet", "title", "authors", "published_at", "language", "body",
                      "extractor_version"}


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "binary"),
    (b"%PDF-1.7\n" + b"\x00\x01\x02" * 100, "binary"),
    (bytes(range(256)) * 40, "binary"),
    (b"just some plain text without any markup at all, not a page", "not_html"),
    (b'{"items": [1, 2, 3]}', "not_html"),
    (b"<html><head><title>empty</title></head><body><nav><a href='/'>home</a></nav></body></html>", "no_article"),
])
def test_bad_input_is_a_typed_error(data, reason):
    with pytest.raises(ExtractionError) as exc:
        extract_article(data, url="https://www.example.co.kr/x")
    assert exc.value.reason == reason


def test_too_large_fails_fast():
    data = b"<html><body>" + b"<p>" + "가".encode() * (MAX_PAGE_BYTES // 2) + b"</p></body></html>"
    assert len(data) > MAX_PAGE_BYTES
    t0 = time.perf_counter()
    with pytest.raises(ExtractionError) as exc:
        extract_article(data, url="https://www.example.co.kr/x", max_bytes=MAX_PAGE_BYTES)
    assert exc.value.reason == "too_large"
    assert time.perf_counter() - t0 < 1.0


def test_deeply_nested_markup_does_not_blow_the_stack():
    para = "<p>" + "깊게 중첩된 페이지에서도 본문을 찾아야 한다. " * 5 + "</p>"
    data = ("<html><body>" + "<div>" * 50_000 + para + "</div>" * 50_000 + "</body></html>").encode()
    try:
        art = extract_article(data, url="https://www.example.co.kr/x")
        assert "본문" in art.body
    except ExtractionError as exc:          # a typed error is acceptable, an unhandled one is not
        assert exc.reason in ("no_article",)


def test_broken_markup_still_yields_the_body():
    data = ("<html><body><div class='article'><p>첫 문단은 닫는 태그가 없다. 그래도 읽혀야 한다. 정말로 그래야 한다"
            "<p>둘째 문단도 마찬가지로 닫히지 않았지만 본문으로 남아야 한다. 회사는 그렇게 밝혔다.<div><span>"
            "<table><tr><td>셋째 문단은 깨진 표 안에 있다. 파서는 이것도 복구해야 한다고 개발자는 말했다.</body>").encode()
    art = extract_article(data, url="https://www.example.co.kr/x")
    assert "첫 문단은 닫는 태그가 없다" in art.body and "둘째 문단도" in art.body


def test_page_of_many_megabytes_within_the_cap_is_bounded():
    para = "<p>" + "대용량 페이지 안에 들어 있는 기사 문단이다. 회사는 이렇게 밝혔다. " * 20 + "</p>"
    junk = "<div class='ad'>" + "<span>광고</span>" * 2000 + "</div>"
    data = ("<html><body><article>" + para * 3 + "</article>" + junk * 150 + "</body></html>").encode()
    assert 3_000_000 < len(data) < MAX_PAGE_BYTES
    art = extract_article(data, url="https://www.example.co.kr/x", max_bytes=MAX_PAGE_BYTES)
    assert "대용량 페이지 안에" in art.body


# ---------------------------------------------------------------- portal pages (old Naver layout: <br> runs)

def test_portal_legacy_page_keeps_the_dom_body_when_the_description_opens_with_a_dateline():
    """The portal's og:description starts with "[부산=가람경제 한도윤 기자]"; the cleaner strips that dateline
    from the body, which must not make the description check swap the clean DOM body for a worse one."""
    art = extract("portal_legacy.html", url="https://news.naver.com/main/read.nhn?mode=LSD&oid=999&aid=0000000001")
    body = art.body
    assert body.startswith("부산 신항의 한 컨테이너 터미널이")
    assert body.endswith("협의를 이어 가기로 했다.")
    for junk in ("원격 조종 크레인, 하역", "이미지출처", "doyun@", "경품 이벤트", "만나보세요", "무단전재", "기사원문",
                 "본문듣기", "요약봇", "섹션", "훈훈해요", "추천합니다", "2024.04.09"):
        assert junk not in body, junk
    assert art.title == "항만 자동화 크레인 첫 시험 가동"
    assert art.published_at == datetime(2024, 4, 9, 15, 5, tzinfo=KST)
    assert art.authors == ["한도윤"]
    assert art.outlet == "가람경제"


def _page(paras: str, extra: str = "") -> bytes:
    return (f"<html><head><title>시험 기사</title></head><body>{extra}<div class='article_view'>{paras}</div>"
            f"</body></html>").encode()


_BODY = ("<p>동해안의 한 어촌 마을이 폐교를 고쳐 주민 공유 부엌과 작은 도서관으로 다시 열었다. 마을 회의에서 "
         "두 해 동안 의견을 모은 결과로, 군청이 공사비 일부를 보탰다.</p>"
         "<p>주민들은 이곳에서 제철 해산물로 반찬을 만들어 혼자 사는 어르신들에게 나눠 주기로 했다. 도서관은 "
         "아이들이 방과 후에 머물 수 있도록 저녁 여덟 시까지 문을 연다.</p>")


def test_author_from_the_wire_dateline_when_the_only_short_line_is_a_bare_email():
    page = _page("<p>(강릉=가람통신) 서윤슬 기자 = " + _BODY[3:] + "<p>yoonseul@garam.example</p>")
    art = extract_article(page, url="https://www.garam.example/view/1")
    assert art.authors == ["서윤슬"]
    assert "yoonseul@" not in art.body and "가람통신" not in art.body


def test_bracketed_correspondent_line_names_the_author_and_leaves_the_body():
    page = _page(_BODY + "<p>[리스본(포르투갈)=남궁별 가람스포츠 특파원]</p>")
    art = extract_article(page, url="https://www.garam.example/view/2")
    assert art.authors == ["남궁별"]
    assert "특파원" not in art.body


def test_a_body_sentence_mentioning_a_columnist_is_not_a_byline():
    page = _page("<p>은퇴한 감독 출신 인기 칼럼니스트가 새 시즌 판도를 전망했다. 낯익은 이름도 많다.</p>" + _BODY)
    art = extract_article(page, url="https://www.garam.example/view/3")
    assert art.authors == []


def test_body_split_across_sibling_containers_is_recovered_whole():
    """An ad and a related-articles box between two halves of the body: the container scoring alone
    keeps one half; trafilatura's second opinion covers it and holds the rest, so the whole body wins."""
    art = extract_article((FIXTURES / "split_body.html").read_bytes(), url="https://www.example.co.kr/news/1")
    paras = art.body.split("\n\n")
    assert len(paras) == 7
    assert paras[0].startswith("국내 인공지능 반도체 기업들이 공동 검증 센터를")
    assert paras[-1] == "센터는 해외 칩 업체에도 같은 조건의 검증을 열어 둘 방침이다."
    assert "관련기사" not in art.body and "광고 배너" not in art.body


def test_a_breaking_news_ticker_in_the_header_stays_out_of_the_body():
    # the ticker's headlines are paragraph-length lines outside the article container; the body is the
    # article's six paragraphs, in order, and nothing else
    art = extract("header_ticker.html", url="https://www.badatgil.example/news/2001")
    paragraphs = art.body.split("\n\n")
    assert paragraphs[0].startswith("남해안 양식장의 바닷물 온도가") and paragraphs[-1].endswith("고 말했다.")
    assert len(paragraphs) == 6
    for headline in ("물류 로봇 공동 개발", "머드축제", "AI 해양 연합", "연승 행진", "야간 개관", "영업이익 18%", "속보"):
        assert headline not in art.body
    assert art.title == "남해안 양식장 수온 올라…어민들 조기 출하 서두른다" and art.outlet == "바닷길신문"


def test_the_same_page_twice_in_one_process_gives_the_same_body():
    """trafilatura's process-wide dedup cache must not eat paragraphs on a second extraction
    (re-extraction in `radar reprocess`, or syndicated copies in one pass)."""
    data = (FIXTURES / "split_body.html").read_bytes()
    first = extract_article(data, url="https://www.example.co.kr/news/1").body
    second = extract_article(data, url="https://www.example.co.kr/news/1").body
    assert first == second


_UNDATED = ("<html><head><meta charset='utf-8'><title>지역 병원, 진료 예약 챗봇 도입 : 온누리방송</title></head><body>"
            "<div class='article'><h1>지역 병원, 진료 예약 챗봇 도입</h1>"
            "<p>온누리시의 한 종합병원이 진료 예약을 돕는 챗봇을 들였다고 밝혔다. 환자는 전화 대신 메신저로 예약을 "
            "바꿀 수 있다.</p><p>병원은 석 달 동안 시범 운영한 뒤 다른 진료과로 넓힐 계획이다. 안내는 누리집에 "
            "올라와 있다.</p></div>"
            "<footer><p>온누리방송 | 대표전화 000-0000</p><p>Copyright Since 1996 온누리방송 All rights reserved.</p>"
            "</footer></body></html>").encode()


def test_a_feed_date_beats_a_guess_read_from_the_footer():
    """A page that states no date of its own: the feed item's date is used, never a year read off the
    copyright footer by the heuristic search (which only runs when nothing better is known)."""
    from extractors.models import FeedEntry
    from extractors.pipeline import process_page
    feed_date = datetime(2026, 3, 4, 9, 30, tzinfo=KST)
    entry = FeedEntry(url="https://news.onnuri.example/a/77", title="지역 병원, 진료 예약 챗봇 도입",
                      published_at=feed_date)
    article, _, error = process_page(_UNDATED, url="https://news.onnuri.example/a/77", entry=entry, threshold=0.5)
    assert error is None
    assert article.published_at == feed_date
    # the page alone, told the feed's date: nothing of its own, so nothing is guessed
    assert extract_article(_UNDATED, url="https://news.onnuri.example/a/77",
                           published_hint=feed_date).published_at is None
