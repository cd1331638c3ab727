"""The sources file: what a user who edits it sees when it is wrong."""
import subprocess
import sys
from pathlib import Path

import pytest

from settings import ConfigError, load_config

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_feeds_and_settings(tmp_path):
    path = write(tmp_path, '''
[fetch]
allow_private_networks = true
per_host_interval = 0.2

[relevance]
threshold = 0.6

[[feeds]]
url = "http://127.0.0.1:8000/feed.xml"
outlet = "디지털데일리"

[[feeds]]
kind = "google_news"
query = "AI 동맹"
''')
    config = load_config(path)
    assert config.fetch.allow_private_networks is True
    assert config.fetch.per_host_interval == 0.2
    assert config.relevance.threshold == 0.6
    assert [f.kind for f in config.feeds] == ["rss", "google_news"]
    assert config.feeds[0].outlet == "디지털데일리"


@pytest.mark.parametrize("text, words", [
    ('[[feeds]]\nurl = "http://x/feed"\nlink = "y"\n', "unknown key 'link'"),
    ('[fetch]\nallow_private = true\n', "unknown key 'allow_private'"),
    ('[fetchh]\n', "unknown key 'fetchh'"),
    ('[[feeds]]\noutlet = "x"\n', "'url' is required"),
    ('[[feeds]]\nurl = "ftp://x/feed"\n', "is not http(s)"),
    ('[[feeds]]\nurl = "http://x/feed"\nkind = "atomz"\n', "kind 'atomz'"),
    ('[fetch]\nper_host_interval = "fast"\n', "must be a number"),
    ('[[feeds]\nurl = \n', "invalid TOML"),
    ('[execution]\nworker_start = "fork"\n', "'worker_start' in [execution] must be one of forkserver, spawn"),
])
def test_bad_file_names_the_problem(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert words in message
    assert str(path) in message
    assert "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="sources file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_bad_sources_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path, '[[feeds]]\nurl = "http://x/feed"\nbogus = 1\n')
    result = subprocess.run([sys.executable, "-m", "radar.cli", "run", "--sources", str(path),
                             "--db", str(tmp_path / "r.duckdb")], capture_output=True, text=True, cwd=REPO,
                            timeout=120)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"radar: {path}: unknown key 'bogus' in [feeds #1] (known: category, kind, outlet, query, url)"]
    assert not (tmp_path / "r.duckdb").exists()
