"""Fetched pages that could not be loaded (the DuckDB file stayed locked) wait on disk for the next run.

Files sit beside the database as `<db>.spool/<run_id>.pickle`; each is deleted only after its load
committed, so nothing fetched is lost and nothing is loaded twice (loads are idempotent anyway).
"""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

from extractors.models import FeedFetch, PageRecord


def spool_dir(db_path: Path) -> Path:
    return Path(str(db_path) + ".spool")


def save(db_path: Path, run_id: str, feeds: list[FeedFetch], pages: list[PageRecord]) -> Path:
    directory = spool_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{run_id}.pickle"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"feeds": feeds, "pages": pages}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # a crash mid-write leaves no half file behind
    return path


def load_pending(warehouse, channels: list[str], logger: logging.Logger) -> dict:
    """Load every spooled pass; returns the summed counts. A file that fails to load stays for next time."""
    totals: dict = {}
    directory = spool_dir(warehouse.path)
    if not directory.is_dir():
        return totals
    for path in sorted(directory.glob("*.pickle")):
        with open(path, "rb") as fh:
            data = pickle.load(fh)
        counts = warehouse.load(path.stem, data["feeds"], data["pages"], channels)
        path.unlink()
        logger.info("loaded %d spooled pages from %s", len(data["pages"]), path.name)
        for key, value in counts.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    return totals
