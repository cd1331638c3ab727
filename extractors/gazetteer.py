"""Organisation and alliance gazetteer: data files in ``extractors/data`` turned into fast matchers.

* ``organisations.toml`` — canonical Korean name, English name, type, aliases, optional parent.
* ``alliances.toml`` — named AI alliances with aliases, leader, founding date and members.
* ``RADAR_GAZETTEER`` (env, optional) — extra TOML files (``os.pathsep``-separated) with more
  ``[[org]]`` / ``[[alliance]]`` blocks; a block whose name already exists replaces the built-in one.

Matching is on raw text with loose spacing ("LG유플러스" = "LG 유플러스") and particle-aware right
boundaries ("KT와", "LG유플러스는" match; "카카오톡", "메타버스" do not). Kiwi (kiwipiepy) is loaded at
most once per process and only when asked for (``get_kiwi``), with every gazetteer name added as a
proper noun so that e.g. "KT" is tagged NNP, not SL.
"""
from __future__ import annotations

import os
import re
import threading
import warnings
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
ORG_FILE = DATA_DIR / "organisations.toml"
ALLIANCE_FILE = DATA_DIR / "alliances.toml"
ENV_VAR = "RADAR_GAZETTEER"
ORG_TYPES = ("company", "university", "institute", "government", "association", "foreign")

_HANGUL = "가-힣"
# Particles and light suffixes that may follow a name ("KT와", "LG유플러스는", "네이버클라우드가").
PARTICLES = (
    "으로부터", "로부터", "에서는", "에서도", "에서의", "이라는", "으로는", "과의", "와의", "과는", "와는",
    "과도", "와도", "에게", "에서", "으로", "이나", "이랑", "까지", "부터", "처럼", "보다", "에는", "에도",
    "만의", "로서", "로써", "이며", "이고", "이다", "였다", "측은", "측과", "측의",
    "은", "는", "이", "가", "을", "를", "와", "과", "의", "에", "도", "만", "로", "랑", "나", "엔", "측", "께",
)
_PARTICLE_RE = re.compile("(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + "){1,2}(?![" + _HANGUL + "])")


_LONGER_NAME_BEFORE = re.compile(r"(?:^|[\s(\[])[‘'\"“「『<《]\s?[가-힣A-Za-z][가-힣A-Za-z0-9·\-]*\s?$")
# "부산 AI 원팀", "광주 AI 얼라이언스": a place name right before an alliance's alias makes another, regional
# alliance (no particle in between: "KT의 AI 원팀" and "KT 주도 AI 원팀" are still the known one)
_REGION_BEFORE = re.compile(
    r"(?:^|[^가-힣A-Za-z0-9])(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주|"
    r"충청|전라|경상|호남|영남|수도권|동남권|대경|부울경|포항|창원|수원|성남|용인|고양|천안|청주|전주|김해|구미|"
    r"판교|송도|춘천|원주|강릉|목포|여수|순천|진주|안산|안양|화성|평택)"
    r"(?:시|도|군|구|특별시|광역시|특별자치시|특별자치도)?\s?$")


def derived_aliases(org: "Org") -> list[str]:
    """Surface forms news use for an organisation that need not be listed by hand:
    a local government's office ("부산시청", "부산광역시청", "경남도청", "OO군청", "OO구청"), a university's
    full name ("OO대" -> "OO대학교"), an institute without the "한국" prefix ("한국전자통신연구원" ->
    "전자통신연구원"), a name with "인공지능" written "AI" and back ("한국인공지능협회" -> "한국AI협회") and the
    plain English name ("Samsung Electronics"; a bracketed remark is dropped)."""
    names = [org.name, *org.aliases] if org.match_name else list(org.aliases)
    out: list[str] = []
    for n in names:
        n = n.strip()
        if org.type == "government" and re.fullmatch(r"[가-힣]{1,8}(?:시|도|군|구)", n):
            out.append(n + "청")
        if org.type == "university" and re.fullmatch(r"[가-힣]{1,10}대", n):
            out.append(n + "학교")
        if org.type in ("institute", "government") and re.fullmatch(r"한국[가-힣]{3,12}(?:연구원|진흥원|연구소)", n):
            out.append(n[2:])
        if re.search(r"[가-힣]", n.replace("인공지능", "")):     # a Korean name around the word
            if "인공지능" in n:
                out.append(n.replace("인공지능", "AI"))
            elif re.search(r"(?<![A-Za-z])AI(?![A-Za-z])", n):
                out.append(re.sub(r"(?<![A-Za-z])AI(?![A-Za-z])", "인공지능", n))
    en = re.sub(r"\s*\([^)]*\)\s*$", "", org.en or "").strip()
    if len(en) >= 4 and re.fullmatch(r"[A-Za-z][A-Za-z0-9&.\-' ]+", en) and " " in en:
        out.append(en)                          # several words only: "Meta", "Apple" stay out
    known = {_norm_key(x) for x in names}
    return [a for a in dict.fromkeys(out) if _norm_key(a) not in known]


class GazetteerError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Org:
    name: str
    en: str
    type: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    rollup: bool = False
    match_name: bool = True


@dataclass(frozen=True, slots=True)
class Alliance:
    name: str
    en: str = ""
    aliases: tuple[str, ...] = ()
    leader: str | None = None
    founded: date | None = None
    founded_precision: str | None = None       # day | month | year
    founding_members: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    active_from: date | None = None
    active_to: date | None = None
    context: tuple[str, ...] = ()
    ai: bool = True


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    surface: str
    name: str            # canonical org name, or alliance alias key for alliance mentions


@dataclass(frozen=True, slots=True)
class AllianceMention:
    start: int
    end: int
    surface: str
    candidates: tuple[str, ...]   # canonical alliance names sharing this alias


def _parse_partial_date(value, where: str) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, date):
        return value, "day"
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", s)
    if not m:
        raise GazetteerError(f"{where}: date '{s}' is not YYYY, YYYY-MM or YYYY-MM-DD")
    y, mo, d = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        return date(y, mo, d), ("day" if m[3] else "month" if m[2] else "year")
    except ValueError:
        raise GazetteerError(f"{where}: invalid date '{s}'") from None


def _str_list(v, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise GazetteerError(f"{where} must be a list of strings")
    return tuple(x.strip() for x in v if x.strip())


def _load_file(path: Path) -> tuple[list[Org], list[Alliance]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GazetteerError(f"{path}: gazetteer file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: invalid TOML: {exc}") from None
    orgs, alliances = [], []
    for i, t in enumerate(data.get("org", []), 1):
        where = f"{path}: [[org]] #{i}"
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"].strip():
            raise GazetteerError(f"{where}: 'name' is required")
        typ = t.get("type", "company")
        if typ not in ORG_TYPES:
            raise GazetteerError(f"{where} ({t['name']}): type '{typ}' is not one of {', '.join(ORG_TYPES)}")
        orgs.append(Org(name=t["name"].strip(), en=str(t.get("en", "")), type=typ,
                        aliases=_str_list(t.get("aliases"), f"{where}: aliases"),
                        parent=(t.get("parent") or None), rollup=bool(t.get("rollup", False)),
                        match_name=bool(t.get("match_name", True))))
    for i, t in enumerate(data.get("alliance", []), 1):
        where = f"{path}: [[alliance]] #{i}"
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"].strip():
            raise GazetteerError(f"{where}: 'name' is required")
        founded, prec = _parse_partial_date(t.get("founded"), where)
        active_from, _ = _parse_partial_date(t.get("active_from"), where)
        active_to, _ = _parse_partial_date(t.get("active_to"), where)
        alliances.append(Alliance(
            name=t["name"].strip(), en=str(t.get("en", "")),
            aliases=_str_list(t.get("aliases"), f"{where}: aliases"), leader=t.get("leader"),
            founded=founded, founded_precision=prec,
            founding_members=_str_list(t.get("founding_members"), f"{where}: founding_members"),
            members=_str_list(t.get("members"), f"{where}: members"),
            active_from=active_from or founded, active_to=active_to,
            context=_str_list(t.get("context"), f"{where}: context"), ai=bool(t.get("ai", True))))
    return orgs, alliances


def _alias_pattern(alias: str) -> str:
    """Regex for an alias with loose spacing: spaces become \\s*, a Latin/Hangul seam allows one space."""
    parts: list[str] = []
    prev = None
    for ch in alias:
        if ch.isspace():
            if parts and parts[-1] != r"\s*":
                parts.append(r"\s*")
            prev = None
            continue
        kind = "h" if "가" <= ch <= "힣" else "l" if ch.isascii() and ch.isalnum() else "o"
        if prev is not None and prev != kind and parts[-1] != r"\s*":
            parts.append(r"\s?")
        parts.append(re.escape(ch))
        prev = kind
    return "".join(parts)


def _norm_key(s: str) -> str:
    return re.sub(r"\s+", "", s).casefold()


class _Matcher:
    """Longest-alias-first matcher with word boundaries that tolerate Korean particles."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.table = {_norm_key(k): v for k, v in pairs}
        aliases = sorted({a for a, _ in pairs}, key=lambda a: (-len(_norm_key(a)), a))
        patterns = list(dict.fromkeys(_alias_pattern(a) for a in aliases))
        body = "|".join(patterns) or r"(?!x)x"
        self.regex = re.compile(rf"(?<![0-9A-Za-z{_HANGUL}])(?:{body})")

    def finditer(self, text: str):
        for m in self.regex.finditer(text):
            surface = m.group(0)
            end = m.end()
            nxt = text[end:end + 1]
            last = surface[-1]
            if nxt:
                if "가" <= nxt <= "힣":
                    if not _PARTICLE_RE.match(text, end):
                        continue
                elif (nxt.isdigit() or nxt.isascii() and nxt.isalpha()) and "가" <= last <= "힣":
                    continue                      # "네이버1784" is a building, "티맥스A&C" another company
                elif " " in surface and surface.isascii() and re.match(r" [A-Z][a-z]", text[end:end + 3]):
                    continue                      # "Korea University Medical Center" is not the university
                elif (nxt.isascii() and nxt.isalnum()) and (last.isascii() and last.isalnum()):
                    continue
            key = self.table.get(_norm_key(surface))
            if key is None:
                continue
            yield m.start(), end, surface, key


@dataclass
class Gazetteer:
    orgs: dict[str, Org]
    alliances: dict[str, Alliance]
    sources: tuple[str, ...] = ()
    _org_matcher: _Matcher | None = field(default=None, repr=False)
    _alliance_matcher: _Matcher | None = field(default=None, repr=False)
    _alliance_alias: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    derived: dict[str, list[str]] = field(default_factory=dict, repr=False)   # org -> derived surface forms

    def __post_init__(self):
        pairs: list[tuple[str, str]] = []
        for org in self.orgs.values():
            names = list(org.aliases) + ([org.name] if org.match_name else [])
            pairs.extend((a, org.name) for a in names)
        # derived forms ("부산시청", "서울대학교", "Samsung Electronics") never override a listed name and are
        # dropped when two organisations would derive the same form
        listed = {_norm_key(a) for a, _ in pairs} | {_norm_key(o.name) for o in self.orgs.values()}
        owners: dict[str, set[str]] = {}
        forms: dict[str, str] = {}
        for org in self.orgs.values():
            for a in derived_aliases(org):
                k = _norm_key(a)
                if k not in listed:
                    owners.setdefault(k, set()).add(org.name)
                    forms.setdefault(k, a)
        self.derived = {}
        for k, who in owners.items():
            if len(who) == 1:
                name = next(iter(who))
                pairs.append((forms[k], name))
                self.derived.setdefault(name, []).append(forms[k])
        self._org_matcher = _Matcher(pairs)
        groups: dict[str, list[str]] = {}
        apairs: list[tuple[str, str]] = []
        for al in self.alliances.values():
            for a in (al.name, *al.aliases):
                k = _norm_key(a)
                groups.setdefault(k, [])
                if al.name not in groups[k]:
                    groups[k].append(al.name)
                apairs.append((a, k))
        self._alliance_alias = {k: tuple(v) for k, v in groups.items()}
        self._alliance_matcher = _Matcher(apairs)

    # --- organisations ---------------------------------------------------------------------
    def resolve(self, name: str) -> Org | None:
        """Canonical Org for a canonical name or alias (rollup applied), else None."""
        org = self.orgs.get(name)
        if org is None:
            hit = self._org_matcher.table.get(_norm_key(name))
            org = self.orgs.get(hit) if hit else None
        if org is not None and org.rollup and org.parent in self.orgs:
            org = self.orgs[org.parent]
        return org

    def find_orgs(self, text: str) -> list[Mention]:
        out = []
        for s, e, surface, name in self._org_matcher.finditer(text):
            org = self.resolve(name)
            out.append(Mention(s, e, surface, org.name if org else name))
        return out

    # --- alliances -------------------------------------------------------------------------
    def find_alliances(self, text: str) -> list[AllianceMention]:
        out = []
        for s, e, surface, key in self._alliance_matcher.finditer(text):
            # "‘부산 AI 원팀’" is another alliance whose name merely contains "AI 원팀": skip it
            if _LONGER_NAME_BEFORE.search(text[max(0, s - 16):s]):
                continue
            if _REGION_BEFORE.search(text[max(0, s - 12):s]):
                continue                  # "부산 AI 원팀" is not "AI 원팀"
            out.append(AllianceMention(s, e, surface, self._alliance_alias[key]))
        return out

    def is_alliance_alias(self, name: str) -> bool:
        """True when ``name`` is a known alliance's canonical name or alias (loose spacing, any case)."""
        return _norm_key(name) in self._alliance_alias

    def alliance_members(self, name: str) -> set[str]:
        al = self.alliances.get(name)
        if not al:
            return set()
        return {x for x in (al.leader, *al.founding_members, *al.members) if x}

    def pick_alliance(self, candidates: tuple[str, ...], *, ref_date: date | None, orgs: set[str],
                      text: str = "") -> tuple[str, dict]:
        """Choose among alliances sharing an alias by active period, member overlap and context words."""
        if len(candidates) == 1:
            return candidates[0], {"candidates": list(candidates)}
        scored = []
        for name in candidates:
            al = self.alliances[name]
            s = 0.0
            if ref_date is not None:
                if al.active_from and ref_date < al.active_from:
                    s -= 10.0
                elif al.active_to and ref_date > al.active_to:
                    s -= 3.0
                elif al.active_from:
                    s += 0.5 + 0.001 * min(3650, (al.active_from - date(2000, 1, 1)).days) / 3650
            overlap = len(orgs & (self.alliance_members(name) - {al.leader}))
            s += 1.5 * overlap
            s += 1.0 * sum(1 for c in al.context if c and c in text)
            scored.append((s, name))
        scored.sort(key=lambda x: -x[0])
        return scored[0][1], {"candidates": list(candidates),
                              "scores": {n: round(s, 2) for s, n in scored}}


def _extra_paths() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "").strip()
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()] if raw else []


def load_gazetteer(extra: list[Path] | None = None) -> Gazetteer:
    """Read the built-in data files plus ``extra`` (default: the files named in RADAR_GAZETTEER)."""
    paths = [ORG_FILE, ALLIANCE_FILE, *(_extra_paths() if extra is None else extra)]
    orgs: dict[str, Org] = {}
    alliances: dict[str, Alliance] = {}
    for p in paths:
        o, a = _load_file(Path(p))
        for org in o:
            orgs[org.name] = org
        for al in a:
            alliances[al.name] = al
    return Gazetteer(orgs=orgs, alliances=alliances, sources=tuple(str(p) for p in paths))


@lru_cache(maxsize=4)
def _cached(key: str) -> Gazetteer:
    return load_gazetteer()


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (re-read when RADAR_GAZETTEER changes)."""
    return _cached(os.environ.get(ENV_VAR, ""))


# --- Kiwi, once per process -----------------------------------------------------------------
_kiwi = None
_kiwi_lock = threading.Lock()
_kiwi_words: set[str] = set()
kiwi_loads = 0                          # Kiwi models built in this process (1 after the first use)
kiwi_loaded_by = 0                      # the process that built it: this one, or the one it was forked from
_kiwi_registered: dict[int, Gazetteer] = {}   # the gazetteers whose names Kiwi knows (kept: ids stay unique)


def get_kiwi(gazetteer: Gazetteer | None = None):
    """The shared Kiwi analyser (loaded lazily, ~0.7 s and ~550 MB, once per process), with the
    gazetteer's names registered as proper nouns. Returns None if kiwipiepy is not installed."""
    global _kiwi, kiwi_loads, kiwi_loaded_by
    gz = gazetteer or get_gazetteer()
    if _kiwi is not None and id(gz) in _kiwi_registered:
        return _kiwi                  # the common case: every call of a pass, after the first
    with _kiwi_lock:
        if _kiwi is None:
            try:
                from kiwipiepy import Kiwi
            except ImportError:       # optional: the scorer still works from the gazetteer alone
                return None
            with warnings.catch_warnings():
                # num_workers=0: Kiwi in the calling thread, no thread pool of its own (since kiwipiepy 0.21;
                # it warns that 0 once meant "a thread per core"). Pages are analysed one at a time, and a
                # process forked after the load (a Dask worker from its fork server) inherits no threads
                warnings.simplefilter("ignore", DeprecationWarning)
                _kiwi = Kiwi(num_workers=0)
            kiwi_loads += 1
            kiwi_loaded_by = os.getpid()
        if id(gz) in _kiwi_registered:
            return _kiwi
        words = set()
        for org in gz.orgs.values():
            for w in (org.name, *org.aliases, *gz.derived.get(org.name, ())):
                if w and not any(c.isspace() for c in w) and len(w) >= 2:
                    words.add(w)
        for al in gz.alliances.values():
            for w in (al.name, *al.aliases):
                if w and not any(c.isspace() for c in w) and len(w) >= 2:
                    words.add(w)
        for w in sorted(words - _kiwi_words):
            try:
                _kiwi.add_user_word(w, "NNP", 0.0)
            except Exception:       # a word Kiwi refuses (odd characters) is simply not added
                pass
            _kiwi_words.add(w)
        _kiwi_registered[id(gz)] = gz
        _word_tokens.clear()          # new user words change how Kiwi reads a word
        return _kiwi


_word_tokens: dict[str, list] = {}
WORD_TOKENS_MAX = 20_000                # ~10 MB; emptied when full


def word_tokens(kiwi, word: str) -> list:
    """Kiwi's tokens for a short text (a name or word with its particle, as the organisation rules probe
    them), memoised per process: the same words recur from sentence to sentence and article to article
    (on the relevance corpus, scoring takes 18.2 ms a text with the memo, 26.8 without). The same tokens
    Kiwi would return; a Kiwi other than the shared one is asked every time."""
    if kiwi is not _kiwi:
        return kiwi.tokenize(word)
    tokens = _word_tokens.get(word)
    if tokens is None:
        tokens = kiwi.tokenize(word)
        if len(_word_tokens) >= WORD_TOKENS_MAX:
            _word_tokens.clear()
        _word_tokens[word] = tokens
    return tokens
