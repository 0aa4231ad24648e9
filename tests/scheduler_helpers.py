"""What the scheduler tests share: a recording sender, a row queued, a scheduler made."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.scheduler import FailureHandler, Outgoing, Scheduler
from bot.storage import outbox
from bot.storage.db import Database


class Recorder:
    """A sender that records what it sends (and first raises ``fail_with``, one per call)."""

    def __init__(self, clock: Clock, fail_with: list[BaseException] | None = None) -> None:
        self.clock = clock
        self.sent: list[tuple[Outgoing, str, datetime]] = []
        self.fail_with = list(fail_with or [])

    async def __call__(self, message: Outgoing, nonce: str) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((message, nonce, self.clock.now()))


async def queue(
    db: Database, kind: str, due: datetime, ref: int = 1, data: dict | None = None
) -> int:
    async with db.transaction() as conn:
        return await outbox.add(conn, kind, ref, due, data or {})


async def handler(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
    return [Outgoing(f"{delivery.data.get('text', 'hi')} late={late}", channel_id=5)]


def make(
    db: Database,
    clock: Clock,
    send: Any,
    on_failure: FailureHandler | None = None,
    **kw: Any,
) -> Scheduler:
    scheduler = Scheduler(db, clock, send, retry_delays=(timedelta(milliseconds=100),) * 3, **kw)
    scheduler.register("test", handler, on_failure=on_failure)
    return scheduler


async def wait_for(predicate: Callable[[], object], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 (polling a plain predicate)
            await asyncio.sleep(0.01)
