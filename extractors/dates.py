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

Also the one parser of written datetimes, ``parse_datetime``: feed and API dates, page metadata and
visible date stamps, and the published dates handed to the resolver all go through it.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

from .models import KST

__all__ = ["DateMention", "DateResolver", "datetime_from_parts", "find_dates", "hour24", "parse_datetime",
           "parse_published", "resolve_date"]


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
    dt = parse_datetime(s)
    if dt is not None:
        return dt.astimezone(KST).date(), "day"
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


# --- datetimes as feeds, APIs and pages write them ---------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_ZONES = {  # minutes east of UTC; KST is handled separately so it keeps the KST tzinfo
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "JST": 540, "HKT": 480, "SGT": 480,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
    "CET": 60, "CEST": 120, "BST": 60,
}
_RFC822 = re.compile(
    r"""^\s*(?:[A-Za-z]{2,9}\.?\s*,?\s*)?          # weekday
        (\d{1,2})[\s\-]+([A-Za-z]{3,9})\.?[\s\-]+(\d{2,4})  # day month year
        (?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?
        \s*(?:([+\-]\d{2}:?\d{2})|([A-Za-z]{1,5}))?
        \s*(?:\([^)]*\))?\s*$""", re.X)
_DATE_PART = re.compile(
    r"^\s*(\d{4})\s*(?:[\-./]|년)\s*(\d{1,2})\s*(?:[\-./]|월)\s*(\d{1,2})\s*(?:일|\.)?"
    r"\s*(?:\(\s*[^)]{0,12}\)|[월화수목금토일]요일|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?)?\s*")
_AMPM = r"(오전|오후|[AaPp]\.?[Mm]\.?)"
_TIME_PART = re.compile(
    r"^(?:T\s*)?(?:" + _AMPM + r"\s*)?(\d{1,2})\s*(?::|시)\s*(?:(\d{1,2})\s*분?)?"
    r"(?:\s*(?::|)\s*(\d{1,2})\s*초?)?(?:[.,](\d{1,9}))?\s*(?:" + _AMPM + r")?\s*")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?\s*(Z|[+\-]\d{2}:?\d{2})?\s*$")
_ASCTIME = re.compile(
    r"^\s*[A-Za-z]{3},?\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})"
    r"\s+(?:([+\-]\d{2}:?\d{2})\s+|([A-Za-z]{1,5})\s+)?(\d{4})\s*$")
_ZONE_PART = re.compile(r"^(?:(Z)|([+\-])(\d{2}):?(\d{2})?|\(?([A-Za-z]{1,5})\)?)\s*$")


def _zone(offset: str | None, name: str | None) -> timezone | None | bool:
    """tzinfo for an offset like +0900 or a zone name; None = no zone given (the caller's ``zoneless``);
    False = a zone we do not know (unparseable)."""
    if offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        if minutes >= 24 * 60:
            return False
        if minutes == 540 and sign == 1:
            return timezone(timedelta(hours=9))
        return timezone(sign * timedelta(minutes=minutes)) if minutes else timezone.utc
    if name:
        up = name.upper()
        if up == "KST":
            return KST
        if up in _ZONES:
            mins = _ZONES[up]
            return timezone(timedelta(minutes=mins)) if mins else timezone.utc
        return False
    return None


def _build(year: int, month: int, day: int, hour: int, minute: int, second: int,
           micro: int, tz, zoneless: tzinfo | None) -> datetime | None:
    if tz is False:
        return None
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz or zoneless)
    except ValueError:
        return None


def hour24(hour: int, marker: str | None) -> int:
    """The 24-hour clock hour for "오후 3", "3 PM", "오전 12" (= 0); an hour above 12 keeps its value
    ("오후 14:00": the 24-hour clock wins)."""
    if not marker or hour > 12:
        return hour
    if marker.startswith("오후") or marker[0] in "Pp":
        return 12 if hour == 12 else hour + 12
    return 0 if hour == 12 else hour


def _parse_whole(raw: str, zoneless: tzinfo | None) -> datetime | None:
    """The whole string is one date (a feed's pubDate, an API's field)."""
    if not raw:
        return None
    s = raw.strip()
    if not s or len(s) > 100:
        return None

    m = _RFC822.match(s)
    if m:
        day, mon, year, hh, mm, ss, off, name = m.groups()
        month = _MONTHS.get(mon[:3].lower())
        if month is None:
            return None
        return _build(int(year), month, int(day), int(hh or 0), int(mm or 0), int(ss or 0), 0,
                      _zone(off, name), zoneless)

    m = _ASCTIME.match(s)
    if m:
        mon, day, hh, mm, ss, off, name, year = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            return None
        return _build(int(year), month, int(day), int(hh), int(mm), int(ss), 0, _zone(off, name), zoneless)

    m = _COMPACT.match(s)  # 20250304102100, 20250304T102100Z
    if m:
        year, month, day, hh, mm, ss, zone = m.groups()
        tz = timezone.utc if zone == "Z" else _zone(zone, None)
        return _build(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), 0, tz, zoneless)

    m = _DATE_PART.match(s)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    rest = s[m.end():]
    hour = minute = second = micro = 0
    if rest:
        t = _TIME_PART.match(rest)
        if t and t.end() > 0:
            ampm1, hh, mm, ss, frac, ampm2 = t.groups()
            hour = hour24(int(hh), ampm1 or ampm2)
            minute, second = int(mm or 0), int(ss or 0)
            micro = int((frac or "0").ljust(6, "0")[:6])
            rest = rest[t.end():]
    tz = None
    if rest:
        z = _ZONE_PART.match(rest)
        if not z:
            return None
        zulu, sign, zh, zm, name = z.groups()
        if zulu:
            tz = timezone.utc
        elif sign:
            tz = _zone(f"{sign}{zh}{zm or '00'}", None)
        else:
            tz = _zone(None, name)
    return _build(year, month, day, hour, minute, second, micro, tz, zoneless)




# a date inside longer text ("입력 2024.05.01 오후 3:20 | 수정 ..."), as pages print them
_DATE_IN_TEXT = re.compile(
    r"(\d{4})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})\s*일?\.?\s*(?:\([월화수목금토일]\)\s*)?[T\s]*"
    r"(?:(오전|오후|AM|PM)\s*)?(?:(\d{1,2})\s*[:시]\s*(\d{1,2})(?:\s*[:분]\s*(\d{1,2})(?:\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2}|KST|UTC|GMT)?", re.I)
_DIGITS_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")
_EPOCH = re.compile(r"\d{10}(?:\d{3})?")


def datetime_from_parts(year, month, day, ampm=None, hour=None, minute=None, second=None, zone=None, *,
                        zoneless: tzinfo | None = None) -> datetime | None:
    """A datetime from the pieces a regex found (strings or None; ``zone`` Z, +09:00, KST, UTC, GMT),
    or None when they make no date between 1990 and 2100."""
    tz = None
    if zone:
        tz = _zone(zone, None) if zone[0] in "+-" else _zone(None, zone)
        if tz is False:
            return None
    try:
        dt = datetime(int(year), int(month), int(day), hour24(int(hour) if hour else 0, ampm),
                      int(minute) if minute else 0, int(second) if second else 0)
    except (ValueError, TypeError):
        return None
    if not 1990 <= dt.year <= 2100:
        return None
    return dt.replace(tzinfo=tz or zoneless)


def _parse_in_text(value, zoneless: tzinfo | None) -> datetime | None:
    """Epoch seconds / milliseconds, 20240501[1030[00]], or the first date written inside the text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
        if seconds > 1e12:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, timezone.utc) if 6e8 < seconds < 4.2e9 else None
    s = str(value).strip()
    if not s:
        return None
    if _EPOCH.fullmatch(s):
        return _parse_in_text(int(s), zoneless)
    m = _DIGITS_DATE.fullmatch(s)
    if m:
        year, month, day, hour, minute, second = m.groups()
        return datetime_from_parts(year, month, day, None, hour, minute, second, zoneless=zoneless)
    m = _DATE_IN_TEXT.search(s)
    return datetime_from_parts(*m.groups(), zoneless=zoneless) if m else None


def parse_datetime(value, *, zoneless: tzinfo | None = KST, in_text: bool = False) -> datetime | None:
    """The one date parser: an aware datetime (naive only when ``zoneless`` is None), or None.

    Whole strings (``in_text=False``: feeds, APIs): RFC 822 ("Tue, 04 Mar 2025 10:21:00 +0900",
    "... KST", "... GMT"), asctime, ISO 8601 with or without zone, "2025-03-04 10:21:00",
    "2025.03.04 10:21", "2025년 3월 4일 오전 10:21", 20250304102100.
    In text (``in_text=True``: page metadata and visible stamps): epoch seconds/milliseconds,
    20250304[1021[00]], or the first date written anywhere in the text, between 1990 and 2100.
    A date without a zone gets ``zoneless`` (KST by default: Korean outlets publish in KST);
    "KST" reads as +09:00, explicit offsets are kept as given.
    """
    if value is None:
        return None
    if in_text:
        return _parse_in_text(value, zoneless)
    return _parse_whole(str(value), zoneless)
