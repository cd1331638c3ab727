"""Named alliances the gazetteer does not know are captured by name (flagged unresolved), kept apart from
known alliances that share a word, and listed by `alliance_members`. Texts are written for this test."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from builders import feed_fetch, page

from extractors.models import KST
from extractors.relevance import classify
from settings import WarehouseSettings
from warehouse import Warehouse

GWANGJU = ("광주시·전남대·ETRI ‘광주 AI 원팀’ 결성",
           "광주시와 전남대, ETRI가 지역 인공지능 산업을 키우기 위한 ‘광주 AI 원팀’을 결성했다.\n\n"
           "세 기관은 15일 광주시청에서 협약을 맺고 AI 데이터센터 활용과 인재 양성에 힘을 모으기로 했다.", "2024-03-15")
ROBOT = ("로봇 기업들 ‘K-로봇 AI 얼라이언스’ 출범",
         "두산로보틱스와 현대로보틱스 등 로봇 기업 10곳이 로봇용 AI 모델을 함께 만드는 ‘K-로봇 AI 얼라이언스’를 "
         "출범했다.\n\n회원사들은 8일 서울에서 발족식을 열고 공동 데이터 구축에 나서기로 했다.", "2024-05-08")
EVAL = ("네이버·서울대·KAIST 등 한국어 AI 평가 컨소시엄 구성",
        "네이버와 서울대, KAIST 등 7개 기관이 한국어 AI 평가 컨소시엄을 구성했다고 3일 밝혔다.\n\n"
        "컨소시엄은 공개 벤치마크를 만들어 국내외 언어모델의 한국어 능력을 비교한다.", "2024-09-03")
BUSAN_BARE = ("부산시·부산대학교·네이버클라우드, 부산 AI 원팀 꾸려",
              "부산시와 부산대학교, 네이버클라우드가 부산 AI 원팀을 꾸렸다고 2일 밝혔다.\n\n"
              "세 기관은 부산시청에서 협약식을 열고 항만 물류에 인공지능을 적용하는 실증 사업을 함께 추진한다.", "2024-10-02")
GENERIC = ("삼성전자·네이버, AI 반도체 협력 강화",
           "삼성전자와 네이버가 AI 반도체 협의체를 통해 협력을 강화한다고 5일 밝혔다.\n\n"
           "두 회사는 추론용 칩 설계를 공동 개발한다.", "2024-10-05")
LED_BY = ("SK텔레콤 컨소시엄, 국가 AI 사업 수주",
          "SK텔레콤이 이끄는 SK텔레콤 컨소시엄이 업스테이지, 서울대와 함께 국가 AI 사업을 수주했다고 5일 밝혔다.\n\n"
          "컨소시엄은 공공 분야 AI 모델을 공동 개발한다.", "2024-10-05")


@pytest.mark.parametrize("article, name, parties", [
    (GWANGJU, "광주 AI 원팀", {"광주시", "전남대", "ETRI"}),
    (ROBOT, "K-로봇 AI 얼라이언스", {"두산로보틱스", "현대로보틱스"}),
    (EVAL, "한국어 AI 평가 컨소시엄", {"네이버", "서울대", "KAIST"}),
    (BUSAN_BARE, "부산 AI 원팀", {"부산시", "부산대", "네이버클라우드"}),
])
def test_unknown_named_alliance_is_captured(article, name, parties):
    r = classify(*article)
    assert r.is_alliance
    assert r.alliance == name                 # not "AI 원팀": a regional team is another alliance
    assert r.evidence["alliance_resolved"] is False
    assert r.event == "founded"
    assert parties <= set(r.evidence["parties"])
    assert r.events[0].alliance == name


@pytest.mark.parametrize("article", [GENERIC, LED_BY])
def test_generic_or_leader_named_consortium_is_not_a_name(article):
    r = classify(*article)
    assert r.is_alliance
    assert r.alliance is None
    assert r.evidence["alliance_resolved"] is None


def test_known_alliance_is_flagged_resolved():
    r = classify("LG전자, KT 'AI 원팀' 합류", "LG전자가 KT가 주도하는 인공지능 협의체 'AI 원팀'에 합류했다고 3일 밝혔다.",
                 "2020-06-03")
    assert r.alliance == "AI 원팀" and r.evidence["alliance_resolved"] is True


def test_unknown_alliance_members_in_the_warehouse(tmp_path):
    pages = []
    for i, (title, body, day) in enumerate([GWANGJU, ROBOT, BUSAN_BARE]):
        published = datetime.fromisoformat(day).replace(hour=10, tzinfo=KST)
        rec = page(f"https://news.example/unknown/{i}", title=title, body=body, published_at=published)
        rec.relevance = classify(title, body, published)
        pages.append(rec)
    wh = Warehouse(tmp_path / "radar.duckdb", WarehouseSettings(lock_wait_seconds=5))
    wh.load("run-unknown", [feed_fetch("https://feeds.example/rss")], pages, [])
    rows = wh.query("select alliance, org, joined_on from alliance_members order by all")[1]
    by = {}
    for alliance, org, joined in rows:
        by.setdefault(alliance, {})[org] = joined
    assert set(by) == {"광주 AI 원팀", "K-로봇 AI 얼라이언스", "부산 AI 원팀"}
    assert "AI 원팀" not in by
    assert by["부산 AI 원팀"] == {"부산시": date(2024, 10, 2), "부산대": date(2024, 10, 2),
                               "네이버클라우드": date(2024, 10, 2)}
    assert by["광주 AI 원팀"]["ETRI"] == date(2024, 3, 15)
