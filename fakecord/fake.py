"""FakeDiscord: a loopback Discord (REST + gateway) for an unmodified discord.py client.

async with FakeDiscord(token="t") as fake:          # starts, and points discord.py at it
    guild = fake.add_guild("Movie Night")
    general = fake.add_channel(guild, "general")
    async with running_bot(fake, bot):              # see fakecord.harness
        handle = await fake.slash(guild, general, user, "film info", {"title": "x"})
        reply = await handle.response()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import web

from .driver import BotDriver
from .faults import FaultInjector, FaultRule, RateLimiter, RateLimitPolicy
from .gateway import HEARTBEAT_ACK_DELAY, RESUMABLE_CLOSE, GatewayServer, Session
from .interactions import InteractionHandle
from .mentions import Pings
from .messages import MessageStore
from .payloads import channel_payload, guild_create_payload, member_payload, role_payload
from .permissions import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE, Perm
from .records import GatewayFrame, RequestRecord
from .rest import API_PREFIX, RestApi
from .shards import IdentifyGate, IdentifyRecord, ShardPolicy
from .state import ChannelType, StoredMessage, World

log = logging.getLogger(__name__)

# (fake, previous Route.BASE, previous DEFAULT_GATEWAY) for each install, innermost last.
_installs: list[tuple[FakeDiscord, str, yarl.URL]] = []


class FakeDiscord(BotDriver):
    """A fake Discord API and gateway on 127.0.0.1, with a world to build and records to check.

    ``rate_limits``: a :class:`RateLimitPolicy` to enforce real limits (off by default).
    ``interaction_timeout``: seconds the bot has for its first interaction callback (Discord: 3);
    None disables the check. ``clock``: "now" for validating scheduled-event times (pass the
    bot's fake clock when tests move time). ``gateway_compression``: honour ``zlib-stream``.
    ``heartbeat_ack_delay``: seconds before a heartbeat is acknowledged (a round trip).
    ``shards``: a :class:`ShardPolicy` (max_concurrency, the IDENTIFY interval, session starts,
    guilds per shard); Discord's values by default, enforced always.
    """

    def __init__(
        self,
        token: str = "sandbox-token",
        *,
        bot_name: str = "watchparty-bot",
        application_id: int | None = None,
        seed: int = 0,
        rate_limits: RateLimitPolicy | None = None,
        interaction_timeout: float | None = 3.0,
        gateway_compression: bool = True,
        heartbeat_interval_ms: int = 41_250,
        heartbeat_ack_delay: float = HEARTBEAT_ACK_DELAY,
        allow_privileged_intents: bool = False,
        clock: Callable[[], datetime] | None = None,
        nonce_ttl: float = 300.0,
        shards: ShardPolicy | None = None,
    ) -> None:
        self.token = token
        #: How often the fake reset the token because the daily session starts ran out.
        self.token_resets = 0
        self.shard_policy = shards or ShardPolicy()
        self.world = World(bot_name=bot_name, application_id=application_id)
        self.messages = MessageStore(self.world, lambda: self.url)
        self.messages.listeners.append(self._on_message)
        self.gateway = GatewayServer(
            self.world,
            token=lambda: self.token,
            resume_url=lambda: self.resume_gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
            heartbeat_ack_delay=heartbeat_ack_delay,
            compression=gateway_compression,
            allow_privileged=allow_privileged_intents,
            gate=IdentifyGate(self.shard_policy),
            reset_token=self._reset_token,
        )
        self.gateway.changed = self._bump
        self.faults = FaultInjector(seed)
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits else None
        self.interaction_timeout = interaction_timeout
        self.nonce_ttl = nonce_ttl
        self._clock = clock
        self.requests: list[RequestRecord] = []
        self.unknown_requests: list[RequestRecord] = []
        #: Requests in the order they were answered (``requests`` is in arrival order).
        self.answered: list[RequestRecord] = []
        self.interactions: dict[int, InteractionHandle] = {}
        self._interactions_by_token: dict[str, InteractionHandle] = {}
        self._message_log: list[StoredMessage] = []
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # ================================================================= lifecycle
    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        RestApi(self).install(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.debug("fake Discord listening on %s", self.url)

    async def stop(self) -> None:
        """Close gateway connections and the server (uninstalls first if installed)."""
        self.uninstall()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    @property
    def is_installed(self) -> bool:
        """Whether discord.py currently points at this fake."""
        return bool(_installs) and _installs[-1][0] is self

    def install(self) -> None:
        """Point discord.py (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY) at this fake."""
        if not self.running:
            raise RuntimeError("start() the fake before installing it")
        if _installs and _installs[-1][0] is self:
            return
        _installs.append(
            (self, discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        )
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def uninstall(self) -> None:
        """Restore what install() replaced (no-op when not installed)."""
        if not any(entry[0] is self for entry in _installs):
            return
        if _installs[-1][0] is not self:
            raise RuntimeError("uninstall fakes in the reverse order of install")
        _, base, gateway = _installs.pop()
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        self.install()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def now(self) -> datetime:
        return self._clock() if self._clock is not None else datetime.now(UTC)

    # ================================================================= building the world
    @property
    def bot_user_id(self) -> int:
        return self.world.bot_id

    @property
    def application_id(self) -> int:
        return self.world.application_id

    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE,
        shard: tuple[int, int] | None = None,
    ) -> int:
        """A guild the bot is in; its managed role gets ``bot_permissions``. Returns the id.

        ``shard=(shard_id, shard_count)``: a guild whose events go to that shard.
        """
        guild = self.world.add_guild(
            name,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            shard=shard,
        )
        self.world.emit("GUILD_CREATE", guild_create_payload(self.world, guild), guild.id)
        return guild.id

    def add_channel(
        self,
        guild_id: int,
        name: str,
        type: ChannelType = ChannelType.TEXT,
        *,
        bot_can_send: bool = True,
        bot_can_view: bool = True,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> int:
        """A guild channel; ``bot_can_send=False`` adds a member overwrite denying SEND_MESSAGES."""
        channel = self.world.add_channel(guild_id, name, type, parent_id=parent_id, topic=topic)
        deny = (0 if bot_can_send else int(Perm.SEND_MESSAGES)) | (
            0 if bot_can_view else int(Perm.VIEW_CHANNEL)
        )
        if deny:
            self.world.set_overwrite(channel.id, self.world.bot_id, deny=deny, member=True)
        self.world.emit("CHANNEL_CREATE", channel_payload(self.world, channel), guild_id)
        return channel.id

    def delete_channel(self, channel_id: int) -> None:
        channel = self.world.remove_channel(channel_id)
        self.world.emit("CHANNEL_DELETE", channel_payload(self.world, channel), channel.guild_id)

    def set_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a role's or member's permission overwrite on a channel."""
        self.world.set_overwrite(channel_id, target_id, allow=allow, deny=deny)
        channel = self.world.channel(channel_id)
        self.world.emit("CHANNEL_UPDATE", channel_payload(self.world, channel), channel.guild_id)

    def add_role(
        self,
        guild_id: int,
        name: str,
        permissions: int = 0,
        *,
        mentionable: bool = False,
        color: int = 0,
    ) -> int:
        role = self.world.add_role(
            guild_id, name, permissions, mentionable=mentionable, color=color
        )
        self.world.emit(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role_payload(role)}, guild_id
        )
        return role.id

    def add_member(
        self,
        guild_id: int,
        name: str,
        *,
        permissions: int | None = None,
        roles: tuple[int, ...] | list[int] = (),
        nick: str | None = None,
        user_id: int | None = None,
        bot: bool = False,
    ) -> int:
        """A member (a new user unless ``user_id`` is given). ``permissions`` adds a personal role."""
        world = self.world
        user = world.user(user_id) if user_id is not None else world.add_user(name, bot=bot)
        role_ids = list(roles)
        if permissions is not None:
            role_ids.append(self.add_role(guild_id, f"{name} permissions", permissions))
        member = world.add_member(guild_id, user, role_ids=role_ids, nick=nick)
        world.emit(
            "GUILD_MEMBER_ADD",
            {**member_payload(world, member), "guild_id": str(guild_id)},
            guild_id,
        )
        return user.id

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Replace the permissions of the bot's managed role in a guild."""
        guild = self.world.guild(guild_id)
        role = guild.roles[guild.bot_role_id]
        role.permissions = int(permissions)
        self.world.emit(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role_payload(role)}, guild_id
        )

    def open_dm(self, user_id: int) -> int:
        """The DM channel id between the bot and a user (created on first use)."""
        return self.world.open_dm(user_id).id

    def block_dms(self, user_id: int, blocked: bool = True) -> None:
        """Make DMs to this user fail with 403 50007, like a user who closed their DMs."""
        self.world.user(user_id).dms_blocked = blocked

    def user_id(self, name: str, guild_id: int | None = None) -> int:
        """A user's id by name (within a guild when given)."""
        if guild_id is not None:
            member = self.world.find_member(guild_id, name)
            if member is not None:
                return member.user_id
        else:
            for user in self.world.users.values():
                if name.casefold() in (user.username.casefold(), user.display_name.casefold()):
                    return user.id
        raise LookupError(f"no user named {name!r}")

    def post_user_message(self, channel_id: int, user_id: int, content: str) -> StoredMessage:
        """A person posts a message (dispatched as MESSAGE_CREATE, content gated by intent)."""
        return self.messages.create(channel_id, user_id, {"content": content}, [], origin="user")

    # ================================================================= records and views
    def messages_in(
        self,
        channel_id: int,
        *,
        origin: str | None = None,
        include_ephemeral: bool = False,
        include_deleted: bool = False,
    ) -> list[StoredMessage]:
        """Messages in a channel, oldest first (interaction replies included unless filtered)."""
        return [
            m
            for m in self.world.channel_messages.get(channel_id, {}).values()
            if (include_deleted or not m.deleted)
            and (include_ephemeral or not m.ephemeral)
            and (origin is None or m.origin == origin)
        ]

    def channel_posts(self, channel_id: int) -> list[StoredMessage]:
        """Messages the bot posted with POST /channels/{id}/messages (e.g. scheduled pings)."""
        return self.messages_in(channel_id, origin="channel", include_deleted=True)

    def message(self, message_id: int) -> StoredMessage:
        return self.world.messages[message_id]

    def requests_matching(
        self, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        return [r for r in self.requests if r.matches(method, path)]

    def pings(self, message: StoredMessage) -> Pings:
        return self.messages.pings(message)

    def pinged_user_ids(self, message: StoredMessage) -> set[int]:
        """Who would get a notification for this message (roles and @everyone expanded)."""
        return self.messages.pinged_user_ids(message)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Registered command objects: global ones, or one guild's."""
        registry = (
            self.world.global_commands
            if guild_id is None
            else self.world.guild_commands.get(guild_id, {})
        )
        return [c.payload for c in registry.values()]

    def scheduled_events(self, guild_id: int) -> list[dict[str, Any]]:
        return list(self.world.guild(guild_id).scheduled_events.values())

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        """Every payload the client sent over the gateway (tokens redacted)."""
        return self.gateway.frames

    @property
    def sessions(self) -> list[Session]:
        return list(self.gateway.sessions.values())

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Every IDENTIFY the gateway got, from any process: shard, bucket, time, outcome."""
        return self.gateway.gate.identifies

    @property
    def global_429s(self) -> int:
        """Global 429s the enforced rate limits answered (``rate_limits=``; injected ones not)."""
        return self.rate_limiter.global_limited if self.rate_limiter is not None else 0

    def _reset_token(self) -> None:
        # What Discord does when the daily session starts run out: the old token stops working.
        self.token = f"reset-{secrets.token_hex(16)}"
        self.token_resets += 1

    # ================================================================= waiting
    def _bump(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
        message: str = "",
    ) -> None:
        """Wait until ``predicate()`` holds; re-checked on every change and every 20 ms.

        The polling covers predicates on the bot's side (its cache), which the fake can't see
        change. Raises TimeoutError(message) when time runs out.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(message or f"condition not met within {timeout}s")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.02))

    async def wait_for_messages(
        self,
        channel_id: int | None = None,
        *,
        count: int = 1,
        predicate: Callable[[StoredMessage], bool] | None = None,
        origin: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> list[StoredMessage]:
        """Wait until ``count`` messages (already there or new) match; returns them in order."""
        found: list[StoredMessage] = []
        pos = 0

        def check() -> bool:
            nonlocal pos
            log_ = self._message_log
            while pos < len(log_) and len(found) < count:
                m = log_[pos]
                pos += 1
                if (
                    (channel_id is None or m.channel_id == channel_id)
                    and (origin is None or m.origin == origin)
                    and (predicate is None or predicate(m))
                ):
                    found.append(m)
            return len(found) >= count

        await self.wait_until(
            check,
            timeout,
            f"waited {timeout}s for {count} message(s)"
            f"{f' in channel {channel_id}' if channel_id else ''}",
        )
        return found

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        predicate: Callable[[StoredMessage], bool] | None = None,
        origin: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> StoredMessage:
        return (
            await self.wait_for_messages(
                channel_id, predicate=predicate, origin=origin, timeout=timeout
            )
        )[0]

    async def wait_for_request(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> list[RequestRecord]:
        """Wait until ``count`` answered requests (any so far) match method and path pattern."""
        found: list[RequestRecord] = []
        pos = 0

        def check() -> bool:
            nonlocal pos
            answered = self.answered
            while pos < len(answered) and len(found) < count:
                if answered[pos].matches(method, path):
                    found.append(answered[pos])
                pos += 1
            return len(found) >= count

        await self.wait_until(
            check, timeout, f"waited {timeout}s for {count} {method or ''} {path or ''} request(s)"
        )
        return found

    async def wait_for_resume(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> None:
        """Wait until sessions have resumed ``count`` times in total and are connected."""
        await self.wait_until(
            lambda: (
                sum(s.resumes for s in self.gateway.sessions.values()) >= count
                and self.gateway.connected
            ),
            timeout,
            "the bot did not resume",
        )

    def _on_message(self, message: StoredMessage, what: str) -> None:
        if what == "create":
            self._message_log.append(message)
        self._bump()

    # ================================================================= nonces
    def _nonce_lookup(self, channel_id: int, nonce: Any) -> StoredMessage | None:
        entry = self._nonces.get((channel_id, str(nonce)))
        if entry is None or time.monotonic() - entry[1] > self.nonce_ttl:
            return None
        message = self.world.messages.get(entry[0])
        return None if message is None or message.deleted else message

    def _nonce_remember(self, channel_id: int, nonce: Any, message: StoredMessage) -> None:
        self._nonces[(channel_id, str(nonce))] = (message.id, time.monotonic())

    # ================================================================= faults
    def fail(
        self,
        status: int = 500,
        method: str | None = None,
        path: str | None = None,
        *,
        times: int | None = 1,
        probability: float | None = None,
        predicate: Callable[[RequestRecord], bool] | None = None,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests (or a seeded random share) with ``status``."""
        return self.faults.add(
            FaultRule(
                status,
                method and method.upper(),
                path,
                predicate,
                times=times,
                probability=probability,
            )
        )

    def rate_limit(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        retry_after: float = 0.05,
        times: int | None = 1,
        is_global: bool = False,
        via: bool = True,
        predicate: Callable[[RequestRecord], bool] | None = None,
    ) -> FaultRule:
        """Answer matching requests with a 429 and Discord's headers (``via=False``: no Via)."""
        return self.faults.add(
            FaultRule(
                429,
                method and method.upper(),
                path,
                predicate,
                times=times,
                retry_after=retry_after,
                is_global=is_global,
                via=via,
            )
        )

    def clear_faults(self) -> None:
        """Remove every injected fault: later requests get the fake's ordinary answers."""
        self.faults.clear()

    async def drop_gateway(self, code: int = RESUMABLE_CLOSE) -> int:
        """Close the bot's websocket(s) with a resumable code; events queue up for the resume."""
        return await self.gateway.drop(code)

    def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        self.gateway.send_op(7)

    def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with resumable=False the client must IDENTIFY again."""
        self.gateway.send_op(9, resumable)
