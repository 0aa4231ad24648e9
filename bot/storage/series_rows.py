"""The series columns a party row is read with (no import of the party repository, which
uses them, so both can import this)."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain import recurrence
from bot.domain.recurrence import Rule, SeriesMark
from bot.storage.db import Row

#: The series columns PartyRepo's reads join onto each party row (read by :func:`mark_of`).
PARTY_JOIN = (
    "s.repeat AS series_repeat, s.anchor AS series_anchor, s.zone AS series_zone, "
    "s.until_day AS series_until, s.times AS series_times "
    "FROM parties p LEFT JOIN series s ON s.id = p.series_id"
)


def read_rule(repeat: str, anchor: str, zone: str, until: str | None, times: int | None) -> Rule:
    """A rule as stored."""
    return Rule(
        repeat,
        datetime.fromisoformat(anchor),
        zone,
        date.fromisoformat(until) if until else None,
        times,
    )


def series_mark(row: Row) -> SeriesMark | None:
    """The series part of a party row read through :data:`PARTY_JOIN` (None: a one-off)."""
    if row["series_id"] is None:
        return None
    flags, skipped = recurrence.read_flags(row["series_flags"] or "")
    rule = read_rule(
        row["series_repeat"],
        row["series_anchor"],
        row["series_zone"],
        row["series_until"],
        row["series_times"],
    )
    return SeriesMark(
        row["series_id"], rule, datetime.fromisoformat(row["series_wall"]), flags, skipped
    )
