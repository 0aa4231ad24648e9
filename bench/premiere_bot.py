"""Run the real bot in its own process against a FakeDiscord running elsewhere (on 127.0.0.1).

The premiere benchmark starts this, SIGKILLs it in the middle of a fan-out and starts it again on
the same database, as a crash and a restart would. The bot's clock is the real clock shifted by
``--offset`` seconds, so both runs agree on "now".

    python -m bench.premiere_bot --api-base http://127.0.0.1:PORT/api/v10 \\
        --gateway ws://127.0.0.1:PORT/ --token T --db DB --films-dir DIR --offset SECONDS \\
        [--shard-count 4 --shard-ids 1]

``--db`` is an SQLite file or a PostgreSQL URL; the sharded benchmark starts one process per
shard.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime, timedelta

import discord.gateway
import discord.http
import yarl

from bench import env_for
from bot.app import create_bot
from bot.config import load_settings
from fakecord.clock import ShiftedClock


def install(api_base: str, gateway: str) -> None:
    """Point discord.py at the fake, as FakeDiscord.install() does in-process."""
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


async def serve(args: argparse.Namespace) -> None:
    install(args.api_base, args.gateway)
    clock = ShiftedClock(datetime.now(UTC) + timedelta(seconds=args.offset))
    settings = load_settings(
        {
            "DISCORD_TOKEN": args.token,
            **env_for(args.db),
            **(
                {"SHARD_COUNT": args.shard_count, "SHARD_IDS": args.shard_ids}
                if args.shard_ids
                else {}
            ),
            "FILMS_DIR": args.films_dir,
            "LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )
    bot = await create_bot(settings, clock)
    bot._connection.guild_ready_timeout = 0.05  # the fake sends every guild at once
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(args.token))
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if runner.done():
            runner.result()  # raise what ended it
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--films-dir", required=True)
    parser.add_argument("--offset", type=float, required=True)
    parser.add_argument("--shard-count", default="", help="SHARD_COUNT for this process")
    parser.add_argument("--shard-ids", default="", help="SHARD_IDS for this process, e.g. 0-1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
