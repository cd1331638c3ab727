"""Issue 5: after an extractor change, `radar reprocess` re-extracts the stored raw HTML — no network — and
updates the rows in place, keeping the extractor-version history."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows.monitor import monitor
from radar.demo_server import CorpusServer
from warehouse import Warehouse

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def test_reprocess_applies_a_new_rule_to_stored_pages_without_network(tmp_path):
    db = tmp_path / "radar.duckdb"
    with CorpusServer() as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(server.render_sources(), encoding="utf-8")
        monitor(sources_path=str(sources), db_path=str(db))
        page = next(p for p in server.manifest.pages if p.is_alliance and p.body_contains)
    # the server is gone now: any fetch would fail
    sentence = page.body_contains[0]
    wh = Warehouse(db)
    before = dict(wh.query("select url, extractor_version from articles")[1])
    assert all(v for v in before.values())
    articles_before = wh.query("select count(*) from articles")[1][0][0]

    rules = tmp_path / "my-rules.toml"
    rules.write_text("[[rule]]\nname = \"drop-one-paragraph\"\nclass = \"widget\"\nscope = \"line\"\n"
                     f"pattern = '.*{re.escape(sentence)}.*'\n", encoding="utf-8")
    env = {**os.environ, "RADAR_BOILERPLATE_RULES": str(rules)}
    result = subprocess.run([sys.executable, "-m", "radar.cli", "reprocess", "--db", str(db), "--sources", str(sources)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"reprocessed \d+ stored pages", result.stdout)

    after = dict(wh.query("select url, extractor_version from articles")[1])
    assert after.keys() == before.keys()
    assert all(after[url] != before[url] for url in after)          # the rule file is part of the version
    bodies = [row[0] for row in wh.query("select body from articles")[1]]
    assert not any(sentence in body for body in bodies)
    assert wh.query("select count(*) from articles")[1][0][0] == articles_before
    versions = wh.query("select count(distinct extractor_version) from article_versions")[1][0][0]
    assert versions == 2
    assert wh.query("select count(*) from alerts where status = 'sent'")[1][0][0] == \
        wh.query("select count(*) from stories")[1][0][0]          # nothing alerted twice
