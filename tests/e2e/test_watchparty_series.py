"""Recurring watch parties end to end: each occurrence at the same local wall time across DST,
its own card and start ping, the roll-over (also across a restart), cancel one or the series,
edit the series, the list, and mistakes refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.parties import Party
from tests.e2e.conftest import Harness, harness
from tests.e2e.party_helpers import card_of, create, fields, party, pings

#: Sunday 1 March 2026, noon UTC: before the US (8 March) and EU (29 March) clock changes.
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, start=START) as h:
        yield h


async def weekly(e2e: Harness, zone: str, when: str, **options: Any) -> Party:
    """A weekly series made by Ada in ``zone``, without reminders; its first party."""
    await e2e.run("Ada", "timezone set", {"zone": zone})
    made = await create(e2e, "Ada", when, repeat="weekly", reminders="off", **options)
    return await party(e2e, made.id)


async def next_of(e2e: Harness, before: Party, within: float = 8) -> Party:
    """The series' occurrence after ``before``, once the roll-over made it and posted its card."""
    assert before.series is not None
    async with asyncio.timeout(within):
        while True:
            newest = await e2e.bot.series.repo.current(before.series.series_id)
            if newest is not None and newest != before.id:
                made = await party(e2e, newest)
                if made.message_id is not None:
                    return made
            await asyncio.sleep(0.02)


async def ends(e2e: Harness, occurrence: Party) -> None:
    """Move the clock to just after an occurrence ends (its roll-over falls due)."""
    assert occurrence.ends_at is not None
    e2e.clock.set(occurrence.ends_at + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("zone", "first", "instants"),
    [
        # New York: EST (UTC-5), then EDT (UTC-4) from 8 March.
        (
            "America/New_York",
            "2026-03-06 20:00",
            [datetime(2026, 3, 7, 1, tzinfo=UTC), datetime(2026, 3, 14, 0, tzinfo=UTC)],
        ),
        # Berlin: CET (UTC+1), then CEST (UTC+2) from 29 March.
        (
            "Europe/Berlin",
            "2026-03-27 20:00",
            [datetime(2026, 3, 27, 19, tzinfo=UTC), datetime(2026, 4, 3, 18, tzinfo=UTC)],
        ),
    ],
)
async def test_each_occurrence_starts_at_the_same_local_time_across_dst_with_card_and_ping(
    e2e: Harness, zone: str, first: str, instants: list[datetime]
) -> None:
    occurrence = await weekly(e2e, zone, first)
    assert "Every Friday 8:00 PM" in fields(card_of(e2e, occurrence.id))["Repeats"]
    for number, instant in enumerate(instants):
        assert occurrence.starts_at == instant
        e2e.clock.set(instant - timedelta(seconds=1))
        [*_, ping] = await pings(e2e, number + 1)
        assert ping.content.startswith("🎬 The")
        if number + 1 < len(instants):
            await ends(e2e, occurrence)
            occurrence = await next_of(e2e, occurrence)
            assert "Every Friday 8:00 PM" in fields(card_of(e2e, occurrence.id))["Repeats"]


async def test_a_time_skipped_by_the_clock_change_moves_to_the_end_of_the_jump_and_says_so(
    e2e: Harness,
) -> None:
    e2e.clock.set(datetime(2026, 2, 28, 12, tzinfo=UTC))
    first = await weekly(e2e, "America/New_York", "2026-03-01 02:30")  # Sundays 2:30 AM
    assert first.starts_at == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    await ends(e2e, first)
    moved = await next_of(e2e, first)  # 8 March: the clocks jump from 2 to 3 AM
    assert moved.starts_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 3:00 AM EDT
    assert "this one starts at the end of the jump" in fields(card_of(e2e, moved.id))["Repeats"]
    await ends(e2e, moved)
    after = await next_of(e2e, moved)
    assert after.starts_at == datetime(2026, 3, 15, 6, 30, tzinfo=UTC)  # 2:30 AM EDT again


async def test_roll_over_that_fell_due_while_down_happens_at_start_up_once(e2e: Harness) -> None:
    first = await weekly(e2e, "America/New_York", "2026-03-06 20:00")
    assert first.ends_at is not None
    await e2e.restart(between=lambda: e2e.clock.set(first.ends_at + timedelta(hours=5)))
    second = await next_of(e2e, first)
    assert second.starts_at == datetime(2026, 3, 14, 0, tzinfo=UTC)
    await asyncio.sleep(0.3)  # a second roll-over would have shown by now
    cards = [m for m in e2e.posts() if f"wp:rsvp:{second.id}:going" in m.custom_ids()]
    assert len(cards) == 1
    assert await e2e.bot.series.repo.current(second.series.series_id) == second.id  # type: ignore[union-attr]


async def test_dates_passed_while_down_are_skipped_and_the_card_says_so(e2e: Harness) -> None:
    first = await weekly(e2e, "America/New_York", "2026-03-06 20:00")
    assert first.ends_at is not None
    await e2e.restart(between=lambda: e2e.clock.set(first.ends_at + timedelta(days=8)))
    later = await next_of(e2e, first)
    assert later.starts_at == datetime(2026, 3, 21, 0, tzinfo=UTC)  # 13 March had passed
    assert "1 date(s) passed while I was offline" in fields(card_of(e2e, later.id))["Repeats"]


async def test_cancel_one_occurrence_announces_the_next_at_once(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    reply = await e2e.run("Ada", "watchparty cancel", {"id": first.id})
    assert "goes on" in reply.content
    second = await next_of(e2e, first)
    assert second.starts_at == datetime(2026, 3, 13, 19, tzinfo=UTC)
    assert (await party(e2e, first.id)).cancelled
    assert "Cancelled" in card_of(e2e, first.id).embeds[0]["title"]


async def test_cancel_the_series_cancels_the_pending_one_and_makes_no_more(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    reply = await e2e.run("Ada", "watchparty cancel", {"id": first.id, "scope": "series"})
    assert "no more parties" in reply.content
    assert (await party(e2e, first.id)).cancelled
    await ends(e2e, first)
    await asyncio.sleep(0.5)
    assert first.series is not None
    assert await e2e.bot.series.repo.current(first.series.series_id) == first.id


async def test_edit_the_series_moves_every_later_occurrence(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    reply = await e2e.run(
        "Ada", "watchparty edit", {"id": first.id, "when": "2026-03-07 21:00", "scope": "series"}
    )
    assert "Updated" in reply.content, reply.content
    moved = await party(e2e, first.id)
    assert moved.starts_at == datetime(2026, 3, 7, 20, tzinfo=UTC)
    await ends(e2e, moved)
    second = await next_of(e2e, moved)
    assert second.starts_at == datetime(2026, 3, 14, 20, tzinfo=UTC)  # Saturdays 9 PM now


async def test_edit_one_occurrence_leaves_the_rule(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    await e2e.run("Ada", "watchparty edit", {"id": first.id, "when": "2026-03-06 22:00"})
    moved = await party(e2e, first.id)
    assert moved.starts_at == datetime(2026, 3, 6, 21, tzinfo=UTC)
    await ends(e2e, moved)  # the next is announced after the moved one ends
    second = await next_of(e2e, moved)
    assert second.starts_at == datetime(2026, 3, 13, 19, tzinfo=UTC)


async def test_list_shows_a_series_once_with_its_rule(e2e: Harness) -> None:
    first = await weekly(e2e, "America/New_York", "2026-03-06 20:00")
    reply = await e2e.run("Bruno", "watchparty list")
    assert reply.content.count("\n") == 0  # one line
    assert f"**#{first.id}**" in reply.content
    assert "every Friday 8:00 PM" in reply.content
    info = await e2e.run("Bruno", "watchparty info", {"id": first.id})
    assert "series #" in fields(info)["Repeats"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"repeat": "weekly", "until": "2026-04-01", "times": 3}, "not both"),
        ({"repeat": "weekly", "times": 500}, "`times` goes from 2 to 100"),
        ({"repeat": "weekly", "until": "2026-02-01"}, "in the past"),
        ({"repeat": "weekly", "until": "2026-03-05"}, "before the first party"),
        ({"repeat": "weekly", "until": "soon"}, "Write it like `2026-06-30`"),
        ({"until": "2026-04-01"}, "only work with `repeat`"),
        ({"repeat": "monthly_last"}, "isn't the last Friday"),
    ],
)
async def test_bad_combinations_are_refused_and_change_nothing(
    e2e: Harness, options: dict[str, Any], said: str
) -> None:
    await e2e.run("Ada", "timezone set", {"zone": "Europe/Berlin"})
    reply = await e2e.run(
        "Ada",
        "watchparty create",
        {"film": "lost-in-starlight", "when": "2026-03-06 20:00", **options},
    )
    assert reply.ephemeral and said in reply.content, reply.content
    assert await e2e.bot.db.fetchval("SELECT COUNT(*) FROM parties") == 0
    assert await e2e.bot.db.fetchval("SELECT COUNT(*) FROM series") == 0


async def test_a_premiere_cannot_repeat(e2e: Harness) -> None:
    reply = await e2e.run(
        "Ada",
        "watchparty create",
        {"film": "lost-in-starlight", "when": "premiere", "repeat": "weekly"},
    )
    assert reply.ephemeral and "can't repeat" in reply.content
