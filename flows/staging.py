"""The staging area between the workers and the loader: result shards in a folder or any fsspec URL.

    <staging>/<run>/<seq>.parquet     one batch of pages (warehouse/shards.py), written by a worker
    <staging>/<run>/feeds.parquet     a pass's feed polls, only when their commit failed (file held)

``<staging>`` is ``[execution] staging_url``, by default ``<database>.staging`` beside the DuckDB file;
a remote Dask cluster needs a URL every worker and the flow can reach (``s3://bucket/radar-staging``,
``gs://...``, ``abfs://...`` with the matching fsspec package installed). ``<run>`` is
``<UTC time>_<flow run id>``, so leftovers sort in the order they were made; ``<seq>`` is the batch's
number in its pass, and the loader commits shards in that order.

A shard is written under a temporary name and renamed, so a half-written file is never read. It is
deleted only after the transaction that loaded it committed; loads are idempotent, so a shard loaded
twice (the flow died between commit and delete) changes nothing. Whatever a killed or locked-out pass
left here is loaded first by the next pass (or backfill): nothing fetched is lost, nothing loaded is
fetched again.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SHARD_SUFFIX = ".parquet"
FEEDS_SHARD = "feeds.parquet"


def default_staging_url(db_path: str | os.PathLike) -> str:
    return str(Path(db_path)) + ".staging"


@dataclass(slots=True)
class Leftover:
    """What one earlier pass left in the staging area."""
    folder: str
    run_id: str
    shards: list[str] = field(default_factory=list)      # in batch order
    feeds: str | None = None


class Staging:
    """A staging area (``url``: a local folder or an fsspec URL). Cheap to create; picklable by URL."""

    def __init__(self, url: str):
        import fsspec
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.root = self.root.rstrip("/")

    def __reduce__(self):
        return (Staging, (self.url,))

    # --- a pass's folder -------------------------------------------------------------------------

    def run_folder(self, run_id: str) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{self.root}/{stamp}_{run_id}"

    def shard_path(self, folder: str, seq: int) -> str:
        return f"{folder}/{seq:06d}{SHARD_SUFFIX}"

    def write(self, path: str, table: pa.Table) -> str:
        """Write ``table`` to ``path`` atomically (temporary name, then rename)."""
        folder = path.rsplit("/", 1)[0]
        self.fs.makedirs(folder, exist_ok=True)
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        with self.fs.open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
        self.fs.mv(tmp, path)
        return path

    def read(self, path: str) -> pa.Table:
        with self.fs.open(path, "rb") as fh:
            return pq.read_table(fh)

    def delete(self, path: str) -> None:
        try:
            self.fs.rm(path)
        except FileNotFoundError:
            pass

    def remove_folder(self, folder: str) -> None:
        """Remove a pass's folder once nothing is left in it."""
        try:
            if not [p for p in self.fs.ls(folder, detail=False)]:
                self.fs.rmdir(folder)
        except (FileNotFoundError, OSError):
            pass

    # --- what earlier passes left ------------------------------------------------------------------

    def has_leftovers(self) -> bool:
        """Whether an earlier pass left a shard or its feed polls here. Read-only (unlike ``leftovers``,
        which clears half-written files): safe to ask while another pass writes."""
        try:
            folders = self.fs.ls(self.root, detail=False)
        except FileNotFoundError:
            return False
        for folder in folders:
            if self.fs.isdir(folder) and any(p.endswith(SHARD_SUFFIX) for p in self.fs.ls(folder, detail=False)):
                return True
        return False

    def leftovers(self, exclude: str | None = None) -> list[Leftover]:
        """Earlier passes' shards, oldest pass first, each pass's batches in order (half-written
        temporary files are removed: their batch was never acknowledged)."""
        try:
            folders = sorted(p.rstrip("/") for p in self.fs.ls(self.root, detail=False))
        except FileNotFoundError:
            return []
        out = []
        for folder in folders:
            if folder == exclude or not self.fs.isdir(folder):
                continue
            name = folder.rsplit("/", 1)[-1]
            run_id = name.split("_", 1)[1] if "_" in name else name
            left = Leftover(folder=folder, run_id=run_id)
            for path in sorted(self.fs.ls(folder, detail=False)):
                base = path.rsplit("/", 1)[-1]
                if base.endswith(".tmp"):
                    self.delete(path)
                elif base == FEEDS_SHARD:
                    left.feeds = path
                elif base.endswith(SHARD_SUFFIX):
                    left.shards.append(path)
            if left.shards or left.feeds:
                out.append(left)
            else:
                self.remove_folder(folder)
        return out
