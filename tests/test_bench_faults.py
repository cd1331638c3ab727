"""Issue 14: `radar bench faults` runs real faults against real local servers and counts. A small selection
(one feed fault, one SIGKILL trial) through the real command: the JSON has one row per fault with every
column, the totals add up, and both faults held (nothing lost, nothing duplicated, every story alerted once)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from holders import child_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_bench_faults_json_for_a_feed_fault_and_a_sigkill_trial():
    done = subprocess.run([sys.executable, "-m", "radar.cli", "bench", "faults", "--json", "--only",
                           "feed answers 500,SIGKILL", "--kills", "1", "--seed", "3"],
                          cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = report["faults"]
    assert [r["fault"] for r in rows] == ["feed answers 500", "SIGKILL #1 at a random point"]
    for r in rows:
        assert r["outcome"] == "held", r
        assert (r["rows_lost"], r["duplicate_rows"], r["duplicate_alerts"]) == (0, 0, 0)
        assert r["seconds"] > 0 and r["peak_mb"] > 50
    assert "handled" not in rows[0]["passes"] and rows[1]["passes"].split(", ")[0] in (
        "killed", "ended before the kill (exit 0)")
    totals = report["totals"]
    assert (totals["faults"], totals["held"], totals["failed"], totals["kill_trials"]) == (2, 2, 0, 1)
    assert totals["peak_mb"] == max(r["peak_mb"] for r in rows)
    assert report["baseline"]["outcome"] == "held"
    assert "[ 1] feed answers 500: held" in done.stderr          # progress, one line per fault
