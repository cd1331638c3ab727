"""Synthetic Korean news sites for `radar bench pipeline`: N distinct article pages in realistic page chrome.

Each page is what a Korean news site sends (about 80 KB on average): a head full of meta tags, inline style
sheets, ad and analytics scripts and JSON-LD; a header with the section menu and a breaking-news ticker; the
article (title, byline, date, 6-14 paragraphs, photo captions, e-mail and copyright lines); share and font-size
buttons; related-article, most-read and photo-news lists; a comment widget with comments; a long footer.
About a third of the bodies are AI-alliance news (foundings, new members, MOUs between organisations of the
gazetteer), reported by two to four outlets each in their own words, so stories form; the rest are local,
economy, sports, culture and IT-product news (some of which mention AI without any alliance).

Outlets, people and events are invented; organisation and alliance names are the public names the gazetteer
knows. Everything is deterministic: page ``i`` is the same bytes for the same seed on every call, so the server
and the trafilatura floor each generate pages on demand and nothing holds all N pages in memory.

``SyntheticSites(n_pages, n_feeds, n_hosts)`` describes the sites; ``SiteServer`` serves them over HTTP, one
listening socket per loopback address (127.0.0.2, 127.0.0.3, ...: distinct hosts to the fetcher's
politeness rules), with RSS feeds answering conditional GETs with 304 and a robots.txt per host.
"""
from __future__ import annotations

import hashlib
import html
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KST = timezone(timedelta(hours=9))
BASE_TIME = datetime(2026, 9, 1, 6, 0, tzinfo=KST)

# name, layout, charset
OUTLETS = [
    ("테크프레스", "ndsoft", "utf-8"),
    ("디지털경제신문", "wp", "utf-8"),
    ("미래산업뉴스", "portal", "utf-8"),
    ("한빛일보", "legacy", "euc-kr"),
    ("코리아IT포스트", "ndsoft", "utf-8"),
    ("데일리테크리뷰", "wp", "utf-8"),
    ("서울비즈타임스", "portal", "utf-8"),
    ("AI투데이저널", "ndsoft", "utf-8"),
]

ORGS = ["KT", "SK텔레콤", "LG유플러스", "LG전자", "LG AI연구원", "LG CNS", "삼성전자", "삼성SDS", "네이버",
        "네이버클라우드", "카카오", "현대자동차", "포스코DX", "한화시스템", "CJ올리브네트웍스", "신한은행",
        "KB국민은행", "우리은행", "업스테이지", "솔트룩스", "크라우드웍스", "리벨리온", "퓨리오사AI", "딥엑스",
        "모빌린트", "마음AI", "셀바스AI", "코난테크놀로지", "와이즈넛", "트웰브랩스", "루닛", "뷰노", "노타",
        "마키나락스", "올거나이즈", "한글과컴퓨터", "더존비즈온", "KAIST", "서울대", "한양대", "ETRI", "포스텍"]
ALLIANCES = ["AI 원팀", "K-AI 얼라이언스", "초거대AI추진협의회", "AI 초협력", "K-데이터 얼라이언스"]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유", "시우", "채원", "주원", "다은", "현우",
         "지민", "건우", "서현", "우진", "하린", "선우", "윤서", "태윤", "가은", "정우", "소율"]
PLACES = ["서울 강남구", "부산 해운대구", "대구 수성구", "인천 연수구", "광주 북구", "대전 유성구", "울산 남구",
          "경기 성남시", "경기 수원시", "강원 춘천시", "충북 청주시", "전북 전주시", "경남 창원시", "제주시"]
TITLES = ["대표", "부사장", "전무", "상무", "본부장", "센터장", "연구소장", "원장", "교수"]
SECTIONS = ["정치", "경제", "사회", "IT·과학", "산업", "국제", "문화", "스포츠", "오피니언", "지역", "연예", "포토"]


@dataclass(frozen=True, slots=True)
class PageInfo:
    index: int
    host: int                 # 0-based loopback host number (127.0.0.{host + 2})
    feed: int
    path: str
    outlet: str
    layout: str
    charset: str
    title: str
    published_at: datetime
    is_alliance: bool
    story: int | None         # alliance pages of one story share it


class SyntheticSites:
    """The pages, feeds and hosts of one benchmark run (nothing is generated until asked for)."""

    def __init__(self, n_pages: int, n_feeds: int = 50, n_hosts: int = 8, *, seed: int = 20261101,
                 alliance_share: float = 0.33):
        if n_pages < 1 or n_feeds < 1 or n_hosts < 1:
            raise ValueError("pages, feeds and hosts must be at least 1")
        self.n_pages, self.n_feeds, self.n_hosts = n_pages, n_feeds, min(n_hosts, 250)
        self.seed = seed
        self.alliance_share = alliance_share
        self._info: dict[int, PageInfo] = {}

    # --- what is where ---------------------------------------------------------------------------

    def host_address(self, host: int) -> str:
        return f"127.0.0.{host + 2}"

    def feed_host(self, feed: int) -> int:
        return feed % self.n_hosts

    def feed_path(self, feed: int) -> str:
        return f"/rss/section-{feed:03d}.xml"

    def feed_pages(self, feed: int) -> range:
        return range(feed, self.n_pages, self.n_feeds)

    def outlet_of(self, host: int) -> tuple[str, str, str]:
        name, layout, charset = OUTLETS[host % len(OUTLETS)]
        if host >= len(OUTLETS):
            name = f"{name} {host // len(OUTLETS) + 1}판"
        return name, layout, charset

    def info(self, i: int) -> PageInfo:
        found = self._info.get(i)
        if found is None:
            found = self._info[i] = self._make_info(i)
        return found

    def _make_info(self, i: int) -> PageInfo:
        feed = i % self.n_feeds
        host = self.feed_host(feed)
        outlet, layout, charset = self.outlet_of(host)
        rnd = self._rnd("page", i)
        story = None
        if self._rnd("alliance", i // 3).random() < self.alliance_share:
            story = i // 3                  # pages i, i+1, i+2 are on different feeds (outlets) when F > 2
        published = BASE_TIME + timedelta(minutes=17 * i + rnd.randrange(0, 15))
        if story is not None:
            facts = self._story(story)
            published = facts["when"] + timedelta(minutes=40 * (i % 3) + rnd.randrange(0, 30))
            title = self._alliance_title(facts, rnd)
        else:
            title = self._plain_title(i, rnd)
        path = {"ndsoft": f"/news/articleView.html?idxno={100000 + i}",
                "wp": f"/{published:%Y/%m/%d}/news-{i}/",
                "portal": f"/article/{300 + host}/{1000000 + i:010d}",
                "legacy": f"/news/read.php?no={500000 + i}&section=it"}[layout]
        return PageInfo(i, host, feed, path, outlet, layout, charset, title, published, story is not None, story)

    def page_index(self, host: int, path: str) -> int | None:
        """The page a request path names on a host (None: not a page of this host)."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        try:
            if parts.path == "/news/articleView.html":
                i = int(query["idxno"][0]) - 100000
            elif parts.path == "/news/read.php":
                i = int(query["no"][0]) - 500000
            elif parts.path.startswith("/article/"):
                i = int(parts.path.rsplit("/", 1)[1]) - 1000000
            elif "/news-" in parts.path:
                i = int(parts.path.rstrip("/").rsplit("-", 1)[1])
            else:
                return None
        except (KeyError, ValueError, IndexError):
            return None
        if 0 <= i < self.n_pages and self.feed_host(i % self.n_feeds) == host:
            return i
        return None

    def url(self, i: int, port: int) -> str:
        info = self.info(i)
        return f"http://{self.host_address(info.host)}:{port}{info.path}"

    # --- content -------------------------------------------------------------------------------------

    def page_bytes(self, i: int, port: int = 80) -> bytes:
        info = self.info(i)
        paragraphs, rnd = self._body(i)
        base = f"http://{self.host_address(info.host)}:{port}"
        page = _render(info, paragraphs, base, rnd, self)
        return page.encode(info.charset, errors="xmlcharrefreplace")

    def paragraphs(self, i: int) -> list[str]:
        """The article text page ``i`` carries, paragraph by paragraph: what an extractor should return."""
        return self._body(i)[0]

    def _body(self, i: int) -> tuple[list[str], random.Random]:
        """Page ``i``'s paragraphs, and its random stream at the point where the page chrome is drawn."""
        info = self.info(i)
        rnd = self._rnd("body", i)
        if info.is_alliance:
            return self._alliance_body(self._story(info.story), rnd), rnd
        return self._plain_body(i, rnd), rnd

    def content_type(self, i: int) -> str:
        return f"text/html; charset={self.info(i).charset}"

    def feed_bytes(self, feed: int, port: int) -> bytes:
        host = self.feed_host(feed)
        outlet, _, _ = self.outlet_of(host)
        base = f"http://{self.host_address(host)}:{port}"
        items = []
        for i in self.feed_pages(feed):
            info = self.info(i)
            summary = html.escape(self._summary(i))
            items.append(f"<item><title>{html.escape(info.title)}</title><link>{base}{html.escape(info.path)}</link>"
                         f"<guid isPermaLink=\"false\">{outlet}-{i}</guid>"
                         f"<pubDate>{format_datetime(info.published_at)}</pubDate>"
                         f"<description>{summary}</description></item>")
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{html.escape(outlet)} 섹션 {feed}</title><link>{base}/</link>"
                f"<description>{html.escape(outlet)} 최신 기사</description><language>ko</language>"
                + "".join(items) + "</channel></rss>").encode("utf-8")

    def robots_txt(self) -> bytes:
        return b"User-agent: *\nDisallow: /member/\nDisallow: /search\nAllow: /\n"

    # --- generation helpers --------------------------------------------------------------------------

    def _rnd(self, kind: str, key: int) -> random.Random:
        digest = hashlib.blake2b(f"{self.seed}:{kind}:{key}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def _story(self, story: int) -> dict:
        rnd = self._rnd("story", story)
        kind = rnd.choice(["founded", "joined", "mou", "mou", "joined"])
        orgs = rnd.sample(ORGS, rnd.randint(2, 4) if kind != "joined" else 1)
        alliance = rnd.choice(ALLIANCES) if kind != "mou" else None
        if kind == "founded":
            alliance = f"{rnd.choice(['K-', '한국형 ', '차세대 ', '국가 '])}{rnd.choice(['AI 반도체', '생성AI', '온디바이스 AI', 'AI 데이터', '소버린 AI'])} 얼라이언스 {story % 97 + 1}기"
        when = BASE_TIME + timedelta(days=story // 20 + rnd.randrange(0, 3), hours=rnd.randrange(0, 9))
        return {"kind": kind, "orgs": orgs, "alliance": alliance, "when": when,
                "amount": rnd.choice([300, 500, 1200, 2000, 4000, 7500]), "years": rnd.choice([2, 3, 5]),
                "field": rnd.choice(["AI 반도체", "초거대 언어모델", "AI 데이터센터", "온디바이스 AI", "의료 AI",
                                     "AI 인재 양성", "제조 AI", "금융 AI", "AI 안전성 검증"]),
                "people": [(_person(rnd), rnd.choice(TITLES)) for _ in orgs],
                "story": story}

    def _alliance_title(self, f: dict, rnd: random.Random) -> str:
        orgs = "·".join(f["orgs"])
        if f["kind"] == "founded":
            return rnd.choice([f"{orgs}, '{f['alliance']}' 출범", f"{orgs} 손잡고 '{f['alliance']}' 결성",
                               f"'{f['alliance']}' 닻 올렸다…{orgs} 참여"])
        if f["kind"] == "joined":
            return rnd.choice([f"{f['orgs'][0]}, '{f['alliance']}' 합류", f"{f['orgs'][0]}도 '{f['alliance']}' 참여",
                               f"'{f['alliance']}' 세 불리기…{f['orgs'][0]} 새 회원사로"])
        return rnd.choice([f"{orgs}, {f['field']} 협력 MOU 체결", f"{orgs} '{f['field']}' 동맹…업무협약",
                           f"{orgs}, {f['field']} 공동 개발 맞손"])

    def _alliance_body(self, f: dict, rnd: random.Random) -> list[str]:
        orgs = f["orgs"]
        joined = _josa(", ".join(orgs[:-1]), "과/와") + " " + orgs[-1] if len(orgs) > 1 else orgs[0]
        day = f"{f['when'].day}일"
        if f["kind"] == "founded":
            lead = rnd.choice([
                f"{_josa(joined, '이/가')} {day} 서울 중구 한 호텔에서 출범식을 열고 '{f['alliance']}'를 공식 결성했다고 밝혔다.",
                f"{_josa(joined, '이/가')} {f['field']} 경쟁력 강화를 위해 '{f['alliance']}'를 출범시켰다고 {day} 발표했다.",
            ])
        elif f["kind"] == "joined":
            lead = rnd.choice([
                f"{_josa(orgs[0], '이/가')} '{f['alliance']}'에 새 회원사로 합류했다고 {day} 밝혔다.",
                f"{_josa(orgs[0], '이/가')} {day} '{f['alliance']}' 참여를 확정하고 {f['field']} 분야 공동 과제에 나선다.",
            ])
        else:
            lead = rnd.choice([
                f"{_josa(joined, '이/가')} {f['field']} 분야 협력을 위한 업무협약(MOU)을 {day} 체결했다고 밝혔다.",
                f"{_josa(joined, '이/가')} {day} {f['field']} 공동 개발과 사업화를 위한 양해각서를 맺었다.",
            ])
        body = [lead]
        body.append(rnd.choice([
            f"참여 기관들은 앞으로 {f['years']}년간 {f['amount']}억원 규모를 공동 투자해 {f['field']} 기술 개발과 실증 사업을 함께 추진할 계획이다.",
            f"이번 협력으로 각 기관은 {f['field']} 연구 인력과 데이터를 공유하고, {f['years']}년 안에 상용 서비스를 내놓는다는 목표를 세웠다.",
        ]))
        for org, (person, title) in zip(orgs, f["people"]):
            body.append(rnd.choice([
                f"{person} {org} {_josa(title, '은/는')} \"{f['field']} 분야에서 국내 기업과 기관이 힘을 모으는 것이 글로벌 경쟁에서 살아남는 길\"이라며 \"협력의 성과를 빠르게 보여드리겠다\"고 말했다.",
                f"{org} 측은 \"각자의 강점을 결합해 {f['field']} 생태계를 키우겠다\"며 \"참여 기관을 계속 늘려갈 것\"이라고 설명했다.",
                f"{person} {org} {_josa(title, '은/는')} \"이번 협력은 시작에 불과하다\"며 \"{f['years']}년 뒤에는 해외 시장에서도 성과를 내겠다\"고 강조했다.",
            ]))
        body += rnd.sample([
            f"업계에서는 이번 협력이 {f['field']} 분야에서 해외 빅테크에 맞서는 국내 연합 전선의 하나로 보고 있다.",
            "최근 국내 정보통신기술 업계에서는 인공지능 경쟁이 치열해지면서 기업 간 합종연횡이 잇따르고 있다.",
            f"정부도 {f['field']} 분야를 국가 전략 기술로 정하고 관련 예산을 늘리는 등 지원에 나서고 있다.",
            "협의체는 분기마다 전체 회의를 열어 과제 진행 상황을 점검하고 참여 기관 확대 여부를 논의한다.",
            f"공동 연구 결과물은 오픈소스로 공개하고, 중소기업과 스타트업이 쓸 수 있도록 {f['field']} 개발 도구도 무상으로 제공할 예정이다.",
            "참여 기관들은 연구 인력 교류 프로그램을 운영하고 대학원생 대상 공동 교육 과정도 개설하기로 했다.",
        ], rnd.randint(3, 5))
        body.append(rnd.choice([
            f"한편 {_josa(orgs[0], '은/는')} 올해 하반기 {f['field']} 관련 신규 서비스를 공개할 예정이다.",
            f"한편 이날 행사에는 과학기술정보통신부 관계자와 업계 인사 {rnd.randint(40, 160)}여명이 참석했다.",
        ]))
        return body

    def _plain_title(self, i: int, rnd: random.Random) -> str:
        topic = PLAIN_TOPICS[i % len(PLAIN_TOPICS)]
        return topic[0].format(**self._plain_slots(i, rnd))

    def _plain_slots(self, i: int, rnd: random.Random) -> dict:
        srnd = self._rnd("slots", i)
        return {"place": srnd.choice(PLACES), "n": srnd.randint(2, 90), "pct": srnd.randint(2, 48),
                "team": srnd.choice(["한빛", "푸른바다", "새벽별", "청솔", "해오름", "다온"]) + srnd.choice(["FC", "유나이티드", "스타즈"]),
                "rival": srnd.choice(["은하", "한결", "노을", "가람"]) + srnd.choice(["시티", "레이더스", "이글스"]),
                "product": srnd.choice(["갤럭시", "스마트 워치", "무선 이어폰", "노트북", "태블릿"]) + f" {srnd.randint(3, 12)}세대",
                "company": srnd.choice(["한빛전자", "새솔통신", "다온소프트", "가람모바일", "누리테크"]),
                "person": _person(srnd), "no": i}

    def _plain_body(self, i: int, rnd: random.Random) -> list[str]:
        topic = PLAIN_TOPICS[i % len(PLAIN_TOPICS)]
        slots = self._plain_slots(i, rnd)
        first, rest = topic[1], list(topic[2:])
        return [first.format(**slots)] + [s.format(**slots) for s in rnd.sample(rest, min(len(rest), rnd.randint(5, 9)))]

    def _summary(self, i: int) -> str:
        info = self.info(i)
        rnd = self._rnd("body", i)
        first = (self._alliance_body(self._story(info.story), rnd) if info.is_alliance else self._plain_body(i, rnd))[0]
        return first[:120]


def _josa(word: str, pair: str) -> str:
    """``word`` with the right particle of ``pair`` ("은/는", "이/가", "와/과", "을/를"): the first after a
    final consonant. Latin letters and digits are read as Koreans read them (KT -> 케이티: a vowel)."""
    last = word.rstrip("'\"’”)")[-1:]
    if "가" <= last <= "힣":
        batchim = (ord(last) - 0xAC00) % 28 != 0
    else:
        batchim = last.lower() in "lmnr0136789"
    with_final, without = pair.split("/")
    return word + (with_final if batchim else without)


def _person(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


# (title, lead, more paragraphs...) with {place} {n} {pct} {team} {rival} {product} {company} {person} {no}
PLAIN_TOPICS = [
    ("{place} 시립도서관, 시험 기간 야간 개관 {n}시간 연장",
     "{place} 시립도서관이 이번 주말부터 시험 기간에 맞춰 야간 개관 시간을 밤 10시까지 늘린다고 밝혔다.",
     "대상은 본관과 분관 {n}곳이며, 열람실 좌석도 평소보다 {pct}% 늘린다.",
     "도서관 측은 주차장도 무료로 개방하고, 회원증을 지참하면 별도 예약 없이 입장할 수 있다고 설명했다.",
     "지난해 같은 기간 야간 이용객은 하루 평균 {n}백 명으로 집계됐다.",
     "{person} 관장은 \"학생과 직장인 모두 편하게 이용할 수 있도록 운영 방식을 계속 보완하겠다\"고 말했다.",
     "도서관은 이용객 설문 결과를 반영해 내년부터 주말 개관 시간도 조정할 계획이다.",
     "자세한 내용은 도서관 홈페이지와 안내 전화로 확인할 수 있다.",
     "인근 주민센터 세 곳도 같은 기간 작은 도서관을 저녁 9시까지 운영한다.",
     "열람실 내 음식물 반입은 여전히 금지되며, 휴게 공간에서만 간단한 음료를 마실 수 있다."),
    ("{team}, {rival} 꺾고 {n}경기 만에 연승",
     "{team}이 홈 경기에서 {rival}를 2대 1로 꺾고 {n}경기 만에 연승을 달렸다.",
     "전반 {n}분 선제골을 내준 {team}은 후반 들어 연속 골을 몰아치며 승부를 뒤집었다.",
     "결승골을 넣은 {person} 선수는 \"팬들의 응원 덕분에 끝까지 뛸 수 있었다\"고 소감을 밝혔다.",
     "이날 경기장에는 {n}천여 명의 관중이 찾아 올 시즌 최다 관중을 기록했다.",
     "{team}은 이번 승리로 리그 {pct}위에서 중위권으로 올라섰다.",
     "감독은 경기 뒤 기자회견에서 \"수비 조직력이 좋아지고 있다\"며 다음 원정 경기도 자신감을 보였다.",
     "{rival}는 주전 공격수의 부상 공백을 메우지 못하며 3연패에 빠졌다.",
     "두 팀은 다음 달 원정 경기에서 다시 맞붙는다."),
    ("{company}, 3분기 영업이익 {pct}% 증가…'{product}' 판매 호조",
     "{company}가 올해 3분기 연결 기준 영업이익이 지난해 같은 기간보다 {pct}% 늘었다고 공시했다.",
     "매출은 {n}천억원으로 분기 기준 역대 최대를 기록했다.",
     "회사 측은 '{product}' 판매가 예상보다 좋았고, 부품 원가가 내려간 것이 실적 개선에 도움이 됐다고 설명했다.",
     "증권가에서는 4분기에도 신제품 효과가 이어질 것으로 내다봤다.",
     "다만 환율 변동과 해외 경기 둔화는 부담 요인으로 꼽혔다.",
     "{company}는 연말까지 주당 {n}백원의 분기 배당을 실시하기로 했다.",
     "{person} 최고재무책임자는 \"내년에는 해외 판매 비중을 더 높이겠다\"고 밝혔다.",
     "이날 {company} 주가는 전 거래일보다 {pct}% 오른 채 장을 마쳤다."),
    ("{place} 가을 축제 개막…{n}개 공연·체험 프로그램",
     "{place} 대표 가을 축제가 이번 주 금요일 개막해 사흘간 열린다.",
     "올해 축제에는 지역 예술인 공연과 전통 음식 체험 등 {n}개 프로그램이 마련됐다.",
     "주최 측은 행사 기간 주변 도로 일부를 통제하고 임시 셔틀버스를 운행한다고 밝혔다.",
     "지난해 축제에는 {n}만 명이 넘는 방문객이 다녀갔다.",
     "{person} 축제추진위원장은 \"가족 단위 방문객을 위한 체험 공간을 두 배로 늘렸다\"고 말했다.",
     "야간에는 하천변을 따라 조명 전시와 불꽃놀이가 이어진다.",
     "축제장 안에서는 일회용 컵 대신 다회용 컵을 사용하며, 보증금은 행사장 곳곳에서 돌려받을 수 있다.",
     "입장료는 무료이며 일부 체험 프로그램은 사전 예약이 필요하다."),
    ("{company}, AI 기능 넣은 '{product}' 공개…출고가 동결",
     "{company}가 사진 보정과 통화 요약 등 인공지능(AI) 기능을 넣은 '{product}'를 공개했다.",
     "새 제품은 전작보다 배터리 용량을 {pct}% 늘리고 무게는 줄였다.",
     "AI 기능은 기기 안에서 바로 처리돼 인터넷 연결 없이도 쓸 수 있다고 회사 측은 설명했다.",
     "출고가는 전작과 같은 수준으로 동결했다.",
     "사전 판매는 다음 주부터 시작되며, 정식 출시는 이달 말이다.",
     "{person} {company} 사업부장은 \"매일 쓰는 기능을 더 편하게 만드는 데 집중했다\"고 말했다.",
     "업계는 연말 성수기를 앞두고 신제품 경쟁이 한층 치열해질 것으로 보고 있다.",
     "{company}는 구매 고객에게 보호 케이스와 클라우드 저장 공간 {n}GB를 무료로 제공한다."),
    ("{place} 내일 아침 영하권…큰 일교차 주의",
     "내일 아침 {place}의 기온이 영하권으로 떨어지는 등 올가을 들어 가장 추울 것으로 보인다.",
     "기상청은 낮과 밤의 기온 차가 {n}도 안팎으로 크게 벌어지겠다며 건강 관리에 유의해 달라고 당부했다.",
     "낮 최고기온은 평년보다 조금 낮은 {n}도 안팎에 머물겠다.",
     "내륙 일부 지역에는 서리가 내리고 얼음이 어는 곳도 있겠다.",
     "주말에는 기온이 점차 올라 평년 수준을 되찾을 것으로 예상된다.",
     "바다의 물결은 최고 {pct}m로 높게 일겠으니 항해나 조업하는 선박은 주의해야 한다.",
     "미세먼지 농도는 전 권역에서 '좋음'에서 '보통' 수준을 보이겠다."),
    ("정부, 청년 주거 지원 확대…월세 지원 {n}만원으로",
     "정부가 청년층 주거 부담을 덜기 위해 월세 지원 금액을 월 {n}만원으로 늘리기로 했다.",
     "지원 대상은 소득 기준을 충족하는 만 19~34세 무주택 청년으로, 지원 기간도 {pct}개월로 연장된다.",
     "관계 부처는 이 같은 내용을 담은 청년 주거 지원 방안을 발표했다.",
     "신청은 다음 달부터 주민센터와 온라인 복지 포털에서 받는다.",
     "{person} 국토교통부 차관은 \"청년들이 주거비 걱정 없이 사회에 첫발을 내딛도록 돕겠다\"고 말했다.",
     "정부는 공공임대주택 공급 물량도 내년에 {n}천 가구 늘릴 계획이다.",
     "일각에서는 지원 금액보다 공급 확대가 더 시급하다는 지적도 나온다."),
    ("{place} 전통시장, 주말 야시장 운영…먹거리 {n}종",
     "{place}의 한 전통시장이 이달부터 주말마다 야시장을 연다.",
     "야시장에는 지역 상인들이 준비한 먹거리 {n}종과 수공예품 판매대가 들어선다.",
     "상인회는 방문객이 늘면 운영 기간을 연말까지 연장할 방침이다.",
     "시장 주변 공영주차장은 야시장 운영 시간에 한해 무료로 개방된다.",
     "{person} 상인회장은 \"젊은 손님들이 시장을 다시 찾는 계기가 되길 바란다\"고 말했다.",
     "지난해 시범 운영 때는 하루 평균 {n}백 명이 야시장을 찾았다.",
     "구청은 안전 요원을 배치하고 화재 예방 점검도 마쳤다고 밝혔다."),
]


# --- page chrome ----------------------------------------------------------------------------------------

_STYLE = "".join(
    f".{name}{{margin:{k % 7}px {k % 5 * 2}px;padding:{k % 3}px;font-size:{12 + k % 6}px;color:#{k * 2654435761 % 0xFFFFFF:06x};"
    f"line-height:1.{k % 9};border-bottom:1px solid #e{k % 10}e{k % 10}e{k % 10}}}\n"
    for k, name in enumerate(f"{a}-{b}" for a in ("gnb", "lnb", "snb", "box", "list", "item", "tit", "txt", "ad", "btn")
                             for b in ("wrap", "inner", "area", "top", "bottom", "left", "right", "on", "off", "more",
                                       "sub", "main", "item", "link", "icon", "img", "date", "num", "tag", "cont")))

_ANALYTICS = """
(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});
var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;
j.src='https://analytics.example/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-RADAR');
window.newsViewLog=function(idx,sec){var img=new Image();img.src='/log/view?idx='+idx+'&sec='+encodeURIComponent(sec)+'&t='+Date.now();};
function fontSize(step){var el=document.getElementById('article-body');var cur=parseInt(window.getComputedStyle(el).fontSize,10);
el.style.fontSize=(cur+step)+'px';try{localStorage.setItem('fs',cur+step)}catch(e){}}
function shareSns(type){var u=encodeURIComponent(location.href),t=encodeURIComponent(document.title);
var m={facebook:'https://www.facebook.com/sharer/sharer.php?u='+u,twitter:'https://twitter.com/intent/tweet?url='+u+'&text='+t,
kakao:'https://story.kakao.com/share?url='+u,band:'https://band.us/plugin/share?body='+t+'&route='+u};window.open(m[type],'share','width=600,height=500');}
"""


# a minified-looking vendor bundle (real pages inline 10-40 KB of such code)
_BUNDLE = "".join(
    f"var _m{k}=function(a,b){{var c=a.length,d=0,e=[];for(;d<c;d++){{if(b(a[d],d)){{e.push(a[d])}}}}return e}};"
    f"_m{k}.prototype.on=function(t,f){{this._h=this._h||{{}};(this._h[t]=this._h[t]||[]).push(f);return this}};"
    f"window.__slot{k}={{id:'div-gpt-ad-{k * 7919 % 100000}',sizes:[[300,250],[336,280]],lazy:{str(k % 2 == 0).lower()}}};\n"
    for k in range(150))


def _ad_config(rnd: random.Random) -> str:
    slots = [{"id": f"ad-slot-{k}", "size": [[300, 250], [728, 90], [160, 600]][k % 3],
              "targeting": {"sec": rnd.choice(SECTIONS), "pos": k, "kw": [rnd.choice(ORGS) for _ in range(3)]},
              "refresh": 30 + k} for k in range(rnd.randint(10, 22))]
    return "window.adConfig = " + repr(slots).replace("'", '"') + ";\n"


def _links(base: str, rnd: random.Random, n: int, cls: str) -> str:
    items = []
    for k in range(n):
        sec = rnd.choice(SECTIONS)
        items.append(f'<li class="{cls}-item"><a href="{base}/news/list.html?sc_code={rnd.randint(1, 60)}&amp;page={k}" '
                     f'title="{sec}">{sec} {rnd.choice(["뉴스", "기획", "포토", "영상", "칼럼", "속보"])}</a></li>')
    return "\n".join(items)


def _headline_list(base: str, rnd: random.Random, sites: SyntheticSites, n: int, cls: str, with_img: bool = False) -> str:
    items = []
    for _ in range(n):
        j = rnd.randrange(sites.n_pages)
        info = sites.info(j)
        img = (f'<div class="{cls}-img"><img src="{base}/photo/thumb/{j}.jpg" alt="{html.escape(info.title)}" '
               f'width="120" height="80" loading="lazy"></div>') if with_img else ""
        items.append(f'<li class="{cls}-item">{img}<a href="{base}{html.escape(info.path)}">'
                     f'<span class="{cls}-tit">{html.escape(info.title)}</span></a>'
                     f'<span class="{cls}-date">{info.published_at:%m-%d %H:%M}</span></li>')
    return "\n".join(items)


def _recommended(base: str, rnd: random.Random, sites: SyntheticSites) -> str:
    items = []
    for _ in range(rnd.randint(25, 45)):
        j = rnd.randrange(sites.n_pages)
        info = sites.info(j)
        items.append('{"idx":%d,"title":"%s","url":"%s%s","thumb":"%s/photo/thumb/%d.jpg","score":%.3f}'
                     % (j, info.title.replace('"', "'"), base, info.path, base, j, rnd.random()))
    return "window.__RECOMMEND__ = {\"algo\":\"cf-v3\",\"items\":[" + ",".join(items) + "]};"


def _comments(rnd: random.Random, n: int) -> str:
    lines = ["좋은 기사 감사합니다. 앞으로도 관련 소식 자주 전해 주세요.", "현장 분위기가 잘 전달되네요.",
             "이런 소식이 더 많아졌으면 좋겠습니다.", "결과가 어떻게 될지 지켜봐야겠네요.",
             "기사 내용 중 숫자가 조금 헷갈립니다. 확인 부탁드립니다.", "지역 주민으로서 반가운 소식입니다.",
             "비슷한 사례가 다른 곳에도 있었던 것 같은데요.", "정말 필요한 정책이라고 생각합니다."]
    out = []
    for k in range(n):
        out.append(f'<li class="cmt-item" data-cmt-id="{rnd.randint(10**6, 10**7)}"><div class="cmt-user">'
                   f'{rnd.choice(SURNAMES)}**{rnd.randint(1, 99)}</div><p class="cmt-txt">{rnd.choice(lines)}</p>'
                   f'<div class="cmt-meta"><span class="cmt-date">{rnd.randint(1, 59)}분 전</span>'
                   f'<button type="button" class="btn-like">공감 {rnd.randint(0, 300)}</button>'
                   f'<button type="button" class="btn-hate">비공감 {rnd.randint(0, 40)}</button>'
                   f'<button type="button" class="btn-report">신고</button></div></li>')
    return "\n".join(out)


def _jsonld(info: PageInfo, base: str, author: str) -> str:
    return ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
            f'"headline":{json.dumps(info.title, ensure_ascii=False)},"datePublished":"{info.published_at.isoformat()}",'
            f'"dateModified":"{(info.published_at + timedelta(minutes=23)).isoformat()}",'
            f'"author":[{{"@type":"Person","name":"{author}"}}],'
            f'"publisher":{{"@type":"Organization","name":"{info.outlet}","logo":{{"@type":"ImageObject","url":"{base}/image/logo.png"}}}},'
            f'"mainEntityOfPage":"{base}{info.path}"}}</script>')


def _render(info: PageInfo, paragraphs: list[str], base: str, rnd: random.Random, sites: SyntheticSites) -> str:
    author = _person(rnd) + " 기자"
    email = f"reporter{info.index % 97}@news{info.host}.example"
    url = base + html.escape(info.path)
    title = html.escape(info.title)
    desc = html.escape(paragraphs[0][:150])
    head = (f'<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="{info.charset}">\n'
            f'<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title} - {info.outlet}</title>\n"
            f'<meta name="description" content="{desc}">\n<link rel="canonical" href="{url}">\n'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">\n'
            f'<meta property="og:url" content="{url}"><meta property="og:site_name" content="{info.outlet}">\n'
            f'<meta property="og:description" content="{desc}">\n'
            f'<meta property="article:published_time" content="{info.published_at.isoformat()}">\n'
            f'<meta name="author" content="{author}">\n'
            f'<link rel="stylesheet" href="{base}/css/style.css?v={rnd.randint(1, 99)}">\n'
            f"<style>\n{_STYLE}</style>\n<script>{_ANALYTICS}</script>\n<script>{_ad_config(rnd)}</script>\n"
            f"<script>{_BUNDLE[:rnd.randint(4_000, len(_BUNDLE) - 8_000)]}</script>\n"
            f"{_jsonld(info, base, author)}\n</head>\n")
    menu = _links(base, rnd, rnd.randint(40, 70), "gnb")
    ticker = _headline_list(base, rnd, sites, 6, "ticker")
    header = (f'<body class="{info.layout}">\n<div id="skip"><a href="#article-body">본문 바로가기</a></div>\n'
              f'<!-- 상단 광고 영역 시작 -->\n<div class="ad-area top" id="ad-top"><ins class="adsbygoogle" data-ad-slot="{rnd.randint(10**9, 10**10)}"></ins></div>\n'
              f'<!-- // 상단 광고 영역 끝 -->\n<header id="header"><div class="gnb-wrap"><h1 class="logo"><a href="{base}/">{info.outlet}</a></h1>\n'
              f'<nav class="gnb"><ul class="gnb-list">\n{menu}\n</ul></nav>\n'
              f'<div class="util"><a href="{base}/member/login.html">로그인</a> <a href="{base}/member/join.html">회원가입</a> '
              f'<a href="{base}/com/jebo.html">기사제보</a> <a href="{base}/com/subscribe.html">구독신청</a></div>\n'
              f'<div class="ticker"><strong>속보</strong><ul>\n{ticker}\n</ul></div></div></header>\n')
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    photo = (f'<figure class="photo"><img src="{base}/photo/{info.index}_1.jpg" alt="{title}">'
             f'<figcaption>{html.escape(paragraphs[0][:40])}… [사진={info.outlet} 제공]</figcaption></figure>')
    share = ('<div class="share-area"><button type="button" onclick="shareSns(\'facebook\')">페이스북</button>'
             '<button type="button" onclick="shareSns(\'twitter\')">트위터</button>'
             '<button type="button" onclick="shareSns(\'kakao\')">카카오스토리</button>'
             '<button type="button" onclick="shareSns(\'band\')">밴드</button><button type="button" class="btn-url">URL복사</button>'
             '<button type="button" onclick="fontSize(1)">글씨 크게</button><button type="button" onclick="fontSize(-1)">글씨 작게</button>'
             '<button type="button" onclick="window.print()">인쇄</button></div>')
    byline = f'<div class="byline"><span class="writer">{author}</span> <a href="mailto:{email}">{email}</a></div>'
    date_line = (f'<ul class="info-date"><li>입력 {info.published_at:%Y.%m.%d %H:%M}</li>'
                 f'<li>수정 {info.published_at + timedelta(minutes=23):%Y.%m.%d %H:%M}</li></ul>')
    copyright_line = f"<p class=\"copyright\">저작권자 © {info.outlet} 무단전재 및 재배포 금지</p>"
    if info.layout == "ndsoft":
        article = (f'<section id="user-container"><div class="article-head-title"><h3 class="heading">{title}</h3></div>'
                   f'{date_line}{share}<article id="article-view-content-div" class="article-veiw-body">\n'
                   f"{photo}\n<div id=\"article-body\">{paras}</div>\n{byline}\n</article>{copyright_line}</section>")
    elif info.layout == "wp":
        article = (f'<main id="main" class="site-main"><article class="post type-post status-publish">'
                   f'<header class="entry-header"><h1 class="entry-title">{title}</h1>{date_line}</header>{share}'
                   f'<div class="entry-content" id="article-body">{photo}\n{paras}\n{byline}</div>'
                   f'<footer class="entry-footer">{copyright_line}<span class="tags-links">#{rnd.choice(SECTIONS)} #뉴스</span></footer>'
                   f"</article></main>")
    elif info.layout == "portal":
        article = (f'<div id="ct" class="newsct"><div class="media_end_head"><h2 id="title_area" class="media_end_head_headline">'
                   f'<span>{title}</span></h2>{date_line}</div>{share}<div id="newsct_article" class="newsct_article">'
                   f'<article id="dic_area" class="go_trans _article_content">{photo}\n'
                   + "<br><br>\n".join(html.escape(p) for p in paragraphs)
                   + f"</article></div>{byline}{copyright_line}</div>")
    else:
        article = (f'<table width="100%" cellpadding="0" cellspacing="0" class="article_tbl"><tr><td class="article_title">'
                   f'<font size="4"><b>{title}</b></font></td></tr><tr><td class="article_date">{date_line}</td></tr>'
                   f'<tr><td>{share}</td></tr><tr><td class="article_txt" id="article-body">{photo}\n'
                   + "<br><br>\n".join(html.escape(p) for p in paragraphs)
                   + f"</td></tr><tr><td>{byline}{copyright_line}</td></tr></table>")
    related = _headline_list(base, rnd, sites, rnd.randint(6, 10), "related")
    popular = _headline_list(base, rnd, sites, 8, "popular")
    photos = _headline_list(base, rnd, sites, rnd.randint(6, 10), "photo", with_img=True)
    comments = _comments(rnd, rnd.randint(3, 12))
    footer_links = _links(base, rnd, rnd.randint(25, 40), "foot")
    recommended = _recommended(base, rnd, sites)
    aside = (f'<div class="related-news"><h4>관련기사</h4><ul>\n{related}\n</ul></div>\n'
             f'<div class="comment-area" id="comment"><h4>댓글 <em>{rnd.randint(4, 200)}</em></h4>'
             f'<form class="cmt-form"><textarea placeholder="주제와 무관한 댓글, 악플은 삭제될 수 있습니다."></textarea>'
             f'<button type="submit">등록</button></form><ul class="cmt-list">\n{comments}\n</ul></div>\n'
             f'<aside id="aside"><div class="popular"><h4>많이 본 뉴스</h4><ol>\n{popular}\n</ol></div>\n'
             f'<div class="ad-area" id="ad-right-{rnd.randint(1, 9)}"><script>googletag.cmd.push(function(){{googletag.display("ad-right");}});</script></div>\n'
             f'<div class="photo-news"><h4>포토뉴스</h4><ul>\n{photos}\n</ul></div></aside>\n')
    footer = (f'<!-- footer -->\n<footer id="footer"><ul class="foot-menu">\n{footer_links}\n</ul>'
              f'<address>{info.outlet} | 주소: {rnd.choice(PLACES)} 테헤란로 {rnd.randint(1, 500)} | 대표전화: 02-{rnd.randint(1000, 9999)}-{rnd.randint(1000, 9999)}'
              f" | 등록번호: 서울 아{rnd.randint(10000, 99999)} | 발행·편집인: {_person(rnd)} | 청소년보호책임자: {_person(rnd)}</address>"
              f"<p class=\"copy\">Copyright © 2026 {info.outlet}. All rights reserved.</p></footer>\n"
              f'<script>newsViewLog({info.index},"{rnd.choice(SECTIONS)}");</script>\n'
              f"<script>{recommended}</script>\n</body>\n</html>\n")
    return head + header + f'<div id="wrap" class="container">\n{article}\n{aside}</div>\n' + footer


# --- serving ---------------------------------------------------------------------------------------------

class SiteServer:
    """Serves ``sites`` on 127.0.0.2 ... (one socket per host, one shared port number where possible).

    Counts page, feed and robots requests (``counts``); feeds answer If-None-Match with 304. ``log`` keeps
    (start, end, host, kind, path) of every request, ``max_active[host]`` the most requests a host served
    at once — what a politeness check needs."""

    def __init__(self, sites: SyntheticSites, pages_dir: Path | None = None):
        self.sites = sites
        self.pages_dir = pages_dir      # pages written there beforehand (page_file) are served from disk
        self.counts = {"page": 0, "feed": 0, "feed_304": 0, "robots": 0, "other": 0}
        self.log: list[tuple[float, float, int, str, str]] = []
        self.max_active: dict[int, int] = {}
        self._active: dict[int, int] = {}
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    def __enter__(self) -> "SiteServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def start(self) -> None:
        """One socket per host, all on one port number (retried with a fresh port if one address has it taken)."""
        for _attempt in range(20):
            servers: list[ThreadingHTTPServer] = []
            try:
                servers.append(self._bind(0, 0))
                port = servers[0].server_address[1]
                servers += [self._bind(host, port) for host in range(1, self.sites.n_hosts)]
            except OSError:
                for server in servers:
                    server.server_close()
                continue
            self._servers, self.port = servers, port
            break
        else:
            raise OSError("no port free on every loopback host")
        for server in self._servers:
            t = threading.Thread(target=server.serve_forever, daemon=True)
            t.start()
            self._threads.append(t)

    def _bind(self, host: int, port: int) -> ThreadingHTTPServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer._answer(self, host)

        server = ThreadingHTTPServer((self.sites.host_address(host), port), Handler)
        server.daemon_threads = True
        return server

    def _answer(self, req: BaseHTTPRequestHandler, host: int) -> None:
        start = time.monotonic()
        with self._lock:
            self._active[host] = self._active.get(host, 0) + 1
            self.max_active[host] = max(self.max_active.get(host, 0), self._active[host])
        kind = "other"
        try:
            kind = self._respond(req, host)
        finally:
            with self._lock:
                self._active[host] -= 1
                self.log.append((start, time.monotonic(), host, kind, req.path))

    def _respond(self, req: BaseHTTPRequestHandler, host: int) -> str:
        sites, path = self.sites, req.path
        kind = "other"
        status, ctype, body, extra = 404, "text/plain", b"not found", {}
        if path == "/robots.txt":
            kind = "robots"
            self.count("robots")
            status, ctype, body = 200, "text/plain", sites.robots_txt()
        elif path.startswith("/rss/section-"):
            try:
                feed = int(path.rsplit("-", 1)[1].split(".")[0])
            except ValueError:
                feed = -1
            if 0 <= feed < sites.n_feeds and sites.feed_host(feed) == host:
                etag = f'"feed-{sites.seed}-{sites.n_pages}-{feed}"'
                kind = "feed"
                if req.headers.get("If-None-Match") == etag:
                    self.count("feed_304")
                    status, ctype, body, extra = 304, "", b"", {"ETag": etag}
                else:
                    self.count("feed")
                    status, ctype, body = 200, "application/rss+xml; charset=utf-8", sites.feed_bytes(feed, self.port)
                    extra = {"ETag": etag}
        else:
            i = sites.page_index(host, path)
            if i is not None:
                kind = "page"
                self.count("page")
                body = page_file(self.pages_dir, i).read_bytes() if self.pages_dir else sites.page_bytes(i, self.port)
                status, ctype = 200, sites.content_type(i)
            else:
                self.count("other")
        try:
            req.send_response(status)
            if ctype:
                req.send_header("Content-Type", ctype)
            for k, v in extra.items():
                req.send_header(k, v)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            if body:
                req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return kind

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def sources_toml(self, *, per_host_interval: float = 0.0, per_host_concurrency: int = 8,
                     total_concurrency: int = 32, max_pages_per_run: int = 1_000_000, extra: str = "") -> str:
        """A sources file over every feed. The default politeness (no interval, 8 requests at a time per
        host) is for a local benchmark only: real sites get the defaults of settings.py."""
        lines = ["[fetch]", "allow_private_networks = true", f"per_host_interval = {per_host_interval}",
                 f"per_host_concurrency = {per_host_concurrency}", f"total_concurrency = {total_concurrency}",
                 f"max_pages_per_run = {max_pages_per_run}", extra, ""]
        for feed in range(self.sites.n_feeds):
            host = self.sites.feed_host(feed)
            outlet, _, _ = self.sites.outlet_of(host)
            lines += ["[[feeds]]", f'url = "http://{self.sites.host_address(host)}:{self.port}{self.sites.feed_path(feed)}"',
                      f'outlet = "{outlet}"', ""]
        return "\n".join(lines)


def page_file(pages_dir: Path, i: int) -> Path:
    """Where a pre-generated page lives (1,000 per folder)."""
    return pages_dir / f"{i // 1000:04d}" / f"{i}.html"
