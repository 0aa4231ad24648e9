"""Recurring watch parties: which local wall times a series falls on, pinned to instants.

Pure: no discord, no SQL. A series repeats the first occurrence's local wall time in its zone
(Friday 8:00 PM in New York stays 8:00 PM when the clocks change). A wall time a clock change
skips moves to the end of the gap (and says so); one it repeats takes the first instant
(:func:`bot.domain.zones.localize`, the one DST policy).

``times`` is turned into an ``until`` date when the series is made (the N-th date of the rule),
so a series edit that moves the weekday or time keeps the same last date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from dateutil import rrule

from bot.domain import zones
from bot.domain.clock_text import day_month
from bot.domain.usertext import plain
from bot.errors import BadOption, TimeInPast

WEEKLY, FORTNIGHTLY = "weekly", "fortnightly"
MONTHLY_WEEKDAY, MONTHLY_LAST, MONTHLY_DAY = "monthly_weekday", "monthly_last", "monthly_day"
REPEATS = (WEEKLY, FORTNIGHTLY, MONTHLY_WEEKDAY, MONTHLY_LAST, MONTHLY_DAY)
TIMES_MIN, TIMES_MAX = 2, 100
#: The last date of a series can be at most this far after its first.
UNTIL_MAX = timedelta(days=731)
#: Discord's limit on scheduled events a server can have at once.
MAX_EVENTS = 100
#: The outbox kind that makes a series' next occurrence (ref_id: the series).
ROLL_OVER = "series_next"
#: A delayed announcement comes at least this long before the next date's first reminder.
ANNOUNCE_AHEAD = timedelta(minutes=15)
#: Series states.
ACTIVE, ENDED, CANCELLED = "active", "ended", "cancelled"


@dataclass(frozen=True)
class Rule:
    """How a series repeats: ``anchor`` is the naive local wall time of a date on the rule."""

    repeat: str
    anchor: datetime
    zone_key: str
    until: date | None = None
    times: int | None = None  # as the host asked; ``until`` already holds its last date

    @property
    def nth(self) -> int:
        """For monthly-on-a-weekday: 1-4 (the first…fourth weekday), -1 the last."""
        if self.repeat == MONTHLY_LAST:
            return -1
        nth = (self.anchor.day - 1) // 7 + 1
        return -1 if nth == 5 else nth


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: its wall time on the rule, and the instant it starts."""

    wall: datetime  # naive, on the rule (before any DST shift)
    starts_at: datetime  # aware UTC
    moved: bool = False  # the wall time fell in a DST gap: starts at the end of the gap
    twice: bool = False  # the wall time happens twice: the first one


def is_last_weekday(day: date) -> bool:
    """Whether no later day of the month has the same weekday."""
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def _rrule(rule: Rule) -> rrule.rrule:
    until = datetime.combine(rule.until, time.max) if rule.until else None
    weekday = rrule.weekdays[rule.anchor.weekday()]
    start = rule.anchor
    if rule.repeat == WEEKLY:
        return rrule.rrule(rrule.WEEKLY, dtstart=start, until=until)
    if rule.repeat == FORTNIGHTLY:
        return rrule.rrule(rrule.WEEKLY, interval=2, dtstart=start, until=until)
    if rule.repeat in (MONTHLY_WEEKDAY, MONTHLY_LAST):
        return rrule.rrule(rrule.MONTHLY, byweekday=weekday(rule.nth), dtstart=start, until=until)
    # On a day of the month: a month without that day (the 31st in June) gets its last day.
    day = rule.anchor.day
    if day <= 28:
        return rrule.rrule(rrule.MONTHLY, bymonthday=day, dtstart=start, until=until)
    return rrule.rrule(
        rrule.MONTHLY, bymonthday=range(28, day + 1), bysetpos=-1, dtstart=start, until=until
    )


def make_rule(
    repeat: str,
    first: datetime,
    zone_key: str,
    *,
    until: date | None = None,
    times: int | None = None,
    today: date,
) -> Rule:
    """The rule of a new series whose first occurrence is the wall time ``first`` (naive, in
    ``zone_key``); refuses bad combinations with a message the host can act on."""
    if repeat not in REPEATS:
        raise BadOption("Pick how the party repeats from the list.")
    if until is not None and times is not None:
        raise BadOption("Give either `until` (a last date) or `times` (how many), not both.")
    if times is not None and not TIMES_MIN <= times <= TIMES_MAX:
        raise BadOption(f"`times` goes from {TIMES_MIN} to {TIMES_MAX}.")
    if repeat == MONTHLY_LAST and not is_last_weekday(first.date()):
        weekday = first.strftime("%A")
        raise BadOption(
            f"{day_month(first.date())} isn't the last {weekday} of its month. Pick the last "
            f"{weekday}, or repeat monthly on the same weekday."
        )
    if until is not None:
        if until < today:
            raise TimeInPast(f"`until` ({day_month(until, year=True)}) is in the past.")
        if until < first.date():
            raise BadOption(
                f"`until` ({day_month(until, year=True)}) is before the first party "
                f"({day_month(first.date(), year=True)})."
            )
    rule = Rule(repeat, first.replace(second=0, microsecond=0), zone_key, until, times)
    if times is not None:
        *_, last = _rrule(rule).xafter(rule.anchor, count=times, inc=True)
        rule = replace(rule, until=last.date())
    if rule.until is not None and rule.until - first.date() > UNTIL_MAX:
        raise BadOption("A series can run for at most two years; pick an earlier end.")
    return rule


def pin(rule: Rule, wall: datetime) -> Occurrence:
    """The instant a wall time of the series starts (a gap moves it, a fold takes the first)."""
    settled = zones.localize(wall, zones.zone_from_key(rule.zone_key), shift_gap=True)
    moved = settled.note is not None and settled.local.replace(tzinfo=None) != wall
    twice = settled.note is not None and not moved
    return Occurrence(wall, settled.instant_utc, moved, twice)


def first(rule: Rule) -> Occurrence:
    """The series' first occurrence (its anchor)."""
    return pin(rule, rule.anchor)


def next_after(rule: Rule, wall: datetime, now: datetime) -> tuple[Occurrence | None, int]:
    """The first occurrence after the wall time ``wall`` that starts after ``now``, and how
    many dates on the rule were skipped because they had started already (the bot was down).
    None: the series has no more dates."""
    dates = _rrule(rule)
    skipped = 0
    while True:
        found = dates.after(wall, inc=False)
        if found is None:
            return None, skipped
        occurrence = pin(rule, found)
        if occurrence.starts_at > now:
            return occurrence, skipped
        skipped += 1
        wall = found


def following(rule: Rule, wall: datetime) -> Occurrence | None:
    """The date on the rule after the wall time ``wall`` (None: the series has no more)."""
    found = _rrule(rule).after(wall, inc=False)
    return pin(rule, found) if found is not None else None


def announce_due(
    ends: datetime, announce: timedelta, next_start: datetime | None, lead: timedelta
) -> datetime:
    """When a series' next occurrence is announced: ``announce`` after the one before
    ``ends``, but no later than :data:`ANNOUNCE_AHEAD` before its largest reminder ``lead``
    before it starts at ``next_start`` (a long delay must not skip the date or its
    reminders), and never before
    the one before ends (one upcoming occurrence at a time)."""
    due = ends + announce
    if next_start is not None:
        due = min(due, next_start - lead - ANNOUNCE_AHEAD)
    return max(due, ends)


def moved_to(rule: Rule, was: datetime, wall: datetime) -> Rule:
    """The rule after a series edit moved the occurrence on the date ``was`` to the wall time
    ``wall``; the last date stays. Only the clock time changed: the rule keeps its day of the
    month or its nth weekday (a "31st" series edited on 28 February stays on the 31st).
    Another date: the rule is re-anchored on it."""
    wall = wall.replace(second=0, microsecond=0)
    if wall.date() == was.date():
        return replace(rule, anchor=datetime.combine(rule.anchor.date(), wall.time()))
    if rule.repeat == MONTHLY_LAST and not is_last_weekday(wall.date()):
        # Keep "the last <weekday>": the edit names the weekday and time.
        return replace(rule, repeat=MONTHLY_WEEKDAY, anchor=wall)
    return replace(rule, anchor=wall)


def parse_until(text: str) -> date:
    """'2026-06-30' -> a date (the series' last day, inclusive)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadOption(
            f"I couldn't read '{plain(text[:20])}' as a date. Write it like `2026-06-30`."
        ) from None


#: What an occurrence's card notes (stored with the occurrence).
MOVED, TWICE, NO_EVENT = "moved", "twice", "no_event"


@dataclass(frozen=True)
class SeriesMark:
    """What an occurrence knows of its series: which one, its rule, its date on the rule,
    what its card notes (:data:`MOVED`, :data:`TWICE`, :data:`NO_EVENT`) and how many dates
    were skipped before it (they had started while the bot was down)."""

    series_id: int
    rule: Rule
    wall: datetime
    flags: frozenset[str] = frozenset()
    skipped: int = 0


def flags_of(occurrence: Occurrence) -> frozenset[str]:
    """The card notes an occurrence starts with."""
    return frozenset(
        flag for flag, on in ((MOVED, occurrence.moved), (TWICE, occurrence.twice)) if on
    )


def flags_text(flags: frozenset[str], skipped: int) -> str:
    """Flags as stored: 'moved,no_event,skipped=2'."""
    return ",".join(sorted(flags) + ([f"skipped={skipped}"] if skipped else []))


def read_flags(text: str) -> tuple[frozenset[str], int]:
    """The flags and skipped count stored by :func:`flags_text`."""
    flags, skipped = set(), 0
    for piece in filter(None, text.split(",")):
        if piece.startswith("skipped="):
            skipped = int(piece.removeprefix("skipped="))
        else:
            flags.add(piece)
    return frozenset(flags), skipped
