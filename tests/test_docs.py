"""The README and docs/ point only at things a fresh clone of the repository has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # markdown links: [text](target)
CODE_PATH = re.compile(r"`((?:\.\./|bot/|cogs/|fakecord/|bench/|data/|docs/|tests/)[^`\s]*)`")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_nothing_outside_the_repository_is_referred_to(page: Path) -> None:
    assert "../" not in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_linked_or_named_path_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not t.startswith(("http", "#", "mailto:"))]
    targets += [t for t in CODE_PATH.findall(text) if "<" not in t]  # not data/films/<id>.toml
    missing = [t for t in targets if not (page.parent / t.split("#")[0]).exists()]
    missing = [t for t in missing if not (REPO / t.split("#")[0]).exists()]
    assert missing == [], f"{page.name} refers to paths a clone does not have"


def test_the_architecture_page_is_linked_from_the_readme() -> None:
    assert "(docs/architecture.md)" in (REPO / "README.md").read_text(encoding="utf-8")
