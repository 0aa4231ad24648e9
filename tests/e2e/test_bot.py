"""The bot as Discord sees it: its registered command tree, its intents, what its replies may
ping, and what it writes to the log (never the token)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import create_bot
from fakecord import running_bot
from tests.e2e.conftest import TOKEN, Harness, harness, make_settings
from tests.e2e.film_helpers import SEED

MY_COMMANDS = ("film", "timezone", "config")


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def shape(option: dict[str, Any]) -> tuple:
    """(type, required, autocomplete) of an option, for compact comparisons."""
    return (option["type"], bool(option.get("required")), bool(option.get("autocomplete")))


STRING, BOOLEAN, USER, CHANNEL = 3, 5, 6, 7


async def test_the_registered_command_tree(e2e: Harness) -> None:
    commands = by_name(e2e.fake.commands())
    assert set(MY_COMMANDS) <= set(commands)
    assert not e2e.fake.commands(e2e.server.guild)  # global unless DEV_GUILD_ID is set

    film = commands["film"]
    subs = by_name(film["options"])
    assert list(subs) == ["info", "search", "cast", "release", "ask", "add", "remove", "upcoming"]
    share = (BOOLEAN, False, False)  # every lookup: private unless shared
    assert {k: shape(v) for k, v in by_name(subs["info"]["options"]).items()} == {
        "title": (STRING, True, True),
        "share": share,
    }
    search = by_name(subs["search"]["options"])
    assert {k: shape(v) for k, v in search.items()} == {
        "query": (STRING, True, False),
        "share": share,
    }
    assert (search["query"]["min_length"], search["query"]["max_length"]) == (1, 100)
    assert {k: shape(v) for k, v in by_name(subs["cast"]["options"]).items()} == {
        "title": (STRING, True, True),
        "share": share,
    }
    assert {k: shape(v) for k, v in by_name(subs["release"]["options"]).items()} == {
        "title": (STRING, True, True),
        "timezone": (STRING, False, True),
        "share": share,
    }
    ask = by_name(subs["ask"]["options"])
    assert {k: shape(v) for k, v in ask.items()} == {
        "question": (STRING, True, False),
        "title": (STRING, False, True),
        "share": share,
    }
    assert (ask["question"]["min_length"], ask["question"]["max_length"]) == (2, 300)
    assert [(o["name"], shape(o)) for o in subs["add"]["options"]] == [
        ("tmdb", (STRING, False, True))
    ]
    assert [(o["name"], shape(o)) for o in subs["remove"]["options"]] == [
        ("film", (STRING, True, True))
    ]
    assert {k: shape(v) for k, v in by_name(subs["upcoming"]["options"]).items()} == {
        "country": (STRING, False, True),
        "share": share,
    }

    timezone = by_name(commands["timezone"]["options"])
    assert {"set", "show", "clear"} <= set(timezone)
    assert [shape(o) for o in timezone["set"]["options"]] == [(STRING, True, True)]
    assert [(o["name"], shape(o)) for o in timezone["show"]["options"]] == [
        ("member", (USER, False, False))
    ]
    assert timezone["clear"].get("options", []) == []

    config = by_name(commands["config"]["options"])
    assert list(config) == ["timezone", "announce", "show"]
    assert [shape(o) for o in config["timezone"]["options"]] == [(STRING, True, True)]
    assert [shape(o) for o in config["announce"]["options"]] == [(CHANNEL, True, False)]

    # Who may use what, where: /film and /timezone for everyone, in servers and DMs;
    # /config for Manage Server (0x20), in servers only.
    for name in ("film", "timezone"):
        assert commands[name]["default_member_permissions"] is None, name
        assert commands[name]["dm_permission"] is not False, name
        assert commands[name]["contexts"] in (None, [0, 1], [0, 1, 2]), name
    assert commands["config"]["default_member_permissions"] == str(0x20)
    assert commands["config"]["contexts"] == [0]
    assert commands["config"]["dm_permission"] is False


async def test_every_name_and_description_fits_discords_rules(e2e: Harness) -> None:
    def walk(item: dict[str, Any], path: str) -> None:
        name, description = item["name"], item["description"]
        assert 1 <= len(name) <= 32 and name == name.lower() and " " not in name, path
        assert 1 <= len(description) <= 100, path
        for option in item.get("options", []):
            walk(option, f"{path} {option['name']}")

    for command in e2e.fake.commands():
        if command["name"] in MY_COMMANDS:
            walk(command, command["name"])


async def test_dev_guild_commands_sync_to_that_server_only(tmp_path: Path) -> None:
    async with harness(tmp_path, run=False) as e2e:
        e2e.settings = dataclasses.replace(e2e.settings, dev_guild_id=e2e.server.guild)
        await e2e.start()
        assert set(MY_COMMANDS) <= {c["name"] for c in e2e.fake.commands(e2e.server.guild)}
        assert e2e.fake.commands() == []
        reply = await e2e.run("Ada", "film cast", {"title": SEED})  # usable there at once
        assert reply.embeds


async def test_no_privileged_intents(e2e: Harness) -> None:
    identify = next(f for f in e2e.fake.gateway_frames if f.op == 2)
    privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
    assert identify.data["intents"] & privileged == 0


async def test_no_message_reaction_or_typing_events(e2e: Harness) -> None:
    """Everything the bot does arrives as an interaction: a busy server's messages (and the
    bot's own pings, echoed back) never reach it."""
    identify = next(f for f in e2e.fake.gateway_frames if f.op == 2)
    intents = discord.Intents._from_value(identify.data["intents"])
    assert intents.guilds and intents.guild_scheduled_events
    assert not (intents.guild_messages or intents.dm_messages)
    assert not (intents.reactions or intents.typing)


# Every /film, /timezone and /config path that answers with a message, public or private.
SESSION: list[tuple[str, str, dict[str, Any]]] = [
    ("Ada", "timezone set", {"zone": "Seoul"}),
    ("Bruno", "timezone set", {"zone": "UTC+9"}),
    ("Ada", "timezone show", {"member": "Bruno"}),
    ("Ada", "timezone show", {}),
    ("Ada", "film info", {"title": SEED}),
    ("Ada", "film search", {"query": "@everyone"}),
    ("Ada", "film search", {"query": "Kim Tae Ri"}),
    ("Ada", "film cast", {"title": SEED}),
    ("Ada", "film release", {"title": SEED, "timezone": "New York"}),
    ("Ada", "film ask", {"question": "who voices Jay? @everyone", "title": SEED}),
    ("Ada", "film info", {"title": "@everyone <@&1> dune"}),
    ("Ada", "timezone set", {"zone": "@everyone"}),
    ("owner", "config announce", {"channel": "general"}),
    ("owner", "config show", {}),
    ("Bruno", "timezone clear", {}),
]


async def run_session(e2e: Harness) -> None:
    for who, command, options in SESSION:
        who_id = e2e.server.owner if who == "owner" else e2e.server[who]
        if options.get("channel") == "general":
            options = {"channel": e2e.server.general}
        await e2e.run(who_id, command, options)


async def test_no_reply_can_ping_anyone(e2e: Harness) -> None:
    """allowed_mentions is "none" on every reply, so a mention or @everyone typed by a member
    and echoed back never notifies anybody."""
    await run_session(e2e)
    bodies = []
    for request in e2e.fake.requests:
        body = request.json if isinstance(request.json, dict) else {}
        body = body.get("data", body) if "/callback" in request.path else body
        if request.method in ("POST", "PATCH") and ("content" in body or "embeds" in body):
            bodies.append(body)
    assert len(bodies) >= len(SESSION)
    for body in bodies:
        assert body["allowed_mentions"] == {"parse": []}, body
    replies = [h.original for h in e2e.fake.interactions.values() if h.original is not None]
    assert len(replies) == len(SESSION)
    assert any("@everyone" in (m.payload.get("content") or "") for m in replies)  # echoed ...
    for message in replies:
        assert e2e.fake.pinged_user_ids(message) == set()  # ... but pinging nobody


async def test_the_token_never_reaches_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At DEBUG, through login, sync, commands, an error with a traceback, shutdown and a
    rejected login: no log record contains the token."""
    caplog.set_level(logging.DEBUG)
    async with harness(tmp_path) as e2e:
        await run_session(e2e)

        def boom(text: str, limit: int = 10, guild_id: int | None = None) -> list:
            raise RuntimeError(f"search failed for {text}")

        monkeypatch.setattr(e2e.bot.films, "search", boom)
        await e2e.run("Ada", "film search", {"query": "lost"})
        await e2e.restart()
        assert any(r.authorized for r in e2e.fake.requests)  # the bot did use TOKEN
        # A second bot with a token Discord rejects.
        wrong = "wrong-token-4b1d-do-not-log"
        bot = await create_bot(make_settings(tmp_path / "second", token=wrong))
        with pytest.raises(discord.LoginFailure):
            async with running_bot(e2e.fake, bot, token=wrong):
                pass

    assert len(caplog.records) > 50  # the check saw the DEBUG chatter, not an empty log
    assert "Ready as" in caplog.text and "RuntimeError: search failed" in caplog.text
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_text or "") + str(record.__dict__)
        assert TOKEN not in text, record
        assert wrong not in text, record
    assert TOKEN not in caplog.text and wrong not in caplog.text


async def test_each_problem_of_a_bad_film_file_is_logged_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    films = tmp_path / "films"
    films.mkdir()
    (films / "bad.toml").write_text(
        'id = "bad"\n[sources.s]\ntitle = "S"\n'
        '[[titles]]\ntext = "Bad"\nkind = "x"\nsources = ["s"]\n'
        '[[runtime]]\nminutes = 0\nsources = ["s"]\n',
        encoding="utf-8",
    )
    bot = await create_bot(make_settings(tmp_path, films_dir=films))
    await bot.close()
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 2
    assert "titles[0].kind" in logged[0] and "runtime[0].minutes" in logged[1]
    assert all(m.startswith(f"Film file not loaded: {films / 'bad.toml'}") for m in logged)
