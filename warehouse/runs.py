"""The ``runs`` table: each flow run's parameters, status, counts and error."""
from __future__ import annotations

from .rows import json_text, utcnow


def record_start(con, run_id: str, flow: str, params: dict) -> None:
    con.execute("INSERT INTO runs (run_id, flow, params, started_at, status) VALUES (?, ?, ?, ?, 'running') "
                "ON CONFLICT (run_id) DO NOTHING", [run_id, flow, json_text(params or {}), utcnow()])


def record_finish(con, run_id: str, status: str, counts: dict, error: str | None) -> None:
    con.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT (run_id) DO NOTHING", [run_id, utcnow(), status])
    con.execute("UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE run_id = ?",
                [utcnow(), status, json_text(counts or {}), error, run_id])


def flow_of(con, run_id: str) -> str | None:
    row = con.execute("SELECT flow FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return row[0][0] if row else None
