"""Who gets pinged together: members grouped by the clock they read. Pure.

Every kind of ping (party reminders and start pings, premiere pings and heads-ups) is a header
and one line per :class:`ZoneGroup`, in :func:`reading_order`; ``bot.render`` lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain import zones

#: What a line of a ping shows: (zone shown, instant, held by quiet hours, server zone assumed).
Clock = tuple[str | None, datetime, bool, bool]


@dataclass(frozen=True)
class ZoneGroup:
    """Members reading the same clock: one line of a ping."""

    zone_key: str | None  # the zone shown (None: no zone, shown in UTC)
    at: datetime  # the instant they read on it (a party's start, when a film is out for them)
    user_ids: tuple[int, ...]
    delayed: bool = False  # held back by quiet hours: sent after ``at``
    assumed_zone: bool = False  # the members have no zone; the server's default is shown

    @property
    def clock(self) -> Clock:
        """Everything but the members: groups with the same clock are one line."""
        return (self.zone_key, self.at, self.delayed, self.assumed_zone)


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


def gather(groups: Iterable[ZoneGroup]) -> tuple[ZoneGroup, ...]:
    """Merge the groups that read the same clock (members sorted), in reading order."""
    by_clock: dict[Clock, tuple[ZoneGroup, list[int]]] = {}
    for group in groups:
        clock = group.clock
        if clock in by_clock:
            by_clock[clock][1].extend(group.user_ids)
        else:
            by_clock[clock] = (group, list(group.user_ids))
    merged = [
        replace(group, user_ids=tuple(sorted(set(ids)))) for group, ids in by_clock.values() if ids
    ]
    return tuple(sorted(merged, key=reading_order))


def group_by_zone(instant: datetime, members: Mapping[int, str | None]) -> tuple[ZoneGroup, ...]:
    """Members (id -> zone, None: no zone) grouped for one instant, in reading order."""
    return gather(ZoneGroup(key, instant, (user_id,)) for user_id, key in members.items())


def without(groups: tuple[ZoneGroup, ...], gone: set[int]) -> tuple[ZoneGroup, ...]:
    """The groups minus members who are gone (e.g. unfollowed since); empty groups dropped."""
    if not gone:
        return groups
    kept = (replace(g, user_ids=tuple(u for u in g.user_ids if u not in gone)) for g in groups)
    return tuple(g for g in kept if g.user_ids)
