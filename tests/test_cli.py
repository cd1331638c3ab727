"""The command line as a user types it (subprocesses of `python -m radar.cli`, real files and servers)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def radar(*args, input: str | None = None, timeout: int = 300, cwd: Path = REPO):
    return subprocess.run([sys.executable, "-m", "radar.cli", *args], cwd=cwd, input=input,
                           capture_output=True, text=True, timeout=timeout)


def count(output: str, label: str) -> int:
    match = re.search(rf"^\s*{label}\s+(\d+)", output, re.M)
    assert match, f"no '{label}' line in:\n{output}"
    return int(match.group(1))


@pytest.mark.slow
def test_demo_twice_then_sql(tmp_path, demo_manifest):
    db = tmp_path / "radar.duckdb"
    first = radar("demo", "--db", str(db))
    assert first.returncode == 0, first.stderr[-3000:]
    pages = len(demo_manifest.pages)
    alliance = sum(1 for p in demo_manifest.pages if p.is_alliance)
    stories = len({p.story for p in demo_manifest.pages if p.is_alliance})
    assert count(first.stdout, "feeds polled") == len(demo_manifest.feeds)
    assert count(first.stdout, "pages fetched") == pages
    assert count(first.stdout, "articles stored") == pages
    assert count(first.stdout, "alliance kept") == alliance
    assert count(first.stdout, "new stories") == stories
    assert count(first.stdout, "alerts sent") == stories          # the run-log channel, one per story

    second = radar("demo", "--db", str(db))
    assert second.returncode == 0, second.stderr[-3000:]
    assert count(second.stdout, "articles stored") == 0
    assert count(second.stdout, "alerts sent") == 0
    assert count(second.stdout, "new stories") == 0
    assert f"report: {tmp_path / 'report.html'} (" in second.stdout      # written and named even when nothing changed

    news = radar("sql", "select title, outlet, published_at, organisations, score from alliance_news", "--db", str(db),
                 "--json")
    assert news.returncode == 0, news.stderr
    rows = json.loads(news.stdout)
    assert len(rows) == alliance
    assert {p.title for p in demo_manifest.pages if p.is_alliance} == {r["title"] for r in rows}
    assert all(r["published_at"].endswith("+09:00") for r in rows)   # shown in Korea time
    table = radar("sql", "select count(*) as n from articles", "--db", str(db))
    assert table.returncode == 0 and str(pages) in table.stdout


def test_sql_without_a_database_is_one_line_exit_2(tmp_path):
    result = radar("sql", "select 1", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"radar: no database at {tmp_path / 'none.duckdb'} — run `radar demo` or `radar run` first"]


def test_extract_json_contract(tmp_path, demo_manifest):
    page = next(p for p in demo_manifest.pages if p.layout.startswith("ndsoft"))
    path = tmp_path / "page.html"
    path.write_bytes(demo_manifest.page_bytes(page, "http://127.0.0.1:1"))
    result = radar("extract", str(path), "--url", "https://www.techpress.example" + page.link, "--json")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert set(article) >= {"url", "canonical_url", "outlet", "title", "authors", "published_at", "language", "body"}
    assert article["title"] == page.title and article["outlet"] == page.outlet
    assert article["published_at"] == page.published_at.isoformat()
    assert "utm_" not in article["canonical_url"]
    assert all(junk not in article["body"] for junk in page.boilerplate)
    assert "\n\n" in article["body"]


def test_extract_refuses_a_loopback_url_by_default(corpus_server):
    page = corpus_server.manifest.pages[0]
    result = radar("extract", corpus_server.url(page.link), "--json", timeout=60)
    assert result.returncode == 1
    assert "private, loopback or link-local address" in result.stderr      # one line that says what to do
    assert f'add "127.0.0.1:{corpus_server.port}" to [fetch] allow_private_hosts' in result.stderr
    assert "Traceback" not in result.stderr


def test_classify_jsonl_contract_with_a_bad_line():
    lines = [
        {"id": "a", "title": "KT·LG유플러스, AI 데이터센터 공동 구축 업무협약",
         "text": "KT와 LG유플러스는 12일 인공지능(AI) 데이터센터를 함께 짓고 AI 반도체 실증에 협력하는 업무협약을 맺었다고 밝혔다.",
         "published_at": "2026-11-13"},
        "this is not json",
        {"id": "c", "title": "한미 국방장관, 동맹 강화 논의", "text": "양국 국방장관은 한미동맹의 억제력 강화 방안을 논의했다."},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    result = radar("classify", input=stdin, timeout=120)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert set(out[0]) == {"id", "is_alliance", "score", "orgs", "alliance", "event", "event_date", "evidence"}
    assert out[0]["is_alliance"] is True and {"KT", "LG유플러스"} <= set(out[0]["orgs"])
    assert out[0]["event"] == "mou" and out[0]["event_date"] == "2026-11-12"
    assert "error" in out[1]
    assert out[2]["id"] == "c" and out[2]["is_alliance"] is False
