"""`radar serve`: the single-machine way to run on a schedule — one long-running process that serves

    monitor/radar-serve     every 15 minutes (Asia/Seoul), deployment concurrency limit 1 (CANCEL_NEW)
    digest/radar-serve      08:30 Asia/Seoul daily, for yesterday (KST)
    reprocess/radar-serve   no schedule; run it with `prefect deployment run 'reprocess/radar-serve'`

against a Prefect server (schedules need the server's scheduler, which the ephemeral in-process API
does not run). Ctrl-C (SIGINT) or SIGTERM stops it: running flow runs are cancelled by Prefect's
runner and the schedules are paused until the next start.

The deployments are named ``radar-serve`` so they never overwrite the ``prefect.yaml`` ones
(``monitor/monitor`` ...) if both setups point at the same server.
"""
from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

import httpx

from settings import ConfigError, load_config

DEFAULT_API = "http://127.0.0.1:4200/api"
SERVE_NAME = "radar-serve"
TIMEZONE = "Asia/Seoul"


def _server_ok(api_url: str) -> bool:
    try:
        return httpx.get(api_url.rstrip("/") + "/health", timeout=3, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def ensure_server() -> str:
    """The API URL to serve against: PREFECT_API_URL (or the active profile's), else a local
    `prefect server start` on the default port. Raises ConfigError with the fix when there is none."""
    from prefect.settings import PREFECT_API_URL

    api = os.environ.get("PREFECT_API_URL") or (PREFECT_API_URL.value() or "")
    if api:
        if "api.prefect.cloud" in api or _server_ok(api):
            return api
        raise ConfigError(f"the Prefect API at {api} does not answer; start it with `prefect server start` "
                          f"(or fix PREFECT_API_URL)")
    if _server_ok(DEFAULT_API):
        os.environ["PREFECT_API_URL"] = DEFAULT_API
        return DEFAULT_API
    raise ConfigError("radar serve needs a Prefect server for its schedules: run `prefect server start` in "
                      "another terminal, then `export PREFECT_API_URL=http://127.0.0.1:4200/api` "
                      "(or `prefect cloud login` for Prefect Cloud)")


def build_deployments(sources_path: str | None, db_path: str | None, *, name: str = SERVE_NAME,
                      monitor_interval: float | None = None):
    """The three runner deployments. ``monitor_interval`` (seconds) replaces the 15-minute cron (tests)."""
    from prefect.client.schemas.objects import (
        ConcurrencyLimitConfig,
        ConcurrencyLimitStrategy,
    )
    from prefect.schedules import Cron, Interval

    from flows.digest import digest
    from flows.monitor import monitor
    from flows.reprocess import reprocess

    params = {"sources_path": sources_path, "db_path": db_path}
    monitor_schedule = (Interval(timedelta(seconds=monitor_interval), timezone=TIMEZONE)
                        if monitor_interval else Cron("*/15 * * * *", timezone=TIMEZONE))
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    return [
        monitor.to_deployment(name=name, schedules=[monitor_schedule], parameters=params,
                              concurrency_limit=one_at_a_time, tags=["alliance-radar"],
                              description="One pass over the sources into the warehouse, then alerts."),
        digest.to_deployment(name=name, schedules=[Cron("30 8 * * *", timezone=TIMEZONE)],
                             parameters={**params, "day": "yesterday"}, concurrency_limit=1,
                             tags=["alliance-radar"], description="Yesterday's (KST) stories, one message per channel."),
        reprocess.to_deployment(name=name, parameters=params, concurrency_limit=1, tags=["alliance-radar"],
                                description="Re-extract and re-score stored pages (manual)."),
    ]


def serve_all(sources_path: str | None, db_path: str | None, *, monitor_interval: float | None = None,
              limit: int | None = 4) -> None:
    """Serve monitor / digest / reprocess until Ctrl-C. Paths are made absolute (runs start in subprocesses)."""
    config = load_config(sources_path)                      # a bad file fails here, before anything starts
    sources = str(Path(config.path).resolve())
    db = str(Path(db_path or config.env.db_path).resolve())
    api = ensure_server()
    from prefect import serve

    deployments = build_deployments(sources, db, monitor_interval=monitor_interval)
    print(f"radar serve: Prefect API {api}; sources {sources}; db {db}. Ctrl-C stops.", flush=True)
    # SIGTERM (systemd, docker stop) behaves like Ctrl-C
    previous = signal.getsignal(signal.SIGTERM)

    def _term(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)
    try:
        serve(*deployments, limit=limit)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("radar serve: stopped.", flush=True)


if __name__ == "__main__":
    import sys
    serve_all(sys.argv[1] if len(sys.argv) > 1 else None, sys.argv[2] if len(sys.argv) > 2 else None,
              monitor_interval=float(sys.argv[3]) if len(sys.argv) > 3 else None)
