"""Run a real discord.py client against a FakeDiscord for the length of an ``async with``.

async with FakeDiscord() as fake:
    guild = fake.add_guild("Movie Night")
    async with running_bot(fake, MyBot(...)) as bot:
        ...                      # bot is logged in, connected and ready
    # bot closed, its tasks finished
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from .fake import FakeDiscord

log = logging.getLogger(__name__)
ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    bot: ClientT,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[ClientT]:
    """Start ``fake`` if needed, install it, log ``bot`` in, connect, wait for on_ready; clean up.

    ``guild_ready_timeout`` shortens how long discord.py waits after the last GUILD_CREATE before
    firing on_ready (2 s by default); None leaves the bot's own setting. A failing login
    (``discord.LoginFailure`` for a wrong token) or a fatal gateway close propagates after the
    client was closed. On exit the client is closed and its connect task awaited, so no task is
    left pending.
    """
    started_here = not fake.running
    if started_here:
        await fake.start()
    installed_here = not fake.is_installed
    fake.install()
    try:
        async with logged_in(
            bot,
            token if token is not None else fake.token,
            ready_timeout=ready_timeout,
            guild_ready_timeout=guild_ready_timeout,
        ):
            yield bot
    finally:
        if installed_here:
            fake.uninstall()
        if started_here:
            await fake.stop()


@contextlib.asynccontextmanager
async def logged_in(
    bot: ClientT,
    token: str,
    *,
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in and connect it to wherever discord.py points (a fake installed here or
    in another process), wait for on_ready; on exit close it and finish its connect task."""
    connect: asyncio.Task[None] | None = None
    try:
        if guild_ready_timeout is not None:
            # A documented Client option, also settable after construction on the state.
            bot._connection.guild_ready_timeout = guild_ready_timeout
        try:
            await bot.login(token)
        except BaseException:
            await bot.close()
            raise
        connect = asyncio.create_task(bot.connect(reconnect=True), name="sandbox-bot-connect")
        await _wait_ready(bot, connect, ready_timeout)
        yield bot
    finally:
        await bot.close()
        if connect is not None:
            await _finish(connect)


async def _wait_ready(bot: discord.Client, connect: asyncio.Task[None], limit: float) -> None:
    ready = asyncio.create_task(bot.wait_until_ready(), name="sandbox-wait-ready")
    try:
        done, _ = await asyncio.wait(
            {ready, connect}, timeout=limit, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        if not ready.done():
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
    if ready in done:
        return
    if connect in done:
        exc = connect.exception()
        if exc is not None:
            raise exc
        raise RuntimeError("the bot's connection ended before it became ready")
    raise TimeoutError(f"the bot was not ready after {limit}s")


async def _finish(task: asyncio.Task[None]) -> None:
    """Let connect() end after close(); cancel it if it hangs. Its errors here are noise."""
    done, _ = await asyncio.wait({task}, timeout=5.0)
    if not done:
        log.warning("the bot's connect task did not end after close(); cancelling it")
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        log.debug("bot connect task ended with an error during shutdown", exc_info=task.exception())
