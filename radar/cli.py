"""`radar` — the command line. Thin wrappers over extractors/, warehouse/ and flows/ (one command per job).

Exit codes: 0 ok, 1 the job failed, 2 bad input (sources file, arguments, database file).
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="alliance-radar: watch Korean tech news for AI alliances.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print measured figures.")
sources_app = typer.Typer(no_args_is_help=True, help="The feed list.")
train_app = typer.Typer(no_args_is_help=True, help="Rebuild the trained models from labelled data.")
app.add_typer(bench_app, name="bench")
app.add_typer(sources_app, name="sources")
app.add_typer(train_app, name="train")

DbOption = typer.Option(None, "--db", help="DuckDB file (default: $RADAR_DB or ./data/radar.duckdb)")
SourcesOption = typer.Option(None, "--sources", help="sources TOML file (default: ./sources.toml)")


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"radar: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors():
    """Turn the typed errors users can fix into one line and an exit code, not a traceback."""
    from settings import ConfigError
    from warehouse import DatabaseBusy, WarehouseError
    try:
        yield
    except ConfigError as exc:
        fail(str(exc), 2)
    except DatabaseBusy as exc:   # nothing wrong with the input: another process holds the file
        fail(str(exc), 1)
    except WarehouseError as exc:
        fail(str(exc), 2)


def _db(db: Optional[Path]) -> Path:
    from settings import default_db_path
    return db or default_db_path()


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# --- the main jobs -------------------------------------------------------------------------------

@app.command()
def demo(db: Optional[Path] = DbOption):
    """Run the whole pipeline offline on the bundled demo corpus (a local HTTP server)."""
    from radar.demo import run_demo
    with user_errors():
        counts = run_demo(_db(db))
    _exit_for(counts)


WorkersOption = typer.Option(None, "--workers", min=1,
                             help="processes that extract and score pages (default: [execution] workers, "
                                  "one per core; 1 = in this process)")


@app.command()
def run(sources: Optional[Path] = SourcesOption, db: Optional[Path] = DbOption,
        workers: Optional[int] = WorkersOption):
    """One monitor pass over the sources file (for cron / systemd timers)."""
    from radar.runner import run_monitor
    with user_errors():
        counts = run_monitor(sources, _db(db), workers)
    _exit_for(counts)


@app.command()
def backfill(urls: Optional[Path] = typer.Option(None, "--urls", help="a file of page URLs, one per line"),
             sitemap: Optional[str] = typer.Option(None, "--sitemap", help="a sitemap or sitemap index URL"),
             since: Optional[str] = typer.Option(None, "--since", help="only pages published on/after this KST date "
                                                                       "(YYYY-MM-DD); alone: the configured feeds' entries"),
             sources: Optional[Path] = SourcesOption, db: Optional[Path] = DbOption,
             workers: Optional[int] = WorkersOption):
    """Load many pages through the monitor's page stage, resumably (run it again after a kill)."""
    from radar.runner import run_backfill
    if urls and sitemap:
        fail("give --urls or --sitemap, not both")
    if not (urls or sitemap or since):
        fail("give --urls FILE, --sitemap URL or --since DATE")
    _date_option("--since", since)
    with user_errors():
        counts = run_backfill(sources, _db(db), urls=urls, sitemap=sitemap, since=since, workers=workers)
    _exit_for(counts)


def _exit_for(counts: dict | None) -> None:
    if counts is None:
        raise typer.Exit(1)


@app.command()
def sql(query: str, db: Optional[Path] = DbOption,
        as_json: bool = typer.Option(False, "--json", help="print a JSON array of row objects")):
    """Run a read-only SQL query (views: alliance_news, alliance_stories, alliance_events, ...)."""
    from warehouse import QueryError, Warehouse
    with user_errors():
        try:   # waits with backoff while a flow writes, then names the holder; times in Korea time
            columns, rows = Warehouse(_db(db)).query(query, timezone="Asia/Seoul")
        except QueryError as exc:
            fail(f"query failed: {exc}", 2)
    if as_json:
        typer.echo(json.dumps([{c: _jsonable(v) for c, v in zip(columns, row)} for row in rows],
                              ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*["" if v is None else str(_jsonable(v)) for v in row])
    Console(width=max(120, Console().width)).print(table)
    sys.stdout.flush()   # the row count goes to stderr: keep it after the table
    typer.echo(f"({len(rows)} rows)", err=True)


@app.command()
def extract(file_or_url: str, url: Optional[str] = typer.Option(None, "--url", help="the page's URL (for a file)"),
            as_json: bool = typer.Option(False, "--json", help="print one JSON object")):
    """Extract one article (title, outlet, authors, published_at, canonical URL, clean body)."""
    from extractors.models import ExtractionError
    from extractors.pipeline import extract_page
    from settings import FetchSettings
    content_type = None
    if file_or_url.startswith(("http://", "https://")):
        from radar.runner import fetch_one
        with user_errors():
            response = fetch_one(file_or_url)
        if response.error == "private_address":
            from urllib.parse import urlsplit
            parts = urlsplit(response.final_url)
            host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
            where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
            fail(f"{response.final_url}: refused: {parts.hostname} is a private, loopback or link-local address; "
                 f"to read it, add \"{where}\" to [fetch] allow_private_hosts in sources.toml", 1)
        if response.error:
            fail(f"{file_or_url}: {response.error}", 1)
        data, page_url, content_type = response.content or b"", url or response.final_url, response.content_type
    else:
        path = Path(file_or_url)
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(f"{path}: {exc.strerror}", 2)
        if path.suffix == ".gz":
            import gzip
            data = gzip.decompress(data)
        page_url = url or path.resolve().as_uri()
    try:
        article = extract_page(data, url=page_url, content_type=content_type, max_bytes=FetchSettings().max_page_bytes)
    except ExtractionError as exc:
        fail(f"{file_or_url}: {exc.reason}: {exc}", 1)
    if as_json:
        typer.echo(json.dumps(article.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{article.title}\n{article.outlet} · {article.published_at} · {', '.join(article.authors)}\n"
                   f"{article.canonical_url}\n\n{article.body}")


@app.command()
def classify(threshold: Optional[float] = typer.Option(None, help="keep when score >= this (default from config)")):
    """Read JSON Lines {id, title, text, published_at?, url?} on stdin; write one verdict per line."""
    from extractors.relevance import LexiconError, ModelError, get_lexicon
    from extractors.relevance.model import default_model
    from radar.jsonl import classify_jsonl
    from settings import RelevanceSettings
    try:
        get_lexicon()                 # a bad RADAR_LEXICON or model file fails once, not on every line
        default_model()
    except (LexiconError, ModelError) as exc:
        fail(str(exc), 2)
    limit = threshold if threshold is not None else RelevanceSettings().threshold
    for result in classify_jsonl(sys.stdin, threshold=limit):
        sys.stdout.write(json.dumps(_jsonable(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command()
def orgs():
    """List the organisation gazetteer (canonical name, English name, type, aliases)."""
    from radar.listings import list_orgs
    list_orgs(sys.stdout)


@app.command()
def alliances(db: Optional[Path] = DbOption,
              known: bool = typer.Option(False, "--known", help="list the gazetteer's alliances instead (no database)")):
    """Print each alliance's member timeline, from the news in the database (--known: the gazetteer's list)."""
    if known:
        from radar.listings import list_alliances
        list_alliances(sys.stdout)
        return
    from radar.render import format_alliance_timeline
    from warehouse import Warehouse
    with user_errors():
        timeline = Warehouse(_db(db)).alliance_timeline()
    if not timeline:
        typer.echo("no alliance events stored yet (radar alliances --known lists the gazetteer's alliances)")
        return
    typer.echo(format_alliance_timeline(timeline), nl=False)


@app.command()
def report(db: Optional[Path] = DbOption,
           out: Optional[Path] = typer.Option(None, "--out", help="HTML file (default: report.html beside the database)"),
           since: Optional[str] = typer.Option(None, help="'new this period' starts on this KST date (YYYY-MM-DD; "
                                                          "default: 7 days ago)")):
    """Write the offline HTML report: timeline, organisation network, members, new stories, source health."""
    from reports import write_report
    start = _date_option("--since", since)
    with user_errors():
        summary = write_report(_db(db), out, since=start)
    typer.echo(summary.line())


@app.command()
def feed(db: Optional[Path] = DbOption,
         out: Optional[Path] = typer.Option(None, "--out", help="Atom file (default: alliance-news.xml beside the database)"),
         limit: int = typer.Option(200, help="newest stories to include (0 = all)")):
    """Write an Atom feed of alliance stories (one entry per story, newest first, stable entry ids)."""
    from reports import write_feed
    with user_errors():
        path, entries, _ = write_feed(_db(db), out, limit=limit)
    typer.echo(f"feed: {path} ({entries} entries)")


def _date_option(name: str, value: Optional[str]) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} '{value}' is not a date (YYYY-MM-DD)")


@app.command()
def reprocess(since: Optional[str] = typer.Option(None, help="only pages fetched on/after this date (YYYY-MM-DD)"),
              db: Optional[Path] = DbOption, sources: Optional[Path] = SourcesOption):
    """Re-extract and re-score stored raw HTML with the current code (no network)."""
    from radar.runner import run_reprocess
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            fail(f"--since '{since}' is not a date (YYYY-MM-DD)")
    with user_errors():
        counts = run_reprocess(sources, _db(db), since)
    _exit_for(counts)


@app.command()
def export(parquet: Path = typer.Option(..., "--parquet", help="output folder"), db: Optional[Path] = DbOption):
    """Write the tables as Parquet, partitioned by published month."""
    from warehouse import Warehouse
    with user_errors():
        counts = Warehouse(_db(db)).export_parquet(parquet)
    for table, n in counts.items():
        typer.echo(f"{table:24} {n:>8} rows")
    typer.echo(f"written to {parquet}")


@app.command()
def digest(day: Optional[str] = typer.Option(None, help="KST day (YYYY-MM-DD); default today"),
           db: Optional[Path] = DbOption, sources: Optional[Path] = SourcesOption):
    """Send one message listing the day's alliance stories to every channel."""
    from radar.runner import run_digest
    with user_errors():
        counts = run_digest(sources, _db(db), day)
    _exit_for(counts)


@app.command()
def serve(sources: Optional[Path] = SourcesOption, db: Optional[Path] = DbOption):
    """Serve monitor (every 15 min), digest (08:30 KST) and reprocess in one long-running process."""
    from flows.serve import serve_all
    with user_errors():
        serve_all(str(sources) if sources else None, str(_db(db)))


@sources_app.command("check")
def sources_check(sources: Optional[Path] = SourcesOption):
    """Fetch each configured feed once and print status, items, last item date, encoding."""
    from flows.sources_check import check_sources, print_sources_table
    from settings import load_config
    with user_errors():
        config = load_config(sources)
    rows = check_sources(config)
    print_sources_table(rows, sys.stdout)
    if rows and all(r.get("status") != "ok" for r in rows):
        raise typer.Exit(1)


# --- benchmarks ----------------------------------------------------------------------------------

@bench_app.command("extract")
def bench_extract_cmd(directory: Path):
    """Body P/R/F1, leaks, title/date, ms per page: alliance-radar vs plain trafilatura."""
    from radar.bench_extract import bench_extract
    bench_extract(directory, sys.stdout)


@bench_app.command("relevance")
def bench_relevance_cmd(files: Optional[list[Path]] = typer.Argument(None, help="labelled JSONL (default: "
                                                                        "../shared/corpus/relevance train + dev)"),
                        cv: Optional[bool] = typer.Option(None, "--cv/--no-cv", help="cross-validate (default: "
                                                          "yes, unless one FILE is given: then the committed model)"),
                        threshold: Optional[float] = typer.Option(None, help="default from config")):
    """Relevance P/R/F1: grouped 5-fold cross-validation of the training (threshold curve, calibration, misses
    with evidence, org-set F1), or the committed model on one labelled file."""
    from radar.bench_relevance import bench_relevance, bench_relevance_cv
    from radar.train import OWN_EXAMPLES, TrainingDataMissing, training_files
    if not files:
        try:
            files = training_files()
        except TrainingDataMissing as exc:
            fail(f"{exc}; name labelled files: radar bench relevance FILE.jsonl ...", 2)
    for f in files:
        if not f.is_file():
            fail(f"{f}: no such file", 2)
    if cv is None:
        cv = len(files) > 1
    if cv:
        bench_relevance_cv(files, sys.stdout, threshold=threshold, own_examples=OWN_EXAMPLES)
    elif len(files) > 1:
        fail("--no-cv reads one file (the committed model on it)", 2)
    else:
        bench_relevance(files[0], sys.stdout, threshold=threshold)


@bench_app.command("stream")
def bench_stream_cmd(directory: Path):
    """Flags per 1,000 feed items over a folder of feed snapshots, listing them."""
    from radar.bench_relevance import bench_stream
    bench_stream(directory, sys.stdout)


@bench_app.command("membership")
def bench_membership_cmd(directory: Path):
    """Members as of each gold checkpoint (hits, misses, extras) through the classifier and a real warehouse."""
    from radar.bench_membership import MembershipBenchError, bench_membership
    try:
        bench_membership(directory, sys.stdout)
    except MembershipBenchError as exc:
        fail(str(exc))


@bench_app.command("faults")
def bench_faults_cmd(as_json: bool = typer.Option(False, "--json", help="print JSON instead of the table"),
                     only: Optional[str] = typer.Option(None, "--only", help="only the faults whose name contains one of these comma-separated words"),
                     kills: int = typer.Option(10, "--kills", help="SIGKILL trials"),
                     seed: int = typer.Option(14, "--seed", help="seed for the kill points")):
    """The fault matrix against local servers: rows lost, duplicates, seconds and peak MB per fault."""
    from radar.bench_faults import bench_faults
    report = bench_faults(sys.stdout, as_json=as_json, only=only, kills=kills, seed=seed)
    raise typer.Exit(0 if report["totals"]["failed"] == 0 else 1)


@bench_app.command("stories")
def bench_stories_cmd(path: Optional[Path] = typer.Argument(None, help="rewrites set (default: the bundled one)")):
    """Pairwise precision/recall of story clustering on syndicated rewrites."""
    from radar.bench_stories import bench_stories
    bench_stories(path, sys.stdout)


# --- training ------------------------------------------------------------------------------------

@train_app.command("relevance")
def train_relevance_cmd(out: Optional[Path] = typer.Option(None, "--out", help="model file to write (default: the "
                                                           "committed extractors/relevance/model.json.gz)"),
                        data: Optional[Path] = typer.Option(None, "--data", help="folder with train.jsonl and dev.jsonl "
                                                            "(default: ../shared/corpus/relevance)")):
    """Rebuild the relevance model from the labelled examples (deterministic: same inputs, same file)."""
    from extractors.relevance.model import MODEL_FILE
    from radar.train import TrainingDataMissing, train_relevance
    try:
        train_relevance(out or MODEL_FILE, data, sys.stdout)
    except TrainingDataMissing as exc:
        fail(str(exc), 2)


def main() -> None:
    app()


@bench_app.command("pipeline")
def bench_pipeline_cmd(pages: int = typer.Option(1000, "--pages", min=1, help="distinct generated pages"),
                       feeds: int = typer.Option(50, "--feeds", min=1, help="RSS feeds listing them"),
                       workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                                             help="passed to radar run (default: one per core)"),
                       as_json: bool = typer.Option(False, "--json", help="print one JSON object")):
    """The whole pass on N synthetic ~80 KB Korean pages served locally, against plain trafilatura."""
    from radar.bench_pipeline import bench_pipeline
    bench_pipeline(pages, feeds, workers, sys.stdout, as_json=as_json)


if __name__ == "__main__":
    main()
