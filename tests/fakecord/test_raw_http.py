"""The wire format, checked with a bare aiohttp client (no discord.py in between)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from fakecord import FakeDiscord, RateLimitPolicy, ShardPolicy
from fakecord.faults import BucketRule
from tests.fakecord.conftest import TOKEN, Ids


@pytest.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=fake.url) as session:
        yield session


AUTH = {"Authorization": f"Bot {TOKEN}"}


async def test_unauthorized_body_and_exact_content_type(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v10/users/@me", headers={"Authorization": "Bot nope"}) as resp:
        assert resp.status == 401
        assert resp.headers["Content-Type"] == "application/json"  # discord.py compares exactly
        assert await resp.json() == {"message": "401: Unauthorized", "code": 0}
    async with http.get("/api/v10/users/@me", headers=AUTH) as resp:
        assert resp.status == 200 and (await resp.json())["bot"] is True


async def test_injected_429_has_discords_headers(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    fake.rate_limit("POST", "/channels/{id}/messages", retry_after=1.5)
    url = f"/api/v10/channels/{ids.general}/messages"
    async with http.post(url, json={"content": "x"}, headers=AUTH) as resp:
        assert resp.status == 429
        h = resp.headers
        assert h["Via"] == "1.1 google" and h["Retry-After"] == "2"
        assert h["X-RateLimit-Remaining"] == "0" and h["X-RateLimit-Reset-After"] == "1.500"
        assert h["X-RateLimit-Scope"] == "user" and "X-RateLimit-Bucket" in h
        assert await resp.json() == {
            "message": "You are being rate limited.",
            "retry_after": 1.5,
            "global": False,
        }
    fake.rate_limit(None, None, is_global=True, retry_after=0.2)
    async with http.post(url, json={"content": "x"}, headers=AUTH) as resp:
        assert resp.headers["X-RateLimit-Global"] == "true"
        assert resp.headers["X-RateLimit-Scope"] == "global"
        assert (await resp.json())["global"] is True
    async with http.post(url, json={"content": "x"}, headers=AUTH) as resp:
        assert resp.status == 200


async def test_enforced_limits_send_bucket_headers(ids: Ids) -> None:
    policy = RateLimitPolicy(global_per_second=None, buckets=[BucketRule(2, 10.0, "POST")])
    async with FakeDiscord(token=TOKEN, rate_limits=policy) as fake:
        guild = fake.add_guild("g")
        channel = fake.add_channel(guild, "c")
        other = fake.add_channel(guild, "d")
        async with aiohttp.ClientSession(base_url=fake.url) as http:
            seen = []
            for cid in (channel, channel, channel, other):
                async with http.post(
                    f"/api/v10/channels/{cid}/messages", json={"content": "x"}, headers=AUTH
                ) as resp:
                    seen.append((resp.status, resp.headers.get("X-RateLimit-Remaining")))
            assert seen == [(200, "1"), (200, "0"), (429, "0"), (200, "1")]


async def test_multipart_and_nonce_without_enforce(
    fake: FakeDiscord, ids: Ids, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "hi", "nonce": "a", "attachments": [{"id": 0}]}')
    form.add_field("files[0]", b"abc", filename="a.txt", content_type="text/plain")
    url = f"/api/v10/channels/{ids.general}/messages"
    async with http.post(url, data=form, headers=AUTH) as resp:
        first = await resp.json()
    assert first["attachments"][0]["filename"] == "a.txt" and first["attachments"][0]["size"] == 3
    async with http.post(url, json={"content": "hi", "nonce": "a"}, headers=AUTH) as resp:
        second = await resp.json()
    assert second["id"] != first["id"]  # without enforce_nonce Discord creates a new message


async def test_webhook_routes_need_no_auth_but_a_known_token(
    http: aiohttp.ClientSession, fake: FakeDiscord
) -> None:
    url = f"/api/v10/webhooks/{fake.application_id}/nope/messages/@original"
    async with http.get(url) as resp:
        assert resp.status == 404 and (await resp.json())["code"] == 10015
    async with http.post("/api/v10/interactions/1/nope/callback", json={"type": 4}) as resp:
        assert resp.status == 404 and (await resp.json())["code"] == 10062


async def test_gateway_endpoints(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v10/gateway/bot", headers=AUTH) as resp:
        data = await resp.json()
    assert data["url"] == f"ws://127.0.0.1:{fake.port}" and data["shards"] == 1


async def test_bad_identify_token_closes_with_4004(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect("/?v=10&encoding=json") as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 2, "d": {"token": "bad", "intents": 1, "properties": {}}})
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_privileged_intents_are_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect("/?v=10&encoding=json") as ws:
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1 << 15, "properties": {}}})
        msg = await ws.receive()
        assert msg.data == 4014


async def test_heartbeat_is_acked_after_a_round_trip(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    # An instant ACK races discord.py's keep-alive thread, which then reports the websocket a
    # whole heartbeat interval behind ("Can't keep up"); Discord is always a round trip away.
    loop = asyncio.get_running_loop()
    async with http.ws_connect("/?v=10&encoding=json") as ws:
        await ws.receive_json()
        sent = loop.time()
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        assert loop.time() - sent >= fake.gateway.heartbeat_ack_delay - 0.001
    assert fake.gateway.heartbeat_ack_delay == 0.05


async def test_gateway_bot_recommends_shards_by_guild_count_and_counts_session_starts() -> None:
    policy = ShardPolicy(max_concurrency=4, guilds_per_recommended_shard=2)
    async with FakeDiscord(token=TOKEN, shards=policy) as fake:
        for n in range(3):
            fake.add_guild(f"g{n}")
        async with aiohttp.ClientSession(base_url=fake.url) as http:
            async with http.get("/api/v10/gateway/bot", headers=AUTH) as resp:
                before = await resp.json()
            async with http.ws_connect("/?v=10&encoding=json") as ws:
                await ws.receive_json()
                identify = {"token": TOKEN, "intents": 1, "properties": {}, "shard": [0, 2]}
                await ws.send_json({"op": 2, "d": identify})
                assert (await ws.receive_json())["t"] == "READY"
            async with http.get("/api/v10/gateway/bot", headers=AUTH) as resp:
                after = (await resp.json())["session_start_limit"]
    assert before["shards"] == 2
    assert before["session_start_limit"] == {
        "total": 1000,
        "remaining": 1000,
        "reset_after": 0,
        "max_concurrency": 4,
    }
    assert after["remaining"] == 999 and 0 < after["reset_after"] <= 24 * 3600 * 1000


@pytest.mark.parametrize("shard", [[0, 0], [-1, 2], [1, 1], [0], "0/1"])
async def test_invalid_shards_close_with_4010(
    fake: FakeDiscord, http: aiohttp.ClientSession, shard: object
) -> None:
    async with http.ws_connect("/?v=10&encoding=json") as ws:
        await ws.receive_json()
        identify = {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}
        await ws.send_json({"op": 2, "d": identify})
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4010


async def test_a_second_identify_in_the_bucket_gets_op_9_not_resumable(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    frames = []
    for shard in ([0, 2], [1, 2]):  # max_concurrency 1: both in bucket 0
        ws = await http.ws_connect("/?v=10&encoding=json")
        await ws.receive_json()
        identify = {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}
        await ws.send_json({"op": 2, "d": identify})
        frames.append(await ws.receive_json())
        await ws.close()
    assert frames[0]["t"] == "READY" and frames[1] == {"op": 9, "d": False}
    assert [(i.shard, i.bucket, i.outcome) for i in fake.identifies] == [
        ((0, 2), 0, "ready"),
        ((1, 2), 0, "rate limited"),
    ]


async def test_running_out_of_session_starts_resets_the_token() -> None:
    policy = ShardPolicy(identify_interval=0.0, session_start_total=1)
    async with FakeDiscord(token=TOKEN, shards=policy) as fake:
        async with aiohttp.ClientSession(base_url=fake.url) as http:
            first = await http.ws_connect("/?v=10&encoding=json")
            await first.receive_json()
            identify = {"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}}
            await first.send_json(identify)
            assert (await first.receive_json())["t"] == "READY"
            async with http.ws_connect("/?v=10&encoding=json") as second:
                await second.receive_json()
                await second.send_json(identify)
                assert (await second.receive()).data == 4004
                assert (await first.receive()).data == 4004  # every session ends
            async with http.get("/api/v10/users/@me", headers=AUTH) as resp:
                assert resp.status == 401  # the old token is dead
            await first.close()
        assert fake.token_resets == 1 and fake.token != TOKEN


async def test_the_global_limit_is_per_bot_token() -> None:
    policy = RateLimitPolicy(global_per_second=1, buckets=[], default=BucketRule(100, 10.0))
    async with FakeDiscord(token=TOKEN, rate_limits=policy) as fake:
        async with aiohttp.ClientSession(base_url=fake.url) as http:
            statuses = []
            for headers in (AUTH, AUTH, {}):
                async with http.get("/api/v10/gateway", headers=headers) as resp:
                    statuses.append(resp.status)
        assert statuses == [200, 429, 200]  # no token: the address's own budget
        assert fake.global_429s == 1
