"""`radar demo`: the real pipeline, offline — a local HTTP server serves the bundled demo corpus."""
from __future__ import annotations

import tempfile
from pathlib import Path

from radar.runner import run_monitor


def run_demo(db_path: Path) -> dict | None:
    from radar.demo_server import CorpusServer
    with CorpusServer() as server, tempfile.TemporaryDirectory(prefix="radar-demo-") as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(server.render_sources(), encoding="utf-8")
        print(f"demo corpus served at {server.base_url} (fictional outlets and events)", flush=True)
        counts = run_monitor(sources, db_path, full=True)   # the demo shows the whole pass, every time
    if counts is not None:   # the report beside the database, even when this pass changed nothing
        from reports import write_report
        print(write_report(db_path).line(), flush=True)
    return counts
