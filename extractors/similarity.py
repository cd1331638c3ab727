"""Pure text-similarity helpers for near-duplicate detection (no I/O, no database).

Korean news is written without reliable word spacing (outlets space compounds differently:
"인공지능 반도체" vs "인공지능반도체"), and words carry particles ("삼성전자가", "삼성전자와"),
so word shingles split the same phrase into different tokens. Character shingles over the text
with whitespace and punctuation removed are robust to both, and need no morphological analyser.

A sketch is a datasketch ``MinHash`` (affine32 scheme, 128 permutations) of the set of
character k-shingles. Sketches are persisted by the warehouse as ``UINTEGER[128]``; the
``SKETCH_VERSION`` string records every parameter that changes the values, so stored sketches
made with other parameters are recomputed instead of being compared with new ones.

``sketch`` computes those values with numpy alone, bit for bit what datasketch's MinHash gives (a test
holds the two together): importing datasketch costs seconds of CPU (it pulls in scipy), and every worker
process that scores pages makes sketches, while only the loader, which builds the LSH index, needs it.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # datasketch imports scipy.integrate (seconds on a slow machine): only when a sketch is made
    from datasketch import MinHash, MinHashLSH

SHINGLE_K = 3
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
SKETCH_VERSION = f"char{SHINGLE_K}-mh{NUM_PERM}-{SCHEME}-s{SEED}-crc32-v1"

# Everything that is not a letter or a digit (any script) goes: spaces, punctuation, symbols.
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PERMUTATIONS = None  # cached permutation parameters (creating them costs ~0.1 ms per MinHash)
_EMPTY = np.iinfo(np.uint32).max


def normalize_text(text: str | None) -> str:
    """NFKC, lower case, and only letters/digits kept (spacing differences vanish)."""
    if not text:
        return ""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(text: str | None, k: int = SHINGLE_K) -> set[str]:
    """Character k-shingles of the normalized text (a short text gives itself as one shingle)."""
    norm = normalize_text(text)
    if not norm:
        return set()
    if len(norm) <= k:
        return {norm}
    return {norm[i:i + k] for i in range(len(norm) - k + 1)}


def _crc32(b: bytes) -> int:
    # Stable across processes and Python versions (the builtin hash() is salted), and fast.
    return zlib.crc32(b)


def _permutations() -> np.ndarray:
    """datasketch's affine32 permutation parameters for SEED: odd multipliers ``a`` and offsets ``b``
    (uint32, shape (2, NUM_PERM)), drawn as its ``MinHash._init_permutations`` draws them."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = np.array([a, b])
    return _PERMUTATIONS


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer (uint32 arithmetic wraps, as intended)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def sketch(text: str | None) -> np.ndarray:
    """The MinHash values of the text's character shingles as a uint32 array of length NUM_PERM (what the
    warehouse stores; an empty text gives the empty sketch, every value at its maximum)."""
    values = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    sh = shingles(text)
    if sh:
        a, b = _permutations()
        hv = np.fromiter((_crc32(s.encode("utf-8")) for s in sh), dtype=np.uint32, count=len(sh)).reshape(-1, 1)
        values = np.minimum(values, (_fmix32(hv) * a + b).min(axis=0))
    return values


def from_sketch(values: Iterable[int] | np.ndarray) -> MinHash:
    """Rebuild a datasketch MinHash from stored values (for LSH queries)."""
    from datasketch import MinHash
    arr = np.asarray(values, dtype=np.uint32)
    return MinHash(seed=SEED, scheme=SCHEME, hashfunc=_crc32, hashvalues=arr, permutations=_permutations())


def is_empty_sketch(values: np.ndarray) -> bool:
    """True for the sketch of an empty text (every value still at its maximum)."""
    values = np.asarray(values)
    return values.size == 0 or (values[0] == _EMPTY and not bool((values != _EMPTY).any()))


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle-set Jaccard similarity."""
    if len(a) != len(b) or is_empty_sketch(a) or is_empty_sketch(b):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)


def exact_jaccard(x: str | None, y: str | None) -> float:
    """Exact Jaccard similarity of the shingle sets (for tests and benchmarks)."""
    sx, sy = shingles(x), shingles(y)
    if not sx or not sy:
        return 0.0
    return len(sx & sy) / len(sx | sy)


@lru_cache(maxsize=8)
def lsh_params(threshold: float) -> tuple[int, int]:
    """(bands, rows) datasketch picks for ``threshold`` (its optimiser integrates; cache it)."""
    from datasketch import MinHashLSH
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def make_lsh(threshold: float) -> MinHashLSH:
    """An in-memory datasketch LSH index tuned for ``threshold`` over our sketches."""
    from datasketch import MinHashLSH
    return MinHashLSH(num_perm=NUM_PERM, params=lsh_params(threshold))
