"""Metadata helpers: titles without site suffixes."""
from __future__ import annotations

import pytest

from extractors.metadata import clean_title


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
