"""Issue 10: `radar bench pipeline` through the real command at a small N. What a user reads in its JSON:
the pass fetched and loaded every generated page, the second pass (nothing new) made no page request and
every feed answered 304, and the figures it prints (pages/s, ratio to trafilatura, peak RSS) are real."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from holders import child_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PAGES, FEEDS = 40, 4


def test_bench_pipeline_json_at_small_n():
    done = subprocess.run([sys.executable, "-m", "radar.cli", "bench", "pipeline", "--pages", str(PAGES),
                           "--feeds", str(FEEDS), "--workers", "1", "--json"],
                          cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert (report["pages"], report["feeds"], report["workers"]) == (PAGES, FEEDS, 1)
    assert 60 <= report["average_page_kb"] <= 110          # pages in realistic chrome, ~80 KB

    assert report["prefect_database_setup_seconds"] > 0     # made once, before the timed passes

    first = report["pass"]
    assert first["returncode"] == 0
    assert first["page_requests"] == PAGES                 # each page fetched once
    assert first["counts"]["pages_fetched"] == PAGES
    assert first["counts"]["pages_failed"] == 0
    assert first["counts"]["articles_new"] == PAGES        # and loaded
    assert first["peak_rss_mb"] > 0 and first["seconds"] > 0 and first["cpu_seconds"] > 0
    assert first["counts"]["timings"]["fetch"] > 0

    idle = report["idle_pass"]
    assert idle["returncode"] == 0
    assert idle["page_requests"] == 0                      # nothing new: no page fetched
    assert idle["feeds_not_modified"] == FEEDS             # every feed answered 304
    assert idle["counts"]["feeds_not_modified"] == FEEDS
    assert idle["counts"].get("articles_new", 0) == 0
    assert idle["peak_rss_mb"] > 0

    floor = report["trafilatura"]
    assert floor["pages"] == floor["extracted"] == PAGES
    assert floor["pages_per_second"] > 0
    assert report["pages_per_second_beyond_fixed_cost"] > 0
    assert report["ratio_to_trafilatura"] > 0
