"""Durable deliveries: one timer for the soonest due outbox row, never one job per row.

The database is the source of truth. APScheduler holds a single in-memory date job ("wake")
armed for the soonest pending row; it only sets an event. One supervised worker task claims due
rows, asks the builder registered for each kind to build the messages from current data, sends
them with the row's stable nonce and records the outcome. A restart rebuilds everything from the
table. A delivery that can never be sent is reported by the failure handler of its kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.outbox import FAILED, LATE, MISSED, SENT, Delivery, OutboxRepo

log = logging.getLogger(__name__)

#: A delivery sent within this of its due time is on time, even just after a start-up.
ON_TIME = timedelta(seconds=1)

RETRY_DELAYS = (
    timedelta(seconds=2),
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=5),
)


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to a channel, or to a member's DMs."""

    content: str
    channel_id: int | None = None
    user_id: int | None = None
    mention_ids: tuple[int, ...] = ()
    embed: discord.Embed | None = field(default=None, compare=False)
    #: A best-effort extra (e.g. one member's DM): if it can never be sent, it is logged and
    #: skipped instead of failing the whole delivery (the channel ping still counts).
    optional: bool = False


class PermanentFailure(Exception):
    """Sending can never succeed (channel gone, permission missing): record, don't retry."""


# kind -> builder: (delivery, late) -> messages to send (may be empty: nobody to ping)
Handler = Callable[[Delivery, bool], Awaitable[list[Outgoing]]]
# kind -> on failure: (delivery, reason) -> notices about it, in order of preference: the first
# that can be sent is sent (empty: nobody to tell, or they were told already)
FailureHandler = Callable[[Delivery, str], Awaitable[list[Outgoing]]]
Sender = Callable[[Outgoing, str], Awaitable[None]]


def classify(error: BaseException) -> str:
    """'permanent', 'transient' or 'bug' for an exception raised while sending."""
    if isinstance(error, PermanentFailure | discord.Forbidden | discord.NotFound):
        return "permanent"
    if isinstance(error, discord.HTTPException):
        return "transient" if error.status == 429 or error.status >= 500 else "permanent"
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return "transient"
    return "bug"


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        send: Sender,
        *,
        grace: timedelta = timedelta(minutes=10),
        late_after: timedelta = timedelta(seconds=60),
        concurrency: int = 64,
        retry_delays: tuple[timedelta, ...] = RETRY_DELAYS,
    ) -> None:
        self.repo = OutboxRepo(db)
        self.clock = clock
        self.send = send
        self.grace = grace
        self.late_after = late_after
        self.concurrency = concurrency
        self.retry_delays = retry_delays
        self.handlers: dict[str, Handler] = {}
        self.failure_handlers: dict[str, FailureHandler] = {}
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._armed_for: datetime | None = None
        self._started_at: datetime | None = None
        clock.on_jump(self.poke)

    @property
    def armed_for(self) -> datetime | None:
        """The due time the wake-up timer is set for (None: nothing pending, or not yet armed)."""
        return self._armed_for

    @property
    def idle(self) -> bool:
        """Nothing being sent right now."""
        return not self._inflight

    async def next_due(self) -> datetime | None:
        """When the soonest pending delivery is due (None: nothing pending)."""
        return await self.repo.next_due()

    def register(self, kind: str, build: Handler, on_failure: FailureHandler | None = None) -> None:
        """How deliveries of ``kind`` are built, and whom to tell when one can never be sent."""
        self.handlers[kind] = build
        if on_failure is not None:
            self.failure_handlers[kind] = on_failure

    async def start(self) -> None:
        released = await self.repo.release_inflight()
        if released:
            log.info("Re-queued %d deliveries interrupted by the last shutdown", released)
        # Anything due before this moment fell due while the bot was down: it is late.
        self._started_at = self.clock.now()
        self._aps.start()
        self._worker = asyncio.create_task(self._supervise(), name="outbox-worker")

    async def stop(self, drain: float = 5.0) -> None:
        """Stop claiming; give sends in progress ``drain`` seconds to finish, then cancel them.

        A cancelled send leaves its row 'sending': the next start re-queues it, and its nonce
        keeps Discord from posting it twice.
        """
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=drain)
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._aps.running:
            self._aps.shutdown(wait=False)

    def poke(self, due: datetime | None = None) -> None:
        """Something changed in the outbox (or the clock jumped): re-check the soonest row."""
        if due is None or self._armed_for is None or due < self._armed_for:
            self._wake.set()

    async def _supervise(self) -> None:
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Outbox worker crashed; restarting in 1 s")
                await asyncio.sleep(1)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            free = self.concurrency - len(self._inflight)
            if free > 0:
                batch = await self.repo.claim_due(self.clock.now(), free)
                for delivery in batch:
                    task = asyncio.create_task(self._deliver(delivery))
                    self._inflight.add(task)
                    task.add_done_callback(self._task_done)
                if batch:
                    continue
                self._arm(await self.repo.next_due())
            await self._wake.wait()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    def _arm(self, due: datetime | None) -> None:
        self._armed_for = due
        if due is None:
            if self._aps.get_job("wake"):
                self._aps.remove_job("wake")
            return
        delay = due - self.clock.now()
        if delay <= timedelta(0):
            self._wake.set()
            return
        # A coroutine job: APScheduler runs plain functions in a worker thread, and an
        # asyncio.Event must only be set from the loop's own thread.
        self._aps.add_job(
            self._fire,
            "date",
            run_date=datetime.now(UTC) + delay,
            id="wake",
            replace_existing=True,
        )

    async def _fire(self) -> None:
        self._wake.set()

    def is_late(self, delivery: Delivery, now: datetime) -> bool:
        """Sent well after its time (retries), or it fell due while the bot was down."""
        lateness = now - delivery.due_at
        if lateness > self.late_after:
            return True
        fell_due_while_down = self._started_at is not None and delivery.due_at < self._started_at
        return fell_due_while_down and lateness > ON_TIME

    async def _deliver(self, delivery: Delivery) -> None:
        now = self.clock.now()
        lateness = now - delivery.due_at
        if lateness > self.grace:
            log.info("Delivery %s (%s) missed: %s late", delivery.id, delivery.kind, lateness)
            await self.repo.finish(delivery.id, MISSED, now, f"{lateness} late")
            return
        late = self.is_late(delivery, now)
        try:
            handler = self.handlers[delivery.kind]
            messages = await handler(delivery, late)
            for part, message in enumerate(messages):
                await self._send_part(delivery, message, f"{delivery.nonce}.{part}")
        except asyncio.CancelledError:
            raise  # shutting down: the row stays 'sending' and is re-queued at start-up
        except Exception as error:
            await self._failed(delivery, error)
            return
        await self.repo.finish(delivery.id, LATE if late else SENT, self.clock.now())

    async def _send_part(self, delivery: Delivery, message: Outgoing, nonce: str) -> None:
        try:
            await self.send(message, nonce)
        except Exception as error:
            if not message.optional or classify(error) != "permanent":
                raise
            log.info("Delivery %s: skipped an optional message (%s)", delivery.id, error)

    async def _failed(self, delivery: Delivery, error: Exception) -> None:
        kind = classify(error)
        now = self.clock.now()
        reason = f"{type(error).__name__}: {error}"[:300]
        if kind == "transient" and delivery.attempts <= len(self.retry_delays):
            when = now + self.retry_delays[delivery.attempts - 1]
            if when - delivery.due_at <= self.grace:
                log.warning("Delivery %s failed (%s); retrying at %s", delivery.id, reason, when)
                await self.repo.retry_at(delivery.id, when, reason)
                self.poke(when)
                return
        if kind == "bug":
            log.error("Delivery %s (%s) crashed", delivery.id, delivery.kind, exc_info=error)
        else:
            log.warning("Delivery %s (%s) failed for good: %s", delivery.id, delivery.kind, reason)
        await self.repo.finish(delivery.id, FAILED, now, reason)
        if kind == "permanent":
            await self._report(delivery, reason)

    async def _report(self, delivery: Delivery, reason: str) -> None:
        """Send the first notice the kind's failure handler gives that can be sent."""
        handler = self.failure_handlers.get(delivery.kind)
        if handler is None:
            return
        try:
            notices = await handler(delivery, reason)
        except Exception:
            log.exception("Could not report failed delivery %s", delivery.id)
            return
        for part, notice in enumerate(notices):
            try:
                await self.send(notice, f"{delivery.nonce}.f{part}")
                return
            except Exception as error:
                log.warning("Delivery %s: a failure notice was not sent: %s", delivery.id, error)
        if notices:
            log.warning("Delivery %s failed for good and nobody could be told", delivery.id)
