"""The classifier's words are data (extractors/relevance/lexicon.toml): the file explains itself and
compiles, a user extends it with RADAR_LEXICON without touching code, a broken user file is refused with
a message naming the file and the list, and the lexicon in force is part of the classifier version."""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from extractors.models import EVENT_TYPES
from extractors.pipeline import process_page
from extractors.relevance import classifier_version, classify
from extractors.relevance.lexicon import (ENV_VAR, LEXICON_FILE, TIE_CLASSES, LexiconError, get_lexicon,
                                          load_lexicon)

REPO = Path(__file__).resolve().parents[1]

# a tie phrased without any built-in tie cue (our own text)
TITLE = "KT·네이버, AI 반도체 개발에 한배 탄다"
BODY = ("KT와 네이버가 초거대 인공지능(AI)용 반도체를 개발하는 데 한배를 탄다고 14일 밝혔다. "
        "두 회사는 내년까지 시제품을 내놓을 계획이다.")
MY_WORDS = """
[[tie]]
label = "맞손"
cues = ['한배를?\\s?(?:탄|타)']

[[event]]
name = "mou"
cues = ['한배를?\\s?(?:탄|타)']
"""


def _lists(data: dict):
    for table, body in data.items():
        if isinstance(body, list):
            for block in body:
                yield f"[[{table}]] {block.get('label') or block.get('name')}", block["cues"]
        else:
            for key, words in body.items():
                yield f"[{table}] {key}", words


def test_lexicon_file_explains_how_to_add_a_word_and_every_entry_compiles():
    text = LEXICON_FILE.read_text(encoding="utf-8")
    head = text[:3000]
    assert "HOW TO ADD A WORD" in head and "RADAR_LEXICON" in head
    data = tomllib.loads(text)
    n = 0
    for where, words in _lists(data):
        assert words, where
        for word in words:
            re.compile(word)
            n += 1
    assert n > 500
    assert {b["class"] for b in data["tie"]} <= set(TIE_CLASSES)
    assert [b["name"] for b in data["event"]] and {b["name"] for b in data["event"]} <= set(EVENT_TYPES)
    for table in ("ai", "signals", "organisations", "titles", "regions", "alliances", "membership"):
        assert table in data, table
    lex = load_lexicon(extra=[])
    assert lex.politics.search("한미동맹 강화") and not lex.politics.search("전방위 지원")
    assert re.fullmatch(r"[0-9a-f]{8}", lex.digest)


def test_a_user_file_adds_words_without_code(tmp_path, monkeypatch):
    before = classify(TITLE, BODY, "2024-05-15")
    assert not any("한배" in cue for cue in before.evidence["cues"]) and before.event != "mou"

    mine = tmp_path / "my-lexicon.toml"
    mine.write_text(MY_WORDS, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(mine))
    assert str(mine) in get_lexicon().sources
    after = classify(TITLE, BODY, "2024-05-15")
    assert after.is_alliance and after.event == "mou"
    assert set(after.evidence["parties"]) == {"KT", "네이버"}
    assert any("한배" in cue for cue in after.evidence["cues"])
    # the built-in words still work alongside the user's
    assert get_lexicon().ties[0][2].search("양해각서")


def test_the_lexicon_in_force_is_part_of_the_classifier_version(tmp_path, monkeypatch):
    page = REPO / "radar" / "demo_corpus" / "pages" / "wp" / "4812.html"
    builtin = classifier_version()
    article, relevance, error = process_page(page.read_bytes(), url="https://demo.example/4812", threshold=0.5)
    assert error is None
    assert article.extractor_version.endswith("/" + builtin)
    assert relevance.evidence["classifier_version"] == builtin

    mine = tmp_path / "my-lexicon.toml"
    mine.write_text(MY_WORDS, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(mine))
    assert classifier_version() != builtin
    article2, _, _ = process_page(page.read_bytes(), url="https://demo.example/4812", threshold=0.5)
    assert article2.extractor_version != article.extractor_version
    assert article2.extractor_version.split("/")[0] == article.extractor_version.split("/")[0]


@pytest.mark.parametrize("content, message", [
    ("[signals]\npolitics = ['국방(']\n", r"\[signals\] politics: bad pattern '국방\('"),
    ("[signals]\npolitcs = ['국방']\n", r"unknown list \[signals\] politcs"),
    ("[[event]]\nname = \"merger\"\ncues = ['합병']\n", r"\[\[event\]\] 'merger' is not an event type"),
    ("[[tie]]\nlabel = \"투자\"\ncues = ['투자']\n", r"'투자' is new: give its class"),
    ("[ai\nstrong = 1\n", r"invalid TOML"),
])
def test_a_broken_user_file_is_refused_with_its_name_and_list(tmp_path, content, message):
    bad = tmp_path / "bad-lexicon.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as info:
        load_lexicon(extra=[bad])
    assert str(bad) in str(info.value)


def test_radar_classify_stops_once_on_a_broken_user_file(tmp_path):
    bad = tmp_path / "bad-lexicon.toml"
    bad.write_text("[titles]\nafter_org = ['대표(']\n", encoding="utf-8")
    env = {**os.environ, ENV_VAR: str(bad)}
    result = subprocess.run([sys.executable, "-m", "radar.cli", "classify"], cwd=REPO, env=env, input='{"id": 1}\n',
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "[titles] after_org" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
