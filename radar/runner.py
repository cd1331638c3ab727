"""Runs flows in-process (Prefect's ephemeral mode) with a progress display and a printed summary."""
from __future__ import annotations

import asyncio
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from settings import load_config

STAGES = {"feeds": "피드 확인 feeds", "pages": "페이지 수집 pages", "reprocess": "재처리 reprocess",
          "backfill": "백필 backfill"}


@contextmanager
def progress_display():
    """Bars on stderr while a flow works; silent when stderr is not a terminal (cron, CI)."""
    from flows import progress
    if not sys.stderr.isatty():
        last: dict[str, float] = {}

        first: dict[str, tuple[float, int]] = {}

        def plain(stage: str, done: int, total: int) -> None:
            # one line now and then, so logs of long runs still show movement (and, once it moves, an ETA)
            now = time.monotonic()
            t0, d0 = first.setdefault(stage, (now, done))
            if done == total or now - last.get(stage, 0) > 5:
                last[stage] = now
                eta = ""
                if done > d0 and done < total:
                    eta = f", about {(total - done) * (now - t0) / (done - d0):.0f} s left"
                print(f"  {STAGES.get(stage, stage)}: {done}/{total}{eta}", file=sys.stderr, flush=True)

        progress.add_listener(plain)
        try:
            yield
        finally:
            progress.remove_listener(plain)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True), transient=False)
    ids: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in ids:
            ids[stage] = bars.add_task(STAGES.get(stage, stage), total=total)
        bars.update(ids[stage], completed=done, total=total)

    progress.add_listener(update)
    redirected = _route_prefect_console(bars.console)   # log lines print above the bars, not through them
    with bars:
        try:
            yield
        finally:
            progress.remove_listener(update)
            for handler, console in redirected:
                handler.console = console


def _route_prefect_console(console) -> list:
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    redirected = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler) and all(handler is not h for h, _ in redirected):
                redirected.append((handler, handler.console))
                handler.console = console
    return redirected


def print_summary(counts: dict, seconds: float, db_path: Path, out=sys.stdout) -> None:
    c = counts.get
    lines = [
        f"alliance-radar pass finished in {seconds:.1f} s",
        f"  feeds polled      {c('feeds_polled', 0):>5}   ({c('feeds_not_modified', 0)} not modified, "
        f"{c('feeds_failed', 0)} failed, {c('feeds_skipped', 0)} skipped)",
        f"  pages fetched     {c('pages_fetched', 0):>5}   ({c('pages_failed', 0)} failed)",
        f"  articles stored   {c('articles_new', 0):>5}   new ({c('articles_updated', 0)} updated)",
        f"  alliance kept     {c('alliance_new', 0):>5}   new ({c('alliance_kept', 0)} of this pass's pages are alliance news)",
        f"  new stories       {c('stories_new', 0):>5}   ({c('stories_joined', 0)} articles joined earlier stories)",
        f"  alerts sent       {c('alerts_sent', 0):>5}   ({c('alerts_failed', 0)} pending after failure, "
        f"{c('alerts_too_old', 0)} stories too old to push)",
    ]
    failures = counts.get("failures") or []
    if failures:
        lines.append(f"failures ({len(failures)}, stored in fetch_log):")
        lines += [f"  - {f['url']}: {f['reason']}" for f in failures[:20]]
        if len(failures) > 20:
            lines.append(f"  ... and {len(failures) - 20} more")
    if counts.get("report"):
        lines.append(f"report:    {counts['report']}")
    lines.append(f'query it:  radar sql "select * from alliance_news" --db {db_path}')
    print("\n".join(lines), file=out, flush=True)


def _run_flow(flow_fn, **params) -> dict | None:
    """Run a flow in-process. A handled error (busy database file, bad settings) goes up to the CLI, which
    prints its one line (Prefect's log of it carries no traceback: flows/runs.py); anything else is a bug:
    Prefect logged its traceback, this adds the one line that ends the output."""
    from settings import ConfigError
    from warehouse import WarehouseError
    started = time.monotonic()
    try:
        with progress_display():
            counts = flow_fn(**params)
    except (WarehouseError, ConfigError):
        raise
    except Exception as exc:
        print(f"radar: run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    counts["_seconds"] = time.monotonic() - started
    return counts


def run_monitor(sources: Path | None, db_path: Path, workers: int | None = None, *,
                full: bool = False) -> dict | None:
    config = load_config(sources)  # a bad sources file is a one-line error before Prefect starts
    if not full and config.execution.idle_precheck:
        from flows.precheck import precheck
        checked = precheck(config, db_path)
        if checked.idle:
            print(checked.line(), flush=True)
            _print_failures(checked.feeds)
            return checked.counts
        if checked.feeds:     # it polled: say why the full pass follows
            print(f"pre-check: {checked.reason} ({checked.seconds:.1f} s); running the full pass",
                  file=sys.stderr, flush=True)
    from flows.monitor import monitor
    counts = _run_flow(monitor, sources_path=str(sources) if sources else None, db_path=str(db_path),
                       workers=workers)
    if counts is not None:
        print_summary(counts, counts.pop("_seconds"), db_path)
    return counts


def _print_failures(feeds) -> None:
    failed = [f for f in feeds if f.status == "error"]
    if failed:
        print(f"failures ({len(failed)}, stored in fetch_log):")
        for f in failed[:20]:
            print(f"  - {f.feed_url}: {f.error}")
        if len(failed) > 20:
            print(f"  ... and {len(failed) - 20} more")


def run_backfill(sources: Path | None, db_path: Path, *, urls: Path | None = None, sitemap: str | None = None,
                 since: str | None = None, workers: int | None = None) -> dict | None:
    load_config(sources)
    if urls is not None:
        from flows.backfill import read_url_file
        read_url_file(urls)          # a bad URL file is a one-line error before Prefect starts
    from flows.backfill import backfill
    counts = _run_flow(backfill, urls_file=str(urls) if urls else None, sitemap=sitemap, since=since,
                       sources_path=str(sources) if sources else None, db_path=str(db_path), workers=workers)
    if counts is not None:
        seconds = counts.pop("_seconds")
        c = counts.get
        print(f"backfill finished in {seconds:.1f} s: {c('pages_listed', 0)} pages listed, "
              f"{c('pages_known', 0)} already stored, {c('pages_fetched', 0)} fetched "
              f"({c('pages_failed', 0)} failed), {c('articles_new', 0)} new articles, "
              f"{c('alliance_new', 0)} alliance, {c('stories_new', 0)} new stories", flush=True)
        failures = counts.get("failures") or []
        for f in failures[:20]:
            print(f"  - {f['url']}: {f['reason']}")
        if len(failures) > 20:
            print(f"  ... and {len(failures) - 20} more")
    return counts


def run_reprocess(sources: Path | None, db_path: Path, since: str | None) -> dict | None:
    load_config(sources)
    if not Path(db_path).exists():
        from warehouse import WarehouseError
        raise WarehouseError(f"no database at {db_path} — run `radar demo` or `radar run` first")
    from flows.reprocess import reprocess
    counts = _run_flow(reprocess, db_path=str(db_path), sources_path=str(sources) if sources else None, since=since)
    if counts is not None:
        seconds = counts.pop("_seconds")
        print(f"reprocessed {counts.get('pages', 0)} stored pages in {seconds:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "pages"))
    return counts


def run_digest(sources: Path | None, db_path: Path, day: str | None) -> dict | None:
    load_config(sources)
    from flows.digest import digest
    counts = _run_flow(digest, db_path=str(db_path), sources_path=str(sources) if sources else None, day=day)
    if counts is not None:
        counts.pop("_seconds")
        print("digest: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def fetch_one(url: str):
    """One polite GET (robots, size cap, private-address rule) with the default sources file's settings."""
    from flows.http import PoliteFetcher
    from settings import ConfigError, FetchSettings
    try:
        settings = load_config(None).fetch
    except ConfigError:
        settings = FetchSettings()

    async def go():
        async with PoliteFetcher(settings) as fetcher:
            return await fetcher.fetch(url, max_bytes=settings.max_page_bytes)
    return asyncio.run(go())
