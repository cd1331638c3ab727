"""Event dates in Korean news text, resolved against the article's published date.

    "3일" in an article of 2020-06-04           -> 2020-06-03
    "29일" in an article of 2020-07-02          -> 2020-06-29   (the day is after today: last month)
    "오는 10일" in an article of 2020-06-25     -> 2020-07-10
    "지난달 29일", "지난 2월", "지난해 10월"    -> the right month and year
    "2020년 6월 3일", "2020.6.3", "6월 3일"     -> absolute / year from context
    "이날", "오늘", "당일"                       -> the date last mentioned (else the published date)
    "전날", "전일", "어제"                       -> one day before that

A month without a day ("지난 2월") resolves with precision "month" (first of the month). Without a
published date, expressions that need one (day only, 이날, 지난달...) stay unresolved.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .models import KST

__all__ = ["DateMention", "DateResolver", "parse_published", "resolve_date", "find_dates"]


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    text: str
    value: date
    precision: str          # day | month | year
    kind: str = "event"     # event | announce ("3일 밝혔다") | source ("24일 업계에 따르면")

    def to_json(self) -> dict:
        return {"text": self.text, "date": self.value.isoformat(), "precision": self.precision, "kind": self.kind}


def parse_published(value) -> tuple[date | None, str | None]:
    """(date, precision) from a date, an aware/naive datetime (read in KST) or a string such as
    "2020-06-03", "2020-06-03T10:00:00+09:00", "2020.06.03", "2020-06" or "2020". Junk gives (None, None)."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(KST)
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    s = str(value).strip()
    if not s:
        return None, None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if dt.tzinfo is not None:
            dt = dt.astimezone(KST)
        return dt.date(), "day"
    except ValueError:
        pass
    m = re.match(r"^(\d{4})(?:[.\-/년\s]+(\d{1,2}))?(?:[.\-/월\s]+(\d{1,2}))?", s)
    if not m:
        return None, None
    y, mo, d = int(m[1]), m[2], m[3]
    try:
        if mo and d:
            return date(y, int(mo), int(d)), "day"
        if mo:
            return date(y, int(mo), 1), "month"
        return date(y, 1, 1), "year"
    except ValueError:
        return None, None


def _add_months(y: int, m: int, delta: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + delta
    return idx // 12, idx % 12 + 1


def _safe(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12) or not (1 <= d <= calendar.monthrange(y, m)[1]) or not (1900 < y < 2200):
        return None
    return date(y, m, d)


_NUM = r"(\d{1,2})"
_PATTERNS = [
    ("ymd", re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")),
    ("ymd", re.compile(r"(?<![\d.])(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})(?![\d])")),
    ("ym", re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월(?!\s*\d{1,2}\s*일)")),
    ("rel_month_day", re.compile(r"(지난달|지난 달|이달|이번 달|다음달|다음 달|내달|전월)\s*" + _NUM + r"\s*일")),
    ("md", re.compile(r"(지난해|작년|올해|금년|내년|지난|오는)?\s*(?<!\d)" + _NUM + r"\s*월\s*" + _NUM + r"\s*일")),
    ("m", re.compile(r"(지난해|작년|올해|금년|내년|지난|오는)?\s*(?<![\d.])" + _NUM + r"\s*월(?!\s*\d{1,2}\s*일)(?![가-힣]*급여)")),
    ("d", re.compile(r"(지난|오는)?\s*(?<![\d.,])" + _NUM + r"\s*일(?!\s*(?:간|동안|째|이내|만에|치|분|여|가량|\d))")),
    ("this_month", re.compile(r"(이달|이번 달|지난달|지난 달|다음달|내달)(?!\s*\d)")),
    ("rel_day", re.compile(r"(이날|오늘|금일|당일|전날|전일|어제|하루 전|다음날|다음 날|이튿날|익일)")),
    ("y", re.compile(r"(\d{4})\s*년(?!\s*\d{1,2}\s*월)")),
]
_ANNOUNCE_AFTER = re.compile(r"^\s*(?:[가-힣]+\s*)?(?:밝혔|발표했|전했|말했|공개했|알렸|설명했|강조했|덧붙였)")
_SOURCE_AFTER = re.compile(r"^\s*(?:[^\s]+\s*){0,3}?(?:따르면|에 의하면)")


class DateResolver:
    """Scans sentences in reading order; "이날" refers back to the last day-precise date seen."""

    def __init__(self, published=None):
        self.published, self.pub_precision = parse_published(published)
        self.last: date | None = self.published if self.pub_precision == "day" else None

    # -- helpers --
    def _day_in_context(self, d: int, prefix: str | None) -> date | None:
        pub, prec = self.published, self.pub_precision
        if pub is None or prec == "year":
            return None
        if prec == "month":                      # "20일" in an article known only as 2020-02
            return _safe(pub.year, pub.month, d)
        if prefix == "오는":
            y, m = (pub.year, pub.month) if d >= pub.day else _add_months(pub.year, pub.month, 1)
        elif prefix == "지난":
            y, m = (pub.year, pub.month) if d < pub.day else _add_months(pub.year, pub.month, -1)
        else:
            y, m = (pub.year, pub.month) if d <= pub.day + 1 else _add_months(pub.year, pub.month, -1)
        return _safe(y, m, d)

    def _year_for(self, month: int, day: int | None, prefix: str | None) -> int | None:
        pub = self.published
        if pub is None:
            return None
        if prefix in ("지난해", "작년"):
            return pub.year - 1
        if prefix == "내년":
            return pub.year + 1
        if prefix in ("올해", "금년"):
            return pub.year
        cand = _safe(pub.year, month, day or 1)
        if cand is None:
            return pub.year
        if prefix == "오는":
            return pub.year if (month, day or 31) >= (pub.month, pub.day) else pub.year + 1
        if prefix == "지난":
            return pub.year if (month, day or 1) <= (pub.month, pub.day) else pub.year - 1
        # no prefix: a date more than ~a month ahead of publication is read as last year
        if self.pub_precision == "day" and cand > pub + timedelta(days=45):
            return pub.year - 1
        return pub.year

    def _kind(self, text: str, end: int) -> str:
        after = text[end:end + 40]
        if _SOURCE_AFTER.match(after):
            return "source"
        if _ANNOUNCE_AFTER.match(after):
            return "announce"
        return "event"

    # -- main --
    def scan(self, text: str) -> list[DateMention]:
        """All date expressions of one sentence, resolved; updates the "이날" reference."""
        taken: list[tuple[int, int]] = []
        found: list[DateMention] = []

        def free(s, e):
            return all(e <= a or s >= b for a, b in taken)

        for kind, rx in _PATTERNS:
            for m in rx.finditer(text):
                s, e = m.span()
                # do not count leading whitespace of an absent prefix
                while s < e and text[s].isspace():
                    s += 1
                if not free(s, e):
                    continue
                val, prec = self._resolve(kind, m)
                if val is None:
                    continue
                taken.append((s, e))
                found.append(DateMention(s, e, text[s:e], val, prec, self._kind(text, e)))
        found.sort(key=lambda x: x.start)
        for f in found:
            if f.precision == "day" and f.kind != "source":
                self.last = f.value
        return found

    def _resolve(self, kind: str, m: re.Match) -> tuple[date | None, str]:
        pub = self.published
        if kind == "ymd":
            return _safe(int(m[1]), int(m[2]), int(m[3])), "day"
        if kind == "ym":
            return _safe(int(m[1]), int(m[2]), 1), "month"
        if kind == "y":
            y = int(m[1])
            return (_safe(y, 1, 1), "year") if 1990 <= y <= 2100 else (None, "year")
        if kind == "md":
            mo, d = int(m[2]), int(m[3])
            y = self._year_for(mo, d, m[1])
            return (_safe(y, mo, d) if y else None), "day"
        if kind == "m":
            mo = int(m[2])
            if not 1 <= mo <= 12:
                return None, "month"
            y = self._year_for(mo, None, m[1])
            return (_safe(y, mo, 1) if y else None), "month"
        if kind == "rel_month_day":
            if pub is None or self.pub_precision == "year":
                return None, "day"
            delta = -1 if m[1] in ("지난달", "지난 달", "전월") else 1 if m[1] in ("다음달", "다음 달", "내달") else 0
            y, mo = _add_months(pub.year, pub.month, delta)
            return _safe(y, mo, int(m[2])), "day"
        if kind == "this_month":
            if pub is None or self.pub_precision == "year":
                return None, "month"
            delta = -1 if m[1] in ("지난달", "지난 달") else 1 if m[1] in ("다음달", "내달") else 0
            y, mo = _add_months(pub.year, pub.month, delta)
            return _safe(y, mo, 1), "month"
        if kind == "d":
            return self._day_in_context(int(m[2]), m[1]), "day"
        if kind == "rel_day":
            ref = self.last
            if ref is None:
                return None, "day"
            w = m[1]
            if w in ("전날", "전일", "어제", "하루 전"):
                return ref - timedelta(days=1), "day"
            if w in ("다음날", "다음 날", "이튿날", "익일"):
                return ref + timedelta(days=1), "day"
            return ref, "day"
        return None, "day"


def find_dates(text: str, published=None) -> list[DateMention]:
    """Every date expression in ``text`` (one sentence or several), resolved in reading order."""
    return DateResolver(published).scan(text)


def resolve_date(expr: str, published=None) -> date | None:
    """The first date in ``expr`` resolved against ``published`` (day or month precision), else None."""
    found = find_dates(expr, published)
    return found[0].value if found else None
