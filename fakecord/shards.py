"""Discord's sharding rules for IDENTIFY: valid shards, guilds per shard, session start limits.

From Discord's gateway docs (Sharding, Max Concurrency, Session Start Limit Object):

* ``shard = [shard_id, num_shards]``; a guild's events go to ``(guild_id >> 22) % num_shards``,
  events without a guild (DMs) only to shard 0. An invalid shard closes with 4010.
* A shard may hold at most 2,500 guilds, else the gateway closes with 4011 Sharding required.
  ``GET /gateway/bot`` recommends about one shard per 1,000 guilds.
* Shards IDENTIFY in buckets ``shard_id % max_concurrency``: at most one IDENTIFY per bucket
  every 5 seconds. One too many is answered with op 9 Invalid Session (``d: false``), after
  which discord.py waits in ``before_identify_hook`` (5 s by default) and identifies again.
* 1,000 session starts per 24 hours; past that Discord ends every session and resets the token.

The gate runs on ``time.monotonic`` (real elapsed time, not the movable ``ShiftedClock``): a
test that jumps "now" by a day must not open the IDENTIFY window early, as on Discord.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Close codes and what the gateway says with them.
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011


@dataclass(frozen=True)
class ShardPolicy:
    """The limits the fake enforces on IDENTIFY (Discord's values by default).

    Tests shorten ``identify_interval`` and lower the guild thresholds instead of building
    thousands of guilds; benchmarks keep Discord's numbers.
    """

    max_concurrency: int = 1
    identify_interval: float = 5.0
    session_start_total: int = 1000
    session_start_reset: float = 24 * 3600.0
    max_guilds_per_shard: int = 2500
    guilds_per_recommended_shard: int = 1000


@dataclass(frozen=True)
class IdentifyRecord:
    """One IDENTIFY the gateway received and what came of it.

    ``at`` is ``time.monotonic()`` in the fake's process (one server for every bot process, so
    the times of all shards compare). ``outcome`` is ``"ready"`` (a session started),
    ``"rate limited"`` (op 9: the bucket was busy), ``"invalid shard"`` (4010), ``"sharding
    required"`` (4011) or ``"session starts exhausted"`` (token reset).
    """

    shard: tuple[int, int]
    bucket: int
    at: float
    outcome: str

    @property
    def accepted(self) -> bool:
        return self.outcome == "ready"


def recommended_shards(guild_count: int, per_shard: int = 1000) -> int:
    """The shard count ``GET /gateway/bot`` recommends: one per ``per_shard`` guilds, at least 1."""
    return max(1, math.ceil(guild_count / per_shard))


def parse_shard(value: object) -> tuple[int, int] | None:
    """``[shard_id, num_shards]`` from IDENTIFY (absent means ``[0, 1]``); None if malformed."""
    if value is None:
        return (0, 1)
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return None
    return (value[0], value[1])


def valid_shard(shard: tuple[int, int]) -> bool:
    """Whether ``0 <= shard_id < num_shards`` (Discord closes with 4010 otherwise)."""
    shard_id, count = shard
    return count >= 1 and 0 <= shard_id < count


class IdentifyGate:
    """Decides each IDENTIFY by Discord's rules and records it in :attr:`identifies`."""

    def __init__(
        self, policy: ShardPolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or ShardPolicy()
        self.clock = clock
        self.identifies: list[IdentifyRecord] = []
        self._last_in_bucket: dict[int, float] = {}
        self._used = 0  # session starts in the current window
        self._window_start: float | None = None

    def bucket(self, shard_id: int) -> int:
        """The rate limit key of a shard: ``shard_id % max_concurrency``."""
        return shard_id % max(1, self.policy.max_concurrency)

    def decide(self, shard: tuple[int, int] | None, guilds_on: Callable[[int, int], int]) -> str:
        """The outcome of an IDENTIFY for ``shard`` (None: malformed), recorded.

        ``guilds_on(shard_id, num_shards)`` counts the guilds that shard would carry. Refused
        IDENTIFYs neither use a session start nor hold their bucket.
        """
        now = self.clock()
        self._roll_window(now)
        if shard is None or not valid_shard(shard):
            return self._record(shard or (-1, -1), -1, now, "invalid shard")
        bucket = self.bucket(shard[0])
        if guilds_on(*shard) > self.policy.max_guilds_per_shard:
            return self._record(shard, bucket, now, "sharding required")
        last = self._last_in_bucket.get(bucket)
        if last is not None and now - last < self.policy.identify_interval:
            return self._record(shard, bucket, now, "rate limited")
        if self._used >= self.policy.session_start_total:
            return self._record(shard, bucket, now, "session starts exhausted")
        self._last_in_bucket[bucket] = now
        self._used += 1
        if self._window_start is None:
            self._window_start = now
        return self._record(shard, bucket, now, "ready")

    def session_start_limit(self) -> dict[str, int]:
        """The ``session_start_limit`` object of ``GET /gateway/bot``."""
        now = self.clock()
        self._roll_window(now)
        reset_after = 0.0
        if self._window_start is not None:
            reset_after = self._window_start + self.policy.session_start_reset - now
        return {
            "total": self.policy.session_start_total,
            "remaining": max(0, self.policy.session_start_total - self._used),
            "reset_after": max(0, round(reset_after * 1000)),
            "max_concurrency": self.policy.max_concurrency,
        }

    def _roll_window(self, now: float) -> None:
        start = self._window_start
        if start is not None and now - start >= self.policy.session_start_reset:
            self._window_start = None
            self._used = 0

    def _record(self, shard: tuple[int, int], bucket: int, now: float, outcome: str) -> str:
        self.identifies.append(IdentifyRecord(shard, bucket, now, outcome))
        return outcome
