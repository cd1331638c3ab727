"""The offline HTML report and the Atom feed: what `radar report`, `radar feed`, `radar demo` and the
monitor flow all call.

warehouse.report_queries reads the views (read-only, one short connection); model.py turns the rows
into what the page shows; page.py and atom.py render (pure); this module only adds the clock, the
default paths and an atomic write (a reader never sees half a file).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from extractors.models import KST
from settings import ReportSettings

REPORT_NAME = "report.html"
FEED_NAME = "alliance-news.xml"
NEW_DAYS = ReportSettings().new_days
FEED_ENTRIES = ReportSettings().feed_entries


@dataclass(frozen=True, slots=True)
class ReportSummary:
    path: Path
    bytes: int
    alliances: int
    organisations: int
    stories: int
    new_stories: int
    since: datetime
    empty: bool

    def line(self) -> str:
        if self.empty:
            return f"report: {self.path} (nothing yet: no alliance stories in the warehouse)"
        return (f"report: {self.path} ({self.bytes / 1e6:.1f} MB; {self.alliances} alliances, "
                f"{self.organisations} organisations, {self.stories} stories, {self.new_stories} new since "
                f"{self.since:%Y-%m-%d})")


def report_path(db_path: str | os.PathLike, settings: ReportSettings | None = None) -> Path:
    """The ``[report] html_path`` setting, else report.html beside the database."""
    configured = settings.html_path if settings else ""
    return Path(configured) if configured else Path(db_path).parent / REPORT_NAME


def feed_path(db_path: str | os.PathLike, settings: ReportSettings | None = None) -> Path:
    """The ``[report] feed_path`` setting, else alliance-news.xml beside the database."""
    configured = settings.feed_path if settings else ""
    return Path(configured) if configured else Path(db_path).parent / FEED_NAME


def since_start(since: date | datetime | None, now: datetime, new_days: int = NEW_DAYS) -> datetime:
    """Where "new this period" starts: a date means its first KST minute; None means ``new_days`` ago."""
    if since is None:
        return now.astimezone(KST) - timedelta(days=new_days)
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=KST)
    return datetime.combine(since, time(0, 0), tzinfo=KST)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(db_path: str | os.PathLike, *, since: date | datetime | None = None, new_days: int = NEW_DAYS,
                 now: datetime | None = None, wait_seconds: float = 30.0):
    """(html, model) for the warehouse at ``db_path``."""
    from warehouse.report_queries import report_rows

    from .model import build_model
    from .page import render_report
    now = (now or datetime.now(KST)).astimezone(KST)
    rows = report_rows(db_path, wait_seconds=wait_seconds)
    model = build_model(rows, generated_at=now, since=since_start(since, now, new_days))
    return render_report(model), model


def write_report(db_path: str | os.PathLike, out: str | os.PathLike | None = None, *,
                 since: date | datetime | None = None, new_days: int = NEW_DAYS, now: datetime | None = None,
                 wait_seconds: float = 30.0) -> ReportSummary:
    """Write the HTML report (default: report.html beside the database); returns what it holds."""
    path = Path(out) if out else report_path(db_path)
    page, model = build_report(db_path, since=since, new_days=new_days, now=now, wait_seconds=wait_seconds)
    data = page.encode("utf-8")
    write_atomic(path, data)
    return ReportSummary(path=path, bytes=len(data), alliances=len(model.alliances), organisations=len(model.orgs),
                         stories=len(model.stories), new_stories=len(model.new_stories), since=model.since,
                         empty=model.is_empty)


def write_feed(db_path: str | os.PathLike, out: str | os.PathLike | None = None, *, limit: int = FEED_ENTRIES,
               wait_seconds: float = 30.0) -> tuple[Path, int, bool]:
    """Write the Atom feed (default: alliance-news.xml beside the database). Returns (path, entries,
    changed); an unchanged feed is not rewritten, so its modification time means something."""
    from warehouse.report_queries import feed_rows

    from .atom import render_feed
    path = Path(out) if out else feed_path(db_path)
    stories = feed_rows(db_path, limit=limit, wait_seconds=wait_seconds)
    data = render_feed(stories)
    try:
        unchanged = path.read_bytes() == data
    except OSError:
        unchanged = False
    if not unchanged:
        write_atomic(path, data)
    return path, len(stories), not unchanged
