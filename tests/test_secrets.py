"""Issue 14: secrets stay secret. Two real `radar run` passes with token-bearing Apprise URLs (a token in the
path, the query and the password of a json:// URL to a local receiver; one endpoint answering 500, one not
listening) and fake Naver API keys: the first pass finds the database held at load time and leaves its
batches in the staging area,
the second loads them and delivers. Then every output is searched for every secret: stdout and stderr of both
passes, everything Prefect stored (its database: run logs, artifacts, states, parameters), every row of every
DuckDB table, and every file the radar wrote beside the database (staged shards, delivery journal, report, feed)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from holders import child_env
from servers import WebhookReceiver

from warehouse import Warehouse

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent

PATH_TOKEN, QUERY_TOKEN, PASSWORD = "T0KENpath7f3a9c", "QU3RYtok2b8e41", "P4SSword9d0c6e"
FAIL_TOKEN, DEAD_TOKEN = "FA1Ltoken5a7b2d", "D3ADtoken8c1e9f"
NAVER_ID, NAVER_SECRET = "NaverIdFake4e2f", "NaverSecretFake7a1c"
SECRETS = [PATH_TOKEN, QUERY_TOKEN, PASSWORD, FAIL_TOKEN, DEAD_TOKEN, NAVER_ID, NAVER_SECRET]


def staged_text(path: Path) -> bytes:
    """A staged file as searchable bytes: a Parquet shard's values (compressed on disk), other files as they are."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq
        return json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False).encode()
    return path.read_bytes()


def run_pass(sources: Path, db: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "radar.cli", "run", "--sources", str(sources), "--db", str(db)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def leaks(where: str, data: bytes | str) -> list[str]:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    return [f"{secret} in {where}" for secret in SECRETS if secret.encode() in raw]


def test_no_secret_in_any_output(corpus_server, tmp_path):
    with WebhookReceiver(path=f"/hook/{PATH_TOKEN}") as hook, WebhookReceiver(path=f"/fail/{FAIL_TOKEN}") as failing:
        failing.status = 500
        with WebhookReceiver() as gone:
            dead_port = gone.port
        urls = [f"json://radar:{PASSWORD}@127.0.0.1:{hook.port}/hook/{PATH_TOKEN}?token={QUERY_TOKEN}",
                f"json://127.0.0.1:{failing.port}/fail/{FAIL_TOKEN}", f"json://127.0.0.1:{dead_port}/dead/{DEAD_TOKEN}"]
        page = next(p for p in corpus_server.manifest.pages if p.is_alliance)
        corpus_server.route("/v1/search/news.json", content_type="application/json", body=json.dumps(
            {"items": [{"title": page.title, "originallink": corpus_server.url(page.link), "link": corpus_server.url(page.link),
                        "description": "", "pubDate": "Tue, 27 Oct 2026 09:40:00 +0900"}]}, ensure_ascii=False))
        slow = corpus_server.manifest.pages[-1]      # keeps the first pass fetching while the file gets held
        corpus_server.route(slow.path, body=corpus_server.manifest.page_bytes(slow, corpus_server.base_url),
                            content_type=slow.content_type, delay=4.0, times=1)
        sources = tmp_path / "sources.toml"
        sources.write_text(corpus_server.render_sources().replace("[fetch]", "[warehouse]\nlock_wait_seconds = 2\n\n[fetch]", 1)
                           + f'\n[[feeds]]\nkind = "naver_api"\nquery = "AI 동맹"\n'
                             f'url = "{corpus_server.url("/v1/search/news.json?query=AI")}"\n', encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        env = child_env() | {"RADAR_ALERT_URLS": " ".join(urls), "NAVER_CLIENT_ID": NAVER_ID,
                             "NAVER_CLIENT_SECRET": NAVER_SECRET, "RADAR_NO_PREFECT_SECRETS": "1",
                             "PREFECT_HOME": str(tmp_path / "prefect-home")}

        first = run_pass(sources, db, env)
        deadline = time.monotonic() + 300
        while not any(r.path.startswith(slow.path.split("?")[0]) for r in corpus_server.page_requests()) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                                   "print('locked', flush=True); time.sleep(120)", str(db)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            out1, err1 = first.communicate(timeout=300)
        finally:
            holder.kill()
            holder.wait()
        assert first.returncode == 1, err1[-2000:]
        spooled = {p: staged_text(p) for p in (tmp_path / "radar.duckdb.staging").rglob("*") if p.is_file()}
        assert spooled, "the first pass should have left its batches in the staging area"

        second = run_pass(sources, db, env)
        out2, err2 = second.communicate(timeout=300)
        assert second.returncode == 0, err2[-3000:]

    # the secrets were really in play: the keys reached the API, the tokens reached the receivers
    naver = [r for r in corpus_server.requests if r.path.startswith("/v1/search/news.json")]   # path + its query
    assert naver and all(r.headers.get("X-Naver-Client-Secret") == NAVER_SECRET for r in naver)
    assert hook.received and all(PATH_TOKEN in r.path for r in hook.received)
    assert failing.received and all(r.status == 500 for r in failing.received)

    found = []
    for name, text in (("first stdout", out1), ("first stderr", err1), ("second stdout", out2), ("second stderr", err2)):
        found += leaks(name, text)
    for path, data in spooled.items():
        found += leaks(f"staged file {path.name}", data)
    for path in tmp_path.rglob("*"):         # the database, the delivery journal, report.html, the Atom feed ...
        if path.is_file() and "prefect-home" not in path.parts and path.suffix != ".toml":
            found += leaks(f"file {path.relative_to(tmp_path)}", path.read_bytes())
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()]
        assert {"runs", "fetch_log", "alerts", "articles"} <= set(tables)
        for table in tables:
            rows = con.execute(f'select * from "{table}"').fetchall()
            found += leaks(f"table {table}", repr(rows))
        errors = [r[0] for r in con.execute("select last_error from alerts where last_error is not null").fetchall()]
    finally:
        con.close()
    assert errors, "the failing and the dead endpoint should have left errors to search"
    prefect_db = tmp_path / "prefect-home" / "prefect.db"
    prefect_rows = sqlite_dump(prefect_db)
    assert "pass done" in prefect_rows and "monitor-summary" in prefect_rows   # logs and artifacts are there
    found += leaks("Prefect's database (logs, artifacts, states)", prefect_rows)
    assert found == []
    assert Warehouse(db).query("select count(*) from alerts where status = 'sent' and channel like 'apprise:%'")[1][0][0] \
        == len({p.story for p in corpus_server.manifest.pages if p.is_alliance})


def sqlite_dump(path: Path) -> str:
    import sqlite3
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        return "\n".join(repr(con.execute(f'select * from "{t}"').fetchall()) for t in tables)
