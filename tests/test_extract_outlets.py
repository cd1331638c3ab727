"""The outlet registry: one entry per outlet, dated layout versions, selectors that run on the page tree."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from extractors.article import extract_article
from extractors.outlets import OUTLETS_FILE, RegistryError, compile_selector, load_outlets, read_registry

P = ("<p>중견 로봇 기업 다솜로보틱스가 지역 대학 두 곳과 물류 로봇용 인공지능을 함께 연구하기로 했다. "
     "세 기관은 창고 작업 데이터를 공유하고 내년까지 시범 서비스를 내놓을 계획이다.</p>"
     "<p>다솜로보틱스는 시험용 로봇 열 대와 현장 데이터를 제공하고, 대학 연구진은 물건을 집는 동작을 학습하는 "
     "모델을 개발한다. 성과물은 참여 기관이 함께 특허를 출원하기로 했다.</p>")


def test_bundled_registry_reads_and_names_outlets_by_subdomain():
    reg = load_outlets()
    assert "HOW TO ADD AN OUTLET" in OUTLETS_FILE.read_text(encoding="utf-8")[:600]
    assert reg.outlet_for("news.kbs.co.kr") == "KBS"
    assert reg.outlet_for("sports.donga.com") == "스포츠동아" and reg.outlet_for("www.donga.com") == "동아일보"
    assert reg.outlet_for("unknown.example") is None


def test_layout_versions_are_picked_by_date(tmp_path: Path):
    f = tmp_path / "outlets.toml"
    f.write_text('''
[[outlet]]
name = "가람일보"
domains = ["garam.example"]
  [[outlet.layout]]
  valid_until = 2024-12-31
  body = "div.old_body"
  why = "old layout"
  [[outlet.layout]]
  valid_from = 2025-01-01
  body = "article#news > div.txt"
  drop = [".sub_title", "[data-role=summary]"]
  why = "new layout"
''', encoding="utf-8")
    reg = read_registry(f)
    assert reg.layout_for("www.garam.example", datetime(2024, 6, 1)).why == "old layout"
    assert reg.layout_for("m.garam.example", datetime(2025, 6, 1)).why == "new layout"
    assert reg.layout_for("garam.example").why == "new layout"          # unknown date: the newest


def test_selectors_run_on_the_tree():
    from lxml import html
    tree = html.fromstring("<div><article id='news'><div class='txt a'>본문</div><p class='sub_title'>부제</p>"
                           "<div data-role='summary'>요약</div></article><div class='txt'>밖</div></div>")
    assert [e.text for e in compile_selector("article#news > div.txt")(tree)] == ["본문"]
    assert [e.text for e in compile_selector(".sub_title, [data-role=summary]")(tree)] == ["부제", "요약"]
    # full CSS through cssselect, not a home-made subset
    assert [e.text for e in compile_selector("article > :nth-child(2)")(tree)] == ["부제"]
    assert [e.text for e in compile_selector("div.txt:not(.a)")(tree)] == ["밖"]
    assert [e.text for e in compile_selector("[data-role^=summ]")(tree)] == ["요약"]
    for bad in ("div[[", "p:unknown-pseudo", "", "div >"):
        with pytest.raises(RegistryError, match="selector"):
            compile_selector(bad)


def test_a_bad_selector_in_the_registry_names_the_file_outlet_and_selector(tmp_path: Path):
    f = tmp_path / "outlets.toml"
    f.write_text('[[outlet]]\nname = "가람일보"\ndomains = ["garam.example"]\n  [[outlet.layout]]\n'
                 '  drop = [".ok", "div[["]\n  why = "x"\n', encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        read_registry(f)
    msg = str(info.value)
    assert str(f) in msg and "가람일보" in msg and "div[[" in msg


def test_a_layout_drop_selector_removes_a_subtitle_box(tmp_path: Path, monkeypatch):
    page = ("<html><head><title>t</title></head><body><div class='view'><div class='lead_box'>"
            "<p>부제목 상자 안의 긴 요약 문장이 본문처럼 보인다. 이 문장은 본문이 아니다. 정말로 아니다.</p></div>"
            + P + "</div></body></html>").encode()
    f = tmp_path / "outlets.toml"
    f.write_text('[[outlet]]\nname = "가람일보"\ndomains = ["garam.example"]\n  [[outlet.layout]]\n'
                 '  drop = ["div.lead_box"]\n  why = "subtitle box read as body"\n', encoding="utf-8")
    monkeypatch.setattr("extractors.article.load_outlets", lambda: read_registry(f))
    assert "부제목 상자" in extract_article(page, url="https://other.example/1").body
    assert "부제목 상자" not in extract_article(page, url="https://www.garam.example/1").body


def test_a_domain_listed_twice_is_a_clear_error(tmp_path: Path):
    f = tmp_path / "outlets.toml"
    f.write_text('[[outlet]]\nname = "a"\ndomains = ["x.example"]\n[[outlet]]\nname = "b"\ndomains = ["x.example"]\n',
                 encoding="utf-8")
    with pytest.raises(RegistryError, match="x.example"):
        read_registry(f)


def test_the_outlet_registry_is_part_of_the_extractor_version(tmp_path: Path, monkeypatch):
    from extractors import boilerplate
    page = ("<html><head><title>로봇 연구</title></head><body><div class='view'>" + P + "</div></body></html>").encode()
    rules, outlets = tmp_path / "boilerplate.toml", tmp_path / "outlets.toml"
    rules.write_bytes(boilerplate.BOILERPLATE_FILE.read_bytes())
    outlets.write_bytes(OUTLETS_FILE.read_bytes())
    assert OUTLETS_FILE in boilerplate.rule_files()                  # the bundled registry counts
    monkeypatch.setattr(boilerplate, "rule_files", lambda: (rules, outlets))
    versions = []
    try:
        for edit in ("", '\n[[outlet]]\nname = "가람일보"\ndomains = ["garam.example"]\n'):
            outlets.write_text(outlets.read_text(encoding="utf-8") + edit, encoding="utf-8")
            boilerplate.rules_fingerprint.cache_clear()
            versions.append(extract_article(page, url="https://www.garam.example/1").extractor_version)
    finally:
        boilerplate.rules_fingerprint.cache_clear()
    assert versions[0] != versions[1]                               # a layout edit shows in the version
    assert versions[0].split("+")[0] == versions[1].split("+")[0]   # the code version did not change
