"""Kiwi's tokens for the short words the organisation rules probe are memoised per process
(extractors/gazetteer.py ``word_tokens``): the scores, parties and events must be exactly what asking Kiwi
every time gives, and a gazetteer that teaches Kiwi new names must not be answered from stale tokens."""
from extractors import gazetteer
from extractors.gazetteer import get_kiwi, load_gazetteer, word_tokens
from extractors.relevance import classify, organisations, relevance_to_json

TEXTS = [
    ("새빛로직스·한결데이터, 생성형 AI 공동 개발 업무협약",
     "인공지능 스타트업 새빛로직스와 데이터 기업 한결데이터가 생성형 AI 서비스를 함께 개발하기 위한 업무협약을 "
     "체결했다고 3일 밝혔다. 두 회사는 금융 상담용 언어모델을 공동 설계하고 내년 상반기 시범 서비스를 연다.\n\n"
     "새빛로직스 대표는 \"양사의 기술을 합쳐 국내 AI 생태계를 넓히겠다\"고 말했다."),
    ("'AI 원팀'에 해솔전자 합류",
     "KT가 주도하는 산학연 협의체 'AI 원팀'에 해솔전자가 새로 합류했다. AI 원팀에는 현재 KT, KAIST, 한양대, "
     "ETRI 등이 참여하고 있다. 해솔전자는 제조 현장의 AI 품질 검사 기술을 함께 연구한다."),
    ("동네 빵집 축제 열려", "주말 동안 시청 앞 광장에서 빵 축제가 열렸다. 시민 수천 명이 다녀갔다."),
]


def _results():
    return [relevance_to_json(classify(title, body, "2026-09-03", threshold=0.5)) for title, body in TEXTS]


def test_memoised_tokens_give_exactly_what_kiwi_gives(monkeypatch):
    gazetteer._word_tokens.clear()
    cached = _results()
    assert len(gazetteer._word_tokens) > 0            # the rules did probe words through the cache
    again = _results()                                 # now answered from the cache
    monkeypatch.setattr(organisations, "word_tokens", lambda kiwi, word: kiwi.tokenize(word))
    asked_every_time = _results()
    assert cached == again == asked_every_time
    assert cached[0]["is_alliance"] and not cached[2]["is_alliance"]


def test_new_gazetteer_names_clear_the_memo(tmp_path):
    kiwi = get_kiwi()
    probe = "늘푸른데이터랩과"
    before = [(t.form, t.tag) for t in word_tokens(kiwi, probe)]
    assert probe in gazetteer._word_tokens
    extra = tmp_path / "mine.toml"
    extra.write_text('[[org]]\nname = "늘푸른데이터랩"\nen = "Neulpureun Data Lab (fictional)"\n'
                     'type = "company"\n', encoding="utf-8")
    assert get_kiwi(load_gazetteer([extra])) is kiwi   # registers the new name with the shared Kiwi
    assert probe not in gazetteer._word_tokens
    after = [(t.form, t.tag) for t in word_tokens(kiwi, probe)]
    assert after == [(t.form, t.tag) for t in kiwi.tokenize(probe)]
    assert ("늘푸른데이터랩", "NNP") in after and after != before
