"""Generic fixes found on a held-out set of unseen news (listed parties, bracketed heads, hospitals,
venues, background foundings, politics false triggers ...). Every text here is our own (fictional)."""
from datetime import date

from extractors.gazetteer import get_gazetteer
from extractors.relevance import classify, get_lexicon
from extractors.relevance.events import clean_alliance_name


def parties(r):
    return set(r.evidence["parties"])


# --- politics cue: "전방위" (all-round) and "정당한" (legitimate) are not defence or a party ------------

def test_politics_cue_ignores_all_round_support():
    POLITICS = get_lexicon().politics
    assert not POLITICS.search("수출·투자·인재 전방위 지원에 나선다")
    assert not POLITICS.search("정당한 대가를 지급하기로 했다")
    assert POLITICS.search("방위산업 협력을 논의했다") and POLITICS.search("여당과 정당 대표들이 모였다")


def test_all_round_support_mou_is_kept():
    r = classify("창업 생태계 전방위 지원…AI 손잡은 두 협회",
                 "한빛벤처협회와 한국인공지능협회가 인공지능(AI) 스타트업 육성을 위해 업무협약을 맺었다고 3일 밝혔다. "
                 "두 협회는 AI 스타트업의 해외 진출과 투자 연계를 전방위로 지원한다.", "2024-05-03")
    assert r.is_alliance
    assert "한국인공지능협회" in parties(r)


# --- unknown parties listed with known ones -------------------------------------------------------

def test_listed_unknown_companies_are_parties():
    r = classify("부산시, AI 반도체 기업 5곳과 협약",
                 "부산시는 7일 시청에서 리벨리온, 딥엑스, 누리칩스, 한결반도체, 별빛실리콘 등 5개 기업과 "
                 "AI 반도체 실증을 위한 업무협약을 체결했다.", "2025-03-08")
    assert r.is_alliance
    assert {"부산시", "리벨리온", "딥엑스", "누리칩스", "한결반도체", "별빛실리콘"} <= parties(r)
    assert r.event_date == date(2025, 3, 7)


def test_listed_companies_marked_as_incorporated():
    r = classify(None, "청솔시는 ㈜하늘데이터, ㈜바른로직, 새봄소프트㈜와 인공지능(AI) 행정 서비스 공동 개발을 위한 "
                       "업무협약을 체결했다고 9일 밝혔다.", "2024-10-09")
    assert r.is_alliance
    assert {"하늘데이터", "바른로직", "새봄소프트"} <= parties(r)


def test_country_before_a_company_is_not_a_party():
    r = classify(None, "KT는 독일 도이치텔레콤, 싱가포르 싱텔과 AI 에이전트 공동 개발을 위한 양해각서를 체결했다고 "
                       "2일 밝혔다.", "2024-04-02")
    assert r.is_alliance
    assert parties(r) == {"KT", "도이치텔레콤", "싱텔"}


# --- names the Kiwi stage used to drop or mangle ---------------------------------------------------

def test_bracketed_head_marks_an_organisation_not_a_person():
    r = classify(None, "가온기술원(원장 김가온)은 나래대학교(총장 이나래)와 AI 로봇 공동연구를 위한 업무협약을 "
                       "체결했다고 4일 밝혔다.", "2024-07-04")
    assert r.is_alliance
    assert {"가온기술원", "나래대"} <= parties(r)


def test_descriptor_before_a_short_name():
    r = classify(None, "한빛병원은 의료 AI 전문기업인 루미엘과 영상 판독 AI 공동개발 협약을 맺었다고 8일 밝혔다.",
                 "2024-02-08")
    assert r.is_alliance
    assert "루미엘" in parties(r)


def test_university_hospital_is_one_organisation():
    r = classify(None, "고려대학교 구로병원은 지난 11일 한빛AI와 의료 인공지능(AI) 공동연구를 위한 업무협약을 "
                       "체결했다고 13일 밝혔다.", "2025-06-13")
    assert r.is_alliance
    assert "고려대구로병원" in parties(r) and "고려대" not in parties(r)
    r2 = classify(None, "새솔대학교새솔병원은 15일 AI 스타트업 다온랩스와 인공지능 진단 협력 협약을 체결했다.",
                  "2025-06-16")
    assert "새솔대새솔병원" in {o.name for o in r2.orgs}


def test_unit_of_a_named_university_is_not_a_separate_party():
    r = classify(None, "서울대학교 미래지능연구소(소장 박미래)와 KAIST 로봇연구센터(센터장 최로봇)가 AI 로봇 공동연구 "
                       "협약을 체결했다고 5일 밝혔다.", "2024-11-05")
    assert r.is_alliance
    assert parties(r) == {"서울대", "KAIST"}


def test_venue_after_an_organisation_is_not_a_party():
    r = classify(None, "한국AI진흥단은 10일 KAIST 학술문화관에서 새벽로보틱스와 AI 로봇 실증 업무협약을 체결했다고 "
                       "밝혔다.", "2024-09-10")
    assert r.is_alliance
    assert "KAIST" not in parties(r)


def test_field_word_with_ai_is_not_a_company():
    r = classify(None, "한빛병원은 의료AI 기술 고도화를 위해 루닛과 업무협약을 맺었다고 2일 밝혔다.", "2024-02-02")
    assert r.is_alliance
    assert "의료AI" not in parties(r)


# --- event typing --------------------------------------------------------------------------------

def test_definition_of_an_existing_alliance_is_not_its_founding():
    r = classify("한빛무역협회, 'AI 원팀'과 스타트업 실증 협력",
                 "한빛무역협회는 AI 원팀과 AI 스타트업 실증 지원을 위한 업무협약을 맺었다고 15일 밝혔다. "
                 "AI 원팀은 지난해 2월 국내 AI 경쟁력 강화를 목표로 출범한 산학연 협의체다.", "2021-05-15")
    assert r.is_alliance and r.event == "mou"


def test_founding_at_a_ceo_summit_is_a_founding():
    r = classify(None, "KT는 5일 서울에서 'AI 동맹 CEO 서밋'을 열고 일본 소프트뱅크, 독일 도이치텔레콤과 AI 공동 개발 "
                       "양해각서를 체결했다. 세 회사는 이날 '아시아 유럽 AI 연합체'를 공식 발족했다.", "2024-06-05")
    assert r.is_alliance and r.event == "founded"


def test_consortium_built_is_a_founding():
    r = classify("다온AI, 12개 기관과 'AI 하나 컨소시엄' 구축",
                 "다온AI가 독자 AI 모델 개발을 위해 KAIST, 서울대 등 12개 기관과 'AI 하나 컨소시엄'을 구축했다고 "
                 "20일 밝혔다.", "2025-07-20")
    assert r.is_alliance and r.event == "founded"
    assert r.event_date == date(2025, 7, 20)


def test_members_already_in_another_alliance_do_not_make_a_joining():
    r = classify(None, "AI 기업 다섯 곳으로 구성된 '한빛 AI 얼라이언스'가 지난 3일 출범했다. 와이즈넛, 솔트룩스 등 5개사가 "
                       "참여했다. 앞서 다른 기업들이 결성한 협의체에는 40개사가 합류해 있다.", "2024-08-10")
    assert r.is_alliance and r.event == "founded"


# --- one organisation adopting AI --------------------------------------------------------------

def test_one_bank_adopting_ai_is_not_alliance_news():
    r = classify("한빛은행, 여신 심사에 AI 도입…'AI 은행'으로 탈바꿈",
                 "한빛은행이 여신 심사와 상담 업무 전반에 인공지능(AI)을 도입한다. 은행은 내년 AI 전담 조직을 "
                 "신설하고 AI 챗봇을 전 계열사로 확대한다. 인력 양성을 위해 한 대학과 AI 교육 과정도 만들었다. "
                 "또 지역 스타트업 육성을 위해 시와 MOU를 체결하고 교육 프로그램을 함께 개발한다.", "2024-12-02")
    assert not r.is_alliance


# --- unknown alliance names ------------------------------------------------------------------------

def test_alliance_name_cleaning():
    gz = get_gazetteer()
    assert clean_alliance_name("AX(인공지능 전환) 얼라이언스", gz) == "AX 얼라이언스"
    assert clean_alliance_name("제2회 부산 AI 협의회", gz) == "부산 AI 협의회"
    assert clean_alliance_name("부산시-네이버클라우드 인공지능 발전협의회", gz) == "인공지능 발전협의회"
    assert clean_alliance_name("한빛-다온 AI 연합", gz) == "한빛-다온 AI 연합"


# --- gazetteer additions ---------------------------------------------------------------------------

def test_ecosystem_organisations_resolve():
    gz = get_gazetteer()
    for surface, name in [("엔에이치엔", "NHN"), ("하이퍼 엑셀", "하이퍼엑셀"), ("엔씨에이아이", "NC AI"),
                          ("싱텔그룹", "싱텔"), ("한국인공지능·소프트웨어산업협회", "한국소프트웨어산업협회"),
                          ("AI 양재 허브", "AI양재허브"), ("코스포", "코리아스타트업포럼"), ("산단공", "한국산업단지공단"),
                          ("서울AI재단", "서울디지털재단"), ("무역협회", "한국무역협회")]:
        org = gz.resolve(surface)
        assert org is not None and org.name == name, surface
    assert "AI Alliance" in gz.alliances


def test_descriptor_does_not_turn_a_common_noun_into_a_party():
    r = classify(None, "한빛구는 지난 2일 한빛정보진흥원과 AI 기반 지역산업 활성화 업무협약을 체결했다. 양 기관은 지역 "
                       "혁신기업 발굴과 AI 기술 사업화를 함께 추진한다.", "2025-05-03")
    assert r.is_alliance
    assert "발굴" not in {o.name for o in r.orgs}
