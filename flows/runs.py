"""What every flow does around its work: settings in, the warehouse opened with them, the run recorded.

``open_warehouse(config, db_path)`` is the one way a flow gets its ``Warehouse``: the file from
``db_path`` (else RADAR_DB, else data/radar.duckdb), created or upgraded to the current schema, with
lock wait, raw-HTML retention, backoff and chunk sizes from ``[warehouse]`` and the alert attempts
from ``[alerts]``.
"""
from __future__ import annotations

import os
from pathlib import Path

from prefect.runtime import flow_run

from flows.alerts import alert_channels
from settings import Config
from warehouse import Warehouse


def open_warehouse(config: Config, db_path: str | os.PathLike | None) -> Warehouse:
    warehouse = Warehouse(Path(db_path) if db_path else config.env.db_path, config.warehouse,
                          alert_max_attempts=config.alerts.max_attempts)
    warehouse.migrate()
    return warehouse


def current_run_id() -> str:
    """The Prefect flow run's id ("local" when called outside a flow run)."""
    return str(flow_run.id or "local")


def channel_ids(config: Config) -> list[str]:
    """The alert channels the outbox writes one alert per story for."""
    return [channel.id for channel in alert_channels(config)]
