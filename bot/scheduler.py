"""Durable deliveries: one timer for the soonest due outbox row, never one job per row.

The database is the source of truth, shared by every process. APScheduler holds a single
in-memory date job ("wake") per process, armed for the soonest pending row (or the soonest lease
to run out); it only sets an event. One supervised worker task claims due rows under a lease,
asks the builder registered for each kind to build the messages from current data, sends them
with the row's stable nonce and records the outcome; a heartbeat renews the leases of the rows
still being sent. A row added anywhere wakes every process: in this one through :meth:`poke`,
in the others through PostgreSQL's NOTIFY (:class:`bot.storage.listen.Listener`); a re-check
every ``recheck`` is only the safety net. A lost database connection is retried with backoff.
A restart, or another process, rebuilds everything from the table. A delivery that can never be
sent is reported by the failure handler of its kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.storage.db import Database, is_disconnect
from bot.storage.listen import Listener
from bot.storage.outbox import (
    CHANNEL,
    FAILED,
    LATE,
    MISSED,
    SENT,
    Delivery,
    NextWake,
    OutboxRepo,
    from_text,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A delivery sent within this of its due time is on time, even just after a start-up.
ON_TIME = timedelta(seconds=1)

#: A claim holds its rows this long unless renewed; renewed every RENEW_EVERY while sending (a
#: fan-out queued behind the global rate limit can take many seconds). Three renewals fit in a
#: lease, so two late or failed ones (a slow database, a loop busy for a moment) don't lose it,
#: and a dead process's rows are claimable again within LEASE of its last renewal: another
#: process, whose timer is armed for that lease, re-sends them within ~10 s, same nonce.
LEASE = timedelta(seconds=10)
RENEW_EVERY = timedelta(seconds=3)
#: The safety net: look at the table this often even if no wake-up came (a lost notification).
RECHECK = timedelta(seconds=30)
#: Rows one process sends at once. They wait behind the global rate limit (48/s shared by every
#: process), so a process holds no more than it sends in about a second: a dead process's rows
#: are re-sent soon after its lease runs out, not after the others' backlog of them.
CONCURRENCY = 16
#: Something is due but another process holds it locked this instant: look again this soon.
CONTENDED = timedelta(milliseconds=50)
#: The longest the deliveries of one claim wait for each other's messages before sending.
BUILD_WAIT = timedelta(milliseconds=250)
#: Waits between attempts while the database can't be reached.
DB_FIRST_WAIT, DB_MAX_WAIT = 0.2, 5.0

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
    #: Roles it may ping (each also mentioned in ``content``); never @everyone.
    role_ids: tuple[int, ...] = ()
    embed: discord.Embed | None = field(default=None, compare=False)
    #: A best-effort extra (e.g. one member's DM): if it can never be sent, it is logged and
    #: skipped instead of failing the whole delivery (the channel ping still counts).
    optional: bool = False


class _Countdown:
    """Set once ``size`` parties have said so."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._all = asyncio.Event()
        if size <= 0:
            self._all.set()

    def one(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._all.set()

    async def wait(self, limit: timedelta) -> None:
        """Until all have, or ``limit`` passed."""
        await _all_set([self._all], limit)


async def _all_set(events: list[asyncio.Event], limit: timedelta) -> None:
    """Until every event is set, or ``limit`` passed."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit.total_seconds()):
            for event in events:
                await event.wait()


class _Claim:
    """The rows of one claim, and what they wait for of each other (each wait bounded).

    Pings (expiring kinds) build their messages before any of them sends: otherwise the first
    rows' fan-outs (hundreds of members, dozens of messages) take the event loop from the
    builds of the rows due with them, and every first message but theirs is late. A slow
    builder holds the others back BUILD_WAIT at most.

    Background rows (lasting kinds, which ping nobody at their time: a series' roll-over, a
    vote's close) start once the pings due with them or before them have sent their first
    message (2 × BUILD_WAIT at most), so their transactions and posts hold back no ping. A
    ping due *after* a background row of its claim (a backlog after downtime: a vote's close
    and the start ping that names its winner) builds once that row is done (as long at most).
    """

    def __init__(self, batch: list[Delivery], lasting: set[str]) -> None:
        self._due = {d.id: d.due_at for d in batch}
        pings = [d.id for d in batch if d.kind not in lasting]
        self.built = _Countdown(len(pings))  # has its messages (or failed to build them)
        self._out = {i: asyncio.Event() for i in pings}  # sent its first message, or never will
        self._done = {d.id: asyncio.Event() for d in batch if d.kind in lasting}

    async def turn(self, delivery: Delivery) -> None:
        """Wait for what must go before ``delivery`` (see the class)."""
        due = delivery.due_at
        if delivery.id in self._done:
            waits = [e for i, e in self._out.items() if self._due[i] <= due]
        else:
            waits = [e for i, e in self._done.items() if self._due[i] < due]
        await _all_set(waits, 2 * BUILD_WAIT)

    def release(self, delivery: Delivery) -> None:
        """``delivery`` sent its first message (a ping) or is done (background work); or it
        never will. Safe to say twice."""
        (self._out.get(delivery.id) or self._done[delivery.id]).set()


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
    if is_disconnect(error):  # the database went away while the message was being built
        return "transient"
    return "bug"


def process_id() -> str:
    """Who claims rows: ``host:pid:random`` (the random part tells a restarted pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Scheduler:
    """One process's deliverer: claims due rows under leases, sends them, marks them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        send: Sender,
        *,
        grace: timedelta = timedelta(minutes=10),
        late_after: timedelta = timedelta(seconds=60),
        concurrency: int = CONCURRENCY,
        retry_delays: tuple[timedelta, ...] = RETRY_DELAYS,
        lease: timedelta = LEASE,
        renew_every: timedelta = RENEW_EVERY,
        recheck: timedelta = RECHECK,
        claimant: str | None = None,
    ) -> None:
        self.repo = OutboxRepo(db, claimant or process_id(), lease)
        self.renew_every = renew_every
        self.recheck = recheck
        self.listener = Listener(db, CHANNEL, self._notified, self.poke)
        self.clock = clock
        self.send = send
        self.grace = grace
        self.late_after = late_after
        self.concurrency = concurrency
        self.retry_delays = retry_delays
        self.handlers: dict[str, Handler] = {}
        self.failure_handlers: dict[str, FailureHandler] = {}
        self._lasting: set[str] = set()  # kinds that never expire (register(expires=False))
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._wake = asyncio.Event()
        self._inflight: dict[asyncio.Task[None], Delivery] = {}
        self._claiming = False  # a claim is on its way: its rows are no longer pending
        self._worker: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._db_lost = False
        self._armed_for: datetime | None = None
        self._claimed_up_to = datetime.min.replace(tzinfo=UTC)  # the last claim's "now"
        self._started_at: datetime | None = None
        clock.on_jump(self.poke)

    @property
    def armed_for(self) -> datetime | None:
        """The due time the wake-up timer is set for (None: nothing pending, or not yet armed)."""
        return self._armed_for

    @property
    def claimant(self) -> str:
        """This process's name on the rows it claims."""
        return self.repo.claimant

    @property
    def idle(self) -> bool:
        """Nothing being claimed or sent right now."""
        return not self._inflight and not self._claiming

    async def next_due(self) -> datetime | None:
        """When the soonest pending delivery is due (None: nothing pending)."""
        return await self.repo.next_due()

    def register(
        self,
        kind: str,
        build: Handler,
        on_failure: FailureHandler | None = None,
        *,
        expires: bool = True,
    ) -> None:
        """How deliveries of ``kind`` are built, and whom to tell when one can never be sent.
        ``expires=False``: a delivery whose work must happen however late (a vote's close) is
        never "missed": past the grace it is still built and sent (late), and a transient
        failure or a crash of its builder is retried for as long as it takes (at the last of
        ``retry_delays`` once they are used up); only a permanent failure ends it."""
        self.handlers[kind] = build
        if on_failure is not None:
            self.failure_handlers[kind] = on_failure
        if expires:
            self._lasting.discard(kind)
        else:
            self._lasting.add(kind)

    async def start(self) -> None:
        """Start the worker, the lease heartbeat and (PostgreSQL) the listener. Rows a dead
        process left 'sending' need nothing here: they are claimed when their lease runs out."""
        # Anything due before this moment fell due while the bot was down: it is late.
        self._started_at = self.clock.now()
        self._aps.start()
        self._worker = asyncio.create_task(self._supervise(self._run), name="outbox-worker")
        self._heartbeat = asyncio.create_task(self._supervise(self._renew), name="outbox-leases")
        self.listener.start()

    async def stop(self, drain: float = 5.0) -> None:
        """Stop claiming; give sends in progress ``drain`` seconds to finish, then cancel them.

        The rows of cancelled sends are handed back (pending again, for any process); should
        that fail too, their leases run out. Their nonces keep Discord from posting twice.
        """
        await self.listener.stop()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=drain)
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        try:
            async with asyncio.timeout(drain):
                released = await self.repo.release()
        except Exception as error:
            log.warning("Could not hand back unsent deliveries (%s); their leases run out", error)
        else:
            if released:
                log.info("Handed back %d deliveries cut short by the shutdown", released)
        if self._aps.running:
            self._aps.shutdown(wait=False)

    def poke(self, due: datetime | None = None) -> None:
        """Something changed in the outbox (or the clock jumped): re-check the soonest row."""
        if due is None or self._armed_for is None or due < self._armed_for:
            self._wake.set()

    def _notified(self, payload: str) -> None:
        """Another process (or this one) added a row due at ``payload`` (empty: re-check)."""
        try:
            due = from_text(payload) if payload else None
        except ValueError:
            due = None
        self.poke(due)

    async def _supervise(self, loop: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Outbox task %s crashed; restarting in 1 s", loop.__name__)
                await asyncio.sleep(1)

    async def _claim(self, limit: int) -> list[Delivery]:
        sending = [delivery.id for delivery in self._inflight.values()]
        self._claimed_up_to = self.clock.now()
        return await self.repo.claim_due(self._claimed_up_to, limit, sending)

    async def _db(self, what: str, call: Callable[..., Awaitable[T]], *args: object) -> T:
        """Run a storage call; while the database can't be reached, try again with growing
        waits. One log line when it goes and one when it is back, not one per attempt."""
        wait = DB_FIRST_WAIT
        while True:
            try:
                result = await call(*args)
            except Exception as error:
                if not is_disconnect(error):
                    raise
                if not self._db_lost:
                    self._db_lost = True
                    log.warning(
                        "Outbox: lost the database while %s (%s); trying again until it is back",
                        what,
                        error or type(error).__name__,
                    )
                await asyncio.sleep(wait)
                wait = min(wait * 2, DB_MAX_WAIT)
                continue
            if self._db_lost:
                self._db_lost = False
                log.info("Outbox: the database is back")
            return result

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            free = self.concurrency - len(self._inflight)
            # Until the timer is armed again, any wake-up counts: a row committed after the
            # next_wake query below would otherwise be compared with a time already past.
            self._armed_for = None
            if free > 0:
                self._claiming = True
                try:
                    batch = await self._db("claiming", self._claim, free)
                finally:
                    self._claiming = False
                claim = _Claim(batch, self._lasting)
                for delivery in batch:
                    task = asyncio.create_task(self._deliver(delivery, claim))
                    self._inflight[task] = delivery
                    task.add_done_callback(self._task_done)
                # A full batch may have left rows behind: claim again. A short one took every
                # row due; claiming again at once would hold the write lock (SQLite's only one)
                # while this batch's rows build, holding back the work due with them.
                if len(batch) == free:
                    continue
                self._arm(await self._db("looking for the next delivery", self.repo.next_wake))
            # The timeout is the safety net, not the mechanism: timer, pokes and NOTIFY are.
            # (asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and stop() would wait for this task forever.)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.recheck.total_seconds()):
                    await self._wake.wait()

    async def _renew(self) -> None:
        """The heartbeat: renew the leases of the rows being sent, every ``renew_every``."""
        while True:
            await asyncio.sleep(self.renew_every.total_seconds())
            ids = [delivery.id for delivery in self._inflight.values()]
            try:
                await self.repo.renew(ids)
            except Exception as error:
                if not is_disconnect(error):
                    raise
                # The worker logs the outage; a lease that runs out meanwhile is re-sent by
                # whoever claims it, with the same nonce.
                log.debug("Could not renew leases: %s", error)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        self._wake.set()

    def _arm(self, wake: NextWake) -> None:
        """Set the one timer for the soonest pending row or lease to run out (just after it,
        so it has run out on the database's clock too)."""
        now = self.clock.now()
        delays = [wake.due - now] if wake.due is not None else []
        if wake.lease_left is not None:
            delays.append(wake.lease_left + CONTENDED)
        if not delays:
            self._armed_for = None
            if self._aps.get_job("wake"):
                self._aps.remove_job("wake")
            return
        # Already due, yet the claim just now found nothing: another process is claiming it
        # this instant (its rows are locked, and skipped). Look again in a moment. A row due
        # soon is woken for at its own time (rounding it up to CONTENDED made every delivery
        # of a busy minute up to 50 ms late).
        delay = min(delays)
        if wake.due is not None and self._claimed_up_to < wake.due <= now:
            # Fell due after the claim looked (a busy minute): claim it now, no pause.
            self._armed_for = None
            self._wake.set()
            return
        if delay <= timedelta(0):
            delay = CONTENDED
        self._armed_for = now + delay
        if wake.due is not None and wake.due - now == delay:
            self._armed_for = wake.due  # the row's own due time, not a rounded copy
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

    async def _deliver(self, delivery: Delivery, claim: _Claim | None = None) -> None:
        ping = delivery.kind not in self._lasting
        try:
            if claim is not None:
                await claim.turn(delivery)
            now = self.clock.now()
            lateness = now - delivery.due_at
            if lateness > self.grace and ping:
                if claim is not None:
                    claim.built.one()
                log.info("Delivery %s (%s) missed: %s late", delivery.id, delivery.kind, lateness)
                await self._finish(delivery, MISSED, now, f"{lateness} late")
                return
            late = self.is_late(delivery, now)
            try:
                try:
                    messages = await self.handlers[delivery.kind](delivery, late)
                finally:
                    if claim is not None and ping:
                        claim.built.one()
                if claim is not None and ping:
                    await claim.built.wait(BUILD_WAIT)
                for part, message in enumerate(messages):
                    await self._send_part(delivery, message, f"{delivery.nonce}.{part}")
                    if claim is not None and ping:
                        claim.release(delivery)
            except asyncio.CancelledError:
                raise  # shutting down: stop() hands the row back (else its lease runs out)
            except Exception as error:
                if claim is not None:
                    claim.release(delivery)  # not after the failure's notices
                await self._failed(delivery, error)
                return
        finally:
            if claim is not None:
                claim.release(delivery)
        # Sent: should the database be gone now, marking it is retried until it is back (and
        # should this process die first, the lease runs out and the re-send has the same nonce).
        await self._finish(delivery, LATE if late else SENT, self.clock.now())

    async def _finish(
        self, delivery: Delivery, state: str, at: datetime, error: str | None = None
    ) -> bool:
        """Mark the row, if it is still this claim's; False (and a log line) if not."""
        mine = await self._db("marking a delivery", self.repo.finish, delivery, state, at, error)
        if not mine:
            log.warning(
                "Delivery %s: lost its lease before it was marked %s; another process has it",
                delivery.id,
                state,
            )
        return mine

    async def _send_part(self, delivery: Delivery, message: Outgoing, nonce: str) -> None:
        try:
            await self.send(message, nonce)
        except Exception as error:
            if not message.optional or classify(error) != "permanent":
                raise
            log.info("Delivery %s: skipped an optional message (%s)", delivery.id, error)

    def _retry_time(self, delivery: Delivery, now: datetime) -> datetime | None:
        """When to try a failed delivery again; None: give up. An expiring kind has
        ``retry_delays`` attempts within the grace; a lasting one is never given up on (its
        work, a vote's close or a series' next occurrence, has no other way to happen): past the
        delays it keeps the last one."""
        if not self.retry_delays:
            return None
        attempt = delivery.attempts - 1
        if delivery.kind in self._lasting:
            return now + self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
        if attempt >= len(self.retry_delays):
            return None
        when = now + self.retry_delays[attempt]
        return when if when - delivery.due_at <= self.grace else None

    async def _failed(self, delivery: Delivery, error: Exception) -> None:
        kind = classify(error)
        now = self.clock.now()
        reason = f"{type(error).__name__}: {error}"[:300]
        # A bug in a lasting kind's builder is retried too: failing the row would leave a vote
        # open (or a series stopped) for good, while a retry every last-delay costs one ERROR
        # line each time and finishes the work once a fixed build is deployed (the builders
        # are safe to run again). An expiring kind's bug fails its row, as before.
        retried = kind == "transient" or (kind == "bug" and delivery.kind in self._lasting)
        when = self._retry_time(delivery, now) if retried else None
        if when is not None:
            if kind == "bug":
                log.error(
                    "Delivery %s (%s) crashed on attempt %d; retrying at %s",
                    delivery.id,
                    delivery.kind,
                    delivery.attempts,
                    when,
                    exc_info=error,
                )
            else:
                log.warning("Delivery %s failed (%s); retrying at %s", delivery.id, reason, when)
            if await self._db("re-queueing", self.repo.retry_at, delivery, when, reason):
                self.poke(when)
            return
        if kind == "bug":
            log.error("Delivery %s (%s) crashed", delivery.id, delivery.kind, exc_info=error)
        else:
            log.warning("Delivery %s (%s) failed for good: %s", delivery.id, delivery.kind, reason)
        # Only the claim that recorded the failure reports it, so it is reported once.
        if await self._finish(delivery, FAILED, now, reason) and kind == "permanent":
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
