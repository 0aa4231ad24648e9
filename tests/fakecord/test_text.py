"""Plain-text rendering of messages, embeds, components and Discord timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fakecord import format_timestamp, render_content, render_message
from fakecord.state import World
from fakecord.text import render_modal

TS = 1748588400  # 2025-05-30 07:00:00 UTC, a Friday


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("t", "07:00 UTC"),
        ("T", "07:00:00 UTC"),
        ("d", "30/05/2025"),
        ("D", "30 May 2025"),
        ("f", "30 May 2025 07:00 UTC"),
        ("F", "Friday, 30 May 2025 07:00 UTC"),
        (None, "30 May 2025 07:00 UTC"),
    ],
)
def test_timestamp_styles(style: str | None, expected: str) -> None:
    assert format_timestamp(TS, style) == expected


def test_relative_timestamps() -> None:
    now = datetime(2025, 5, 30, 4, 0, tzinfo=UTC)
    assert render_content(f"<t:{TS}:R>", now=now) == "in 3 hours"
    later = datetime(2025, 6, 1, 7, 0, tzinfo=UTC)
    assert render_content(f"<t:{TS}:R>", now=later) == "2 days ago"


def test_content_timestamps_and_unknown_mentions() -> None:
    text = render_content(f"Starts <t:{TS}:F> for <@123> in <#456>")
    assert text == "Starts Friday, 30 May 2025 07:00 UTC for <@123> in <#456>"


def test_mentions_resolved_through_the_world() -> None:
    world = World()
    guild = world.add_guild("Movie Night")
    general = world.add_channel(guild.id, "general")
    ada = world.add_user("Ada")
    world.add_member(guild.id, ada, nick="Ada L.")
    role = world.add_role(guild.id, "Film Club")
    payload = {
        "content": f"<@{ada.id}> <@&{role.id}> see <#{general.id}>",
        "guild_id": str(guild.id),
    }
    assert render_message(payload, world=world) == "@Ada L. @Film Club see #general"


def test_full_message_rendering() -> None:
    payload = {
        "content": "Tonight's film",
        "embeds": [
            {
                "title": "Lost in Starlight",
                "description": "Two astronomers.\nOne comet.",
                "fields": [
                    {"name": "Premiere", "value": f"<t:{TS}:F>"},
                    {"name": "Cast", "value": "Kim\nPark"},
                ],
                "footer": {"text": "TMDB"},
                "timestamp": "2025-05-30T07:00:00+00:00",
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 3, "label": "Going", "custom_id": "g"},
                    {"type": 2, "style": 2, "label": "Maybe", "custom_id": "m", "disabled": True},
                    {"type": 2, "style": 5, "label": "Trailer", "url": "https://example.com"},
                ],
            }
        ],
        "attachments": [{"filename": "poster.png"}],
        "flags": 64,
    }
    assert render_message(payload) == "\n".join(
        [
            "Tonight's film",
            "| **Lost in Starlight**",
            "| Two astronomers.",
            "| One comet.",
            "| Premiere: Friday, 30 May 2025 07:00 UTC",
            "| Cast:",
            "|   Kim",
            "|   Park",
            "| -- TMDB · 2025-05-30 07:00 UTC",
            "[Going] [Maybe (disabled)] [Trailer ->]",
            "attachment: poster.png",
            "(only you can see this)",
        ]
    )


def test_components_v2_and_selects() -> None:
    payload = {
        "flags": 1 << 15,
        "components": [
            {
                "type": 17,
                "components": [
                    {"type": 10, "content": "## Premiere"},
                    {"type": 14},
                    {
                        "type": 1,
                        "components": [{"type": 3, "custom_id": "z", "placeholder": "Zone"}],
                    },
                ],
            },
        ],
    }
    assert render_message(payload) == "| ## Premiere\n| --------------------\n| [v Zone]"


def test_empty_message() -> None:
    assert render_message({"content": ""}) == "(empty message)"


def test_modal_with_labels_and_action_rows() -> None:
    modal = {
        "title": "Film feedback",
        "custom_id": "fb",
        "components": [
            {"type": 18, "label": "Rating", "component": {"type": 4, "custom_id": "rating"}},
            {
                "type": 1,
                "components": [
                    {"type": 4, "custom_id": "notes", "label": "Notes", "required": False}
                ],
            },
        ],
    }
    assert render_modal(modal) == "form: Film feedback\n  rating: Rating (required)\n  notes: Notes"
