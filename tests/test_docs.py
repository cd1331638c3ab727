"""The README is the manual (in the style of sqlite-utils' documentation tests): every `radar` command and
each of its options is in the command table, every row of that table is a real command, and every module
of the code is named in the layout table."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from radar.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = ("extractors", "warehouse", "flows", "radar", "reports")


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def cli_commands() -> dict[str, set[str]]:
    """'sources check' -> {'--sources'} for every command the CLI has."""
    def walk(command, path: list[str]):           # typer's own (vendored) click objects
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            options = {opt for p in command.params if p.param_type_name == "option" for opt in p.opts}
            yield " ".join(path), options - {"--help"}
    return dict(walk(typer.main.get_command(app), []))


def readme_commands() -> dict[str, set[str]]:
    """'sql' -> {'--db', '--json'} for every row of the README's command table."""
    rows = {}
    for usage in re.findall(r"^\| `radar ([^`]+)` \|", section("Commands"), re.M):
        words = usage.split()
        name = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break                      # arguments are written in capitals or quotes, options with --
            name.append(word)
        rows[" ".join(name)] = set(re.findall(r"--[a-z][a-z-]*", usage))
    return rows


CLI = cli_commands()
DOCUMENTED = readme_commands()


@pytest.mark.parametrize("command", sorted(CLI))
def test_every_command_is_in_the_readme_with_its_options(command):
    assert command in DOCUMENTED, f"`radar {command}` has no row in the README's command table"
    assert DOCUMENTED[command] == CLI[command], f"`radar {command}`: README lists {sorted(DOCUMENTED[command])}, " \
                                                f"the CLI has {sorted(CLI[command])}"


def test_every_row_of_the_command_table_is_a_real_command():
    assert set(DOCUMENTED) - set(CLI) == set()
    assert len(DOCUMENTED) >= 16


def test_every_module_is_in_the_layout_table():
    table = section("Layout")
    named = set(re.findall(r"`([\w/]+\.py)`", table))
    modules = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py")
               if p.name != "__init__.py"} | {"settings.py"}
    assert modules - named == set(), "modules missing from the README's layout table"
    assert {m for m in named if not (ROOT / m).exists()} == set(), "the layout table names modules that do not exist"
