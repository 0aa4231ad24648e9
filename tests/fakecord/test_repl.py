"""The sandbox terminal: typed slash commands, buttons, forms and its own commands."""

from __future__ import annotations

import re

from tests.fakecord.minibot import PartyView
from tests.fakecord.sandbox_helpers import Demo, repl


async def test_free_text_goes_to_the_first_required_option_via_autocomplete(demo: Demo) -> None:
    out = await repl(demo, "/film info lost in starlight")
    # "lost in starlight" matched the suggestion "Lost in Starlight" -> value lost-in-starlight
    assert "| **Lost in Starlight**" in out
    assert "| Premiere: Friday, 30 May 2025 07:00 UTC" in out


async def test_named_options_and_subcommand_groups(demo: Demo) -> None:
    out = await repl(demo, "/film schedule add title: Lost in Starlight when: Fri 20:00 seats: 4")
    assert "Scheduled Lost in Starlight at Fri 20:00 (4 seats)" in out
    assert "(only you can see this)" in out


async def test_buttons_users_and_channel_view(demo: Demo) -> None:
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


async def test_click_reaches_any_card_by_the_number_it_shows(demo: Demo) -> None:
    fake, world, bot = demo
    await bot.get_channel(world.voice_id).send("Party #3 in the voice chat", view=PartyView())
    out = await repl(
        demo,
        "/party Dune, party #1",
        "/party Tenet, party #2",
        "click #1 Going",
        "click Going",  # no number: the latest card here
        "click Maybe #3",  # another channel: the number finds it
        "click #4 Going",
        "click #1",
    )
    assert "Watch party: Dune, party #1\nAda is going" in out
    assert "Watch party: Tenet, party #2\nAda is going" in out
    assert "Someone is thinking about it" in out
    assert "No message showing #4 has a button 'Going'." in out
    assert "Click what? For example: click Going, or click #2 Going" in out


async def test_a_click_shows_the_private_follow_up_after_its_card_update(demo: Demo) -> None:
    fake, world, bot = demo
    await bot.get_channel(world.general_id).send("Party #5", view=PartyView())
    out = await repl(demo, "click #5 Full")
    assert "Party #5 (full)" in out
    assert "You're #1 on the waitlist" in out


async def test_forms(demo: Demo) -> None:
    out = await repl(demo, "/feedback", "submit rating: 8 notes: loved it")
    assert "form: Film feedback" in out and "rating: Rating (required)" in out
    assert "Thanks! rating=8 notes=loved it" in out


async def test_bad_input_gets_helpful_lines(demo: Demo) -> None:
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
        "/film ticket 9223372036854775808",
    )
    assert "no registered command /nope" in out
    assert "/film needs a subcommand" in out
    assert (
        "Missing when. Usage: /film schedule add title:<text> when:<text> "
        "[seats:<integer 1..500>]" in out
    )
    assert "I don't know 'dance'" in out
    assert "No member called 'Zed'" in out
    assert "No recent message here has a button 'Nothing'" in out
    assert "There is no open form" in out
    assert "can't find user 'Nobody'" in out
    assert "'seats' must be an integer" in out
    assert "'number' must be at most 9007199254740992" in out  # refused, as Discord's client does
    assert "Traceback" not in out


async def test_help_lists_the_registered_schema(demo: Demo) -> None:
    out = await repl(demo, "help")
    assert "/film info title:<text, suggestions>" in out
    assert "Facts about a film" in out
    assert "/remind who:<user>" in out
    assert "click [#n] <label>" in out


async def test_help_lists_only_commands_the_member_can_use(demo: Demo) -> None:
    as_ada = await repl(demo, "help")
    assert "  /admin" not in as_ada  # Discord hides it from members without Manage Server
    assert "Hidden from Ada" in as_ada and "/admin (`as Mina` can use it)" in as_ada
    as_mina = await repl(demo, "help", user="Mina")
    assert "  /admin\n      Admins only" in as_mina
    assert "Hidden from" not in as_mina


async def test_a_hidden_command_says_who_can_use_it(demo: Demo) -> None:
    out = await repl(demo, "/admin", "as Mina", "/admin")
    assert "Ada lacks the permissions /admin requires (Manage Server)" in out
    assert "Mina can use it: type `as Mina`." in out
    assert out.splitlines()[-1] == "ok"


async def test_every_listed_bot_command_is_accepted(demo: Demo) -> None:
    for user in ("Ada", "Mina"):
        listed = re.findall(
            r"^  (/[a-z ]+?)(?: \S+:<.*)?$", await repl(demo, "help", user=user), re.M
        )
        assert "/film info" in listed and "/party" in listed
        out = await repl(demo, *listed, user=user)
        for refusal in ("lacks the permissions", "no registered command", "needs a subcommand"):
            assert refusal not in out, out


async def test_every_listed_sandbox_command_is_accepted(demo: Demo) -> None:
    help_text = await repl(demo, "help")
    listed = help_text.split("Sandbox commands:\n", 1)[1]
    words = re.findall(r"^  ([a-z]+)\b", listed, re.M)
    words += [a for also in re.findall(r"\(also: ([a-z, ]+)\)", listed) for a in also.split(", ")]
    assert {"click", "submit", "as", "who", "dms", "events", "help", "quit", "exit"} <= set(words)
    for word in words:
        out = await repl(demo, word)
        assert "I don't know" not in out and "Something went wrong" not in out, (word, out)
