"""Roles the classifier gives the organisations of an alliance event, on our own short Korean texts (issue 9 §3):
who signs with the joiner is not a second joiner, a bulleted list of new members is a list and not a photo
caption, a language name is no organisation, and
a venue is no party."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from extractors.relevance import classify

KST = timezone(timedelta(hours=9))
WHEN = datetime(2023, 3, 15, 9, 0, tzinfo=KST)


def test_the_convener_a_joiner_signs_with_is_a_member_not_a_joiner():
    r = classify("한빛로지스, KT 'AI 원팀' 합류",
                 "한빛로지스는 KT와 물류 AI 업무협약을 체결하고 산학연 협의체 'AI 원팀'에 합류했다고 14일 밝혔다.\n\n"
                 "한빛로지스는 배송 데이터를 제공하고 KT는 인공지능 예측 모델을 공동 개발한다.", WHEN)
    assert r.is_alliance and r.event == "joined" and r.alliance == "AI 원팀"
    ev = r.events[0]
    assert ev.roles == {"한빛로지스": "joiner", "KT": "listed_member"}


def test_a_bulleted_member_list_is_a_list_not_a_caption():
    r = classify("누리소프트·하람AI, 'AI 반도체 얼라이언스' 참여 기업 발표",
                 "‘AI 반도체 얼라이언스’가 2차 회원사를 공개했다.\n\n"
                 "▲누리소프트 ▲하람AI ▲온새미칩스가 이름을 올렸다.\n\n"
                 "얼라이언스는 국산 NPU 생태계를 함께 키운다.", WHEN)
    assert r.is_alliance and r.alliance == "AI 반도체 얼라이언스"
    assert set(r.evidence["parties"]) == {"누리소프트", "하람AI", "온새미칩스"}
    assert set(r.events[0].roles.values()) == {"listed_member"}


def test_a_language_is_no_organisation():
    r = classify("KT·업스테이지, ‘한국어 AI 얼라이언스’ 출범",
                 "KT와 업스테이지가 한국어 인공지능(AI) 모델을 함께 만드는 ‘한국어 AI 얼라이언스’를 출범했다고 14일 밝혔다.\n\n"
                 "두 회사는 경량화 기법과 한국어 성능 검증 방법을 공동 연구하고, 대학원생이 참여하는 프로젝트도 "
                 "운영하기로 했다.", WHEN)
    assert r.is_alliance
    assert "한국어" not in r.evidence["parties"]
    assert {"KT", "업스테이지"} <= set(r.evidence["parties"])


def test_a_venue_written_after_its_city_is_no_party():
    r = classify("누리메디·한결병원, AI 진단 공동연구",
                 "누리메디가 한결병원과 손잡고 인공지능(AI) 영상 진단 기술을 공동 연구한다고 14일 밝혔다.\n\n"
                 "두 기관은 부산 벡스코컨벤션센터에서 협약식을 열었다.", WHEN)
    assert r.is_alliance and "누리메디" in r.evidence["parties"]
    assert not any("컨벤션센터" in o for o in r.evidence["parties"]), r.evidence["parties"]
