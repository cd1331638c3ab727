"""alliance-radar: watches Korean tech news for AI alliances."""
import os

# Telemetry off before Prefect is imported anywhere in this process (offline it also logs DNS errors).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

__version__ = "0.1.0"
