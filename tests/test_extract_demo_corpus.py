"""The extractor on the project's demo corpus (fictional pages in the layouts real outlets use): the answer key
in radar/demo_corpus/manifest.toml says which boilerplate must go and which sentences must stay."""
from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import extract_article
from extractors.models import KST

DEMO = Path(__file__).resolve().parents[1] / "radar" / "demo_corpus"
MANIFEST = DEMO / "manifest.toml"
BASE = "http://127.0.0.1:8765"


def _pages():
    if not MANIFEST.exists():
        return []
    return tomllib.loads(MANIFEST.read_text(encoding="utf-8")).get("pages", [])


@pytest.mark.skipif(not MANIFEST.exists(), reason="no demo corpus")
@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.get("file", "?"))
def test_demo_page_is_clean(page):
    raw = (DEMO / page["file"]).read_bytes().replace(b"{base_url}", BASE.encode())
    art = extract_article(raw, url=BASE + page.get("link", page["path"]), http_charset=page.get("charset"))
    for junk in page.get("boilerplate", []):
        assert junk not in art.body, f"boilerplate left: {junk}"
    for sentence in page.get("body_contains", []):
        assert sentence in art.body, f"body lost: {sentence[:50]}"
    if page.get("title"):
        assert art.title == page["title"]
    if page.get("authors"):
        assert art.authors == page["authors"]
    want = page.get("published_at")
    if want:
        if not isinstance(want, datetime):
            want = datetime.fromisoformat(str(want))
        if want.tzinfo is None:
            want = want.replace(tzinfo=KST)
        assert art.published_at == want
