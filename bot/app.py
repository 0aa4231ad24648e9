"""The Bot subclass: settings, database, film store and clock are passed in; no globals."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import TmdbBadToken, TmdbError, UserError
from bot.ratelimit import bulk, make_limiter, throttle_trace
from bot.scheduler import Outgoing, Scheduler
from bot.services.catalog import REFRESH_EVERY, Catalog
from bot.services.premieres import Premieres
from bot.services.series import SeriesService
from bot.services.settings import Preferences
from bot.services.votes import Votes
from bot.services.watchparty import WatchParties
from bot.sources.tmdb import Tmdb
from bot.storage.db import Database, DatabaseUnreachable, open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore
from bot.storage.identify import LocalSchedule, identify_schedule

log = logging.getLogger(__name__)
T = TypeVar("T")

# The bot never joins voice, so discord.py's "PyNaCl/davey is not installed" warnings are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# cogs.votes adds /watchparty vote to the group cogs.watchparty makes, so it comes after it.
EXTENSIONS = (
    "cogs.film",
    "cogs.timezone",
    "cogs.admin",
    "cogs.watchparty",
    "cogs.votes",
    "cogs.premiere",
)

#: Discord can't be reached: no network, a name that doesn't resolve, a refused or timed-out
#: connection. Start-up waits and tries again; anything else (a rejected token) ends it.
UNREACHABLE = (aiohttp.ClientConnectionError, TimeoutError)
MAX_RETRY_WAIT = 60.0


class BotTree(app_commands.CommandTree):
    """Owns error handling: a UserError becomes an ephemeral hint, anything else an apology."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        cause = user_error(error)
        if cause is not None:
            await reply_ephemeral(interaction, str(cause))
            return
        if isinstance(error, app_commands.MissingPermissions):
            # Discord's app calls manage_guild "Manage Server": name it the way members see it.
            needed = ", ".join(
                p.replace("_", " ").replace("guild", "server").title()
                for p in error.missing_permissions
            )
            await reply_ephemeral(interaction, f"You need the **{needed}** permission to do that.")
            return
        if isinstance(error, app_commands.NoPrivateMessage):
            await reply_ephemeral(interaction, "That command only works inside a server.")
            return
        if isinstance(error, app_commands.CommandOnCooldown):
            await reply_ephemeral(
                interaction, f"Slow down a little: try again in {error.retry_after:.0f} s."
            )
            return
        if isinstance(error, app_commands.CheckFailure):
            await reply_ephemeral(interaction, "You can't use that command here.")
            return
        error_id = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error(
            "Error %s in /%s (guild %s, user %s)",
            error_id,
            command,
            interaction.guild_id,
            interaction.user.id,
            exc_info=error,
        )
        await reply_ephemeral(
            interaction,
            f"Sorry, something went wrong on my side. It has been logged as error `{error_id}`.",
        )


def gateway_intents() -> discord.Intents:
    """What the bot subscribes to: servers, channels, roles, threads and events; no privileged
    intents, and no messages, reactions or typing: everything arrives as interactions, so a
    busy server's chatter never reaches the bot (its own fan-out of pings would come back to
    it as MESSAGE_CREATE events too)."""
    intents = discord.Intents.default()
    intents.messages = intents.reactions = intents.typing = False
    return intents


def user_error(error: BaseException) -> UserError | None:
    """The UserError behind a command or transformer error, if there is one."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, UserError):
            return seen
        seen = getattr(seen, "original", None) or seen.__cause__
    return None


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer privately, whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not send an error reply for interaction %s", interaction.id)


class WatchpartyBot(commands.AutoShardedBot):
    """The bot: runs the shards ``settings`` name (all of them by default) in this process."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        films: FilmStore,
        clock: Clock,
        tmdb: Tmdb | None = None,
    ) -> None:
        # discord.py only slows down after a global 429: every REST request waits for a slot
        # (of one budget shared by every process of the bot, on PostgreSQL).
        limiter = make_limiter(db, settings.global_rate_limit, token=settings.token)
        super().__init__(
            http_trace=throttle_trace(limiter),
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=gateway_intents(),
            tree_cls=BotTree,
            # Nothing pings unless a message names exactly whom it may ping.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,  # None (AUTO): Discord's count, see setup_hook
        )
        # A documented attribute, read when the shards launch (None: all of them); set here
        # because the constructor's option can't be None (config checked it against the count).
        self.shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
        self.limiter = limiter
        self.settings = settings
        self.db = db
        self.films = films
        self.clock = clock
        self._film_watch: asyncio.Task[None] | None = None
        self._film_refresh: asyncio.Task[None] | None = None
        # Discord's session_start_limit.max_concurrency, read in setup_hook before any IDENTIFY.
        self.max_concurrency = 1
        self.identify_schedule = identify_schedule(db)
        self._identify_alone = LocalSchedule()  # when the shared schedule fails
        self.tmdb = tmdb
        self.catalog = Catalog(films, tmdb, clock)
        # Each service registers how its kinds of delivery are built and whom a failure is told.
        self.scheduler = Scheduler(db, clock, self.send_outgoing, grace=settings.late_grace)
        self.preferences = Preferences(db)
        self.parties = WatchParties(db, films, clock, self.scheduler, self.preferences)
        self.hearing = self.parties.hearing  # who hears what: reminders, change notices
        self.votes = Votes(db, clock, self.scheduler, self.parties)
        self.series = SeriesService(db, clock, self.scheduler, self.parties)
        self.premieres = Premieres(
            db, films, clock, self.scheduler, self.preferences, owner_of=self.owner_of
        )
        # A film whose dates moved (a TMDB refresh, an edited file) re-plans its premieres.
        films.on_change.append(self.premieres.film_changed)

    async def owner_of(self, guild_id: int) -> int | None:
        """A server's owner, as GUILD_CREATE told it (no privileged intent needed), or asked
        of Discord when the server is on another process's shard."""
        guild = self.get_guild(guild_id)
        if guild is not None:
            return guild.owner_id
        try:
            return (await self.fetch_guild(guild_id, with_counts=False)).owner_id
        except discord.HTTPException:
            return None

    @property
    def runs_shard_zero(self) -> bool:
        """Whether this process runs shard 0: it syncs the commands and gets the DMs."""
        return self.shard_ids is None or 0 in self.shard_ids

    async def setup_hook(self) -> None:
        for name in EXTENSIONS:
            if name not in self.extensions:  # a login retried after a network error runs this again
                await self.load_extension(name)
        await self.read_gateway()
        # One process syncs: the one with shard 0 (exactly one process runs it, with no lease
        # to hold or lose); the others' trees are the same code, so they match what it synced.
        if self.runs_shard_zero:
            await self.sync_commands()
        else:
            log.info("Not syncing commands: the process that runs shard 0 does")
        await self.scheduler.start()
        if self._film_watch is None:  # films changed by another process (`films import`)
            self._film_watch = asyncio.create_task(self.films.watch(), name="film-watch")
        if self.tmdb is not None and self._film_refresh is None:
            self._film_refresh = asyncio.create_task(self.refresh_films(), name="film-refresh")

    async def read_gateway(self) -> None:
        """Ask Discord (/gateway/bot) for its shard count (for AUTO) and how many shards may
        IDENTIFY at once (max_concurrency)."""
        recommended, _, limits = await self.http.get_bot_gateway()
        self.max_concurrency = max(1, int(limits.get("max_concurrency", 1)))
        if self.settings.shard_count is None:
            self.shard_count = recommended
        log.info(
            "Running shard(s) %s of %d; %d may identify at once",
            ", ".join(map(str, self.shard_ids or range(self.shard_count or 1))),
            self.shard_count,
            self.max_concurrency,
        )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY bucket to be free over all processes (discord.py's
        own hook only sleeps 5 s, and only within one process)."""
        bucket = (shard_id or 0) % self.max_concurrency
        interval = self.settings.identify_interval
        try:
            await self.identify_schedule.turn(bucket, interval)
        except Exception as error:
            # discord.py's reconnect retries only OSError and its own errors: anything else
            # raised here (asyncpg's, while PostgreSQL restarts) would end the bot. Without the
            # shared schedule, wait a whole interval (another process may just have identified)
            # and take turns with this process's other shards.
            log.warning(
                "Can't take shard %s's IDENTIFY turn in the database (%s): waiting %g s instead",
                shard_id,
                type(error).__name__,
                interval,
            )
            await asyncio.sleep(interval)
            await self._identify_alone.turn(bucket, interval)

    async def check_tmdb(self) -> None:
        """One log line when TMDB refuses the token or can't be reached (the bot runs on)."""
        assert self.tmdb is not None
        try:
            await self.tmdb.check()
        except TmdbBadToken:
            log.error("TMDB refused TMDB_TOKEN: film look-ups on TMDB will fail until it is fixed")
        except TmdbError:
            log.warning("TMDB is not answering at start-up; film look-ups will try again")

    async def refresh_films(self) -> None:
        """Fetch stale TMDB films in use again, every REFRESH_EVERY seconds (the store's
        listeners re-plan what depends on them). Errors are logged; the loop goes on. First,
        the token is checked (in the background: a slow TMDB never delays start-up)."""
        await self.check_tmdb()
        while True:
            try:
                await self.catalog.refresh_stale()
            except Exception:
                log.exception("Refreshing films from TMDB failed; trying again later")
            await asyncio.sleep(REFRESH_EVERY)

    async def close(self) -> None:
        for task in (self._film_watch, self._film_refresh):
            if task is not None:
                task.cancel()
        self._film_watch = self._film_refresh = None
        await self.scheduler.stop()
        await self.catalog.close()
        if self.tmdb is not None:
            await self.tmdb.close()
        if not isinstance(self.loop, asyncio.AbstractEventLoop):
            # Never logged in nor entered (start-up failed early): the sharded client's close()
            # needs the queue that initialising it makes.
            await self.__aenter__()
        await super().close()
        await self.limiter.close()
        await self.db.close()

    async def send_outgoing(self, message: Outgoing, nonce: str) -> None:
        """Send one scheduled message; only the members it names may be pinged."""
        mentions = discord.AllowedMentions(
            everyone=False,
            roles=[discord.Object(id=rid) for rid in message.role_ids] or False,
            replied_user=False,
            users=[discord.Object(id=uid) for uid in message.mention_ids],
        )
        with bulk():  # scheduled fan-out queues behind members' commands for the global limit
            if message.channel_id is not None:
                channel: discord.abc.Messageable = self.get_partial_messageable(message.channel_id)
            else:
                assert message.user_id is not None
                channel = await self.create_dm(discord.Object(id=message.user_id))
            await channel.send(
                message.content,
                embed=message.embed or discord.utils.MISSING,
                allowed_mentions=mentions,
                nonce=nonce,
            )

    async def sync_commands(self) -> None:
        guild_id = self.settings.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to development server %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("Synced %d global commands", len(synced))

    async def on_ready(self) -> None:
        log.info(
            "Ready as %s in %d servers (on this process's shards)", self.user, len(self.guilds)
        )


async def when_reachable(
    attempt: Callable[[], Awaitable[T]],
    errors: tuple[type[BaseException], ...],
    why: Callable[[BaseException], str],
    first_wait: float,
    *,
    after_failure: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """``attempt()``; while it raises one of ``errors``, log one line (``why(error)``) per
    failed attempt, run ``after_failure`` and try again, each wait twice the last, up to a
    minute. Any other error is raised at once."""
    wait = first_wait
    while True:
        try:
            return await attempt()
        except errors as error:
            log.warning("%s Trying again in %g s (Ctrl-C to stop).", why(error), wait)
        if after_failure is not None:
            await after_failure()
        await asyncio.sleep(wait)
        wait = min(wait * 2, max(MAX_RETRY_WAIT, first_wait))


async def login_when_reachable(bot: WatchpartyBot, token: str, first_wait: float) -> None:
    """Log in (which runs setup_hook), trying again while Discord can't be reached. A rejected
    token (``discord.LoginFailure``) is raised at once."""

    async def fresh_session() -> None:
        # Each login opens a new HTTP session and leaves the last one open: close it (which
        # closes its connector too) and let the next login make both anew.
        await bot.http.close()
        bot.http.connector = discord.utils.MISSING

    await when_reachable(
        lambda: bot.login(token), UNREACHABLE, unreachable, first_wait, after_failure=fresh_session
    )


async def open_database_when_reachable(target: str | Path, first_wait: float) -> Database:
    """Open the database, trying again while PostgreSQL can't be reached."""
    return await when_reachable(
        lambda: open_database(target),
        (DatabaseUnreachable,),
        lambda error: f"Can't reach PostgreSQL at {error}.",
        first_wait,
    )


def unreachable(error: BaseException) -> str:
    """Why Discord can't be reached, in one sentence for whoever runs the bot."""
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, socket.gaierror):
            return f"Can't reach Discord: {error.host} can't be looked up (no network, or no DNS)."
        if isinstance(cause, ConnectionRefusedError):
            return f"Can't reach Discord: {error.host}:{error.port} refused the connection."
        return f"Can't reach Discord at {error.host}:{error.port}: {cause.strerror or cause}."
    if isinstance(error, TimeoutError):
        return "Can't reach Discord: the connection timed out."
    return f"Can't reach Discord: {str(error) or type(error).__name__}."


async def create_bot(settings: Settings, clock: Clock | None = None) -> WatchpartyBot:
    """Open the database, load the film files, build the store and the bot (which owns the db)."""
    if not settings.tmdb_token:
        log.info("TMDB is off (no TMDB_TOKEN): films come from the store only")
    db = await open_database_when_reachable(settings.database, settings.connect_retry)
    try:
        report = await sync_films(db, settings.films_dir)
        for bad in report.errors:
            for problem in bad.errors:
                log.error("Film file not loaded: %s", problem)
        log.info("Film store: %s", report.summary())
        films = await FilmStore.open(db)
        # The index is built once and lives as long as the bot: move it out of the cyclic GC's
        # reach, so full collections don't pause handlers for ~100 ms with a large store.
        gc.collect()
        gc.freeze()
    except BaseException:
        await db.close()
        raise
    tmdb = Tmdb(settings.tmdb_token, settings.tmdb_api_url) if settings.tmdb_token else None
    return WatchpartyBot(
        settings=settings, db=db, films=films, clock=clock or SystemClock(), tmdb=tmdb
    )
