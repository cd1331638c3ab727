"""Issue 5: analysts query the file while the flow runs. A `radar run` in another process writes the demo
corpus while this process keeps reading through the read-only path; every read must succeed."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from settings import WarehouseSettings
from warehouse import Warehouse, WarehouseError

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def test_reader_queries_succeed_while_a_flow_writes(corpus_server, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(corpus_server.render_sources(), encoding="utf-8")
    db = tmp_path / "radar.duckdb"
    writer = subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    counts, errors = [], []
    deadline = time.monotonic() + 240
    try:
        while writer.poll() is None and time.monotonic() < deadline:
            if db.exists():
                try:
                    counts.append(Warehouse(db, WarehouseSettings(lock_wait_seconds=10)).query("select count(*) from articles")[1][0][0])
                except WarehouseError as exc:
                    if "no database" not in str(exc):
                        errors.append(str(exc))
            time.sleep(0.05)
        output = writer.communicate(timeout=60)[0]
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, output
    assert not errors
    assert len(counts) >= 10                      # it really read while the flow was running
    assert counts == sorted(counts)               # each read sees a committed state, never a partial one
    assert set(counts) <= {0, len(corpus_server.manifest.pages)}
    final = Warehouse(db).query("select count(*) from articles")[1][0][0]
    assert final == len(corpus_server.manifest.pages)
