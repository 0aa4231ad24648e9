"""The sandbox terminal: typed slash commands, buttons, forms and meta commands."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fakecord import DemoWorld, FakeDiscord, build_demo_world, run_repl, running_bot
from tests.fakecord.minibot import MiniBot


@pytest.fixture
async def demo() -> AsyncIterator[tuple[FakeDiscord, DemoWorld, MiniBot]]:
    async with FakeDiscord() as fake:
        world = build_demo_world(fake)
        async with running_bot(fake, MiniBot()) as bot:
            await bot.tree.sync()
            yield fake, world, bot


async def repl(demo: tuple[FakeDiscord, DemoWorld, MiniBot], *lines: str) -> str:
    fake, world, _ = demo
    out: list[str] = []
    await run_repl(
        fake,
        guild_id=world.guild_id,
        channel_id=world.general_id,
        user_id=world.members["Ada"],
        lines=list(lines),
        write=out.append,
    )
    return "\n".join(out)


async def test_demo_world_shape(demo: tuple[FakeDiscord, DemoWorld, MiniBot]) -> None:
    fake, world, bot = demo
    guild = bot.get_guild(world.guild_id)
    assert guild is not None and guild.name == "Movie Night"
    assert {c.name for c in guild.channels} == {"general", "Watch Party", "announcements"}
    assert set(world.members) == {"Ada", "Bruno", "Chiara", "Dae-jung"}


async def test_free_text_goes_to_the_first_required_option_via_autocomplete(
    demo: tuple[FakeDiscord, DemoWorld, MiniBot],
) -> None:
    out = await repl(demo, "/film info lost in starlight")
    # "lost in starlight" matched the suggestion "Lost in Starlight" -> value lost-in-starlight
    assert "| **Lost in Starlight**" in out
    assert "| Premiere: Friday, 30 May 2025 07:00 UTC" in out


async def test_named_options_and_subcommand_groups(
    demo: tuple[FakeDiscord, DemoWorld, MiniBot],
) -> None:
    out = await repl(demo, "/film schedule add title: Lost in Starlight when: Fri 20:00 seats: 4")
    assert "Scheduled Lost in Starlight at Fri 20:00 (4 seats)" in out
    assert "(only you can see this)" in out


async def test_buttons_users_and_channel_view(demo: tuple[FakeDiscord, DemoWorld, MiniBot]) -> None:
    fake, world, bot = demo
    await bot.get_channel(world.general_id).send("Premiere ping: <t:1748588400:t>")
    out = await repl(
        demo,
        "/party Dune",
        "as bruno",
        "click going",
        "channel",
        "quit",
        "/film info never reached",
    )
    assert "[Going] [Maybe]" in out
    assert "You are now Bruno." in out
    assert "Watch party: Dune\nBruno is going" in out
    assert "Premiere ping: 07:00 UTC" in out  # channel view shows what the bot posted
    assert out.endswith("Bye!")


async def test_forms(demo: tuple[FakeDiscord, DemoWorld, MiniBot]) -> None:
    out = await repl(demo, "/feedback", "submit rating: 8 notes: loved it")
    assert "form: Film feedback" in out and "rating: Rating (required)" in out
    assert "Thanks! rating=8 notes=loved it" in out


async def test_bad_input_gets_helpful_lines(demo: tuple[FakeDiscord, DemoWorld, MiniBot]) -> None:
    out = await repl(
        demo,
        "/nope",
        "/film",
        "/film schedule add title: x",
        "dance",
        "as Zed",
        "click Nothing",
        "submit x: 1",
        "/remind who: Nobody",
        "/film schedule add title: x when: y seats: lots",
    )
    assert "no registered command /nope" in out
    assert "/film needs a subcommand" in out
    assert (
        "Missing when. Usage: /film schedule add title:<text> when:<text> [seats:<integer>]" in out
    )
    assert "I don't know 'dance'" in out
    assert "No member called 'Zed'" in out
    assert "No recent message here has a button 'Nothing'" in out
    assert "There is no open form" in out
    assert "can't find user 'Nobody'" in out
    assert "'seats' must be an integer" in out
    assert "Traceback" not in out


async def test_help_lists_the_registered_schema(
    demo: tuple[FakeDiscord, DemoWorld, MiniBot],
) -> None:
    out = await repl(demo, "help")
    assert "/film info title:<text, suggestions>" in out
    assert "Facts about a film" in out
    assert "/remind who:<user>" in out
    assert "click <label|custom_id>" in out


async def test_scheduled_posts_are_shown_as_they_arrive(
    demo: tuple[FakeDiscord, DemoWorld, MiniBot],
) -> None:
    fake, world, bot = demo

    async def lines() -> AsyncIterator[str]:
        yield "who"
        await bot.get_channel(world.general_id).send("<@&1> Lost in Starlight starts now!")
        await fake.wait_for_message(world.general_id, origin="channel")
        yield "quit"

    out: list[str] = []
    await run_repl(
        fake,
        guild_id=world.guild_id,
        channel_id=world.general_id,
        user_id=world.members["Bruno"],
        lines=lines(),
        write=out.append,
    )
    text = "\n".join(out)
    assert "Members: Ada, Bruno, Chiara, Dae-jung (you are Bruno)" in text
    assert "[#general] watchparty-bot:\n  <@&1> Lost in Starlight starts now!" in text
