"""Seat notices built from current data (the scheduler sends them)."""

from __future__ import annotations

from bot.domain.parties import Party
from bot.render import seats as view
from bot.scheduler import Outgoing


def promoted_messages(
    party: Party, film_title: str, users: list[int], by_dm: set[int], late: bool
) -> list[Outgoing]:
    """One channel (or thread) message mentioning exactly the promoted members who read the
    channel, and a DM each for those who chose DMs."""
    in_channel = [u for u in users if u not in by_dm]
    messages: list[Outgoing] = []
    if in_channel:
        messages += [
            Outgoing(content, channel_id=party.ping_channel_id, mention_ids=ids)
            for content, ids in view.promoted(party, film_title, in_channel, late)
        ]
    messages += [
        Outgoing(view.promoted_dm(party, film_title, late), user_id=u, optional=True)
        for u in users
        if u in by_dm
    ]
    return messages
