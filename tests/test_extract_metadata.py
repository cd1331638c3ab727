"""Metadata helpers: titles without site suffixes (and the headline element when the page title names no
article), Korean date stamps read as KST."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import extract_article
from extractors.metadata import clean_title, is_generic_title
from extractors.models import KST


@pytest.mark.parametrize("raw,names,expected", [
    ("가상 정당, 새 대표 선출-정치ㅣ한국일보", ["한국일보"], "가상 정당, 새 대표 선출"),
    ("반도체 수출 석 달째 증가 - 매일경제", ["매일경제"], "반도체 수출 석 달째 증가"),
    ("AI 칩 동맹 출범 | 가람일보", ["가람일보"], "AI 칩 동맹 출범"),
    ("AI 칩 동맹 출범 < 산업 < 기사본문 - 가람일보", ["가람일보"], "AI 칩 동맹 출범"),
    ("[CEO&]창의적인 회사 이야기 : 뉴스 : 가람닷컴", [], "[CEO&]창의적인 회사 이야기"),
    ("'AI 원팀' 확대 - 이름 모를 블로그", [], "'AI 원팀' 확대 - 이름 모를 블로그"),   # not a site suffix
    ("[부산 Live] 4⅓이닝 8실점 부진… 실책 겹쳤다", ["조선일보"], "[부산 Live] 4⅓이닝 8실점 부진… 실책 겹쳤다"),
])
def test_title_suffixes(raw, names, expected):
    assert clean_title(raw, names) == expected


# ------------------------------------------------------------------ titles that name no article
_BODY = ("<div class='article_view'><p>물류 기업 새벽물류가 경기 화성의 한 아파트 단지에서 배송 로봇 시범 운행을 시작한다고 "
         "9일 밝혔다. 회사는 석 달 동안 로봇 다섯 대를 새벽 시간에만 운행한다.</p><p>회사는 결과를 보고 다른 단지로 "
         "넓힐지 정하기로 했다고 설명했다. 주민 설명회는 다음 주에 열린다.</p></div>")


@pytest.mark.parametrize("title, names, generic", [
    ("Document", [], True), ("", [], True), ("  ", [], True), ("제목 없음", [], True), ("뉴스", [], True),
    ("SBS 뉴스", ["SBS", "sbs"], True), ("MBN", ["MBN", "mbn"], True), ("한경닷컴", ["한경"], True),
    ("네이버 뉴스", [], True), ("줌 뉴스", [], True),
    ("SBS, 새 드라마 제작 발표", ["SBS"], False), ("물류 로봇 규제 풀린다", ["가람방송"], False),
])
def test_generic_titles(title, names, generic):
    assert is_generic_title(title, names) is generic


def test_a_generic_page_title_gives_way_to_the_headline_element_not_to_box_headings():
    page = (Path(__file__).parent / "fixtures" / "extract" / "generic_title.html").read_bytes()
    art = extract_article(page, url="https://news.garam.example/v/1")
    assert art.title == "물류 로봇 규제 풀린다…새벽 배송 시범 운행"


@pytest.mark.parametrize("head, heading, expected", [
    # <title> is only the site name: the marked headline element wins over the logo's h1
    ("<title>가람방송 뉴스</title>", "<h1>가람방송</h1><h2 class='tit'>배송 로봇 새벽 운행 시작</h2>", "배송 로봇 새벽 운행 시작"),
    # og:title names the portal, not the article: <title> (without its site suffix) is used
    ("<title>배송 로봇 새벽 운행 시작 : 가람방송</title><meta property='og:title' content='네이버 뉴스'>", "",
     "배송 로봇 새벽 운행 시작"),
    # nothing names the article: no title at all (the feed entry's title is used downstream)
    ("<title>가람방송</title>", "<h3>많이 본 뉴스</h3><ul><li>가</li><li>나</li></ul>", None),
])
def test_title_sources_when_some_are_generic(head, heading, expected):
    page = f"<html><head><meta charset='utf-8'>{head}</head><body>{heading}{_BODY}</body></html>".encode()
    assert extract_article(page, url="https://www.garam.example/a/1").title == expected


@pytest.mark.parametrize("stamp, expected", [
    ("입력 2023.06.08 (23:34) 수정 2023.06.08 (23:43)", datetime(2023, 6, 8, 23, 34, tzinfo=KST)),   # time in brackets
    ("2025.02.28. 오후 9:49. 댓글 글자크기설정", datetime(2025, 2, 28, 21, 49, tzinfo=KST)),      # no label
    ("한누리 2023. 8. 5. 22:05", datetime(2023, 8, 5, 22, 5, tzinfo=KST)),
])
def test_visible_date_stamps_near_the_headline(stamp, expected):
    page = (f"<html><head><meta charset='utf-8'><title>배송 로봇 새벽 운행 시작</title></head><body>"
            f"<h2 class='tit'>배송 로봇 새벽 운행 시작</h2><p class='date'>{stamp}</p>{_BODY}</body></html>").encode()
    assert extract_article(page, url="https://www.garam.example/a/1").published_at == expected
