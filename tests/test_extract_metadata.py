"""Metadata helpers: titles without site suffixes, Korean date stamps read as KST."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from extractors.metadata import clean_title, parse_date, to_kst
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


@pytest.mark.parametrize("raw,expected", [
    ("2025-05-15T20:00:52.000+0900", datetime(2025, 5, 15, 20, 0, 52, tzinfo=KST)),
    ("2026-07-12T22:09:00+09:00", datetime(2026, 7, 12, 22, 9, tzinfo=KST)),
    ("2026.01.29 18:40", datetime(2026, 1, 29, 18, 40, tzinfo=KST)),
    ("2026년 5월 12일 오후 2:07", datetime(2026, 5, 12, 14, 7, tzinfo=KST)),
    ("2026-09-30T07:30:00Z", datetime(2026, 9, 30, 16, 30, tzinfo=KST)),
    ("20261030", datetime(2026, 10, 30, 0, 0, tzinfo=KST)),
])
def test_dates_come_out_aware_in_kst(raw, expected):
    got = to_kst(parse_date(raw), korean=True)
    assert got == expected and got.utcoffset().total_seconds() == 9 * 3600


def test_zoneless_time_on_a_foreign_page_is_utc():
    assert to_kst(parse_date("2026-01-02 03:04"), korean=False).tzinfo == timezone.utc


def test_garbage_dates():
    for raw in ("", "어제", "99999", "2026-13-45", None):
        assert parse_date(raw) is None
