"""Who gets pinged together: members grouped by the clock they read. Pure.

Every kind of ping (party reminders and start pings, premiere pings and heads-ups) is a header
and one line per :class:`ZoneGroup`, made by :func:`group` in :func:`reading_order`;
``bot.render`` labels and lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain import zones

#: What a line of a ping shows: (zone shown, instant, held by quiet hours, server zone assumed).
LineKey = tuple[str | None, datetime, bool, bool]


@dataclass(frozen=True)
class ZoneGroup:
    """Members reading the same clock: one line of a ping."""

    zone_key: str | None  # the zone shown (None: no zone, shown in UTC)
    at: datetime  # the instant they read on it (a party's start, when a film is out for them)
    user_ids: tuple[int, ...]
    delayed: bool = False  # held back by quiet hours: sent after ``at``
    assumed_zone: bool = False  # the members have no zone; the server's default is shown


def line_key(own: str | None, server: str | None, at: datetime) -> LineKey:
    """The line of a member who reads ``at`` in their own zone, else the server's (said so),
    else UTC."""
    return (own or server, at, False, own is None and server is not None)


def reading_order(group: ZoneGroup) -> tuple[bool, datetime, float, str, bool, bool]:
    """Earliest instant first, then earliest wall clock (west to east); no zone last."""
    if group.zone_key is None:
        seconds = 0.0
    else:
        offset = group.at.astimezone(zones.zone_from_key(group.zone_key)).utcoffset()
        seconds = offset.total_seconds() if offset else 0.0
    return (
        group.zone_key is None,
        group.at,
        seconds,
        group.zone_key or "",
        group.delayed,
        group.assumed_zone,
    )


def group(entries: Iterable[tuple[LineKey, int]]) -> tuple[ZoneGroup, ...]:
    """(line, member) pairs as one group per line, members sorted, in reading order.

    Plain tuples in, one ZoneGroup per line out (never one per member): premiere plans are
    recomputed on every follow, and servers have thousands of followers.
    """
    by_line: dict[LineKey, list[int]] = {}
    for key, user_id in entries:
        ids = by_line.get(key)
        if ids is None:
            by_line[key] = [user_id]
        else:
            ids.append(user_id)
    groups = [
        ZoneGroup(zone, at, tuple(sorted(set(ids))), delayed, assumed)
        for (zone, at, delayed, assumed), ids in by_line.items()
    ]
    return tuple(sorted(groups, key=reading_order))


def without(groups: tuple[ZoneGroup, ...], gone: set[int]) -> tuple[ZoneGroup, ...]:
    """The groups minus members who are gone (e.g. unfollowed since); empty groups dropped."""
    if not gone:
        return groups
    kept = (replace(g, user_ids=tuple(u for u in g.user_ids if u not in gone)) for g in groups)
    return tuple(g for g in kept if g.user_ids)
