"""The global throttle: paced grants, a hard cap per rolling window, urgent before bulk.

Timing is checked on a virtual clock (the event loop's time moves only when the loop would
sleep), so the numbers are exact on any machine. How fast the real thing is under load is the
premiere benchmark's job (``python -m bench premiere``: the last ping against the 50 req/s floor).
"""

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from bot.ratelimit import GlobalLimiter, bulk, is_exempt, throttle_trace

T = TypeVar("T")


class VirtualTimeSelector(selectors.DefaultSelector):
    """Never sleeps: waiting ``timeout`` seconds for a timer moves virtual time on by that much,
    plus ``lag`` (a busy machine's late timers)."""

    def __init__(self, lag: float = 0.0) -> None:
        super().__init__()
        self.now = 0.0
        self.lag = lag

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("nothing to wait for: the test would hang")
        self.now += timeout + self.lag
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, lag: float = 0.0) -> None:
        self.virtual = VirtualTimeSelector(lag)
        super().__init__(self.virtual)

    def time(self) -> float:
        return self.virtual.now


def on_virtual_time(main: Callable[[VirtualTimeLoop], Awaitable[T]], lag: float = 0.0) -> T:
    loop = VirtualTimeLoop(lag)
    try:
        return loop.run_until_complete(main(loop))
    finally:
        loop.close()


class Recording(GlobalLimiter):
    """Notes the moment of each grant (what the limiter promises about), not when the waiting
    task gets to run again (which depends on how busy the machine is)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grants: list[float] = []

    def _grant(self, now: float) -> None:
        self.grants.append(now)
        super()._grant(now)


def grant_times(count: int, rate: int, per: float, lag: float = 0.0) -> list[float]:
    """When each of ``count`` requests made at once is let through, on the virtual clock."""

    async def main(loop: VirtualTimeLoop) -> list[float]:
        limiter = Recording(rate=rate, per=per, clock=loop.time)
        await asyncio.gather(*(limiter.acquire() for _ in range(count)))
        return limiter.grants

    return on_virtual_time(main, lag)


def most_in_a_window(times: list[float], per: float) -> int:
    return max(sum(1 for t in times if start <= t < start + per - 1e-9) for start in times)


def test_grants_are_paced_one_step_apart_and_capped_per_window():
    times = grant_times(45, rate=20, per=0.2)  # one every 10 ms
    assert times == pytest.approx([i * 0.01 for i in range(45)])
    assert most_in_a_window(times, 0.2) <= 20


def test_late_timers_are_caught_up_without_breaking_the_cap():
    times = grant_times(45, rate=20, per=0.2, lag=0.004)  # every timer fires 4 ms late
    assert all(b > a for a, b in zip(times, times[1:], strict=False))  # one at a time
    assert most_in_a_window(times, 0.2) <= 20
    # Lateness doesn't pile up: the schedule keeps to its 10 ms steps (only the window's hard cap
    # makes a grant wait for a late timer now and then); paying every lag would take 44 x 14 ms.
    assert 44 * 0.01 <= times[-1] < 0.5


def test_an_idle_limiter_grants_at_once():
    async def main(loop: VirtualTimeLoop) -> None:
        limiter = GlobalLimiter(rate=5, per=1.0, clock=loop.time)
        await limiter.acquire()
        assert loop.time() == 0.0
        assert limiter.waited == 0

    on_virtual_time(main)


async def test_urgent_requests_go_before_queued_bulk_ones():
    limiter = GlobalLimiter(rate=10, per=0.1)
    order: list[str] = []

    async def take(name: str, *, in_bulk: bool) -> None:
        if in_bulk:
            with bulk():
                await limiter.acquire()
        else:
            await limiter.acquire()
        order.append(name)

    tasks = [asyncio.create_task(take(f"bulk{i}", in_bulk=True)) for i in range(5)]
    await asyncio.sleep(0)  # they queue up
    tasks.append(asyncio.create_task(take("command", in_bulk=False)))
    await asyncio.gather(*tasks)
    assert order[0] == "bulk0"  # already granted before the command arrived
    assert order.index("command") == 1


def test_a_cancelled_waiter_does_not_hold_up_the_queue():
    async def main(loop: VirtualTimeLoop) -> None:
        limiter = GlobalLimiter(rate=10, per=0.1, clock=loop.time)
        await limiter.acquire()
        stuck = asyncio.create_task(limiter.acquire())
        behind = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0)
        stuck.cancel()
        await behind
        # Granted at the next step: the cancelled waiter gave its turn back.
        assert loop.time() == pytest.approx(0.01)
        assert limiter.queued == 0

    on_virtual_time(main)


def test_interactions_webhooks_and_the_gateway_are_exempt():
    assert is_exempt("/api/v10/interactions/1/token/callback")
    assert is_exempt("/api/v10/webhooks/1/token")
    assert is_exempt("/")  # the gateway websocket
    assert not is_exempt("/api/v10/channels/1/messages")


async def test_the_trace_throttles_every_rest_request_of_a_session():
    arrivals: dict[str, int] = {"rest": 0, "callback": 0}

    async def handler(request: web.Request) -> web.Response:
        arrivals["callback" if "interactions" in request.path else "rest"] += 1
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}/api/v10"
    limiter = Recording(rate=20, per=0.2)
    try:
        async with aiohttp.ClientSession(trace_configs=[throttle_trace(limiter)]) as session:

            async def get(path: str) -> None:
                async with session.post(base + path) as response:
                    assert response.status == 200

            await asyncio.gather(
                *(get("/channels/1/messages") for _ in range(30)),
                *(get("/interactions/1/token/callback") for _ in range(5)),
            )
    finally:
        await runner.cleanup()
    assert arrivals == {"rest": 30, "callback": 5}
    assert len(limiter.grants) == 30  # only the REST requests asked: callbacks never wait
    # Paced at 10 ms: a late timer is caught up by less than a step, so 29 steps take >= 28.
    assert limiter.grants[-1] - limiter.grants[0] >= 28 * 0.01
