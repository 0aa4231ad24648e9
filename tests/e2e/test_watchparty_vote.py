"""/watchparty vote through the loopback Discord: open a vote, members vote and change their
vote, the counts update in place, the vote closes at its deadline (also when the bot was down
then), the winner becomes the party's film on its card and event, the voters are told once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fakecord import Reply, StoredMessage
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import FILM, allowed_users, card_of, create, mention_ids, party

SEOUL_FRI = datetime(2025, 5, 23, 11, 30, tzinfo=UTC)  # "fri 20:30" in Seoul
SEOUL_THU = datetime(2025, 5, 22, 11, 0, tzinfo=UTC)  # "thu 20:00" in Seoul
STARLIGHT, PAPRIKA = "1. Lost in Starlight", "2. Paprika"


async def seoul(e2e: Harness, *who: str) -> None:
    for name in who:
        await e2e.run(name, "timezone set", {"zone": "Seoul"})


async def open_vote(
    e2e: Harness, party_id: int, who: str = "Ada", closes: str = "thu 20:00", **films: str
) -> Reply:
    options = {"id": party_id, "closes": closes, **(films or {"film1": FILM, "film2": "Paprika"})}
    return await e2e.run(who, "watchparty vote", options)


def vote_message(e2e: Harness) -> StoredMessage:
    """The (latest) vote message in #general."""
    found = [m for m in e2e.posts() if m.embeds and "Vote" in m.embeds[0].get("title", "")]
    assert found, "no vote message"
    return e2e.fake.message(found[-1].id)


async def click(e2e: Harness, message: StoredMessage, label: str, who: str) -> tuple[Reply, str]:
    """Vote with a button: (the update of the vote message, the voter's private answer)."""
    handle = await e2e.fake.click(message, label, e2e.server[who])
    reply = await handle.response(timeout=5)
    [answer] = await handle.followup(timeout=5)
    assert answer.payload.get("flags", 0) & 64  # ephemeral
    return reply, answer.content


def is_result(message: StoredMessage) -> bool:
    return message.content.startswith("🗳️ The film vote")


async def test_members_vote_and_the_close_while_down_sets_the_film_once(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film="Club Night")  # a title as typed: 2 h
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["name"] == "Watch party: Club Night"

    opened = await open_vote(e2e, made.id)
    assert opened.ephemeral and f"Vote open for watch party #{made.id}" in opened.content
    ballot = vote_message(e2e)
    embed = ballot.embeds[0]
    assert f"<t:{int(SEOUL_THU.timestamp())}:R>" in embed["fields"][0]["value"]
    assert "A tie goes to the film offered first." in embed["footer"]["text"]

    reply, answer = await click(e2e, ballot, PAPRIKA, "Bruno")
    assert reply.kind == "update" and "Paprika · 1 vote" in reply.embeds[0]["description"]
    assert "You voted for **Paprika**" in answer
    await click(e2e, ballot, STARLIGHT, "Chiara")
    await click(e2e, ballot, PAPRIKA, "Dae-jung")
    reply, answer = await click(e2e, ballot, STARLIGHT, "Bruno")  # changes their mind
    assert "Changed your vote to **Lost in Starlight** (was Paprika)" in answer
    shown = e2e.fake.message(ballot.id).embeds[0]["description"]
    assert "Lost in Starlight · 2 votes" in shown and "Paprika · 1 vote" in shown

    # The deadline passes while the bot is stopped, by more than the late grace (10 min).
    await e2e.restart(between=lambda: e2e.clock.set(SEOUL_THU + timedelta(hours=2)))
    [notice] = await e2e.fake.wait_for_messages(
        e2e.server.general, predicate=is_result, origin="channel", timeout=8
    )
    voters = {e2e.server[n] for n in ("Bruno", "Chiara", "Dae-jung")}
    assert "**Lost in Starlight** won with 2 votes" in notice.content
    assert set(mention_ids(notice)) == voters and allowed_users(notice) == voters
    assert e2e.fake.pinged_user_ids(notice) == voters

    changed = await party(e2e, made.id)
    assert changed.film_id == FILM and changed.film_title is None
    assert changed.ends_at == SEOUL_FRI + timedelta(minutes=96)  # the film's runtime now
    card = e2e.fake.message(card_of(e2e, made.id).id)
    assert "Lost in Starlight" in card.embeds[0]["title"]
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["name"] == "Watch party: Lost in Starlight"
    closed = e2e.fake.message(ballot.id)
    assert "Vote closed" in closed.embeds[0]["title"] and not closed.custom_ids()

    await e2e.restart()  # told once, across restarts too
    await asyncio.sleep(0.3)
    assert len([m for m in e2e.posts() if is_result(m)]) == 1


async def test_a_tie_goes_to_the_film_offered_first_at_the_deadline(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")  # Lost in Starlight
    await open_vote(e2e, made.id, film1="Paprika", film2="Perfect Blue")
    ballot = vote_message(e2e)
    await click(e2e, ballot, "2. Perfect Blue", "Bruno")
    await click(e2e, ballot, "1. Paprika", "Chiara")
    e2e.clock.set(SEOUL_THU - timedelta(milliseconds=200))  # the bot is up: on time
    [notice] = await e2e.fake.wait_for_messages(
        e2e.server.general, predicate=is_result, origin="channel", timeout=8
    )
    assert "**Paprika** won with 1 vote (a tie: it was offered first)" in notice.content
    assert "Sent late" not in notice.content
    changed = await party(e2e, made.id)
    assert changed.film_title == "Paprika"
    assert changed.ends_at == SEOUL_FRI + timedelta(hours=2)  # no details: 2 hours assumed


async def test_with_no_votes_the_film_stays_and_nobody_is_pinged(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id, film1="Paprika", film2="Perfect Blue")
    e2e.clock.set(SEOUL_THU)
    [notice] = await e2e.fake.wait_for_messages(
        e2e.server.general, predicate=is_result, origin="channel", timeout=8
    )
    assert "Nobody voted, so the party's **Lost in Starlight** stays." in notice.content
    assert e2e.fake.pinged_user_ids(notice) == set()
    assert (await party(e2e, made.id)).film_id == FILM
    closed = vote_message(e2e)
    assert "Nobody voted" in closed.embeds[0]["fields"][0]["value"]


async def test_vote_buttons_keep_working_after_a_restart(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id)
    await e2e.restart()
    reply, answer = await click(e2e, vote_message(e2e), PAPRIKA, "Bruno")
    assert "Paprika · 1 vote" in reply.embeds[0]["description"]
    assert "You voted for **Paprika**" in answer


async def test_two_clicks_at_once_leave_the_message_with_both_votes(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id)
    ballot = vote_message(e2e)
    # Bruno's ballot commits first, but his answer (the edit with "Paprika 1, Starlight 0")
    # is held back by a 429 until after Chiara's, which counts both, has landed.
    held = e2e.fake.rate_limit("POST", "/interactions/{id}/{token}/callback", retry_after=0.5)
    bruno = await e2e.fake.click(ballot, PAPRIKA, e2e.server["Bruno"])
    await e2e.fake.wait_until(lambda: held.hits == 1)
    await click(e2e, ballot, STARLIGHT, "Chiara")
    await bruno.response(timeout=5)

    def both_counted() -> bool:
        shown = e2e.fake.message(ballot.id).embeds[0]["description"]
        return "Lost in Starlight · 1 vote" in shown and "Paprika · 1 vote" in shown

    await e2e.fake.wait_until(both_counted, timeout=3, message="the message is a vote behind")


async def test_clicking_the_same_film_again_keeps_one_vote(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id)
    await click(e2e, vote_message(e2e), PAPRIKA, "Bruno")
    reply, answer = await click(e2e, vote_message(e2e), PAPRIKA, "Bruno")
    assert "Paprika · 1 vote" in reply.embeds[0]["description"]
    assert "You already voted for **Paprika**" in answer


async def test_only_the_host_or_manage_events_may_open_a_vote(e2e: Harness) -> None:
    await seoul(e2e, "Ada", "Bruno")
    made = await create(e2e, "Ada", "fri 20:30")
    refused = await open_vote(e2e, made.id, who="Bruno")
    assert refused.ephemeral and "Only the host" in refused.content
    assert len(e2e.posts()) == 1  # the card, no vote


async def test_the_same_film_twice_is_refused(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    refused = await open_vote(e2e, made.id, film1="Paprika", film2="paprika")
    assert refused.ephemeral and "offered twice" in refused.content
    assert len(e2e.posts()) == 1


async def test_a_second_open_vote_for_a_party_is_refused(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id)
    refused = await open_vote(e2e, made.id, film1="Akira", film2="Paprika")
    assert refused.ephemeral and "already has a vote open" in refused.content
    assert len(e2e.posts()) == 2  # the card and the first vote


async def test_a_deadline_after_the_party_starts_is_refused(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    refused = await open_vote(e2e, made.id, closes="fri 21:00")
    assert refused.ephemeral and "before the party starts" in refused.content
    assert len(e2e.posts()) == 1


async def test_a_deadline_less_than_a_minute_before_the_start_is_refused(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    refused = await open_vote(e2e, made.id, closes="fri 20:29:30")
    latest = SEOUL_FRI - timedelta(minutes=1)
    assert refused.ephemeral and "at least a minute before the party starts" in refused.content
    # On the clock the host's time was read on (their own zone), and for everyone.
    assert "**8:29 PM Friday, 23 May 2025** (Asia/Seoul) at the latest" in refused.content
    assert f"<t:{int(latest.timestamp())}:F>" in refused.content
    assert len(e2e.posts()) == 1  # the card, no vote
    assert await e2e.bot.votes.repo.open_for(made.id) is None
    accepted = await open_vote(e2e, made.id, closes="fri 20:29")
    assert "Vote open" in accepted.content


async def test_a_series_occurrence_takes_a_vote_until_a_minute_before_it(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", repeat="weekly", reminders="off")
    refused = await open_vote(e2e, made.id, closes="fri 20:30")
    assert refused.ephemeral and "**8:29 PM Friday, 23 May 2025** (Asia/Seoul)" in refused.content
    assert not [m for m in e2e.posts() if "Vote" in (m.embeds or [{}])[0].get("title", "")]
    # The whole series moved earlier: its next occurrence's vote follows that occurrence.
    await open_vote(e2e, made.id, closes="fri 20:29")
    ballot = vote_message(e2e)
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "fri 19:00", "scope": "series"})
    deadline = SEOUL_FRI - timedelta(minutes=91)

    def deadline_shown() -> str:
        return e2e.fake.message(ballot.id).embeds[0]["fields"][0]["value"]

    await e2e.fake.wait_until(lambda: f"<t:{int(deadline.timestamp())}:R>" in deadline_shown())


async def test_a_party_moved_to_start_in_30_s_closes_its_vote_before_the_start_ping(
    e2e: Harness,
) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", reminders="off")  # Lost in Starlight
    await open_vote(e2e, made.id)
    ballot = vote_message(e2e)
    await click(e2e, ballot, PAPRIKA, "Bruno")
    e2e.clock.set(datetime(2025, 5, 21, 9, 59, 30, tzinfo=UTC))  # Wed 18:59:30 in Seoul
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "wed 19:00"})
    start = datetime(2025, 5, 21, 10, 0, tzinfo=UTC)
    assert (await party(e2e, made.id)).starts_at == start
    # A minute before the start has passed: the vote closes now, not with the start ping.
    [notice] = await e2e.fake.wait_for_messages(
        e2e.server.general, predicate=is_result, origin="channel", timeout=8
    )
    assert "**Paprika** won with 1 vote" in notice.content
    assert (await party(e2e, made.id)).film_title == "Paprika"
    assert "Vote closed" in e2e.fake.message(ballot.id).embeds[0]["title"]

    e2e.clock.set(start - timedelta(milliseconds=500))
    [ping] = await e2e.fake.wait_for_messages(
        e2e.server.general,
        predicate=lambda m: m.content.startswith("🎬"),
        origin="channel",
        timeout=8,
    )
    assert ping.content.startswith("🎬 The **Paprika** watch party is starting now!")
    assert int(notice.id) < int(ping.id)  # the result came first


async def test_a_cancelled_party_gets_no_vote(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    refused = await open_vote(e2e, made.id)
    assert refused.ephemeral and "cancelled" in refused.content
    assert not [m for m in e2e.posts() if "Vote" in (m.embeds or [{}])[0].get("title", "")]


async def test_a_party_moved_before_the_deadline_closes_the_vote_a_minute_before_it_starts(
    e2e: Harness,
) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    opened = await open_vote(e2e, made.id)
    assert "If the party moves earlier, the vote closes a minute before its new start" in (
        opened.content
    )
    ballot = vote_message(e2e)
    await click(e2e, ballot, PAPRIKA, "Bruno")
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "thu 19:00"})
    new_start = datetime(2025, 5, 22, 10, 0, tzinfo=UTC)  # before the vote's thu 20:00
    deadline = new_start - timedelta(minutes=1)

    def deadline_shown() -> str:
        return e2e.fake.message(ballot.id).embeds[0]["fields"][0]["value"]

    await e2e.fake.wait_until(lambda: f"<t:{int(deadline.timestamp())}:R>" in deadline_shown())
    assert e2e.fake.message(ballot.id).custom_ids()  # still open for ballots
    e2e.clock.set(deadline - timedelta(milliseconds=200))
    [notice] = await e2e.fake.wait_for_messages(
        e2e.server.general, predicate=is_result, origin="channel", timeout=8
    )
    assert "**Paprika** won with 1 vote" in notice.content
    assert (await party(e2e, made.id)).film_title == "Paprika"


async def test_a_cancelled_party_calls_its_vote_off_at_once(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    await open_vote(e2e, made.id)
    ballot = vote_message(e2e)
    await click(e2e, ballot, PAPRIKA, "Bruno")
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    await e2e.fake.wait_until(lambda: not e2e.fake.message(ballot.id).custom_ids())
    shown = e2e.fake.message(ballot.id).embeds[0]
    assert "The watch party was cancelled" in shown["fields"][0]["value"]
    assert "Paprika · 1 vote" in shown["description"] and "🏆" not in shown["description"]
    e2e.clock.set(SEOUL_THU + timedelta(seconds=1))  # the old deadline: nothing happens
    await asyncio.sleep(0.3)
    assert not [m for m in e2e.posts() if is_result(m)]
    assert (await party(e2e, made.id)).film_id == FILM
