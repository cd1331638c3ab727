"""Broadcast transcripts, portal wrappers and pages bundling several articles, as a reader of the body sees
them: speaker labels and spoken text in order; no sign-offs, hand-offs, e-mails, tip blocks, summary boxes,
keyword lines or per-section copyright footers. Fixtures are this project's own text, modelled on the page
structures of broadcasters (KBS-style transcript), Naver (2023, with the 요약 box), zum and digest pages."""
from __future__ import annotations

from pathlib import Path

from extractors.article import clean_text, extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def extract(name: str, url: str):
    return extract_article((FIXTURES / name).read_bytes(), url=url)


def assert_in_order(body: str, *parts: str) -> None:
    pos = -1
    for part in parts:
        i = body.find(part, pos + 1)
        assert i > pos, f"missing or out of order: {part[:40]}"
        pos = i


def assert_absent(body: str, *junk: str) -> None:
    for j in junk:
        assert j not in body, f"leaked: {j}"


def test_broadcast_transcript_keeps_speaker_labels_and_drops_signoff_handoff_email_and_tips():
    art = extract("broadcast_transcript.html", "https://news.kbs.co.kr/news/pc/view/view.do?ncd=1")
    paras = art.body.split("\n\n")
    assert paras[0] == "[앵커]"                                 # the opening label is not a kicker to trim
    assert_in_order(art.body, "[앵커]", "봄철 서해안 갯벌에서는", "[리포트]", "해가 진 뒤 충남 태안의",
                    "[윤바다/태안해양경찰서 경위 : \"예전에는", "[기자]", "어민들은 단속 강화를",
                    "▶ 인터뷰 : 서갯벌 / 태안 어촌계장", "\"불법 채취가 줄면", "한 달 뒤 모두 지우겠다고 밝혔습니다.")
    assert paras[-1] == "해경은 촬영 영상을 한 달 뒤 모두 지우겠다고 밝혔습니다."
    assert_absent(art.body, "한가람 기자입니다", "KBS 뉴스 한가람입니다", "촬영기자", "영상편집", "제보하기", "전화 :",
                  "@", "카카오톡", "해경, 서해안 갯벌에 감시 드론", "좋아요", "Copyright")
    assert art.title == "갯벌 드론으로 불법 조업 잡는다"


def test_labels_repeat_in_a_transcript_and_each_one_stays():
    out = clean_text("\n".join(["[앵커]", "첫 질문은 이번 협약의 배경이 무엇이냐는 것입니다. 왜 지금 손을 잡았습니까?",
                                "[기자]", "두 회사는 올해 초부터 공동 개발을 논의해 왔고, 지난달 시제품이 나오면서 속도가 붙었습니다.",
                                "[앵커]", "앞으로 일정은 어떻게 됩니까?",
                                "[기자]", "다음 달 시범 서비스를 시작하고 연말에 정식으로 출시할 계획입니다. 지금까지 경제부 서다인이었습니다."]))
    assert out.split("\n\n")[0::2] == ["[앵커]", "[기자]", "[앵커]", "[기자]"]


def test_naver_2023_page_without_summary_box_caption_or_byline():
    art = extract("naver2023_summary.html", "https://n.news.naver.com/mnews/article/999/0000054321?sid=105")
    assert art.body.startswith("가람전자가 누리대학교와 손잡고")     # dateline byline cut from the lead
    assert_in_order(art.body, "가람전자가 누리대학교와 손잡고", "연구소는 통신이 끊긴 상태에서도",
                    "가장 큰 의미\"라고 말했다.")
    assert_absent(art.body, "스마트폰 안에서 도는 AI 모델 목표", "연구 인력 40명 규모로 출발", "자동 추출 기술로",
                  "연구소는 다음 달 문을 연다", "시제품을 살펴보고 있다", "jihu@", "물결경제 강지후 기자", "Copyright")
    assert art.outlet == "물결경제" and art.authors == ["강지후"]


def test_zum_page_without_keyword_line_wire_dateline_or_related_list():
    art = extract("zum_keyword.html", "https://news.zum.com/articles/90000001")
    assert art.body.startswith("물류 기업 새벽물류가 경기 화성의")
    assert art.body.endswith("다른 단지로 넓힐지 정하기로 했다.")
    assert_absent(art.body, "키워드", "#배송로봇", "(세종=가람일보)", "노유나 기자", "yuna@", "저작권자", "관련 뉴스",
                  "배송 로봇 규제 풀린다")


def test_bundle_page_keeps_every_section_without_its_footer_byline_or_headline():
    art = extract("bundle_sections.html", "https://report.garam.example/daily/2026-07-09")
    assert_in_order(art.body, "부산항만공사가 신항 터미널에", "다른 부두에도 적용할지 검토한다.",
                    "지역 병원 세 곳이 음성으로", "노인 환자부터 쓰게 된다.")
    assert_absent(art.body, "[헤럴드경제=", "(세종=연합뉴스)", "yoonseul@", "doyun@", "ⓒ", "저작권자", "무단",
                  "서윤슬 기자", "지역 병원 세 곳, 진료 예약 도우미 공동 개발")


def test_dateline_bylines_are_stripped_from_the_lead_only():
    lead = "[헤럴드경제=서윤슬 기자] 중견 로봇 기업이 지역 대학 두 곳과 물류 로봇용 인공지능을 함께 연구하기로 했다."
    wire = "(세종=연합뉴스) 한도윤 기자 = 정부가 내년부터 항만 자동화 설비에 대한 세액 공제를 늘리기로 했다."
    assert clean_text(lead) == lead.split("] ", 1)[1]
    assert clean_text(wire) == wire.split("= ", 1)[1]


def test_signoff_words_inside_the_body_survive():
    body = ("지금까지 확인된 피해 신고는 모두 세 건이었습니다. 당국은 추가 피해가 있는지 조사하고 있습니다.\n"
            "현장 기자는 주민 대피가 모두 끝났다고 전했습니다. 복구 작업은 내일 아침 다시 시작됩니다.")
    assert clean_text(body) == body.replace("\n", "\n\n")


def test_arrow_labels_quote_signoff_credits_and_promos_after_the_byline():
    art = extract("broadcast_arrow_labels.html", "https://imnews.imbc.com/replay/2026/nwdesk/article/1.html")
    paras = art.body.split("\n\n")
    assert paras[0] == "◀ 앵커 ▶"                               # the programme kicker above it goes, the label stays
    assert paras.count("[마을 주민 (음성변조)]") == 2              # a label said twice is not a duplicate
    assert_in_order(art.body, "◀ 앵커 ▶", "바닷가 마을의 작은 도서관들이", "◀ 리포트 ▶", "[마을 주민 (음성변조)]",
                    "\"아이들이 주말에", "[마을 주민 (음성변조)]", "\"자원봉사라도", "▶ 스탠딩 : 나은솔 / 기자")
    assert paras[-1] == "- \"군은 다음 달부터 자원봉사자 교육 과정을 열어 주말 운영을 다시 시작할 계획입니다.\""
    assert_absent(art.body, "[뉴스데스크]", "현장을 다녀왔습니다", "MBC뉴스 나은솔입니다", "영상취재", "@", "더 보기",
                  "많이 본 영상", "Copyright")


def test_e_mail_footers_close_each_section_of_a_clipping_page():
    art = extract("clipping_email_footers.html", "https://clipping.example/fire")
    assert_in_order(art.body, "오늘 새벽 항구 냉동창고에서", "정확한 원인을 조사하고 있습니다.",
                    "지난 15일 밤 산업단지의", "정확한 화재 원인을 조사 중이다.",
                    "이 불은 캠핑장 방갈로", "합동감식을 할 예정이다.")
    assert_absent(art.body, "@", "누리일보", "물결뉴스 /", "글자크기", "무단전재", "스크랩 3건", "하다온")


def test_a_footer_glued_to_the_last_sentence_goes_and_the_sentence_stays():
    last = "시는 내년 예산에 관련 사업비를 반영하고 주민 설명회를 이어갈 계획이라고 설명했다."
    lead = "가람시는 올해 하반기부터 새로운 교통 정책을 시행하기로 했다고 어제 밝혔다. 시민들의 반응은 엇갈렸다."
    for footer in (" 한누리 기자 nuri@garam.example", "<저작권자 ⓒ 가람일보, 무단 전재 및 재배포 금지>",
                   " [한누리 기자 nuri@garam.example]", " 가람방송 한누리입니다.".replace("가람방송", "KBS 뉴스")):
        out = clean_text(lead + "\n" + last + footer)
        assert out.split("\n\n")[-1] == last, footer


def test_headline_style_subtitles_above_the_lead_go_but_short_spoken_leads_stay():
    out = clean_text("\n".join(["주말 문 닫는 바닷가 도서관…\"사서가 없다\"",
                                "군, 자원봉사자 교육으로 주말 운영 재개한다",
                                "이번엔 바닷가 마을로 가 봅니다.",
                                "바닷가 마을의 작은 도서관들이 주말마다 문을 닫고 있습니다. 사서를 구하지 못해서입니다."]))
    assert out.split("\n\n") == ["이번엔 바닷가 마을로 가 봅니다.",
                                 "바닷가 마을의 작은 도서관들이 주말마다 문을 닫고 있습니다. 사서를 구하지 못해서입니다."]


def test_regional_casts_tags_calls_desk_credits_and_caster_signoffs():
    out = clean_text("\n".join([
        "[KBS 가람] 밤사이 바닷가 마을에 강한 바람이 불면서 정전 피해가 잇따랐습니다.",
        "가람시는 오늘 오전까지 복구를 마치겠다고 밝혔고, 주민들에게 해안가 접근을 자제해 달라고 당부했습니다.",
        "한누리 기자?",
        "[기자]",
        "네, 가람항 방파제 앞에 나와 있습니다. 파도가 여전히 높아 어선들은 모두 항구에 묶여 있습니다.",
        "날씨 전해드렸습니다.",
        "KBS 지역국",
        "가람방송 한누리(nuri@garam.example) 기자"]))
    paras = out.split("\n\n")
    assert paras[0] == "밤사이 바닷가 마을에 강한 바람이 불면서 정전 피해가 잇따랐습니다."
    assert paras[-1].startswith("네, 가람항 방파제 앞에") and "[기자]" in paras
    assert_absent(out, "[KBS 가람]", "한누리 기자?", "전해드렸습니다", "지역국", "@")


def test_a_short_line_after_the_first_sentence_is_an_in_body_subheading():
    out = clean_text("\n".join([
        "오늘의 소식을 정리해 드리는 뉴스 큐레이터입니다.",
        "석 달간 1,200명",
        "먼저 첫 번째 소식입니다. 정부가 석 달 동안 벌인 특별 단속에서 1,200명이 붙잡혔습니다.",
        "바다 건너 첫 승리",
        "다음 소식입니다. 청소년 대표팀이 원정 경기에서 첫 승리를 거뒀습니다. 감독은 선수들을 칭찬했습니다."]))
    assert out.split("\n\n")[:2] == ["오늘의 소식을 정리해 드리는 뉴스 큐레이터입니다.", "석 달간 1,200명"]
    assert "바다 건너 첫 승리" in out


def test_the_bench_counts_a_marker_as_a_leak_only_outside_the_gold_text():
    from radar.bench_extract import count_leaks
    gold = "현장에 나가 있는 취재기자 연결해 보겠습니다.\n\n네, 가람항 방파제 앞에 나와 있습니다."
    assert count_leaks(gold, gold) == 0
    assert count_leaks(gold + "\n\n한누리 기자 nuri@garam.example", gold) == 2      # the bare byline and its e-mail
    assert count_leaks(gold) >= 1                                                  # without gold: every marker counts
