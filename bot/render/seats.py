"""Seat messages: waitlist places, promotions, capacity changes, role and thread notices."""

from __future__ import annotations

from bot.domain.parties import ASSUMED_RUNTIME, Party
from bot.domain.seats import ROLE_PING, Answered, google_calendar_url
from bot.domain.usertext import plain
from bot.render import clip, role_mention, sent_late, split_mentions, timestamp


def _title(film_title: str) -> str:
    return plain(clip(film_title, 200))


def waitlisted(party: Party, answer: Answered) -> str:
    """The ephemeral answer to a "Going" click on a full party."""
    return (
        f"Watch party #{party.id} is full, so you're **#{answer.place}** on the waitlist. "
        "I'll tell you when a seat opens up."
    )


def promoted(
    party: Party, film_title: str, user_ids: list[int], late: bool
) -> list[tuple[str, tuple[int, ...]]]:
    """The channel message(s) telling members a seat opened up for them: (content, the ids it
    mentions), split within Discord's limits."""
    header = sent_late(
        f"🎟️ Seats opened up for the **{_title(film_title)}** watch party, "
        f"{timestamp(party.starts_at)} ({timestamp(party.starts_at, 'R')}).",
        late,
    )
    return split_mentions(header, [("You're now **Going** (off the waitlist)", user_ids)])


def promoted_dm(party: Party, film_title: str, late: bool) -> str:
    """The same by DM."""
    return sent_late(
        f"🎟️ A seat opened up: you're now **Going** to the **{_title(film_title)}** watch party "
        f"(#{party.id}), {timestamp(party.starts_at)}. <#{party.channel_id}>",
        late,
    )


def capacity_note(capacity: int, promoted: int, going: int) -> str:
    """Told to the editor who changed the capacity."""
    if going > capacity:
        return (
            f"Capacity is now {capacity}, but {going} members already have a seat: they keep it. "
            "Nobody new gets one until enough leave."
        )
    if promoted:
        return f"Capacity is now {capacity}: {promoted} member(s) from the waitlist got a seat."
    return f"Capacity is now {capacity}."


def removal_clash(what: str) -> str:
    """An edit that removes a role ping (or seat limit) and sets one at once."""
    if what == ROLE_PING:
        return (
            "Give either `remove: role ping` or a new `role`, not both: "
            "one takes the ping away, the other sets it."
        )
    return (
        "Give either `remove: seat limit` or a new `capacity`, not both: "
        "one lifts the limit, the other sets it."
    )


def nothing_to_remove(party_id: int, what: str) -> str:
    """Removing what the party doesn't have: nothing changed."""
    if what == ROLE_PING:
        return f"Watch party #{party_id} pings no role, so there's no role ping to remove."
    return f"Watch party #{party_id} has no seat limit, so there's none to remove."


def removed_note(what: str, promoted: int) -> str:
    """Told to the editor who removed a role ping or a seat limit."""
    if what == ROLE_PING:
        return "Role ping removed: no role is mentioned at the start any more."
    seated = f" {promoted} member(s) from the waitlist got a seat." if promoted else ""
    return f"Seat limit removed: everyone who answers Going gets a seat.{seated}"


def thread_name(party: Party, film_title: str) -> str:
    """The card's thread (Discord: 1-100 characters, plain text)."""
    return clip(f"Watch party #{party.id}: {film_title}", 100)


def thread_failed(reason: str) -> str:
    return (
        f"\n-# I couldn't start a thread on the card ({clip(reason, 100)}), so reminders go to "
        "the channel. Give me **Create Public Threads** to have one next time."
    )


def thread_made(thread_id: int) -> str:
    return f"\n-# Reminders and pings go to the thread <#{thread_id}>."


def announcement(role_id: int) -> str:
    """The card's text when the party pings a role."""
    return f"{role_mention(role_id)} a watch party is planned: answer below!"


def calendar_url(party: Party, film_title: str) -> str:
    """The card's "Add to Google Calendar" link."""
    end = party.ends_at or party.starts_at + ASSUMED_RUNTIME
    where = f"https://discord.com/channels/{party.guild_id}/{party.channel_id}"
    details = f"{party.note}\n\n{where}" if party.note else where
    return google_calendar_url(f"Watch party: {film_title}", party.starts_at, end, details, where)
