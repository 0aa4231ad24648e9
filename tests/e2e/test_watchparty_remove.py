"""`/watchparty edit remove:` end to end: a party's role ping and its seat limit taken away
(one party, or a whole series), the waitlist seated and told, and the mistakes refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.parties import Party
from fakecord import StoredMessage
from tests.e2e.conftest import Harness, harness
from tests.e2e.party_helpers import (
    allowed_users,
    card_of,
    create,
    fields,
    mention_ids,
    party,
    pings,
)
from tests.e2e.test_watchparty_series import ends
from tests.e2e.test_watchparty_series import next_of as next_party

PROMOTION = "🎟️"
ROLE, SEATS = "role", "seats"  # the `remove` choices' values


def promotions(e2e: Harness) -> list[StoredMessage]:
    return [m for m in e2e.posts() if m.content.startswith(PROMOTION)]


async def going(e2e: Harness, card: StoredMessage, who: str) -> None:
    handle = await e2e.fake.click(card, "Going", e2e.server[who])
    await handle.response(timeout=5)


async def waitlisted_party(e2e: Harness) -> int:
    """One seat: Ada (the host) has it, Bruno, Chiara and Dae-jung wait in that order."""
    made = await create(e2e, "Ada", "in 2 hours", capacity=1, reminders="none")
    for who in ("Bruno", "Chiara", "Dae-jung"):
        await going(e2e, made.card, who)
    assert "Waiting (3)" in fields(card_of(e2e, made.id))
    return made.id


async def start_ping(e2e: Harness, occurrence: Party, count: int = 1) -> StoredMessage:
    e2e.clock.set(occurrence.starts_at - timedelta(seconds=0.5))
    [*_, ping] = await pings(e2e, count)
    assert ping.content.startswith("🎬 The")
    return ping


def assert_no_role(e2e: Harness, message: StoredMessage) -> None:
    assert "<@&" not in message.content
    assert not (message.allowed_mentions or {}).get("roles")
    assert e2e.fake.pings(message).roles == frozenset()
    assert not e2e.fake.pings(message).everyone


async def test_a_removed_role_is_not_mentioned_at_the_start(e2e: Harness) -> None:
    role = e2e.server.host_role
    made = await create(e2e, "Ada", "in 2 hours", role=role, reminders="none")
    assert f"<@&{role}>" in made.card.content
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "remove": ROLE})
    assert reply.ephemeral and "Role ping removed" in reply.content
    assert (await party(e2e, made.id)).role_id is None
    card = card_of(e2e, made.id)
    assert card.id == made.card.id and "<@&" not in card.content  # no stale mention
    assert e2e.fake.pings(card).roles == frozenset()  # the edit pinged no one
    ping = await start_ping(e2e, await party(e2e, made.id))
    assert_no_role(e2e, ping)
    assert e2e.server["Ada"] in allowed_users(ping)  # the Going members are still pinged


async def test_a_replaced_role_is_named_on_the_card_instead_of_the_old_one(e2e: Harness) -> None:
    old = e2e.server.host_role
    new = e2e.fake.add_role(e2e.server.guild, "Movie Club", mentionable=True)
    made = await create(e2e, "Ada", "in 2 hours", role=old, reminders="none")
    await e2e.run("Ada", "watchparty edit", {"id": made.id, "role": new})
    assert (await party(e2e, made.id)).role_id == new
    card = card_of(e2e, made.id)
    assert f"<@&{new}>" in card.content and f"<@&{old}>" not in card.content
    assert e2e.fake.pings(card).roles == frozenset()  # the edit pinged no one


async def test_removing_the_seat_limit_seats_the_waitlist_in_order_and_tells_them(
    e2e: Harness,
) -> None:
    await e2e.run("Dae-jung", "watchparty notify", {"where": "dm"})
    party_id = await waitlisted_party(e2e)
    reply = await e2e.run("Ada", "watchparty edit", {"id": party_id, "remove": SEATS})
    assert reply.ephemeral and "Seat limit removed" in reply.content
    assert "3 member(s) from the waitlist got a seat" in reply.content
    assert (await party(e2e, party_id)).capacity is None
    await e2e.fake.wait_until(lambda: len(promotions(e2e)) == 1, timeout=5)
    [notice] = promotions(e2e)
    bruno, chiara = e2e.server["Bruno"], e2e.server["Chiara"]
    assert mention_ids(notice) == [bruno, chiara]  # in line order; Dae-jung reads DMs
    assert allowed_users(notice) == {bruno, chiara}
    assert e2e.fake.pinged_user_ids(notice) == {bruno, chiara}
    await e2e.fake.wait_until(lambda: len(e2e.dms("Dae-jung")) == 1, timeout=5)
    assert "you're now **Going**" in e2e.dms("Dae-jung")[0].content
    shown = fields(card_of(e2e, party_id))
    assert "Going (4)" in shown and not any(name.startswith("Waiting") for name in shown)
    assert not any("/" in name for name in shown if name.startswith("Going"))
    # Seated members get the start ping now; nobody waits any more
    ping = await start_ping(e2e, await party(e2e, party_id))
    assert {bruno, chiara} <= allowed_users(ping)


async def test_giving_remove_with_what_it_removes_is_refused_and_changes_nothing(
    e2e: Harness,
) -> None:
    role = e2e.server.host_role
    made = await create(e2e, "Ada", "in 2 hours", role=role, capacity=3, reminders="none")
    before = await party(e2e, made.id)
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "remove": ROLE, "role": role})
    assert reply.ephemeral and "not both" in reply.content and "`role`" in reply.content
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "remove": SEATS, "capacity": 5})
    assert reply.ephemeral and "not both" in reply.content and "`capacity`" in reply.content
    assert await party(e2e, made.id) == before
    assert card_of(e2e, made.id).edits == []


async def test_removing_what_the_party_does_not_have_says_so(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", reminders="none")
    before = await party(e2e, made.id)
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "remove": ROLE})
    assert reply.ephemeral and "pings no role" in reply.content
    reply = await e2e.run("Ada", "watchparty edit", {"id": made.id, "remove": SEATS})
    assert reply.ephemeral and "has no seat limit" in reply.content
    assert await party(e2e, made.id) == before
    assert card_of(e2e, made.id).edits == []


async def test_only_the_host_or_manage_events_may_remove(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 2 hours", capacity=2, reminders="none")
    reply = await e2e.run("Bruno", "watchparty edit", {"id": made.id, "remove": SEATS})
    assert reply.ephemeral and "Only the host" in reply.content
    assert (await party(e2e, made.id)).capacity == 2


# ---------------------------------------------------------------------------- series

#: Sunday 1 March 2026, noon UTC.
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def weekly_e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, start=START) as h:
        yield h


async def weekly(e2e: Harness, **options: object) -> Party:
    """A weekly series by Ada (Fridays 8 PM in Berlin), no reminders; its first party."""
    await e2e.run("Ada", "timezone set", {"zone": "Europe/Berlin"})
    made = await create(e2e, "Ada", "2026-03-06 20:00", repeat="weekly", reminders="off", **options)
    return await party(e2e, made.id)


async def next_of(e2e: Harness, before: Party) -> Party:
    """The occurrence after ``before``: its end passes, the roll-over makes it and posts its card."""
    await ends(e2e, before)
    return await next_party(e2e, before)


async def test_removing_from_the_whole_series_reaches_later_parties(
    weekly_e2e: Harness,
) -> None:
    e2e = weekly_e2e
    role = e2e.server.host_role
    first = await weekly(e2e, role=role, capacity=1)
    await going(e2e, card_of(e2e, first.id), "Bruno")  # waits
    reply = await e2e.run(
        "Ada", "watchparty edit", {"id": first.id, "remove": ROLE, "scope": "series"}
    )
    assert "Role ping removed" in reply.content and "Later parties" in reply.content
    reply = await e2e.run(
        "Ada", "watchparty edit", {"id": first.id, "remove": SEATS, "scope": "series"}
    )
    assert "Seat limit removed" in reply.content and "1 member(s)" in reply.content
    assert "Later parties of the series have no seat limit" in reply.content
    series = await e2e.bot.series.repo.get(first.series.series_id)  # type: ignore[union-attr]
    assert series is not None and (series.role_id, series.capacity) == (None, None)
    assert_no_role(e2e, await start_ping(e2e, await party(e2e, first.id)))
    second = await next_of(e2e, first)
    assert (second.role_id, second.capacity) == (None, None)
    card = card_of(e2e, second.id)
    assert_no_role(e2e, card)  # announced without the role
    assert not any("/" in name for name in fields(card) if name.startswith("Going"))
    assert_no_role(e2e, await start_ping(e2e, second, count=2))


async def test_removing_from_one_party_of_a_series_leaves_the_later_ones_their_role(
    weekly_e2e: Harness,
) -> None:
    e2e = weekly_e2e
    role = e2e.server.host_role
    first = await weekly(e2e, role=role)
    reply = await e2e.run("Ada", "watchparty edit", {"id": first.id, "remove": ROLE})
    assert "Role ping removed" in reply.content and "Later parties" not in reply.content
    assert_no_role(e2e, await start_ping(e2e, await party(e2e, first.id)))
    second = await next_of(e2e, first)
    assert second.role_id == role
    assert f"<@&{role}>" in card_of(e2e, second.id).content
    # This party has no role any more, but the series still has one: removing it for the
    # series is a change, not "nothing to remove".
    await e2e.run("Ada", "watchparty edit", {"id": second.id, "remove": ROLE})
    reply = await e2e.run(
        "Ada", "watchparty edit", {"id": second.id, "remove": ROLE, "scope": "series"}
    )
    assert "Role ping removed" in reply.content
    series = await e2e.bot.series.repo.get(first.series.series_id)  # type: ignore[union-attr]
    assert series is not None and series.role_id is None
    third = await next_of(e2e, second)
    assert third.role_id is None and "<@&" not in card_of(e2e, third.id).content


async def test_the_remove_option_offers_the_two_choices(e2e: Harness) -> None:
    command = next(c for c in e2e.fake.commands() if c["name"] == "watchparty")
    [edit] = [o for o in command["options"] if o["name"] == "edit"]
    [remove] = [o for o in edit["options"] if o["name"] == "remove"]
    assert {(c["name"], c["value"]) for c in remove["choices"]} == {
        ("role ping", ROLE),
        ("seat limit", SEATS),
    }
