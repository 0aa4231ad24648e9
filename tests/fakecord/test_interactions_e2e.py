"""A real discord.py bot, connected to the fake, answering slash commands, buttons and forms."""

from __future__ import annotations

import discord
import pytest

from fakecord import FakeDiscord, InteractionError, Perm
from tests.fakecord.conftest import Ids
from tests.fakecord.minibot import MiniBot


async def test_bot_connects_and_sees_the_guild(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    guild = bot.get_guild(ids.guild)
    assert guild is not None and guild.name == "Movie Night"
    assert {c.name for c in guild.channels} == {"general", "Watch Party"}
    assert isinstance(guild.get_channel(ids.voice), discord.VoiceChannel)
    assert guild.me is not None and guild.me.guild_permissions.manage_events
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert bot.application_id == fake.application_id
    assert bot.ready_count == 1
    identify = next(f for f in fake.gateway_frames if f.op == 2)
    assert identify.data["intents"] == discord.Intents.default().value
    assert identify.data["token"] == "<redacted>"
    assert fake.gateway.connects[0]["query"]["compress"] == "zlib-stream"
    assert fake.gateway.connects[0]["compressed"] is True


async def test_tree_sync_registers_commands_with_ids(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    registered = {c["name"]: c for c in fake.commands()}
    assert set(registered) == {"film", "party", "feedback", "remind", "whisper", "admin"}
    film = registered["film"]
    assert {o["name"] for o in film["options"]} == {
        "info",
        "slow",
        "poster",
        "calendar",
        "recap",
        "ticket",
        "schedule",
    }
    assert registered["admin"]["default_member_permissions"] == str(int(Perm.MANAGE_GUILD))
    synced = await bot.tree.sync()  # a second sync keeps the ids
    assert {c.name: c.id for c in synced} == {n: int(c["id"]) for n, c in registered.items()}
    guild_synced = await bot.tree.sync(guild=discord.Object(ids.guild))
    assert guild_synced == [] and fake.commands(ids.guild) == []


async def test_subcommand_group_round_trip_is_ephemeral(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    handle = await fake.slash(
        ids.guild,
        ids.general,
        ids.ada,
        "film schedule add",
        {"title": "Lost in Starlight", "when": "Friday 8pm", "seats": 12},
    )
    reply = await handle.response()
    assert reply.kind == "message"
    assert reply.content == "Scheduled Lost in Starlight at Friday 8pm (12 seats)"
    assert reply.ephemeral and reply.flags == 64
    options = handle.payload["data"]["options"]
    assert options[0]["type"] == 2 and options[0]["name"] == "schedule"
    assert options[0]["options"][0]["options"][2] == {"name": "seats", "type": 4, "value": 12}
    assert fake.messages_in(ids.general) == []  # ephemeral: not visible in the channel
    assert [r.status for r in handle.records] == [200]
    assert handle.records[0].query == {"with_response": "1"}


async def test_slash_reply_is_visible_with_embed(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    handle = await fake.slash(
        ids.guild, ids.general, ids.ada, "/film info", {"title": "lost-in-starlight"}
    )
    reply = await handle.response()
    assert not reply.ephemeral
    assert reply.embeds[0]["title"] == "Lost in Starlight"
    assert "Friday, 30 May 2025 07:00 UTC" in reply.text()
    (posted,) = fake.messages_in(ids.general)
    assert posted.origin == "interaction" and posted.payload["type"] == 20
    assert posted.payload["interaction_metadata"]["name"] == "film info"


async def test_autocomplete_returns_choices(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    handle = await fake.autocomplete(
        ids.guild, ids.general, ids.ada, "film info", focused="title", value="star"
    )
    reply = await handle.response()
    assert reply.kind == "autocomplete"
    assert reply.choice_names == ["Lost in Starlight", "Starlight Express"]
    assert reply.choices[0]["value"] == "lost-in-starlight"
    option = handle.payload["data"]["options"][0]["options"][0]
    assert option == {"name": "title", "type": 3, "value": "star", "focused": True}


async def test_deferred_response_then_followup(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    handle = await fake.slash(ids.guild, ids.general, ids.ada, "film slow", {"title": "Moon"})
    reply = await handle.response()
    assert handle.callback_type == 5
    assert reply.content == "Slow facts about Moon"
    # The first follow-up after a thinking defer replaces the loading message.
    assert reply.message is handle.original
    assert not reply.flags & 128
    assert [m.content for m in fake.messages_in(ids.general)] == ["Slow facts about Moon"]


async def test_persistent_button_click_edits_message(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    reply = await (
        await fake.slash(ids.guild, ids.general, ids.ada, "party", {"title": "Dune"})
    ).response()
    assert "[Going] [Maybe]" in reply.text()
    message = reply.message
    assert message is not None
    click = await fake.click(message, "Going", ids.bruno)
    update = await click.response()
    assert update.kind == "update" and click.callback_type == 7
    assert message.content == "Watch party: Dune\nBruno is going"
    assert click.payload["data"] == {"custom_id": "party:going", "component_type": 2}
    maybe = await (await fake.click(message, "party:maybe", ids.ada)).response()
    assert maybe.kind == "update" and maybe.content == "Someone is thinking about it"


async def test_modal_submit(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    handle = await fake.slash(ids.guild, ids.general, ids.ada, "feedback")
    form = await handle.response()
    assert form.kind == "modal" and form.modal is not None
    assert form.modal["title"] == "Film feedback"
    submitted = await fake.submit_modal(handle, {"rating": "9"})
    reply = await submitted.response()
    assert reply.content == "Thanks! rating=9 notes=-" and reply.ephemeral


async def test_user_option_resolved_and_mentions_recorded(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    handle = await fake.slash(ids.guild, ids.general, ids.ada, "remind", {"who": "Bruno"})
    reply = await handle.response()
    assert reply.content == f"<@{ids.bruno}> the film starts soon!"
    message = reply.message
    assert message is not None
    assert message.allowed_mentions == {"parse": [], "users": [ids.bruno], "replied_user": True}
    assert fake.pinged_user_ids(message) == {ids.bruno}
    assert str(ids.bruno) in handle.payload["data"]["resolved"]["members"]


async def test_interaction_with_attachment_is_multipart(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    reply = await (await fake.slash(ids.guild, ids.general, ids.ada, "film poster")).response()
    assert reply.message is not None
    assert reply.message.attachment_names == ["poster.png"]
    assert reply.message.files[0].data == b"\x89PNG fake"
    assert "attachment: poster.png" in reply.text()


async def test_fake_refuses_what_discord_clients_cannot_do(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    with pytest.raises(InteractionError, match="needs a subcommand"):
        await fake.slash(ids.guild, ids.general, ids.ada, "film")
    with pytest.raises(InteractionError, match="missing required option 'title'"):
        await fake.slash(ids.guild, ids.general, ids.ada, "film info")
    with pytest.raises(InteractionError, match="lacks the permissions"):
        await fake.slash(ids.guild, ids.general, ids.ada, "admin")
    boss = fake.add_member(ids.guild, "Boss", permissions=int(Perm.ADMINISTRATOR))
    reply = await (await fake.slash(ids.guild, ids.general, boss, "admin")).response()
    assert reply.content == "ok"
    with pytest.raises(InteractionError, match="'seats' must be an integer"):
        await fake.slash(
            ids.guild,
            ids.general,
            ids.ada,
            "film schedule add",
            {"title": "x", "when": "y", "seats": "many"},
        )


@pytest.mark.parametrize(
    ("number", "refusal"),
    [
        (2**53 + 1, "'number' must be at most 9007199254740992"),
        ("9223372036854775808", "'number' must be at most 9007199254740992"),
        (-(2**53) - 1, "'number' must be at least -9007199254740992"),
        ("1.5", "'number' must be an integer"),
    ],
)
async def test_integers_beyond_2_to_the_53_never_reach_the_bot(
    fake: FakeDiscord, ids: Ids, bot: MiniBot, number: int | str, refusal: str
) -> None:
    with pytest.raises(InteractionError, match=refusal):
        await fake.slash(ids.guild, ids.general, ids.ada, "film ticket", {"number": number})
    assert fake.interactions == {}  # refused like Discord's client: nothing was dispatched


async def test_integers_up_to_2_to_the_53_reach_the_bot(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    for number in (2**53, -(2**53)):
        handle = await fake.slash(
            ids.guild, ids.general, ids.ada, "film ticket", {"number": number}
        )
        assert (await handle.response()).content == f"Ticket {number} costs 0.0"


@pytest.mark.parametrize(
    ("price", "refusal"),
    [
        ("1e300", "'price' must be at most 9007199254740992"),
        ("-1e300", "'price' must be at least -9007199254740992"),
        ("inf", "'price' must be a number"),
        ("nan", "'price' must be a number"),
        (10**400, "'price' must be a number"),
    ],
)
async def test_numbers_are_finite_and_within_2_to_the_53(
    fake: FakeDiscord, ids: Ids, bot: MiniBot, price: str | int, refusal: str
) -> None:
    with pytest.raises(InteractionError, match=refusal):
        await fake.slash(
            ids.guild, ids.general, ids.ada, "film ticket", {"number": 1, "price": price}
        )


async def test_a_commands_own_min_and_max_value_are_honoured(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    options = {"title": "x", "when": "y"}
    for seats, refusal in ((0, "at least 1"), ("501", "at most 500")):
        with pytest.raises(InteractionError, match=f"'seats' must be {refusal}"):
            await fake.slash(
                ids.guild, ids.general, ids.ada, "film schedule add", {**options, "seats": seats}
            )
    handle = await fake.slash(
        ids.guild, ids.general, ids.ada, "film schedule add", {**options, "seats": "500"}
    )
    assert (await handle.response()).content == "Scheduled x at y (500 seats)"


async def test_late_response_gets_unknown_interaction(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    fake.interaction_timeout = 0.0
    handle = await fake.slash(ids.guild, ids.general, ids.ada, "party", {"title": "x"})
    records = await fake.wait_for_request("POST", "/interactions/{id}/{token}/callback")
    assert records[0].status == 404
    assert handle.callback is None


async def test_slash_command_in_a_dm(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    dm = fake.open_dm(ids.ada)
    handle = await fake.slash(None, dm, ids.ada, "party", {"title": "Solo"})
    reply = await handle.response()
    assert reply.content == "Watch party: Solo"
    assert "member" not in handle.payload and handle.payload["user"]["id"] == str(ids.ada)
    assert handle.payload["context"] == 1
    assert [m.content for m in fake.messages_in(dm)] == ["Watch party: Solo"]


async def test_original_and_followup_webhook_routes(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    handle = await fake.slash(ids.guild, ids.general, ids.ada, "film recap")
    await fake.wait_until(lambda: handle.original is not None and handle.original.deleted)
    original = handle.original
    assert original is not None and original.content == "first, edited"
    second, third = handle.followups
    assert second.ephemeral and second.content == "second, edited"
    assert third.deleted and third.content == "third"
    routes = [(r.method, r.route) for r in handle.records]
    assert routes == [
        ("POST", "POST /interactions/{interaction_id}/{token}/callback"),
        ("POST", "POST /webhooks/{application_id}/{token}"),
        ("PATCH", "PATCH /webhooks/{application_id}/{token}/messages/{message_id}"),
        ("GET", "GET /webhooks/{application_id}/{token}/messages/@original"),
        ("POST", "POST /webhooks/{application_id}/{token}"),
        ("DELETE", "DELETE /webhooks/{application_id}/{token}/messages/{message_id}"),
        ("PATCH", "PATCH /webhooks/{application_id}/{token}/messages/@original"),
        ("DELETE", "DELETE /webhooks/{application_id}/{token}/messages/@original"),
    ]
    assert all(r.status in (200, 204) for r in handle.records)
    assert fake.messages_in(ids.general) == []
