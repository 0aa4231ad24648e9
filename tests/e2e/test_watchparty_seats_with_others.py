"""Seats together with the other parts of movie night: members promoted from the waitlist get
their own reminders, the waitlist hears of changes (in the party's thread), /watchparty mine
shows a member's place, the card's two rows of buttons, a vote's result in the thread, and a
series' occurrences copying capacity, role and thread."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from fakecord import StoredMessage
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import (
    allowed_users,
    card_of,
    create,
    mention_ids,
    outbox,
    party,
    pings,
)
from tests.e2e.test_watchparty_seats import click, full_party

HALF_HOUR = timedelta(minutes=30)


async def pending_dues(e2e: Harness, party_id: int) -> list[str]:
    return [d for _, d, s in await outbox(e2e, party_id) if s == "pending"]


def due(start: datetime, lead: timedelta) -> str:
    return (start - lead).isoformat(timespec="milliseconds")


async def test_a_member_seated_from_the_waitlist_by_a_click_gets_their_own_reminders(
    e2e: Harness,
) -> None:
    await e2e.run("Chiara", "watchparty remind-me", {"leads": "30m"})
    party_id, card = await full_party(e2e)  # Chiara waits
    start = (await party(e2e, party_id)).starts_at
    assert due(start, HALF_HOUR) not in await pending_dues(e2e, party_id)  # no seat, no reminder
    await click(e2e, card, "Not going", "Bruno")
    assert due(start, HALF_HOUR) in await pending_dues(e2e, party_id)
    e2e.clock.set(start - HALF_HOUR)
    [reminder] = await pings(e2e, 1)
    assert mention_ids(reminder) == [e2e.server["Chiara"]]


async def test_a_member_seated_by_a_raised_capacity_gets_their_own_reminders(
    e2e: Harness,
) -> None:
    await e2e.run("Chiara", "watchparty remind-me", {"leads": "30m"})
    party_id, _ = await full_party(e2e)
    await e2e.run("Ada", "watchparty edit", {"id": party_id, "capacity": 3})
    start = (await party(e2e, party_id)).starts_at
    assert due(start, HALF_HOUR) in await pending_dues(e2e, party_id)


async def test_the_waitlist_hears_of_a_new_time_in_the_partys_thread(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", capacity=1, thread=True, reminders="none")
    await click(e2e, made.card, "Going", "Bruno")  # waits: the host holds the one seat
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "in 3 hours"})
    thread = made.card.id  # a thread started from the card has the card's id
    [notice] = await e2e.fake.wait_for_messages(
        thread, predicate=lambda m: m.content.startswith("🕒"), origin="channel", timeout=8
    )
    assert allowed_users(notice) == {e2e.server["Bruno"]}
    assert not [m for m in e2e.posts() if m.content.startswith("🕒")]  # not in the channel


async def test_the_bell_tells_a_waiting_member_reminders_come_with_a_seat(e2e: Harness) -> None:
    party_id, card = await full_party(e2e)
    reply = await e2e.click(card, "Reminders", "Chiara")
    assert reply.ephemeral and "on the waitlist" in reply.content
    assert await e2e.bot.db.fetchval("SELECT COUNT(*) FROM reminder_choices") == 0


async def test_mine_shows_a_waiting_party_with_the_place_in_line(e2e: Harness) -> None:
    party_id, card = await full_party(e2e)
    await click(e2e, card, "Going", "Dae-jung")
    reply = await e2e.run("Dae-jung", "watchparty mine")
    assert f"#{party_id}" in reply.content and "you: waiting (#2)" in reply.content
    reply = await e2e.run("Bruno", "watchparty mine")
    assert "you: going" in reply.content


async def test_the_card_shows_the_answers_and_the_bell_then_the_calendar_buttons(
    e2e: Harness,
) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    rows = [[c.get("label") for c in row["components"]] for row in made.card.components]
    assert rows == [
        ["Going", "Maybe", "Not going", "Reminders"],
        ["Add to Google Calendar", ".ics"],
    ]


def is_result(message: StoredMessage) -> bool:
    return message.content.startswith("🗳️ The film vote")


async def test_a_vote_result_goes_to_the_thread_and_the_vote_stays_in_the_channel(
    e2e: Harness,
) -> None:
    made = await create(e2e, "Ada", "in 3 hours", thread=True, reminders="none")
    options = {"id": made.id, "closes": "in 1 hour", "film1": "Paprika", "film2": "Perfect Blue"}
    await e2e.run("Ada", "watchparty vote", options)
    [ballot] = [m for m in e2e.posts() if m.embeds and "Vote" in m.embeds[0].get("title", "")]
    await click(e2e, ballot, "1. Paprika", "Bruno")
    e2e.clock.set(e2e.clock.now() + timedelta(hours=1))
    [result] = await e2e.fake.wait_for_messages(
        made.card.id, predicate=is_result, origin="channel", timeout=8
    )
    assert allowed_users(result) == {e2e.server["Bruno"]}
    assert not [m for m in e2e.posts() if is_result(m)]


async def next_occurrence(e2e: Harness, first_id: int, thread: bool = False) -> int:
    """The id of the series' occurrence after ``first_id``, once its card is posted (and with
    ``thread``, its thread started)."""
    first = await party(e2e, first_id)
    assert first.series is not None and first.ends_at is not None
    e2e.clock.set(first.ends_at + timedelta(seconds=1))
    async with asyncio.timeout(8):
        while True:
            newest = await e2e.bot.series.repo.current(first.series.series_id)
            made = await party(e2e, newest) if newest not in (None, first_id) else None
            if made and made.message_id and (made.thread_id or not thread):
                return made.id
            await asyncio.sleep(0.02)


async def test_a_series_occurrence_copies_capacity_role_and_thread(e2e: Harness) -> None:
    role = e2e.server.host_role
    options = {"repeat": "weekly", "capacity": 2, "role": role, "thread": True}
    made = await create(e2e, "Ada", "in 2 hours", reminders="none", **options)
    assert (await party(e2e, made.id)).thread_id == made.card.id
    second_id = await next_occurrence(e2e, made.id, thread=True)
    second = await party(e2e, second_id)
    card = card_of(e2e, second_id)
    assert (second.capacity, second.role_id) == (2, role)
    assert card.content.count(f"<@&{role}>") == 1
    assert card.allowed_mentions is not None and card.allowed_mentions["roles"] == [role]
    assert second.thread_id == card.id


async def test_a_series_edit_of_capacity_and_role_reaches_later_occurrences(
    e2e: Harness,
) -> None:
    made = await create(e2e, "Ada", "in 2 hours", repeat="weekly", reminders="none")
    role = e2e.server.host_role
    edit = {"id": made.id, "capacity": 5, "role": role, "scope": "series"}
    reply = await e2e.run("Ada", "watchparty edit", edit)
    assert "Capacity is now 5." in reply.content, reply.content
    second = await party(e2e, await next_occurrence(e2e, made.id))
    assert (second.capacity, second.role_id) == (5, role)
