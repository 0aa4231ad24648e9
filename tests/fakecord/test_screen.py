"""What the sandbox shows of Discord: times in the reader's zone, DMs, attachments, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import discord

from tests.fakecord.sandbox_helpers import Demo, repl, zones

SEOUL = ZoneInfo("Asia/Seoul")


async def test_times_show_in_the_acting_members_zone(demo: Demo) -> None:
    out = await repl(
        demo, "/film info lost in starlight", "as Bruno", viewer_zone=zones(demo, Ada=SEOUL)
    )
    assert "| Premiere: Friday, 30 May 2025 16:00 KST" in out
    assert "Times are in UTC" not in out


async def test_times_are_utc_without_a_zone_and_it_is_said_once(demo: Demo) -> None:
    out = await repl(
        demo,
        "/film info lost in starlight",
        "/film info lost in starlight",
        user="Bruno",
        viewer_zone=zones(demo, Ada=SEOUL),
    )
    assert out.count("| Premiere: Friday, 30 May 2025 07:00 UTC") == 2
    assert out.count("(Times are in UTC: no time zone known for Bruno.)") == 1


async def test_a_zone_set_during_the_session_is_used_from_the_next_line(demo: Demo) -> None:
    known: dict[int, tzinfo] = {}

    async def zone_of(user_id: int) -> tzinfo | None:
        return known.get(user_id)

    async def lines() -> AsyncIterator[str]:
        yield "/film info lost in starlight"
        known[demo[1].members["Ada"]] = SEOUL  # as if the bot stored /timezone set Seoul
        yield "who"
        yield "/film info lost in starlight"

    out = await repl(demo, source=lines(), viewer_zone=zone_of)
    first, second = out.split("Members:")
    assert "07:00 UTC" in first and "16:00 KST" in second


async def test_dms_show_as_their_recipient_sees_them(demo: Demo) -> None:
    out = await repl(demo, "/whisper", "dms", "as Bruno", "dms", viewer_zone=zones(demo, Ada=SEOUL))
    assert "[DM to Ada] watchparty-bot:\n  Psst: the premiere is at 16:00 KST" in out
    assert "DMs to Ada, last 1:\nwatchparty-bot:\n  Psst: the premiere is at 16:00 KST" in out
    assert "Check your DMs" in out
    assert "The bot hasn't sent Bruno a DM yet." in out


async def test_text_attachments_show_their_text(demo: Demo) -> None:
    out = await repl(demo, "/film calendar", "/film poster")
    assert "attachment: film.ics (" in out
    assert "  BEGIN:VCALENDAR\n  SUMMARY:Lost in Starlight\n  END:VCALENDAR" in out
    assert "attachment: poster.png (application/octet-stream, 9 bytes)" in out


async def test_scheduled_events_are_shown_as_they_change(demo: Demo) -> None:
    fake, world, bot = demo
    guild = bot.get_guild(world.guild_id)
    assert guild is not None
    start = datetime(2030, 5, 30, 11, 0, tzinfo=UTC)

    async def lines() -> AsyncIterator[str]:
        yield "events"
        event = await guild.create_scheduled_event(
            name="Film night",
            start_time=start,
            entity_type=discord.EntityType.voice,
            channel=discord.Object(world.voice_id),
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        yield "events"
        await event.edit(name="Film night, later", start_time=start + timedelta(hours=1))
        await event.delete()
        await fake.wait_until(lambda: not fake.scheduled_events(world.guild_id))
        yield "quit"

    out = await repl(demo, source=lines(), viewer_zone=zones(demo, Ada=SEOUL))
    assert "No scheduled events in Movie Night." in out
    assert (
        "[event created] **Film night**\n  Thursday, 30 May 2030 20:00 KST, in #Watch Party" in out
    )
    assert "Scheduled events in Movie Night:\n  **Film night**\n    Thursday, 30 May 2030" in out
    assert "[event updated] **Film night, later**\n  Thursday, 30 May 2030 21:00 KST" in out
    assert "[event deleted] **Film night, later**" in out


async def test_scheduled_posts_are_shown_as_they_arrive(demo: Demo) -> None:
    fake, world, bot = demo

    async def lines() -> AsyncIterator[str]:
        yield "who"
        await bot.get_channel(world.general_id).send("<@&1> Lost in Starlight starts now!")
        await fake.wait_for_message(world.general_id, origin="channel")
        yield "quit"

    text = await repl(demo, user="Bruno", source=lines())
    assert "Members: Ada, Bruno, Chiara, Dae-jung, Mina (you are Bruno)" in text
    assert "[#general] watchparty-bot:\n  <@&1> Lost in Starlight starts now!" in text
