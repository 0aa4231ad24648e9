"""End-to-end harness: the real bot (create_bot) against the loopback Discord, on a temp database.

Generic pieces for every e2e test (films, watch parties, premieres):

    async def test_something(e2e: Harness) -> None:        # fixture: a running bot
        reply = await e2e.run("Ada", "film info", {"title": "lost in starlight"})
        assert not reply.ephemeral
        await e2e.restart()                                 # new bot object, same database
        e2e.clock.set(T0 + timedelta(days=1))               # move "now" (timers are re-armed)

Or without fixtures: ``async with harness(tmp_path) as e2e: ...``. Time is a ShiftedClock
starting at :data:`T0` (real time flows from there, so timers are real); the fake validates
scheduled-event times against the same clock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import WatchpartyBot, create_bot
from bot.config import Settings, load_settings
from fakecord import (
    FakeDiscord,
    InteractionHandle,
    Reply,
    ShardPolicy,
    StoredMessage,
    running_bot,
)
from fakecord.clock import ShiftedClock
from fakecord.permissions import Perm
from fakecord.state import ChannelType
from tests.databases import fresh_database

TOKEN = "e2e-token-0123456789"
#: Tuesday 20 May 2025, 12:00 UTC: ten days before Lost in Starlight comes out (30 May 07:00 UTC).
T0 = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)

log = logging.getLogger(__name__)


@dataclass
class Server:
    """Ids of the test server: channels by role, members by name."""

    guild: int
    general: int
    voice: int
    announcements: int  # the bot may view but not send here
    members: dict[str, int]
    host_role: int  # Manage Events + Mention Everyone, mentionable; Ada has it
    owner: int  # the guild owner ("sandbox-owner"): every permission, e.g. for /config

    def __getitem__(self, name: str) -> int:
        return self.members[name]


def build_server(fake: FakeDiscord, *, bot_permissions: int | None = None) -> Server:
    """One guild: #general, a voice channel, #announcements (read-only for the bot), a Host
    role (Manage Events) held by Ada, and members Ada, Bruno, Chiara, Dae-jung."""
    kwargs = {} if bot_permissions is None else {"bot_permissions": bot_permissions}
    guild = fake.add_guild("Movie Night", **kwargs)
    general = fake.add_channel(guild, "general", topic="Films, parties and premieres")
    voice = fake.add_channel(guild, "Watch Party", ChannelType.VOICE)
    announcements = fake.add_channel(guild, "announcements", bot_can_send=False)
    host = fake.add_role(
        guild, "Host", int(Perm.MANAGE_EVENTS | Perm.MENTION_EVERYONE), mentionable=True
    )
    members = {
        "Ada": fake.add_member(guild, "Ada", roles=[host]),
        "Bruno": fake.add_member(guild, "Bruno"),
        "Chiara": fake.add_member(guild, "Chiara"),
        "Dae-jung": fake.add_member(guild, "Dae-jung"),
    }
    owner = fake.user_id("sandbox-owner", guild)
    return Server(guild, general, voice, announcements, members, host, owner)


def database_env(tmp_path: Path, name: str = "db.sqlite3") -> dict[str, str]:
    """The environment that points a bot (in this process or a child) at the test's database."""
    target = fresh_database(tmp_path, name)
    return {"DATABASE_URL" if isinstance(target, str) else "DATABASE_PATH": str(target)}


#: Seconds between IDENTIFYs of a bucket for test bots (Discord's 5 s would slow every restart
#: on PostgreSQL, whose schedule outlives the process).
IDENTIFY_INTERVAL = 0.1


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test bot: the fake's token, a database in ``tmp_path``."""
    base = load_settings({"DISCORD_TOKEN": TOKEN, **database_env(tmp_path)}, env_file=None)
    return dataclasses.replace(base, **{"identify_interval": IDENTIFY_INTERVAL, **overrides})


class Harness:
    """A FakeDiscord, a server in it, and the real bot: start, stop, restart, drive."""

    def __init__(
        self, fake: FakeDiscord, server: Server, settings: Settings, clock: ShiftedClock
    ) -> None:
        self.fake = fake
        self.server = server
        self.settings = settings
        self.clock = clock
        self._bot: WatchpartyBot | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    @property
    def bot(self) -> WatchpartyBot:
        if self._bot is None:
            raise RuntimeError("the bot is not running (call start())")
        return self._bot

    async def start(self) -> WatchpartyBot:
        """Build a new bot process on the same database and connect it (commands synced)."""
        if self._bot is not None:
            raise RuntimeError("the bot is already running")
        stack = contextlib.AsyncExitStack()
        bot = await create_bot(self.settings, self.clock)
        try:
            await stack.enter_async_context(running_bot(self.fake, bot))
        except BaseException:
            await stack.aclose()
            if not bot.is_closed():
                await bot.close()
            raise
        self._bot, self._stack = bot, stack
        return bot

    async def stop(self) -> None:
        """Close the bot (scheduler, gateway, database) as a shutdown would."""
        stack, self._stack, self._bot = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def restart(self, *, between: Callable[[], Any] | None = None) -> WatchpartyBot:
        """Stop, optionally do something while it is down (e.g. move the clock), start again."""
        await self.stop()
        if between is not None:
            between()
        return await self.start()

    # ------------------------------------------------------------------ driving
    def member(self, who: str | int) -> int:
        return who if isinstance(who, int) else self.server.members[who]

    async def slash(
        self,
        who: str | int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: int | None = None,
    ) -> InteractionHandle:
        """Send a slash command as a member (by name or id) in #general (or ``channel``)."""
        return await self.fake.slash(
            self.server.guild,
            channel or self.server.general,
            self.member(who),
            command,
            options or {},
        )

    async def run(
        self,
        who: str | int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a waiting helper
    ) -> Reply:
        """Send a slash command and wait for its final visible reply."""
        handle = await self.slash(who, command, options, channel=channel)
        return await handle.response(timeout=timeout)

    async def complete(
        self,
        who: str | int,
        command: str,
        option: str,
        value: str,
        *,
        options: Mapping[str, Any] | None = None,
        channel: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a waiting helper
    ) -> Reply:
        """Type ``value`` into an autocomplete option and return the suggestions the bot sent."""
        handle = await self.fake.autocomplete(
            self.server.guild,
            channel or self.server.general,
            self.member(who),
            command,
            focused=option,
            value=value,
            options=options,
        )
        return await handle.response(timeout=timeout)

    async def click(
        self,
        message: StoredMessage | int,
        label: str,
        who: str | int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a waiting helper
    ) -> Reply:
        handle = await self.fake.click(message, label, self.member(who))
        return await handle.response(timeout=timeout)

    def posts(self, channel: int | None = None) -> list[StoredMessage]:
        """What the bot posted with POST /channels/{id}/messages in a channel (default #general)."""
        return self.fake.channel_posts(channel or self.server.general)

    def dms(self, who: str | int) -> list[StoredMessage]:
        """What the bot sent to a member's DMs."""
        return self.fake.channel_posts(self.fake.open_dm(self.member(who)))


@contextlib.asynccontextmanager
async def harness(
    tmp_path: Path,
    *,
    start: datetime = T0,
    settings: Mapping[str, Any] | None = None,
    world: Callable[[FakeDiscord], Server] = build_server,
    run: bool = True,
    **fake_options: Any,
) -> AsyncIterator[Harness]:
    """A fake Discord with ``world`` built in it and (unless ``run=False``) the bot running."""
    clock = ShiftedClock(start)
    # Restarts re-identify at once; Discord's 5 s per IDENTIFY bucket would only slow them down.
    fake_options.setdefault("shards", ShardPolicy(identify_interval=0.05))
    async with FakeDiscord(token=TOKEN, clock=clock.now, **fake_options) as fake:
        h = Harness(fake, world(fake), make_settings(tmp_path, **(settings or {})), clock)
        try:
            if run:
                await h.start()
            yield h
        finally:
            await h.stop()


@pytest.fixture
async def e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot running against a fresh fake and database, "now" at :data:`T0`."""
    async with harness(tmp_path) as h:
        yield h


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
