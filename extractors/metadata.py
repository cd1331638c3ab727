"""Article metadata from a parsed page: title, outlet, authors, published_at, canonical URL, language.

Sources in order of trust: JSON-LD (NewsArticle & co.), ``<meta>`` (Open Graph, article:*, name=...),
data embedded by JavaScript frameworks (Next.js flight data / ``__NEXT_DATA__``), visible Korean date
stamps ("입력 2024.05.01 10:30"), htmldate, and finally the URL. Korean outlets publish in KST: a time
without a zone is read as +09:00, and every time is returned in +09:00 for Korean pages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from .boilerplate import default_rules, is_boilerplate_line, loose_key, normalize_line
from .dates import datetime_from_parts, parse_datetime
from .models import KST
from .outlets import load_outlets
from .urls import canonical_url, host_of, registrable_domain

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                 "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "socialmediaposting", "techarticle",
                 "scholarlyarticle", "report", "liveblogposting", "webpage"}

SECTION_WORDS = {
    "뉴스", "기사본문", "본문", "정치", "경제", "사회", "국제", "세계", "문화", "연예", "스포츠", "오피니언", "사설", "칼럼",
    "it", "it/과학", "it·과학", "과학", "산업", "증권", "부동산", "금융", "생활", "라이프", "전국", "지역", "건강", "여행",
    "교육", "기획", "인물", "사람", "피플", "테크", "마켓", "종합", "정책", "북한", "국회/정당", "정치일반", "경제일반",
    "사회일반", "문화일반", "연예일반", "스포츠일반", "포토", "영상", "뉴스룸", "속보", "단독", "home", "news", "홈",
}
_SEP = re.compile(r"^(?P<head>.*\S)\s*(?:\s[-–—|:·/<>»]{1,2}\s|[|ㅣ│｜]|\s::\s)\s*(?P<tail>[^|ㅣ│｜]+?)\s*$")
_GLUED_SECTION = re.compile(r"^(?P<head>.*\S)-(?P<tail>[가-힣A-Za-z/·]{1,10})$")
_NAME_ROLE = re.compile(
    r"(?<![가-힣A-Za-z0-9])([가-힣]{2,4})\s*(?:선임|수석|전문|인턴|객원|편집|취재|사진|영상)?\s*(?:기자|특파원|통신원|칼럼니스트|논설위원|에디터|리포터|PD)")
_ROLE_NAME = re.compile(r"(?:칼럼니스트|객원기자|에디터)\s+([가-힣]{2,4})(?![가-힣])")
_WIRE_NAME = re.compile(r"=\s*([가-힣]{2,4})\s+[가-힣A-Za-z0-9]{1,12}\s*(?:기자|특파원)")
_NOT_NAMES = {"온라인", "디지털", "뉴스", "사진", "영상", "취재", "편집", "인턴", "객원", "전문", "선임", "수석", "종합",
              "구독", "기자", "언론사", "네이버", "프로필", "응원", "담당", "전체", "다른", "이메일", "제보", "객원기"}

_DATE_LABEL = re.compile(
    r"(?:입력|등록|게재|발행|기사\s*입력|작성|송고|승인|최초\s*입력|기사\s*출고|출고)\s*(?:일시|일자|시간)?\s*[:：]?\s*\[?\s*"
    r"(\d{4})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})\s*일?\.?\s*(?:\([월화수목금토일]\)\s*)?"
    r"\(?\s*(?:(오전|오후|AM|PM)\s*)?(?:(\d{1,2})\s*[:시]\s*(\d{1,2})(?:\s*[:분]\s*(\d{1,2}))?)?")
# an unlabelled stamp with a time ("2025.02.28. 오후 9:49", "홍길동 2023. 8. 5. 22:05") near the article header
_STAMP = re.compile(
    r"(?<!\d)(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?\s*(?:\([월화수목금토일]\)\s*)?"
    r"(오전|오후|AM|PM)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d)")
STAMP_SEARCH_CHARS = 5000
_DATA_DATE_ATTRS = {"data-date-time", "data-published", "data-pubdate", "data-publish-date", "data-deploy-dt",
                    "data-article-date", "data-published-at", "data-date-published", "data-first-published"}
_DATA_DATE_XPATH = "|".join(f"//@{a}" for a in sorted(_DATA_DATE_ATTRS))
_PORTAL = re.compile(r"네이버|naver|다음\s*뉴스|daum|네이트|nate|\bzum\b|msn", re.I)
_PORTAL_HOST = re.compile(r"(?:^|\.)(?:news\.naver\.com|v\.daum\.net|news\.daum\.net|news\.nate\.com)$")
_URL_DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[/\-_]?(0[1-9]|1[0-2])[/\-_]?(0[1-9]|[12]\d|3[01])(?!\d)")

_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "article:published", "pubdate", "publishdate", "publish-date", "publish_date", "published_time",
    "article.published", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date",
    "sailthru.date", "parsely-pub-date", "date", "nv:news:published_time", "article:published_date", "datecreated",
)


# ------------------------------------------------------------------------------------------ page data

@dataclass
class PageData:
    """What metadata needs from the page, gathered once."""
    meta: dict[str, list[str]]
    jsonld: list[dict]
    html_title: str | None
    tree: object                    # the parsed page (headline elements are looked up only when needed)
    lang: str | None
    canonical_link: str | None
    scripts: list[str]              # raw text of inline scripts (for embedded JSON)


def _norm_key(s: str) -> str:
    return s.strip().lower()


def collect_page_data(tree) -> PageData:
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                meta.setdefault(_norm_key(key), []).append(content.strip())
    for el in tree.iter("time"):
        if el.get("itemprop", "").lower() == "datepublished" and el.get("datetime"):
            meta.setdefault("datepublished", []).append(el.get("datetime"))
    jsonld: list[dict] = []
    scripts: list[str] = []
    for el in tree.iter("script"):
        text = el.text or ""
        typ = (el.get("type") or "").lower()
        if "ld+json" in typ:
            jsonld.extend(_parse_jsonld(text))
        elif text and len(text) > 50:
            scripts.append(text)
    title_el = tree.find(".//title")
    html_title = normalize_line(title_el.text_content()) if title_el is not None else None
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    lang = root.get("lang") or root.get("xml:lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    canonical = None
    for el in tree.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
            canonical = el.get("href").strip()
            break
    return PageData(meta, jsonld, html_title or None, tree, lang, canonical, scripts)


_HEADLINE_TAGS = ("h1", "h2", "h3", "h4")
_HEADLINE_HINT = re.compile(r"(?<![a-z])(?:tit|title|headline|subject)", re.I)
_SUBTITLE_HINT = re.compile(r"sub[-_]?(?:tit|head)|tit[-_]?sub", re.I)
_HEADLINE_XPATH = etree.XPath(
    "(//h1 | //h2 | //h3 | //h4 | //*[@itemprop='headline' or @itemprop='Headline'])"
    "[not(ancestor::nav or ancestor::footer or ancestor::aside or ancestor::form or ancestor::button)]")


def _headline_elements(tree) -> list[str]:
    """Texts of the page's headline elements, likeliest first: elements marked as the title (a class or id
    with tit/title/headline/subject, on the heading or its wrapper; itemprop=headline), then h1, h2, h3, h4,
    each in document order. Headings inside navigation, footers and side boxes are not headlines."""
    marked: list[str] = []
    by_tag: dict[str, list[str]] = {t: [] for t in _HEADLINE_TAGS}
    for el in _HEADLINE_XPATH(tree):
        tag = el.tag if isinstance(el.tag, str) else ""
        is_heading = tag in by_tag
        prop = (el.get("itemprop") or "").lower() == "headline"
        text = normalize_line(el.text_content())
        if not 5 <= len(text) <= 200:
            continue
        parent = el.getparent()
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if parent is not None and is_heading:
            marks += f" {parent.get('class', '')} {parent.get('id', '')}"
        if prop or (_HEADLINE_HINT.search(marks) and not _SUBTITLE_HINT.search(marks)):
            marked.append(text)
        elif is_heading and (tag == "h1" or (len(text) >= 8 and not _is_box_heading(el))):
            by_tag[tag].append(text)
    out: list[str] = []
    for text in marked + [t for tag in _HEADLINE_TAGS for t in by_tag[tag]]:
        if text not in out:
            out.append(text)
    return out[:20]


def _is_box_heading(el) -> bool:
    """A heading over a list of links (most-read, related, issue boxes), not over an article."""
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    if nxt is not None and nxt.tag in ("ul", "ol", "dl"):
        return True
    parent = el.getparent()
    return parent is not None and len(parent.findall(".//li")) >= 2


def is_generic_title(title: str | None, site_names: list[str]) -> bool:
    """A title that names no article: empty, a placeholder ("Document", "제목 없음"), a section word, or the
    site's own name, also with words such as 뉴스 / 닷컴 after it ("SBS 뉴스", "MBN"). The lists are data
    (``[title]`` in rules/boilerplate.toml)."""
    rules = default_rules()
    key = loose_key(title or "")
    if not key or key in rules.generic_titles or (title or "").strip().lower() in SECTION_WORDS:
        return True
    names = {loose_key(n) for n in site_names if n}
    stem = key
    for _ in range(3):
        for suffix in rules.site_suffixes:
            if suffix and stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        else:
            break
    return key in names or stem in names or stem in rules.generic_titles


def _parse_jsonld(text: str) -> list[dict]:
    text = text.strip().rstrip(";")
    if not text:
        return []
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        # some CMSs leave raw newlines/tabs or a trailing comma
        try:
            data = json.loads(re.sub(r",\s*([}\]])", r"\1", text.replace("\n", " ").replace("\t", " ")), strict=False)
        except ValueError:
            return []
    out: list[dict] = []
    stack = [data]
    while stack and len(out) < 50:
        d = stack.pop()
        if isinstance(d, list):
            stack.extend(reversed(d))
        elif isinstance(d, dict):
            if "@graph" in d:
                stack.append(d["@graph"])
            out.append(d)
    return out


def jsonld_articles(pd: PageData) -> list[dict]:
    arts = []
    for d in pd.jsonld:
        t = d.get("@type")
        types = [t] if isinstance(t, str) else (t if isinstance(t, list) else [])
        if any(isinstance(x, str) and x.lower() in ARTICLE_TYPES for x in types):
            arts.append(d)
    # news-specific types before a generic WebPage
    arts.sort(key=lambda d: 1 if str(d.get("@type", "")).lower() == "webpage" else 0)
    return arts


def _first_meta(pd: PageData, *keys: str) -> str | None:
    for k in keys:
        for v in pd.meta.get(k, []):
            v = normalize_line(v)
            if v:
                return v
    return None


# ------------------------------------------------------------------------------------------ title

def _loose(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


def _is_site_part(tail: str, names: list[str]) -> bool:
    t = _loose(tail)
    if not t:
        return True
    for n in names:
        ln = _loose(n)
        if ln and (ln == t or (len(ln) >= 2 and ln in t) or (len(t) >= 3 and t in ln)):
            return True
    if tail.strip().lower() in SECTION_WORDS:
        return True
    if len(tail) <= 24 and re.search(r"(?:닷컴|일보|신문|뉴스|방송|경제|타임스|데일리|미디어|news|\.com|\.co\.kr|\.kr|\.net)\s*$", tail, re.I):
        return True
    return False


def clean_title(raw: str | None, site_names: list[str]) -> str | None:
    if not raw:
        return None
    t = normalize_line(raw)
    for _ in range(5):
        m = _SEP.match(t)
        if m and len(m.group("head")) >= 4 and _is_site_part(m.group("tail"), site_names):
            t = m.group("head").strip()
            continue
        m = _GLUED_SECTION.match(t)
        if m and m.group("tail").lower() in SECTION_WORDS:
            t = m.group("head").strip()
            continue
        break
    return t or None


def _find_title(pd: PageData, site_names: list[str]) -> str | None:
    """The article's headline: JSON-LD headline, then the title metas (og:title...), then <title>, then the
    page's headline element — each skipped when it names no article (``is_generic_title``)."""
    def usable(raw) -> str | None:
        if not isinstance(raw, str) or not normalize_line(raw):
            return None
        t = clean_title(raw, site_names)
        return None if t is None or is_generic_title(t, site_names) else t

    for art in jsonld_articles(pd):
        t = usable(art.get("headline") or art.get("name"))
        if t:
            return t
    for key in ("headline", "og:title", "twitter:title", "title", "dc.title"):
        for raw in pd.meta.get(key, []):
            t = usable(raw)
            if t:
                return t
    t = usable(pd.html_title)
    if t and not _site_shaped(t):
        return t
    for text in _headline_elements(pd.tree):
        if not is_generic_title(text, site_names) and not _site_shaped(text) and not is_boilerplate_line(text):
            return text
    return None


_SITE_SHAPE = re.compile(r"^\S{1,10}(?:\s\S{1,6})?$")
_SITE_WORD = re.compile(r"(?:닷컴|일보|신문|뉴스|방송|경제|타임스|데일리|미디어|TV|news|\.com|\.co\.kr|\.kr)$", re.I)


def _site_shaped(text: str) -> bool:
    """A page title or logo heading that is a name, not a headline: one or two short words ending like an
    outlet's name ("가람방송", "가람일보 뉴스"), when the page does not say its site name."""
    return bool(_SITE_SHAPE.match(text) and _SITE_WORD.search(text))


def _outlet_from_title_suffix(raw: str, site_names: list[str]) -> str | None:
    """'기사 제목 :: 고을신문' -> '고을신문' when the page names its outlet nowhere else."""
    raw = normalize_line(raw)
    cleaned = clean_title(raw, site_names) or ""
    rest = raw[len(cleaned):] if cleaned and raw.startswith(cleaned) else ""
    for piece in reversed([p.strip() for p in re.split(r"\s[-–—|:·/<>»]{1,2}\s|[|ㅣ│｜]|::", rest) if p.strip()]):
        if piece.lower() not in SECTION_WORDS and 2 <= len(piece) <= 20 and \
                re.search(r"(?:닷컴|일보|신문|뉴스|방송|경제|타임스|데일리|미디어)$", piece):
            return piece
    return None


# ------------------------------------------------------------------------------------------ dates

def _page_date(value) -> datetime | None:
    """A date as pages write it (anywhere in the text); naive when zone-less: ``to_kst`` decides by language."""
    return parse_datetime(value, zoneless=None, in_text=True)


def to_kst(dt: datetime | None, korean: bool) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=KST if korean else timezone.utc)
    return dt.astimezone(KST) if korean else dt


def _json_date_from_scripts(scripts: list[str], keys: tuple[str, ...]) -> datetime | None:
    if not scripts:
        return None
    alt = "|".join(re.escape(k) for k in keys)
    rx = re.compile(r'\\?"(' + alt + r')\\?"\s*:\s*\\?"([^"\\]{6,40})')
    best: tuple[int, datetime] | None = None
    for s in scripts:
        for m in rx.finditer(s):
            dt = _page_date(m.group(2))
            if dt:
                rank = keys.index(m.group(1))
                if best is None or rank < best[0]:
                    best = (rank, dt)
    return best[1] if best else None


def find_published(pd: PageData, tree, url: str, visible_text: str, korean: bool,
                   allow_slow: bool = True) -> datetime | None:
    for art in jsonld_articles(pd):
        dt = _page_date(art.get("datePublished") or art.get("dateCreated"))
        if dt:
            return to_kst(dt, korean)
    for key in _META_DATE_KEYS:
        for v in pd.meta.get(key, []):
            dt = _page_date(v)
            if dt:
                return to_kst(dt, korean)
    dt = _json_date_from_scripts(pd.scripts, default_rules().json_date_keys)
    if dt:
        return to_kst(dt, korean)
    # Weaker evidence below. A date in the URL path is specific to this article: when a visible stamp or a
    # heuristic disagrees with it on the day (print-edition stamps, sidebars), the URL date wins.
    um = _URL_DATE.search(url or "")
    url_dt = datetime_from_parts(um.group(1), um.group(2), um.group(3)) if um else None

    def settle(dt):
        if url_dt is not None and dt.date() != url_dt.date():
            return to_kst(url_dt, korean)
        return to_kst(dt, korean)

    for value in tree.xpath(_DATA_DATE_XPATH)[:20]:
        dt = _page_date(value)
        if dt:
            return settle(dt)
    m = _DATE_LABEL.search(visible_text[:200_000])
    if m:
        dt = datetime_from_parts(*m.groups())
        if dt:
            return settle(dt)
    for el in tree.iter("time"):
        dt = _page_date(el.get("datetime"))
        if dt:
            return settle(dt)
    m = _STAMP.search(visible_text[:STAMP_SEARCH_CHARS])
    if m:
        dt = datetime_from_parts(*m.groups())
        if dt:
            return settle(dt)
    if url_dt is not None:
        return to_kst(url_dt, korean)
    if not allow_slow:
        return None
    try:
        from htmldate import find_date
        found = find_date(tree, url=url, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate is best effort: never let it fail an extraction
        found = None
    if found:
        dt = _page_date(found)
        if dt:
            return to_kst(dt, korean)
    return None


# ------------------------------------------------------------------------------------------ authors

def names_from_byline(text: str) -> list[str]:
    names = []
    for rx in (_NAME_ROLE, _ROLE_NAME, _WIRE_NAME):
        for m in rx.finditer(text):
            n = m.group(1)
            if n not in _NOT_NAMES and n not in names:
                names.append(n)
    return names


def find_authors(pd: PageData, outlet: str | None, byline_lines: list[str]) -> list[str]:
    found: list[str] = []

    def add(raw):
        if not raw or not isinstance(raw, str):
            return
        raw = normalize_line(raw)
        if not raw or raw.startswith(("http://", "https://")) or (outlet and _loose(raw) == _loose(outlet)):
            return
        names = names_from_byline(raw)
        if not names and re.fullmatch(r"[가-힣]{2,4}", raw) and raw not in _NOT_NAMES:
            names = [raw]
        if not names and re.fullmatch(r"[A-Z][a-zA-Z.'-]+(?: [A-Z][a-zA-Z.'-]+){1,3}", raw):
            names = [raw]
        for n in names:
            if n not in found:
                found.append(n)

    for art in jsonld_articles(pd):
        au = art.get("author")
        for a in (au if isinstance(au, list) else [au]):
            if isinstance(a, dict):
                if str(a.get("@type", "")).lower() == "organization":
                    continue
                add(a.get("name"))
            else:
                add(a)
    if not found:
        for key in ("article:author", "author", "dable:author", "byl", "sailthru.author", "parsely-author", "dc.creator"):
            for v in pd.meta.get(key, []):
                add(v)
    if not found and pd.scripts:
        keys = default_rules().json_author_keys
        alt = "|".join(re.escape(k) for k in keys)
        rx = re.compile(r'\\?"(?:' + alt + r')\\?"\s*:\s*(?:\{[^{}]{0,80}?\\?"name\\?"\s*:\s*)?\\?"([^"\\]{2,40})')
        for s in pd.scripts:
            for m in rx.finditer(s):
                if names_from_byline(m.group(1)) or re.fullmatch(r"[가-힣]{2,4}", m.group(1).strip()):
                    add(m.group(1))
            if found:
                break
    if not found:
        for line in byline_lines:
            add(line)
    return found[:10]


# ------------------------------------------------------------------------------------------ everything

@dataclass
class Metadata:
    title: str | None
    outlet: str | None
    published_at: datetime | None
    canonical_url: str
    language: str | None
    site_names: list[str]
    description: str | None


def detect_language(pd: PageData, sample: str) -> str | None:
    hangul = len(re.findall(r"[\uac00-\ud7a3]", sample))
    letters = len(re.findall(r"[^\W\d_]", sample))
    if letters >= 50:
        if hangul / letters >= 0.3:
            return "ko"
    lang = (pd.lang or _first_meta(pd, "og:locale", "content-language", "language") or "").lower()
    if lang:
        code = re.split(r"[-_]", lang)[0]
        if code in ("kr", "kor"):
            return "ko"
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    if letters >= 50:
        return "ko" if hangul / letters >= 0.3 else None
    return None


def extract_metadata(tree, pd: PageData, url: str, visible_text: str, body_sample: str,
                     allow_slow: bool = True) -> Metadata:
    """``allow_slow=False`` skips htmldate (seconds on multi-megabyte pages)."""
    outlets = load_outlets()
    host = host_of(url) or host_of(pd.canonical_link or "") or host_of(_first_meta(pd, "og:url") or "")
    site_name = _first_meta(pd, "og:site_name", "application-name", "al:android:app_name", "twitter:app:name:iphone")
    if site_name and (len(site_name) > 40 or site_name.startswith("http")):
        site_name = None
    mapped = outlets.outlet_for(host) if host else None
    outlet = site_name or mapped
    if site_name and _PORTAL.search(site_name) or (host and _PORTAL_HOST.search(host)):
        # a portal page: the outlet is the press that wrote it, which portals put in article:author
        press = _first_meta(pd, "og:article:author", "article:author", "article:media_name", "dable:author")
        if press and not press.startswith("http") and not names_from_byline(press):
            press = re.split(r"\s*[|ㅣ]\s*", press)[0].strip()
            if press and not _PORTAL.search(press):
                outlet = press
    for art in jsonld_articles(pd):
        pub = art.get("publisher")
        if not outlet and isinstance(pub, dict) and isinstance(pub.get("name"), str):
            outlet = normalize_line(pub["name"]) or None
    site_names = [n for n in (site_name, mapped, outlet) if n]
    if host:
        label = registrable_domain(host).split(".")[0]
        site_names.append(label)
    for v in pd.meta.get("author", []) + pd.meta.get("copyright", []):
        v = normalize_line(v).lstrip("©ⓒ ").strip()
        if v and len(v) <= 20 and not names_from_byline(v):
            site_names.append(v)

    title = _find_title(pd, site_names)

    if not outlet:
        outlet = _outlet_from_title_suffix(pd.html_title or _first_meta(pd, "og:title") or "", site_names)

    korean = host.endswith(".kr") or bool(mapped) or detect_language(pd, body_sample) == "ko" \
        or (pd.lang or "").lower().startswith(("ko", "kr"))
    published = find_published(pd, tree, url, visible_text, korean, allow_slow)
    canon = canonical_url(url, pd.canonical_link or _first_meta(pd, "og:url"))
    description = _first_meta(pd, "og:description", "description", "twitter:description")
    return Metadata(title, outlet, published, canon, detect_language(pd, body_sample), site_names, description)
