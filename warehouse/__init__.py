"""DuckDB warehouse for alliance-radar: versioned schema, Arrow loads in one short transaction,
story clustering, alert outbox, Parquet export. Never fetches; never imports Prefect or httpx.

``Warehouse`` (store.py) is the facade; what it hands out are the typed records of records.py."""
from .clustering import DEFAULT_PARAMS, StoryParams
from .connection import read_only_connection
from .errors import DatabaseBusy, NotAWarehouse, QueryError, SchemaTooNew, WarehouseError
from .records import AllianceTimeline, Delivery, Member, PendingAlert, RawPage, StoryArticle, StoryRow
from .rows import alert_id_for, article_id_for
from .schema import SCHEMA_VERSION, VIEW_NAMES
from .store import Warehouse

__all__ = [
    "SCHEMA_VERSION", "VIEW_NAMES", "DEFAULT_PARAMS", "StoryParams", "Warehouse", "read_only_connection",
    "DatabaseBusy", "NotAWarehouse", "QueryError", "SchemaTooNew", "WarehouseError",
    "AllianceTimeline", "Delivery", "Member", "PendingAlert", "RawPage", "StoryArticle", "StoryRow",
    "alert_id_for", "article_id_for",
]
