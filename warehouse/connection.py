"""Opening the DuckDB file: the lock discipline, the schema check, one short transaction per write.

DuckDB allows one read-write process OR any number of read-only processes per file, and every
connection locks the file while it is open. So:

* every ``reading`` / ``transaction`` block opens its own connection and closes it at the end;
* except while a pass's loader holds the file open (``HeldOpen``, a few seconds at a time): then this
  process's blocks share that open database, and a commit no longer pays the checkpoint of a last close;
* a busy file is retried with exponential backoff for ``wait_seconds``, then ``DatabaseBusy`` names
  the process that holds it (DuckDB's lock error carries its PID);
* a file that is not ours (another database, SQLite, empty, corrupted) or is newer than this code is
  refused before anything is written; an older one is upgraded inside the first write transaction.
"""
from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .errors import DatabaseBusy, NotAWarehouse, SchemaTooNew, WarehouseError
from .schema import APP_ID, SCHEMA_VERSION, apply_migrations

_LOCK_RE = re.compile(r'Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)')


def _holder_description(pid: int | None, prog: str | None) -> str:
    desc = prog or "another process"
    if pid is not None:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
            cmd = " ".join(p.decode("utf-8", "replace") for p in raw.split(b"\0") if p)
            if cmd:
                desc = cmd if len(cmd) <= 120 else cmd[:117] + "..."
        except OSError:
            pass
        return f"PID {pid} ({desc})"
    return desc


# files this process holds open read-write (HeldOpen): DuckDB shares one database per file in a process,
# so its read-only blocks must open read-write too ("already open with a different configuration")
_held: dict[str, list["HeldOpen"]] = {}
_held_lock = threading.Lock()


def _key(path: Path) -> str:
    return os.path.realpath(path)


class HeldOpen:
    """The file kept open read-write in this process, so that the write transactions in between share
    one open database. DuckDB checkpoints a file (writes its WAL into the tables) when the last connection
    to it closes: a loader that opens and closes the file per batch paid that checkpoint on every batch,
    about half of its load time (13.7 of 27.8 s for 40 batches of 100 pages; held open, 14.6 s in all).
    The file stays locked against other processes while held: hold it for seconds, not for a whole pass.
    ``wait_seconds`` = 0 tries once (DatabaseBusy if another process has it)."""

    def __init__(self, path: Path, wait_seconds: float = 0.0):
        self.path = Path(path)
        self.since = time.monotonic()
        # what this process's loads keep from one to the next while the file is held (no other process can
        # write it meanwhile): the story index (warehouse/stories.py KeptIndex); gone with the hold
        self.kept: dict = {}
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, read_only=False,
                                                              wait_seconds=wait_seconds)
        with _held_lock:
            _held.setdefault(_key(self.path), []).append(self)

    def close(self) -> None:
        """Let the file go (the checkpoint happens here, once, unless another block still has it open)."""
        if self._con is None:
            return
        key = _key(self.path)
        with _held_lock:
            _held[key].remove(self)
            if not _held[key]:
                del _held[key]
        self.kept.clear()
        con, self._con = self._con, None
        con.close()

    def __enter__(self) -> "HeldOpen":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def holding(path: Path) -> HeldOpen | None:
    """The first ``HeldOpen`` of this file in this process, while there is one."""
    with _held_lock:
        blocks = _held.get(_key(path))
        return blocks[0] if blocks else None


def _is_lock_error(msg: str) -> bool:
    return "Could not set lock" in msg or "Conflicting lock" in msg


def _check_magic(path: Path) -> None:
    """Refuse files that are not DuckDB databases before DuckDB sees them (DuckDB would try to
    open e.g. a SQLite file through an extension, and might write to it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WarehouseError(f"cannot read {path}: {exc.strerror}") from None
    if head[8:12] != b"DUCK":
        kind = "an empty file" if not head else ("a SQLite database" if head.startswith(b"SQLite") else
                                                 "not a DuckDB database")
        raise NotAWarehouse(f"{path} is {kind}, not an alliance-radar DuckDB file; it was left untouched — "
                            f"move it away or pick another --db path")


def connect(path: Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds a conflicting lock."""
    if _held and _key(path) in _held:
        # held open read-write by this process (HeldOpen): share that database, checked when it was opened.
        # Not _check_magic: closing any descriptor of the file drops this process's POSIX lock on it
        read_only = False
    else:
        _check_magic(path)
    start = time.monotonic()
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)   # default config: no clash with others
        except duckdb.Error as exc:
            msg = str(exc)
            if _is_lock_error(msg):
                waited = time.monotonic() - start
                if waited + delay > wait_seconds:
                    m = _LOCK_RE.search(msg)
                    pid = int(m.group("pid")) if m else None
                    holder = _holder_description(pid, m.group("prog") if m else None)
                    mode = "read" if read_only else "write"
                    raise DatabaseBusy(
                        f"{path} is busy: {holder} holds it; gave up after waiting {waited:.1f}s to {mode}. "
                        f"DuckDB allows one writer or many readers: close that program's connection "
                        f"(a notebook, the duckdb CLI, a BI tool) or try again later.",
                        path=path, pid=pid, holder=holder, waited=waited) from None
                time.sleep(delay * (0.8 + 0.4 * random.random()))
                delay = min(delay * 1.6, 1.0)
                continue
            if "database does not exist" in msg:
                raise WarehouseError(f"no database at {path} — run `radar demo` or `radar run` first") from None
            if "not a valid DuckDB database file" in msg or "Corrupt" in msg or "checksum" in msg \
                    or "Could not read enough bytes" in msg:
                raise NotAWarehouse(f"{path} is not a readable alliance-radar DuckDB file ({msg.splitlines()[0]}); "
                                    f"it was left untouched — move it away or pick another --db path") from None
            if "different configuration" in msg:
                raise WarehouseError(f"{path} is already open in this process with other settings "
                                     f"(read-only vs read-write); close that connection first") from None
            raise WarehouseError(f"cannot open {path}: {msg.splitlines()[0]}") from None


def read_only_connection(path: str | os.PathLike, *, wait_seconds: float = 30.0,
                         timezone_name: str | None = "Asia/Seoul") -> duckdb.DuckDBPyConnection:
    """A read-only connection for ad-hoc SQL: waits with backoff while the flow holds the file, then
    raises DatabaseBusy naming the holder. The caller must close it. Timestamps display in Korea time
    unless ``timezone_name`` is None."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"no database at {path} — run `radar demo` or `radar run` first")
    con = connect(path, read_only=True, wait_seconds=wait_seconds)
    if timezone_name:
        set_timezone(con, timezone_name)
    return con


def set_timezone(con, timezone_name: str) -> None:
    """Show TIMESTAMPTZ values in this zone (skipped quietly where the ICU extension is missing)."""
    try:
        con.execute(f"SET TimeZone = '{timezone_name}'")
    except duckdb.Error:
        pass


def version_of(con) -> tuple[int | None, str | None]:
    """(version, problem): version None + problem for foreign files; (0, None) for an empty file."""
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'").fetchall()}
    except duckdb.Error as exc:
        return None, f"unreadable ({str(exc).splitlines()[0]})"
    if not tables:
        return 0, None
    if "schema_version" not in tables:
        return None, f"holds other tables ({', '.join(sorted(tables)[:5])}) and no schema_version"
    try:
        row = con.execute("SELECT max(version), count(*) FILTER (WHERE app <> ?) FROM schema_version",
                          [APP_ID]).fetchall()[0]
    except duckdb.Error as exc:
        return None, f"has a foreign schema_version table ({str(exc).splitlines()[0]})"
    if row[1]:
        return None, "has a schema_version table written by another application"
    return int(row[0] or 0), None


def checked_version(path: Path, con) -> int:
    """The file's schema version; a foreign or newer-than-code file is refused (never modified)."""
    version, problem = version_of(con)
    if version is None:
        raise NotAWarehouse(f"{path} is a DuckDB file but not an alliance-radar warehouse: {problem}; "
                            f"it was left untouched — pick another --db path")
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(f"{path} has schema version {version} but this alliance-radar understands "
                           f"up to {SCHEMA_VERSION}; upgrade alliance-radar (the file was not modified)")
    return version


def probe(path: Path, wait_seconds: float) -> int:
    """Check an existing file read-only (so a foreign file is never opened for writing)."""
    con = connect(path, read_only=True, wait_seconds=wait_seconds)
    try:
        return checked_version(path, con)
    finally:
        con.close()


@contextmanager
def reading(path: Path, wait_seconds: float, *, verified: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one block; the file's version is checked unless ``verified``."""
    if not path.exists():
        raise WarehouseError(f"no database at {path} — run `radar demo` or `radar run` first")
    con = connect(path, read_only=True, wait_seconds=wait_seconds)
    try:
        if not verified:
            checked_version(path, con)
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: Path, wait_seconds: float, *, verified: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """ONE read-write transaction; the file is locked only while this block runs. A missing file (and
    its folder) is created, an older schema upgraded first; everything rolls back on any error."""
    if path.exists():
        if not verified:
            probe(path, wait_seconds)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path, read_only=False, wait_seconds=wait_seconds)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            version, problem = version_of(con)
            if version is None:
                raise NotAWarehouse(f"{path} is not an alliance-radar warehouse: {problem}")
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(f"{path} has schema version {version} but this alliance-radar "
                                   f"understands up to {SCHEMA_VERSION}; upgrade alliance-radar")
            if version < SCHEMA_VERSION:
                apply_migrations(con, version)
            yield con
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if "Corrupt" in first or "checksum" in first or "Could not read enough bytes" in first:
            raise NotAWarehouse(f"{path} looks corrupted ({first}); nothing was written — restore a "
                                f"backup or move it away") from exc
        raise WarehouseError(f"{path}: database error: {first}") from exc
    finally:
        con.close()
