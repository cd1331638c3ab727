"""Shared fixtures: real HTTP servers on 127.0.0.1, never mocks.

corpus_server          function scope: a fresh CorpusServer (request log empty, no fault routes)
corpus_server_session  session scope: one server for read-only tests; don't add routes to it
demo_manifest          the parsed manifest.toml (radar.demo_server.Manifest)
webhook                a WebhookReceiver (tests/servers.py): .url, .apprise_url, .received, .status, .delay
webhook_server         module scope: the same, for a module-scoped fixture (it keeps what earlier tests sent)

Hypothesis profiles (tests/test_fuzz_parsers.py): "ci" (default) runs a modest fixed sample per property (25
derandomized examples, no example database) so the suite stays quick and repeatable; RADAR_FUZZ=long runs
3,000 random examples per property and keeps failures in .hypothesis/ (rerun them with the same command).
"""
from __future__ import annotations

import os
import sys
import tempfile

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase
from servers import WebhookReceiver

from radar.demo_server import CorpusServer, Manifest, load_manifest
from settings import set_prefect_defaults

# Tests run Prefect in its ephemeral mode with a throwaway home: never the user's server or history.
os.environ["PREFECT_HOME"] = os.environ.get("RADAR_TEST_PREFECT_HOME") or tempfile.mkdtemp(prefix="radar-prefect-")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PREFECT_PROFILE", None)
# The ephemeral API server starts slower still while other tests run: more than the application's 120 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
set_prefect_defaults()   # telemetry off (settings.py), before any test module imports Prefect

_SLOW_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
hypothesis_settings.register_profile("ci", max_examples=25, derandomize=True, database=None,
                                     suppress_health_check=_SLOW_INPUTS)
hypothesis_settings.register_profile("long", max_examples=3000, derandomize=False,
                                     database=DirectoryBasedExampleDatabase(".hypothesis"),
                                     suppress_health_check=_SLOW_INPUTS)
hypothesis_settings.load_profile(os.environ.get("RADAR_FUZZ", "ci"))


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
    if "prefect.server.api.server" not in sys.modules:
        return              # no flow ran in this session: nothing to stop (and importing it costs seconds)
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
