"""Who hears what: replies about reminder choices and lead times, and change notices."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.domain import clock_text, zones
from bot.domain.hearing import DEFAULT, Change, ReminderState
from bot.domain.parties import Party
from bot.domain.pings import ZoneGroup
from bot.domain.usertext import plain
from bot.domain.when import format_duration
from bot.render import clip, clock_label, sent_late, split_mentions


def _leads(leads: tuple[timedelta, ...]) -> str:
    return ", ".join(format_duration(lead) for lead in leads)


def _shown(title: str) -> str:
    return plain(clip(title, 200))


def reminders_state(state: ReminderState) -> str:
    """The answer to the 🔔 button or `/watchparty reminders`: the member's new state, and why
    no reminder will come when none will."""
    party_id = state.party_id
    if not state.on:
        also = ", and pinged when it starts" if state.going else ""
        return (
            f"🔕 Reminders off for watch party #{party_id}. You'll still hear if it moves or is "
            f"cancelled{also}. Turn them back on with the 🔔 button."
        )
    if state.leads:
        return (
            f"🔔 Reminders on for watch party #{party_id}: {_leads(state.leads)} before it starts."
        )
    if state.own and not state.every:
        return (
            f"🔔 Reminders on for watch party #{party_id}, but you chose no lead times, so none "
            f"will come. `/watchparty remind-me leads:{DEFAULT}` follows each party's own."
        )
    if not state.every:
        return (
            f"🔔 Reminders on for watch party #{party_id}, but it has no reminders. "
            "`/watchparty remind-me` sets lead times of your own for every party."
        )
    whose = "your lead times" if state.own else "its reminder times"
    return (
        f"🔔 Reminders on for watch party #{party_id}, but it starts too soon: {whose} "
        f"({_leads(state.every)}) have all passed."
    )


def own_leads_set(leads: tuple[timedelta, ...] | None) -> str:
    """The answer to `/watchparty remind-me`."""
    if leads is None:
        return "Your watch-party reminders follow each party's own lead times again."
    back = f"`/watchparty remind-me leads:{DEFAULT}` follows each party's own again."
    if not leads:
        return (
            "You'll get no watch-party reminders (start pings and change notices still come). "
            + back
        )
    return f"Your watch-party reminders are now {_leads(leads)} before each party. " + back


def change_header(party: Party, title: str, old_title: str, change: Change) -> str:
    """The first line of a change notice: what happened to the party."""
    film, old = _shown(title), _shown(old_title)
    if change.cancelled:
        return f"❌ The **{film}** watch party (#{party.id}) is cancelled."
    if title != old_title and party.starts_at != change.was:
        return (
            f"🎬 Watch party #{party.id} now shows **{film}** instead of **{old}**, at a new time."
        )
    if title != old_title:
        return f"🎬 Watch party #{party.id} now shows **{film}** instead of **{old}**."
    return f"🕒 The **{film}** watch party (#{party.id}) has a new time."


def change_label(group: ZoneGroup, change: Change) -> str:
    """One line of a change notice, in the group's clock: 'Was 8:30 PM Friday, now 9:30 PM
    Friday your time (Asia/Seoul)', both with their dates when the day differs ('Was 8:00 PM
    Friday 23 May, now 8:00 PM Friday 30 May …', and years when the year does); 'Still …'
    when only the film changed; 'It would have been …' for a cancellation (the group reads
    the old start then)."""
    if change.cancelled:
        return f"It would have been {clock_label(group)}"
    if group.at == change.was:
        return f"Still {clock_label(group)}"
    tz = zones.zone_from_key(group.zone_key) if group.zone_key else UTC
    was, now = clock_text.in_zone(change.was, tz), clock_text.in_zone(group.at, tz)
    dated, year = was.date() != now.date(), was.year != now.year
    before = clock_text.format_clock(change.was, tz, dated=dated, year=year)
    return f"Was {before}, now {clock_label(group, dated=dated, year=year)}"


def change_pings(
    header: str, groups: tuple[ZoneGroup, ...], change: Change, late: bool
) -> list[tuple[str, tuple[int, ...]]]:
    """A change notice in the channel: the header, then a line of mentions per clock; nothing
    when it would mention no one (members who chose DMs are told there)."""
    lines = [(change_label(g, change), g.user_ids) for g in groups if g.user_ids]
    return split_mentions(sent_late(header, late), lines) if lines else []


def change_dm(header: str, line: ZoneGroup, change: Change, channel_id: int, late: bool) -> str:
    """One member's change notice by DM."""
    return sent_late(f"{header}\n{change_label(line, change)}. <#{channel_id}>", late)
