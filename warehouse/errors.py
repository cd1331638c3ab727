"""What can go wrong with the database file, as exceptions that say it in one line for people."""
from __future__ import annotations

from pathlib import Path


class WarehouseError(RuntimeError):
    """A problem with the database file, said in one line for people."""


class DatabaseBusy(WarehouseError):
    """Another process held the file longer than the lock wait; names that process."""

    def __init__(self, message: str, *, path: Path, pid: int | None = None, holder: str | None = None,
                 waited: float = 0.0):
        super().__init__(message)
        self.path, self.pid, self.holder, self.waited = path, pid, holder, waited


class SchemaTooNew(WarehouseError):
    """The file was written by a newer alliance-radar (it is not modified)."""


class NotAWarehouse(WarehouseError):
    """Not an alliance-radar DuckDB file: another database, SQLite, empty or corrupted (never written)."""


class QueryError(WarehouseError):
    """The SQL itself failed (syntax, unknown column, a write on the read-only connection...)."""
