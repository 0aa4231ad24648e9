"""/watchparty for a film no catalogue knows (a club's own film, a festival screening), through
the loopback Discord: the card, the native event, the .ics, pings and DMs, edits, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import parties as rules
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import FILM, create, fields, party, pings, unix, wait_states

TITLE = "Our Club's Short Film"
SEOUL_FRI = datetime(2025, 5, 23, 11, 30, tzinfo=UTC)  # "fri 20:30" in Seoul
ENDS = SEOUL_FRI + timedelta(hours=2)  # no runtime known: two hours assumed
# What the host typed: markdown and pings that must show as typed and do nothing.
HOSTILE = "# Free [tickets](http://y) @everyone"
HOSTILE_SHOWN = r"\# Free \[tickets](http://y) @" + "\u200beveryone"


async def seoul(e2e: Harness, *who: str) -> None:
    for name in who:
        await e2e.run(name, "timezone set", {"zone": "Seoul"})


async def test_a_title_the_bot_does_not_know_gets_a_party(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    assert made.reply.ephemeral and "Scheduled watch party" in made.reply.content
    stored = await party(e2e, made.id)
    assert (stored.film_id, stored.film_title) == ("", TITLE)
    assert (stored.starts_at, stored.ends_at) == (SEOUL_FRI, ENDS)


async def test_the_card_says_there_are_no_details_and_that_two_hours_are_assumed(
    e2e: Harness,
) -> None:
    await seoul(e2e, "Ada")
    card = (await create(e2e, "Ada", "fri 20:30", film=TITLE)).card
    assert card.embeds[0]["title"] == f"🎬 Watch party: {TITLE}"
    assert card.embeds[0]["description"] == "I have no details for this film."
    assert fields(card)["When"].endswith(f"Ends about <t:{unix(ENDS)}:t>, assuming 2 hours")


async def test_the_native_event_ends_two_hours_after_the_start(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    await create(e2e, "Ada", "fri 20:30", film=TITLE)
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["name"] == f"Watch party: {TITLE}"
    assert event["scheduled_start_time"].startswith("2025-05-23T11:30:00")
    assert event["scheduled_end_time"].startswith("2025-05-23T13:30:00")


async def test_the_ics_ends_two_hours_after_the_start(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    reply = await e2e.run("Bruno", "watchparty ics", {"id": made.id})
    assert reply.message is not None
    [attachment] = reply.message.files
    lines = attachment.data.decode().replace("\r\n ", "").split("\r\n")
    assert "DTSTART:20250523T113000Z" in lines and "DTEND:20250523T133000Z" in lines
    assert f"SUMMARY:Watch party: {TITLE}" in lines


async def test_the_reminder_and_the_start_ping_name_the_title(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", film=TITLE, reminders="1h")
    await e2e.click(made.card, "Going", "Bruno")
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - timedelta(hours=1))
    [reminder] = await pings(e2e, 1)
    assert reminder.content.startswith(f"⏰ Reminder: the **{TITLE}** watch party starts")
    assert e2e.fake.pinged_user_ids(reminder) == {e2e.server["Ada"], e2e.server["Bruno"]}
    e2e.clock.set(start)
    started = (await pings(e2e, 2))[1]
    assert started.content.startswith(f"🎬 The **{TITLE}** watch party is starting now!")
    assert await wait_states(e2e, made.id, {"sent"}) == ["sent", "sent"]


async def test_members_who_asked_for_dms_get_the_title_by_dm(e2e: Harness) -> None:
    await e2e.run("Bruno", "watchparty notify", {"where": "dm"})
    made = await create(e2e, "Ada", "in 2 hours", film=TITLE, reminders="none")
    await e2e.click(made.card, "Going", "Bruno")
    e2e.clock.set((await party(e2e, made.id)).starts_at)
    await e2e.fake.wait_until(lambda: len(e2e.dms("Bruno")) == 1)
    [dm] = e2e.dms("Bruno")
    assert dm.content.startswith(f"The **{TITLE}** watch party (#{made.id}) is starting now")


async def test_list_info_and_mine_show_the_title(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    await e2e.click(made.card, "Maybe", "Chiara")
    listing = await e2e.run("Chiara", "watchparty list")
    assert listing.content.startswith(f"**#{made.id}** {TITLE}: <t:{unix(SEOUL_FRI)}:F>")
    info = await e2e.run("Chiara", "watchparty info", {"id": made.id})
    assert info.embeds[0]["description"] == "I have no details for this film."
    mine = await e2e.run("Chiara", "watchparty mine")
    assert mine.content.startswith(f"**#{made.id}** {TITLE}:") and "you: maybe" in mine.content


async def test_an_edit_to_a_known_film_and_back_to_a_title(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "film": FILM})
    assert "Updated watch party" in reply.content
    card = e2e.fake.message(made.card.id)
    assert card.embeds[0]["title"] == "🎬 Watch party: Lost in Starlight"
    assert "description" not in card.embeds[0]
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["name"] == "Watch party: Lost in Starlight"
    assert event["scheduled_end_time"].startswith("2025-05-23T13:06:00")  # its 96 minutes

    await e2e.run("Ada", "watchparty edit", {"id": made.id, "film": "Festival Cut"})
    stored = await party(e2e, made.id)
    assert (stored.film_id, stored.film_title, stored.ends_at) == ("", "Festival Cut", ENDS)
    card = e2e.fake.message(made.card.id)
    assert card.embeds[0]["title"] == "🎬 Watch party: Festival Cut"
    assert card.embeds[0]["description"] == "I have no details for this film."
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["scheduled_end_time"].startswith("2025-05-23T13:30:00")


async def test_an_edit_of_the_note_keeps_the_title(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "note": "bring snacks"})
    card = e2e.fake.message(made.card.id)
    assert card.embeds[0]["title"] == f"🎬 Watch party: {TITLE}"
    assert fields(card)["Note"] == "bring snacks"


async def test_cancel_marks_the_card_and_deletes_the_event(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    reply = await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    assert f"Cancelled watch party #{made.id}" in reply.content
    card = e2e.fake.message(made.card.id)
    assert card.embeds[0]["title"] == f"❌ Cancelled: {TITLE} watch party"
    assert e2e.fake.scheduled_events(e2e.server.guild) == []


async def test_a_restart_keeps_the_title_and_its_buttons(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", film=TITLE)
    await e2e.restart()
    clicked = await e2e.click(made.card, "Going", "Bruno")
    assert clicked.embeds[0]["title"] == f"🎬 Watch party: {TITLE}"
    assert clicked.embeds[0]["description"] == "I have no details for this film."
    assert "Going (2)" in fields(clicked)
    stored = await party(e2e, made.id)
    assert (stored.film_title, stored.ends_at) == (TITLE, ENDS)


async def test_after_a_restart_the_start_ping_still_names_the_title(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", film=TITLE, reminders="none")
    start = (await party(e2e, made.id)).starts_at
    await e2e.restart()
    e2e.clock.set(start)
    [ping] = await pings(e2e, 1)
    assert ping.content.startswith(f"🎬 The **{TITLE}** watch party is starting now!")


# --------------------------------------------------------------------------- typed, so inert


async def test_markdown_and_mentions_in_the_title_are_shown_as_typed(e2e: Harness) -> None:
    await seoul(e2e, "Ada")  # Ada may mention everyone: the title still must not
    made = await create(e2e, "Ada", "fri 20:30", film=HOSTILE)
    assert made.card.embeds[0]["title"] == f"🎬 Watch party: {HOSTILE_SHOWN}"
    assert e2e.fake.pinged_user_ids(made.card) == set()
    listing = await e2e.run("Bruno", "watchparty list")
    assert listing.content.startswith(f"**#{made.id}** {HOSTILE_SHOWN}:")
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["description"] == f"Watching {HOSTILE_SHOWN} together."


async def test_mentions_in_the_title_ping_nobody_in_the_start_ping(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", film=HOSTILE, reminders="none")
    e2e.clock.set((await party(e2e, made.id)).starts_at)
    [ping] = await pings(e2e, 1)
    assert ping.content.startswith(f"🎬 The **{HOSTILE_SHOWN}** watch party is starting now!")
    assert e2e.fake.pinged_user_ids(ping) == {e2e.server["Ada"]}


# --------------------------------------------------------------------------- refusals


async def test_premiere_for_a_title_without_details_is_refused(e2e: Harness) -> None:
    reply = await e2e.run("Ada", "watchparty create", {"film": TITLE, "when": "premiere"})
    assert reply.ephemeral
    assert f"I have no details for {TITLE}, so I don't know when it comes out" in reply.content
    assert e2e.posts() == []
    assert await e2e.bot.parties.repo.upcoming(e2e.server.guild, e2e.clock.now()) == []


async def test_a_title_longer_than_the_cap_is_refused(e2e: Harness) -> None:
    long = "x" * (rules.TITLE_MAX + 1)
    reply = await e2e.run("Ada", "watchparty create", {"film": long, "when": "in 2 hours"})
    assert reply.ephemeral and "101 characters long; the most is 100" in reply.content
    assert e2e.posts() == []
