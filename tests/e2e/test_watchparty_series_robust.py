"""Recurring watch parties when things go wrong or race: a card that can't be posted, a
roll-over re-run after a crash, edits from another zone, cancellations told to the others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.parties import ASSUMED_RUNTIME, REMINDER, Party
from bot.domain.recurrence import ACTIVE, ANNOUNCE_AHEAD, CANCELLED, ROLL_OVER
from bot.render.series import EVENTS_FULL_NOTICE
from bot.storage.outbox import from_text, to_text
from cogs.cards import PartyCards
from fakecord import RequestRecord, StoredMessage
from tests.e2e.conftest import Harness, harness
from tests.e2e.party_helpers import FILM, card_of, create, fields, mention_ids, outbox, party
from tests.e2e.test_watchparty_series import START, ends, next_of, weekly


@pytest.fixture
async def e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, start=START) as h:
        yield h


async def notices(e2e: Harness, count: int = 1) -> list[StoredMessage]:
    """Wait for ``count`` change notices in #general."""
    return await e2e.fake.wait_for_messages(
        e2e.server.general,
        count=count,
        predicate=lambda m: m.content.startswith(("🕒", "🎬 Watch party", "❌")),
        origin="channel",
        timeout=8,
    )


async def series_status(e2e: Harness, series_id: int) -> str:
    return str(await e2e.bot.db.fetchval("SELECT status FROM series WHERE id = ?", (series_id,)))


async def test_cancelling_the_series_tells_the_others_but_not_the_canceller(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    await e2e.click(card_of(e2e, first.id), "Going", "Bruno")
    await e2e.run("Ada", "watchparty cancel", {"id": first.id, "scope": "series"})
    [notice] = await notices(e2e)
    assert mention_ids(notice) == [e2e.server["Bruno"]]
    assert first.series is not None
    assert await series_status(e2e, first.series.series_id) != ACTIVE


async def test_a_series_whose_first_card_cannot_be_posted_is_cancelled_too(e2e: Harness) -> None:
    await e2e.run("Ada", "timezone set", {"zone": "Europe/Berlin"})
    e2e.fake.fail(403, "POST", f"/channels/{e2e.server.general}/messages")
    reply = await e2e.run(
        "Ada",
        "watchparty create",
        {"film": FILM, "when": "2026-03-06 20:00", "repeat": "weekly"},
    )
    assert reply.ephemeral and "couldn't" in reply.content, reply.content
    assert await e2e.bot.db.fetchval("SELECT status FROM series") == CANCELLED
    pending = "SELECT COUNT(*) FROM outbox WHERE kind = ? AND state = 'pending'"
    assert await e2e.bot.db.fetchval(pending, (ROLL_OVER,)) == 0


async def test_a_series_edit_that_breaks_off_halfway_changes_nothing(
    e2e: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")

    async def crash(*args: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(e2e.bot.series.repo, "update_template", crash)
    with pytest.raises(RuntimeError):
        await e2e.bot.series.edit_series(
            first, when="2026-03-07 21:00", editor_id=e2e.server["Ada"]
        )
    assert (await party(e2e, first.id)).starts_at == first.starts_at


async def test_a_series_edit_to_before_the_previous_party_is_refused(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    await e2e.run("Ada", "watchparty cancel", {"id": first.id})  # the next is announced now
    second = await next_of(e2e, first)
    reply = await e2e.run(
        "Ada", "watchparty edit", {"id": second.id, "when": "2026-03-05 20:00", "scope": "series"}
    )
    assert reply.ephemeral and f"previous party (#{first.id}" in reply.content, reply.content
    assert (await party(e2e, second.id)).starts_at == second.starts_at


async def test_a_cancelled_party_gets_no_event(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    await e2e.run("Ada", "watchparty cancel", {"id": first.id, "scope": "series"})
    cancelled = await party(e2e, first.id)
    guild = e2e.bot.get_guild(e2e.server.guild)
    await PartyCards(e2e.bot).sync_event(guild, cancelled, "Film", allowed=True)
    assert not e2e.fake.world.guilds[e2e.server.guild].scheduled_events


async def test_a_series_edited_from_another_zone_keeps_its_own(e2e: Harness) -> None:
    first = await weekly(e2e, "America/New_York", "2026-03-06 20:00")
    await e2e.run(e2e.server.owner, "timezone set", {"zone": "Europe/London"})
    reply = await e2e.run(
        e2e.server.owner,
        "watchparty edit",
        {"id": first.id, "when": "2026-03-07 21:00", "scope": "series"},
    )
    assert "Read in the party's zone" in reply.content, reply.content
    moved = await party(e2e, first.id)
    assert moved.starts_at == datetime(2026, 3, 8, 2, tzinfo=UTC)  # 9:00 PM EST
    zone = "SELECT zone FROM series WHERE id = ?"
    assert await e2e.bot.db.fetchval(zone, (first.series.series_id,)) == "America/New_York"  # type: ignore[union-attr]


async def test_a_long_announce_delay_skips_no_date_nor_its_reminder(e2e: Harness) -> None:
    await e2e.run("Ada", "timezone set", {"zone": "Europe/Berlin"})
    made = await create(
        e2e, "Ada", "2026-03-06 20:00", repeat="weekly", announce="7d", reminders="1d"
    )
    first = await party(e2e, made.id)
    # Before the next date's (13 March, 8:00 PM) 1d reminder, not a week after this one ends
    day_before = datetime(2026, 3, 12, 19, tzinfo=UTC)
    e2e.clock.set(day_before - ANNOUNCE_AHEAD + timedelta(seconds=1))
    second = await next_of(e2e, first)
    assert second.starts_at == datetime(2026, 3, 13, 19, tzinfo=UTC)
    assert "passed while I was offline" not in fields(card_of(e2e, second.id))["Repeats"]
    assert (REMINDER, "pending") in [(k, s) for k, _, s in await outbox(e2e, second.id)]


async def test_a_rolled_over_party_has_the_hosts_own_reminders(e2e: Harness) -> None:
    await e2e.run("Ada", "watchparty remind-me", {"leads": "2h"})
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")  # reminders off
    await ends(e2e, first)
    second = await next_of(e2e, first)
    due = [d for k, d, _ in await outbox(e2e, second.id) if k == REMINDER]
    assert [from_text(d) for d in due] == [second.starts_at - timedelta(hours=2)]


async def test_another_runtime_moves_the_next_announcement(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    await e2e.run("Ada", "watchparty edit", {"id": first.id, "film": "Festival Cut"})
    edited = await party(e2e, first.id)
    assert edited.ends_at != first.ends_at  # a typed title: no runtime known
    due = await e2e.bot.db.fetchval(
        "SELECT due_at FROM outbox WHERE kind = ? AND state = 'pending'", (ROLL_OVER,)
    )
    assert from_text(due) == edited.starts_at + ASSUMED_RUNTIME


def add_events(e2e: Harness, count: int) -> None:
    """Scheduled events someone else made in the server."""
    guild = e2e.fake.world.guilds[e2e.server.guild]
    for _ in range(count):
        event_id = e2e.fake.world.ids.next()
        guild.scheduled_events[event_id] = {
            "id": str(event_id),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": None,
            "name": "Book club",
            "description": None,
            "scheduled_start_time": "2026-04-01T18:00:00+00:00",
            "scheduled_end_time": "2026-04-01T19:00:00+00:00",
            "privacy_level": 2,
            "status": 1,
            "entity_type": 3,
            "entity_id": None,
            "entity_metadata": {"location": "Library"},
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }


async def test_the_100th_event_made_elsewhere_after_the_count_says_the_server_is_full(
    e2e: Harness,
) -> None:
    add_events(e2e, 99)

    def another_process_makes_one(record: RequestRecord) -> bool:
        add_events(e2e, 1)  # after the bot counted 99, before its own arrives
        return False  # answered as usual: the 101st is refused

    events = f"/guilds/{e2e.server.guild}/scheduled-events"
    e2e.fake.fail(500, "POST", events, predicate=another_process_makes_one)
    await e2e.run("Ada", "timezone set", {"zone": "Europe/Berlin"})
    made = await create(e2e, "Ada", "2026-03-06 20:00", repeat="weekly")
    assert EVENTS_FULL_NOTICE.strip() in made.reply.content, made.reply.content


async def remembered(e2e: Harness, occurrence: Party) -> Party:
    """The occurrence once its card and event are remembered."""
    async with asyncio.timeout(8):
        while True:
            found = await party(e2e, occurrence.id)
            if found.message_id is not None and found.event_id is not None:
                return found
            await asyncio.sleep(0.02)


async def test_a_roll_over_re_run_long_after_a_crash_posts_and_creates_once(
    tmp_path: Path,
) -> None:
    # Discord forgets a nonce after a few minutes: this one at once.
    async with harness(tmp_path, start=START, nonce_ttl=0) as e2e:
        first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
        await ends(e2e, first)
        second = await remembered(e2e, await next_of(e2e, first))
        # The crash: Discord took the card and made the event, but the bot remembered neither
        # and never marked the row done (it runs again once the bot is back, an hour later).
        db = e2e.bot.db
        await db.execute(
            "UPDATE parties SET message_id = NULL, event_id = NULL WHERE id = ?", (second.id,)
        )
        back = e2e.clock.now() + timedelta(hours=1)
        await db.execute(
            "UPDATE outbox SET state = 'pending', next_at = ? WHERE kind = ? AND state <> ?",
            (to_text(back), ROLL_OVER, "pending"),
        )
        await e2e.restart(between=lambda: e2e.clock.set(back + timedelta(seconds=1)))
        again = await remembered(e2e, second)
        cards = [m for m in e2e.posts() if f"wp:rsvp:{second.id}:going" in m.custom_ids()]
        assert len(cards) == 1
        assert again.message_id == cards[0].id
        events = e2e.fake.world.guilds[e2e.server.guild].scheduled_events
        assert list(events) == [first.event_id, second.event_id]  # one each
        assert again.event_id == second.event_id


async def failed_roll_overs(e2e: Harness, count: int) -> None:
    """Wait until ``count`` roll-overs failed for good."""
    query = "SELECT COUNT(*) FROM outbox WHERE kind = ? AND state = 'failed'"
    async with asyncio.timeout(8):
        while True:
            if await e2e.bot.db.fetchval(query, (ROLL_OVER,)) >= count:
                return
            await asyncio.sleep(0.02)


async def test_a_roll_over_that_cannot_announce_tells_the_host_once(e2e: Harness) -> None:
    first = await weekly(e2e, "Europe/Berlin", "2026-03-06 20:00")
    assert first.series is not None
    e2e.fake.fail(403, "POST", f"/channels/{e2e.server.general}/messages", times=None)
    await ends(e2e, first)
    await failed_roll_overs(e2e, 1)
    [told] = await e2e.fake.wait_for_messages(
        e2e.fake.open_dm(e2e.server["Ada"]), count=1, origin="channel", timeout=8
    )
    assert f"next party of your series #{first.series.series_id}" in told.content
    newest = await e2e.bot.series.repo.current(first.series.series_id)
    assert newest is not None and newest != first.id
    await ends(e2e, await party(e2e, newest))  # a week later: no card again
    await failed_roll_overs(e2e, 2)
    await asyncio.sleep(0.3)  # a second word would have come by now
    assert len(e2e.dms("Ada")) == 1
