"""Threads started from a message: Discord's response shape, the permissions (the parent's;
CREATE_PUBLIC_THREADS to start one, SEND_MESSAGES_IN_THREADS to post), one thread per message,
and discord.py's own create_thread and send working against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from fakecord import FakeDiscord, running_bot
from fakecord.permissions import Perm
from tests.fakecord.conftest import TOKEN, Ids
from tests.fakecord.minibot import MiniBot

AUTH = {"Authorization": f"Bot {TOKEN}"}


@pytest.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=fake.url) as session:
        yield session


async def post(http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(f"/api/v10{path}", json=body, headers=AUTH) as resp:
        return resp.status, await resp.json()


async def card(http: aiohttp.ClientSession, channel: int) -> int:
    status, message = await post(http, f"/channels/{channel}/messages", {"content": "card"})
    assert status == 200
    return int(message["id"])


async def test_a_thread_from_a_message_has_its_id_and_discords_shape(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    message = await card(http, ids.general)
    status, thread = await post(
        http,
        f"/channels/{ids.general}/messages/{message}/threads",
        {"name": "Party talk", "auto_archive_duration": 10080},
    )
    assert status == 200
    assert thread["id"] == str(message) and thread["type"] == 11
    assert thread["parent_id"] == str(ids.general) and thread["guild_id"] == str(ids.guild)
    assert thread["owner_id"] == str(fake.bot_user_id) and thread["name"] == "Party talk"
    assert thread["thread_metadata"]["auto_archive_duration"] == 10080
    assert thread["thread_metadata"]["archived"] is False
    starter = fake.message(message)
    assert starter.flags & (1 << 5) and starter.payload["thread"]["id"] == str(message)


async def test_messages_can_be_posted_in_the_thread(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    message = await card(http, ids.general)
    await post(http, f"/channels/{ids.general}/messages/{message}/threads", {"name": "t"})
    status, sent = await post(http, f"/channels/{message}/messages", {"content": "in thread"})
    assert status == 200 and sent["channel_id"] == str(message)
    assert [m.content for m in fake.channel_posts(message)] == ["in thread"]
    assert [m.content for m in fake.channel_posts(ids.general)] == ["card"]


async def test_one_thread_per_message(ids: Ids, http: aiohttp.ClientSession) -> None:
    message = await card(http, ids.general)
    path = f"/channels/{ids.general}/messages/{message}/threads"
    assert (await post(http, path, {"name": "t"}))[0] == 200
    status, error = await post(http, path, {"name": "again"})
    assert (status, error["code"]) == (400, 160004)


async def test_starting_a_thread_needs_create_public_threads(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    message = await card(http, ids.general)
    fake.set_overwrite(ids.general, fake.bot_user_id, deny=int(Perm.CREATE_PUBLIC_THREADS))
    status, error = await post(
        http, f"/channels/{ids.general}/messages/{message}/threads", {"name": "t"}
    )
    assert (status, error["code"]) == (403, 50013)


async def test_posting_in_a_thread_needs_send_messages_in_threads(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    message = await card(http, ids.general)
    await post(http, f"/channels/{ids.general}/messages/{message}/threads", {"name": "t"})
    # the parent's overwrites apply: sending in the channel is still allowed, in threads not
    fake.set_overwrite(ids.general, fake.bot_user_id, deny=int(Perm.SEND_MESSAGES_IN_THREADS))
    status, error = await post(http, f"/channels/{message}/messages", {"content": "x"})
    assert (status, error["code"]) == (403, 50013)
    assert (await post(http, f"/channels/{ids.general}/messages", {"content": "x"}))[0] == 200


async def test_a_bad_name_or_archive_duration_is_refused(
    ids: Ids, http: aiohttp.ClientSession
) -> None:
    message = await card(http, ids.general)
    path = f"/channels/{ids.general}/messages/{message}/threads"
    for body in ({"name": ""}, {"name": "x" * 101}, {"name": "t", "auto_archive_duration": 5}):
        status, error = await post(http, path, body)
        assert (status, error["code"]) == (400, 50035), body


async def test_no_thread_in_a_voice_channel(ids: Ids, http: aiohttp.ClientSession) -> None:
    message = await card(http, ids.voice)
    status, error = await post(
        http, f"/channels/{ids.voice}/messages/{message}/threads", {"name": "t"}
    )
    assert (status, error["code"]) == (400, 50024)


async def test_discord_py_starts_a_thread_and_posts_in_it(fake: FakeDiscord, ids: Ids) -> None:
    async with running_bot(fake, MiniBot()) as bot:
        channel = bot.get_channel(ids.general)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("card")
        thread = await message.create_thread(name="Party talk")
        assert thread.id == message.id and thread.parent_id == ids.general
        await thread.send("hello")
        assert [m.content for m in fake.channel_posts(thread.id)] == ["hello"]
        # the gateway told the bot about it too
        await fake.wait_until(lambda: channel.guild.get_thread(thread.id) is not None)
