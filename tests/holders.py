"""Other processes around the DuckDB file, for the lock tests: one that holds it, a `radar run`, pages to load."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

from builders import page

from extractors.models import KST

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=KST)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def hold(path: Path, seconds: float, *, read_only: bool = False) -> subprocess.Popen:
    """Start a process that opens the file (read-write by default) and keeps it open."""
    code = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r}, read_only={read_only!r})
        con.execute("SELECT count(*) FROM articles").fetchall()
        print("held", flush=True)
        time.sleep({seconds!r})
        con.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env())
    line = proc.stdout.readline()
    assert line.strip() == "held", proc.stderr.read()
    return proc


def radar_run(sources: Path, db: Path, **popen) -> subprocess.Popen:
    """`radar run` in its own process, as cron would start it."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db)],
                            cwd=ROOT, text=True, **popen)


def pages(start: int, n: int):
    return [page(f"https://l.example/{i}", body=f"본문 {i}", published_at=T0 + timedelta(minutes=i))
            for i in range(start, start + n)]
