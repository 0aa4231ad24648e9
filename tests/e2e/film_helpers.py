"""Film files for the /film end-to-end tests: the seed film plus made-up ones, and embed checks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_FILMS_DIR

SEED = "lost-in-starlight"
#: 30 May 2025 00:00 America/Los_Angeles = 07:00 UTC, as a Discord timestamp.
RELEASE_STAMP = "<t:1748588400:F>"


def films_dir(tmp_path: Path, *files: tuple[str, str], seed: bool = True) -> Path:
    """A films folder with the seed film (unless ``seed=False``) and ``(film_id, toml)`` files."""
    folder = tmp_path / "films"
    folder.mkdir(exist_ok=True)
    if seed:
        shutil.copy(DEFAULT_FILMS_DIR / f"{SEED}.toml", folder / f"{SEED}.toml")
    for film_id, text in files:
        (folder / f"{film_id}.toml").write_text(text, encoding="utf-8")
    return folder


def q(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def minimal_film(film_id: str, title: str, *aliases: str) -> str:
    """A film with one source and its titles only: everything else unknown."""
    lines = [f"id = {q(film_id)}", "", "[sources.s]", 'title = "A test source"', ""]
    for text, kind in [(title, "english"), *((a, "alias") for a in aliases)]:
        lines += ["[[titles]]", f"text = {q(text)}", f"kind = {q(kind)}", 'sources = ["s"]', ""]
    return "\n".join(lines)


def rolling_film(film_id: str, title: str, day: str) -> str:
    """A film that comes out at local midnight on ``day`` in each viewer's own zone."""
    return minimal_film(film_id, title) + "\n".join(
        [
            "",
            "[[releases]]",
            'platform = "Cinema Club"',
            'regions = ["KR", "GB", "US"]',
            'model = "local_midnight"',
            f"date = {day}",
            'sources = ["s"]',
            "",
        ]
    )


def country_release(
    kind: str, country: str, day: str, platform: str = "Cinemas", rated: str = ""
) -> str:
    """A ``[[releases]]`` table as TMDB gives them: one country's date of one kind (00:00 on
    ``day`` in each viewer's zone), with its age rating if ``rated``."""
    lines = ["", "[[releases]]", f"platform = {q(platform)}", f"regions = [{q(country)}]"]
    lines += ['model = "local_midnight"', f"date = {day}", f"kind = {q(kind)}", 'sources = ["s"]']
    return "\n".join(lines + ([f"certification = {q(rated)}"] if rated else []) + [""])


def huge_film(film_id: str = "the-everything-film") -> str:
    """A film with far more than one embed can hold: long texts, 40 sources, 60 cast members."""
    long = "A very long synopsis sentence that keeps going. " * 120  # ~5,900 characters
    lines = [f"id = {q(film_id)}", ""]
    for n in range(40):
        lines += [
            f"[sources.s{n}]",
            f"title = {q(f'Source number {n} with a rather long headline about the film ' * 2)}",
            f"url = {q(f'https://example.com/articles/{n}/' + 'x' * 120)}",
            "",
        ]
    every = "[" + ", ".join(q(f"s{n}") for n in range(40)) + "]"
    lines += [
        "[[titles]]",
        'text = "The Everything Film"',
        'kind = "english"',
        f"sources = {every}",
    ]
    for n in range(30):
        lines += ["", "[[titles]]", f"text = {q(f'Everything Alias {n} ' + 'y' * 60)}"]
        lines += ['kind = "alias"', 'sources = ["s0"]']
    lines += ["", "[[synopsis]]", f"text = {q(long)}", f"sources = {every}", ""]
    for n in range(60):
        lines += [
            f"[people.p{n}]",
            f"name = {q(f'Person Number {n} Longname')}",
            'sources = ["s1"]',
        ]
        lines += [f"[characters.c{n}]", f"name = {q(f'Character {n} ' + 'z' * 40)}"]
        lines += ['sources = ["s1"]', ""]
    people = "[" + ", ".join(q(f"p{n}") for n in range(30)) + "]"
    for key in ("directors", "writers"):
        lines += [f"[[{key}]]", f"people = {people}", f"sources = {every}", ""]
        lines += [f"[[{key}]]", 'people = ["p0"]', 'sources = ["s2"]', ""]
    for n in range(60):
        lines += ["[[cast]]", f"person = {q(f'p{n}')}", f"character = {q(f'c{n}')}"]
        lines += ['role = "voice"', f"sources = {every}", ""]
    for n in range(5):
        lines += ["[[releases]]", f"platform = {q(f'Platform {n}')}", 'regions = ["worldwide"]']
        lines += ['model = "global"', "date = 2025-06-01", "time = 20:00:00"]
        lines += ['zone = "Asia/Seoul"', f"sources = {every}", ""]
    lines += ["[[runtime]]", "minutes = 241", f"sources = {every}", ""]
    return "\n".join(lines)


# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-limits).
def assert_embed_within_limits(embed: dict[str, Any]) -> None:
    title = embed.get("title", "")
    description = embed.get("description", "")
    fields = embed.get("fields", [])
    footer = embed.get("footer", {}).get("text", "")
    author = embed.get("author", {}).get("name", "")
    assert len(title) <= 256
    assert len(description) <= 4096
    assert len(fields) <= 25
    for f in fields:
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024, f
    assert len(footer) <= 2048 and len(author) <= 256
    total = len(title) + len(description) + len(footer) + len(author)
    total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000


def fields(embed: dict[str, Any]) -> dict[str, str]:
    """Field values by name (repeated names joined by newlines)."""
    out: dict[str, str] = {}
    for f in embed.get("fields", []):
        out[f["name"]] = f"{out[f['name']]}\n{f['value']}" if f["name"] in out else f["value"]
    return out
