"""The outbox scheduler with a real database and real timers; the sender is a recorder."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot import scheduler as scheduler_module
from bot.scheduler import FailureHandler, Outgoing, PermanentFailure, Scheduler
from bot.storage import outbox
from bot.storage.db import Database, open_database
from fakecord.clock import ShiftedClock
from tests.databases import fresh_database
from tests.scheduler_helpers import Recorder, handler, make, queue, wait_for
from tests.storage.outbox_helpers import outbox_counts

T0 = datetime(2025, 5, 30, 6, 59, 59, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path):
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    yield database
    await database.close()


async def test_delivery_fires_at_due_time_not_before(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    due = T0 + timedelta(hours=1)
    await queue(db, "test", due)
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await wait_for(lambda: scheduler.armed_for == due)  # the one wake-up, set for that row
        # Then the real timer: 200 ms from now. (How late real timers fire on a busy machine is
        # the scheduler benchmark's to measure, not this test's to assert.)
        clock.set(due - timedelta(milliseconds=200))
        await wait_for(lambda: send.sent)
        message, nonce, at = send.sent[0]
        assert at >= due
        assert nonce.startswith("wp")
        await wait_for(lambda: scheduler.idle)  # the row is marked after the send
        assert await outbox_counts(db) == {"sent": 1}
    finally:
        await scheduler.stop()


async def test_new_row_pokes_the_timer(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await queue(db, "test", T0 + timedelta(hours=5))  # far away: armed for it
        await asyncio.sleep(0.05)
        soon = T0 + timedelta(milliseconds=300)
        await queue(db, "test", soon)
        scheduler.poke(soon)
        await wait_for(lambda: len(send.sent) == 1)
        assert send.sent[0][2] >= soon
    finally:
        await scheduler.stop()


async def test_clock_jump_rearms(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    await queue(db, "test", T0 + timedelta(hours=1))
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await asyncio.sleep(0.05)
        assert not send.sent
        clock.advance(timedelta(hours=1))
        await wait_for(lambda: send.sent)
    finally:
        await scheduler.stop()


async def test_late_within_grace_is_sent_and_marked_late_older_is_missed(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    await queue(db, "test", T0 - timedelta(minutes=5), data={"text": "recent"})
    await queue(db, "test", T0 - timedelta(minutes=11), data={"text": "old"})
    scheduler = make(db, clock, send, grace=timedelta(minutes=10))
    await scheduler.start()
    try:
        await wait_for(lambda: len(send.sent) == 1)
        await asyncio.sleep(0.1)
        assert [m.content for m, _, _ in send.sent] == ["recent late=True"]
        await wait_for(lambda: scheduler.idle)  # the row is marked after the send
        assert await outbox_counts(db) == {"late": 1, "missed": 1}
    finally:
        await scheduler.stop()


async def test_a_kind_that_never_expires_is_sent_late_however_long_ago_it_fell_due(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    await queue(db, "lasting", T0 - timedelta(days=2), data={"text": "close"})
    scheduler = make(db, clock, send, grace=timedelta(minutes=10))
    scheduler.register("lasting", handler, expires=False)
    await scheduler.start()
    try:
        await wait_for(lambda: send.sent)
        assert [m.content for m, _, _ in send.sent] == ["close late=True"]
        await wait_for(lambda: scheduler.idle)
        assert await outbox_counts(db) == {"late": 1}
    finally:
        await scheduler.stop()


async def test_a_kind_that_never_expires_is_retried_past_the_grace(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[OSError("connection reset")])
    await queue(db, "lasting", T0 - timedelta(hours=1))
    scheduler = make(db, clock, send, grace=timedelta(minutes=10))
    scheduler.register("lasting", handler, expires=False)
    await scheduler.start()
    try:
        await wait_for(lambda: send.sent)
        await wait_for(lambda: scheduler.idle)
        assert await outbox_counts(db) == {"late": 1}
    finally:
        await scheduler.stop()


async def test_a_kind_that_never_expires_keeps_retrying_at_the_last_delay(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[OSError("reset")] * 3)
    await queue(db, "lasting", T0)
    # Two delays: past them a lasting row keeps the last one (an hour), and is never failed.
    scheduler = Scheduler(db, clock, send, retry_delays=(timedelta(0), timedelta(hours=1)))
    scheduler.register("lasting", handler, expires=False)
    await scheduler.start()
    try:
        for attempt in (2, 3):  # attempt 3 is past the delays: the old scheduler gave up
            await wait_for(lambda: len(send.fail_with) == 3 - attempt)  # noqa: B023
            await wait_for(lambda: scheduler.idle)
            row = await db.fetchone("SELECT state, next_at, attempts FROM outbox")
            assert row is not None and (row["state"], row["attempts"]) == ("pending", attempt)
            due = outbox.from_text(row["next_at"])
            assert clock.now() < due <= clock.now() + timedelta(hours=1)
            clock.set(due)
        await wait_for(lambda: send.sent)
        await wait_for(lambda: scheduler.idle)
        assert await outbox_counts(db) == {"late": 1}
    finally:
        await scheduler.stop()


async def test_a_crash_in_a_lasting_kinds_builder_is_retried_and_logged_each_time(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    crashes = [KeyError("bug"), KeyError("bug")]

    async def buggy(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        if crashes:
            raise crashes.pop(0)
        return await handler(delivery, late)

    await queue(db, "lasting", T0)
    scheduler = make(db, clock, send)
    scheduler.register("lasting", buggy, expires=False)
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        await scheduler.start()
        try:
            await wait_for(lambda: send.sent)  # the fixed builder (here: the third run) closes it
            await wait_for(lambda: scheduler.idle)
        finally:
            await scheduler.stop()
    assert await outbox_counts(db) == {"sent": 1}
    crashed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(crashed) == 2 and all(r.exc_info for r in crashed)


async def test_a_crash_in_an_expiring_kinds_builder_fails_the_delivery(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)

    async def buggy(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        raise KeyError("bug")

    await queue(db, "test", T0)
    scheduler = make(db, clock, send)
    scheduler.register("test", buggy)
    await scheduler.start()
    try:
        await wait_for(lambda: scheduler.idle)
        await asyncio.sleep(0.2)  # no retry comes
        assert await outbox_counts(db) == {"failed": 1}
    finally:
        await scheduler.stop()


async def test_transient_failure_is_retried_with_same_nonce(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[OSError("connection reset")])
    await queue(db, "test", T0 + timedelta(milliseconds=200))
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await wait_for(lambda: send.sent)
        await asyncio.sleep(0.05)
        await wait_for(lambda: scheduler.idle)  # the row is marked after the send
        assert await outbox_counts(db) == {"sent": 1}
        assert send.sent[0][1] == "wp1.0"
    finally:
        await scheduler.stop()


async def test_permanent_failure_is_recorded_and_reported_once(db: Database) -> None:
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[PermanentFailure("channel deleted")])
    reported: list[tuple[int, str]] = []

    async def report(delivery: outbox.Delivery, reason: str) -> list[Outgoing]:
        reported.append((delivery.id, reason))
        return [Outgoing(f"I couldn't post: {reason}", user_id=9)]

    await queue(db, "test", T0)
    scheduler = make(db, clock, send, on_failure=report)
    await scheduler.start()
    try:
        await wait_for(lambda: reported)
        await asyncio.sleep(0.2)
        assert len(reported) == 1 and "channel deleted" in reported[0][1]
        await wait_for(lambda: scheduler.idle)  # the row is marked after the send
        assert await outbox_counts(db) == {"failed": 1}
        [(notice, _, _)] = send.sent  # only the notice got through
        assert notice.user_id == 9 and "channel deleted" in notice.content
    finally:
        await scheduler.stop()


async def test_a_failure_notice_that_cannot_be_sent_falls_back_to_the_next(db: Database) -> None:
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[PermanentFailure("gone"), PermanentFailure("gone too")])

    async def report(delivery: outbox.Delivery, reason: str) -> list[Outgoing]:
        return [Outgoing("in the announce channel", channel_id=7), Outgoing("by DM", user_id=9)]

    await queue(db, "test", T0)
    scheduler = make(db, clock, send, on_failure=report)
    await scheduler.start()
    try:
        await wait_for(lambda: send.sent)
        await wait_for(lambda: scheduler.idle)
        assert [m.content for m, _, _ in send.sent] == ["by DM"]
    finally:
        await scheduler.stop()


async def test_failures_are_reported_by_the_handler_of_their_own_kind(db: Database) -> None:
    clock = ShiftedClock(T0)
    send = Recorder(clock, fail_with=[PermanentFailure("missing access")])
    told: list[str] = []

    def reporter(name: str) -> FailureHandler:
        async def report(delivery: outbox.Delivery, reason: str) -> list[Outgoing]:
            told.append(name)
            return []

        return report

    scheduler = Scheduler(db, clock, send)
    scheduler.register("party", handler, on_failure=reporter("host"))
    scheduler.register("premiere", handler, on_failure=reporter("managers"))
    scheduler.register("quiet", handler)  # no failure handling: recorded only
    await queue(db, "premiere", T0)
    await scheduler.start()
    try:
        await wait_for(lambda: told)
        await wait_for(lambda: scheduler.idle)
        assert told == ["managers"]
        send.fail_with = [PermanentFailure("missing access")]
        await queue(db, "quiet", T0 + timedelta(milliseconds=100))
        scheduler.poke()
        await wait_for(lambda: not send.fail_with)
        await wait_for(lambda: scheduler.idle)
        assert await outbox_counts(db) == {"failed": 2}
        assert told == ["managers"] and not send.sent
    finally:
        await scheduler.stop()


async def test_rows_left_sending_by_a_crash_are_sent_after_restart(db):
    clock = ShiftedClock(T0)
    await queue(db, "test", T0)
    async with db.transaction() as conn:
        await conn.execute("UPDATE outbox SET state = 'sending', attempts = 1")
    send = Recorder(clock)
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await wait_for(lambda: send.sent)
        assert send.sent[0][1] == "wp1.0"  # same nonce as the interrupted attempt
    finally:
        await scheduler.stop()


def test_discord_errors_are_classified():
    from bot.scheduler import classify

    class Resp:
        def __init__(self, status):
            self.status = status
            self.reason = "x"

    assert classify(discord.Forbidden(Resp(403), "no")) == "permanent"
    assert classify(discord.NotFound(Resp(404), "gone")) == "permanent"
    assert classify(discord.DiscordServerError(Resp(503), "busy")) == "transient"
    assert classify(discord.HTTPException(Resp(429), "slow")) == "transient"
    assert classify(TimeoutError()) == "transient"
    assert classify(KeyError("bug")) == "bug"


async def test_due_row_fires_on_time_while_the_loop_is_idle(db):
    """The wake-up must reach the event loop even when nothing else wakes it (no polling)."""
    clock = ShiftedClock(T0)
    arrived = asyncio.Event()

    class Signal(Recorder):
        async def __call__(self, message, nonce):
            await super().__call__(message, nonce)
            arrived.set()

    send = Signal(clock)
    due = T0 + timedelta(milliseconds=500)
    await queue(db, "test", due)
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        # One long wait, so the loop idles meanwhile: a wake-up that only lands when something
        # else stirs the loop never arrives. (Lateness itself is the benchmark's to measure.)
        await asyncio.wait_for(arrived.wait(), 5)
        assert send.sent[0][2] >= due
    finally:
        await scheduler.stop()


async def test_an_optional_message_that_can_never_be_sent_does_not_fail_the_delivery(db):
    clock = ShiftedClock(T0)
    sent: list[Outgoing] = []

    async def send(message, nonce):
        if message.user_id == 2:
            raise PermanentFailure("DMs closed")
        sent.append(message)

    scheduler = Scheduler(db, clock, send)

    async def handler(delivery, late):
        return [
            Outgoing("channel", channel_id=5),
            Outgoing("dm", user_id=2, optional=True),
            Outgoing("dm", user_id=3, optional=True),
        ]

    scheduler.register("test", handler)
    await queue(db, "test", T0 + timedelta(milliseconds=200))
    await scheduler.start()
    try:
        await wait_for(lambda: len(sent) == 2)
        await wait_for(lambda: scheduler.idle)
        assert [m.content for m in sent] == ["channel", "dm"]
        await wait_for(lambda: scheduler.idle)  # the row is marked after the send
        assert await outbox_counts(db) == {"sent": 1}
    finally:
        await scheduler.stop()


async def test_due_just_before_start_is_on_time_older_is_late(db):
    clock = ShiftedClock(T0)
    send = Recorder(clock)
    await queue(db, "test", T0 - timedelta(milliseconds=100), data={"text": "just"})
    await queue(db, "test", T0 - timedelta(seconds=30), data={"text": "while down"})
    scheduler = make(db, clock, send)
    await scheduler.start()
    try:
        await wait_for(lambda: len(send.sent) == 2)
        assert sorted(m.content for m, _, _ in send.sent) == [
            "just late=False",
            "while down late=True",
        ]
    finally:
        await scheduler.stop()


async def test_stop_lets_a_send_in_progress_finish(db):
    clock = ShiftedClock(T0)
    started = asyncio.Event()

    class Slow(Recorder):
        async def __call__(self, message, nonce):
            started.set()
            await asyncio.sleep(0.2)
            await super().__call__(message, nonce)

    send = Slow(clock)
    await queue(db, "test", T0)
    scheduler = make(db, clock, send)
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 3)
    await scheduler.stop()
    assert len(send.sent) == 1
    assert await outbox_counts(db) == {"sent": 1}


async def test_rows_due_together_build_their_messages_before_any_is_sent(db, monkeypatch):
    """A big fan-out's sends must not hold back the build of a row due with it: every row of
    a claim is built first, then they all send."""
    monkeypatch.setattr(scheduler_module, "BUILD_WAIT", timedelta(seconds=10))  # a slow machine
    clock = ShiftedClock(T0)
    events: list[str] = []

    async def record(message: Outgoing, nonce: str) -> None:
        events.append(f"send {message.content}")

    release = asyncio.Event()

    async def build(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        text = delivery.data["text"]
        if text == "slow":
            await release.wait()  # a build that takes a while (a busy database)
        events.append(f"built {text}")
        return [Outgoing(text, channel_id=5)]

    scheduler = Scheduler(db, clock, record)
    scheduler.register("test", build)
    for text in ("fast", "slow"):
        await queue(db, "test", T0, data={"text": text})
    await scheduler.start()
    try:
        await wait_for(lambda: "built fast" in events)
        await asyncio.sleep(0.05)
        assert events == ["built fast"]  # waits for the slow one's messages
        release.set()
        await wait_for(lambda: len(events) == 4)
        assert events[:2] == ["built fast", "built slow"]
        assert sorted(events[2:]) == ["send fast", "send slow"]
    finally:
        await scheduler.stop()


async def test_background_work_starts_after_the_pings_due_with_it_sent_their_first_message(
    db, monkeypatch
):
    """A lasting kind (a series' roll-over: a transaction, a card) due with pings must not
    hold back their builds or first messages: it starts once each has sent its first one."""
    monkeypatch.setattr(scheduler_module, "BUILD_WAIT", timedelta(seconds=10))  # a slow machine
    clock = ShiftedClock(T0)
    events: list[str] = []
    release = asyncio.Event()

    async def record(message: Outgoing, nonce: str) -> None:
        events.append(f"send {message.content}")
        if message.content == "ping 1":
            await release.wait()  # the first message takes a while (a busy Discord)

    async def ping(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        text = delivery.data["text"]
        return [Outgoing(f"{text} 1", channel_id=5), Outgoing(f"{text} 2", channel_id=5)]

    async def background(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        events.append("background")
        return []

    scheduler = Scheduler(db, clock, record)
    scheduler.register("ping", ping)
    scheduler.register("lasting", background, expires=False)
    await queue(db, "lasting", T0)
    for text in ("ping", "other"):
        await queue(db, "ping", T0, data={"text": text})
    await scheduler.start()
    try:
        await wait_for(lambda: "send ping 1" in events)
        await asyncio.sleep(0.05)
        assert "background" not in events  # "ping" has not sent its first message yet
        release.set()
        await wait_for(lambda: "background" in events and len(events) == 5)
        assert events.index("background") > events.index("send ping 1")
        assert events.index("background") > events.index("send other 1")
    finally:
        await scheduler.stop()


async def test_a_ping_due_after_background_work_of_its_claim_builds_once_that_work_is_done(db):
    """After downtime a vote's close (due first) and the start ping naming its winner come back
    in one claim: the ping is built from what the close decided, not before it."""
    clock = ShiftedClock(T0 + timedelta(seconds=5))  # both overdue, within the grace
    events: list[str] = []

    async def record(message: Outgoing, nonce: str) -> None:
        events.append(f"send {message.content}")

    async def close(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        events.append("close starts")
        await asyncio.sleep(0.1)  # its transaction
        events.append("close done")
        return []

    async def ping(delivery: outbox.Delivery, late: bool) -> list[Outgoing]:
        events.append("ping built")
        return [Outgoing("start", channel_id=5)]

    scheduler = Scheduler(db, clock, record)
    scheduler.register("ping", ping)
    scheduler.register("lasting", close, expires=False)
    await queue(db, "ping", T0)
    await queue(db, "lasting", T0 - timedelta(minutes=1))
    await scheduler.start()
    try:
        await wait_for(lambda: "send start" in events and "close done" in events)
        assert events == ["close starts", "close done", "ping built", "send start"]
    finally:
        await scheduler.stop()
