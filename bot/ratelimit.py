"""A global request throttle: stay under Discord's 50 requests per second instead of hitting it.

discord.py honours per-route buckets from the response headers, but it only slows down for the
global limit after a 429 (and Discord bans bots that keep hitting it). :class:`GlobalLimiter`
allows at most ``rate`` requests in any rolling ``per`` seconds; :func:`throttle_trace` wires it
into discord.py's HTTP session (``http_trace``), so every REST request waits for a slot, including
discord.py's own retries after a 5xx. Interaction callbacks and webhooks (followups) are exempt
from the global limit on Discord, so they never wait.

Two lanes: scheduled bulk deliveries (marked with :func:`bulk`) queue behind everything else, so
a member's command is not stuck behind a premiere's fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import SimpleNamespace

import aiohttp

#: Discord allows 50 requests per second; a small margin absorbs scheduling jitter between the
#: moment a slot is taken and the moment the request reaches Discord.
DEFAULT_RATE = 48

_bulk: ContextVar[bool] = ContextVar("ratelimit_bulk", default=False)


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Requests made inside this block (in this task) take the bulk lane."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


class GlobalLimiter:
    """At most ``rate`` grants in any rolling ``per`` seconds, paced evenly; urgent before bulk.

    Grants are spaced ``per / rate`` apart rather than let out in a burst: requests released
    together reach Discord bunched up by uneven latency, and a burst of 48 that arrives late plus
    the next second's early ones can exceed 50 in one of Discord's windows. After a late timer
    the schedule catches up by less than one step; the rolling window is a hard cap on top.

    Waiters are served first come, first served within a lane. A cancelled waiter gives its turn
    back (a slot already granted to it stays used: the request may have been sent).
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
        self.rate = rate
        self.per = per
        self.interval = per / rate
        self._clock = clock
        self._granted: deque[float] = deque()  # grant times within the last window
        self._next_at = float("-inf")  # no grant before this moment (pacing)
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.waited = 0  # how many acquisitions had to wait (for tests and benchmarks)

    @property
    def queued(self) -> int:
        return sum(not f.done() for f in (*self._urgent, *self._bulk))

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
        if urgent is None:
            urgent = not _bulk.get()
        now = self._clock()
        if not self._urgent and not self._bulk and self._wait_time(now) == 0:
            self._grant(now)
            return
        self.waited += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._bulk).append(future)
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

    def _next_waiter(self, *, peek: bool = False) -> asyncio.Future[None] | None:
        for lane in (self._urgent, self._bulk):
            while lane and lane[0].done():  # cancelled while waiting
                lane.popleft()
            if lane:
                return lane[0] if peek else lane.popleft()
        return None


def is_exempt(path: str) -> bool:
    """Routes Discord leaves out of the global limit, and anything that is not the REST API."""
    if "/api/v" not in path:
        return True  # the gateway websocket, CDN downloads
    return "/interactions/" in path or "/webhooks/" in path


def throttle_trace(limiter: GlobalLimiter) -> aiohttp.TraceConfig:
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
