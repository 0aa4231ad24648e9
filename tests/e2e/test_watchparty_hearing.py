"""Who hears what, through the loopback Discord: the 🔔 button and `/watchparty reminders`,
members' own lead times (`/watchparty remind-me`), and change notices (a new time, another
film, a cancellation) in each member's own zone, in the channel or by DM."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fakecord import StoredMessage
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import (
    FILM,
    allowed_users,
    create,
    fields,
    is_ping,
    mention_ids,
    outbox,
    party,
    pings,
)

H, M = timedelta(hours=1), timedelta(minutes=1)
#: "2025-05-21 09:00" in Seoul: Wednesday 00:00 UTC, ten hours after "in 2 hours" from T0.
NEW_TIME, NEW_START = "2025-05-21 09:00", datetime(2025, 5, 21, 0, 0, tzinfo=UTC)


async def zones(e2e: Harness, **by_member: str) -> None:
    for name, zone in by_member.items():
        await e2e.run(name.replace("_", "-"), "timezone set", {"zone": zone})


async def pending(e2e: Harness, party_id: int) -> list[tuple[str, str]]:
    """(kind, due_at) of a party's pending reminders and start ping."""
    return [(k, d) for k, d, s in await outbox(e2e, party_id) if s == "pending"]


def due(start: datetime, lead: timedelta = timedelta(0)) -> str:
    return (start - lead).isoformat(timespec="milliseconds")


async def notices(e2e: Harness, count: int = 1, marker: str = "") -> list[StoredMessage]:
    """Wait for ``count`` change notices in #general."""

    def is_notice(m: StoredMessage) -> bool:
        return m.content.startswith(("🕒", "🎬 Watch party", "❌")) and marker in m.content

    return await e2e.fake.wait_for_messages(
        e2e.server.general, count=count, predicate=is_notice, origin="channel", timeout=8
    )


# --------------------------------------------------------------------------- reminder choices


async def test_a_maybe_hears_reminders_only_after_turning_them_on(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    for name in ("Bruno", "Chiara"):
        await e2e.click(made.card, "Maybe", name)
    reply = await e2e.click(made.card, "Reminders", "Chiara")
    assert reply.ephemeral
    assert reply.content == f"🔔 Reminders on for watch party #{made.id}: 1h, 10m before it starts."
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - H)
    [ping] = await pings(e2e, 1)
    assert sorted(mention_ids(ping)) == sorted([e2e.server["Ada"], e2e.server["Chiara"]])


async def test_the_bell_turns_a_going_members_reminders_off_and_back_on(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    off = await e2e.click(made.card, "Reminders", "Bruno")
    assert off.ephemeral and off.content.startswith(f"🔕 Reminders off for watch party #{made.id}.")
    assert "moves or is cancelled, and pinged when it starts" in off.content
    on = await e2e.click(made.card, "Reminders", "Bruno")
    assert on.content.startswith("🔔 Reminders on")
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - H)
    [ping] = await pings(e2e, 1)
    assert e2e.server["Bruno"] in mention_ids(ping)


async def test_reminders_off_still_get_the_start_ping(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="10m")
    await e2e.click(made.card, "Going", "Bruno")
    reply = await e2e.run("Bruno", "watchparty reminders", {"id": made.id, "state": "off"})
    assert reply.ephemeral and "🔕 Reminders off" in reply.content
    ada, bruno = e2e.server["Ada"], e2e.server["Bruno"]
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - 10 * M)
    [reminder] = await pings(e2e, 1)
    assert mention_ids(reminder) == [ada]
    e2e.clock.set(start)
    [_, started] = await pings(e2e, 2)
    assert sorted(mention_ids(started)) == sorted([ada, bruno])


async def test_the_bell_asks_for_going_or_maybe_first(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    unanswered = await e2e.click(made.card, "Reminders", "Bruno")
    assert unanswered.ephemeral and "Answer **Going** or **Maybe**" in unanswered.content
    await e2e.click(made.card, "Not going", "Bruno")
    declined = await e2e.click(made.card, "Reminders", "Bruno")
    assert "Answer **Going** or **Maybe**" in declined.content
    assert await e2e.bot.db.fetchval("SELECT COUNT(*) FROM reminder_choices") == 0


async def test_the_bell_works_after_a_restart(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.restart()
    reply = await e2e.click(made.card, "Reminders", "Ada")
    assert reply.ephemeral and reply.content.startswith("🔕 Reminders off")


async def test_reminders_for_an_unknown_party_are_refused(e2e: Harness) -> None:
    reply = await e2e.run("Bruno", "watchparty reminders", {"id": 99, "state": "on"})
    assert reply.ephemeral and "There's no watch party #99" in reply.content


# --------------------------------------------------------------------------- own lead times


async def test_own_lead_times_ping_a_member_at_their_time_instead(e2e: Harness) -> None:
    reply = await e2e.run("Bruno", "watchparty remind-me", {"leads": "30m"})
    assert reply.ephemeral and "now 30m before each party" in reply.content
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    start = (await party(e2e, made.id)).starts_at
    assert [d for _, d in await pending(e2e, made.id)] == [
        due(start, H),
        due(start, 30 * M),
        due(start, 10 * M),
        due(start),
    ]
    e2e.clock.set(start - H)
    [hour] = await pings(e2e, 1)
    assert mention_ids(hour) == [e2e.server["Ada"]]
    e2e.clock.set(start - 30 * M)
    [_, half] = await pings(e2e, 2)
    assert mention_ids(half) == [e2e.server["Bruno"]]


async def test_a_changed_default_replans_the_parties_already_answered(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Maybe", "Bruno")
    await e2e.click(made.card, "Reminders", "Bruno")
    start = (await party(e2e, made.id)).starts_at
    await e2e.run("Bruno", "watchparty remind-me", {"leads": "1d,30m"})  # 1d has passed
    assert due(start, 30 * M) in [d for _, d in await pending(e2e, made.id)]
    reply = await e2e.run("Bruno", "watchparty remind-me", {"leads": "default"})
    assert "follow each party's own lead times again" in reply.content
    assert [d for _, d in await pending(e2e, made.id)] == [
        due(start, H),
        due(start, 10 * M),
        due(start),
    ]


async def test_own_leads_off_means_no_reminders(e2e: Harness) -> None:
    reply = await e2e.run("Bruno", "watchparty remind-me", {"leads": "off"})
    assert "no watch-party reminders" in reply.content
    made = await create(e2e, "Ada", "in 2 hours", reminders="10m")
    await e2e.click(made.card, "Going", "Bruno")
    e2e.clock.set((await party(e2e, made.id)).starts_at - 10 * M)
    [reminder] = await pings(e2e, 1)
    assert mention_ids(reminder) == [e2e.server["Ada"]]


async def test_an_edit_of_the_time_moves_the_own_lead_rows_too(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul")
    await e2e.run("Bruno", "watchparty remind-me", {"leads": "30m"})
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": NEW_TIME})
    assert [d for _, d in await pending(e2e, made.id)] == [
        due(NEW_START, H),
        due(NEW_START, 30 * M),
        due(NEW_START, 10 * M),
        due(NEW_START),
    ]


async def test_unreadable_lead_times_are_refused_and_nothing_changes(e2e: Harness) -> None:
    reply = await e2e.run("Bruno", "watchparty remind-me", {"leads": "whenever"})
    assert reply.ephemeral and "couldn't read 'whenever'" in reply.content
    assert await e2e.bot.db.fetchval("SELECT COUNT(*) FROM user_prefs") == 0


# --------------------------------------------------------------------------- change notices


async def test_a_new_time_tells_everyone_but_the_host_on_their_own_clock(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul", Bruno="America/New_York", Chiara="London")
    made = await create(e2e, "Ada", "in 2 hours")  # 14:00 UTC Tuesday
    for name, label in (("Bruno", "Going"), ("Chiara", "Maybe"), ("Dae-jung", "Going")):
        await e2e.click(made.card, label, name)
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": NEW_TIME})
    [notice] = await notices(e2e)
    bruno, chiara, dae = (e2e.server[n] for n in ("Bruno", "Chiara", "Dae-jung"))
    assert notice.content.splitlines() == [
        f"🕒 The **Lost in Starlight** watch party (#{made.id}) has a new time.",
        f"Was 10:00 AM Tuesday, now 8:00 PM Tuesday your time (America/New_York): <@{bruno}>",
        f"Was 3:00 PM Tuesday 20 May, now 1:00 AM Wednesday 21 May your time (Europe/London): "
        f"<@{chiara}>",
        "Was 2:00 PM Tuesday 20 May, now 12:00 AM Wednesday 21 May UTC (no time zone set: "
        f"`/timezone set`): <@{dae}>",
    ]
    assert allowed_users(notice) == e2e.fake.pinged_user_ids(notice) == {bruno, chiara, dae}


async def test_a_change_reaches_members_who_chose_dms_by_dm(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul", Bruno="America/New_York")
    await e2e.run("Bruno", "watchparty notify", {"where": "dm"})
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    await e2e.click(made.card, "Going", "Chiara")
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": NEW_TIME})
    [notice] = await notices(e2e)
    assert mention_ids(notice) == [e2e.server["Chiara"]]
    await e2e.fake.wait_until(lambda: len(e2e.dms("Bruno")) == 1)
    [dm] = e2e.dms("Bruno")
    assert dm.content == (
        f"🕒 The **Lost in Starlight** watch party (#{made.id}) has a new time.\n"
        "Was 10:00 AM Tuesday, now 8:00 PM Tuesday your time (America/New_York). "
        f"<#{e2e.server.general}>"
    )


async def test_a_film_changed_by_someone_else_tells_the_host_too(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul")
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.run(e2e.server.owner, "watchparty edit", {"id": made.id, "film": "Festival Cut"})
    [notice] = await notices(e2e)
    assert notice.content.splitlines() == [
        f"🎬 Watch party #{made.id} now shows **Festival Cut** instead of **Lost in Starlight**.",
        f"Still 11:00 PM Tuesday your time (Asia/Seoul): <@{e2e.server['Ada']}>",
    ]


async def test_a_cancellation_tells_everyone_when_it_would_have_been(e2e: Harness) -> None:
    await zones(e2e, Bruno="America/New_York")
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Maybe", "Bruno")
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    [notice] = await notices(e2e)
    assert notice.content.splitlines() == [
        f"❌ The **Lost in Starlight** watch party (#{made.id}) is cancelled.",
        f"It would have been 10:00 AM Tuesday your time (America/New_York): <@{e2e.server['Bruno']}>",
    ]


async def test_a_cancelled_card_says_so_and_stops_counting_down(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    card = e2e.fake.message(made.card.id)
    start = (await party(e2e, made.id)).starts_at
    assert fields(card)["When"] == f"Cancelled (it was to start <t:{int(start.timestamp())}:F>)"
    assert ":R>" not in str(card.embeds)


async def test_a_new_note_tells_nobody(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "note": "bring snacks"})
    rows = await e2e.bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE kind = 'party_changed'")
    assert rows == 0


async def test_a_notice_that_can_never_be_posted_is_reported_to_the_host(e2e: Harness) -> None:
    cinema = e2e.fake.add_channel(e2e.server.guild, "cinema")
    made = await create(e2e, "Ada", "in 2 hours", channel=cinema)
    await e2e.click(made.card, "Going", "Bruno")
    e2e.fake.delete_channel(cinema)
    await e2e.run(e2e.server.owner, "watchparty edit", {"id": made.id, "film": "Festival Cut"})
    await e2e.fake.wait_until(lambda: len(e2e.dms("Ada")) == 1)
    [dm] = e2e.dms("Ada")
    assert f"watch party #{made.id} in <#{cinema}>" in dm.content


# --------------------------------------------------------------------------- nobody to ping


async def changed_states(e2e: Harness, party_id: int) -> list[str]:
    """The states of a party's change-notice rows once none is waiting to be sent."""
    async with asyncio.timeout(8):
        while True:
            rows = await e2e.bot.db.fetchall(
                "SELECT state FROM outbox WHERE ref_id = ? AND kind = 'party_changed' ORDER BY id",
                (party_id,),
            )
            states = [r["state"] for r in rows]
            if all(s not in ("pending", "sending") for s in states):
                return states
            await asyncio.sleep(0.02)


async def test_a_reminder_only_for_a_member_who_chose_dms_posts_nothing_in_the_channel(
    e2e: Harness,
) -> None:
    await e2e.run("Bruno", "watchparty notify", {"where": "dm"})
    await e2e.run("Bruno", "watchparty remind-me", {"leads": "30m"})
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Going", "Bruno")
    e2e.clock.set((await party(e2e, made.id)).starts_at - 30 * M)
    await e2e.fake.wait_until(lambda: len(e2e.dms("Bruno")) == 1)  # after any channel post
    assert [m for m in e2e.posts() if is_ping(m)] == []


async def test_a_cancellation_nobody_else_answered_posts_nothing(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    assert await changed_states(e2e, made.id) == ["sent"]
    assert [m for m in e2e.posts() if m.content.startswith("❌")] == []


async def test_a_party_whose_card_could_not_be_posted_queues_no_notice(e2e: Harness) -> None:
    e2e.fake.fail(403, "POST", f"/channels/{e2e.server.general}/messages")
    reply = await e2e.run("Ada", "watchparty create", {"film": FILM, "when": "in 2 hours"})
    assert reply.ephemeral and "I couldn't post the announcement" in reply.content
    count = "SELECT COUNT(*) FROM outbox WHERE kind = 'party_changed'"
    assert await e2e.bot.db.fetchval(count) == 0


async def test_the_bell_on_a_party_without_reminders_says_it_has_none(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="off")
    await e2e.click(made.card, "Maybe", "Bruno")
    reply = await e2e.click(made.card, "Reminders", "Bruno")
    assert reply.content.startswith(f"🔔 Reminders on for watch party #{made.id}, but it has no")


async def test_the_bell_after_choosing_no_lead_times_says_so(e2e: Harness) -> None:
    await e2e.run("Bruno", "watchparty remind-me", {"leads": "off"})
    made = await create(e2e, "Ada", "in 2 hours")
    await e2e.click(made.card, "Maybe", "Bruno")
    reply = await e2e.click(made.card, "Reminders", "Bruno")
    assert "but you chose no lead times" in reply.content
