"""A series' roll-over cut short or overtaken, deterministically: a crash between its card and
its thread (the re-run finds the card and starts the thread once), and a cancel of the series
(or of the very occurrence being announced) that lands at each step of the roll-over, or just
before it: whichever wins, no live card or event for a cancelled occurrence, no pending rows
left for it, nobody told twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.parties import PARTY_KINDS, Party
from bot.domain.recurrence import ROLL_OVER
from bot.services.watchparty import WatchParties
from cogs.cards import PartyCards
from fakecord import StoredMessage
from tests.e2e.conftest import Harness, harness
from tests.e2e.party_helpers import footer, mention_ids, party, pings
from tests.e2e.test_watchparty_series import START, ends, weekly


@dataclass
class Hold:
    """Where a roll-over was stopped: ``reached`` once it got there, ``go`` lets it on."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)
    used: bool = False

    async def wait(self) -> None:
        self.reached.set()
        await self.go.wait()

    async def arrived(self) -> None:
        await asyncio.wait_for(self.reached.wait(), 8)


def hold(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *, after: bool) -> Hold:
    """Stop the next call of ``owner.name`` (once) before it runs, or ``after`` it returned."""
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)
    stop = Hold()

    async def held(*args: Any, **kwargs: Any) -> Any:
        first, stop.used = not stop.used, True
        if first and not after:
            await stop.wait()
        result = await original(*args, **kwargs)
        if first and after:
            await stop.wait()
        return result

    monkeypatch.setattr(owner, name, held)
    return stop


def cards_of(e2e: Harness, party_id: int) -> list[StoredMessage]:
    """Every card the bot posted for a party in #general (live or cancelled)."""
    return [
        m
        for m in e2e.posts()
        if not m.deleted
        and (f"wp:rsvp:{party_id}:going" in m.custom_ids() or f"#{party_id} " in footer(m))
    ]


async def cancel_notices(e2e: Harness, count: int) -> list[StoredMessage]:
    """The cancellation notices in #general and its threads, once ``count`` came and a
    moment passed (a second word would have come by then)."""

    def told() -> list[StoredMessage]:
        channels = [e2e.server.general] + [
            t.id for t in e2e.fake.world.threads_of(e2e.server.guild)
        ]
        return [
            m for c in channels for m in e2e.fake.channel_posts(c) if m.content.startswith("❌ The")
        ]

    async with asyncio.timeout(8):
        while True:
            if len(told()) >= count:
                break
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    return told()


async def made(e2e: Harness, party_id: int, *, thread: bool = False) -> Party:
    """The occurrence once its event (and ``thread``: its thread) is remembered."""
    async with asyncio.timeout(8):
        while True:
            found = await party(e2e, party_id)
            if found.event_id is not None and (found.thread_id is not None or not thread):
                return found
            await asyncio.sleep(0.02)


def events(e2e: Harness) -> list[dict[str, Any]]:
    return e2e.fake.scheduled_events(e2e.server.guild)


async def newest(e2e: Harness, first: Party, *, other_than: int) -> Party:
    """The series' newest occurrence once it is another than ``other_than``."""
    assert first.series is not None
    async with asyncio.timeout(8):
        while True:
            found = await e2e.bot.series.repo.current(first.series.series_id)
            if found is not None and found != other_than:
                return await party(e2e, found)
            await asyncio.sleep(0.02)


async def settled(e2e: Harness, row_id: int) -> None:
    """Wait until an outbox row is no longer pending or being sent."""
    query = "SELECT state FROM outbox WHERE id = ?"
    async with asyncio.timeout(8):
        while True:
            if await e2e.bot.db.fetchval(query, (row_id,)) not in ("pending", "sending"):
                return
            await asyncio.sleep(0.02)


async def sending_roll_over(e2e: Harness) -> int:
    row = await e2e.bot.db.fetchval(
        "SELECT id FROM outbox WHERE kind = ? AND state = 'sending'", (ROLL_OVER,)
    )
    assert row is not None
    return int(row)


async def pending_rows(e2e: Harness, series_id: int, party_id: int | None) -> list[str]:
    """Pending rows of the series' roll-over and of one occurrence's reminders and start."""
    rows = await e2e.bot.db.fetchall(
        "SELECT kind FROM outbox WHERE state = 'pending' AND ((kind = ? AND ref_id = ?) "
        "OR (kind IN (?, ?) AND ref_id = ?))",
        (ROLL_OVER, series_id, *PARTY_KINDS, party_id or 0),
    )
    return [str(r["kind"]) for r in rows]


def assert_retired(e2e: Harness, occurrence: Party) -> None:
    """A cancelled occurrence: no card, or one that says Cancelled (no buttons); no event."""
    cards = cards_of(e2e, occurrence.id)
    assert len(cards) <= 1, cards
    for card in cards:
        assert card.embeds[0]["title"].startswith("❌ Cancelled"), card.embeds[0]
        assert not card.custom_ids()
    assert occurrence.event_id is None
    names = [str(e["name"]) for e in events(e2e)]
    assert len(names) == len(set(names)) == 1, names  # the first party's only


# ------------------------------------------------------------- a crash between card and thread


@pytest.mark.parametrize("card_remembered", [True, False], ids=["remembered", "not-remembered"])
async def test_a_roll_over_re_run_after_a_crash_before_the_thread_starts_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, card_remembered: bool
) -> None:
    async with harness(tmp_path, start=START) as e2e:
        first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00", thread=True)
        # The process dies once Discord has the card: before the bot remembered it, or after
        # but before the thread was started.
        if card_remembered:
            crash = hold(monkeypatch, PartyCards, "start_thread", after=False)
        else:
            crash = hold(monkeypatch, WatchParties, "attach_card", after=False)
        await ends(e2e, first)
        await crash.arrived()
        second = await newest(e2e, first, other_than=first.id)
        assert (second.message_id is not None) == card_remembered
        assert second.thread_id is None and second.event_id is None
        await e2e.restart()
        again = await made(e2e, second.id, thread=True)
        [card] = cards_of(e2e, second.id)
        assert again.message_id == card.id
        assert again.thread_id == card.id  # a thread started from the card has its id
        started = e2e.fake.requests_matching(
            "POST", f"/channels/{e2e.server.general}/messages/{card.id}/threads"
        )
        assert len(started) == 1
        assert [str(e["id"]) for e in events(e2e)] == [str(first.event_id), str(again.event_id)]
        # The occurrence's pings go to its thread.
        e2e.clock.set(again.starts_at - timedelta(seconds=0.5))
        [ping] = await pings(e2e, 1, channel=again.thread_id)
        assert ping.content.startswith("🎬 The")
        assert not [m for m in e2e.posts() if f"#{second.id}" in m.content]


# ------------------------------------------------------------------ a roll-over and a cancel

#: Where the roll-over is held while the cancel runs: (what, method, after it returned).
STEPS = {
    "occurrence-made": ("series", "roll_over", True),
    "card-on-its-way": ("cards", "post", False),
    "card-posted": ("cards", "post", True),
    "event-on-its-way": ("cards", "sync_event", False),
}


@pytest.mark.parametrize("scope", ["series", "this"])
@pytest.mark.parametrize("step", list(STEPS))
async def test_a_cancel_while_the_roll_over_is_under_way_leaves_nothing_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, scope: str
) -> None:
    async with harness(tmp_path, start=START) as e2e:
        first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00", thread=True)
        assert first.series is not None
        series_id = first.series.series_id
        what, method, after = STEPS[step]
        owner = e2e.bot.series if what == "series" else PartyCards
        stop = hold(monkeypatch, owner, method, after=after)
        await ends(e2e, first)
        await stop.arrived()
        row = await sending_roll_over(e2e)
        second = await newest(e2e, first, other_than=first.id)
        card = await party(e2e, second.id)
        if card.message_id is not None:  # someone answers before the cancel: told once
            await e2e.click(e2e.fake.message(card.message_id), "Going", "Bruno")
        target = first.id if scope == "series" else second.id
        reply = await e2e.run("Ada", "watchparty cancel", {"id": target, "scope": scope})
        assert reply.ephemeral and "Cancelled" in reply.content, reply.content
        stop.go.set()
        await settled(e2e, row)
        cancelled = await party(e2e, second.id)
        assert cancelled.cancelled
        if scope == "this":  # the series goes on: its next occurrence is announced now
            third = await newest(e2e, first, other_than=second.id)
            third = await made(e2e, third.id)
            cancelled = await party(e2e, second.id)
            assert len(cards_of(e2e, third.id)) == 1
            assert len(events(e2e)) == 2  # the first's and the third's
            assert third.event_id is not None
            assert [str(e["id"]) for e in events(e2e)][1] == str(third.event_id)
            assert [ROLL_OVER] == await pending_rows(e2e, series_id, second.id)
            assert cancelled.event_id is None
        else:
            assert await e2e.bot.series.repo.current(series_id) == second.id
            assert await pending_rows(e2e, series_id, second.id) == []
            assert_retired(e2e, cancelled)
        if scope == "this":
            cards = cards_of(e2e, second.id)
            assert len(cards) <= 1
            assert all(c.embeds[0]["title"].startswith("❌ Cancelled") for c in cards)
        told = await cancel_notices(e2e, 1 if card.message_id is not None else 0)
        bruno = [m for m in told if e2e.server["Bruno"] in mention_ids(m)]
        assert len(bruno) == (1 if card.message_id is not None else 0)
        assert not [m for m in told if e2e.server["Ada"] in mention_ids(m)]


async def test_a_cancel_just_before_the_roll_over_makes_its_occurrence_makes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with harness(tmp_path, start=START) as e2e:
        first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00", thread=True)
        assert first.series is not None
        stop = hold(monkeypatch, e2e.bot.series, "roll_over", after=False)
        await ends(e2e, first)
        await stop.arrived()
        row = await sending_roll_over(e2e)
        reply = await e2e.run("Ada", "watchparty cancel", {"id": first.id, "scope": "series"})
        assert reply.ephemeral and "Cancelled" in reply.content, reply.content
        stop.go.set()
        await settled(e2e, row)
        assert await e2e.bot.series.repo.current(first.series.series_id) == first.id
        assert await pending_rows(e2e, first.series.series_id, None) == []
        assert len(events(e2e)) == 1
        cards = [m for m in e2e.posts() if m.custom_ids() or footer(m)]
        assert len(cards) == 1  # the first party's


async def test_a_cancel_that_read_the_occurrence_before_its_card_came_still_retires_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cancel read the occurrence (no card yet) and is held before it writes; meanwhile
    # the roll-over goes on (PostgreSQL lets it post, remember the card and make the event,
    # seeing the party not cancelled yet; SQLite's one writer makes it wait for the cancel).
    async with harness(tmp_path, start=START) as e2e:
        first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00", thread=True)
        assert first.series is not None
        rolling = hold(monkeypatch, e2e.bot.series, "roll_over", after=True)
        await ends(e2e, first)
        await rolling.arrived()
        row = await sending_roll_over(e2e)
        second = await newest(e2e, first, other_than=first.id)
        cancelling = hold(monkeypatch, e2e.bot.parties, "cancel_within", after=False)
        handle = await e2e.slash("Ada", "watchparty cancel", {"id": first.id, "scope": "series"})
        await cancelling.arrived()
        rolling.go.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled(e2e, row), 1)
        cancelling.go.set()
        reply = await handle.response(timeout=8)
        assert "Cancelled" in reply.content, reply.content
        await settled(e2e, row)
        assert await pending_rows(e2e, first.series.series_id, second.id) == []
        assert_retired(e2e, await party(e2e, second.id))
