"""RSVP buttons (also after a restart), list/info/mine/edit/cancel/ics, permissions, native
events, spam limits and mention injection, through the loopback Discord."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import parties as rules
from fakecord import DEFAULT_BOT_PERMISSIONS, Perm
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import FILM, card_of, create, fields, outbox, party, unix

SEOUL_FRI = datetime(2025, 5, 23, 11, 30, tzinfo=UTC)  # "fri 20:30" in Seoul


async def seoul(e2e: Harness, *who: str) -> None:
    for name in who:
        await e2e.run(name, "timezone set", {"zone": "Seoul"})


# --------------------------------------------------------------------------- RSVP buttons


async def test_buttons_update_the_counts_in_place(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    ada, bruno, chiara = (e2e.server[n] for n in ("Ada", "Bruno", "Chiara"))

    reply = await e2e.click(made.card, "Going", "Bruno")
    assert reply.kind == "update"  # the card itself was edited, no new message
    assert fields(reply)["Going (2)"] == f"<@{ada}>, <@{bruno}>"
    reply = await e2e.click(made.card, "Maybe", "Chiara")
    assert fields(reply)["Maybe (1)"] == f"<@{chiara}>"
    reply = await e2e.click(made.card, "Not going", "Bruno")
    shown = fields(reply)
    assert shown["Going (1)"] == f"<@{ada}>" and shown["Maybe (1)"] == f"<@{chiara}>"
    card = e2e.fake.message(made.card.id)
    assert fields(card) == shown and len(e2e.posts()) == 1
    assert e2e.fake.pinged_user_ids(card) == set()  # names on a card never ping


async def test_buttons_keep_working_after_a_restart(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    old_bot = e2e.bot
    await e2e.restart()  # a new bot object and process state, the same database
    assert e2e.bot is not old_bot
    reply = await e2e.click(made.card, "Going", "Bruno")
    assert reply.kind == "update"
    assert fields(reply)["Going (2)"] == f"<@{e2e.server['Ada']}>, <@{e2e.server['Bruno']}>"
    assert "Going (2)" in fields(e2e.fake.message(made.card.id))


async def test_buttons_on_a_cancelled_or_finished_party_say_answers_are_closed(
    e2e: Harness,
) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    e2e.clock.set(SEOUL_FRI + timedelta(hours=3))  # the party (96 min) is over
    reply = await e2e.click(made.card, "Going", "Bruno")
    assert reply.ephemeral and "over" in reply.content
    e2e.clock.set(SEOUL_FRI - timedelta(days=1))
    cancelled = await create(e2e, "Ada", "sat 20:30")
    # Cancelled without the card being updated (as if that edit had failed): buttons remain.
    await e2e.bot.parties.cancel(await party(e2e, cancelled.id))
    reply = await e2e.click(cancelled.card, "Maybe", "Bruno")
    assert reply.ephemeral and "cancelled" in reply.content


# --------------------------------------------------------------------------- list/info/mine


async def test_list_info_and_mine(e2e: Harness) -> None:
    await seoul(e2e, "Ada", "Bruno")
    first = await create(e2e, "Ada", "fri 20:30")
    second = await create(e2e, "Bruno", "tomorrow 8pm")
    await e2e.click(first.card, "Maybe", "Chiara")

    listing = await e2e.run("Chiara", "watchparty list")
    assert listing.ephemeral
    lines = listing.content.splitlines()
    assert [re.match(r"\*\*#(\d+)\*\*", ln).group(1) for ln in lines] == [
        str(second.id),
        str(first.id),
    ]  # soonest first
    assert f"<t:{unix(SEOUL_FRI)}:F>" in lines[1] and "Lost in Starlight" in lines[1]

    info = await e2e.run("Chiara", "watchparty info", {"id": first.id})
    assert info.ephemeral and info.embeds[0]["title"] == "🎬 Watch party: Lost in Starlight"
    assert fields(info)["Maybe (1)"] == f"<@{e2e.server['Chiara']}>"

    mine = await e2e.run("Chiara", "watchparty mine")
    assert mine.content.startswith(f"**#{first.id}**") and "you: maybe" in mine.content
    mine = await e2e.run("Bruno", "watchparty mine")
    assert f"**#{second.id}**" in mine.content and "you: host" in mine.content
    mine = await e2e.run("Dae-jung", "watchparty mine")
    assert "not hosting or going" in mine.content


async def test_empty_list_and_unknown_party(e2e: Harness) -> None:
    assert "No watch parties planned" in (await e2e.run("Ada", "watchparty list")).content
    for command in ("info", "edit", "cancel", "ics"):
        options = {"id": 99, **({"note": "x"} if command == "edit" else {})}
        reply = await e2e.run("Ada", f"watchparty {command}", options)
        assert reply.ephemeral and "There's no watch party #99 in this server" in reply.content


async def test_a_long_list_is_cut_between_lines(e2e: Harness, monkeypatch) -> None:
    monkeypatch.setattr(rules, "MAX_ACTIVE_PER_HOST", 30)
    monkeypatch.setattr(rules, "MAX_ACTIVE_PER_GUILD", 30)
    await seoul(e2e, "Ada")
    for day in range(25):
        when = f"{(SEOUL_FRI + timedelta(days=day)).date().isoformat()} 21:00"
        await create(e2e, "Ada", when)
    listing = (await e2e.run("Ada", "watchparty list")).content
    assert len(listing) <= 2000
    *lines, last = listing.splitlines()
    assert all(ln.startswith("**#") and ln.endswith(">") for ln in lines)
    assert re.fullmatch(r"… and \d+ more", last)


# --------------------------------------------------------------------------- ics


async def test_ics_is_an_attachment_with_utc_times(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", note="Bring snacks; and tissues, really")
    reply = await e2e.run("Bruno", "watchparty ics", {"id": made.id})
    assert reply.ephemeral
    assert reply.message is not None
    [attachment] = reply.message.files
    assert attachment.filename == f"watchparty-{made.id}.ics"
    text = attachment.data.decode()
    lines = text.replace("\r\n ", "").split("\r\n")
    assert "DTSTART:20250523T113000Z" in lines
    assert "DTEND:20250523T130600Z" in lines  # + 96 minutes
    assert "SUMMARY:Watch party: Lost in Starlight" in lines
    assert "DESCRIPTION:Bring snacks\\; and tissues\\, really" in lines


# --------------------------------------------------------------------------- edit and cancel


async def test_edit_moves_the_time_replans_and_updates_card_and_event(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "sat 21:00"})
    new_start = datetime(2025, 5, 24, 12, 0, tzinfo=UTC)
    assert reply.ephemeral and "Updated watch party" in reply.content
    assert f"<t:{unix(new_start)}:F>" in reply.content
    assert f"<t:{unix(new_start)}:F>" in fields(e2e.fake.message(made.card.id))["When"]
    pending = [(k, d) for k, d, s in await outbox(e2e, made.id) if s == "pending"]
    assert pending == [
        ("party_reminder", (new_start - timedelta(hours=1)).isoformat(timespec="milliseconds")),
        ("party_reminder", (new_start - timedelta(minutes=10)).isoformat(timespec="milliseconds")),
        ("party_start", new_start.isoformat(timespec="milliseconds")),
    ]
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["scheduled_start_time"].startswith("2025-05-24T12:00:00")


async def test_edit_note_film_and_channel(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30", note="old note")
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "note": "new note"})
    assert "Updated" in reply.content
    assert fields(e2e.fake.message(made.card.id))["Note"] == "new note"
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "note": "-"})
    assert "Note" not in fields(e2e.fake.message(made.card.id))

    other = e2e.fake.add_channel(e2e.server.guild, "cinema")
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "channel": other})
    assert f"Announced again in <#{other}>" in reply.content
    assert e2e.fake.message(made.card.id).deleted  # the old card is retired
    moved = card_of(e2e, made.id, other)
    assert (await party(e2e, made.id)).channel_id == other
    # the new card's buttons work
    clicked = await e2e.click(moved, "Going", "Bruno")
    assert "Going (2)" in fields(clicked)


async def test_edit_refusals(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    nothing = await e2e.run("Ada", "watchparty edit", {"id": made.id})
    assert nothing.ephemeral and "Nothing to change" in nothing.content
    zone_only = await e2e.run("Ada", "watchparty edit", {"id": made.id, "timezone": "UTC"})
    assert "together with `timezone`" in zone_only.content
    past = await e2e.run("Ada", "watchparty edit", {"id": made.id, "when": "2025-05-01 20:00"})
    assert "has already passed" in past.content
    bad_channel = await e2e.run(
        "Ada", "watchparty edit", {"id": made.id, "channel": e2e.server.announcements}
    )
    assert "I can't post in" in bad_channel.content
    assert (await party(e2e, made.id)).starts_at == SEOUL_FRI  # unchanged


async def test_only_the_host_or_manage_events_may_edit_or_cancel(e2e: Harness) -> None:
    await seoul(e2e, "Bruno")
    made = await create(e2e, "Bruno", "fri 20:30")
    for command, options in (("edit", {"note": "hijack"}), ("cancel", {})):
        reply = await e2e.run("Chiara", f"watchparty {command}", {"id": made.id, **options})
        assert reply.ephemeral
        assert f"Only the host (<@{e2e.server['Bruno']}>) or a member with **Manage Events**" in (
            reply.content
        )
    assert not (await party(e2e, made.id)).cancelled
    # Ada holds the Host role (Manage Events): she may
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "note": "moderated"})
    assert "Updated" in reply.content
    reply = await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    assert "Cancelled watch party" in reply.content


async def test_cancel_stops_reminders_marks_the_card_and_deletes_the_event(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    made = await create(e2e, "Ada", "fri 20:30")
    assert len(e2e.fake.scheduled_events(e2e.server.guild)) == 1
    reply = await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    assert reply.ephemeral and f"Cancelled watch party #{made.id}" in reply.content
    assert {s for _, _, s in await outbox(e2e, made.id)} == {"cancelled"}
    card = e2e.fake.message(made.card.id)
    assert card.embeds[0]["title"].startswith("❌ Cancelled")
    assert card.components == []  # no more buttons
    assert e2e.fake.scheduled_events(e2e.server.guild) == []
    again = await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    assert "was cancelled" in again.content
    listing = await e2e.run("Ada", "watchparty list")
    assert "No watch parties planned" in listing.content


# --------------------------------------------------------------------------- native events


async def test_native_event_is_created_with_the_voice_channel(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    await create(e2e, "Ada", "fri 20:30", voice_channel=e2e.server.voice)
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["name"] == "Watch party: Lost in Starlight"
    assert event["entity_type"] == 2 and event["channel_id"] == str(e2e.server.voice)
    assert event["scheduled_start_time"].startswith("2025-05-23T11:30:00")


async def test_native_event_without_voice_is_external_with_an_end(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    await create(e2e, "Ada", "fri 20:30")
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["entity_type"] == 3
    assert event["entity_metadata"]["location"] == "#general"
    assert event["scheduled_end_time"].startswith("2025-05-23T13:06:00")


async def test_without_manage_events_it_works_and_says_so_once(e2e: Harness) -> None:
    no_events = DEFAULT_BOT_PERMISSIONS & ~int(Perm.MANAGE_EVENTS | Perm.CREATE_EVENTS)
    e2e.fake.set_bot_permissions(e2e.server.guild, no_events)
    await seoul(e2e, "Ada")
    first = await create(e2e, "Ada", "fri 20:30")
    assert "Manage Events" in first.reply.content and "say this once" in first.reply.content
    second = await create(e2e, "Ada", "sat 20:30")
    assert "Manage Events" not in second.reply.content
    edited = await e2e.run("Ada", "watchparty edit", {"id": first.id, "when": "sun 20:30"})
    assert "Manage Events" not in edited.content
    assert e2e.fake.scheduled_events(e2e.server.guild) == []
    assert [k for k, _, _ in await outbox(e2e, first.id)][-1] == "party_start"


# --------------------------------------------------------------------------- limits, mentions


async def test_a_member_may_host_only_a_few_parties(e2e: Harness) -> None:
    await seoul(e2e, "Ada")
    for when in ("fri 20:30", "sat 20:30", "sun 20:30"):
        await create(e2e, "Ada", when)
    reply = await e2e.run("Ada", "watchparty create", {"film": FILM, "when": "mon 20:30"})
    assert reply.ephemeral and "You already host 3 upcoming watch parties" in reply.content
    assert len(e2e.posts()) == 3


async def test_a_server_may_have_only_a_few_dozen_parties(e2e: Harness, monkeypatch) -> None:
    monkeypatch.setattr(rules, "MAX_ACTIVE_PER_GUILD", 4)
    await seoul(e2e, "Ada", "Bruno")
    for who, when in (("Ada", "fri 20:30"), ("Ada", "sat 20:30"), ("Bruno", "fri 21:00")):
        await create(e2e, who, when)
    await create(e2e, "Bruno", "sat 21:00")
    reply = await e2e.run("Bruno", "watchparty create", {"film": FILM, "when": "sun 21:00"})
    assert "This server already has 4 upcoming watch parties" in reply.content


@pytest.mark.parametrize("who", ["Ada", "Bruno"])  # Ada may mention everyone; it still must not
async def test_mentions_in_the_note_ping_nobody(e2e: Harness, who: str) -> None:
    await seoul(e2e, who)
    bruno = e2e.server["Bruno"]
    note = f"@everyone @here <@&{e2e.server.host_role}> <@{bruno}> come!"
    made = await create(e2e, who, "fri 20:30", note=note)
    card = made.card
    assert e2e.fake.pinged_user_ids(card) == set()
    assert card.allowed_mentions is not None and card.allowed_mentions.get("parse") == []
    shown = fields(card)["Note"]
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert f"<@&{e2e.server.host_role}>" not in shown
    for message in [*e2e.fake.messages_in(e2e.server.general, include_ephemeral=True)]:
        assert e2e.fake.pinged_user_ids(message) == set()
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert "@everyone" not in event["description"]
