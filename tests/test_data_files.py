"""Every bundled film file in data/films/ is valid, and every source can be traced."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.storage.films import parse_film_bytes, validate_dir

FILMS = Path(__file__).resolve().parents[1] / "data" / "films"
FILES = sorted(FILMS.glob("*.toml"))


def test_there_are_bundled_films():
    assert FILES, f"no film files in {FILMS}"


def test_every_bundled_file_is_valid():
    assert validate_dir(FILMS).bad == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_header_points_to_where_the_format_is_documented(path):
    header = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    modules = {m for line in header for m in re.findall(r"bot/[\w/]+\.py", line)}
    assert modules, "the header should name the module that documents the format"
    for module in modules:
        docstring = ast.get_docstring(ast.parse((FILMS.parents[1] / module).read_text()))
        assert docstring and "A film file" in docstring, f"{module} does not document the format"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_source_is_traceable_and_used(path):
    film = parse_film_bytes(path.read_bytes(), str(path))
    assert film.id == path.stem
    for source in film.sources:
        assert source.url or source.ref, f"{source.key}: give a url or a ref"
    used = {
        key
        for claims in (
            film.titles,
            film.synopsis,
            film.releases,
            film.runtime,
            film.people,
            film.characters,
            film.directors,
            film.writers,
            film.cast,
            film.genres,
            film.setting,
            film.facts,
            film.quotes,
        )
        for claim in claims
        for key in claim.sources
    }
    used |= {key for p in (*film.people, *film.characters) for v in p.variants for key in v.sources}
    assert {s.key for s in film.sources} <= used, "a declared source backs no fact"


def test_seed_film_keeps_both_writer_claims():
    film = parse_film_bytes((FILMS / "lost-in-starlight.toml").read_bytes(), "seed")
    assert len({frozenset(c.people) for c in film.writers}) == 2
