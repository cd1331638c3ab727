"""`radar train relevance`: rebuild the committed relevance model from the labelled examples.

Inputs: ``../shared/corpus/relevance/train.jsonl`` and ``dev.jsonl`` (beside the checkout; ``--data DIR``
names another folder with those two files) plus our own examples, ``extractors/relevance/training_examples.jsonl``
(texts written for this project: the failure classes seen on unseen news). Nothing else is trained on: the
evaluation articles come from public news pages, so texts gathered elsewhere could leak them into training.

The same inputs give the same file, byte for byte (``training.to_bytes``); the model's digest is part of the
classifier version, so `radar reprocess` re-scores stored articles after a retrain.
"""
from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
SHARED_RELEVANCE = ROOT.parent / "shared" / "corpus" / "relevance"
SHARED_FILES = ("train.jsonl", "dev.jsonl")
OWN_EXAMPLES = ROOT / "extractors" / "relevance" / "training_examples.jsonl"


class TrainingDataMissing(FileNotFoundError):
    pass


def training_files(data_dir: Path | None = None) -> list[Path]:
    """The shared labelled files (train, dev), in that order; raises TrainingDataMissing naming what is absent."""
    folder = Path(data_dir) if data_dir else SHARED_RELEVANCE
    files = [folder / name for name in SHARED_FILES]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise TrainingDataMissing(f"the labelled relevance data is not here: {', '.join(missing)} "
                                  "(the model is trained on ../shared/corpus/relevance; the committed model "
                                  "file stays in use)")
    return files


def load_training_set(files: list[Path], own: Path | None = OWN_EXAMPLES, out: TextIO = sys.stderr):
    """(records, sources): the records of the shared files then our own examples; sources describe each file
    (name, sha256, items) for the model file's record of what it was trained on."""
    from radar.jsonl import read_labelled
    records, sources = [], []
    for path in [*files, *([own] if own else [])]:
        recs, skipped = read_labelled(path)
        for msg in skipped:
            print(f"  skipped {msg}", file=out)
        for r in recs:
            r["_source"] = path.name
        records += recs
        sources.append({"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                        "items": len(recs), "own": path == own})
    return records, sources


def progress_printer(label: str, out: TextIO = sys.stderr):
    """A progress callback (i, n): a counter rewritten in place on a terminal, the last line otherwise."""
    live = hasattr(out, "isatty") and out.isatty()

    def show(i: int, n: int) -> None:
        if live and (i == n or i % 10 == 0):
            print(f"\r  {label} {i}/{n}", end="\n" if i == n else "", file=out, flush=True)
        elif not live and i == n:
            print(f"  {label} {i}/{n}", file=out, flush=True)
    return show


def train_relevance(out_path: Path, data_dir: Path | None = None, out: TextIO = sys.stdout) -> dict:
    """Fit on every record and write the model file; returns a summary."""
    from extractors.relevance.model import load_model
    from extractors.relevance.training import TrainingParams, fit, prepare_records, story_groups, to_bytes
    t0 = time.perf_counter()
    files = training_files(data_dir)
    records, sources = load_training_set(files, out=out)
    counts = ", ".join(f"{s['file']}: {s['items']}" for s in sources)
    print(f"training on {len(records)} labelled texts ({counts})", file=out)
    items = prepare_records(records, progress_printer("features", out))
    params = TrainingParams()
    model = fit(items, [r["label"] for r in records], story_groups(records), params, info={"trained_on": sources})
    data = to_bytes(model)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out_path)
    t1 = time.perf_counter()
    loaded = load_model(out_path)
    load_ms = 1000 * (time.perf_counter() - t1)
    summary = {"path": str(out_path), "bytes": len(data), "ngrams": len(model["ngrams"]), "version": loaded.version,
               "items": len(records), "positives": sum(r["label"] for r in records),
               "seconds": time.perf_counter() - t0, "load_ms": load_ms}
    print(f"wrote {out_path}: {len(data) / 1024:.0f} KiB, {summary['ngrams']} n-grams, {len(model['rule_weights'])} "
          f"rule features, version {loaded.version} (loads in {load_ms:.0f} ms); {summary['seconds']:.0f} s",
          file=out)
    return summary
