"""Surface forms the gazetteer derives by rule ("OO시청", "OO대학교", "전자통신연구원", English names) and
regional alliance names that merely contain a known alliance's alias."""
from __future__ import annotations

import pytest

from extractors.gazetteer import Gazetteer, Org, get_gazetteer
from extractors.relevance import classify


@pytest.mark.parametrize("surface, canonical", [
    ("부산시청", "부산시"), ("부산광역시청", "부산시"), ("서울시청", "서울시"), ("제주특별자치도청", "제주도"),
    ("경기도청", "경기도"), ("서울대학교", "서울대"), ("한양대학교", "한양대"), ("전자통신연구원", "ETRI"),
    ("Samsung Electronics", "삼성전자"), ("Seoul National University", "서울대"), ("LG Electronics", "LG전자"),
])
def test_derived_forms_resolve(surface, canonical):
    gz = get_gazetteer()
    assert gz.resolve(surface).name == canonical
    hits = gz.find_orgs(f"이번 협약에는 {surface}와 여러 기관이 참여했다.")
    assert [m.name for m in hits] == [canonical]


def test_derived_forms_never_override_or_collide():
    orgs = {
        "가나시": Org("가나시", "Gana City", "government"),
        "가나시청": Org("가나시청", "", "company"),              # a listed name wins over a derived form
        "다라대": Org("다라대", "Dara University", "university"),
        "마바대": Org("마바대", "Dara University", "university"),   # the same English name: dropped for both
    }
    gz = Gazetteer(orgs=orgs, alliances={})
    assert gz.resolve("가나시청").name == "가나시청"
    assert gz.resolve("다라대학교").name == "다라대"
    assert gz.resolve("Dara University") is None


def test_one_word_english_names_are_not_derived():
    gz = Gazetteer(orgs={"메타": Org("메타", "Meta", "company"), "애플": Org("애플", "Apple", "company")}, alliances={})
    assert gz.find_orgs("Meta data and Apple pie") == []
    english = [f for forms in get_gazetteer().derived.values() for f in forms if f.isascii()]
    assert english and all(" " in f for f in english)


def test_city_hall_is_a_place_not_a_second_party():
    r = classify("대전시·KAIST, AI 반도체 실증 협약",
                 "대전시와 KAIST가 AI 반도체 실증 사업을 함께 추진하는 업무협약을 맺었다고 7일 밝혔다.\n\n"
                 "두 기관은 이날 대전시청에서 협약식을 열었다.", "2024-02-07")
    assert r.is_alliance
    assert set(r.evidence["parties"]) == {"대전시", "KAIST"}
    assert "대전시청" not in [o.name for o in r.orgs]


@pytest.mark.parametrize("text, known", [
    ("부산 AI 원팀을 결성했다", False), ("부산광역시 AI 원팀이 출범했다", False),
    ("KT 주도 AI 원팀에 합류했다", True), ("KT의 AI 원팀에 합류했다", True), ("‘AI 원팀’에 합류했다", True),
])
def test_regional_prefix_makes_another_alliance(text, known):
    hits = get_gazetteer().find_alliances(text)
    assert bool(hits) is known
