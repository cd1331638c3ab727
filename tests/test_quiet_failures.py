"""Issue 14: a handled failure ends with one clear line and an exit code, no traceback — through the real
`radar` command — while a real bug keeps its traceback in Prefect's log."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from holders import child_env
from localhttp import LocalServer

from warehouse import DatabaseBusy, Warehouse

ROOT = Path(__file__).resolve().parent.parent


def radar(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radar.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=child_env(), timeout=timeout)


def lines(stream: str) -> list[str]:
    return [line for line in stream.splitlines() if line.strip()]


@pytest.mark.parametrize("text, words", [
    ('[fetch]\nallow_private_hostz = ["127.0.0.1:80"]\n', "unknown key 'allow_private_hostz' in [fetch]"),
    ('[fetch]\nallow_private_hosts = ["127.0.0.1"]\n', "allow_private_hosts entry '127.0.0.1' in [fetch] is not host:port"),
    ('[alerts]\nmax_age_days = "old"\n', "'max_age_days' in [alerts] must be a number"),
    ('[alerts\n', "invalid TOML"),
])
def test_bad_sources_file_is_one_line_exit_2(tmp_path, text, words):
    sources = tmp_path / "sources.toml"
    sources.write_text(text, encoding="utf-8")
    result = radar("run", "--sources", str(sources), "--db", str(tmp_path / "r.duckdb"))
    assert result.returncode == 2
    assert lines(result.stderr) == [line for line in lines(result.stderr) if line.startswith("radar: ")]
    assert len(lines(result.stderr)) == 1 and words in result.stderr and "Traceback" not in result.stderr


def test_refused_address_is_one_line_with_the_fix_and_nothing_is_sent(tmp_path):
    with LocalServer() as srv:
        srv.route("/page", body="<html><body><p>본문</p></body></html>", content_type="text/html")
        result = radar("extract", srv.url("/page"), timeout=120)   # the bundled sources.toml: nothing allow-listed
        assert srv.requests == []
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert lines(result.stderr) == [
        f"radar: {srv.url('/page')}: refused: 127.0.0.1 is a private, loopback or link-local address; "
        f"to read it, add \"127.0.0.1:{srv.port}\" to [fetch] allow_private_hosts in sources.toml"]


@pytest.mark.slow
def test_busy_database_file_is_one_line_exit_1_without_prefects_traceback(tmp_path):
    db = tmp_path / "radar.duckdb"
    Warehouse(db).migrate()
    sources = tmp_path / "sources.toml"
    sources.write_text("[warehouse]\nlock_wait_seconds = 1\n", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(300)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = radar("run", "--sources", str(sources), "--db", str(db))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    last = lines(result.stderr)[-1] if "Stopping temporary server" not in lines(result.stderr)[-1] \
        else lines(result.stderr)[-2]
    assert last.startswith(f"radar: {db} is busy: PID {holder.pid}")
    assert "Finished in state Failed" in result.stderr      # Prefect still says the run failed, in one line


@pytest.mark.slow
def test_prefect_logs_handled_errors_without_traceback_and_bugs_with_it(tmp_path):
    from prefect import flow

    import flows.runs  # noqa: F401  (installs the filter, as every flow module does)

    @flow(name="handled-error")
    def busy():
        raise DatabaseBusy("x.duckdb is busy: PID 1 (a notebook) holds it", path=tmp_path / "x.duckdb", pid=1)

    @flow(name="real-bug")
    def bug():
        return {}["missing"]

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)
    handler = Keep()
    logging.getLogger("prefect.flow_runs").addHandler(handler)
    try:
        with pytest.raises(DatabaseBusy):
            busy()
        with pytest.raises(KeyError):
            bug()
    finally:
        logging.getLogger("prefect.flow_runs").removeHandler(handler)
    failures = [r for r in records if r.levelno >= logging.ERROR]
    handled = [r for r in failures if "DatabaseBusy" in r.getMessage()]
    bugs = [r for r in failures if "KeyError" in r.getMessage()]
    assert handled and all(r.exc_info is None for r in handled)
    assert bugs and all(r.exc_info and r.exc_info[0] is KeyError for r in bugs)
