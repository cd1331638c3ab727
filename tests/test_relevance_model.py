"""The scorer behind ``score(features) -> (probability, parts)``: the parts a user reads in the evidence
add up to the score, and the model covers exactly the features the rules produce."""
import math

from extractors.relevance import classify
from extractors.relevance.features import FEATURE_NAMES
from extractors.relevance.model import default_model, score


def test_the_evidence_parts_add_up_to_the_score():
    r = classify("가온텔레콤·미리내대, AI 공동연구 협약",
                 "가온텔레콤은 미리내대학교와 인공지능(AI) 언어 모델을 함께 연구하는 업무협약을 맺었다고 4일 밝혔다.",
                 "2024-03-05")
    parts = r.evidence["score_parts"]
    assert set(parts) == set(FEATURE_NAMES) | {"bias"}
    z = sum(parts.values())
    assert abs(1 / (1 + math.exp(-z)) - r.score) < 1e-3


def test_the_default_model_scores_a_feature_dict():
    zero = {k: 0.0 for k in FEATURE_NAMES}
    p0, parts0 = score(zero)
    strong = {**zero, "tie_ai": 1.0, "parties": 1.0, "ai_share": 1.0, "ai_head": 1.0, "tie_head": 1.0}
    p1, _ = score(strong)
    assert 0.0 < p0 < 0.1 < 0.9 < p1 < 1.0
    assert list(parts0)[:-1] == list(FEATURE_NAMES) and list(parts0)[-1] == "bias"
    assert default_model().version
