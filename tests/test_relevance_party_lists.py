"""Parties the scorer used to miss or add: counted lists of founders told after the tie sentence, an outlet's
dateline, a deputy head in brackets, an operator or a province named beside a party, and the existing members
of an international body a company joins. Every text here is our own (fictional)."""
from extractors.relevance import classify
from radar.bench_relevance import _org_key


def parties(r):
    return set(r.evidence["parties"])


def test_counted_list_of_investors_gives_the_founders():
    r = classify(None,
                 "국내 대기업들이 손을 잡고 인공지능(AI) 공동 연구기관 '미래지능연구원'을 출범시켰다. "
                 "1일 서울 중구에서 열린 출범식에는 초대 원장이 참석했다. "
                 "삼성전자, LG전자, SK텔레콤, KT, 네이버 등 5개 기업이 각 20억원씩을 출자했다.", "2024-03-02")
    assert r.is_alliance
    assert {"삼성전자", "LG전자", "SK텔레콤", "KT", "네이버"} <= parties(r)


def test_founding_participants_listed_without_a_count():
    r = classify(None,
                 "인공지능(AI) 원천기술을 공동 연구할 민간 연구소가 설립된다. "
                 "지난 20일 연구소 법인 설립 신고가 끝났다. "
                 "네이버, 카카오, KT, LG전자(이상 가나다순) 등이 설립에 참여했으며 오는 9월 문을 연다.", "2024-06-22")
    assert r.is_alliance
    assert {"네이버", "카카오", "KT", "LG전자"} <= parties(r)


def test_an_outlets_dateline_is_not_a_party():
    # without the dateline rule Kiwi reads "코리아테크" as the subject's proper noun
    r = classify(None,
                 "[코리아테크] 메타와 IBM을 비롯해 50여 개의 AI 관련 기업과 정부 기관, 대학이 5일 ‘AI 개방 동맹"
                 "(Open AI Union)’을 결성했다. 해당 동맹은 IBM과 메타가 주도하며 델, 소니, AMD와 인텔 등 대형 기술 "
                 "기업과 여러 대학, AI 스타트업이 참여한다.", "2024-12-06")
    assert r.is_alliance
    assert "코리아테크" not in parties(r)
    assert {"메타", "IBM", "소니", "AMD", "인텔"} <= parties(r)


def test_deputy_head_in_brackets_marks_an_organisation():
    r = classify(None,
                 "한빛물류협회(부회장 김한빛)는 3월 5일 로봇기업 로보티즈(대표 박로봇)와 AI 물류로봇 공동 개발을 위한 "
                 "양해각서(MOU)를 체결했다고 밝혔다.", "2024-03-06")
    assert r.is_alliance
    assert parties(r) == {"한빛물류협회", "로보티즈"}


def test_province_before_a_city_is_where_not_who():
    r = classify(None,
                 "경기도 다온시가 인공지능(AI) 행정 혁신을 위해 다온시연구원, 다온산업진흥원과 업무협약을 맺었다고 "
                 "12일 밝혔다. 세 기관은 AI 기반 민원 분석 모델을 함께 개발한다.", "2024-09-12")
    assert r.is_alliance
    assert "경기도" not in parties(r)
    assert "다온시" in parties(r)


def test_the_operator_of_a_party_is_not_a_party():
    r = classify(None,
                 "서울시가 운영하는 AI양재허브는 한빛은행과 AI 스타트업 금융 지원을 위한 업무협약을 체결했다고 "
                 "8일 밝혔다. 양측은 AI 기업 대출과 투자 연계를 함께 추진한다.", "2024-05-08")
    assert r.is_alliance
    assert "서울시" not in parties(r)
    assert "AI양재허브" in parties(r)


def test_existing_members_of_an_international_body_are_not_parties_of_a_joining():
    r = classify(None,
                 "삼성전자는 인공지능(AI) 국제협력단체인 'PAI(Partnership on AI)'에 가입했다고 9일 밝혔다. "
                 "한국 기업이 PAI에 가입한 것은 처음이다. "
                 "아마존과 구글, 마이크로소프트 등 70여 개 기업이 회원사로 참여하고 있다.", "2024-02-09")
    assert r.is_alliance
    assert r.event == "joined"
    assert not {"아마존", "구글", "마이크로소프트"} & parties(r)
    assert "삼성전자" in parties(r)


def test_a_piece_of_a_word_is_no_organisation():
    r = classify("교육부-과기정통부, AI 교육 클라우드 협력",
                 "교육부와 과학기술정보통신부는 24일 「디지털 교육혁신과 케이(K)-클라우드 상생을 위한 업무협약」을 "
                 "체결했다. 두 부처는 AI 반도체 클라우드를 학교 현장에 적용한다.", "2024-10-25")
    assert r.is_alliance
    assert not any(p.startswith("-") for p in parties(r))


def test_bench_compares_the_ai_and_hangul_spellings_of_a_name_as_one():
    assert _org_key("한빛AI협회") == _org_key("한빛인공지능협회")
    assert _org_key("한빛 AI 협회") == _org_key("한빛인공지능협회")


def test_a_party_first_named_as_the_venue_is_still_a_founder():
    r = classify(None,
                 "가람중공업그룹은 20일 대전 KAIST 본관에서 KT, KAIST, 한양대, 한국전자통신연구원(ETRI)과 AI 산업 "
                 "경쟁력 강화를 위한 양해각서(MOU)를 체결하고 협의체인 ‘AI 빛가람 원팀’을 구성했다고 밝혔다. "
                 "가람중공업그룹은 협의체의 제조 대표기업으로 참여한다.", "2024-02-21")
    assert r.is_alliance
    assert {"KT", "KAIST", "한양대", "ETRI"} <= parties(r)


def test_the_subjects_of_the_lead_are_the_parties_when_no_tie_sentence_names_two():
    r = classify("조선·해운·AI업계 손잡고 자율운항선박 상용화 앞당긴다",
                 "정부가 자율운항선박 상용화를 앞당기기 위해 조선과 해운, 인공지능(AI)업계가 참여하는 민·관 협력체계를 "
                 "가동한다. 산업부·해수부는 2020년부터 총 1600억원을 들여 1단계 기술을 개발한 바 있다. "
                 "2단계 기술 개발에 실증 데이터 공유가 필수라는 공감대 아래 이 얼라이언스를 만들게 됐다.", "2025-04-02")
    assert r.is_alliance
    assert {"산업통상자원부", "해양수산부"} <= parties(r)
    assert not {"조선", "해운"} & parties(r)           # fields of industry, not organisations


def test_a_list_of_investors_after_a_count_gives_the_founders():
    r = classify("AI 공동 연구소 내달 설립…출자기업 추가 모집",
                 "인공지능(AI) 원천기술을 연구할 민간 연구소가 내달 말 주식회사로 설립된다. "
                 "삼성전자·네이버 등 5곳이 출자기업으로 참여한 가운데 추가 모집에 나선다. "
                 "현재 출자기업은 ▲삼성전자 ▲LG전자 ▲SK텔레콤 ▲KT ▲네이버로 총 5곳이다.", "2024-06-03")
    assert r.is_alliance
    assert {"삼성전자", "LG전자", "SK텔레콤", "KT", "네이버"} <= parties(r)


def test_a_known_name_written_with_ai_instead_of_the_hangul_word_is_known():
    from extractors.gazetteer import get_gazetteer
    gz = get_gazetteer()
    full = gz.resolve("한국인공지능협회")
    assert full is not None and gz.resolve("한국AI협회") is full
    assert [m.name for m in gz.find_orgs("한국AI협회와 손잡았다")] == [full.name]


def test_the_lead_sentence_naming_the_alliance_tells_its_founding():
    r = classify(None,
                 "2030년 로봇 강국을 목표로 30여개 산·학·연이 손을 맞잡았다. "
                 "지역에선 창원에 본사를 둔 한별로보틱스와 경북 포스텍이 각각 로봇 기업과 AI 개발 그룹으로 참여한다. "
                 "산업통상자원부는 12일 서울 중구 한 호텔에서 '빛누리 로봇 연합' 출범식을 가졌다. "
                 "이날 출범한 빛누리 로봇 연합에는 30여개 기관이 참여했다. "
                 "서울대, KAIST 등 AI 개발 그룹과 두산로보틱스, LG전자 등 기업이 대거 참여했다.", "2025-06-12")
    assert r.is_alliance
    assert r.event == "founded"
    assert {"서울대", "KAIST", "두산로보틱스", "LG전자"} <= parties(r)
