"""Settings from the environment, with a ``.env`` file read if present. Validated and frozen."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.storage.db import describe, is_postgres_url, postgres_url_parts

DEFAULT_DATABASE = Path("var") / "watchparty.sqlite3"
DEFAULT_FILMS_DIR = Path(__file__).resolve().parent.parent / "data" / "films"
DEFAULT_TMDB_API_URL = "https://api.themoviedb.org/3"
#: Discord's global limit for most bots, requests per second (``GLOBAL_RATE_LIMIT`` for bots
#: granted more).
DISCORD_LIMIT = 50


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    token: str
    database: Path | str = DEFAULT_DATABASE  # an SQLite file, or a postgresql:// URL
    films_dir: Path = DEFAULT_FILMS_DIR
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    late_grace: timedelta = timedelta(minutes=10)
    connect_retry: float = 2.0  # seconds before the first retry when Discord can't be reached
    tmdb_token: str | None = None  # TMDB's API read access token; None: no online catalogue
    tmdb_api_url: str = DEFAULT_TMDB_API_URL
    shard_count: int | None = None  # None: AUTO, the count Discord recommends (/gateway/bot)
    shard_ids: tuple[int, ...] | None = None  # the shards this process runs; None: all
    # Not in the environment: Discord's 5 s between IDENTIFYs of a bucket (tests shorten it
    # to match the fake's).
    identify_interval: float = 5.0
    global_rate_limit: int = DISCORD_LIMIT  # Discord's global limit for this bot, requests/s

    def __repr__(self) -> str:  # never show a token, even in a traceback or debug log
        tmdb_token = "<hidden>" if self.tmdb_token else None
        return (
            f"Settings(token=<hidden>, database={describe(self.database)}, films_dir={self.films_dir!s}, "
            f"dev_guild_id={self.dev_guild_id}, log_level={self.log_level}, "
            f"late_grace={self.late_grace}, connect_retry={self.connect_retry}, "
            f"tmdb_token={tmdb_token}, tmdb_api_url={self.tmdb_api_url}, "
            f"shard_count={self.shard_count or 'AUTO'}, shard_ids={self.shard_ids}, "
            f"global_rate_limit={self.global_rate_limit})"
        )

    __str__ = __repr__


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a simple ``KEY=value`` file: comments, blank lines, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    require_token: bool = True,
) -> Settings:
    """Build settings; the real environment wins over the ``.env`` file."""
    merged: dict[str, str] = dict(read_env_file(env_file)) if env_file else {}
    merged.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    def number(name: str, default: float, *, above_zero: bool = False) -> float:
        """A finite number, 0 or more (``above_zero``: more than 0); ``default`` when unset."""
        text = get(name)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan  # fails every comparison below
        if not (0 < value < math.inf if above_zero else 0 <= value < math.inf):
            least = "above 0" if above_zero else "0 or more"
            raise ConfigError(f"{name} must be a number {least}, not {text!r}.")
        return value

    token = get("DISCORD_TOKEN")
    if token is None and require_token:
        raise ConfigError(
            "DISCORD_TOKEN is not set. Copy .env.example to .env and put your bot token there "
            "(or export DISCORD_TOKEN)."
        )

    guild = get("DEV_GUILD_ID")
    if guild is not None and not guild.isdigit():
        raise ConfigError(f"DEV_GUILD_ID must be a server id (digits only), not {guild!r}.")

    level = (get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}.")

    # The defaults are Settings' own, so each is written once.
    grace = number("LATE_GRACE_MINUTES", Settings.late_grace / timedelta(minutes=1))
    retry = number("CONNECT_RETRY_SECONDS", Settings.connect_retry, above_zero=True)

    tmdb_url = (get("TMDB_API_URL") or DEFAULT_TMDB_API_URL).rstrip("/")
    if not tmdb_url.startswith(("http://", "https://")):
        raise ConfigError(f"TMDB_API_URL must start with http:// or https://, not {tmdb_url!r}.")

    limit = get("GLOBAL_RATE_LIMIT")
    if limit is not None and not (limit.isascii() and limit.isdigit() and int(limit) >= 1):
        raise ConfigError(
            f"GLOBAL_RATE_LIMIT must be a whole number of requests per second (Discord's "
            f"default is {DISCORD_LIMIT}), not {limit!r}."
        )

    url = get("DATABASE_URL")
    if url is not None and not is_postgres_url(url):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host/name); "
            "leave it unset for the SQLite file (DATABASE_PATH)."
        )
    if url is not None and postgres_url_parts(url) is None:
        # Never quote the value: the part that failed to parse is usually the password.
        raise ConfigError(
            "DATABASE_URL can't be parsed as postgresql://user:password@host:port/name. If the "
            "password has special characters (/ # ? @ : %), percent-encode them (/ is %2F, "
            "# is %23)."
        )

    count, ids = shards(get("SHARD_COUNT"), get("SHARD_IDS"), postgres=url is not None)

    return Settings(
        token=token or "",
        database=url or Path(get("DATABASE_PATH") or DEFAULT_DATABASE),
        films_dir=Path(get("FILMS_DIR") or DEFAULT_FILMS_DIR),
        dev_guild_id=int(guild) if guild else None,
        log_level=level,
        late_grace=timedelta(minutes=grace),
        connect_retry=retry,
        tmdb_token=get("TMDB_TOKEN"),
        tmdb_api_url=tmdb_url,
        shard_count=count,
        shard_ids=ids,
        global_rate_limit=int(limit) if limit else DISCORD_LIMIT,
    )


def shards(
    count_text: str | None, ids_text: str | None, *, postgres: bool
) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT (a number, or AUTO/unset: None) and SHARD_IDS (``0-3``, ``0,2``, ``5``;
    unset: None, every shard), checked against each other."""
    count: int | None = None
    if count_text is not None and count_text.upper() != "AUTO":
        if not count_text.isdigit() or int(count_text) < 1:
            raise ConfigError(
                f"SHARD_COUNT must be a number of shards (1 or more) or AUTO, not {count_text!r}."
            )
        count = int(count_text)
    if ids_text is None:
        return count, None
    if count is None:
        raise ConfigError(
            "SHARD_IDS needs SHARD_COUNT set to a number: every process must agree on the "
            "count (AUTO could differ between processes started at different times)."
        )
    ids = shard_ids(ids_text, count)
    if len(ids) < count and not postgres:
        raise ConfigError(
            "SHARD_IDS leaves shards to other processes, and several processes need PostgreSQL "
            "(set DATABASE_URL), or leave SHARD_IDS unset to run every shard here."
        )
    return count, ids


def shard_ids(text: str, count: int) -> tuple[int, ...]:
    """``0-3``, ``0,2``, ``5`` or a mix (``0-3,8``): the ids, ascending, each named once and
    each below ``count``."""
    ids: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
            raise ConfigError(
                f"SHARD_IDS must be shard numbers and ranges like 0-3 or 0,2, not {text!r}."
            )
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ConfigError(f"SHARD_IDS: the range {part.strip()} runs backwards.")
        if last >= count:
            raise ConfigError(
                f"SHARD_IDS names shard {last}, but with SHARD_COUNT={count} the shards "
                f"are 0 to {count - 1}."
            )
        ids.extend(range(first, last + 1))
    if len(set(ids)) < len(ids):
        raise ConfigError(f"SHARD_IDS names a shard more than once: {text!r}.")
    return tuple(sorted(ids))
