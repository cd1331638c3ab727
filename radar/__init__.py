"""alliance-radar: watches Korean tech news for AI alliances."""
import os

# Telemetry off before Prefect is imported anywhere in this process (offline it also logs DNS errors).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Prefect's ephemeral API server takes 10-15 s to import on a slow 2-core machine; its 20 s default
# start-up timeout would fail a run that is merely slow to start.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

__version__ = "0.1.0"
