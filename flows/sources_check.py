"""`radar sources check`: fetch every configured feed once (politely) and tell how it looks.

The first thing to run after editing sources.toml. One unconditional GET per feed (no ETag, so the
answer shows the real content), parsed with the same parser the monitor uses. Rows:

    {feed, outlet, kind, status, http, items, last_item (KST str | None), encoding, ms, error, final_url}

status: ok | empty (parsed, zero items) | error | skipped (Naver without keys)
"""
from __future__ import annotations

import asyncio
import sys
import unicodedata

from extractors.models import KST
from flows.http import PoliteFetcher
from flows.polling import poll_feed
from settings import Config, FeedSource, load_config

COLUMNS = [("feed", "feed"), ("outlet", "outlet"), ("status", "status"), ("http", "http"), ("items", "items"),
           ("last_item", "last item (KST)"), ("encoding", "encoding"), ("ms", "ms"), ("error", "error")]


def _label(source: FeedSource) -> str:
    if source.kind == "rss":
        return source.url or ""
    return f"{source.kind}: {source.query}" if source.query else (source.url or source.kind)


async def _check_one(fetcher: PoliteFetcher, config: Config, source: FeedSource) -> dict:
    row = {"feed": _label(source), "outlet": source.outlet or "", "kind": source.kind, "status": "error",
           "http": None, "items": None, "last_item": None, "encoding": None, "ms": 0, "error": None}
    try:
        fetch, entries = await poll_feed(fetcher, config, source, None, resolve_links=False)
    except ValueError as exc:            # e.g. a google_news / naver_api source with an empty query
        row["error"] = f"bad_source: {exc}"
        return row
    except Exception as exc:             # a parser bug must not hide the other feeds
        row["error"] = f"parse_failed: {type(exc).__name__}: {exc}"[:200]
        return row
    dates = [e.published_at for e in entries if e.published_at]
    last = max(dates) if dates else None
    status = {"ok": "ok" if entries else "empty", "skipped": "skipped"}.get(fetch.status, "error")
    row.update(status=status, http=fetch.http_status, ms=fetch.elapsed_ms, items=fetch.entries if status != "error" else None,
               encoding=fetch.encoding, error=(fetch.error or "")[:200] or None,
               last_item=last.astimezone(KST).strftime("%Y-%m-%d %H:%M") if last else None)
    return row


async def check_sources_async(config: Config) -> list[dict]:
    async with PoliteFetcher(config.fetch) as fetcher:
        return list(await asyncio.gather(*(_check_one(fetcher, config, s) for s in config.feeds)))


def check_sources(config: Config) -> list[dict]:
    """One fetch per configured feed, concurrently within the polite bounds; rows in config order."""
    return asyncio.run(check_sources_async(config))


# --- printing ------------------------------------------------------------------------------------------

def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _cut(s: str, limit: int) -> str:
    if _width(s) <= limit:
        return s
    out, w = "", 0
    for ch in s:
        cw = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if w + cw > limit - 1:
            break
        out, w = out + ch, w + cw
    return out + "…"


def _cell(row: dict, key: str) -> str:
    v = row.get(key)
    if v is None or v == "":
        return "-"
    return str(v)


def format_sources_table(rows: list[dict], *, max_feed: int = 60, max_error: int = 60) -> str:
    """Plain fixed-width table (wide Hangul counted as two columns) plus a one-line summary."""
    limits = {"feed": max_feed, "error": max_error, "outlet": 16}
    cells = [[_cut(_cell(r, k), limits.get(k, 40)) for k, _ in COLUMNS] for r in rows]
    heads = [h for _, h in COLUMNS]
    widths = [max([_width(h)] + [_width(c[i]) for c in cells]) for i, h in enumerate(heads)]
    right = {"http", "items", "ms"}

    def line(values):
        parts = []
        for (key, _), v, w in zip(COLUMNS, values, widths):
            pad = " " * (w - _width(v))
            parts.append(pad + v if key in right else v + pad)
        return "  ".join(parts).rstrip()

    out = [line(heads), line(["-" * w for w in widths])]
    out += [line(c) for c in cells]
    out.append(summary_line(rows))
    return "\n".join(out)


def summary_line(rows: list[dict]) -> str:
    n = {s: sum(1 for r in rows if r["status"] == s) for s in ("ok", "empty", "error", "skipped")}
    items = sum(r["items"] or 0 for r in rows)
    return (f"{len(rows)} feeds: {n['ok']} ok, {n['empty']} empty, {n['error']} error, {n['skipped']} skipped; "
            f"{items} items")


def print_sources_table(rows: list[dict], file=None) -> None:
    file = file or sys.stdout
    if getattr(file, "isatty", lambda: False)():
        from rich.console import Console
        from rich.table import Table
        table = Table(show_lines=False, header_style="bold")
        for key, head in COLUMNS:
            table.add_column(head, justify="right" if key in ("http", "items", "ms") else "left",
                             overflow="fold" if key in ("feed", "error") else "ellipsis")
        style = {"ok": "green", "empty": "yellow", "error": "red", "skipped": "dim"}
        for r in rows:
            table.add_row(*[_cell(r, k) for k, _ in COLUMNS], style=style.get(r["status"]))
        console = Console(file=file)
        console.print(table)
        console.print(summary_line(rows))
        return
    print(format_sources_table(rows), file=file, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = check_sources(load_config(argv[0] if argv else None))
    print_sources_table(rows)
    return 0 if any(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
