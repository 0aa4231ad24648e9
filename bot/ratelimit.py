"""A global request throttle: stay under Discord's 50 requests per second instead of hitting it.

discord.py honours per-route buckets from the response headers, but it only slows down for the
global limit after a 429 (and Discord bans bots that keep hitting it). :func:`throttle_trace`
wires a limiter into discord.py's HTTP session (``http_trace``), so every REST request waits for
a slot, including discord.py's own retries after a 5xx. Interaction callbacks and webhooks
(followups) are exempt from the global limit on Discord, so they never wait.

The limit is per bot token, over all its processes. :func:`make_limiter` picks:

- :class:`GlobalLimiter` on SQLite (one process): an in-process schedule.
- :class:`SharedLimiter` on PostgreSQL (any number of processes): each send slot is reserved
  in one row of the database (:mod:`bot.storage.ratebudget`), so the processes together keep
  to one schedule; if the database can't be reached, a small local rate for members' requests
  (scheduled bulk waits) until it is back.

Both have two lanes: scheduled bulk deliveries (marked with :func:`bulk`) queue behind
everything else in their process, so a member's command is not stuck behind a premiere's
fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace

import aiohttp

from bot.config import DISCORD_LIMIT
from bot.storage.db import POSTGRESQL, Database
from bot.storage.ratebudget import RateBudget, Slot, budget_name

log = logging.getLogger(__name__)

#: Kept below the limit: a small margin absorbs jitter between the moment a slot is taken and
#: the moment the request reaches Discord (uneven latency, a timer that fires a little late).
MARGIN = 0.04
#: How late a shared slot may still be used: a send up to this much behind its slot shifts at
#: most a request or two into the next second, which MARGIN absorbs. (One step alone is too
#: little at high rates: at 1,000 requests/s a step is 1 ms, less than the database's answer.)
LATE_SLACK = 0.02
#: How many processes the fallback rate assumes share the budget while the database is away.
FALLBACK_SHARE = 8

_bulk: ContextVar[bool] = ContextVar("ratelimit_bulk", default=False)


def paced_rate(limit: int) -> int:
    """The rate the bot keeps to for Discord's global ``limit`` (requests per second)."""
    return max(1, math.floor(limit * (1 - MARGIN)))


DEFAULT_RATE = paced_rate(DISCORD_LIMIT)  # 48


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Requests made inside this block (in this task) take the bulk lane."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


class _Lanes:
    """Waiters in two first-come-first-served lanes, urgent before bulk. A cancelled waiter
    gives its turn back (a slot already granted to it stays used: the request may be sent)."""

    def __init__(self) -> None:
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()

    def _urgent_waiting(self) -> bool:
        return any(not f.done() for f in self._urgent)

    @property
    def queued(self) -> int:
        return sum(not f.done() for f in (*self._urgent, *self._bulk))

    def _enqueue(self, urgent: bool | None) -> asyncio.Future[None]:
        if urgent is None:
            urgent = not _bulk.get()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._bulk).append(future)
        return future

    def _next_waiter(
        self, *, peek: bool = False, urgent_only: bool = False
    ) -> asyncio.Future[None] | None:
        for lane in (self._urgent,) if urgent_only else (self._urgent, self._bulk):
            while lane and lane[0].done():  # cancelled while waiting
                lane.popleft()
            if lane:
                return lane[0] if peek else lane.popleft()
        return None

    def _several_waiting(self) -> bool:
        """More than one live waiter (stops counting at two: the lanes may be long)."""
        live = 0
        for future in itertools.chain(self._urgent, self._bulk):
            live += not future.done()
            if live > 1:
                return True
        return False

    def _cancel_waiters(self) -> None:
        for lane in (self._urgent, self._bulk):
            while lane:
                lane.popleft().cancel()


class GlobalLimiter(_Lanes):
    """At most ``rate`` grants in any rolling ``per`` seconds, paced evenly, in this process.

    Grants are spaced ``per / rate`` apart rather than let out in a burst: requests released
    together reach Discord bunched up by uneven latency, and a burst of 48 that arrives late plus
    the next second's early ones can exceed 50 in one of Discord's windows. After a late timer
    the schedule catches up by less than one step; the rolling window is a hard cap on top.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        per: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be at least 1 and per positive")
        super().__init__()
        self.rate = rate
        self.per = per
        self.interval = per / rate
        self._clock = clock
        self._granted: deque[float] = deque()  # grant times within the last window
        self._next_at = float("-inf")  # no grant before this moment (pacing)
        self._timer: asyncio.TimerHandle | None = None
        self.waited = 0  # how many acquisitions had to wait (for tests and benchmarks)

    def _wait_time(self, now: float) -> float:
        """Seconds until the next grant is allowed (0: now)."""
        granted = self._granted
        while granted and now - granted[0] >= self.per:
            granted.popleft()
        wait = self._next_at - now
        if len(granted) >= self.rate:
            wait = max(wait, granted[0] + self.per - now)
        return max(0.0, wait)

    def _grant(self, now: float) -> None:
        self._granted.append(now)
        # Keep to the schedule when a timer fires a little late (less than a step), but don't
        # bank idle time: after a pause the schedule starts again from now.
        on_schedule = now - self._next_at < self.interval
        self._next_at = (self._next_at if on_schedule else now) + self.interval

    async def acquire(self, *, urgent: bool | None = None) -> None:
        """Wait for a slot. ``urgent`` defaults to "not inside :func:`bulk`"."""
        now = self._clock()
        if not self._urgent and not self._bulk and self._wait_time(now) == 0:
            self._grant(now)
            return
        self.waited += 1
        future = self._enqueue(urgent)
        self._pump()
        await future

    def _pump(self) -> None:
        """Grant what the schedule allows now; re-arm the timer for the next waiter."""
        if self._timer is not None:
            self._timer.cancel()  # a no-op when this call is that timer firing
            self._timer = None
        now = self._clock()
        while self._wait_time(now) == 0:
            future = self._next_waiter()
            if future is None:
                return
            self._grant(now)
            future.set_result(None)
        if self._next_waiter(peek=True) is not None:
            self._timer = asyncio.get_running_loop().call_later(self._wait_time(now), self._pump)

    async def close(self) -> None:
        """Stop: waiters still queued are cancelled."""
        if self._timer is not None:
            self._timer.cancel()
        self._cancel_waiters()


@dataclass(frozen=True)
class Reserved:
    """A send slot in hand, on this process's event-loop clock: send no sooner than ``at``, and
    not at all after ``until``. ``shared`` is the database's slot (None: the local fallback's).
    """

    at: float
    until: float
    shared: Slot | None = None


class SharedLimiter(_Lanes):
    """One schedule of send slots for every process of the bot, kept in the database.

    Each process queues its own waiters (urgent before bulk) and reserves a shared slot only
    for the one at the head: when the slot comes, the head waiter *then* gets it, so an urgent
    request that arrived meanwhile goes first. While more are waiting, the next slot is
    reserved as soon as the current one is known, so the database round trip overlaps the wait
    and the processes together keep the full rate. A slot this process could not use in time
    (a timer more than a step late) is given up rather than used late, where it could bunch up
    with the next process's.

    A slow answer is waited for (the queue holds), up to ``timeout``: switching to a local
    rate then would let this process send beside the others' full shared rate. When a
    reservation fails (the connection is refused or lost, the database is restarting) or takes
    longer than ``timeout`` (the connection is presumably dead), one line is logged and only
    urgent requests go on, at ``fallback_rate`` (this process's share of the budget, assuming
    up to :data:`FALLBACK_SHARE` processes); bulk ones wait for the database. Every ``retry``
    seconds it tries the database again, and once it answers (one more line) every lane takes
    the shared schedule's slots again, from where the other processes have taken it.
    """

    def __init__(
        self,
        budget: RateBudget,
        rate: int = DEFAULT_RATE,
        per: float = 1.0,
        *,
        fallback_rate: int | None = None,
        timeout: float = 5.0,
        retry: float = 5.0,
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be at least 1 and per positive")
        super().__init__()
        self.budget = budget
        self.rate = rate
        self.per = per
        self.interval = per / rate
        self.step_us = math.ceil(self.interval * 1_000_000)  # rounded up: never faster
        self.fallback_rate = fallback_rate or max(1, rate // FALLBACK_SHARE)
        self.timeout = timeout
        self.retry = retry
        self._local_next = float("-inf")  # the fallback schedule's next slot
        self._retry_at: float | None = None  # in fallback: when to try the database again
        self._urgent_came = asyncio.Event()  # wakes a pump holding bulk in fallback
        self._pump: asyncio.Task[None] | None = None
        self.given_up = 0  # slots that came too late to use (for benchmarks)

    @property
    def shared(self) -> bool:
        """Pacing with the other processes (False: on the local fallback rate)."""
        return self._retry_at is None

    async def acquire(self, *, urgent: bool | None = None) -> None:
        """Wait for a slot. ``urgent`` defaults to "not inside :func:`bulk`"."""
        urgent = not _bulk.get() if urgent is None else urgent
        future = self._enqueue(urgent)
        if urgent:
            self._urgent_came.set()
        self._start()
        await future

    def _start(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="rate-limit")
            self._pump.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """A pump that failed is logged and started again (its waiters would wait forever)."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("The rate limiter failed; starting it again", exc_info=task.exception())
        asyncio.get_running_loop().call_later(self.interval, self._start)

    async def _run(self) -> None:
        """Hand out slots while anyone waits (the task ends when the lanes are empty)."""
        loop = asyncio.get_running_loop()
        ahead: asyncio.Task[Reserved] | None = None
        try:
            while True:
                if ahead is None:
                    if self._next_waiter(peek=True) is None:
                        return
                    ahead = asyncio.create_task(self._reserve())
                slot = await ahead
                ahead = asyncio.create_task(self._reserve()) if self._several_waiting() else None
                if slot.at > loop.time():
                    await asyncio.sleep(slot.at - loop.time())
                if loop.time() > slot.until:
                    self.given_up += 1
                    continue  # too late to use safely: give it up
                # A slot of the local fallback is for urgent requests only.
                waiter = self._next_waiter(urgent_only=slot.shared is None)
                if waiter is not None:
                    waiter.set_result(None)
                    self._granted(slot)
        finally:
            if ahead is not None:
                ahead.cancel()

    def _granted(self, slot: Reserved) -> None:
        """A waiter got ``slot`` (a hook for tests)."""

    async def _reserve(self) -> Reserved:
        """The next slot: from the database; while it is away, from the local schedule if an
        urgent request waits, else (bulk only) once the database is back."""
        loop = asyncio.get_running_loop()
        while True:
            if self._retry_at is None or loop.time() >= self._retry_at:
                slot = await self._reserve_shared()
                if slot is not None:
                    return slot
            if self._urgent_waiting():
                return self._local_slot(loop.time())
            # Only bulk waits: hold it until the retry, unless an urgent request comes first.
            assert self._retry_at is not None
            self._urgent_came.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(self._retry_at):
                    await self._urgent_came.wait()

    async def _reserve_shared(self) -> Reserved | None:
        """A slot of the shared schedule; None (and the fallback on) if the database failed."""
        loop = asyncio.get_running_loop()
        asked = loop.time()
        try:
            async with asyncio.timeout(self.timeout):
                slot = await self.budget.reserve(self.step_us)
        except Exception as error:  # whatever went wrong, members' requests must go on
            if self._retry_at is None:
                log.warning(
                    "The shared rate limit in the database can't be reached (%s): this process "
                    "sends at most %d requests/s, scheduled messages wait, until it is back",
                    type(error).__name__,
                    self.fallback_rate,
                )
            self._retry_at = loop.time() + self.retry
            return None
        if self._retry_at is not None:
            log.info("The shared rate limit is back: pacing with the other processes again")
            self._retry_at = None
        # The slot came between asking and hearing back. Waiting from the answer never sends
        # early; measuring lateness from the question never misses how late a send can be.
        late_ok = max(self.interval, LATE_SLACK)
        return Reserved(loop.time() + slot.wait, asked + slot.wait + late_ok, slot)

    def _local_slot(self, now: float) -> Reserved:
        at = max(self._local_next, now)
        self._local_next = at + self.per / self.fallback_rate
        return Reserved(at, at + max(self.interval, LATE_SLACK))

    async def close(self) -> None:
        """Stop: waiters still queued are cancelled, the budget's connection closed."""
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        self._cancel_waiters()
        self.budget.close()


Limiter = GlobalLimiter | SharedLimiter


def make_limiter(db: Database, limit: int = DISCORD_LIMIT, *, token: str) -> Limiter:
    """The limiter for Discord's global ``limit`` of the bot with ``token``: shared through
    PostgreSQL by every process of that bot (another bot on the database has its own), else
    in-process."""
    rate = paced_rate(limit)
    if db.engine == POSTGRESQL:
        return SharedLimiter(RateBudget(db, budget_name(token)), rate)
    return GlobalLimiter(rate)


def is_exempt(path: str) -> bool:
    """Routes Discord leaves out of the global limit, and anything that is not the REST API."""
    if "/api/v" not in path:
        return True  # the gateway websocket, CDN downloads
    return "/interactions/" in path or "/webhooks/" in path


def throttle_trace(limiter: Limiter) -> aiohttp.TraceConfig:
    """An aiohttp trace that makes every REST request wait for a slot before it is sent.

    aiohttp awaits ``on_request_start`` before opening the connection, so this runs for each
    attempt discord.py makes (its 5xx and 429 retries included).
    """

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if not is_exempt(params.url.path):
            await limiter.acquire()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace
