"""Reading a typed slash command against the registered schema."""

from __future__ import annotations

from typing import Any

import pytest

from fakecord.commandline import (
    ReplError,
    drivable,
    match_command,
    parse_options,
    split_named,
    usage,
)
from fakecord.interactions import ATTACHMENT, INTEGER, NUMBER, STRING
from fakecord.state import AppCommand


def command(*options: dict[str, Any]) -> AppCommand:
    return AppCommand(1, None, {"name": "party", "description": "d", "options": list(options)})


def option(name: str, kind: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": kind, **extra}


def test_usage_shows_a_numbers_bounds() -> None:
    path, _ = match_command(
        [
            command(
                option("id", INTEGER, required=True, min_value=1),
                option("seats", INTEGER, min_value=1, max_value=500),
                option("price", NUMBER, max_value=9.5),
                option("poster", ATTACHMENT),
            )
        ],
        "party",
    )
    # the fake can't upload files, so attachment options aren't offered
    assert usage(path) == (
        "/party id:<integer >= 1> [seats:<integer 1..500>] [price:<number <= 9.5>]"
    )


def test_a_required_attachment_makes_a_command_undrivable() -> None:
    path, _ = match_command([command(option("poster", ATTACHMENT, required=True))], "party")
    assert not drivable(path)


def test_free_text_and_named_options() -> None:
    path, rest = match_command(
        [command(option("title", STRING, required=True), option("seats", INTEGER))],
        "party Lost in Starlight seats: 4",
    )
    assert parse_options(path, rest) == {"title": "Lost in Starlight", "seats": "4"}
    with pytest.raises(ReplError, match="Missing title. Usage: /party title:<text>"):
        parse_options(path, "seats: 4")


def test_split_named_gives_the_free_text_and_each_names_value() -> None:
    text = "Lost in Starlight seats: 4  notes: bring snacks: lots"
    assert split_named(text, ["seats", "notes", "id"]) == (
        "Lost in Starlight",
        {"seats": "4", "notes": "bring snacks: lots"},
    )
    assert split_named("no names here", ["seats"]) == ("no names here", {})
