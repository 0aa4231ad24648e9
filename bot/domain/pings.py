"""Who gets pinged together: members grouped by the clock they read. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain import zones


@dataclass(frozen=True)
class ZoneGroup:
    """Members sharing a zone (None: no zone registered), with the instant on their clock."""

    zone_key: str | None
    user_ids: tuple[int, ...]


def group_by_zone(instant: datetime, members: Mapping[int, str | None]) -> list[ZoneGroup]:
    """Groups ordered by local clock time (earliest wall time first), members without a zone last."""
    by_zone: dict[str | None, list[int]] = defaultdict(list)
    for user_id, key in members.items():
        by_zone[key].append(user_id)

    def order(key: str | None) -> tuple[int, float, str]:
        if key is None:
            return (1, 0.0, "")
        offset = instant.astimezone(zones.zone_from_key(key)).utcoffset()
        return (0, offset.total_seconds() if offset else 0.0, key)

    return [ZoneGroup(key, tuple(sorted(by_zone[key]))) for key in sorted(by_zone, key=order)]
