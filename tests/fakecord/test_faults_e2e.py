"""Fault injection against a real discord.py client: 429s, 5xx, gateway drops, bad tokens."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from fakecord import FakeDiscord, RateLimitPolicy, ShardPolicy, running_bot
from fakecord.faults import BucketRule
from tests.fakecord.conftest import Ids
from tests.fakecord.minibot import MiniBot

MESSAGES = "/channels/{channel_id}/messages"


async def test_429_with_via_is_retried(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    rule = fake.rate_limit("POST", MESSAGES, retry_after=0.05, times=2)
    message = await bot.get_channel(ids.general).send("after two 429s")
    assert rule.hits == 2
    statuses = [r.status for r in fake.requests_matching("POST", MESSAGES)]
    assert statuses == [429, 429, 200]
    assert [m.content for m in fake.channel_posts(ids.general)] == ["after two 429s"]
    assert message.id == fake.channel_posts(ids.general)[0].id


async def test_429_without_via_is_a_ban_and_not_retried(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    fake.rate_limit("POST", MESSAGES, via=False)
    with pytest.raises(discord.HTTPException) as info:
        await bot.get_channel(ids.general).send("never")
    assert info.value.status == 429
    assert len(fake.requests_matching("POST", MESSAGES)) == 1


async def test_global_429_sets_discordpy_global_lock(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    rule = fake.rate_limit(None, "/channels/{id}/messages", is_global=True, retry_after=0.05)
    await bot.get_channel(ids.general).send("global")
    answered = rule.matched[0]
    assert answered.status == 429 and answered.fault == "injected 429"
    assert [m.content for m in fake.channel_posts(ids.general)] == ["global"]


async def test_injected_500_is_retried(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    fake.fail(500, "POST", MESSAGES, times=1)
    await bot.get_channel(ids.general).send("survived a 500")  # discord.py waits 1 s, retries
    assert [r.status for r in fake.requests_matching("POST", MESSAGES)] == [500, 200]
    assert len(fake.channel_posts(ids.general)) == 1


async def test_503_is_not_retried_by_discordpy(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    fake.fail(503, "POST", MESSAGES)
    with pytest.raises(discord.DiscordServerError):
        await bot.get_channel(ids.general).send("no")
    assert fake.channel_posts(ids.general) == []


async def test_probabilistic_faults_are_seeded(fake: FakeDiscord) -> None:
    from fakecord.faults import FaultInjector, FaultRule
    from fakecord.records import RequestRecord

    def hits(seed: int) -> list[bool]:
        inj = FaultInjector(seed)
        inj.add(FaultRule(502, times=None, probability=0.3))
        rec = RequestRecord("GET", "/x", {}, None, [], 0.0, True)
        return [inj.check(rec) is not None for _ in range(200)]

    assert hits(7) == hits(7)
    assert 30 < sum(hits(7)) < 90


async def test_gateway_drop_resumes_and_replays(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    session = fake.sessions[0]
    assert await fake.drop_gateway() == 1
    new_channel = fake.add_channel(ids.guild, "late-night")  # sent while disconnected
    await fake.wait_for_resume()
    resume = [f for f in fake.gateway_frames if f.op == 6]
    assert resume and resume[0].data["session_id"] == session.session_id
    assert fake.gateway.connects[-1]["path"] == "/resume"  # used resume_gateway_url
    await fake.wait_until(lambda: bot.get_channel(new_channel) is not None and bot.resumed_count)
    assert bot.resumed_count == 1 and bot.ready_count == 1
    reply = await (
        await fake.slash(
            ids.guild, ids.general, ids.ada, "film info", {"title": "moonrise-kingdom"}
        )
    ).response()
    assert reply.embeds[0]["title"] == "Moonrise Kingdom"


async def test_interaction_sent_while_disconnected_arrives_after_resume(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    await fake.drop_gateway()
    handle = await fake.slash(
        ids.guild, ids.general, ids.ada, "film info", {"title": "the-last-light"}
    )
    reply = await handle.response(timeout=5)
    assert reply.embeds[0]["title"] == "The Last Light"


async def test_reconnect_opcode_makes_the_bot_resume(
    fake: FakeDiscord, ids: Ids, bot: MiniBot
) -> None:
    # (op 9 INVALID_SESSION works too, but discord.py waits 5 s before re-identifying.)
    fake.send_reconnect()
    await fake.wait_for_resume()
    reply = await (
        await fake.slash(ids.guild, ids.general, ids.ada, "party", {"title": "x"})
    ).response()
    assert reply.content == "Watch party: x"
    assert sum(f.op == 2 for f in fake.gateway_frames) == 1


#: The fake allows one IDENTIFY per bucket every 5 s, as Discord; this test can't wait that long.
QUICK_IDENTIFY = ShardPolicy(identify_interval=0.1)


class QuickReidentifyBot(MiniBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait the fake's short IDENTIFY interval, not discord.py's 5 s (its documented hook)."""
        if not initial:
            await asyncio.sleep(QUICK_IDENTIFY.identify_interval)


async def test_invalid_session_makes_the_bot_identify_again() -> None:
    async with FakeDiscord(token="t5", shards=QUICK_IDENTIFY) as fake:
        guild = fake.add_guild("Again")
        general = fake.add_channel(guild, "general")
        ada = fake.add_member(guild, "Ada")
        async with running_bot(fake, QuickReidentifyBot()) as bot:
            await bot.tree.sync()
            old_session = fake.sessions[0].session_id
            fake.invalidate_session()
            await fake.wait_until(
                lambda: sum(f.op == 2 for f in fake.gateway_frames) == 2 and fake.gateway.connected,
                5,
                "the bot did not identify again",
            )
            assert [s.session_id for s in fake.sessions] != [old_session]
            assert not any(f.op == 6 for f in fake.gateway_frames)  # a new session, not a resume
            reply = await (
                await fake.slash(guild, general, ada, "party", {"title": "fresh"})
            ).response()
            assert reply.content == "Watch party: fresh"


async def test_cleared_faults_no_longer_fire(fake: FakeDiscord, ids: Ids, bot: MiniBot) -> None:
    fake.fail(503, "POST", MESSAGES, times=None)
    with pytest.raises(discord.DiscordServerError):
        await bot.get_channel(ids.general).send("refused")
    fake.clear_faults()
    await bot.get_channel(ids.general).send("after the clear")
    assert [r.status for r in fake.requests_matching("POST", MESSAGES)] == [503, 200]
    assert [m.content for m in fake.channel_posts(ids.general)] == ["after the clear"]


async def test_wrong_token_raises_login_failure(fake: FakeDiscord, ids: Ids) -> None:
    bot = MiniBot()
    with pytest.raises(discord.LoginFailure):
        async with running_bot(fake, bot, token="wrong-token"):
            pass
    (record,) = fake.requests
    assert (record.path, record.status, record.authorized) == ("/users/@me", 401, False)
    assert bot.is_closed()


async def test_plain_text_gateway_frames_are_accepted(ids: Ids) -> None:
    async with FakeDiscord(token="t2", gateway_compression=False) as fake:
        guild = fake.add_guild("Plain")
        async with running_bot(fake, MiniBot()) as bot:
            assert bot.get_guild(guild) is not None
            assert fake.gateway.connects[0]["compressed"] is False


async def test_enforced_bucket_limits_are_respected(ids: Ids) -> None:
    policy = RateLimitPolicy(
        global_per_second=None,
        buckets=[BucketRule(2, 0.3, "POST", r"/channels/\{channel_id\}/messages")],
    )
    async with FakeDiscord(token="t3", rate_limits=policy) as fake:
        guild = fake.add_guild("Busy")
        channel = fake.add_channel(guild, "general")
        async with running_bot(fake, MiniBot()) as bot:
            start = time.monotonic()
            await asyncio.gather(*(bot.get_channel(channel).send(f"m{i}") for i in range(6)))
            elapsed = time.monotonic() - start
        ok = fake.requests_matching("POST", MESSAGES)
        assert len(fake.channel_posts(channel)) == 6
        assert elapsed >= 0.55  # three windows of 0.3 s, minus the first
        first = next(r for r in ok if r.status == 200)
        assert first.status == 200
        assert fake.rate_limiter is not None


async def test_enforced_global_limit_answers_global_429s(ids: Ids) -> None:
    policy = RateLimitPolicy(global_per_second=3, buckets=[], default=BucketRule(100, 1.0))
    async with FakeDiscord(token="t4", rate_limits=policy) as fake:
        guild = fake.add_guild("Busy")
        channels = [fake.add_channel(guild, f"c{i}") for i in range(5)]
        async with running_bot(fake, MiniBot()) as bot:
            await asyncio.gather(*(bot.get_channel(c).send("hi") for c in channels))
        assert sum(len(fake.channel_posts(c)) for c in channels) == 5
        limited = [r for r in fake.requests if r.status == 429]
        assert limited and all(r.fault == "rate limited" for r in limited)
        assert fake.global_429s == len(limited)


async def test_restarted_bot_gets_a_fresh_session() -> None:
    async with FakeDiscord(token="t6", shards=QUICK_IDENTIFY) as fake:
        guild = fake.add_guild("Again")
        general = fake.add_channel(guild, "general")
        ada = fake.add_member(guild, "Ada")
        async with running_bot(fake, MiniBot()) as first:
            await first.tree.sync()
        old_session = fake.sessions[0]
        # discord.py closes with 4000, so the session stays resumable until a new IDENTIFY.
        await fake.wait_until(lambda: old_session.connection is None)
        await asyncio.sleep(QUICK_IDENTIFY.identify_interval)  # else op 9, then 5 s of waiting
        async with running_bot(fake, MiniBot()) as second:
            assert [s.session_id for s in fake.sessions] != [old_session.session_id]
            assert len(fake.sessions) == 1
            reply = await (
                await fake.slash(guild, general, ada, "party", {"title": "again"})
            ).response()
            assert reply.content == "Watch party: again" and second.is_ready()
