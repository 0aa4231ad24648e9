"""Command line: ``python -m bot [run|sandbox|films validate|films import FILE|db copy --to URL]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

import discord

from bot.config import ConfigError, Settings, load_settings
from bot.errors import DataError
from bot.storage.db import (
    DatabaseRefused,
    SchemaTooNew,
    describe,
    is_postgres_url,
    postgres_url_parts,
)

log = logging.getLogger("bot")

EXIT_CONFIG = 2


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # discord.py's gateway chatter is noisy at INFO and says nothing a bot owner needs; its
    # client's one INFO line, "logging in using static token", would repeat on every retry.
    for name in ("discord.gateway", "discord.client"):
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.WARNING))
    # aiosqlite logs every statement twice, with its parameters, at DEBUG: our DEBUG is for us.
    logging.getLogger("aiosqlite").setLevel(max(logging.getLevelName(level), logging.INFO))


async def run_bot(settings: Settings) -> int:
    from bot.app import create_bot, login_when_reachable

    bot = await create_bot(settings)
    # Ctrl-C and SIGTERM (systemd, docker stop) close the bot cleanly: the scheduler lets sends
    # in progress finish and the database is closed, instead of a task being cancelled mid-write.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, stop.set)
    try:
        async with bot:
            # Logging in may wait for Discord to be reachable: a stop cancels it at once.
            login = asyncio.create_task(
                login_when_reachable(bot, settings.token, settings.connect_retry)
            )
            if not await finished_before(login, stop):
                log.info("Shutting down")
                login.cancel()
                await asyncio.gather(login, return_exceptions=True)
                return 0
            login.result()  # a rejected token
            running = asyncio.create_task(bot.connect())
            if await finished_before(running, stop):
                running.result()  # a fatal gateway error
            else:
                log.info("Shutting down")
                await bot.close()
                await asyncio.gather(running, return_exceptions=True)
    except discord.LoginFailure:
        print(
            "Discord rejected the token (401 Unauthorized). Check DISCORD_TOKEN in your .env: "
            "copy it again from the Developer Portal (Bot -> Reset Token).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return 0


async def finished_before(task: asyncio.Task[None], stop: asyncio.Event) -> bool:
    """Wait for ``task`` or ``stop``, whichever comes first: True if the task finished."""
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    return task.done()


def cmd_films(args: argparse.Namespace, settings: Settings) -> int:
    if args.films_command == "validate":
        from bot.storage.films import validate_dir

        directory = Path(args.directory) if args.directory else settings.films_dir
        try:
            check = validate_dir(directory)
        except NotADirectoryError:
            print(
                f"error: {directory} is not a folder: name the folder of your film files "
                "(by default FILMS_DIR, else data/films)",
                file=sys.stderr,
            )
            return 1
        if not check.checked:
            print(f"no film files (*.toml) in {directory}")
        print_problems(check.bad)
        print(films_summary(check.checked, check.bad, f" in {directory}"))
        return 1 if check.bad else 0

    async def do_import() -> int:
        from bot.storage.db import open_database
        from bot.storage.films import import_film_file

        db = await open_database(settings.database)
        try:
            film = await import_film_file(
                db, Path(args.file), settings.films_dir, replace=args.replace
            )
        except DataError as bad:
            print_problems([bad])
            print(films_summary(1, [bad]) + "; nothing imported")
            return 1
        except (FileExistsError, FileNotFoundError) as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        finally:
            await db.close()
        print(f"imported {film.id} ({film.title}) into {settings.films_dir}")
        print(films_summary(1, []))
        return 0

    return asyncio.run(do_import())


def print_problems(bad: list[DataError]) -> None:
    """Every problem of every bad film file, one ``error: path: field: problem`` line each."""
    for file_error in bad:
        for problem in file_error.errors:
            print(f"error: {problem}", file=sys.stderr)


def films_summary(checked: int, bad: list[DataError], where: str = "") -> str:
    """The last line of ``films validate`` and ``films import``: files checked, files with
    errors, errors."""
    errors = sum(len(file_error.errors) for file_error in bad)
    return f"checked {checked} film file(s){where}: {len(bad)} with errors, {errors} error(s)"


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """``db copy``: move the SQLite database to PostgreSQL."""
    if not is_postgres_url(args.to):
        print(
            "error: --to must be a PostgreSQL URL (postgresql://user:password@host:5432/name)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if postgres_url_parts(args.to) is None:  # never echoed: the part that failed is the password
        print(
            "error: --to can't be parsed as a PostgreSQL URL: percent-encode special characters "
            "in the password (/ is %2F, # is %23)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if args.source:
        source = Path(args.source)
    elif isinstance(settings.database, Path):
        source = settings.database
    else:
        print(
            "error: DATABASE_URL is set, so I don't know which SQLite file to copy: "
            "name it with --from PATH",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if not source.is_file():
        print(
            f"error: there is no SQLite database at {source}: name it with --from PATH "
            "(by default DATABASE_PATH)",
            file=sys.stderr,
        )
        return 1
    return asyncio.run(copy_to_postgres(source, args.to, args.force))


async def copy_to_postgres(source: Path, url: str, force: bool) -> int:
    from bot.storage.copy import CopyFailed, TargetNotEmpty, copy_database
    from bot.storage.db import DatabaseUnreachable, open_database

    started = time.monotonic()
    try:
        target = await open_database(url, pool_size=2)
    except DatabaseUnreachable as problem:
        print(f"error: can't reach PostgreSQL at {problem}; nothing copied", file=sys.stderr)
        return 1
    try:
        db = await open_database(source)
        try:
            result = await copy_database(db, target, force=force, progress=CopyProgress())
        finally:
            await db.close()
    except TargetNotEmpty as full:
        print(
            f"error: {describe(url)} already holds data (in {full}): copy into an empty "
            "database, or add --force to replace its rows",
            file=sys.stderr,
        )
        return 1
    except CopyFailed as problem:
        print(f"error: {problem}; nothing copied", file=sys.stderr)
        return 1
    finally:
        await target.close()
    seconds = time.monotonic() - started
    print(
        f"copied {result.tables} tables, {rows(result.rows)} to {describe(url)} in {seconds:.1f} s"
    )
    return 0


def rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


class CopyProgress:
    """Rows copied so far, per table, on stderr: one line updated in place on a terminal, plain
    lines otherwise (a line per table, and one every ``every`` rows of a long one)."""

    def __init__(self, stream: TextIO | None = None, every: int = 50_000) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.shown = 0  # rows of the current table last shown as a plain line

    def __call__(self, table: str, copied: int, total: int) -> None:
        line = (
            f"{table}: {rows(total)}"
            if copied == total
            else f"{table}: {copied:,} of {rows(total)}"
        )
        if self.tty:
            end = "\n" if copied == total else ""
            self.stream.write(f"\r\x1b[K{line}{end}")
            self.stream.flush()
        elif copied == total or copied >= self.shown + self.every:
            print(line, file=self.stream)
            self.shown = 0 if copied == total else copied


# Plain text: argparse prints descriptions as they are, so no reStructuredText from docstrings.
DESCRIPTION = (
    "watchparty-bot: film answers, watch parties and premiere pings on Discord. Without a "
    "command it runs the bot, with the settings from the environment or a .env file (see "
    ".env.example)."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watchparty-bot", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and run the bot (default)")
    sub.add_parser("sandbox", help="run the bot against a local fake Discord and type commands")
    films = sub.add_parser("films", help="check or add film data files")
    films_sub = films.add_subparsers(dest="films_command", required=True)
    validate = films_sub.add_parser("validate", help="validate every film file")
    validate.add_argument("directory", nargs="?", help="default: FILMS_DIR or data/films")
    imp = films_sub.add_parser(
        "import", help="validate a film file, copy it into the store, load it"
    )
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help="overwrite a film with the same id")
    db = sub.add_parser("db", help="move the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser("copy", help="copy the SQLite database into an empty PostgreSQL one")
    copy.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://user:password@host/name"
    )
    copy.add_argument(
        "--from", dest="source", metavar="PATH", help="the SQLite file (default: DATABASE_PATH)"
    )
    copy.add_argument(
        "--force", action="store_true", help="replace the rows the PostgreSQL database holds"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings(require_token=command == "run")
    except ConfigError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level)
    try:
        if command == "films":
            return cmd_films(args, settings)
        if command == "db":
            return cmd_db(args, settings)
        if command == "sandbox":
            from bot.sandbox import run_sandbox

            return asyncio.run(run_sandbox(settings))
        return asyncio.run(run_bot(settings))
    except (SchemaTooNew, DatabaseRefused) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
