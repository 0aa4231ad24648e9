"""Recurring watch parties in words: the rule, what an occurrence's card notes."""

from __future__ import annotations

from datetime import datetime

from bot.domain import recurrence, zones
from bot.domain.clock_text import WEEKDAYS, clock, day_month
from bot.domain.recurrence import MONTHLY_DAY, Rule, SeriesMark
from bot.domain.seats import ROLE_PING
from bot.render import clip

_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

EVENTS_FULL_NOTICE = (
    f"\n-# This server has {recurrence.MAX_EVENTS} Discord events (the most it can have), "
    "so this party got none."
)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def rule_line(rule: Rule) -> str:
    """'every Friday 8:00 PM (New York)', 'on the last Friday of each month 8:00 PM (…)'."""
    weekday = WEEKDAYS[rule.anchor.weekday()]
    at = f"{clock(rule.anchor)} ({zones.zone_label(rule.zone_key)})"
    if rule.repeat == recurrence.WEEKLY:
        text = f"every {weekday} {at}"
    elif rule.repeat == recurrence.FORTNIGHTLY:
        text = f"every other {weekday} {at}"
    elif rule.repeat == MONTHLY_DAY:
        text = f"on the {_ordinal(rule.anchor.day)} of each month {at}"
        if rule.anchor.day > 28:
            text += " (or the month's last day)"
    else:
        text = f"on the {_NTH[rule.nth]} {weekday} of each month {at}"
    if rule.until is not None:
        text += f", until {day_month(rule.until, year=True)}"
    return text


def card_value(mark: SeriesMark) -> str:
    """The card's "Repeats" field: the rule, the series' number and what to know about this date."""
    rule = rule_line(mark.rule)
    lines = [f"{rule[:1].upper()}{rule[1:]} · series #{mark.series_id}"]
    if recurrence.MOVED in mark.flags:
        lines.append(
            f"The clocks jump forward at {clock(mark.wall)} on {day_month(mark.wall.date())}, "
            "so this one starts at the end of the jump."
        )
    if recurrence.TWICE in mark.flags:
        lines.append(f"{clock(mark.wall)} happens twice that night: it's the first one.")
    if mark.skipped:
        lines.append(f"{mark.skipped} date(s) passed while I was offline, so this is the next.")
    if recurrence.NO_EVENT in mark.flags:
        lines.append(f"No Discord event: the server has {recurrence.MAX_EVENTS} already.")
    return "\n".join(lines)


def listing_extra(mark: SeriesMark) -> str:
    """After a series' line in `/watchparty list`."""
    return f" · {rule_line(mark.rule)} (series #{mark.series_id})"


def series_cancelled(series_id: int) -> str:
    return f"Cancelled series #{series_id}: no more parties in it will be announced."


def occurrence_cancelled(party_id: int, series_id: int) -> str:
    return (
        f"Cancelled watch party #{party_id}. Series #{series_id} goes on: I'm announcing its "
        "next party now."
    )


def series_needed(party_id: int) -> str:
    return f"Watch party #{party_id} isn't part of a series, so `scope` can only be this party."


def repeat_needed() -> str:
    return "`until`, `times` and `announce` only work with `repeat`. Pick how it repeats."


def before_previous(party_id: int, wall: datetime) -> str:
    return (
        f"That's not after the series' previous party (#{party_id}, "
        f"{day_month(wall.date())} {clock(wall)}). Pick a later time, or change only this "
        "party (`scope: This party only`)."
    )


def roll_over_failed(series_id: int, channel_id: int, party_id: int | None, reason: str) -> str:
    """The host's DM when a series' next party couldn't be announced."""
    move = (
        f"`/watchparty edit id:{party_id} channel: scope:This and every later party`"
        if party_id is not None
        else "`/watchparty edit` with `scope` on its next party"
    )
    return (
        f"I couldn't announce the next party of your series #{series_id} in <#{channel_id}> "
        f"({clip(reason, 200)}), and later ones won't get a card there either. Check my "
        f"permissions there, or move the series with {move}."
    )


def later_removed(what: str) -> str:
    """Told to the editor who removed a role ping or seat limit from a whole series."""
    if what == ROLE_PING:
        return "Later parties of the series ping no role either."
    return "Later parties of the series have no seat limit either."
