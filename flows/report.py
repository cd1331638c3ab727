"""What a run publishes in the Prefect UI: a markdown summary and a table of the new stories."""
from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

SUMMARY_ROWS = [
    ("feeds_polled", "피드 확인 (feeds polled)"),
    ("feeds_not_modified", "변경 없음 (304)"),
    ("feeds_failed", "피드 실패 (feeds failed)"),
    ("pages_fetched", "페이지 수집 (pages fetched)"),
    ("pages_failed", "페이지 실패 (pages failed)"),
    ("articles_new", "새 기사 (articles stored)"),
    ("alliance_kept", "AI 동맹 기사 (alliance articles kept)"),
    ("stories_new", "새 스토리 (new stories)"),
    ("alerts_sent", "알림 전송 (alerts sent)"),
    ("alerts_failed", "알림 보류 (alerts pending)"),
]


def summary_markdown(counts: dict) -> str:
    lines = ["# alliance-radar monitor pass", "", "| | count |", "|---|---:|"]
    lines += [f"| {label} | {counts.get(key, 0)} |" for key, label in SUMMARY_ROWS]
    failures = counts.get("failures") or []
    if failures:
        lines += ["", f"## Failures ({len(failures)})", ""]
        lines += [f"- `{f['url']}` — {f['reason']}" for f in failures[:50]]
    return "\n".join(lines)


def publish_run_artifacts(warehouse, run_id: str, counts: dict) -> None:
    create_markdown_artifact(summary_markdown(counts), key="monitor-summary",
                             description="Counts of one monitor pass")
    stories = warehouse.stories_for_run(run_id)
    if stories:
        table = [{"title": s.title, "alliance": s.alliance or "", "event": s.event or "",
                  "orgs": ", ".join(s.orgs), "outlets": s.outlet_count, "url": s.url}
                 for s in stories]
        create_table_artifact(table, key="new-alliance-stories", description="New AI-alliance stories in this pass")


# --- the HTML report and the Atom feed, after a pass ----------------------------------------------------

REPORT_CHANGES = ("articles_new", "articles_updated", "stories_new", "stories_joined")


def report_markdown(summary, feed: tuple | None = None) -> str:
    path = summary.path.resolve()
    lines = ["# AI 동맹 보고서 (alliance report)", "",
             f"[{path.name} 열기]({path.as_uri()}) — `{path}` ({summary.bytes / 1e6:.1f} MB, offline HTML)", ""]
    if summary.empty:
        lines.append("아직 동맹 스토리가 없습니다 (nothing yet).")
    else:
        lines += ["| | count |", "|---|---:|", f"| 동맹 (alliances) | {summary.alliances} |",
                  f"| 기관 (organisations) | {summary.organisations} |", f"| 스토리 (stories) | {summary.stories} |",
                  f"| {summary.since:%Y-%m-%d} 이후 새 스토리 (new) | {summary.new_stories} |"]
    if feed:
        lines += ["", f"Atom feed: `{feed[0].resolve()}` ({feed[1]} entries)"]
    return "\n".join(lines)


def publish_report(db_path, settings, counts: dict, logger) -> dict:
    """Rewrite the HTML report after a pass that changed something (or when it is missing) and point a
    Prefect markdown artifact at it; write the Atom feed when ``[report] write_feed``. A report that
    cannot be written is logged; it never fails a pass whose data is already safe in the warehouse."""
    from reports import feed_path, report_path, write_feed, write_report
    out: dict = {}
    feed = None
    try:
        if settings.write_feed:
            path, entries, changed = write_feed(db_path, feed_path(db_path, settings), limit=settings.feed_entries)
            feed = (path, entries)
            out["feed"] = str(path)
            out["feed_changed"] = changed
            if changed:
                logger.info("feed written: %s (%d entries)", path, entries)
        html = report_path(db_path, settings)
        if any(counts.get(key) for key in REPORT_CHANGES) or not html.exists():
            summary = write_report(db_path, html, new_days=settings.new_days)
            create_markdown_artifact(report_markdown(summary, feed), key="alliance-report",
                                     description="The latest alliance report (offline HTML)")
            out["report"] = str(summary.path)
            logger.info("%s", summary.line())
    except Exception as exc:   # the pass's data is committed; the next pass tries the report again
        logger.warning("report/feed not written: %s: %s", type(exc).__name__, exc)
        out["report_error"] = f"{type(exc).__name__}: {exc}"
    return out
