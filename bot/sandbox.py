"""``python -m bot sandbox``: the real bot against the loopback Discord, driven from a terminal."""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from fakecord import FakeDiscord, build_demo_world, run_repl, running_bot, stdin_lines

BANNER = """watchparty-bot sandbox: a local fake Discord, no account needed.
Server "Movie Night", channel #general, you are {user}. Type `help` for commands, `quit` to leave.
Try: /film info lost in starlight · /timezone set Seoul · /film ask who voices Jay?
"""


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
                )
    sys.stdout.flush()
    return 0
