"""The global throttle: paced grants, a hard cap per rolling window, urgent before bulk."""

import asyncio
import time

import aiohttp
from aiohttp import web

from bot.ratelimit import GlobalLimiter, bulk, is_exempt, throttle_trace


class Recording(GlobalLimiter):
    """Notes the moment of each grant (what the limiter promises about), not when the waiting
    task gets to run again (which depends on how busy the machine is)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grants: list[float] = []

    def _grant(self, now: float) -> None:
        self.grants.append(now)
        super()._grant(now)


async def test_grants_are_paced_and_capped_per_window():
    limiter = Recording(rate=20, per=0.2)  # one every 10 ms
    await asyncio.gather(*(limiter.acquire() for _ in range(45)))
    times = limiter.grants
    assert len(times) == 45
    assert all(b > a for a, b in zip(times, times[1:], strict=False))  # one at a time
    for start in times:  # never more than `rate` in any rolling window
        assert sum(1 for t in times if start <= t < start + 0.2) <= 20
    # A late timer catches up by less than one step, so 44 steps take at least 43 of them.
    assert 0.43 <= times[-1] - times[0] < 2.0


async def test_an_idle_limiter_grants_at_once():
    limiter = GlobalLimiter(rate=5, per=1.0)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started < 0.01
    assert limiter.waited == 0


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


async def test_a_cancelled_waiter_does_not_hold_up_the_queue():
    limiter = GlobalLimiter(rate=10, per=0.1)
    await limiter.acquire()
    stuck = asyncio.create_task(limiter.acquire())
    behind = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    stuck.cancel()
    await asyncio.wait_for(behind, 0.5)
    assert limiter.queued == 0


def test_interactions_webhooks_and_the_gateway_are_exempt():
    assert is_exempt("/api/v10/interactions/1/token/callback")
    assert is_exempt("/api/v10/webhooks/1/token")
    assert is_exempt("/")  # the gateway websocket
    assert not is_exempt("/api/v10/channels/1/messages")


async def test_the_trace_throttles_every_rest_request_of_a_session():
    arrivals: dict[str, list[float]] = {"rest": [], "callback": []}

    async def handler(request: web.Request) -> web.Response:
        kind = "callback" if "interactions" in request.path else "rest"
        arrivals[kind].append(time.monotonic())
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}/api/v10"
    limiter = GlobalLimiter(rate=20, per=0.2)
    try:
        async with aiohttp.ClientSession(trace_configs=[throttle_trace(limiter)]) as session:

            async def get(path: str) -> None:
                async with session.post(base + path) as response:
                    assert response.status == 200

            started = time.monotonic()
            await asyncio.gather(
                *(get("/channels/1/messages") for _ in range(30)),
                *(get("/interactions/1/token/callback") for _ in range(5)),
            )
    finally:
        await runner.cleanup()
    assert all(t - started < 0.15 for t in arrivals["callback"])  # never waited
    rest = sorted(arrivals["rest"])
    assert len(rest) == 30 and rest[-1] - rest[0] > 0.25  # paced at 10 ms
