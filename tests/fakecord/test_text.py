"""Plain-text rendering of messages, embeds, components and Discord timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fakecord import ChannelType, FileRecord, format_timestamp, render_content, render_message
from fakecord.state import World
from fakecord.text import ATTACHMENT_LINES, render_event, render_modal

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


@pytest.mark.parametrize(
    ("zone", "style", "expected"),
    [
        ("Asia/Seoul", "F", "Friday, 30 May 2025 16:00 KST"),
        ("Asia/Seoul", "t", "16:00 KST"),
        ("America/Los_Angeles", "f", "30 May 2025 00:00 PDT"),
        ("America/Sao_Paulo", "t", "04:00 UTC-03"),  # a zone without an abbreviation
        ("Pacific/Kiritimati", "D", "30 May 2025"),  # dates follow the zone too
    ],
)
def test_timestamps_in_the_viewers_zone(zone: str, style: str, expected: str) -> None:
    assert format_timestamp(TS, style, tz=ZoneInfo(zone)) == expected


def test_embed_timestamps_in_the_viewers_zone() -> None:
    payload = {
        "embeds": [
            {
                "fields": [{"name": "Starts", "value": f"<t:{TS}:t>"}],
                "footer": {"text": "Party #1"},
                "timestamp": "2025-05-30T07:00:00+00:00",
            }
        ]
    }
    assert render_message(payload, tz=ZoneInfo("Europe/Berlin")) == (
        "| Starts: 09:00 CEST\n| -- Party #1 · 2025-05-30 09:00 CEST"
    )


def _world_with_upload(data: bytes, filename: str) -> tuple[World, dict[str, object]]:
    world = World()
    att_id = world.ids.next()
    world.attachment_files[att_id] = FileRecord("files[0]", filename, None, data)
    return world, {"id": str(att_id), "filename": filename, "size": len(data)}


def test_text_attachments_show_their_text() -> None:
    ics = b"BEGIN:VCALENDAR\r\nSUMMARY:Lost in Starlight\r\nEND:VCALENDAR\r\n"
    world, attachment = _world_with_upload(ics, "watchparty-1.ics")
    assert render_message({"attachments": [attachment]}, world=world) == "\n".join(
        [
            f"attachment: watchparty-1.ics ({len(ics)} bytes):",
            "  BEGIN:VCALENDAR",
            "  SUMMARY:Lost in Starlight",
            "  END:VCALENDAR",
        ]
    )


def test_long_text_attachments_are_cut_short() -> None:
    world, attachment = _world_with_upload(b"line\n" * (ATTACHMENT_LINES + 5), "log.txt")
    lines = render_message({"attachments": [attachment]}, world=world).splitlines()
    assert len(lines) == 1 + ATTACHMENT_LINES + 1
    assert lines[-1] == "  ... 5 more lines"


def test_other_attachments_show_name_type_and_size() -> None:
    world, attachment = _world_with_upload(b"\x89PNG\r\n\x1a\n" + bytes(2000), "poster.png")
    attachment["content_type"] = "image/png"
    text = render_message({"attachments": [attachment]}, world=world)
    assert text == "attachment: poster.png (image/png, 2,008 bytes)"


def test_scheduled_event_in_a_voice_channel() -> None:
    world = World()
    guild = world.add_guild("Movie Night")
    voice = world.add_channel(guild.id, "Watch Party", ChannelType.VOICE)
    event = {
        "name": "Lost in Starlight",
        "description": "Movie night!\nBring snacks.",
        "scheduled_start_time": "2025-05-30T07:00:00+00:00",
        "scheduled_end_time": None,
        "channel_id": str(voice.id),
        "status": 1,
    }
    assert render_event(event, world=world, tz=ZoneInfo("Asia/Seoul")) == "\n".join(
        [
            "**Lost in Starlight**",
            "  Friday, 30 May 2025 16:00 KST, in #Watch Party",
            "  Movie night!",
            "  Bring snacks.",
        ]
    )


def test_cancelled_external_event_with_an_end() -> None:
    event = {
        "name": "Lost in Starlight",
        "scheduled_start_time": "2025-05-30T07:00:00+00:00",
        "scheduled_end_time": "2025-05-30T08:36:00+00:00",
        "entity_metadata": {"location": "#general"},
        "status": 4,
    }
    assert render_event(event) == (
        "**Lost in Starlight** (cancelled)\n"
        "  Friday, 30 May 2025 07:00 UTC to Friday, 30 May 2025 08:36 UTC, in #general"
    )
