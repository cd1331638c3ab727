"""The outlet registry: one declarative entry per outlet in ``rules/outlets.toml``, found in one place.

Fundus-style: an entry names the outlet and its domains; where the generic extractor measurably fails on an
outlet, the entry carries dated ``layout`` versions (outlets change layouts: add a version, don't edit an
old one). A layout may say where the body is (``body``), what to remove before reading it (``drop``) and
where the headline is (``title_from``). Selectors are CSS (cssselect, the library lxml itself uses),
compiled to XPath once when the registry is read, so they run on the same lxml tree as everything else
(no second parse of the page).

Nothing here fetches or parses pages; ``extractors.article`` asks the registry for the layout of a host on a
date and applies it.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from .urls import registrable_domain

OUTLETS_FILE = Path(__file__).resolve().parent / "rules" / "outlets.toml"
TITLE_SOURCES = ("first_body_line",)

__all__ = ["OUTLETS_FILE", "Layout", "Outlet", "Registry", "RegistryError", "compile_selector", "load_outlets"]


class RegistryError(ValueError):
    pass


# ------------------------------------------------------------------------------------------ selectors

def compile_selector(css: str) -> etree.XPath:
    """A CSS selector -> a compiled XPath over the page's lxml tree (cssselect, the library lxml uses for
    CSS; HTML semantics: class and id matching as browsers do). Raises RegistryError for a bad selector."""
    if not isinstance(css, str) or not css.strip():
        raise RegistryError(f"empty selector {css!r}")
    try:
        return CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise RegistryError(f"bad selector {css!r}: {exc}") from None


# ------------------------------------------------------------------------------------------ entries

@dataclass(frozen=True)
class Layout:
    """One dated version of an outlet's page layout (only what the generic extractor gets wrong)."""
    valid_from: date | None = None
    valid_until: date | None = None
    body: str | None = None                    # selector of the body container, tried before the scoring
    drop: tuple[str, ...] = ()                 # selectors removed before the body is read
    title_from: str | None = None              # "first_body_line": the headline is the body block's first line
    why: str = ""                              # the measurement that motivated this version
    body_xpath: etree.XPath | None = field(default=None, compare=False, repr=False)
    drop_xpaths: tuple[etree.XPath, ...] = field(default=(), compare=False, repr=False)

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Outlet:
    name: str
    domains: tuple[str, ...]
    layouts: tuple[Layout, ...] = ()


@dataclass
class Registry:
    outlets: list[Outlet]
    domains: dict[str, str] = field(default_factory=dict)       # domain -> outlet name
    _by_domain: dict[str, Outlet] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for o in self.outlets:
            for d in o.domains:
                self.domains[d] = o.name
                self._by_domain[d] = o

    def _lookup(self, host: str) -> Outlet | None:
        labels = host.lower().split(".")
        for i in range(len(labels) - 1):
            o = self._by_domain.get(".".join(labels[i:]))
            if o:
                return o
        return None

    def outlet_for(self, host: str) -> str | None:
        o = self._lookup(host) if host else None
        return o.name if o else None

    def layout_for(self, host: str, when: datetime | None = None) -> Layout | None:
        """The layout version in force for ``host`` on ``when`` (the newest one when the date is unknown)."""
        o = self._lookup(host) if host else None
        if o is None and host:
            o = self._by_domain.get(registrable_domain(host))
        if o is None or not o.layouts:
            return None
        cands = list(o.layouts)
        if when is not None:
            cands = [lay for lay in cands if lay.covers(when.date())]
            if not cands:
                return None
        return max(cands, key=lambda lay: lay.valid_from or date.min)



def _as_date(v) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def _layout(path: Path, name: str, raw: dict) -> Layout:
    title_from = raw.get("title_from")
    if title_from is not None and title_from not in TITLE_SOURCES:
        raise RegistryError(f"{path}: outlet {name!r}: title_from must be one of {', '.join(TITLE_SOURCES)}")
    body = raw.get("body")
    drop = raw.get("drop", ())
    if isinstance(drop, str):
        drop = (drop,)
    try:
        body_xpath = compile_selector(body) if body is not None else None
        drop_xpaths = tuple(compile_selector(s) for s in drop)
    except RegistryError as exc:
        raise RegistryError(f"{path}: outlet {name!r}: {exc}") from None
    return Layout(valid_from=_as_date(raw.get("valid_from")), valid_until=_as_date(raw.get("valid_until")),
                  body=body, drop=tuple(drop), title_from=title_from, why=raw.get("why", ""),
                  body_xpath=body_xpath, drop_xpaths=drop_xpaths)


def read_registry(path: Path | str = OUTLETS_FILE) -> Registry:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{path}: {exc}") from None
    outlets, seen = [], {}
    for i, raw in enumerate(data.get("outlet", []), 1):
        name, domains = raw.get("name"), raw.get("domains")
        if not name or not domains:
            raise RegistryError(f"{path}: outlet #{i} needs a name and domains")
        for d in domains:
            if d in seen:
                raise RegistryError(f"{path}: domain {d!r} is listed for both {seen[d]!r} and {name!r}")
            seen[d] = name
        layouts = tuple(_layout(path, name, lay) for lay in raw.get("layout", []))
        outlets.append(Outlet(name=name, domains=tuple(domains), layouts=layouts))
    return Registry(outlets)


@lru_cache(maxsize=1)
def load_outlets(path: Path | str = OUTLETS_FILE) -> Registry:
    return read_registry(path)
