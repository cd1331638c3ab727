"""Every setting of alliance-radar, its default, and every environment variable it reads — in one place.

A leaf module: standard library only, no import of extractors/, warehouse/, flows/ or radar/, cheap to
import (the CLI imports it on every start). Other modules may import the dataclasses for their defaults;
only ``load_config`` / ``read_environment`` / ``set_prefect_defaults`` read or write the environment, and
the flows and the CLI call them once and pass the values down.

The sources file (TOML) has one section per dataclass below ([fetch], [relevance], [alerts],
[warehouse], [report], [execution]) plus [[feeds]]; a key the dataclass does not have is an error that names it. A malformed
file raises ConfigError with one line naming the file and the problem (the CLI exits 2).

Environment variables:

    RADAR_DB                   the DuckDB file when --db / db_path is not given (default data/radar.duckdb)
    RADAR_ALERT_URLS           more Apprise URLs, comma or space separated (keeps tokens out of files)
    NAVER_CLIENT_ID            Naver News search API keys; without them naver_api sources are skipped,
    NAVER_CLIENT_SECRET          unless Prefect Secret blocks naver-client-id / naver-client-secret exist
    RADAR_NO_PREFECT_SECRETS   set: never look up those Prefect Secret blocks
    RADAR_BOILERPLATE_RULES    a user's own boilerplate rules file; read where the rules load
                               (extractors/boilerplate.py), once per process, so worker processes see it
    RADAR_GAZETTEER            extra organisation / alliance files; read where the gazetteer loads
                               (extractors/gazetteer.py), once per process
    RADAR_LEXICON              extra relevance cue words (TOML, the shape of lexicon.toml); read where the
                               lexicon loads (extractors/relevance/lexicon.py), once per process

Prefect's own variables set by ``set_prefect_defaults`` (unless already set) before Prefect is imported:
PREFECT_SERVER_ANALYTICS_ENABLED=false and DO_NOT_TRACK=1 (no telemetry; offline it also logs DNS
errors), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120 (the ephemeral API server takes 10-30 s
to start on a slow 2-core machine; its 20 s default would fail runs that are merely slow to start).
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources.toml"
DEFAULT_DB = Path("data") / "radar.duckdb"
FEED_KINDS = ("rss", "google_news", "naver_api")

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class FetchSettings:
    allow_private_networks: bool = False   # True opens EVERY private/loopback/link-local address: prefer
                                           # allow_private_hosts, which opens only the listed ones
    allow_private_hosts: tuple[str, ...] = ()   # "host:port" entries (e.g. "127.0.0.1:8080",
                                           # "intranet.example:443") that may resolve to a private address;
                                           # checked after DNS resolution and on every redirect hop
    user_agent: str = "alliance-radar/0.1 (+https://github.com/alliance-radar/alliance-radar)"
    contact_url: str = "https://github.com/alliance-radar/alliance-radar"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_feed_bytes: int = 5_000_000        # a feed (or Naver API answer) larger than this is refused
    max_page_bytes: int = 8_000_000        # a page larger than this is neither fetched nor extracted
    max_robots_bytes: int = 512_000        # robots.txt read up to this size (RFC 9309 allows a limit)
    max_link_page_bytes: int = 2_000_000   # a Google News link page fetched to find the publisher URL
    max_redirects: int = 5
    max_crawl_delay: float = 30.0          # a robots.txt Crawl-delay above this is capped
    per_host_concurrency: int = 2
    per_host_interval: float = 1.0         # seconds between request starts to one host
    total_concurrency: int = 16
    respect_robots: bool = True
    max_pages_per_run: int = 500           # new pages fetched per pass; the rest wait for the next pass
    pages_per_batch: int = 100             # pages extracted and scored per task (one result shard, one load
                                           # transaction each: a transaction's fixed cost is ~0.5-1 s here)


@dataclass(frozen=True, slots=True)
class RelevanceSettings:
    threshold: float = 0.5


@dataclass(frozen=True, slots=True)
class AlertSettings:
    urls: tuple[str, ...] = ()             # Apprise URLs; RADAR_ALERT_URLS (whitespace/comma separated) adds more
    prefect_blocks: tuple[str, ...] = ()   # names of Prefect notification blocks
    max_attempts: int = 20                 # after this many failures an alert is given up (status 'failed')
    timeout_seconds: float = 15.0          # per alert per channel (socket read; connect gets a third)
    max_age_days: float = 3.0              # a new story first published longer ago than this is stored and
                                           # shown in the digest and report, not pushed (0 = no age limit)


@dataclass(frozen=True, slots=True)
class WarehouseSettings:
    raw_html_retention_days: int = 180     # 0 keeps raw HTML forever
    lock_wait_seconds: float = 60.0        # how long a reader or writer waits for another process's lock
    feed_backoff_minutes: float = 15.0     # a failing feed waits this long, doubled per failure in a row ...
    feed_backoff_max_hours: float = 24.0   # ... up to this
    raw_pages_per_chunk: int = 200         # raw pages read per connection (and re-extracted per reprocess task)


@dataclass(frozen=True, slots=True)
class ReportSettings:
    html_path: str = ""                    # the HTML report the monitor rewrites after a pass that changed
                                           # something; "" = report.html beside the database
    feed_path: str = ""                    # the Atom feed; "" = alliance-news.xml beside the database
    write_feed: bool = True                # the monitor writes the feed after each pass
    new_days: int = 7                      # "new this period" = stories first seen in the last N days
    feed_entries: int = 200                # newest stories in the feed (0 = all)


WORKER_STARTS = ("forkserver", "spawn")


@dataclass(frozen=True, slots=True)
class ExecutionSettings:
    workers: int = 0                       # processes that extract and score pages: 0 = one per CPU core,
                                           # 1 = in the flow's own process (no Dask); `--workers` overrides
    local_cluster_min_pages: int = 1000    # with workers = 0 and no --workers, a pass of fewer new pages is
                                           # scored in the flow's own process: starting a LocalCluster costs
                                           # more than a second core saves on it (flows/execution.py)
    dask_address: str = ""                 # an existing Dask scheduler ("tcp://10.0.0.5:8786") instead of a
                                           # LocalCluster started for the pass
    staging_url: str = ""                  # where workers write their result shards: a folder or any fsspec URL
                                           # ("s3://bucket/radar-staging"); "" = <database>.staging beside the file
    batches_per_worker: int = 2            # batches in flight per worker: bounds the pages held in memory
    worker_start: str = "forkserver"       # how a LocalCluster starts its workers: "forkserver" forks each from
                                           # one process that loaded the extractors and Kiwi once (extractors/
                                           # preload.py); "spawn" starts each afresh (Dask's default; also where
                                           # the platform has no fork server)
    idle_precheck: bool = True             # `radar run` first polls the feeds without starting Prefect and,
                                           # when nothing is new, records the pass and exits (flows/precheck.py);
                                           # `radar run --full` or false here always runs the flow


@dataclass(frozen=True, slots=True)
class FeedSource:
    url: str | None = None
    outlet: str | None = None
    kind: str = "rss"
    category: str | None = None
    query: str | None = None               # google_news / naver_api search words


@dataclass(frozen=True, slots=True)
class Environment:
    """What the process environment says (see the module doc); read once by ``read_environment``."""
    db_path: Path = DEFAULT_DB
    alert_urls: tuple[str, ...] = ()
    naver_client_id: str | None = field(default=None, repr=False)
    naver_client_secret: str | None = field(default=None, repr=False)
    prefect_secrets: bool = True           # may look up Naver keys in Prefect Secret blocks

    @property
    def naver_credentials(self) -> tuple[str, str] | None:
        if self.naver_client_id and self.naver_client_secret:
            return self.naver_client_id, self.naver_client_secret
        return None


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    feeds: tuple[FeedSource, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    relevance: RelevanceSettings = field(default_factory=RelevanceSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    env: Environment = field(default_factory=Environment)

    def alert_urls(self) -> list[str]:
        """The sources file's Apprise URLs, then RADAR_ALERT_URLS's, without duplicates."""
        return list(dict.fromkeys([*self.alerts.urls, *self.env.alert_urls]))


SECTIONS = {"fetch": FetchSettings, "relevance": RelevanceSettings, "alerts": AlertSettings,
            "warehouse": WarehouseSettings, "report": ReportSettings, "execution": ExecutionSettings}


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    urls = env.get("RADAR_ALERT_URLS", "")
    return Environment(
        db_path=Path(env.get("RADAR_DB") or DEFAULT_DB),
        alert_urls=tuple(u for u in urls.replace(",", " ").split() if u),
        naver_client_id=env.get("NAVER_CLIENT_ID") or None,
        naver_client_secret=env.get("NAVER_CLIENT_SECRET") or None,
        prefect_secrets=not env.get("RADAR_NO_PREFECT_SECRETS"),
    )


def default_db_path() -> Path:
    return read_environment().db_path


def set_prefect_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Prefect's telemetry off and a start-up timeout that suits slow machines, unless the user set them."""
    env = os.environ if environ is None else environ
    for key, value in PREFECT_DEFAULTS.items():
        env.setdefault(key, value)


def parse_host_port(entry: str) -> tuple[str, int] | None:
    """``"Host:8080"`` -> ``("host", 8080)``; ``"[::1]:8080"`` -> ``("::1", 8080)``; None if malformed."""
    host, sep, port = entry.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        return None                        # a bare IPv6 address needs brackets: [::1]:8080
    host = host.lower().rstrip(".")
    if not host or any(c.isspace() or c in "/?#@[]" for c in host):
        return None
    return host, int(port)


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


def load_config(path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """The sources file (default: the bundled sources.toml) and the environment, read once."""
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
    return parse_config(data, path, environ)


def parse_config(data: dict, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    path = path or Path("<config>")
    unknown = set(data) - set(SECTIONS) - {"feeds"}
    if unknown:
        raise ConfigError(f"{path}: unknown key '{sorted(unknown)[0]}' (known: feeds, {', '.join(SECTIONS)})")
    built = {name: _build(cls, data.get(name, {}), name, path) for name, cls in SECTIONS.items()}
    for entry in built["fetch"].allow_private_hosts:
        if parse_host_port(entry) is None:
            raise ConfigError(f"{path}: allow_private_hosts entry '{entry}' in [fetch] is not host:port "
                              f"(e.g. \"127.0.0.1:8080\", \"intranet.example:443\", \"[::1]:8080\")")
    if built["execution"].worker_start not in WORKER_STARTS:
        raise ConfigError(f"{path}: 'worker_start' in [execution] must be one of {', '.join(WORKER_STARTS)}")
    if built["alerts"].max_age_days < 0:
        raise ConfigError(f"{path}: 'max_age_days' in [alerts] must be 0 (no limit) or more")
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
    return Config(path=path, feeds=tuple(feeds), env=read_environment(environ), **built)
