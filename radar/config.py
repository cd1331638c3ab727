"""The sources file (TOML) and every tunable setting, in one place.

A malformed file raises ConfigError with a one-line message naming the file and the problem;
the CLI turns it into exit code 2.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCES = PACKAGE_DIR.parent / "sources.toml"
DEFAULT_DB = Path("data") / "radar.duckdb"
FEED_KINDS = ("rss", "google_news", "naver_api")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class FetchSettings:
    allow_private_networks: bool = False   # refuse loopback/private/link-local targets unless set
    user_agent: str = "alliance-radar/0.1 (+https://github.com/alliance-radar/alliance-radar)"
    contact_url: str = "https://github.com/alliance-radar/alliance-radar"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_feed_bytes: int = 5_000_000
    max_page_bytes: int = 8_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_interval: float = 1.0         # seconds between request starts to one host
    total_concurrency: int = 16
    respect_robots: bool = True
    max_pages_per_run: int = 500           # new pages fetched per pass; the rest wait for the next pass


@dataclass(frozen=True, slots=True)
class RelevanceSettings:
    threshold: float = 0.5


@dataclass(frozen=True, slots=True)
class AlertSettings:
    urls: tuple[str, ...] = ()             # Apprise URLs; RADAR_ALERT_URLS (whitespace/comma separated) adds more
    prefect_blocks: tuple[str, ...] = ()   # names of Prefect notification blocks
    max_attempts: int = 20                 # after this many failures an alert is given up (status 'failed')


@dataclass(frozen=True, slots=True)
class WarehouseSettings:
    raw_html_retention_days: int = 180     # 0 keeps raw HTML forever
    lock_wait_seconds: float = 60.0        # how long a writer waits for another process's lock


@dataclass(frozen=True, slots=True)
class ReportSettings:
    html_path: str = ""                    # the HTML report the monitor rewrites after a pass that changed
                                           # something; "" = report.html beside the database
    feed_path: str = ""                    # the Atom feed; "" = alliance-news.xml beside the database
    write_feed: bool = True                # the monitor writes the feed after each pass
    new_days: int = 7                      # "new this period" = stories first seen in the last N days
    feed_entries: int = 200                # newest stories in the feed (0 = all)


@dataclass(frozen=True, slots=True)
class FeedSource:
    url: str | None = None
    outlet: str | None = None
    kind: str = "rss"
    category: str | None = None
    query: str | None = None               # google_news / naver_api search words


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    feeds: tuple[FeedSource, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    relevance: RelevanceSettings = field(default_factory=RelevanceSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    report: ReportSettings = field(default_factory=ReportSettings)

    def alert_urls(self) -> list[str]:
        env = os.environ.get("RADAR_ALERT_URLS", "")
        extra = [u for u in env.replace(",", " ").split() if u]
        return list(dict.fromkeys([*self.alerts.urls, *extra]))


def _build(cls, table: dict, where: str, path: Path):
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{where}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown key '{key}' in [{where}] (known: {', '.join(sorted(known))})")
        default = getattr(cls(), key) if cls is not FeedSource else None
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: '{key}' in [{where}] must be a list of strings")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: '{key}' in [{where}] must be true or false")
        elif isinstance(default, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{path}: '{key}' in [{where}] must be a number")
            value = type(default)(value)
        elif isinstance(default, str) or cls is FeedSource:
            if not isinstance(value, str):
                raise ConfigError(f"{path}: '{key}' in [{where}] must be a string")
        values[key] = value
    return cls(**values)


def load_config(path: str | os.PathLike | None = None) -> Config:
    path = Path(path) if path else DEFAULT_SOURCES
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sources file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: dict, path: Path | None = None) -> Config:
    path = path or Path("<config>")
    sections = {"fetch": FetchSettings, "relevance": RelevanceSettings, "alerts": AlertSettings,
                "warehouse": WarehouseSettings, "report": ReportSettings}
    unknown = set(data) - set(sections) - {"feeds"}
    if unknown:
        raise ConfigError(f"{path}: unknown key '{sorted(unknown)[0]}' (known: feeds, {', '.join(sections)})")
    built = {name: _build(cls, data.get(name, {}), name, path) for name, cls in sections.items()}
    feeds_raw = data.get("feeds", [])
    if not isinstance(feeds_raw, list):
        raise ConfigError(f"{path}: 'feeds' must be an array of tables ([[feeds]])")
    feeds = []
    for i, table in enumerate(feeds_raw, 1):
        feed = _build(FeedSource, table, f"feeds #{i}", path)
        if feed.kind not in FEED_KINDS:
            raise ConfigError(f"{path}: feeds #{i}: kind '{feed.kind}' is not one of {', '.join(FEED_KINDS)}")
        if feed.kind == "rss" and not feed.url:
            raise ConfigError(f"{path}: feeds #{i}: 'url' is required")
        if feed.kind != "rss" and not (feed.url or feed.query):
            raise ConfigError(f"{path}: feeds #{i}: kind '{feed.kind}' needs 'query' (or 'url')")
        if feed.url and not feed.url.startswith(("http://", "https://")):
            raise ConfigError(f"{path}: feeds #{i}: url '{feed.url}' is not http(s)")
        feeds.append(feed)
    return Config(path=path, feeds=tuple(feeds), **built)


def default_db_path() -> Path:
    return Path(os.environ.get("RADAR_DB") or DEFAULT_DB)
