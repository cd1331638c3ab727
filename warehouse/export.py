"""Parquet export: every table under ``DIR/<table>/``, the article tables partitioned by published month.

Other engines read it (DuckDB, pandas, polars, DuckLake, MotherDuck: see warehouse/README.md).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .connection import version_of
from .rows import utcnow


def _sql_literal(p: Path) -> str:
    return str(p).replace("'", "''")


def export_parquet(con, out_dir: str | os.PathLike, *, include_raw: bool = False) -> dict:
    """Write every table as Parquet under ``out_dir/<table>/``; article-related tables are
    partitioned by published month (``published_month=YYYY-MM``, 'unknown' when undated).
    Over a read-only connection: the flow can keep loading meanwhile. Returns rows written per table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    month_of_article = ("coalesce((SELECT strftime(a.published_date, '%Y-%m') FROM articles a "
                        "WHERE a.article_id = t.article_id), 'unknown')")
    specs = {
        "articles": ("SELECT t.*, coalesce(strftime(t.published_date, '%Y-%m'), 'unknown') AS published_month "
                     "FROM articles t", True),
        "article_orgs": (f"SELECT t.*, {month_of_article} AS published_month FROM article_orgs t", True),
        "article_events": (f"SELECT t.*, {month_of_article} AS published_month FROM article_events t", True),
        "event_orgs": (f"SELECT t.*, {month_of_article} AS published_month FROM event_orgs t", True),
        "article_versions": (f"SELECT t.*, {month_of_article} AS published_month FROM article_versions t", True),
        "story_articles": (f"SELECT t.*, {month_of_article} AS published_month FROM story_articles t", True),
        "stories": ("SELECT t.*, coalesce((SELECT strftime(a.published_date, '%Y-%m') FROM articles a "
                    "WHERE a.article_id = t.lead_article_id), 'unknown') AS published_month FROM stories t", True),
        "article_urls": ("SELECT * FROM article_urls", False),
        "organisations": ("SELECT * FROM organisations", False),
        "alerts": ("SELECT * FROM alerts", False),
        "alert_channels": ("SELECT * FROM alert_channels", False),
        "sources": ("SELECT * FROM sources", False),
        "fetch_log": ("SELECT * FROM fetch_log", False),
        "runs": ("SELECT * FROM runs", False),
        "schema_version": ("SELECT * FROM schema_version", False),
    }
    if include_raw:
        specs["raw_pages"] = (f"SELECT t.*, {month_of_article} AS published_month FROM raw_pages t", True)
    counts = {}
    for table, (sql, partitioned) in specs.items():
        target = out / table
        n = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
        if partitioned:
            con.execute(f"COPY ({sql}) TO '{_sql_literal(target)}' "
                        f"(FORMAT parquet, PARTITION_BY (published_month), OVERWRITE true)")
        else:
            target.mkdir(parents=True, exist_ok=True)
            for old in target.glob("*.parquet"):
                old.unlink()
            con.execute(f"COPY ({sql}) TO '{_sql_literal(target / 'data.parquet')}' (FORMAT parquet)")
        counts[table] = int(n)
    version = version_of(con)[0]
    (out / "_export.json").write_text(json.dumps(
        {"schema_version": version, "exported_at": utcnow().isoformat(), "rows": counts,
         "partitioned_by": "published_month"}, indent=2), encoding="utf-8")
    return counts
