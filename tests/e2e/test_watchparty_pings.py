"""Reminders and the start ping: on time, the right mentions and local times, DMs, long lists,
restarts (once, late within the grace window, missed after it) and delivery failures."""

from __future__ import annotations

from datetime import timedelta

from fakecord import Perm
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import (
    allowed_users,
    arrived_at,
    create,
    is_ping,
    mention_ids,
    party,
    pings,
    wait_states,
)

MESSAGES = "/channels/{id}/messages"


async def zones(e2e: Harness, **by_member: str) -> None:
    for name, zone in by_member.items():
        await e2e.run(name.replace("_", "-"), "timezone set", {"zone": zone})


async def test_reminders_and_start_ping_arrive_on_time_with_mentions_and_local_times(
    e2e: Harness,
) -> None:
    await zones(e2e, Ada="Seoul", Bruno="America/New_York", Chiara="London")
    made = await create(e2e, "Ada", "in 2 hours")  # 14:00 UTC Tuesday
    for name, label in (("Bruno", "Going"), ("Chiara", "Maybe"), ("Dae-jung", "Going")):
        await e2e.click(made.card, label, name)
    await e2e.click(made.card, "Reminders", "Chiara")  # a Maybe turns reminders on
    start = (await party(e2e, made.id)).starts_at
    ada, bruno, chiara, dae = (e2e.server[n] for n in ("Ada", "Bruno", "Chiara", "Dae-jung"))

    # reminder 1 h before: going, and maybe who asked, each with the start on their own clock
    due = start - timedelta(hours=1)
    e2e.clock.set(due - timedelta(seconds=0.8))
    assert [m for m in e2e.posts() if is_ping(m)] == []
    [first] = await pings(e2e, 1)
    assert due <= arrived_at(e2e, first) <= due + timedelta(seconds=1.5)
    assert first.content.splitlines() == [
        f"⏰ Reminder: the **Lost in Starlight** watch party starts <t:{int(start.timestamp())}:R> "
        f"(<t:{int(start.timestamp())}:t>).",
        f"10:00 AM Tuesday your time (America/New_York): <@{bruno}>",
        f"3:00 PM Tuesday your time (Europe/London): <@{chiara}>",
        f"11:00 PM Tuesday your time (Asia/Seoul): <@{ada}>",
        f"2:00 PM Tuesday UTC (no time zone set: `/timezone set`): <@{dae}>",
    ]
    assert allowed_users(first) == {ada, bruno, chiara, dae}
    assert e2e.fake.pinged_user_ids(first) == {ada, bruno, chiara, dae}
    assert first.allowed_mentions is not None and first.allowed_mentions["parse"] == []

    # reminder 10 min before
    due = start - timedelta(minutes=10)
    e2e.clock.set(due - timedelta(seconds=0.8))
    second = (await pings(e2e, 2))[1]
    assert due <= arrived_at(e2e, second) <= due + timedelta(seconds=1.5)
    assert sorted(mention_ids(second)) == sorted([ada, bruno, chiara, dae])

    # the start: going only
    e2e.clock.set(start - timedelta(seconds=0.8))
    third = (await pings(e2e, 3))[2]
    assert start <= arrived_at(e2e, third) <= start + timedelta(seconds=1.5)
    assert third.content.startswith("🎬 The **Lost in Starlight** watch party is starting now!")
    assert e2e.fake.pinged_user_ids(third) == {ada, bruno, dae}
    assert chiara not in mention_ids(third)
    assert await wait_states(e2e, made.id, {"sent"}) == ["sent", "sent", "sent"]
    assert len([m for m in e2e.posts() if is_ping(m)]) == 3


async def test_members_without_a_zone_read_the_servers_zone_said_so(e2e: Harness) -> None:
    await e2e.run(e2e.server.owner, "config timezone", {"zone": "Seoul"})
    await zones(e2e, Bruno="America/New_York")
    made = await create(e2e, "Ada", "in 2 hours", reminders="none")  # 14:00 UTC Tuesday
    await e2e.click(made.card, "Going", "Bruno")
    start = (await party(e2e, made.id)).starts_at
    ada, bruno = e2e.server["Ada"], e2e.server["Bruno"]

    e2e.clock.set(start - timedelta(seconds=0.5))
    [ping] = await pings(e2e, 1)
    assert ping.content.splitlines()[1:] == [
        f"10:00 AM Tuesday your time (America/New_York): <@{bruno}>",
        f"11:00 PM Tuesday this server's time (Asia/Seoul; no time zone set: `/timezone set`): "
        f"<@{ada}>",
    ]


async def test_members_who_asked_for_dms_get_dms_instead(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul", Bruno="America/New_York")
    for name in ("Bruno", "Chiara"):
        reply = await e2e.run(name, "watchparty notify", {"where": "dm"})
        assert "DM you" in reply.content
    e2e.fake.block_dms(e2e.server["Chiara"])  # her DMs are closed: she just misses it
    made = await create(e2e, "Ada", "in 2 hours", voice_channel=e2e.server.voice, reminders="none")
    for name in ("Bruno", "Chiara"):
        await e2e.click(made.card, "Going", name)
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start)
    [ping] = await pings(e2e, 1)
    assert mention_ids(ping) == [e2e.server["Ada"]]
    assert f"Join <#{e2e.server.voice}>." in ping.content
    await e2e.fake.wait_until(lambda: len(e2e.dms("Bruno")) == 1)
    [dm] = e2e.dms("Bruno")
    assert "is starting now: 10:00 AM Tuesday your time (America/New_York)." in dm.content
    assert f"<#{e2e.server.general}>" in dm.content
    # Chiara's closed DMs cost only her DM: the delivery counts as sent, nobody is "told"
    assert await wait_states(e2e, made.id, {"sent"}) == ["sent"]
    assert e2e.dms("Ada") == []
    # back to channel pings
    reply = await e2e.run("Bruno", "watchparty notify", {"where": "channel"})
    assert "mention you in the party's channel" in reply.content


async def test_long_mention_lists_are_split_without_cutting_a_mention(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="none")
    members = [e2e.fake.add_member(e2e.server.guild, f"fan{n}") for n in range(150)]
    now = e2e.clock.now()
    for member in members:
        await e2e.bot.parties.repo.set_rsvp(made.id, member, "going", now)
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start)
    everyone = {e2e.server["Ada"], *members}
    await e2e.fake.wait_until(
        lambda: (
            sum(len(mention_ids(m)) for m in e2e.posts() if m.origin == "channel") >= len(everyone)
        ),
        timeout=8,
    )
    posts = [m for m in e2e.posts() if mention_ids(m)]
    assert len(posts) >= 2
    seen: list[int] = []
    for message in posts:
        assert len(message.content) <= 2000
        ids = mention_ids(message)
        assert message.content.count("<@") == len(ids)  # every mention whole
        assert allowed_users(message) == set(ids)
        assert e2e.fake.pinged_user_ids(message) == set(ids)
        seen += ids
    assert sorted(seen) == sorted(everyone)


async def test_restart_mid_schedule_once_late_within_grace_missed_after(e2e: Harness) -> None:
    await zones(e2e, Ada="Seoul")
    made = await create(e2e, "Ada", "in 2 hours")
    start = (await party(e2e, made.id)).starts_at

    # down while the 1 h reminder falls due; back 3 minutes later: sent, marked late
    await e2e.restart(between=lambda: e2e.clock.set(start - timedelta(hours=1, minutes=-3)))
    [late] = await pings(e2e, 1)
    assert "Sent late" in late.content
    # a ping due after the restart is delivered once, on time
    e2e.clock.set(start - timedelta(minutes=10))
    [_, on_time] = await pings(e2e, 2)
    assert "Sent late" not in on_time.content
    assert await wait_states(e2e, made.id, {"late", "sent", "pending"}) == [
        "late",
        "sent",
        "pending",
    ]
    # down for the start and back 15 minutes after it: older than the 10 min grace -> missed
    await e2e.restart(between=lambda: e2e.clock.set(start + timedelta(minutes=15)))
    states = await wait_states(e2e, made.id, {"late", "sent", "missed"})
    assert states == ["late", "sent", "missed"]
    assert len([m for m in e2e.posts() if is_ping(m)]) == 2
    nonces = [m.nonce for m in e2e.posts() if is_ping(m)]
    assert len(set(nonces)) == 2


async def test_a_send_interrupted_by_a_crash_is_not_duplicated(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="none")
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start)
    [ping] = await pings(e2e, 1)
    await wait_states(e2e, made.id, {"sent"})
    # As if the process died after Discord accepted the message but before the row was marked.
    async with e2e.bot.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET state = 'sending' WHERE ref_id = ?", (made.id,))
    await e2e.restart()
    await wait_states(e2e, made.id, {"sent", "late"})
    sends = [
        r
        for r in e2e.fake.requests_matching("POST", MESSAGES)
        if (r.json or {}).get("nonce") == ping.nonce
    ]
    assert len(sends) == 2 and all(r.json["enforce_nonce"] for r in sends)
    assert [m for m in e2e.posts() if is_ping(m)] == [ping]  # Discord kept one message


async def test_transient_failures_are_retried(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours")
    start = (await party(e2e, made.id)).starts_at
    general = f"/channels/{e2e.server.general}/messages"

    e2e.fake.fail(503, "POST", general)  # discord.py gives up at once: our retry (2 s)
    e2e.clock.set(start - timedelta(hours=1))
    await pings(e2e, 1)
    e2e.fake.rate_limit("POST", general, retry_after=0.1, times=2)  # discord.py waits, retries
    e2e.clock.set(start - timedelta(minutes=10))
    await pings(e2e, 2)
    e2e.fake.fail(502, "POST", general)  # discord.py retries after 1 s
    e2e.clock.set(start)
    await pings(e2e, 3)
    assert await wait_states(e2e, made.id, {"sent"}) == ["sent"] * 3
    statuses = [r.status for r in e2e.fake.requests_matching("POST", general)][1:]  # after the card
    assert statuses == [503, 200, 429, 429, 200, 502, 200]
    assert len([m for m in e2e.posts() if is_ping(m)]) == 3


async def test_permanent_failure_is_recorded_and_the_host_told_once(e2e: Harness) -> None:
    cinema = e2e.fake.add_channel(e2e.server.guild, "cinema")
    made = await create(e2e, "Ada", "in 2 hours", channel=cinema)
    start = (await party(e2e, made.id)).starts_at
    e2e.fake.delete_channel(cinema)
    e2e.clock.set(start - timedelta(hours=1))
    await e2e.fake.wait_until(lambda: len(e2e.dms("Ada")) == 1)
    [dm] = e2e.dms("Ada")
    assert f"I couldn't post the reminders for your watch party #{made.id}" in dm.content
    e2e.clock.set(start - timedelta(minutes=10))
    await wait_states(e2e, made.id, lambda states: states[:2] == ["failed", "failed"])
    e2e.clock.set(start)
    assert await wait_states(e2e, made.id, {"failed"}) == ["failed"] * 3
    assert len(e2e.dms("Ada")) == 1  # told once


async def test_missing_permission_is_permanent_too(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="none")
    start = (await party(e2e, made.id)).starts_at
    e2e.fake.set_overwrite(e2e.server.general, e2e.fake.bot_user_id, deny=int(Perm.SEND_MESSAGES))
    e2e.clock.set(start)
    assert await wait_states(e2e, made.id, {"failed"}) == ["failed"]
    await e2e.fake.wait_until(lambda: len(e2e.dms("Ada")) == 1)
    attempts = [
        r for r in e2e.fake.requests_matching("POST", f"/channels/{e2e.server.general}/messages")
    ]
    assert [r.status for r in attempts][-1] == 403 and len(attempts) == 2  # card, one try
