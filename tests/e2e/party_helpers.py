"""Helpers for the /watchparty end-to-end tests: create a party, find its card, read its rows."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.parties import PARTY_KINDS, Party
from fakecord import Reply, StoredMessage
from tests.e2e.conftest import Harness

FILM = "lost-in-starlight"  # the id autocomplete hands back
PARTY_NO = re.compile(r"watch party #(\d+)")


@dataclass
class Created:
    reply: Reply
    id: int
    card: StoredMessage


async def create(
    e2e: Harness, who: str = "Ada", when: str = "fri 20:30", **options: Any
) -> Created:
    """Run /watchparty create and return the reply, the party id and its announcement card."""
    reply = await e2e.run(who, "watchparty create", {"film": FILM, "when": when, **options})
    found = PARTY_NO.search(reply.content)
    assert found, f"not created: {reply.content}"
    party_id = int(found.group(1))
    channel = options.get("channel")
    return Created(
        reply, party_id, card_of(e2e, party_id, channel if isinstance(channel, int) else None)
    )


def card_of(e2e: Harness, party_id: int, channel: int | None = None) -> StoredMessage:
    """The (latest) announcement card of a party among the bot's posts in a channel."""
    going = f"wp:rsvp:{party_id}:going"
    cards = [
        m
        for m in e2e.posts(channel)
        if not m.deleted and (going in m.custom_ids() or f"#{party_id} " in footer(m))
    ]
    assert cards, f"no card for party #{party_id}"
    return cards[-1]


def footer(message: StoredMessage) -> str:
    embeds = message.embeds
    return str(embeds[0].get("footer", {}).get("text", "")) if embeds else ""


def fields(message: StoredMessage | Reply) -> dict[str, str]:
    """The card's embed fields by name."""
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def party(e2e: Harness, party_id: int) -> Party:
    found = await e2e.bot.parties.repo.get(party_id)
    assert found is not None
    return found


async def outbox(e2e: Harness, party_id: int) -> list[tuple[str, str, str]]:
    """(kind, due_at, state) of a party's reminders and start ping, in due order."""
    rows = await e2e.bot.db.fetchall(
        "SELECT kind, due_at, state FROM outbox WHERE ref_id = ? AND kind IN (?, ?) "
        "ORDER BY due_at, id",
        (party_id, *PARTY_KINDS),
    )
    return [(r["kind"], r["due_at"], r["state"]) for r in rows]


def arrived_at(e2e: Harness, message: StoredMessage) -> datetime:
    """When the fake received ``message``, on the bot's (shifted) clock.

    Call it before moving the clock again: it uses the clock's current offset.
    """
    offset = e2e.clock.now() - datetime.now(UTC)
    return datetime.fromtimestamp(message.created_at, UTC) + offset


def mention_ids(message: StoredMessage) -> list[int]:
    return [int(u) for u in re.findall(r"<@!?(\d+)>", message.content)]


def allowed_users(message: StoredMessage) -> set[int]:
    allowed = message.allowed_mentions or {}
    return {int(u) for u in allowed.get("users", [])}


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


async def wait_states(
    e2e: Harness,
    party_id: int,
    final: set[str] | Callable[[list[str]], bool],
    within: float = 8,
) -> list[str]:
    """The party's outbox states once every row reached one of ``final`` (or ``final(states)``)."""
    done = final if callable(final) else (lambda states: all(s in final for s in states))
    states: list[str] = []
    async with asyncio.timeout(within):
        while True:
            states = [s for _, _, s in await outbox(e2e, party_id)]
            if done(states):
                return states
            await asyncio.sleep(0.02)


def is_ping(message: StoredMessage) -> bool:
    return message.content.startswith(("⏰ Reminder", "🎬 The"))


async def pings(e2e: Harness, count: int, channel: int | None = None) -> list[StoredMessage]:
    """Wait until ``count`` reminder/start pings were posted in a channel; return them."""
    return await e2e.fake.wait_for_messages(
        channel or e2e.server.general, count=count, predicate=is_ping, origin="channel", timeout=8
    )
