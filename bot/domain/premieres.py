"""Premiere pings: who is pinged when, grouped by the moment the film is out for them. Pure.

Global releases come out at one instant everywhere; ``local_midnight`` releases at 00:00 in each
viewer's zone; which release applies is :func:`bot.domain.releases.for_country` for the
follower's country (the one they chose, else their zone's) and the release they follow (in
cinemas, streaming, or whichever comes first). A follower whose country has no date yet has no
ping until the film gains one. Quiet hours push a ping to the end of the member's window, saying when it actually came out.

The plan only holds pings still ahead (due after ``now``): a ping already due belongs to the
scheduler, which re-checks the follows when it builds the message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.domain import zones
from bot.domain.films import Film, Release
from bot.domain.pings import LineKey, ZoneGroup, group
from bot.domain.releases import Applicable, for_country
from bot.domain.when import format_duration, in_quiet_window, parse_duration
from bot.errors import BadOption

PREMIERE, HEADS_UP = "premiere", "premiere_heads_up"
PREMIERE_KINDS = (PREMIERE, HEADS_UP)
MAX_HEADS_UP = timedelta(days=30)

#: One ping of one follower: (kind, when it is sent, the line it shows).
Timing = tuple[str, datetime, LineKey]


@dataclass(frozen=True)
class Follower:
    user_id: int
    zone_key: str | None
    dm: bool = False
    quiet: tuple[time, time] | None = None
    country: str | None = None  # chosen with /timezone country (None: their zone's)
    release: str | None = None  # releases.CINEMA / STREAMING (None: whichever comes first)


@dataclass(frozen=True)
class Planned:
    kind: str
    due: datetime
    channel_id: int | None  # a channel ping, or
    user_id: int | None  # a DM to one member
    lines: tuple[ZoneGroup, ...]  # one per clock read, in reading order

    @property
    def user_ids(self) -> tuple[int, ...]:
        return tuple(uid for line in self.lines for uid in line.user_ids)


@dataclass(frozen=True)
class Placement:
    """When a film is out for one follower, and which clock their ping shows."""

    release: Release
    zone_key: str | None  # None: no zone at all, shown in UTC
    out_at: datetime
    assumed_zone: bool  # the server's default zone stands in for theirs


def parse_heads_up(text: str) -> timedelta:
    """How long before the release followers get a heads-up: '1h', '30m', … up to 30 days."""
    lead = parse_duration(text)
    if lead > MAX_HEADS_UP:
        raise BadOption(
            f"A heads-up can be at most {format_duration(MAX_HEADS_UP)} before the premiere."
        )
    return lead


def ping_channel(chosen: int | None, announce: int | None, first: int) -> int:
    """Where a premiere's channel pings go: the channel picked for the film
    (`/premiere channel`), else the server's announce channel, else where it was first followed."""
    return chosen or announce or first


def applicable(
    film: Film, zone_key: str | None, default_zone: str | None, country: str | None = None
) -> Applicable:
    """The releases that apply to a member: in ``country`` if they chose one, else in their
    zone's (the server's default zone standing in for a member without one)."""
    shown = zone_key or default_zone
    if country is None and shown:
        country = zones.country_of(shown)
    return for_country(film, country, zones.zone_from_key(shown) if shown else None)


def place(
    film: Film,
    zone_key: str | None,
    default_zone: str | None,
    country: str | None = None,
    want: str | None = None,
) -> Placement | None:
    """Where and when the film is out for a member (None: no date for their country yet).

    A member without a zone reads the server's default zone, and the ping says so (for a
    rolling release it also decides when their midnight is); with no default either, UTC.
    """
    release = applicable(film, zone_key, default_zone, country).pick(want)
    if release is None:
        return None
    assumed = zone_key is None and default_zone is not None
    shown = zone_key or (default_zone if assumed else None)
    tz = zones.zone_from_key(shown) if shown else None
    return Placement(release, shown, release.instant(tz), assumed)


def quiet_until(instant: datetime, window: tuple[time, time], tz: tzinfo | None) -> datetime | None:
    """When the member's quiet window ends, if ``instant`` falls inside it (read in ``tz``)."""
    ends = in_quiet_window(instant.astimezone(tz or UTC), window)
    return ends.astimezone(UTC) if ends is not None else None


def _timings(
    film: Film, f: Follower, default_zone: str | None, now: datetime, heads_up: timedelta | None
) -> list[Timing]:
    """(kind, due, line) of each ping still ahead for a follower (their zone, country, choice
    of release and quiet hours)."""
    placed = place(film, f.zone_key, default_zone, f.country, f.release)
    if placed is None:
        return []
    quiet = f.quiet
    tz = zones.zone_from_key(placed.zone_key) if placed.zone_key else None
    out_at = placed.out_at
    pings: list[Timing] = []
    due, delayed = out_at, False
    if quiet:  # read in the member's zone (or the zone shown), UTC when there is none
        ends = quiet_until(out_at, quiet, tz)
        if ends is not None:
            due, delayed = ends, True
    if due > now:
        pings.append((PREMIERE, due, (placed.zone_key, out_at, delayed, placed.assumed_zone)))
    if heads_up:
        early: datetime | None = out_at - heads_up
        held = quiet_until(out_at - heads_up, quiet, tz) if quiet else None
        if held is not None:
            early = held if held < out_at else None
        if early is not None and early > now:
            pings.append((HEADS_UP, early, (placed.zone_key, out_at, False, placed.assumed_zone)))
    return pings


def plan(
    film: Film,
    followers: Iterable[Follower],
    *,
    channel_id: int,
    default_zone: str | None,
    now: datetime,
    heads_up: timedelta | None = None,
) -> list[Planned]:
    """Every ping still ahead for a server's followers of one film, soonest first.

    Channel pings at the same instant share one message, with a line per (zone, release time);
    DM followers get their own. A heads-up ``heads_up`` before the release is planned for each
    follower too, unless it falls in their quiet hours (then it moves to the window's end if
    that is still before the release, else it is dropped).
    """
    # Followers sharing a zone, country, choice and quiet hours get the same pings: work those
    # out once.
    timings: dict[tuple, list[Timing]] = {}
    # (kind, due, channel, dm user) -> (line, member) pairs, grouped once per bucket at the end.
    buckets: dict[tuple[str, datetime, int | None, int | None], list[tuple[LineKey, int]]] = {}
    for f in followers:
        same = (f.zone_key, f.quiet, f.country, f.release)
        pings = timings.get(same)
        if pings is None:
            pings = timings[same] = _timings(film, f, default_zone, now, heads_up)
        target = (None, f.user_id) if f.dm else (channel_id, None)
        for kind, due, line in pings:
            entries = buckets.get((kind, due, *target))
            if entries is None:
                entries = buckets[(kind, due, *target)] = []
            entries.append((line, f.user_id))
    planned = [
        Planned(kind, due, channel, user, group(entries))
        for (kind, due, channel, user), entries in buckets.items()
    ]
    return sorted(planned, key=lambda p: (p.due, p.kind, p.channel_id or 0, p.user_id or 0))


def release_fingerprint(film: Film) -> str:
    """A short digest of a film's releases: a plan made from other releases is stale."""
    # A release's kind only joins the facts when it is not the default, so plans made before
    # releases had kinds (curated films: all digital) are not all stale at once.
    facts = [
        (
            r.platform,
            r.regions,
            r.model,
            r.date,
            r.time,
            r.zone,
            *(() if r.kind == "digital" else (r.kind,)),
        )
        for r in film.releases
    ]
    return hashlib.sha1(repr(facts).encode()).hexdigest()[:12]


def to_data(p: Planned, rev: str = "") -> dict:
    """A JSON-able form for the outbox row (``rev``: the releases it was planned from)."""
    return {
        "rev": rev,
        "lines": [
            [ln.zone_key, ln.at.isoformat(), list(ln.user_ids), ln.delayed, ln.assumed_zone]
            for ln in p.lines
        ],
        "channel": p.channel_id,
        "user": p.user_id,
    }


def from_data(data: dict) -> tuple[int | None, int | None, tuple[ZoneGroup, ...]]:
    """(channel, DM user, lines) of an outbox row written by :func:`to_data`."""
    lines = tuple(
        ZoneGroup(zone, datetime.fromisoformat(out), tuple(ids), delayed, assumed)
        for zone, out, ids, delayed, assumed in data["lines"]
    )
    return data.get("channel"), data.get("user"), lines
