"""Seats end to end: the waitlist and its places, promotions (in the channel, by DM, after a
restart), capacity edits, no pings while waiting, role pings, the calendar buttons, threads."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from fakecord import InteractionHandle, Perm, StoredMessage
from fakecord.interactions import InteractionError
from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import FILM, allowed_users, card_of, create, fields, party, pings

PROMOTION = "🎟️"


async def click(e2e: Harness, card: StoredMessage, label: str, who: str) -> InteractionHandle:
    """Click and wait for the card's update; the handle holds any private follow-up."""
    handle = await e2e.fake.click(card, label, e2e.server[who])
    await handle.response(timeout=5)
    return handle


async def followup(e2e: Harness, handle: InteractionHandle) -> str:
    await e2e.fake.wait_until(lambda: bool(handle.followups), timeout=5)
    [message] = handle.followups
    assert message.ephemeral
    return message.content


def promotions(e2e: Harness, channel: int | None = None) -> list[StoredMessage]:
    return [m for m in e2e.posts(channel) if m.content.startswith(PROMOTION)]


async def full_party(e2e: Harness, **options: Any) -> tuple[int, StoredMessage]:
    """Capacity 2: Ada (the host) and Bruno seated, Chiara first in line."""
    made = await create(e2e, "Ada", "in 2 hours", capacity=2, reminders="none", **options)
    await click(e2e, made.card, "Going", "Bruno")
    handle = await click(e2e, made.card, "Going", "Chiara")
    assert "#1** on the waitlist" in await followup(e2e, handle)
    return made.id, card_of(e2e, made.id, options.get("channel"))


async def test_going_beyond_capacity_waits_with_its_place_and_the_card_counts(
    e2e: Harness,
) -> None:
    party_id, card = await full_party(e2e)
    handle = await click(e2e, card, "Going", "Dae-jung")
    assert "you're **#2** on the waitlist" in await followup(e2e, handle)
    shown = fields(card_of(e2e, party_id))
    assert "Going (2/2)" in shown and "Maybe (0)" in shown
    chiara, dae = e2e.server["Chiara"], e2e.server["Dae-jung"]
    assert shown["Waiting (2)"] == f"<@{chiara}>, <@{dae}>"


async def test_a_seat_given_up_goes_to_the_first_in_line_who_is_told(e2e: Harness) -> None:
    party_id, card = await full_party(e2e)
    await click(e2e, card, "Not going", "Bruno")
    await e2e.fake.wait_until(lambda: len(promotions(e2e)) == 1, timeout=5)
    [notice] = promotions(e2e)
    chiara = e2e.server["Chiara"]
    assert allowed_users(notice) == {chiara}
    assert e2e.fake.pinged_user_ids(notice) == {chiara}
    shown = fields(card_of(e2e, party_id))
    assert "Waiting (0)" in shown and f"<@{chiara}>" in shown["Going (2/2)"]


async def test_a_member_who_chose_dms_is_promoted_by_dm(e2e: Harness) -> None:
    await e2e.run("Chiara", "watchparty notify", {"where": "dm"})
    _, card = await full_party(e2e)
    await click(e2e, card, "Maybe", "Bruno")
    await e2e.fake.wait_until(lambda: len(e2e.dms("Chiara")) == 1, timeout=5)
    assert "you're now **Going**" in e2e.dms("Chiara")[0].content
    assert promotions(e2e) == []


async def test_a_promotion_made_before_a_restart_is_told_after_it_once(e2e: Harness) -> None:
    party_id, card = await full_party(e2e)
    await e2e.bot.scheduler.stop()  # the bot goes down right after the click: nothing sent
    await click(e2e, card, "Not going", "Bruno")
    rows = await e2e.bot.db.fetchall(
        "SELECT state FROM outbox WHERE kind = 'party_promoted' AND ref_id = ?", (party_id,)
    )
    assert [r["state"] for r in rows] == ["pending"] and promotions(e2e) == []
    await e2e.restart()
    await e2e.fake.wait_until(lambda: len(promotions(e2e)) == 1, timeout=8)
    await asyncio.sleep(0.5)
    assert len(promotions(e2e)) == 1
    assert allowed_users(promotions(e2e)[0]) == {e2e.server["Chiara"]}


async def test_raising_capacity_seats_the_waitlist_and_lowering_keeps_the_seated(
    e2e: Harness,
) -> None:
    party_id, card = await full_party(e2e)
    await click(e2e, card, "Going", "Dae-jung")
    reply = await e2e.run("Ada", "watchparty edit", {"id": party_id, "capacity": 3})
    assert "1 member(s) from the waitlist got a seat" in reply.content
    await e2e.fake.wait_until(lambda: len(promotions(e2e)) == 1, timeout=5)
    assert allowed_users(promotions(e2e)[0]) == {e2e.server["Chiara"]}
    reply = await e2e.run("Ada", "watchparty edit", {"id": party_id, "capacity": 1})
    assert "3 members already have a seat: they keep it" in reply.content
    assert "Going (3/1)" in fields(card_of(e2e, party_id))


async def test_capacity_out_of_range_is_refused(e2e: Harness) -> None:
    # Discord's client refuses it (the option's min_value is 1), as the fake's driver does
    with pytest.raises(InteractionError, match="'capacity' must be at least 1"):
        await e2e.slash(
            "Ada", "watchparty create", {"film": FILM, "when": "fri 8pm", "capacity": 0}
        )


async def test_a_waiting_member_gets_no_start_ping_until_promoted(e2e: Harness) -> None:
    party_id, _ = await full_party(e2e)
    start = (await party(e2e, party_id)).starts_at
    e2e.clock.set(start - timedelta(seconds=0.5))
    [ping] = await pings(e2e, 1)
    assert e2e.server["Chiara"] not in allowed_users(ping)
    assert e2e.server["Bruno"] in allowed_users(ping)


async def test_a_role_is_pinged_at_the_announcement_and_the_start(e2e: Harness) -> None:
    role = e2e.server.host_role
    made = await create(e2e, "Ada", "in 2 hours", role=role, reminders="none")
    assert made.card.content.count(f"<@&{role}>") == 1
    assert made.card.allowed_mentions is not None
    assert made.card.allowed_mentions["roles"] == [role]
    assert made.card.allowed_mentions.get("parse") == [] and not made.card.allowed_mentions.get(
        "users"
    )
    assert e2e.server["Ada"] in e2e.fake.pinged_user_ids(made.card)  # Ada holds the role
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - timedelta(seconds=0.5))
    [ping] = await pings(e2e, 1)
    assert ping.content.count(f"<@&{role}>") == 1
    assert ping.allowed_mentions is not None and ping.allowed_mentions["roles"] == [role]
    assert e2e.fake.pings(ping).roles == {role} and not e2e.fake.pings(ping).everyone


async def test_a_role_the_bot_may_not_ping_is_refused_with_the_reason(e2e: Harness) -> None:
    guild = e2e.server.guild
    quiet = e2e.fake.add_role(guild, "Quiet fans")  # not mentionable
    e2e.fake.set_bot_permissions(
        guild, int(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS)
    )
    await asyncio.sleep(0.2)  # the role update reaches the bot
    reply = await e2e.run(
        "Ada", "watchparty create", {"film": FILM, "when": "fri 8pm", "role": quiet}
    )
    assert reply.ephemeral and "isn't mentionable" in reply.content
    reply = await e2e.run(
        "Ada", "watchparty create", {"film": FILM, "when": "fri 8pm", "role": guild}
    )
    assert "@everyone" in reply.content
    assert await e2e.bot.parties.upcoming(guild) == []


async def test_the_card_has_a_google_calendar_link_and_an_ics_button(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "2025-05-30 21:00", timezone="Seoul")
    buttons = [c for row in made.card.components for c in row["components"]]
    [link] = [b for b in buttons if b.get("label") == "Add to Google Calendar"]
    assert link["style"] == 5 and link["url"].startswith(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Watch%20party%3A%20"
    )
    assert "&dates=20250530T120000Z/" in link["url"]
    reply = await e2e.click(made.card, ".ics", "Bruno")
    assert reply.ephemeral and reply.message is not None
    assert reply.message.attachment_names == [f"watchparty-{made.id}.ics"]
    [upload] = reply.message.files
    assert b"DTSTART:20250530T120000Z" in upload.data


async def test_a_party_thread_gets_the_pings_and_the_card_stays_in_the_channel(
    e2e: Harness,
) -> None:
    made = await create(e2e, "Ada", "in 2 hours", thread=True, reminders="none")
    thread = (await party(e2e, made.id)).thread_id
    assert thread == made.card.id  # Discord gives the thread the starter message's id
    assert f"go to the thread <#{thread}>" in made.reply.content
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - timedelta(seconds=0.5))
    [ping] = await pings(e2e, 1, channel=thread)
    assert e2e.server["Ada"] in allowed_users(ping)
    assert card_of(e2e, made.id).id == made.card.id


async def test_a_thread_that_cant_be_made_leaves_pings_in_the_channel(e2e: Harness) -> None:
    e2e.fake.set_overwrite(
        e2e.server.general, e2e.fake.bot_user_id, deny=int(Perm.CREATE_PUBLIC_THREADS)
    )
    made = await create(e2e, "Ada", "in 2 hours", thread=True, reminders="none")
    assert "couldn't start a thread" in made.reply.content
    assert (await party(e2e, made.id)).thread_id is None
    start = (await party(e2e, made.id)).starts_at
    e2e.clock.set(start - timedelta(seconds=0.5))
    await pings(e2e, 1)
