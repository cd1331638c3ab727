"""Prefect flows and tasks (orchestration) and the I/O edges: HTTP fetching, alert delivery."""
from settings import set_prefect_defaults

set_prefect_defaults()   # before any flow module imports Prefect: telemetry off, a patient start-up timeout
