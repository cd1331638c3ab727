"""The organisation / alliance gazetteer: aliases, particles, loose spacing, user extensions."""
import pytest

from extractors.gazetteer import get_gazetteer, load_gazetteer, ORG_TYPES


@pytest.fixture(scope="module")
def gz():
    return get_gazetteer()


def names(gz, text):
    return [m.name for m in gz.find_orgs(text)]


def test_size_and_fields(gz):
    assert len(gz.orgs) >= 150
    for org in gz.orgs.values():
        assert org.name and org.en and org.type in ORG_TYPES
        assert org.parent is None or org.parent in gz.orgs


@pytest.mark.parametrize("surface", ["LGU+", "LG U+", "엘지유플러스", "LG 유플러스", "LG유플러스"])
def test_lg_uplus_aliases(gz, surface):
    assert names(gz, f"오늘 {surface}가 발표했다") == ["LG유플러스"]


def test_other_aliases(gz):
    assert names(gz, "카이스트와 한국과학기술원") == ["KAIST", "KAIST"]
    assert names(gz, "한국전자통신연구원(ETRI)") == ["ETRI", "ETRI"]
    assert names(gz, "과기정통부는") == ["과학기술정보통신부"]
    assert names(gz, "고려대학교 의료원과 고려대학교가") == ["고려대의료원", "고려대"]


def test_holding_company_counts_as_its_group(gz):
    assert names(gz, "현대중공업지주는") == ["현대중공업그룹"]
    assert gz.orgs["현대중공업지주"].parent == "현대중공업그룹"
    # a subsidiary without rollup keeps its own name and knows its group
    assert names(gz, "우리은행이") == ["우리은행"] and gz.orgs["우리은행"].parent == "우리금융그룹"


@pytest.mark.parametrize("text, expected", [
    ("KT와 손잡았다", ["KT"]),
    ("LG유플러스는 밝혔다", ["LG유플러스"]),
    ("네이버클라우드가 참여한다", ["네이버클라우드"]),
    ("삼성전자와의 협력", ["삼성전자"]),
    ("SK텔레콤에서는", ["SK텔레콤"]),
])
def test_particles(gz, text, expected):
    assert names(gz, text) == expected


@pytest.mark.parametrize("text", ["KTX 열차", "카카오톡 업데이트", "메타버스 플랫폼", "애플리케이션", "성남 네이버1784 사옥"])
def test_no_match_inside_other_words(gz, text):
    assert names(gz, text) == []


def test_alliance_aliases_and_shared_name(gz):
    ms = gz.find_alliances("'AI원팀'과 AI One Team, 초거대 AI 추진 협의회")
    assert [m.surface for m in ms] == ["AI원팀", "AI One Team", "초거대 AI 추진 협의회"]
    assert set(ms[0].candidates) == {"AI 원팀", "KT 독자 AI 파운데이션 모델 컨소시엄"}
    assert ms[2].candidates == ("초거대AI추진협의회",)
    # a different alliance whose name contains the alias is not that alliance
    assert gz.find_alliances("‘대전 AI 원팀’을 결성했다") == []


def test_pick_between_alliances_sharing_a_name(gz):
    from datetime import date
    cands = ("AI 원팀", "KT 독자 AI 파운데이션 모델 컨소시엄")
    old, _ = gz.pick_alliance(cands, ref_date=date(2020, 6, 3), orgs={"KT", "KAIST", "한양대"})
    new, _ = gz.pick_alliance(cands, ref_date=date(2025, 7, 30), orgs={"KT", "솔트룩스", "크라우드웍스"},
                              text="독자 AI 파운데이션 모델 컨소시엄")
    assert (old, new) == ("AI 원팀", "KT 독자 AI 파운데이션 모델 컨소시엄")


def test_user_extension_file(tmp_path, monkeypatch):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[org]]\nname = "한빛로보틱스"\nen = "Hanbit Robotics (fictional)"\ntype = "company"\n'
                     'aliases = ["한빛로봇"]\n', encoding="utf-8")
    monkeypatch.setenv("RADAR_GAZETTEER", str(extra))
    gz = get_gazetteer()
    assert "한빛로보틱스" in gz.orgs and len(gz.orgs) >= 151
    assert [m.name for m in gz.find_orgs("한빛로봇과 KT가")] == ["한빛로보틱스", "KT"]
    assert load_gazetteer([]).orgs.get("한빛로보틱스") is None
