"""Parse what people type ("fri 8pm", "tomorrow 21:00 KST", "in 2 hours") into UTC instants.

Our own small layer handles the words dateutil gets wrong or reads in the host's zone: zone
names (via :mod:`bot.domain.zones`), today/tonight/tomorrow, weekdays, next/this, noon/midnight
and "in N units". What is left must be a plain date and/or time, which dateutil reads without
``fuzzy`` (so no word is silently dropped) and without ``tzinfos`` (so no abbreviation is resolved
through the host). Nothing here reads the real clock or the host's time zone.

Rules where people disagree (also in the notes shown to the user):
- a bare time that has passed today means tomorrow;
- a weekday means its next occurrence, today included while the time is still ahead;
  "next fri" is the Friday a week after that one ("this fri" is the same as "fri");
- a date without a year means its next occurrence (this year, or next year once it has passed);
- numeric dates: ISO (2025-05-30) always; 30/05/2025 and 05/30/2025 are read the only way
  they make sense; 05/06/2025, which could be either, is refused with a way to write it;
  dotted pairs like 20.30 are times, dotted dates need a year (30.05.2025);
- a lone number ("at 9") is an hour on the 24-hour clock, except "tonight 9" (21:00);
- "midnight" with a day means the end of that day ("fri midnight" = 00:00 Saturday).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.parser import ParserError, parser, parserinfo

from bot.domain import clock_text, zones
from bot.errors import BadOption, BadTime, TimeInPast

__all__ = [
    "ParsedWhen",
    "format_duration",
    "in_quiet_window",
    "parse_duration",
    "parse_quiet_window",
    "parse_reminders",
    "parse_when",
]

MIN_REMINDER = timedelta(minutes=1)
MAX_REMINDER = timedelta(days=30)
MAX_REMINDERS = 5
_MAX_DURATION = timedelta(days=1000)

_DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1}


@dataclass(frozen=True)
class ParsedWhen:
    """An instant the user meant: ``instant`` in UTC, ``local`` in the zone that was used."""

    instant: datetime
    local: datetime
    zone_key: str
    notes: tuple[str, ...] = ()


class _Info(parserinfo):
    """dateutil vocabulary minus what we handle ourselves (weekdays, zone names)."""

    JUMP = [*parserinfo.JUMP, "the"]
    WEEKDAYS: list[tuple[str, str]] = []
    UTCZONE: list[str] = []

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        # dateutil's own rule looks at the host's local clock; two digits mean 20xx here.
        return year + 2000 if year < 100 and not century_specified else year


_PARSER = parser(_Info())
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")


def _clean(text: str) -> str:
    """NFKC, unicode minus/dashes to '-', single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return " ".join(text.split())


# --- parse_when ------------------------------------------------------------------------------


def parse_when(
    text: str,
    *,
    tz: tzinfo | None,
    tz_key: str | None,
    now: datetime,
    max_ahead: timedelta = timedelta(days=366),
) -> ParsedWhen:
    """Turn what a user typed into an aware UTC instant, in ``tz`` unless the text names a zone.

    Raises BadTime (unreadable, DST gap, too far ahead), TimeInPast, UnknownZone (an unusable
    zone in the text) or BadOption (no zone known for an absolute time).
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    cleaned = _clean(text)
    if not cleaned:
        raise BadTime("Tell me when, like `fri 8pm`, `tomorrow 21:00` or `in 2 hours`.")
    rest, match = _split_zone(cleaned)
    notes: list[str] = []
    if match is not None:
        zone, key = match.tz, match.key
        current = tz_key or (zones.zone_key(tz) if tz is not None else None)
        if current is not None and current != key:
            notes.append(f"Using {zones.zone_label(key)} from your message.")
        if match.note:
            notes.append(match.note)
    elif tz is not None:
        zone, key = tz, tz_key or zones.zone_key(tz)
    else:
        zone, key = None, None

    relative = re.fullmatch(r"in\s+(.+)", rest.lower())
    if relative:
        amount = _relative_duration(relative.group(1))
        use_zone, use_key = (zone, key) if zone is not None and key else (UTC, "UTC")
        instant = now.astimezone(UTC) + amount
        return _checked(instant, instant.astimezone(use_zone), use_key, notes, now, max_ahead)

    if zone is None or key is None:
        raise BadOption(
            "I don't know your time zone yet. Set it with `/timezone set` (e.g. `Seoul`), "
            "or add a zone to the time, like `fri 8pm KST`."
        )
    local = _absolute(rest, zone, now, notes)
    return _checked(local.instant_utc, local.local, key, notes, now, max_ahead)


def _relative_duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except BadOption:
        raise BadTime(
            f"I couldn't read 'in {text}'. Try `in 2 hours`, `in 90 minutes` or `in 1h30m`."
        ) from None


def _checked(
    instant: datetime,
    local: datetime,
    key: str,
    notes: list[str],
    now: datetime,
    max_ahead: timedelta,
) -> ParsedWhen:
    zone = local.tzinfo or UTC
    shown = f"{clock_text.format_local(instant, zone)} ({zones.zone_label(key)})"
    if instant <= now:
        raise TimeInPast(f"{shown} has already passed. Pick a time in the future.")
    if instant - now > max_ahead:
        raise BadTime(
            f"{shown} is too far ahead: I can schedule up to {format_duration(max_ahead)} ahead."
        )
    return ParsedWhen(instant.astimezone(UTC), local, key, tuple(notes))


_ISO_OFFSET = re.compile(r"(.*\d{1,2}:\d{2}(?::\d{2})?)\s*(z|[+-]\d{2}(?::?\d{2})?)", re.I)


def _split_zone(text: str) -> tuple[str, zones.ZoneMatch | None]:
    """Take a zone off the end of the text: "9pm KST", "21:00 Asia/Seoul", "8pm in Seoul"."""
    tokens = text.split()
    for size in range(min(5, len(tokens) - 1), 0, -1):
        match = zones.find_zone(" ".join(tokens[-size:]).strip("()"))
        if match is not None:
            rest = tokens[:-size]
            if len(rest) > 1 and rest[-1].lower() == "in":
                rest = rest[:-1]
            return " ".join(rest), match
    if len(tokens) > 1 and re.fullmatch(r"[A-Za-z_]+/[A-Za-z_/+-]+", tokens[-1]):
        zones.resolve_zone(tokens[-1])  # an IANA-looking name we don't know: say so, with hints
    iso = _ISO_OFFSET.fullmatch(text)
    if iso:
        suffix = iso.group(2)
        match = zones.find_zone("UTC" if suffix.lower() == "z" else f"UTC{suffix}")
        if match is not None:
            return iso.group(1), match
    return text, None


@dataclass
class _Words:
    """What our own layer took out of the text before dateutil sees it."""

    day_offset: int | None = None  # today/tonight 0, tomorrow 1
    day_word: str | None = None
    weekday: int | None = None
    next_week: bool = False
    special: str | None = None  # "noon" / "midnight"
    rest: str = ""


def _take_words(text: str) -> _Words:
    words = _Words()
    kept: list[str] = []
    tokens = text.lower().replace("@", " at ").split()
    i = 0
    while i < len(tokens):
        word = tokens[i].strip(",.;")
        following = tokens[i + 1].strip(",.;") if i + 1 < len(tokens) else ""
        if word in ("next", "this") and following in clock_text.WEEKDAY_WORDS:
            _set_weekday(words, clock_text.WEEKDAY_WORDS[following])
            words.next_week = word == "next"
            i += 2
            continue
        if word in clock_text.WEEKDAY_WORDS:
            _set_weekday(words, clock_text.WEEKDAY_WORDS[word])
        elif word in _DAY_WORDS:
            if words.day_word is not None:
                raise BadTime("Give me one day, like `tomorrow 8pm` or `fri 8pm`.")
            words.day_word = "tonight" if word == "tonight" else word
            words.day_offset = _DAY_WORDS[word]
        elif word in ("noon", "midday", "midnight"):
            if words.special is not None:
                raise BadTime("Give me one time, like `noon` or `8pm`.")
            words.special = "midnight" if word == "midnight" else "noon"
        else:
            kept.append(tokens[i])
        i += 1
    words.rest = " ".join(kept)
    return words


def _set_weekday(words: _Words, weekday: int) -> None:
    if words.weekday is not None:
        raise BadTime("Give me one day, like `fri 8pm`.")
    words.weekday = weekday


@dataclass(frozen=True)
class _Fields:
    """The parts dateutil found; None where the text didn't say."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None


_NUMERIC_DATE = re.compile(
    r"(?<![\d/.:-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/.:-])"
)
_DOTTED_TIME = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{2})(?![\d.:])")
_AMPM = re.compile(r"\d\s*[ap]\.?(?:m\.?)?(?![a-z])")
_ONLY_JUMPS = re.compile(r"(?:\s|,|at|on|the)*")


def _rewrite_numeric_dates(text: str) -> str:
    """Rewrite d/m/y forms as '30 may 2025' so dateutil never guesses day-first or month-first."""

    def rewrite(m: re.Match[str]) -> str:
        a, sep, b, year = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        if sep == "." and year is None:
            return m.group(0)  # "20.30" is a time, handled below
        if a > 12 >= b >= 1:
            day, month = a, b
        elif b > 12 >= a >= 1:
            day, month = b, a
        elif a == b and 1 <= a <= 12:
            day = month = a
        elif 1 <= a <= 12 and 1 <= b <= 12:
            example = f"{a} {clock_text.MONTHS[b - 1][:3]}"
            raise BadTime(
                f"I can't tell whether '{m.group(0)}' is {a} {clock_text.MONTHS[b - 1]} or "
                f"{clock_text.MONTHS[a - 1]} {b}. Write it as `YYYY-MM-DD` or with the month's name, "
                f"like `{example}`."
            )
        else:
            raise BadTime(f"'{m.group(0)}' isn't a date I can read. Try `30 May` or `2025-05-30`.")
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        if day > calendar.monthrange(full_year or 2000, month)[1]:
            raise BadTime(f"'{m.group(0)}' isn't a real date.")
        full = "" if full_year is None else f" {full_year}"
        return f" {day} {clock_text.MONTHS[month - 1].lower()}{full} "

    return _NUMERIC_DATE.sub(rewrite, text)


def _rewrite_dotted_times(text: str) -> str:
    def rewrite(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise BadTime(
                f"I couldn't read '{m.group(0)}'. Write times like `20:30` and dates like "
                "`30 May` or `2025-05-30`."
            )
        return f"{hour}:{minute:02d}"

    return _DOTTED_TIME.sub(rewrite, text)


def _read_fields(text: str, original: str, today: date) -> _Fields:
    """Read a plain date/time with dateutil, learning which fields the text actually gave.

    Parsing twice with two defaults that differ in every field tells given from filled-in
    fields without reaching into dateutil's private result object.
    """
    if _ONLY_JUMPS.fullmatch(text):
        return _Fields()
    first_default = datetime.combine(today, time())
    other_default = datetime(
        2000 if today.year != 2000 else 2004,
        1 if today.month != 1 else 2,
        1 if today.day != 1 else 2,
        13,
        37,
        59,
    )
    other = _dateutil(text, other_default)
    if other is None:
        raise BadTime(_unreadable(text, original, today))
    first = _dateutil(text, first_default)
    if first is None:
        # "29 feb" without a year only fails because the default year isn't a leap year.
        leap = next(y for y in range(today.year + 1, today.year + 9) if calendar.isleap(y))
        first = _dateutil(text, first_default.replace(year=leap))
    if first is None:
        raise BadTime(f"That date doesn't exist in {today.year}. Check the day and month.")
    names = ("year", "month", "day", "hour", "minute", "second")
    given = {n: getattr(first, n) for n in names if getattr(first, n) == getattr(other, n)}
    return _Fields(**given)


def _dateutil(text: str, default: datetime) -> datetime | None:
    try:
        result = _PARSER.parse(text, default=default)
    except (ParserError, ValueError, OverflowError):
        return None
    # An offset or zone dateutil recognised by itself would bypass our zone handling.
    return result if isinstance(result, datetime) and result.tzinfo is None else None


def _unreadable(text: str, original: str, today: date) -> str:
    try:
        _, skipped = _PARSER.parse(text, default=datetime(2000, 1, 1), fuzzy_with_tokens=True)
        bad = " ".join(t.strip(" ,") for t in skipped if t.strip(" ,")) or text
    except (ParserError, ValueError, OverflowError):
        bad = text
    found = re.search(re.escape(bad.strip()), original, re.IGNORECASE)
    bad = found.group(0) if found else bad  # show it as the user typed it
    example = (today + timedelta(days=1)).isoformat()
    return (
        f"I couldn't read '{bad.strip()[:60]}' as a time. "
        f"Try `{example} 21:00`, `fri 8pm` or `in 2 hours`."
    )


def _absolute(text: str, zone: tzinfo, now: datetime, notes: list[str]) -> zones.Localized:
    """Resolve day words, weekdays and a dateutil date/time into a localized wall time."""
    local_now = now.astimezone(zone)
    wall_now = local_now.replace(tzinfo=None)
    today = wall_now.date()
    words = _take_words(text)
    rest = _rewrite_dotted_times(_rewrite_numeric_dates(words.rest)).strip()
    lone = re.fullmatch(r"(?:at\s+)?(\d{1,2})", rest)
    lone_hour = int(lone.group(1)) if lone and int(lone.group(1)) <= 23 else None
    fields = (
        _Fields(hour=lone_hour, minute=0)
        if lone_hour is not None
        else _read_fields(rest, text, today)
    )
    has_ampm = bool(_AMPM.search(rest))

    # The clock time.
    if words.special is not None and fields.hour is not None:
        raise BadTime(f"Give me one time: `{words.special}` or a clock time, not both.")
    end_of_day = words.special == "midnight"
    if words.special == "noon":
        clock = time(12, 0)
    elif end_of_day:
        clock = time(0, 0)
    elif fields.hour is None:
        raise BadTime("Add a time, like `8pm` or `20:30`.")
    else:
        hour = fields.hour
        if words.day_word == "tonight" and not has_ampm and 1 <= hour <= 12:
            # "tonight 9" is the evening; "tonight 12" is midnight.
            if hour == 12:
                hour, end_of_day = 0, True
            else:
                hour += 12
        elif lone_hour is not None and 1 <= lone_hour <= 11:
            notes.append(
                f"I read '{lone_hour}' as {lone_hour}:00 on the 24-hour clock. "
                f"Write `{lone_hour}pm` for the evening."
            )
        clock = time(hour, fields.minute or 0, fields.second or 0)

    # The day.
    has_date = fields.month is not None and fields.day is not None
    if not has_date and (fields.month is not None or fields.day is not None):
        missing = "the day" if fields.day is None else "the month"
        raise BadTime(f"Add {missing}, like `30 May 9pm`.")
    if fields.year is not None and not has_date:
        raise BadTime("Add the day and month, like `30 May 2027 9pm`.")
    day_given = has_date or words.day_word is not None or words.weekday is not None
    shift = timedelta(days=1) if end_of_day else timedelta(0)

    if has_date:
        assert fields.month is not None and fields.day is not None
        day = _dated(fields, today, clock, shift, wall_now, notes)
        if words.day_word is not None and day != today + timedelta(days=words.day_offset or 0):
            raise BadTime(f"Use either a date or '{words.day_word}', not both.")
    elif words.day_word is not None:
        day = today + timedelta(days=words.day_offset or 0)
        if words.day_word == "tonight" and not end_of_day and clock.hour < 5:
            day += timedelta(days=1)
            notes.append(f"I read that as early {clock_text.format_day(day)}, after midnight.")
    elif words.weekday is not None:
        day = _weekday(words, today, clock, shift, wall_now, notes)
    else:
        day = today
        if datetime.combine(day, clock) + shift <= wall_now:
            day += timedelta(days=1)
            notes.append(
                f"{clock_text.clock(clock)} has passed today, so I used tomorrow, "
                f"{clock_text.format_day(day)}."
            )
    if words.weekday is not None and day.weekday() != words.weekday:
        raise BadTime(
            f"{clock_text.format_day(day, year=True)} is a {clock_text.WEEKDAYS[day.weekday()]}, "
            f"not a {clock_text.WEEKDAYS[words.weekday]}."
        )
    if end_of_day and day_given:
        after = day + timedelta(days=1)
        notes.append(
            f"I read midnight as the end of {clock_text.format_day(day)} "
            f"({clock_text.clock_day(datetime.combine(after, time()))})."
        )
    localized = zones.localize(datetime.combine(day, clock) + shift, zone)
    if localized.note:
        notes.append(localized.note)
    return localized


def _dated(
    fields: _Fields,
    today: date,
    clock: time,
    shift: timedelta,
    wall_now: datetime,
    notes: list[str],
) -> date:
    """A day and month, with the year given or the next one where that date is still ahead."""
    assert fields.month is not None and fields.day is not None
    if fields.year is not None:
        return _make_date(fields.year, fields.month, fields.day)
    day = _real_date(today.year, fields.month, fields.day)
    if day is not None and day >= today:
        return day
    later = None
    for year in range(today.year + 1, today.year + 9):
        later = _real_date(year, fields.month, fields.day)
        if later is not None:
            break
    if later is None:
        raise BadTime(f"{fields.day} {clock_text.MONTHS[fields.month - 1]} isn't a real date.")
    why = "has passed this year" if day is not None else f"isn't in {today.year}"
    notes.append(
        f"{fields.day} {clock_text.MONTHS[fields.month - 1]} {why}, "
        f"so I used {clock_text.format_day(later, year=True)}."
    )
    return later


def _real_date(year: int, month: int, day: int) -> date | None:
    """The date, or None where the calendar has no such day (30 February)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _make_date(year: int, month: int, day: int) -> date:
    found = _real_date(year, month, day)
    if found is not None:
        return found
    raise BadTime(f"{day} {clock_text.MONTHS[month - 1]} {year} isn't a real date.")


def _weekday(
    words: _Words,
    today: date,
    clock: time,
    shift: timedelta,
    wall_now: datetime,
    notes: list[str],
) -> date:
    """The next such weekday (today while the time is ahead); "next" adds a week."""
    assert words.weekday is not None
    name = clock_text.WEEKDAYS[words.weekday]
    day = today + timedelta(days=(words.weekday - today.weekday()) % 7)
    if datetime.combine(day, clock) + shift <= wall_now:
        day += timedelta(days=7)
        if not words.next_week:
            notes.append(
                f"{clock_text.clock(clock)} has passed today, so I used {clock_text.format_day(day)}, "
                "a week from today."
            )
    if words.next_week:
        coming = day
        day += timedelta(days=7)
        notes.append(
            f"'next {name}' is {clock_text.format_day(day)}, a week after the coming {name} "
            f"({clock_text.day_month(coming)}). For that one, write `{name[:3].lower()}`."
        )
    return day


# --- durations and reminders -----------------------------------------------------------------

_UNITS = {
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "d": "days", "day": "days", "days": "days",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "minutes": "minutes",
}  # fmt: skip
_UNIT_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:,|and\b)?")


def parse_duration(text: str) -> timedelta:
    """'1h', '90m', '1d', '1h30m', '1h30', '2 hours', '10 min', 'an hour' -> timedelta."""
    raw = _clean(text)
    lowered = raw.lower()
    lowered = re.sub(r"\bhalf an hour\b", "30 minutes", lowered)
    lowered = re.sub(r"\ban?\s+(?=[a-z])", "1 ", lowered)
    if not lowered:
        raise BadOption("Give me a duration, like `1h`, `90m` or `1h30m`.")
    if re.fullmatch(r"\d+(?:\.\d+)?", lowered):
        raise BadOption(f"Add a unit to '{raw}', like `{raw}m` or `{raw}h`.")
    seconds = 0.0
    seen: set[str] = set()
    position = 0
    last_unit = None
    while position < len(lowered):
        part = _DURATION_PART.match(lowered, position)
        if part is None or part.group(2) not in _UNITS:
            trailing = re.fullmatch(r"\s*(\d{1,2})\s*", lowered[position:])
            if trailing and last_unit == "hours" and "minutes" not in seen:
                seconds += int(trailing.group(1)) * 60  # "1h30"
                break
            raise BadOption(
                f"I couldn't read '{raw[:40]}' as a duration. Try `1h`, `90m` or `1h30m`."
            )
        unit = _UNITS[part.group(2)]
        if unit in seen:
            raise BadOption(f"'{raw[:40]}' gives the {unit} twice.")
        seen.add(unit)
        last_unit = unit
        seconds += float(part.group(1)) * _UNIT_SECONDS[unit]
        position = part.end()
    if seconds <= 0:
        raise BadOption("A duration needs to be longer than zero, like `10m`.")
    if seconds > _MAX_DURATION.total_seconds():
        raise BadOption(f"'{raw[:40]}' is too long.")
    return timedelta(seconds=round(seconds))


def parse_reminders(text: str) -> tuple[timedelta, ...]:
    """'1d,1h,10m' -> (1 day, 1 hour, 10 minutes): sorted longest first, duplicates merged.

    Commas and spaces separate reminders ('1d 1h' is two; write '1h30m' for one).
    An empty text or an "off" word (:data:`OFF_WORDS`) means no reminders.
    """
    cleaned = _clean(text).lower()
    if not cleaned or is_off(cleaned):
        return ()
    cleaned = re.sub(r"\bhalf an hour\b", "30m", cleaned)
    cleaned = re.sub(r"\ban?\s+(?=[a-z])", "1", cleaned)
    cleaned = re.sub(r"(\d)\s+(?=[a-z])", r"\1", cleaned)  # "2 hours" stays one entry
    found: set[timedelta] = set()
    for piece in re.split(r"[,;\s]+|\band\b", cleaned):
        if not piece.strip():
            continue
        amount = parse_duration(piece)
        if not MIN_REMINDER <= amount <= MAX_REMINDER:
            raise BadOption(
                f"Reminders go from 1 minute to 30 days before; '{piece.strip()}' doesn't fit."
            )
        found.add(amount)
    if not found:
        raise BadOption("Give reminders like `1d,1h,10m`.")
    if len(found) > MAX_REMINDERS:
        raise BadOption(f"That's {len(found)} reminders; at most {MAX_REMINDERS}, please.")
    return tuple(sorted(found, reverse=True))


def format_duration(amount: timedelta) -> str:
    """'1h 30m', '1 day', '2 days 3h', '45m' (rounded to the minute)."""
    minutes = round(amount.total_seconds() / 60)
    if minutes < 0:
        return "-" + format_duration(-amount)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours}h")
    if minutes or not parts:
        parts.append(f"{minutes}m")
    return " ".join(parts)


# --- quiet hours -----------------------------------------------------------------------------

_CLOCK = re.compile(r"(\d{1,2})(?::?(\d{2}))?\s*(?:([ap])\.?m?\.?)?")
_RANGE_SPLIT = re.compile(r"\s*(?:-|to|until|till)\s*")
_QUIET_HINT = "Write quiet hours like `23:00-08:00` or `11pm-8am`."


def _read_clock(text: str) -> time:
    word = text.strip().lower()
    if word in ("midnight",):
        return time(0, 0)
    if word in ("noon", "midday"):
        return time(12, 0)
    m = _CLOCK.fullmatch(word)
    if m is None:
        raise BadOption(f"I couldn't read '{text.strip()[:20]}' as a time. {_QUIET_HINT}")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half is not None:
        if not 1 <= hour <= 12:
            raise BadOption(f"'{text.strip()}' isn't a 12-hour time. {_QUIET_HINT}")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif hour == 24 and minute == 0:
        hour = 0
    if hour > 23 or minute > 59:
        raise BadOption(f"'{text.strip()}' isn't a time of day. {_QUIET_HINT}")
    return time(hour, minute)


def parse_quiet_window(text: str) -> tuple[time, time]:
    """'23:00-08:00' or '11pm to 8am' -> (start, end); the window may wrap past midnight."""
    parts = _RANGE_SPLIT.split(_clean(text).lower())
    if len(parts) != 2 or not all(parts):
        raise BadOption(_QUIET_HINT)
    start, end = _read_clock(parts[0]), _read_clock(parts[1])
    if start == end:
        raise BadOption(f"Quiet hours need a different start and end. {_QUIET_HINT}")
    return start, end


def in_quiet_window(local: datetime, window: tuple[time, time]) -> datetime | None:
    """When the window ends (aware, in ``local``'s zone) if ``local`` is inside it, else None."""
    if local.tzinfo is None:
        raise ValueError("local must be aware")
    start, end = window
    now = local.time()
    if start < end:
        inside, end_day = start <= now < end, local.date()
    else:
        inside = now >= start or now < end
        end_day = local.date() + timedelta(days=1 if now >= start else 0)
    if not inside:
        return None
    return zones.localize(datetime.combine(end_day, end), local.tzinfo, shift_gap=True).local


# --- "off" -----------------------------------------------------------------------------------

#: The word option descriptions name for "none" (quiet hours, a heads-up, reminders).
OFF = "off"
#: Every word accepted for it: the one list /timezone quiet, /premiere remind and reminders share.
OFF_WORDS = frozenset({OFF, "none", "no", "clear", "0"})


def is_off(text: str) -> bool:
    """Whether a member typed a word meaning "none" (``off``, ``none``, …) rather than a value."""
    return _clean(text).casefold() in OFF_WORDS
