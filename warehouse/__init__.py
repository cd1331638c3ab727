"""DuckDB warehouse for alliance-radar: versioned schema, Arrow loads in one short transaction,
story clustering, alert outbox, Parquet export. Never fetches; never imports Prefect or httpx."""
from .clustering import DEFAULT_PARAMS, StoryParams
from .connection import read_only_connection
from .errors import DatabaseBusy, NotAWarehouse, QueryError, SchemaTooNew, WarehouseError
from .rows import alert_id_for, article_id_for
from .schema import SCHEMA_VERSION, VIEW_NAMES
from .store import Warehouse

__all__ = [
    "SCHEMA_VERSION", "VIEW_NAMES", "DatabaseBusy", "NotAWarehouse", "QueryError", "SchemaTooNew", "Warehouse", "WarehouseError",
    "alert_id_for", "article_id_for", "read_only_connection", "DEFAULT_PARAMS", "StoryParams",
    "format_alliance_timeline",
]


def format_alliance_timeline(timeline: list[dict]) -> str:
    """Text for `radar alliances`: each alliance with its members in joining order."""
    if not timeline:
        return "No alliances in the database yet."
    lines = []
    for a in timeline:
        lines.append(f"{a['alliance']}  (since {a['first_seen']}, {len(a['members'])} members)")
        for m in a["members"]:
            src = f"  [{m['outlet']}] {m['title']}" if m.get("title") else ""
            lines.append(f"  {m['joined_on']}  {m['org']}{src}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
