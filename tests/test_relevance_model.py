"""The trained relevance model: the committed file is small, portable and loads fast; inference in our own
code gives scikit-learn's probabilities; the evidence explains the decision (rule parts that add up to the
score, the n-grams that weighed most, the tie sentence); a changed model file changes the classifier version;
and the failure classes seen on unseen news are handled (texts written for this test, not trained on)."""
from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractors.relevance import classifier_version, classify
from extractors.relevance.features import FEATURE_NAMES
from extractors.relevance.model import (ENV_VAR, HAND_SET, MODEL_FILE, ModelError, default_model, load_model,
                                        model_from_dict)

REPO = Path(__file__).resolve().parents[1]


def parties(r):
    return set(r.evidence["parties"])


# --- the file -----------------------------------------------------------------------------------

def test_the_committed_model_file_is_small_portable_and_fast_to_load():
    raw = MODEL_FILE.read_bytes()
    assert len(raw) < 5_000_000
    data = json.loads(gzip.decompress(raw))           # plain gzip-compressed JSON, no pickle
    assert data["format"] == "alliance-radar/relevance-model/1"
    assert set(data["rule_weights"]) == set(FEATURE_NAMES)
    assert data["calibration"]["method"] == "sigmoid"
    # n-grams of at most four characters: the model keeps no sentence or span of a training text
    grams = [g for g, _, _ in data["ngrams"]]
    assert len(grams) > 1000 and max(len(g) for g in grams) <= 4
    assert grams == sorted(grams)
    # what it was trained on, by digest (the shared files and our own examples)
    assert {s["file"] for s in data["info"]["trained_on"]} >= {"training_examples.jsonl"}
    start = time.perf_counter()
    model = load_model(MODEL_FILE)
    assert time.perf_counter() - start < 5          # ~0.1-0.3 s; generous for a loaded CI machine
    assert model.version.startswith("lr-") and model.version in classifier_version()


def test_the_model_loads_once_per_process():
    assert default_model() is default_model()


def test_a_broken_or_stale_model_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "model.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(ModelError, match="not a gzip-compressed JSON model file") as info:
        load_model(bad)
    assert str(bad) in str(info.value)
    data = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    del data["rule_weights"]["tie_ai"]
    stale = tmp_path / "stale.json.gz"
    stale.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ModelError, match="retrain it with `radar train relevance`"):
        load_model(stale)
    with pytest.raises(ModelError, match="model file not found"):
        load_model(tmp_path / "none.json.gz")


def test_a_changed_model_file_changes_the_classifier_version(tmp_path, monkeypatch):
    builtin = classifier_version()
    data = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    data["intercept"] += 0.5
    mine = tmp_path / "my-model.json.gz"
    mine.write_bytes(gzip.compress(json.dumps(data).encode()))
    monkeypatch.setenv(ENV_VAR, str(mine))
    changed = classifier_version()
    assert changed != builtin and changed.split("+")[:2] == builtin.split("+")[:2]
    r = classify("KT·카카오, AI 데이터센터 협약", "KT와 카카오가 AI 데이터센터를 함께 짓는 업무협약을 체결했다.")
    assert r.evidence["classifier_version"] == changed


def test_inference_in_our_code_matches_scikit_learn():
    """Fit a small model (our own examples only), export it, and score through ``TrainedModel``: the
    probabilities are scikit-learn's own predict_proba, to rounding."""
    from radar.jsonl import read_labelled
    from radar.train import OWN_EXAMPLES
    from extractors.relevance.training import (TrainingParams, design_rows, fit, fit_estimator, prepare_records,
                                               story_groups)
    records = read_labelled(OWN_EXAMPLES)[0]
    items = prepare_records(records)
    labels, groups = [r["label"] for r in records], story_groups(records)
    params = TrainingParams(folds=3)
    estimator = fit_estimator(items, labels, groups, params)
    expected = estimator.predict_proba(design_rows(items))[:, 1]
    model = model_from_dict(fit(items, labels, groups, params), "test", FEATURE_NAMES)
    got = [model.score(it.feature_dict, it.text)[0] for it in items]
    assert max(abs(a - b) for a, b in zip(got, expected)) < 2e-3


# --- the evidence a user reads --------------------------------------------------------------------

def test_the_evidence_parts_add_up_to_the_score():
    r = classify("가온텔레콤·미리내대, AI 공동연구 협약",
                 "가온텔레콤은 미리내대학교와 인공지능(AI) 언어 모델을 함께 연구하는 업무협약을 맺었다고 4일 밝혔다.",
                 "2024-03-05")
    parts = r.evidence["score_parts"]
    assert set(parts) == set(FEATURE_NAMES) | {"text", "bias"}
    z = sum(parts.values())
    assert abs(1 / (1 + math.exp(-z)) - r.score) < 1e-3
    grams = r.evidence["ngrams"]
    assert grams["for"] and all(v > 0 for _, v in grams["for"])
    assert all(v < 0 for _, v in grams["against"])
    assert abs(sum(v for _, v in grams["for"] + grams["against"])) <= abs(parts["text"]) + 1.0


def test_radar_classify_shows_why():
    line = json.dumps({"id": "a1", "title": "한결전자·누리대, 생성형 AI 공동연구 협약",
                       "text": "한결전자는 누리대학교와 생성형 인공지능(AI) 모델을 함께 연구하는 업무협약을 "
                               "체결했다고 3일 밝혔다. 양 기관은 연구 인력과 데이터를 공유한다.",
                       "published_at": "2024-09-04"}, ensure_ascii=False)
    result = subprocess.run([sys.executable, "-m", "radar.cli", "classify"], cwd=REPO, input=line + "\n",
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    ev = out["evidence"]
    assert out["is_alliance"] is True and out["score"] >= 0.5
    assert "협약" in ev["sentence"] and ev["sentence_position"]               # the tie sentence
    top = sorted(ev["score_parts"].items(), key=lambda kv: -kv[1])[:3]
    assert all(v > 0 for _, v in top) and {k for k, _ in top} <= set(FEATURE_NAMES) | {"text"}
    assert ev["ngrams"]["for"]                                            # the n-grams that weighed most
    assert any(reason.startswith("tie sentence") for reason in ev["reasons"])
    assert ev["classifier_version"] == classifier_version()


def test_the_hand_set_baseline_still_scores_rule_features():
    zero = {k: 0.0 for k in FEATURE_NAMES}
    p0, parts0 = HAND_SET.score(zero)
    strong = {**zero, "tie_ai": 1.0, "parties": 1.0, "ai_share": 1.0, "ai_head": 1.0, "tie_head": 1.0}
    assert 0.0 < p0 < 0.1 < 0.9 < HAND_SET.score(strong)[0]
    assert list(parts0)[-1] == "bias"


# --- failure classes seen on unseen news (our own texts; none of them is a training example) -----------

def test_a_defence_word_naming_a_field_does_not_sink_an_ai_mou():
    r = classify(None, "KT는 LG전자와 국방·교통·의료 분야에 쓰는 인공지능(AI) 영상 인식 기술을 공동 개발하는 "
                       "업무협약을 체결했다고 9일 밝혔다. 두 회사는 현장 실증도 함께 진행한다.", "2024-10-09")
    assert r.is_alliance, r.evidence["score_parts"]
    assert {"KT", "LG전자"} <= parties(r)
    assert r.evidence["features"]["politics_field"] == 1.0


def test_politics_is_still_politics():
    r = classify(None, "한미 양국 국방장관은 안보협의회의를 열고 북핵 대응을 위한 확장억제 협력을 강화하기로 했다. "
                       "양측은 AI 기반 감시 체계 협력도 거론했다.", "2024-11-02")
    assert not r.is_alliance


def test_parties_named_once_then_called_the_two_companies():
    r = classify(None, "SK텔레콤은 지난 8일 삼성전자와 협약식을 열었다. 두 회사는 통신망 운영에 쓰는 AI 반도체를 "
                       "함께 설계하고 내년 상용화를 목표로 한다.", "2025-01-10")
    assert r.is_alliance, r.evidence["score_parts"]
    assert {"SK텔레콤", "삼성전자"} <= parties(r)


def test_a_tie_without_a_listed_cue_word_in_an_untitled_text():
    r = classify(None, "네이버와 카카오가 한국어 거대언어모델 평가 기준을 함께 만들기로 뜻을 모았다. 양사는 "
                       "공동 평가 데이터를 공개하고 AI 안전성 검증에도 협력한다.", "2025-02-03")
    assert r.is_alliance, r.evidence["score_parts"]
    assert {"네이버", "카카오"} <= parties(r)


def test_one_company_launch_without_a_title_is_not_an_alliance():
    r = classify(None, "카카오가 자체 개발한 AI 비서 서비스를 정식 출시했다. 회사는 올해 안에 사용자를 천만 명으로 "
                       "늘리고 여러 기업과의 협력도 검토하겠다고 밝혔다.", "2025-03-04")
    assert not r.is_alliance


def test_a_headline_joining_two_fields_is_not_a_pair_of_parties():
    r = classify("정상회담…\"양국 협력, AI·데이터 협력으로 넓힌다\"",
                 "두 나라 정상은 회담을 열고 동맹 관계를 인공지능과 데이터 분야로 넓히기로 했다. 정부는 "
                 "이번 합의가 안보 협력의 외연을 넓혔다고 평가했다.", "2024-06-12")
    assert r.evidence["features"]["pair_head"] == 0.0
    assert not r.is_alliance


def test_one_company_news_naming_its_alliance_in_passing_is_not_an_alliance_story():
    r = classify("SK텔레콤, 통화 요약 AI 기능 업데이트",
                 "SK텔레콤이 통화 내용을 요약해 주는 AI 기능을 새로 내놨다. 회사는 K-AI 얼라이언스에서 다진 "
                 "언어 기술을 활용했다고 설명했다. 업데이트는 이번 주부터 순차 적용된다.", "2024-04-02")
    assert not r.is_alliance, r.evidence["score_parts"]
