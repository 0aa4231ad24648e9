"""The wire format, checked with a bare aiohttp client (no discord.py in between)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from fakecord import FakeDiscord, RateLimitPolicy
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
