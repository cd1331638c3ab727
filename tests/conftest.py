"""Shared fixtures: real HTTP servers on 127.0.0.1, never mocks.

corpus_server          function scope: a fresh CorpusServer (request log empty, no fault routes)
corpus_server_session  session scope: one server for read-only tests; don't add routes to it
demo_manifest          the parsed manifest.toml (radar.demo_server.Manifest)
demo_sources           a sources.toml in tmp_path pointing at corpus_server (pathlib.Path)
webhook                a WebhookReceiver (tests/servers.py): .url, .apprise_url, .received, .status, .delay
webhook_server         module scope: the same, shared by a module-scoped fixture (call .reset() between uses)
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Tests run Prefect in its ephemeral mode with a throwaway home: never the user's server or history.
os.environ["PREFECT_HOME"] = os.environ.get("RADAR_TEST_PREFECT_HOME") or tempfile.mkdtemp(prefix="radar-prefect-")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PREFECT_PROFILE", None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("DO_NOT_TRACK", "1")
# Prefect's ephemeral API server imports for 10-15 s on a slow 2-core machine (more while other tests
# run); its default 20 s start-up timeout then fails whole flow tests for no reason of ours.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import pytest
from servers import WebhookReceiver

from radar.demo_server import CorpusServer, Manifest, load_manifest


@pytest.fixture
def corpus_server():
    with CorpusServer() as server:
        yield server


@pytest.fixture(scope="session")
def corpus_server_session():
    with CorpusServer() as server:
        yield server


@pytest.fixture(scope="session")
def demo_manifest() -> Manifest:
    return load_manifest()


@pytest.fixture
def demo_sources(corpus_server: CorpusServer, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(corpus_server.render_sources(), "utf-8")
    return path


@pytest.fixture
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def webhook_server():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session", autouse=True)
def _stop_prefect_ephemeral_server():
    """Stop Prefect's ephemeral API server at the end of the session, quietly: its atexit hook would
    otherwise log into a stream pytest has already closed and print a traceback after the summary."""
    yield
    try:
        from prefect.logging.handlers import APILogWorker
        from prefect.server.api import server as prefect_server
    except ImportError:
        return
    APILogWorker.drain_all(timeout=5)   # send the last run logs while the server is still up
    prefect_server.subprocess_server_logger.disabled = True
    for instance in list(prefect_server.SubprocessASGIServer._instances.values()):
        instance.stop()


# Screenshots that browser tests keep as artifacts: their paths are listed after the run.
SCREENSHOTS = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    shots = config.stash.get(SCREENSHOTS, [])
    if shots:
        terminalreporter.write_sep("-", "screenshots (test artifacts)")
        for path in shots:
            terminalreporter.write_line(path)
