"""End to end: our own short Korean articles -> the real classifier -> a real DuckDB file -> the views.

The promise (issues 4 and 9): `alliance_members` answers "who was in KT's AI 원팀 on a date" from the news
alone -- founders dated by the founding, joiners by their joining, organisations only seen in a later member
list from that article's date, never rival camps, parents or people's titles -- and KT's 2025 consortium
that was also called "AI 원팀" stays a separate alliance. Every text here is written for this test
(fictional wording, real-world membership facts); the shared sets are read at run time when present.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from builders import feed_fetch, page

from extractors.models import KST
from extractors.relevance import classify
from settings import WarehouseSettings
from warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
FOUNDERS = {"KT", "현대중공업그룹", "KAIST", "한양대", "ETRI"}
CONSORTIUM_2025 = "KT 독자 AI 파운데이션 모델 컨소시엄"

ARTICLES = [
    dict(slug="aionteam-founded", published=datetime(2020, 2, 20, 14, 0, tzinfo=KST),
         title="KT, 현대중공업그룹·KAIST·한양대·ETRI와 'AI 원팀' 출범",
         body="KT는 20일 서울 광화문 사옥에서 현대중공업그룹, KAIST, 한양대, ETRI와 함께 'AI 원팀'을 출범했다고 밝혔다.\n\n"
              "AI 원팀은 산업계와 학계, 연구기관이 인공지능 기술을 함께 개발하고 전문 인재를 길러내기 위한 산학연 협의체다.\n\n"
              "참여 기관들은 분기마다 모여 공동 과제를 정하고, 제조와 통신 현장에 AI를 적용한 성과를 공유하기로 했다.\n\n"
              "KT 관계자는 \"국내 AI 경쟁력을 끌어올리는 구심점이 되겠다\"고 말했다."),
    dict(slug="aionteam-lg-joins", published=datetime(2020, 6, 4, 9, 30, tzinfo=KST),
         title="LG전자·LG유플러스, KT 주도 'AI 원팀' 합류",
         body="LG전자와 LG유플러스가 KT가 이끄는 산학연 인공지능 협의체 'AI 원팀'에 합류했다.\n\n"
              "두 회사는 3일 서울 서초구 KT 연구개발센터에서 열린 행사에서 AI 원팀 참여 협약을 맺었다.\n\n"
              "이로써 AI 원팀에는 통신 경쟁사인 LG유플러스까지 이름을 올리게 됐다.\n\n"
              "LG전자는 가전 분야의 AI 기술을, LG유플러스는 통신망 데이터를 활용한 AI 서비스를 함께 개발할 예정이다."),
    dict(slug="aionteam-bank-joins", published=datetime(2021, 3, 16, 10, 0, tzinfo=KST),
         title="우리은행, 'AI 원팀' 새 식구로…금융 AI 공동 개발",
         body="우리은행이 KT 주도의 인공지능 협의체 'AI 원팀'에 합류했다고 16일 밝혔다.\n\n"
              "우리은행은 이번 합류로 AI 원팀 참여 기관과 함께 금융 상담 챗봇과 이상거래 탐지 AI를 공동으로 개발한다.\n\n"
              "은행 측은 \"금융권의 AI 활용 사례를 넓히는 계기가 될 것\"이라고 기대했다."),
    dict(slug="consortium-2025", published=datetime(2025, 7, 14, 11, 0, tzinfo=KST),
         title="KT, 솔트룩스·크라우드웍스와 컨소시엄 'AI 원팀' 꾸려 독자 AI 파운데이션 모델 도전",
         body="KT가 솔트룩스, 크라우드웍스, 매스프레소와 컨소시엄을 구성해 정부의 독자 AI 파운데이션 모델 개발 사업에 "
              "참여한다고 14일 밝혔다.\n\n"
              "KT는 이 컨소시엄을 'AI 원팀'으로 이름 붙였으며 주관사를 맡는다.\n\n"
              "컨소시엄은 한국어에 강한 초거대 언어모델을 공동 개발해 공공과 산업 현장에 보급할 계획이다.\n\n"
              "KT 관계자는 \"각 분야 강자들이 모인 만큼 세계 수준의 모델을 만들겠다\"고 말했다."),
    # a later joining story with a background member list, a sentence with a particle after 협의체, a bank
    # chief's title, and a rival camp named in the same article
    dict(slug="aionteam-hanjin-joins", published=datetime(2021, 4, 12, 10, 0, tzinfo=KST),
         title="한진, KT 'AI 원팀' 합류…물류에 인공지능 접목",
         body="한진이 KT가 주도하는 산학연 인공지능 협의체 'AI 원팀'에 합류했다고 12일 밝혔다.\n\n"
              "지난해 2월 출범한 AI 원팀은 KT, 현대중공업그룹, KAIST, 한양대, ETRI, LG전자, LG유플러스, 한국투자증권, "
              "우리은행 등이 참여하고 있다.\n\n"
              "AI 원팀은 산학연 협의체로, 이번 합류로 물류 분야까지 협력 범위를 넓히게 됐다.\n\n"
              "권광석 우리은행장과 노삼석 한진 사장은 물류 금융 AI 서비스를 함께 개발하기로 했다.\n\n"
              "한편 SK텔레콤은 삼성전자, 카카오와 'AI 초협력'을 맺고 KT 진영에 맞서고 있다."),
    dict(slug="kt-own-launch", published=datetime(2021, 9, 2, 9, 0, tzinfo=KST),
         title="KT, 기업용 AI 고객센터 서비스 출시",
         body="KT가 기업 고객을 위한 AI 고객센터 서비스를 출시했다고 2일 밝혔다.\n\n"
              "이 서비스는 음성 인식과 자연어 처리 기술을 결합해 상담 전화를 자동으로 응대한다.\n\n"
              "KT는 AI 원팀 활동으로 쌓은 기술력을 바탕으로 서비스를 고도화했다고 설명했다.\n\n"
              "회사는 연말까지 고객사 100곳을 확보하는 것이 목표다."),
    dict(slug="politics", published=datetime(2021, 5, 22, 8, 0, tzinfo=KST),
         title="한미 정상회담…\"한미동맹, AI·반도체 협력으로 확대\"",
         body="한국과 미국 정상이 21일 워싱턴에서 정상회담을 열고 한미동맹을 인공지능과 반도체 등 첨단 기술 분야로 "
              "넓히기로 합의했다.\n\n"
              "양국은 공동성명에서 안보 협력과 함께 AI 기술 협력을 강화하겠다고 밝혔다.\n\n"
              "정부 관계자는 \"동맹의 외연이 기술로 확장된 것\"이라고 평가했다."),
]


def classified_page(a: dict):
    """A PageRecord whose relevance is the REAL classifier's verdict on the article."""
    rec = page(f"https://news.example/{a['slug']}", title=a["title"], body=a["body"], published_at=a["published"],
               outlet="테스트일보")
    rec.relevance = classify(a["title"], a["body"], a["published"])
    return rec


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db = tmp_path_factory.mktemp("membership") / "radar.duckdb"
    pages = [classified_page(a) for a in ARTICLES]
    wh = Warehouse(db, WarehouseSettings(lock_wait_seconds=5))
    wh.load("run-membership", [feed_fetch("https://feeds.example/rss")], pages, [])
    return wh, db, {a["slug"]: p.relevance for a, p in zip(ARTICLES, pages)}


def q(wh: Warehouse, sql: str, params=None) -> list[tuple]:
    return wh.query(sql, params)[1]


def test_classifier_verdicts(loaded):
    _, _, rel = loaded
    for slug in ("aionteam-founded", "aionteam-lg-joins", "aionteam-bank-joins", "aionteam-hanjin-joins",
                 "consortium-2025"):
        assert rel[slug].is_alliance, slug
    assert not rel["kt-own-launch"].is_alliance
    assert not rel["politics"].is_alliance
    assert rel["aionteam-founded"].alliance == "AI 원팀" and rel["aionteam-founded"].event == "founded"
    assert rel["aionteam-lg-joins"].event == "joined"
    assert rel["aionteam-lg-joins"].event_date == date(2020, 6, 3)      # "3일" in a story published on the 4th
    assert rel["consortium-2025"].alliance == CONSORTIUM_2025
    assert rel["consortium-2025"].evidence["alliance_resolved"] is True


def test_membership_by_end_of_september_2020(loaded):
    wh, _, _ = loaded
    rows = q(wh, "select org from alliance_members where alliance = 'AI 원팀' and joined_on <= DATE '2020-09-30'")
    assert {r[0] for r in rows} == FOUNDERS | {"LG전자", "LG유플러스"}
    assert len(rows) == 7                                                # one row per alliance and org


def test_joined_on_dates(loaded):
    wh, _, _ = loaded
    joined = dict(q(wh, "select org, joined_on from alliance_members where alliance = 'AI 원팀'"))
    assert joined["LG유플러스"] == date(2020, 6, 3)
    assert joined["LG전자"] == date(2020, 6, 3)
    assert joined["KT"] == date(2020, 2, 20)                            # the earliest event showing it
    assert joined["우리은행"] == date(2021, 3, 16)
    founders = q(wh, "select org from alliance_members where alliance = 'AI 원팀' and joined_on <= DATE '2020-03-31'")
    assert {r[0] for r in founders} == FOUNDERS


def test_as_of_a_date_before_a_join_leaves_the_joiners_out(loaded):
    wh, _, _ = loaded
    as_of = ("select org from alliance_members where alliance = 'AI 원팀' and joined_on <= ? "
             "and (left_on is null or left_on > ?)")
    assert {r[0] for r in q(wh, as_of, [date(2020, 6, 2), date(2020, 6, 2)])} == FOUNDERS
    later = {r[0] for r in q(wh, as_of, [date(2021, 4, 11), date(2021, 4, 11)])}
    assert later == FOUNDERS | {"LG전자", "LG유플러스", "우리은행"}          # not yet 한진, nor 한국투자증권
    assert "한진" in {r[0] for r in q(wh, as_of, [date(2021, 4, 12), date(2021, 4, 12)])}


def test_a_background_list_does_not_redate_founders(loaded):
    """"지난해 2월 출범한 AI 원팀은 A, B, C ... 가 참여하고 있다" in a 2021 story: the founders keep their founding
    date, the joiners their joining date, and an organisation only that list shows counts from the story's
    date as a listed member."""
    wh, _, _ = loaded
    rows = {r[0]: r[1:] for r in q(wh, "select org, joined_on, basis, first_reported_on from alliance_members "
                                       "where alliance = 'AI 원팀'")}
    for org in FOUNDERS:
        assert rows[org][:2] == (date(2020, 2, 20), "stated_founding"), org
    assert rows["LG전자"][:2] == (date(2020, 6, 3), "stated_join")
    assert rows["우리은행"][:2] == (date(2021, 3, 16), "stated_join")
    assert rows["한국투자증권"] == (date(2021, 4, 12), "listed_member", date(2021, 4, 12))
    assert rows["한진"][:2] == (date(2021, 4, 12), "stated_join")


def test_a_rival_camp_and_mentions_are_not_members(loaded):
    wh, _, rel = loaded
    members = {r[0] for r in q(wh, "select org from alliance_members where alliance = 'AI 원팀'")}
    assert not members & {"SK텔레콤", "삼성전자", "카카오"}
    roles = dict(q(wh, "select r.org, r.role from event_orgs r join articles a using (article_id) "
                       "where a.url like '%hanjin%' and r.org in ('SK텔레콤', '삼성전자', '카카오')"))
    assert set(roles.values()) == {"mentioned"}
    hanjin = rel["aionteam-hanjin-joins"]
    assert set(hanjin.evidence["parties"]) == {"한진", "KT"}
    assert hanjin.events[0].roles["한진"] == "joiner" and hanjin.events[0].roles["KT"] == "listed_member"


def test_no_organisation_ends_in_a_particle_or_a_title(loaded):
    """"협의체로" (a noun with 로) and "우리은행장" (a bank's chief) are no organisations."""
    from extractors.gazetteer import get_kiwi
    from extractors.relevance import get_lexicon
    from extractors.relevance.organisations import clean_span
    wh, _, rel = loaded
    names = {r[0] for r in q(wh, "select org from organisations")} | {r[0] for r in q(wh, "select org from event_orgs")}
    assert not names & {"협의체로", "우리은행장", "협의체", "노삼석", "권광석"}
    kiwi, lex = get_kiwi(), get_lexicon()
    for name in names:
        assert clean_span(name, kiwi, lex) == name, name


def test_alliance_members_columns(loaded):
    wh, _, _ = loaded
    cols, _ = wh.query("select * from alliance_members limit 0")
    assert cols == ["alliance", "org", "joined_on", "article_id", "basis", "first_reported_on", "left_on"]
    dupes = q(wh, "select alliance, org, count(*) from alliance_members group by all having count(*) > 1")
    assert dupes == []


def test_the_2025_consortium_is_a_separate_alliance(loaded):
    wh, _, _ = loaded
    members = {r[0] for r in q(wh, "select org from alliance_members where alliance = ?", [CONSORTIUM_2025])}
    assert {"KT", "솔트룩스", "크라우드웍스", "매스프레소"} <= members
    old = {r[0] for r in q(wh, "select org from alliance_members where alliance = 'AI 원팀'")}
    assert not old & {"솔트룩스", "크라우드웍스", "매스프레소"}
    first = q(wh, "select min(joined_on) from alliance_members where alliance = ?", [CONSORTIUM_2025])[0][0]
    assert first >= date(2025, 7, 1)
    # every alliance value is a canonical gazetteer name here
    assert {r[0] for r in q(wh, "select distinct alliance from alliance_members")} == {"AI 원팀", CONSORTIUM_2025}


def test_a_passing_mention_adds_no_member(loaded):
    wh, _, _ = loaded
    rows = q(wh, "select m.org from alliance_members m join articles a using (article_id) "
                 "where a.url like '%kt-own-launch%' or a.url like '%politics%'")
    assert rows == []


def test_alliance_events_carry_evidence(loaded):
    wh, _, _ = loaded
    rows = q(wh, "select alliance, event, event_date, orgs, evidence from alliance_events where alliance = 'AI 원팀'")
    assert rows
    for alliance, event, event_date, orgs, evidence in rows:
        assert evidence and len(evidence) >= 10
        assert orgs
    founded = [r for r in rows if r[1] == "founded"]
    assert founded and set(founded[0][3]) == FOUNDERS and founded[0][2] == date(2020, 2, 20)
    assert "출범" in founded[0][4]
    joined = [r for r in rows if r[1] == "joined" and "LG유플러스" in r[3]]
    assert joined and joined[0][2] == date(2020, 6, 3) and "합류" in joined[0][4]


def test_radar_alliances_prints_both_timelines(loaded):
    _, db, _ = loaded
    out = subprocess.run([sys.executable, "-m", "radar.cli", "alliances", "--db", str(db)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    blocks = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            current = line.split("  (")[0].strip()
            blocks[current] = []
        elif line.strip() and current:
            blocks[current].append(line.strip())
    assert set(blocks) == {"AI 원팀", CONSORTIUM_2025}
    old = "\n".join(blocks["AI 원팀"])
    assert "2020-02-20  KT" in old and "2020-06-03  LG유플러스" in old and "2021-03-16  우리은행" in old
    assert "솔트룩스" not in old
    new = "\n".join(blocks[CONSORTIUM_2025])
    assert "2025-07-14  솔트룩스" in new and "LG유플러스" not in new


def test_radar_alliances_known_lists_the_gazetteer(tmp_path):
    out = subprocess.run([sys.executable, "-m", "radar.cli", "alliances", "--known"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "AI 원팀" in out.stdout and CONSORTIUM_2025 in out.stdout
    assert "2020-02-20" in out.stdout


# --- an alliance the gazetteer does not know, followed by a later story without an AI word --------------

PORT = [
    dict(slug="port-founded", published=datetime(2022, 3, 8, 9, 0, tzinfo=KST),
         title="항만공사·물류기업, ‘스마트항만 원팀’ 결성…AI로 물류 혁신",
         body="부산항만공사는 가온해운, 나래로지스, 한빛터미널과 인공지능(AI) 기반 항만 물류 협력체 ‘스마트항만 원팀’을 "
              "결성했다고 8일 밝혔다.\n\n"
              "네 기관은 AI로 선박 입출항과 화물 처리 시간을 예측하는 플랫폼을 공동 개발한다.\n\n"
              "부산항만공사 관계자는 \"데이터를 모아 항만 경쟁력을 키우겠다\"고 말했다."),
    dict(slug="port-joins", published=datetime(2022, 9, 21, 9, 0, tzinfo=KST),
         title="다솜물류, ‘스마트항만 원팀’ 합류",
         body="다솜물류가 20일 부산항만공사 주도의 ‘스마트항만 원팀’에 합류했다.\n\n"
              "다솜물류는 컨테이너 운송 정보를 공유하기로 했다.\n\n"
              "이로써 스마트항만 원팀에는 모두 다섯 곳이 참여하게 됐다."),
    dict(slug="port-other", published=datetime(2022, 10, 4, 9, 0, tzinfo=KST),
         title="‘물류 혁신 원팀’에 누리해운 합류",
         body="누리해운이 ‘물류 혁신 원팀’에 합류했다고 4일 밝혔다.\n\n누리해운은 선박 정보를 공유한다."),
]


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    db = tmp_path_factory.mktemp("port") / "radar.duckdb"
    pages = [classified_page(a) for a in PORT]
    wh = Warehouse(db, WarehouseSettings(lock_wait_seconds=5))
    wh.load("run-port", [feed_fetch("https://feeds.example/rss")], pages, [])
    return wh, {a["slug"]: p.relevance for a, p in zip(PORT, pages)}


def test_a_tracked_alliance_counts_a_later_story_below_the_threshold(port):
    """The founding story is an AI-alliance article; the joining story has no AI word and is not kept, but
    the alliance is tracked, so its joiner counts. An alliance no kept article names adds nobody."""
    wh, rel = port
    assert rel["port-founded"].is_alliance and rel["port-founded"].alliance == "스마트항만 원팀"
    assert not rel["port-joins"].is_alliance and not rel["port-other"].is_alliance
    rows = {r[0]: r[1:] for r in q(wh, "select org, joined_on, basis from alliance_members "
                                       "where alliance = '스마트항만 원팀'")}
    founders = {"부산항만공사", "가온해운", "나래로지스", "한빛터미널"}
    assert set(rows) == founders | {"다솜물류"}
    assert {rows[o] for o in founders} == {(date(2022, 3, 8), "stated_founding")}
    assert rows["다솜물류"] == (date(2022, 9, 20), "stated_join")
    assert q(wh, "select count(*) from alliance_members where alliance = '물류 혁신 원팀'")[0][0] == 0


# --- the shared sets (skipped when ../shared is absent) ------------------------------------------------

SHARED = ROOT.parent / "shared"
MEMBERSHIP_SET = SHARED / "corpus" / "membership"
SEEDS = SHARED / "seeds"
# each seed's published date, as the page states it (its timestamp, 입력/기사출고 line, or "이달" = June 2020)
SEED_DATES = {"000": "2020-06-03", "001": "2020-06-15", "002": "2020-09-27", "003": "2020-06-04", "004": "2020-06-17"}


@pytest.mark.skipif(not MEMBERSHIP_SET.is_dir(), reason="../shared/corpus/membership is absent")
def test_membership_bench_is_exact_at_every_checkpoint():
    import io
    from radar.bench_membership import bench_membership
    out = io.StringIO()
    res = bench_membership(MEMBERSHIP_SET, out)
    assert res["checkpoints"] >= 6
    assert res["exact"] == res["checkpoints"], out.getvalue()
    assert all(len(v["mapped"]) == 1 for v in res["alliances"].values()), out.getvalue()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent")
def test_seeds_give_the_founders_and_the_june_joiners(tmp_path):
    from radar.bench_membership import page_record
    recs = [dict(id=f.name[:3], text=f.read_text(encoding="utf-8"), published=SEED_DATES[f.name[:3]])
            for f in sorted(SEEDS.glob("*.txt"))]
    assert len(recs) == 5
    wh = Warehouse(tmp_path / "seeds.duckdb", WarehouseSettings(lock_wait_seconds=5))
    wh.load("seeds", [], [page_record(r) for r in recs], [])
    as_of = ("select org from alliance_members where alliance = 'AI 원팀' and joined_on <= ? "
             "and (left_on is null or left_on > ?)")
    assert {r[0] for r in q(wh, as_of, [date(2020, 5, 1), date(2020, 5, 1)])} == FOUNDERS
    joined = dict(q(wh, "select org, joined_on from alliance_members where alliance = 'AI 원팀'"))
    assert joined["LG전자"] == joined["LG유플러스"] == date(2020, 6, 3)
    assert {r[0] for r in q(wh, as_of, [date(2020, 6, 3), date(2020, 6, 3)])} == FOUNDERS | {"LG전자", "LG유플러스"}
