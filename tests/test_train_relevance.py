"""`radar train relevance` and `radar bench relevance` as a user runs them: the model is rebuilt
deterministically (same inputs, same bytes), a missing ../shared is refused with exit 2 and a message, the
committed model is the one the shared data and our own examples give, and the benchmark cross-validates
(grouped folds, threshold curve, calibration, misses) or says when a file's figures are in-sample."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from radar.train import OWN_EXAMPLES, SHARED_RELEVANCE

REPO = Path(__file__).resolve().parents[1]
SHARED = (SHARED_RELEVANCE / "train.jsonl").exists() and (SHARED_RELEVANCE / "dev.jsonl").exists()


def radar(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "radar.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def _small_data(folder: Path) -> Path:
    """A data folder in the shared layout made of our own examples (so the test needs no ../shared)."""
    folder.mkdir()
    lines = OWN_EXAMPLES.read_text(encoding="utf-8").splitlines()
    (folder / "train.jsonl").write_text("\n".join(lines[::2]) + "\n", encoding="utf-8")
    (folder / "dev.jsonl").write_text("\n".join(lines[1::2]) + "\n", encoding="utf-8")
    return folder


def test_training_without_the_shared_data_is_refused(tmp_path):
    out = tmp_path / "model.json.gz"
    result = radar("train", "relevance", "--data", str(tmp_path / "nowhere"), "--out", str(out))
    assert result.returncode == 2
    assert "the labelled relevance data is not here" in result.stderr and "train.jsonl" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_training_is_deterministic(tmp_path):
    data = _small_data(tmp_path / "data")
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    for out in (first, second):
        result = radar("train", "relevance", "--data", str(data), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert f"wrote {out}" in result.stdout and "n-grams" in result.stdout
    assert first.read_bytes() == second.read_bytes()
    # the new file is a usable model, and it is the one in force when RADAR_RELEVANCE_MODEL names it
    from extractors.relevance.model import load_model
    model = load_model(first)
    assert model.info["items"] == len(OWN_EXAMPLES.read_text(encoding="utf-8").splitlines()) * 2
    assert [s["file"] for s in model.info["trained_on"]] == ["train.jsonl", "dev.jsonl", "training_examples.jsonl"]


@pytest.mark.skipif(not SHARED, reason="shared relevance data not available")
def test_the_committed_model_is_what_the_training_data_gives(tmp_path):
    out = tmp_path / "model.json.gz"
    result = radar("train", "relevance", "--out", str(out))
    assert result.returncode == 0, result.stderr
    from extractors.relevance.model import MODEL_FILE
    assert out.read_bytes() == MODEL_FILE.read_bytes(), \
        "the committed model is stale: run `uv run radar train relevance` and commit extractors/relevance/model.json.gz"


def test_bench_cross_validates_named_files(tmp_path):
    data = _small_data(tmp_path / "data")
    result = radar("bench", "relevance", str(data / "train.jsonl"), str(data / "dev.jsonl"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "5-fold cross-validated" in out and "story groups" in out
    assert "clear items" in out and "all items" in out and "before: the hand-set rule weights" in out
    assert "threshold curve" in out and "<- in force" in out
    assert "calibration (cross-validated score bin" in out
    assert "organisation-set F1" in out


def test_bench_on_a_file_the_model_was_trained_on_says_in_sample():
    result = radar("bench", "relevance", str(OWN_EXAMPLES))
    assert result.returncode == 0, result.stderr
    assert "IN-SAMPLE" in result.stdout and "precision" in result.stdout


def test_bench_on_a_missing_file_exits_2(tmp_path):
    result = radar("bench", "relevance", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 2 and "no such file" in result.stderr
