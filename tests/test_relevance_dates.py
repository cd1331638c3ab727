"""Event dates resolved against the published date (extractors/dates.py)."""
from datetime import date, datetime

import pytest

from extractors.dates import DateResolver, find_dates, parse_published, resolve_date
from extractors.models import KST


@pytest.mark.parametrize("expr, published, expected", [
    ("3일", "2020-06-04", date(2020, 6, 3)),                 # a day before publication: this month
    ("29일", "2020-07-02", date(2020, 6, 29)),               # day after today's: last month
    ("30일", "2021-01-03", date(2020, 12, 30)),              # ... across a year
    ("오는 10일", "2020-06-25", date(2020, 7, 10)),          # future: next month
    ("오는 5일", "2021-12-28", date(2022, 1, 5)),            # ... across a year
    ("지난 7일", "2025-11-09", date(2025, 11, 7)),
    ("지난달 29일", "2020-06-04", date(2020, 5, 29)),
    ("지난달 15일", "2021-01-10", date(2020, 12, 15)),       # last month in January is December
    ("2020년 6월 3일", "2023-01-01", date(2020, 6, 3)),
    ("2019.11.20", None, date(2019, 11, 20)),
    ("6월 3일", "2020-06-04", date(2020, 6, 3)),
    ("12월 30일", "2021-01-02", date(2020, 12, 30)),         # no year: the one before publication
    ("오는 1월 5일", "2020-12-20", date(2021, 1, 5)),
    ("이날", "2024-03-15", date(2024, 3, 15)),
    ("오늘", "2024-03-15", date(2024, 3, 15)),
    ("20일", "2020-02", date(2020, 2, 20)),                  # published known to the month only
])
def test_day_resolution(expr, published, expected):
    assert resolve_date(expr, published) == expected


@pytest.mark.parametrize("expr, published, expected", [
    ("지난 2월", "2020-06-04", date(2020, 2, 1)),
    ("지난 11월", "2021-01-10", date(2020, 11, 1)),          # "지난 11월" in January: last year
    ("지난해 3월", "2021-04-20", date(2020, 3, 1)),
    ("올해 2월", "2020-06-03", date(2020, 2, 1)),
])
def test_month_resolution(expr, published, expected):
    found = find_dates(expr, published)
    assert found and found[0].value == expected and found[0].precision == "month"


def test_unresolvable_without_published_date():
    assert resolve_date("3일", None) is None
    assert resolve_date("지난달 29일", None) is None
    assert resolve_date("이날", None) is None


def test_durations_are_not_dates():
    assert find_dates("행사는 3일간 열린다", "2022-05-10") == []
    assert find_dates("출시 10일 만에", "2022-05-10") == []


def test_this_day_refers_to_last_mentioned_date_and_previous_day():
    r = DateResolver("2021-04-21")
    first = r.scan("은행은 KT와 협약을 맺었다고 21일 밝혔다.")
    assert first[0].value == date(2021, 4, 21) and first[0].kind == "announce"
    prev = r.scan("전일 열린 협약식에는 양사 대표가 참석했다.")
    assert prev[0].value == date(2021, 4, 20)
    r2 = DateResolver("2022-09-14")
    r2.scan("두 회사는 지난 9일 서울에서 업무협약을 체결했다.")
    assert r2.scan("이날 협약식에서")[0].value == date(2022, 9, 9)


def test_source_dates_are_marked():
    d = find_dates("5일 업계에 따르면 두 회사는 협력을 논의 중이다.", "2022-03-06")
    assert d[0].kind == "source"


def test_parse_published_forms():
    assert parse_published("2020-06-03") == (date(2020, 6, 3), "day")
    assert parse_published("2020-06") == (date(2020, 6, 1), "month")
    assert parse_published(datetime(2020, 6, 2, 20, 0, tzinfo=KST)) == (date(2020, 6, 2), "day")
    # 23:30 UTC on 2 June is 3 June in Korea
    assert parse_published("2020-06-02T23:30:00+00:00") == (date(2020, 6, 3), "day")
    assert parse_published("어제") == (None, None)
