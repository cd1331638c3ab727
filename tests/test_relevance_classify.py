"""Relevance scoring and alliance extraction on our own (fictional) Korean texts: the traps named in the
issue, aliases and particles in context, unresolved parties, the two "AI 원팀"s, and bad JSON Lines input."""
import json
from datetime import date


from extractors.relevance import classify
from radar.jsonl import classify_jsonl


def parties(r):
    return set(r.evidence["parties"])


# --- alliance news is kept, with parties, event and date ----------------------------------------

def test_mou_with_aliases_and_particles():
    r = classify("엘지유플러스·카이스트, 생성형 AI 인재 양성 맞손",
                 "LG U+는 카이스트와 생성형 인공지능(AI) 전문 인력을 함께 키우기 위한 업무협약을 체결했다고 "
                 "12일 밝혔다. 두 기관은 AI 모델 공동연구와 교육 과정 개발에 협력한다.", "2023-09-13")
    assert r.is_alliance and r.score >= 0.8
    assert parties(r) == {"LG유플러스", "KAIST"}
    assert r.event == "mou" and r.event_date == date(2023, 9, 12)
    assert r.evidence["sentence"] and r.evidence["cues"]
    assert all(o.resolved for o in r.orgs if o.name in ("LG유플러스", "KAIST"))


def test_joining_a_named_alliance():
    r = classify("네이버클라우드, KT 'AI 원팀' 합류",
                 "KT, 현대중공업그룹, KAIST가 참여하고 있는 산학연 협의체 AI 원팀에 네이버클라우드가 합류했다. "
                 "KT는 지난달 28일 네이버클라우드와 AI 공동연구를 위한 업무협약을 맺었다고 2일 밝혔다.",
                 "2020-10-02")
    assert r.is_alliance
    assert r.alliance == "AI 원팀" and r.event == "joined"
    assert parties(r) == {"네이버클라우드", "KT"}          # existing members are not parties of the join
    assert r.event_date == date(2020, 9, 28)                # "지난달 28일", not the announcement day
    main = r.events[0]
    assert main.alliance == "AI 원팀" and "네이버클라우드" in main.orgs


def test_evidence_is_json_serialisable():
    r = classify("KT와 LG전자, AI 동맹", "KT와 LG전자는 인공지능 공동 개발을 위한 협약을 3일 맺었다.", "2021-03-04")
    json.dumps(r.evidence, ensure_ascii=False)
    assert r.evidence["date_expression"]["date"] == "2021-03-03"
    assert set(r.evidence["score_parts"]) >= {"tie_ai", "parties", "bias"}


def test_unresolved_parties_are_captured_and_flagged():
    r = classify("뉴로브릿지랩스·안양시, AI 행정 서비스 업무협약",
                 "경기 안양시는 인공지능 스타트업 뉴로브릿지랩스와 AI 기반 민원 상담 서비스를 함께 개발하는 "
                 "업무협약을 체결했다고 8일 밝혔다.", "2024-05-09")
    assert r.is_alliance
    unresolved = {o.name for o in r.orgs if not o.resolved}
    assert "뉴로브릿지랩스" in unresolved and "안양시" in unresolved
    assert {"뉴로브릿지랩스", "안양시"} <= parties(r)


def test_two_alliances_called_ai_one_team_are_kept_apart():
    old = classify("KT, 산학연 'AI 원팀' 결성",
                   "KT가 현대중공업지주, 카이스트, 한양대와 손잡고 AI 원팀을 결성했다. 네 기관은 인공지능 인재 "
                   "양성과 공동연구를 위한 협약을 맺었다.", "2020-02-21")
    new = classify("KT, 독자 AI 파운데이션 모델 컨소시엄 'AI 원팀' 꾸려",
                   "KT가 정부의 독자 AI 파운데이션 모델 프로젝트에 도전하기 위해 솔트룩스, 크라우드웍스 등과 "
                   "컨소시엄 'AI 원팀'을 꾸렸다. 컨소시엄은 초거대 AI 모델을 공동 개발한다.", "2025-07-25")
    assert old.is_alliance and new.is_alliance
    assert old.alliance == "AI 원팀"
    assert new.alliance == "KT 독자 AI 파운데이션 모델 컨소시엄"
    assert old.event == new.event == "founded"
    assert "현대중공업그룹" in parties(old)                 # 현대중공업지주 counts as the group


# --- the traps ---------------------------------------------------------------------------------

def test_politics_alliance_is_not_ai_alliance():
    r = classify("한미 정상 \"한미동맹 70년, 안보협력 더 강화\"",
                 "양국 정상은 정상회담에서 한미동맹을 글로벌 포괄적 전략동맹으로 발전시키고 북핵 억지를 위한 "
                 "안보협력을 강화하기로 합의했다. 양국은 첨단 기술 협력도 논의했다.", "2023-04-27")
    assert not r.is_alliance and r.score < 0.2


def test_tourism_mou_is_not_ai_alliance():
    r = classify("푸른군·한국관광공사, 관광 활성화 업무협약",
                 "푸른군은 한국관광공사와 지역 관광 활성화를 위한 업무협약을 체결했다. 양 기관은 관광 콘텐츠 "
                 "공동 홍보와 관광객 유치에 협력한다.\n저작권자 ⓒ 가상일보, 무단 전재 및 재배포, AI 학습 및 활용 금지",
                 "2024-02-02")
    assert not r.is_alliance and r.score < 0.2           # the AI-training ban footer is not an AI subject


def test_single_company_ai_launch_is_not_ai_alliance():
    r = classify("네이버, 차세대 초거대 AI 모델 출시",
                 "네이버가 자체 개발한 차세대 초거대 인공지능(AI) 모델을 출시했다고 10일 밝혔다. 새 모델은 "
                 "한국어 이해 능력을 크게 높였다. 네이버는 연내 검색 서비스에 모델을 탑재할 계획이다.", "2024-08-11")
    assert not r.is_alliance and r.score < 0.3


def test_roundup_with_a_minor_tie_is_not_ai_alliance():
    r = classify("[주간 IT 브리핑] 반도체 수출 반등, 5G 요금제 개편 외",
                 "반도체 수출이 석 달 만에 반등했다. 통신 3사는 5G 요금제를 개편했다. 게임 업계는 신작 출시를 "
                 "앞두고 있다. 전기차 판매도 늘었다. 한편 가상테크와 미래대는 AI 인재 양성 협약을 맺었다.",
                 "2024-06-07")
    assert not r.is_alliance


def test_hydrogen_alliance_is_not_ai_alliance():
    r = classify("현대차·SK·포스코, '수소 동맹' 결성",
                 "현대차와 SK, 포스코가 수소 경제 활성화를 위해 수소 동맹을 결성하고 수소기업협의체를 출범하기로 "
                 "했다. 세 그룹은 수소 생산과 충전 인프라 투자에 협력한다.", "2021-06-11")
    assert not r.is_alliance and r.score < 0.2


def test_title_and_lead_weigh_more_than_tail():
    filler = "".join(f"오늘 {i}번째 지역의 날씨는 대체로 맑고 기온은 평년과 비슷했다. " for i in range(12))
    lead = classify("", "KT와 카카오가 AI 데이터센터를 함께 짓는 업무협약을 체결했다. " + filler)
    tail = classify("", filler + "KT와 카카오가 AI 데이터센터를 함께 짓는 업무협약을 체결했다.")
    assert lead.score > tail.score
    assert lead.is_alliance


# --- bad input ------------------------------------------------------------------------------------

def _run(lines):
    return list(classify_jsonl(lines))


def test_jsonl_bad_lines_do_not_stop_the_batch():
    good = json.dumps({"id": "ok", "title": "KT·LG전자 AI 협약", "text": "KT와 LG전자는 인공지능 공동연구 협약을 맺었다.",
                       "published_at": "2021-05-05"}, ensure_ascii=False)
    out = _run(["{not json", "[1, 2]", json.dumps({"id": "t", "title": 3, "text": "x"}),
                json.dumps({"id": "e", "title": "", "text": "  "}), "", good])
    assert [o.get("line") for o in out[:4]] == [1, 2, 3, 4]
    assert out[0]["error"].startswith("bad_json") and out[1]["error"].startswith("bad_record")
    assert out[2]["id"] == "t" and out[3]["error"].startswith("empty")
    last = out[-1]
    assert last["id"] == "ok" and last["is_alliance"] is True
    assert sorted(last["orgs"]) == ["KT", "LG전자"]
    assert set(last) == {"id", "is_alliance", "score", "orgs", "alliance", "event", "event_date", "evidence"}


def test_jsonl_huge_and_foreign_text():
    huge = json.dumps({"id": "big", "text": "가" * 1_048_576})
    english = json.dumps({"id": "en", "title": "Two firms sign AI pact",
                          "text": "Two technology companies signed a memorandum on artificial intelligence research."})
    good = json.dumps({"id": "ok", "text": "SK텔레콤과 삼성전자가 AI 반도체 공동 개발 협약을 맺었다."}, ensure_ascii=False)
    out = _run([huge, english, good])
    assert out[0]["id"] == "big" and out[0]["error"].startswith("too_large")
    assert out[1]["id"] == "en" and out[1]["error"].startswith("not_korean")
    assert out[2]["id"] == "ok" and "error" not in out[2]


def test_classify_itself_survives_bad_input():
    assert classify("", "").is_alliance is False
    r = classify("", "KT와 LG전자가 AI 협약을 맺었다. " + "가나다라 " * 250_000)   # ~1 MB
    assert "truncated_at_chars" in r.evidence
    e = classify("AI alliance", "OpenAI and Microsoft extend their partnership.")
    assert not e.is_alliance
