"""Written datetimes, one parser (extractors.dates.parse_datetime): what feeds, APIs and pages print,
read as the moment they mean. Zone-less and "KST" times are Korea time; explicit offsets are kept."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from extractors.dates import hour24, parse_datetime
from extractors.metadata import to_kst
from extractors.models import KST

PLUS9 = timedelta(hours=9)


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def assert_same_moment(got: datetime | None, expected: datetime, offset: timedelta) -> None:
    assert got is not None
    assert got == expected, (got, expected)
    assert got.utcoffset() == offset, (got, got.utcoffset(), offset)


def page_date(raw):
    """As the page extractor reads a stamp: anywhere in the text, naive when it names no zone."""
    return parse_datetime(raw, zoneless=None, in_text=True)


# --- whole strings: feed items and API fields ---------------------------------------------------------

@pytest.mark.parametrize("raw, expected, offset", [
    ("Tue, 04 Mar 2025 10:21:00 KST", kst(2025, 3, 4, 10, 21), PLUS9),
    ("Tue, 04 Mar 2025 10:21:00 +0900", kst(2025, 3, 4, 10, 21), PLUS9),
    ("Tue, 4 Mar 2025 10:21 +0900 (KST)", kst(2025, 3, 4, 10, 21), PLUS9),
    ("Tue, 04 Mar 2025 01:21:00 GMT", kst(2025, 3, 4, 10, 21), timedelta(0)),
    ("Mon, 03 Mar 2025 20:21:00 -0500", kst(2025, 3, 4, 10, 21), timedelta(hours=-5)),
    ("2025-03-04T10:21:00+09:00", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025-03-04T01:21:00.000Z", kst(2025, 3, 4, 10, 21), timedelta(0)),
    ("2025-03-04T10:21:00", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025-03-04 10:21:00", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025-03-04", kst(2025, 3, 4), PLUS9),
    ("2025.03.04 10:21", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025/03/04 10:21:05", kst(2025, 3, 4, 10, 21, 5), PLUS9),
    ("2025년 3월 4일 오전 10:21", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025년 03월 04일 (화) 오후 3:07:45", kst(2025, 3, 4, 15, 7, 45), PLUS9),
    ("2025년 3월 4일 오후 12:30", kst(2025, 3, 4, 12, 30), PLUS9),
    ("2025년 3월 4일 오전 12:10", kst(2025, 3, 4, 0, 10), PLUS9),
    ("2025년 3월 4일 15시 20분", kst(2025, 3, 4, 15, 20), PLUS9),
    ("20250304102100", kst(2025, 3, 4, 10, 21), PLUS9),
    ("20250304T012100Z", kst(2025, 3, 4, 10, 21), timedelta(0)),
    ("Tue Mar  4 10:21:00 2025", kst(2025, 3, 4, 10, 21), PLUS9),
    ("2025-03-04T10:21:00.123456789+09:00", kst(2025, 3, 4, 10, 21, 0, 123456), PLUS9),
    ("Tuesday, 04-Mar-25 01:21:00 GMT", kst(2025, 3, 4, 10, 21), timedelta(0)),
])
def test_whole_strings_from_feeds_and_apis(raw, expected, offset):
    assert_same_moment(parse_datetime(raw), expected, offset)


@pytest.mark.parametrize("raw", [None, "", "어제 오후", "not a date", "2025-13-45 10:00", "Tue, 04 Foo 2025 10:21:00 KST"])
def test_whole_strings_that_are_not_dates(raw):
    assert parse_datetime(raw) is None


# --- dates inside page metadata and visible stamps ----------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("2025-05-15T20:00:52.000+0900", datetime(2025, 5, 15, 20, 0, 52, tzinfo=KST)),
    ("2026-07-12T22:09:00+09:00", datetime(2026, 7, 12, 22, 9, tzinfo=KST)),
    ("2026.01.29 18:40", datetime(2026, 1, 29, 18, 40, tzinfo=KST)),
    ("2026년 5월 12일 오후 2:07", datetime(2026, 5, 12, 14, 7, tzinfo=KST)),
    ("2026-09-30T07:30:00Z", datetime(2026, 9, 30, 16, 30, tzinfo=KST)),
    ("20261030", datetime(2026, 10, 30, 0, 0, tzinfo=KST)),
])
def test_page_dates_come_out_aware_in_kst(raw, expected):
    got = to_kst(page_date(raw), korean=True)
    assert got == expected and got.utcoffset().total_seconds() == 9 * 3600


def test_zoneless_time_on_a_foreign_page_is_utc():
    assert to_kst(page_date("2026-01-02 03:04"), korean=False).tzinfo == timezone.utc


def test_garbage_page_dates():
    for raw in ("", "어제", "99999", "2026-13-45", None):
        assert page_date(raw) is None


def test_a_page_stamp_is_found_inside_its_line_and_epochs_are_read():
    assert page_date("입력 2026.05.12 오후 2:07 | 수정 2026.05.13 09:00") == datetime(2026, 5, 12, 14, 7)
    assert page_date(1_780_000_000) == page_date("1780000000000") == datetime.fromtimestamp(1_780_000_000, timezone.utc)
    assert page_date("1989-12-31") is None and parse_datetime("1989-12-31") == kst(1989, 12, 31)


@pytest.mark.parametrize("hour, marker, expected", [
    (3, "오후", 15), (12, "오후", 12), (12, "오전", 0), (11, "오전", 11), (14, "오후", 14),
    (3, "PM", 15), (3, "p.m.", 15), (12, "AM", 0), (9, None, 9),
])
def test_one_am_pm_rule(hour, marker, expected):
    assert hour24(hour, marker) == expected
