"""`radar backfill`: a URL file, a sitemap, through the same page stage as `monitor`; a backfill killed
mid-run (SIGKILL, the whole process group) resumes without fetching again what it had loaded."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractors.sitemaps import SitemapError, parse_sitemap
from flows.backfill import backfill, read_url_file
from radar.synthetic_news import SiteServer, SyntheticSites
from settings import ConfigError
from warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
PAGES = 120


def article_urls(db: Path) -> list[str]:
    _, rows = Warehouse(db).query("select url from article_urls order by url")
    return [r[0] for r in rows]


def page_paths(server: SiteServer, since: int) -> list[str]:
    return [path for _, _, _, kind, path in server.log[since:] if kind == "page"]


def test_a_url_file_with_a_bad_line_is_a_clear_error_naming_the_line(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("# 백필 목록\nhttps://news.example/a\n\nnot a url\nhttps://news.example/a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 4"):
        read_url_file(path)
    path.write_text("# 백필 목록\nhttps://news.example/a\n\nhttps://news.example/b\nhttps://news.example/a\n")
    assert read_url_file(path) == ["https://news.example/a", "https://news.example/b"]


def test_sitemaps_are_read_plain_gzipped_and_as_an_index():
    import gzip
    urlset = ("<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
              "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
              "<url><loc>https://news.example/1</loc><news:news><news:publication_date>2026-09-01T09:00:00+09:00"
              "</news:publication_date><news:title>AI 동맹 출범</news:title></news:news></url>"
              "<url><loc>https://news.example/2</loc><lastmod>2026-08-30</lastmod></url>"
              "<url><loc>https://news.example/1</loc></url></urlset>").encode()
    for data in (urlset, gzip.compress(urlset)):
        sitemap = parse_sitemap(data)
        assert sitemap.kind == "urlset"
        assert [e.url for e in sitemap.entries] == ["https://news.example/1", "https://news.example/2"]
        assert sitemap.entries[0].title == "AI 동맹 출범"
        assert sitemap.entries[0].published_at.isoformat().startswith("2026-09-01T")
    index = parse_sitemap(b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                          b"<sitemap><loc>https://news.example/s1.xml</loc></sitemap></sitemapindex>")
    assert index.kind == "sitemapindex" and index.entries[0].url == "https://news.example/s1.xml"
    with pytest.raises(SitemapError):
        parse_sitemap(b"<html><body>not a sitemap</body></html>")


@pytest.mark.slow
def test_a_killed_backfill_resumes_without_fetching_again_what_it_loaded(tmp_path):
    sites = SyntheticSites(PAGES, 6, 3, seed=11)
    with SiteServer(sites) as server:
        sources = tmp_path / "sources.toml"
        # slow enough to be killed midway: 3 hosts, 0.15 s between requests to one host (~20 pages/s)
        sources.write_text(server.sources_toml(per_host_interval=0.15, per_host_concurrency=1,
                                               extra="pages_per_batch = 10"), encoding="utf-8")
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(sites.url(i, server.port) for i in range(PAGES)) + "\n", encoding="utf-8")
        db = tmp_path / "radar.duckdb"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "radar.cli", "backfill", "--urls", str(urls),
                                 "--sources", str(sources), "--db", str(db), "--workers", "1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while server.counts["page"] < PAGES // 2 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-3000:]
            os.killpg(proc.pid, signal.SIGKILL)         # the flow and Prefect's server with it
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
            proc.stdout.close()
        first_requests = server.counts["page"]
        assert 0 < first_requests < PAGES
        listed = set(read_url_file(urls))
        loaded = [u for u in article_urls(db) if u in listed]
        assert loaded, "nothing was committed before the kill"
        assert len(loaded) < PAGES

        mark = len(server.log)
        counts = backfill(urls_file=str(urls), sources_path=str(sources), db_path=str(db), workers=1)
        again = page_paths(server, mark)

    final = [u for u in article_urls(db) if u in listed]
    assert len(final) == len(set(final)) == PAGES                  # every page loaded, once
    _, rows = Warehouse(db).query("select count(*) from articles")
    assert rows[0][0] == PAGES
    assert not {u.split(f":{server.port}", 1)[1] for u in loaded} & set(again)   # nothing loaded was refetched
    assert len(again) == PAGES - counts["pages_known"] <= PAGES - len(loaded)
    assert len(again) + first_requests >= PAGES
    staging = db.with_name(db.name + ".staging")
    assert not list(staging.glob("**/*.parquet"))
