"""The Korean boilerplate table, one class at a time, as a reader of the body sees it (``clean_text``)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from extractors.article import clean_text
from extractors.boilerplate import BOILERPLATE_FILE, clean_paragraphs, load_rules

P1 = ("중견 로봇 기업 다솜로보틱스가 지역 대학 두 곳과 물류 로봇용 인공지능을 함께 연구하기로 했다. "
      "세 기관은 창고 작업 데이터를 공유하고 내년까지 시범 서비스를 내놓을 계획이다.")
P2 = ("다솜로보틱스는 시험용 로봇 열 대와 현장 데이터를 제공하고, 대학 연구진은 물건을 집는 동작을 "
      "학습하는 모델을 개발한다. 성과물은 참여 기관이 함께 특허를 출원하기로 했다.")
P3 = "한 참여 교수는 \"현장에서 생긴 문제를 연구실로 바로 가져올 수 있다는 점이 가장 반갑다\"고 말했다."


def clean(*lines: str) -> str:
    return clean_text("\n".join(lines))


def assert_body(out: str, *paras: str) -> None:
    for p in paras:
        assert p in out, f"body paragraph lost: {p[:40]}"


# ---------------------------------------------------------------- bylines and e-mail

def test_byline_line_with_email_is_dropped():
    out = clean(P1, P2, "정하늘 기자 haneul@dasom-news.example")
    assert_body(out, P1, P2)
    assert "기자" not in out and "@" not in out


def test_byline_variants():
    for line in ("- 송하람 기자 haram@news.example 자세히보기", "• 김바다 기자 bada@news.example",
                 "부산=오세린 기자", "칼럼니스트 문가람 garam@mail.example", "이서진 선임기자",
                 "대전·세종 한누리 기자 nuri@news.example", "정유리 yuri@news.example"):
        out = clean(P1, line, P2)
        assert_body(out, P1, P2)
        assert line.split()[-1] not in out.split("\n")[-1] or line not in out


def test_dateline_byline_prefix_is_stripped():
    out = clean("[서울=가람뉴스 정하늘 기자] " + P1, P2)
    assert out.startswith(P1)
    out = clean("(서울=가람뉴스) 정하늘 기자 = " + P1, P2)
    assert out.startswith(P1)


def test_column_label_prefix_without_reporter_is_kept():
    out = clean("[가람미디어=정하늘의 문화산책] " + P1, P2)
    assert out.startswith("[가람미디어=정하늘의 문화산책]")


def test_byline_glued_to_last_sentence_is_cut():
    out = clean(P1, P2, P3 + "부산=정하늘 기자 haneul@news.example")
    assert out.endswith(P3)


def test_email_glued_after_last_sentence_is_cut():
    out = clean(P1, P2, P3 + " haneul@news.example")
    assert out.endswith(P3)


# ---------------------------------------------------------------- copyright

@pytest.mark.parametrize("line", [
    "저작권자 © 가람일보 무단전재 및 재배포 금지",
    "Copyright ⓒ 가람일보. All rights reserved.",
    "<Copyright ⓒ 가람일보. All rights reserved. 무단 전재 및 재배포 금지>",
    "ⓒ 가람뉴스, 무단 전재-재배포, AI 학습 및 활용 금지",
])
def test_copyright_lines(line):
    out = clean(P1, P2, line)
    assert_body(out, P1, P2)
    assert "무단" not in out and "©" not in out and "ⓒ" not in out and "Copyright" not in out


# ---------------------------------------------------------------- captions and credits

@pytest.mark.parametrize("line", [
    "사진= 다솜로보틱스",
    "[사진제공=다솜로보틱스]",
    "연구진이 물류 로봇의 집게 동작을 시험하고 있다. [사진제공=다솜로보틱스]",
    "▲다솜로보틱스 연구원이 창고에서 로봇을 점검하는 모습 (사진제공=다솜로보틱스)",
    "이하나 대표가 협약서에 서명한 뒤 기념촬영을 하고 있다. 제공 | 다솜로보틱스",
    "[사진=게티이미지뱅크]",
])
def test_photo_captions_and_credits(line):
    out = clean(P1, line, P2)
    assert out == P1 + "\n\n" + P2


def test_sentence_ending_with_a_supply_word_is_not_a_caption():
    body = "이 회사는 지역 병원에 진료 예약 도우미를 무상으로 제공/지원한다고 밝혔다."
    assert body in clean(P1, body, P2)


# ---------------------------------------------------------------- share, font, URL buttons

def test_share_and_font_buttons():
    out = clean(P1, "카카오스토리", "네이버밴드", "페이스북", "트위터", "글자크게", "글자작게", P2,
                "카카오스토리 네이버밴드 페이스북 트위터 글자크게 글자작게", "이 기사를 공유합니다", "URL복사",
                "기사 URL이 복사되었습니다.", "글자크기")
    assert out == P1 + "\n\n" + P2


# ---------------------------------------------------------------- comment widgets

def test_comment_widgets_before_and_after_the_body():
    out = clean("• 댓글 0", P1, P2, "댓글삭제", "삭제한 댓글은 다시 복구할 수 없습니다.", "그래도 삭제하시겠습니까?",
                "댓글 0", "댓글쓰기", "계정을 선택하시면 로그인·계정인증을 통해", "댓글을 남기실 수 있습니다.")
    assert out == P1 + "\n\n" + P2


def test_comment_box_with_guidelines_ends_the_body():
    out = clean(P1, P2, "댓글 (0)", "- 띄어 쓰기를 포함하여 250자 이내로 써주세요.",
                "- 건전한 토론문화를 위해, 타인에게 불쾌감을 주는 욕설 등의 댓글은 표시가 제한됩니다.", "0 /250")
    assert out == P1 + "\n\n" + P2


# ---------------------------------------------------------------- status bar, skip link, tip line

def test_status_bar_skip_link_and_tip_line():
    out = clean("본문으로 바로가기", "상태바", P1, P2, "[기사제보 tips@news.example]", "기사제보 및 보도자료 press@news.example")
    assert out == P1 + "\n\n" + P2


# ---------------------------------------------------------------- related and most-read lists

def test_related_list_is_dropped_even_mid_page():
    out = clean(P1, "관련기사", "다솜로보틱스, 지난해 창고 로봇 첫 수출", "물류 로봇 시장 3년 새 두 배", P2,
                "많이 본 뉴스", "가상의 인기 기사 제목 하나", "가상의 인기 기사 제목 둘")
    assert out == P1 + "\n\n" + P2


# ---------------------------------------------------------------- subscription prompts

def test_subscription_prompts():
    out = clean(P1, P2, "네이버에서 가람일보를 구독하세요!", "가람일보 뉴스레터 구독하기", "카카오톡 채널 추가하고 소식 받기")
    assert out == P1 + "\n\n" + P2


# ---------------------------------------------------------------- portal metadata junk

def test_portal_metadata_junk_line():
    junk = "81234567 0012026031281234567 05 0501001 7.2.3-RELEASE 42 가람일보 0 false true false 1773270000000"
    out = clean(junk, P1, P2, "기사가 속한 카테고리는 언론사가 분류합니다.",
                "언론사는 한 기사를 두 개 이상의 카테고리로 분류할 수 있습니다.")
    assert out == P1 + "\n\n" + P2


def test_published_stamps_and_headline_lines_before_the_body():
    out = clean("다솜로보틱스, 대학과 물류 로봇 AI 공동연구", "정하늘 입력 : 2026.03.12 10:00 ㅣ 수정 : 2026.03.12 10:30",
                "창고 데이터 공유해 내년 시범 서비스", "• 기사출고 2026년 03월 12일 10시 00분", P1, P2)
    assert out == P1 + "\n\n" + P2


def test_numbers_in_body_text_are_not_junk():
    stats = "이 회사 매출은 2024년 120억원, 2025년 185억원으로 늘었고 직원 수는 40명에서 62명이 됐다."
    assert stats in clean(P1, stats, P2)


# ---------------------------------------------------------------- repairs: duplicated body, blog footer

def test_body_pasted_twice_is_collapsed():
    out = clean(P1, P2, P3, P1, P2, P3)
    assert out == "\n\n".join([P1, P2, P3])


def test_second_copy_spliced_mid_sentence_is_collapsed():
    cut = P3.index("가장")
    head, tail = P3[:cut], P3[cut:]
    extra = "세 기관은 다음 달 첫 공동 워크숍을 열고 연구 과제를 확정할 예정이다."
    text = "\n".join([P1, P2, head + P1, P2, extra, P3 + tail])
    out = clean_text(text)
    assert out.count(P1) == 1 and out.count(P2) == 1 and out.count(extra) == 1
    assert out.endswith(P3)
    assert (head + P1) not in out


def test_blog_repost_loses_category_footer_and_header():
    out = clean("2026. 3. 13. 09:00ㆍ로봇/인공지능 소식", "입력 2026-03-12 10:00", "https://news.example/view/123",
                P1, P2, "'로봇/인공지능 소식' 카테고리의 다른 글", "가상의 다른 글 제목 (0) | 2026.03.13 |",
                "또 다른 가상의 글 (0) | 2026.03.12 |")
    assert out == P1 + "\n\n" + P2


def test_outlet_name_alone_and_exact_repeats():
    out = clean("연합뉴스", P1, P1, P2)
    assert out == P1 + "\n\n" + P2


def test_in_body_subheadings_survive():
    out = clean(P1, "■ 시범 서비스는 내년 상반기", P2, "현장 적용이 관건", P3)
    assert "■ 시범 서비스는 내년 상반기" in out and "현장 적용이 관건" in out


# ---------------------------------------------------------------- the table itself

def test_rules_file_explains_how_to_add_a_rule_and_compiles():
    head = BOILERPLATE_FILE.read_text(encoding="utf-8")[:1500]
    assert "HOW TO ADD A RULE" in head
    rules = load_rules()
    classes = {r.cls for r in rules.rules}
    for cls in ("byline", "email", "copyright", "caption", "share", "comment", "statusbar", "skiplink", "tipline",
                "related", "subscription", "portal_meta", "metadata", "blog_footer"):
        assert cls in classes


def test_a_contributor_adds_a_rule_without_code(tmp_path: Path):
    custom = tmp_path / "rules.toml"
    custom.write_text(BOILERPLATE_FILE.read_text(encoding="utf-8") + textwrap.dedent('''
        [[rule]]
        name = "house-ad"
        class = "widget"
        scope = "line"
        max_len = 40
        pattern = '가람일보 창간 \\d+주년 이벤트.*'
        '''), encoding="utf-8")
    line = "가람일보 창간 30주년 이벤트 참여하기"
    assert line in "\n".join(clean_paragraphs([P1, line, P2]))
    assert "\n".join(clean_paragraphs([P1, line, P2], rules=load_rules(custom))) == P1 + "\n" + P2


@pytest.mark.parametrize("sentence", [
    "음악 저작권자 단체는 생성형 AI의 무단 학습을 막아 달라고 정부에 요구했다.",
    "보도자료에 따르면 이 서비스는 출시 한 달 만에 가입자 10만 명을 넘었다.",
    "이 앱은 출시 한 달 만에 앱 다운로드 100만 건을 넘어섰다.",
    "회사는 유료 회원에게 먼저 새 기능을 열어 주기로 했다.",
])
def test_short_body_sentences_about_the_same_words_survive(sentence):
    assert sentence in clean(P1, sentence, P2)


# ---------------------------------------------------------------- portal widgets, wire notes, stat lines

@pytest.mark.parametrize("line", [
    "[리스본(포르투갈)=남궁별 가람스포츠 특파원]",
    "(가람스포츠 남궁별 기자)",
    "【세종=한도윤 기자】",
])
def test_bracketed_byline_alone_on_a_line(line):
    assert clean(P1, line, P2) == P1 + "\n\n" + P2


@pytest.mark.parametrize("line", [
    "좋아요 0 훈훈해요 0 슬퍼요 0 화나요 0 후속기사 원해요 0",
    "추천해요 12 감동이에요 3 화나요 1",
    "기사원문 스크랩 본문듣기 설정",
    "요약봇",
    "이 기사를 추천합니다",
    "기사의 섹션 정보는 해당 언론사의 분류를 따르고 있습니다. 언론사는 개별 기사를 2개 이상 섹션으로 중복 분류할 수 있습니다.",
    "▶ 네이버에서 '가람경제'를 만나보세요",
    "☞ 가람일보 앱 알림 받아보세요!",
    "시험 가동 중인 무인 크레인 [이미지출처=가람경제]",
    "항구에 정박한 화물선. [AP 가람통신 자료사진. 재판매 및 DB 금지]",
])
def test_portal_widgets_and_wire_photo_notes(line):
    assert clean(P1, line, P2) == P1 + "\n\n" + P2


def test_a_body_paragraph_starting_with_an_arrow_survives():
    para = "▶ 정부는 내년부터 항만 자동화 설비에 대한 세액 공제를 늘리고, 중소 운영사에는 별도 융자를 지원하기로 했다."
    assert para in clean(P1, para, P2)


def test_korean_score_lines_are_not_tracking_junk():
    lines = ["4.12 개막전 4타수 2안타 1홈런 2타점 1볼넷", "- 7경기 26타수 12안타 타율 0.462"]
    out = clean(P1, *lines, P2)
    for line in lines:
        assert line in out
