"""The classifier on every demo page: the verdict, the parties (canonical gazetteer names, as the manifest
gives them), the event type and the alliance name agree with the manifest's answer key."""
from __future__ import annotations

import pytest

from extractors.article import extract_article
from extractors.gazetteer import get_gazetteer
from extractors.relevance import classify
from radar.demo_server import load_manifest

BASE = "http://127.0.0.1:1"
MANIFEST = load_manifest()


def _classify(p):
    art = extract_article(MANIFEST.page_bytes(p, BASE), url=BASE + p.path, http_charset=p.charset)
    return classify(art.title or "", art.body, art.published_at)


@pytest.mark.parametrize("p", MANIFEST.pages, ids=[p.file.rsplit("/", 1)[-1] for p in MANIFEST.pages])
def test_demo_page(p):
    r = _classify(p)
    assert r.is_alliance == p.is_alliance, r.evidence["reasons"]
    if not p.is_alliance:
        return
    assert set(r.evidence["parties"]) == set(p.orgs)
    assert r.event == p.event
    assert r.event_date == p.event_date
    assert r.alliance == p.alliance
    # no organisation is listed twice under two surface forms ("부산시" and "부산시청")
    gz = get_gazetteer()
    names = [o.name for o in r.orgs]
    assert len({(gz.resolve(n).name if gz.resolve(n) else n) for n in names}) == len(names), names


def test_manifest_orgs_are_canonical_gazetteer_names():
    gz = get_gazetteer()
    for p in MANIFEST.pages:
        for o in p.orgs:
            assert o in gz.orgs, f"{p.file}: {o} is not a canonical gazetteer name"
