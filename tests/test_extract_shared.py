"""Checks over ../shared (the seeds and the real-page extraction corpus). They read the files at run time,
copy nothing into the repository, and skip cleanly when ../shared is absent."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from extractors.article import clean_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus" / "extraction"

# What must never survive the cleaner (the boilerplate classes the seeds show).
BOILERPLATE = [re.compile(p) for p in (
    r"본문\s*으로\s*바로\s*가기", r"상태바", r"글자\s*크기", r"글자\s*크게", r"글자\s*작게", r"카카오스토리", r"네이버밴드",
    r"이 기사를 공유합니다", r"댓글\s*\(?\d+\)?", r"댓글\s*쓰기", r"댓글\s*삭제", r"삭제한 댓글은", r"무단\s*전재",
    r"Copyright", r"ⓒ", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", r"기사\s*제보", r"카테고리의 다른 글", r"카테고리는 언론사가 분류",
    r"\b\d{10,}\b", r"\bfalse\b", r"\[사진\s*제공\s*=", r"\(사진\s*제공\s*=", r"^사진\s*=", r"제공\s*\|", r"띄어 쓰기를 포함",
    r"\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\.\s*\d{1,2}:\d{2}ㆍ", r"^https?://", r"입력\s*:?\s*\d{4}[.-]",
)]
# A raw line is a body paragraph when it is long running text and none of the credit/byline markers
# (captions end in a credit; bylines carry an e-mail) are on it.
CREDIT = re.compile(r"사진\s*제공|사진\s*=|제공\s*\||@|카테고리|\|\s*\d{4}\.\d{2}\.\d{2}")
_TOK = re.compile(r"\w+")


def _shingles(text: str) -> set:
    t = _TOK.findall(text.lower())
    return {tuple(t[i:i + 4]) for i in range(max(1, len(t) - 3))}


def _seed_files():
    if not SEEDS.is_dir():
        return []
    return sorted(SEEDS.glob("*.txt"))


needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent")


@needs_seeds
@pytest.mark.parametrize("path", _seed_files(), ids=lambda p: p.name)
def test_seed_cleaner_keeps_every_body_paragraph_and_no_boilerplate(path: Path):
    raw = path.read_text(encoding="utf-8")
    out = clean_text(raw)
    out_lines = out.split("\n\n")
    for rx in BOILERPLATE:
        for line in out_lines:
            assert not rx.search(line), f"{path.name}: boilerplate {rx.pattern!r} left in: {line[:80]}"
    pool = _shingles(out)
    for line in raw.splitlines():
        line = line.strip()
        if len(line) < 100 or CREDIT.search(line) or re.search(r"\d{7,}", line):
            continue
        line = re.sub(r"^\[[^\]]{0,40}기자\]\s*", "", line)        # the dateline byline is not body
        sh = _shingles(line)
        kept = len(sh & pool) / len(sh)
        assert kept >= 0.9, f"{path.name}: body paragraph lost ({kept:.2f}): {line[:60]}"
    # nothing pasted twice: no sentence of 40+ characters appears twice
    sentences = [s.strip() for s in re.split(r"(?<=다\.)\s*", out) if len(s.strip()) >= 40]
    assert len(sentences) == len(set(sentences)), f"{path.name}: repeated text survived"


@pytest.mark.skipif(not (CORPUS / "gold").is_dir(), reason="../shared/corpus/extraction is absent")
def test_benchmark_meets_targets_on_the_shared_corpus():
    from radar.bench_extract import bench_extract
    buf = io.StringIO()
    res = bench_extract(CORPUS, out=buf, repeat=1)
    failed = [name for name, ok in res["targets"].items() if not ok and "time" not in name]
    assert not failed, buf.getvalue()
    assert "ALL TARGETS MET" in buf.getvalue() or any("time" in n for n, ok in res["targets"].items() if not ok)
    for row in res["pages"]:
        assert row["radar"]["f1"] >= 0.97, row
