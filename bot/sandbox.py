"""``python -m bot sandbox``: the real bot against the loopback Discord, driven from a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.domain.zones import zone_from_key
from bot.scheduler import Scheduler
from fakecord import FakeDiscord, build_demo_world, run_repl, running_bot, stdin_lines
from fakecord.clock import ShiftedClock
from faketmdb import FakeTmdb

if TYPE_CHECKING:
    from bot.app import WatchpartyBot

BANNER = """watchparty-bot sandbox: a local fake Discord, no account needed.
Server "Movie Night", channel #general, you are {user}. Mina has Manage Server: `as Mina` to try
/config. Type `help` for commands, `quit` to leave.
Try: /film info lost in starlight · /timezone set Seoul · /film ask who voices Jay?
{tmdb}
Time moves too: `time 2025-05-29 12:00`, `/premiere follow film: lost in starlight dm: True`,
then `wait 20h` to see the premiere ping arrive.
"""

#: How far before a delivery's due time `wait` stops, so the bot sends it on time, not late.
LEAD = timedelta(milliseconds=300)
#: How long `wait` lets one delivery take before moving on without it.
SEND_TIMEOUT = 10.0


async def member_zone(bot: WatchpartyBot, user_id: int) -> tzinfo | None:
    """The zone a member registered with /timezone set: Discord's client shows ``<t:...>`` in
    the reader's own zone, so the sandbox shows times in this one."""
    key = await bot.preferences.own_zone(user_id)
    return zone_from_key(key) if key else None


class SandboxTime:
    """The sandbox's clock: real time until moved; moving it ahead steps through each delivery
    due on the way, so reminders and pings go out at their own time (not late, not missed)."""

    def __init__(self, clock: ShiftedClock, scheduler: Scheduler) -> None:
        self.clock = clock
        self.scheduler = scheduler

    def now(self) -> datetime:
        return self.clock.now()

    async def move_to(self, instant: datetime) -> None:
        while instant > self.clock.now():
            due = await self.scheduler.next_due()
            if due is None or due > instant:
                break
            self.clock.set(max(due - LEAD, self.clock.now()))
            await self._sent(due)
        self.clock.set(instant)

    async def _sent(self, due: datetime) -> None:
        """Until nothing due by ``due`` is pending or being sent (or SEND_TIMEOUT passed)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + SEND_TIMEOUT
        while loop.time() < give_up:
            await asyncio.sleep(0.05)
            pending = await self.scheduler.next_due()
            if (pending is None or pending > due) and self.scheduler.idle:
                return


async def run_sandbox(settings: Settings) -> int:
    from bot.app import create_bot

    # The sandbox talks to the terminal: keep library chatter out of the conversation.
    if logging.getLogger().level < logging.WARNING:
        logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="watchparty-sandbox-") as tmp:
        clock = ShiftedClock(datetime.now(UTC))
        async with contextlib.AsyncExitStack() as stack:
            fake = await stack.enter_async_context(
                FakeDiscord(token="sandbox-token", clock=clock.now)
            )
            world = build_demo_world(fake)
            sandbox_settings = replace(
                settings,
                token=fake.token,
                database=Path(tmp) / "sandbox.sqlite3",
                dev_guild_id=None,
            )
            tmdb_line = "TMDB: yours (TMDB_TOKEN is set)."
            if not settings.tmdb_token:  # a loopback TMDB with a few films, so any-film works
                tmdb = await stack.enter_async_context(FakeTmdb())
                sandbox_settings = replace(
                    sandbox_settings, tmdb_token=tmdb.token, tmdb_api_url=tmdb.base_url
                )
                tmdb_line = (
                    "TMDB: a local fake with a few films: try /film info parasite or "
                    "/watchparty create film: dune."
                )
            bot = await create_bot(sandbox_settings, clock=clock)
            async with running_bot(fake, bot):
                you = fake.world.users[world.default_user_id]
                print(BANNER.format(user=you.display_name, tmdb=tmdb_line), flush=True)
                await run_repl(
                    fake,
                    guild_id=world.guild_id,
                    channel_id=world.general_id,
                    user_id=world.default_user_id,
                    lines=stdin_lines(),
                    write=lambda text: print(text, flush=True),
                    viewer_zone=lambda user_id: member_zone(bot, user_id),
                    clock=SandboxTime(clock, bot.scheduler),
                )
    sys.stdout.flush()
    return 0
