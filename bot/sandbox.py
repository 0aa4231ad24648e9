"""``python -m bot sandbox``: the real bot against the loopback Discord, driven from a terminal."""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.domain.zones import zone_from_key
from bot.storage.settings import get_user_zone
from fakecord import FakeDiscord, build_demo_world, run_repl, running_bot, stdin_lines

if TYPE_CHECKING:
    from bot.app import WatchpartyBot

BANNER = """watchparty-bot sandbox: a local fake Discord, no account needed.
Server "Movie Night", channel #general, you are {user}. Mina has Manage Server: `as Mina` to try
/config. Type `help` for commands, `quit` to leave.
Try: /film info lost in starlight · /timezone set Seoul · /film ask who voices Jay?
"""


async def member_zone(bot: WatchpartyBot, user_id: int) -> tzinfo | None:
    """The zone a member registered with /timezone set: Discord's client shows ``<t:...>`` in
    the reader's own zone, so the sandbox shows times in this one."""
    key = await get_user_zone(bot.db, user_id)
    return zone_from_key(key) if key else None


async def run_sandbox(settings: Settings) -> int:
    from bot.app import create_bot

    # The sandbox talks to the terminal: keep library chatter out of the conversation.
    if logging.getLogger().level < logging.WARNING:
        logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="watchparty-sandbox-") as tmp:
        async with FakeDiscord(token="sandbox-token") as fake:
            world = build_demo_world(fake)
            sandbox_settings = replace(
                settings,
                token=fake.token,
                database=Path(tmp) / "sandbox.sqlite3",
                dev_guild_id=None,
            )
            bot = await create_bot(sandbox_settings)
            async with running_bot(fake, bot):
                user = next(iter(world.members))
                print(BANNER.format(user=user), flush=True)
                await run_repl(
                    fake,
                    guild_id=world.guild_id,
                    channel_id=world.general_id,
                    user_id=world.default_user_id,
                    lines=stdin_lines(),
                    write=lambda text: print(text, flush=True),
                    viewer_zone=lambda user_id: member_zone(bot, user_id),
                )
    sys.stdout.flush()
    return 0
