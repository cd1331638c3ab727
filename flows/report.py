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
