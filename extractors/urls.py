"""One URL per article: mobile / AMP / portal variants mapped to one form, tracking parameters dropped.

``canonical_url(url, html_canonical)`` prefers the page's own ``rel=canonical`` / ``og:url`` when it is an
absolute http(s) URL that is not just a home page (cross-site canonicals of syndicated copies are kept),
then normalises whichever it kept:

* Naver news: ``n.news.naver.com/mnews/article/OID/AID``, ``m.news.naver.com/read.nhn?oid=..&aid=..``,
  ``news.naver.com/main/read.naver?oid=..&aid=..`` -> ``https://n.news.naver.com/article/OID/AID``
  (sports/entertainment variants likewise keep their OID/AID);
* Daum: ``m.v.daum.net/v/ID`` -> ``https://v.daum.net/v/ID``;
* mobile hosts ``m.example.co.kr`` / ``mobile.example.co.kr`` -> ``www.example.co.kr``;
* AMP: ``amp.`` hosts, ``/amp`` path segments, ``amp=1`` / ``outputType=amp`` parameters removed;
* tracking parameters (utm_*, fbclid, gclid, ...) dropped, fragment dropped, host lowercased,
  default port removed, remaining query parameters kept in their order.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from .decode import strip_control_chars

__all__ = ["canonical_url", "http_url", "registrable_domain", "host_of"]

TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid", "ttclid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "spm", "sns", "share", "from",
    "rccode", "nclick", "ncid", "trk", "ocid", "ito", "itm_campaign", "itm_content", "itm_medium",
    "itm_source", "itm_term", "outputtype", "amp", "utm", "dable", "recopick", "wt_mc", "ns_campaign",
    "s_campaign", "cid_source", "nh_source",
}
TRACKING_PREFIXES = ("utm_", "utm-", "itm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__hs")

_SECOND_LEVEL = {"co", "or", "go", "ne", "re", "pe", "ac", "ed", "mil", "kg", "es", "ms", "hs", "sc", "com", "net", "org"}
_NAVER_PATH = re.compile(r"^/(?:mnews/|m/)?article/(?:comment/)?(\d{3,})/(\d{6,})")
_NAVER_HOSTS = ("news.naver.com", "n.news.naver.com", "m.news.naver.com", "mnews.naver.com",
                "sports.news.naver.com", "m.sports.naver.com", "sports.naver.com",
                "entertain.naver.com", "m.entertain.naver.com")


def http_url(value: str | None, base: str | None) -> str | None:
    """``value`` as an absolute http(s) URL (resolved against ``base``; inner whitespace escaped), else None."""
    if not value:
        return None
    value = strip_control_chars(value).strip()     # a NUL or a lone surrogate is never part of a link
    if not value:
        return None
    try:
        url = urljoin(base, value) if base else value
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() for c in url):
        url = re.sub(r"\s", lambda m: quote(m.group(0)), url)
    return url


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def registrable_domain(host: str) -> str:
    """``news.example.co.kr`` -> ``example.co.kr``; ``www.example.com`` -> ``example.com`` (no PSL; good
    enough for the Korean ``*.co.kr`` / ``*.or.kr`` family)."""
    host = host.lower().strip(".")
    parts = host.split(".")
    if len(parts) >= 3 and parts[-1] == "kr" and parts[-2] in _SECOND_LEVEL:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def _is_tracking(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith(TRACKING_PREFIXES)


def _naver(host: str, path: str, query: list[tuple[str, str]]) -> str | None:
    if host not in _NAVER_HOSTS:
        return None
    m = _NAVER_PATH.match(path)
    q = {k.lower(): v for k, v in query}
    if m:
        oid, aid = m.group(1), m.group(2)
    elif q.get("oid") and q.get("aid"):
        oid, aid = q["oid"], q["aid"]
    else:
        return None
    if "sports" in host:
        return f"https://sports.news.naver.com/news?oid={oid}&aid={aid}"
    if "entertain" in host:
        return f"https://entertain.naver.com/article/{oid}/{aid}"
    return f"https://n.news.naver.com/article/{oid}/{aid}"


def _normalise(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return url.strip()
    query = parse_qsl(parts.query, keep_blank_values=True)
    naver = _naver(host, parts.path, query)
    if naver:
        return naver
    if host.startswith("m.v.daum.net") or host == "m.news.daum.net":
        host = host[2:]
    path = parts.path or "/"
    # AMP variants
    if host.startswith("amp."):
        host = "www." + host[4:]
    path = re.sub(r"/amp(?=/|$)", "", path) or "/"
    path = re.sub(r"(?<=.)\.amp(?=$|\.html?$)", "", path)
    # mobile hosts
    for prefix in ("m.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            rest = host[len(prefix):]
            host = "www." + rest if registrable_domain(rest) == rest else rest
            break
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    kept = [(k, v) for k, v in query if not _is_tracking(k)]
    return urlunsplit((scheme, netloc, path, urlencode(kept, doseq=True), ""))


def canonical_url(url: str, html_canonical: str | None = None) -> str:
    """The one form of an article URL. ``html_canonical`` (rel=canonical / og:url) is used when it is an
    http(s) URL (relative ones are resolved against ``url``) and not just the home page."""
    chosen = url
    if html_canonical:
        cand = urljoin(url, html_canonical.strip())
        try:
            cu, uu = urlsplit(cand), urlsplit(url)
        except ValueError:
            cu = uu = None
        if cu and cu.scheme in ("http", "https") and cu.hostname:
            # cross-site canonicals are kept (syndicated copies name the original); a canonical that is
            # just the home page for an article URL is a CMS mistake and is ignored
            home = cu.path in ("", "/") and not cu.query
            if not (home and (uu.path not in ("", "/") or uu.query)):
                chosen = cand
    try:
        return _normalise(chosen)
    except ValueError:
        return url.strip()
