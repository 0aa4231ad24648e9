"""Channel messages, nonces, mentions, permissions, scheduled events and DMs via discord.py."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import discord
import pytest
from discord.http import Route

from fakecord import FakeDiscord, Perm
from fakecord.permissions import DEFAULT_BOT_PERMISSIONS
from tests.fakecord.conftest import Ids
from tests.fakecord.minibot import MiniBot


async def test_nonce_with_enforce_nonce_returns_the_original(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    channel = bot.get_channel(ids.general)
    first = await channel.send("premiere in 1 hour", nonce="outbox-42")
    again = await channel.send("premiere in 1 hour", nonce="outbox-42")
    other = await channel.send("premiere in 1 hour", nonce="outbox-43")
    assert again.id == first.id and other.id != first.id
    posts = fake.channel_posts(ids.general)
    assert [p.nonce for p in posts] == ["outbox-42", "outbox-43"]
    bodies = [r.json for r in fake.requests_matching("POST", "/channels/{c}/messages")]
    assert all(b["enforce_nonce"] is True for b in bodies) and len(bodies) == 3


async def test_overlong_nonce_is_rejected_like_discord(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await bot.get_channel(ids.general).send("x", nonce="n" * 26)
    assert info.value.status == 400 and info.value.code == 50035


async def test_allowed_mentions_are_recorded_exactly(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    role = fake.add_role(ids.guild, "Film Club", mentionable=True)
    channel = bot.get_channel(ids.general)
    text = f"<@{ids.ada}> <@{ids.bruno}> <@&{role}> @everyone the film starts now"
    await channel.send(
        text,
        allowed_mentions=discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(ids.ada)]
        ),
    )
    await channel.send(text)  # no allowed_mentions at all: everything pings
    quiet, loud = fake.channel_posts(ids.general)
    assert quiet.allowed_mentions == {"parse": [], "users": [ids.ada], "replied_user": True}
    assert fake.pinged_user_ids(quiet) == {ids.ada}
    assert loud.allowed_mentions is None
    assert fake.pinged_user_ids(loud) == {ids.ada, ids.bruno, fake.world.owner_id}
    assert loud.payload["mention_everyone"] is True
    assert quiet.payload["mention_roles"] == []


async def test_file_upload_is_multipart_with_payload_json(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    sent = await bot.get_channel(ids.general).send(
        "poster", file=discord.File(io.BytesIO(b"png-bytes"), filename="poster.png")
    )
    (post,) = fake.channel_posts(ids.general)
    assert post.attachment_names == ["poster.png"] and post.files[0].data == b"png-bytes"
    assert sent.attachments[0].filename == "poster.png"
    assert await sent.attachments[0].read() == b"png-bytes"  # served by the fake's CDN route
    record = fake.requests_matching("POST", "/channels/{c}/messages")[0]
    assert record.json["content"] == "poster" and record.files[0].filename == "poster.png"


async def test_edit_fetch_and_delete_messages(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    message = await bot.get_channel(ids.general).send("draft")
    edited = await message.edit(content="final", embed=discord.Embed(title="Dune"))
    assert edited.content == "final"
    fetched = await bot.get_channel(ids.general).fetch_message(message.id)
    assert fetched.embeds[0].title == "Dune" and fetched.edited_at is not None
    await message.delete()
    with pytest.raises(discord.NotFound) as info:
        await bot.get_channel(ids.general).fetch_message(message.id)
    assert info.value.code == 10008
    (post,) = fake.channel_posts(ids.general)
    assert post.deleted and post.edits[0]["content"] == "final"


async def test_channel_permissions_and_unknown_channels(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    readonly = fake.add_channel(ids.guild, "announcements", bot_can_send=False)
    hidden = fake.add_channel(ids.guild, "staff", bot_can_view=False)
    await fake.wait_until(lambda: bot.get_channel(hidden) is not None, 2, "CHANNEL_CREATE")
    with pytest.raises(discord.Forbidden) as info:
        await bot.get_channel(readonly).send("hello")
    assert info.value.code == 50013 and info.value.text == "Missing Permissions"
    with pytest.raises(discord.Forbidden) as info:
        await bot.get_channel(hidden).send("hello")
    assert info.value.code == 50001
    assert not bot.get_channel(readonly).permissions_for(bot.get_guild(ids.guild).me).send_messages
    fake.delete_channel(ids.general)
    with pytest.raises(discord.NotFound) as info:
        await bot.http.send_message(ids.general, params=discord.http.handle_message_parameters("x"))
    assert info.value.code == 10003


async def test_invalid_bodies_get_discords_400(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    channel = bot.get_channel(ids.general)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.code == 50035 and "content" in str(info.value)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send(embed=discord.Embed(title="t" * 257))
    assert info.value.code == 50035


async def test_unknown_routes_are_recorded(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=ids.guild))
    (record,) = fake.unknown_requests
    assert record.path == f"/guilds/{ids.guild}/audit-logs" and record.status == 404


async def test_scheduled_events_need_manage_events(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    guild = bot.get_guild(ids.guild)
    start = datetime.now(UTC) + timedelta(days=1)
    event = await guild.create_scheduled_event(
        name="Dune night",
        start_time=start,
        entity_type=discord.EntityType.voice,
        channel=guild.get_channel(ids.voice),
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert event.name == "Dune night" and event.channel_id == ids.voice
    (stored,) = fake.scheduled_events(ids.guild)
    assert stored["id"] == str(event.id)
    await event.edit(name="Dune: Part Two night")
    assert fake.scheduled_events(ids.guild)[0]["name"] == "Dune: Part Two night"

    fake.set_bot_permissions(
        ids.guild, DEFAULT_BOT_PERMISSIONS & ~Perm.MANAGE_EVENTS & ~Perm.CREATE_EVENTS
    )
    with pytest.raises(discord.Forbidden) as info:
        await guild.create_scheduled_event(
            name="No rights",
            start_time=start,
            entity_type=discord.EntityType.external,
            location="Cinema",
            end_time=start + timedelta(hours=2),
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert info.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await event.delete()
    fake.set_bot_permissions(ids.guild, DEFAULT_BOT_PERMISSIONS)
    await event.delete()
    assert fake.scheduled_events(ids.guild) == []


async def test_scheduled_event_in_the_past_is_rejected(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    guild = bot.get_guild(ids.guild)
    with pytest.raises(discord.HTTPException) as info:
        await guild.create_scheduled_event(
            name="Yesterday",
            start_time=datetime.now(UTC) - timedelta(hours=1),
            entity_type=discord.EntityType.voice,
            channel=guild.get_channel(ids.voice),
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert info.value.code == 50035


async def test_direct_messages(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    user = await bot.fetch_user(ids.ada)
    message = await user.send("Your premiere starts at <t:1748588400:t>")
    dm = fake.open_dm(ids.ada)
    assert message.channel.id == dm
    (post,) = fake.channel_posts(dm)
    assert post.guild_id is None and fake.pinged_user_ids(post) == set()
    fake.block_dms(ids.bruno)
    bruno = await bot.fetch_user(ids.bruno)
    with pytest.raises(discord.Forbidden) as info:
        await bruno.send("hi")
    assert info.value.code == 50007


async def test_guild_and_member_lookups(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    guild = await bot.fetch_guild(ids.guild)
    assert guild.name == "Movie Night"
    member = await guild.fetch_member(ids.ada)
    assert member.display_name == "Ada"
    channels = await guild.fetch_channels()
    assert {c.name for c in channels} == {"general", "Watch Party"}
    with pytest.raises(discord.NotFound) as info:
        await guild.fetch_member(12345)
    assert info.value.code == 10007
    assert await bot.fetch_channel(ids.general)


async def test_user_messages_hide_content_without_the_intent(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    seen: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    bot.add_listener(on_message)
    fake.post_user_message(ids.general, ids.ada, "hello everyone")
    fake.post_user_message(ids.general, ids.ada, f"hey <@{fake.bot_user_id}>")
    await fake.wait_until(lambda: len(seen) == 2, 2, "on_message")
    assert [m.content for m in seen] == ["", f"hey <@{fake.bot_user_id}>"]
