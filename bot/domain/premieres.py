"""Premiere pings: who is pinged when, grouped by the moment the film is out for them. Pure.

Global releases come out at one instant everywhere; ``local_midnight`` releases at 00:00 in each
viewer's zone; a film may also have releases per region (country codes), picked by the viewer's
zone. Quiet hours push a ping to the end of the member's window, saying when it actually came out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.domain import zones
from bot.domain.films import Film, Release
from bot.domain.when import in_quiet_window

PREMIERE, HEADS_UP = "premiere", "premiere_heads_up"
PREMIERE_KINDS = (PREMIERE, HEADS_UP)


@dataclass(frozen=True)
class Follower:
    user_id: int
    zone_key: str | None
    dm: bool = False
    quiet: tuple[time, time] | None = None


@dataclass(frozen=True)
class Line:
    """Members reading the same clock: one line of a ping."""

    zone_key: str | None  # the zone shown (None: no zone, shown in UTC)
    out_at: datetime  # when the film came out for them
    user_ids: tuple[int, ...]
    delayed: bool = False  # held back by quiet hours
    assumed_zone: bool = False  # the member has no zone; the server's default was used


@dataclass(frozen=True)
class Planned:
    kind: str
    due: datetime
    channel_id: int | None  # a channel ping, or
    user_id: int | None  # a DM to one member
    lines: tuple[Line, ...]


def release_for(film: Film, zone_key: str | None) -> Release | None:
    """The release that applies in a zone: its country's own release, else a worldwide one."""
    country = zones.country_of(zone_key) if zone_key else None
    fallback = None
    for release in film.releases:
        regions = {r.upper() for r in release.regions}
        if country and country in regions:
            return release
        if release.worldwide and fallback is None:
            fallback = release
    return fallback


def next_release_instant(film: Film, zone_key: str | None) -> datetime | None:
    release = release_for(film, zone_key)
    return release.instant(zones.zone_from_key(zone_key) if zone_key else None) if release else None


def plan(
    film: Film,
    followers: Iterable[Follower],
    *,
    channel_id: int,
    default_zone: str | None,
    now: datetime,
    heads_up: timedelta | None = None,
) -> list[Planned]:
    """Every ping still ahead for a server's followers of one film, soonest first."""
    # (kind, due, channel, dm user) -> (zone, out_at, delayed, assumed) -> user ids
    buckets: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    for f in followers:
        release = release_for(film, f.zone_key or default_zone)
        if release is None:
            continue
        assumed = f.zone_key is None and release.model != "global" and default_zone is not None
        zone_key = f.zone_key or (default_zone if assumed else None)
        tz = zones.zone_from_key(zone_key) if zone_key else None
        out_at = release.instant(tz)
        if out_at <= now:
            continue
        due, delayed = out_at, False
        if f.quiet:  # read in the member's zone, or UTC when they have none
            ends = in_quiet_window(out_at.astimezone(tz or zones.zone_from_key("UTC")), f.quiet)
            if ends is not None:
                due, delayed = ends.astimezone(out_at.tzinfo), True
        target = (None, f.user_id) if f.dm else (channel_id, None)
        buckets[(PREMIERE, due, *target)][(zone_key, out_at, delayed, assumed)].append(f.user_id)
        if heads_up and not delayed and out_at - heads_up > now:
            buckets[(HEADS_UP, out_at - heads_up, *target)][
                (zone_key, out_at, False, assumed)
            ].append(f.user_id)
    planned = [
        Planned(kind, due, channel, user, _lines(groups))
        for (kind, due, channel, user), groups in buckets.items()
    ]
    return sorted(planned, key=lambda p: (p.due, p.kind, p.channel_id or 0, p.user_id or 0))


def _lines(groups: dict[tuple, list[int]]) -> tuple[Line, ...]:
    lines = [
        Line(zone, out_at, tuple(sorted(ids)), delayed, assumed)
        for (zone, out_at, delayed, assumed), ids in groups.items()
    ]

    def order(line: Line) -> tuple:
        if line.zone_key is None:
            return (1, 0.0, "")
        offset = line.out_at.astimezone(zones.zone_from_key(line.zone_key)).utcoffset()
        return (0, offset.total_seconds() if offset else 0.0, line.zone_key)

    return tuple(sorted(lines, key=order))


def to_data(p: Planned) -> dict:
    """A JSON-able form for the outbox row."""
    return {
        "lines": [
            [ln.zone_key, ln.out_at.isoformat(), list(ln.user_ids), ln.delayed, ln.assumed_zone]
            for ln in p.lines
        ],
        "channel": p.channel_id,
        "user": p.user_id,
    }


def from_data(data: dict) -> tuple[int | None, int | None, tuple[Line, ...]]:
    lines = tuple(
        Line(zone, datetime.fromisoformat(out), tuple(ids), delayed, assumed)
        for zone, out, ids, delayed, assumed in data["lines"]
    )
    return data.get("channel"), data.get("user"), lines
