"""What every flow does around its work: settings in, the warehouse opened with them, the run recorded.

``open_warehouse(config, db_path)`` is the one way a flow gets its ``Warehouse``: the file from
``db_path`` (else RADAR_DB, else data/radar.duckdb), created or upgraded to the current schema, with
lock wait, raw-HTML retention, backoff and chunk sizes from ``[warehouse]`` and the alert attempts and
age limit from ``[alerts]``.

Handled failures stay quiet: Prefect logs every exception a flow or task raises with its Python
traceback. For the errors a user can fix — the database file busy, foreign or too new (``WarehouseError``),
a bad sources file or setting (``ConfigError``), a bad rules / gazetteer / lexicon / outlet file — the
traceback says nothing the one-line message does not, so ``HandledErrorsWithoutTraceback`` (installed on
Prefect's flow- and task-run loggers when this module is imported, i.e. by every flow) keeps the log line
and drops the traceback. Every other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from prefect.runtime import flow_run

from extractors.boilerplate import RuleError
from extractors.gazetteer import GazetteerError
from extractors.outlets import RegistryError
from extractors.relevance.lexicon import LexiconError
from flows.alerts import alert_channels
from settings import Config, ConfigError
from warehouse import Warehouse, WarehouseError

HANDLED_ERRORS: tuple[type[BaseException], ...] = (
    WarehouseError, ConfigError, RuleError, GazetteerError, RegistryError, LexiconError)


class HandledErrorsWithoutTraceback(logging.Filter):
    """Drop the traceback (not the line) of a log record about a handled error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if isinstance(record.exc_info, tuple) else None
        if isinstance(exc, HANDLED_ERRORS):
            record.exc_info, record.exc_text = None, None
        return True


def quiet_handled_errors() -> None:
    """Install the filter on the loggers Prefect's engines log run failures with (idempotent)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HandledErrorsWithoutTraceback) for f in logger.filters):
            logger.addFilter(HandledErrorsWithoutTraceback())


quiet_handled_errors()


def open_warehouse(config: Config, db_path: str | os.PathLike | None) -> Warehouse:
    warehouse = Warehouse(Path(db_path) if db_path else config.env.db_path, config.warehouse,
                          alert_max_attempts=config.alerts.max_attempts,
                          alert_max_age_days=config.alerts.max_age_days)
    warehouse.migrate()
    return warehouse


def current_run_id() -> str:
    """The Prefect flow run's id ("local" when called outside a flow run)."""
    return str(flow_run.id or "local")


def channel_ids(config: Config) -> list[str]:
    """The alert channels the outbox writes one alert per story for."""
    return [channel.id for channel in alert_channels(config)]
