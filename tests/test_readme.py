"""The README is what a newcomer and an operator read first: it must match the code."""

from __future__ import annotations

import re
from pathlib import Path

from blog.config import DEFAULTS, PLAIN_ENV

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _documented() -> set[str]:
    """Setting names in the first column of the README's configuration tables."""
    names: set[str] = set()
    for line in README.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_operator_finds_every_setting_in_the_readme():
    missing = sorted(set(DEFAULTS) - _documented())
    assert not missing, f"add these settings of blog/config.py to the README's tables: {missing}"


def test_plain_environment_names_are_marked_env_in_the_readme():
    unmarked = []
    for name in PLAIN_ENV:
        rows = [line for line in README.splitlines() if line.startswith("| ") and f"`{name}`" in line.split("|")[1]]
        if not any("(**env**)" in row for row in rows):
            unmarked.append(name)
    assert not unmarked, f"mark these as (**env**) in the README: {unmarked}"


def test_quickstart_has_exactly_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)
    assert [block.strip() for block in commands] == ["make run", "make test"]


def test_readme_screenshots_exist():
    for image in re.findall(r"\]\((docs/screenshots/[^)]+)\)", README):
        assert (ROOT / image).is_file(), image
