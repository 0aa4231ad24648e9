"""Who hears what about a watch party: reminders, the start ping and change notices. Pure.

- Reminders go to Going members, unless they turned this party's reminders off (the 🔔 button
  or `/watchparty reminders`); Maybe members get them only if they turned them on.
- Each member hears reminders at their own lead times (`/watchparty remind-me`), else at the
  party's. The outbox holds one reminder row per (party, lead): a row for lead L pings the
  members whose leads include L, so the party's rows are the union of everyone's leads.
- The start ping goes to every Going member, whatever their reminder choice: turning reminders
  off mutes the run-up, not the moment the party begins (a member who wants no ping at all
  answers Maybe).
- Change notices (a new time, another film, a cancellation) go to everyone who answered Going
  or Maybe, reminders on or off, except the member who made the change: a choice about
  reminders is no reason to miss that the party moved. Members on the waitlist are told too:
  they answered Going and may get a seat yet. They get no reminders and no start ping until
  they are promoted (then they are Going).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.parties import GOING, MAYBE, REMINDER, Party, Planned
from bot.domain.seats import WAITING
from bot.domain.when import is_off, parse_reminders
from bot.errors import BadOption

#: The outbox kind of a change notice: due at once; changes made before it is sent share it.
CHANGED = "party_changed"

#: Typed to `/watchparty remind-me`: follow each party's own reminders again.
DEFAULT = "default"
DEFAULT_WORDS = frozenset({DEFAULT, "party", "reset"})


@dataclass(frozen=True)
class Listener:
    """A member who answered Going or Maybe (or waits for a seat), with what shapes what they
    hear."""

    user_id: int
    status: str  # GOING, MAYBE or WAITING
    choice: bool | None  # this party's reminders: True on, False off, None never chosen
    own_leads: tuple[timedelta, ...] | None  # `/watchparty remind-me`; None: the party's
    zone: str | None = None
    by_dm: bool = False


@dataclass(frozen=True)
class Queued:
    """A reminder row already in the outbox for a party."""

    id: int
    lead: timedelta
    due: datetime
    pending: bool  # not yet claimed (so it can still be cancelled)


@dataclass(frozen=True)
class ReminderState:
    """A member's reminders for one party, after they chose."""

    party_id: int
    on: bool
    going: bool
    leads: tuple[timedelta, ...]  # the lead times still ahead that they hear it at
    every: tuple[timedelta, ...] = ()  # all the lead times they hear it at, passed or not
    own: bool = False  # those are their own (`/watchparty remind-me`), not the party's


def hears_reminders(status: str, choice: bool | None) -> bool:
    """Going: unless turned off. Maybe: only if turned on. Anyone else (waiting too): never."""
    if status == GOING:
        return choice is not False
    if status == MAYBE:
        return choice is True
    return False


def leads_of(own: tuple[timedelta, ...] | None, party: Party) -> tuple[timedelta, ...]:
    """The lead times a member hears a party's reminders at: their own, else the party's."""
    return party.reminders if own is None else own


def reminder_targets(
    listeners: Iterable[Listener], lead: timedelta, party: Party
) -> list[Listener]:
    """Who the reminder ``lead`` before ``party`` pings."""
    return [
        m
        for m in listeners
        if hears_reminders(m.status, m.choice) and lead in leads_of(m.own_leads, party)
    ]


def start_targets(listeners: Iterable[Listener]) -> list[Listener]:
    """Who the start ping pings: every Going member (a reminder opt-out doesn't cover it)."""
    return [m for m in listeners if m.status == GOING]


def change_targets(listeners: Iterable[Listener], changed_by: int | None) -> list[Listener]:
    """Who a change notice tells: Going and Maybe members and the waitlist (they answered Going:
    a new time or film may change their mind, a cancellation ends their wait), except whoever
    made the change."""
    wanted = (GOING, MAYBE, WAITING)
    return [m for m in listeners if m.status in wanted and m.user_id != changed_by]


def wanted_leads(party: Party, listeners: Iterable[Listener]) -> set[timedelta]:
    """The party's own leads (always planned, as the host was told) and the own leads of every
    member who hears its reminders."""
    wanted = set(party.reminders)
    for m in listeners:
        if m.own_leads and hears_reminders(m.status, m.choice):
            wanted.update(m.own_leads)
    return wanted


def replan(
    party: Party, wanted: set[timedelta], queued: Iterable[Queued], now: datetime
) -> tuple[list[Planned], list[int]]:
    """(reminder rows to add, pending row ids to cancel) so the outbox holds one row per wanted
    lead still ahead. A row already sent or being sent for the same lead and time counts as
    planned (never twice); a pending row due by ``now`` is left to the scheduler, which is
    about to send it."""
    ahead = {lead for lead in wanted if party.starts_at - lead > now}
    queued = list(queued)
    have = {(q.lead, q.due) for q in queued}
    add = [
        Planned(REMINDER, party.starts_at - lead, {"lead": int(lead.total_seconds())})
        for lead in sorted(ahead, reverse=True)
        if (lead, party.starts_at - lead) not in have
    ]
    cancel = [
        q.id
        for q in queued
        if q.pending and q.due > now and (q.lead not in ahead or q.due != party.starts_at - q.lead)
    ]
    return add, cancel


def parse_own_leads(text: str) -> tuple[timedelta, ...] | None:
    """`/watchparty remind-me leads:`: '1d,1h,10m', an off word for none, 'default' (None) to
    follow each party's own."""
    cleaned = text.strip().casefold()
    if cleaned in DEFAULT_WORDS:
        return None
    if not cleaned:
        raise BadOption(
            f"Give lead times like `1d,1h,10m`, `off` for none, or `{DEFAULT}` for each party's own."
        )
    return () if is_off(cleaned) else parse_reminders(cleaned)


@dataclass(frozen=True)
class Change:
    """What a change notice reports: the party as it was, against the party as it is."""

    was: datetime  # the start before the change
    film_id: str  # the film before the change ('' for a typed title)
    film_title: str | None  # the typed title before the change
    cancelled: bool  # this change cancelled the party
    by: int | None = None  # the member who made it (not told), if a member did

    def data(self) -> dict:
        """The change as an outbox row's data (JSON)."""
        return {
            "was": self.was.isoformat(),
            "film_id": self.film_id,
            "film_title": self.film_title,
            "cancelled": self.cancelled,
            "by": self.by,
        }

    @classmethod
    def from_data(cls, data: dict) -> Change:
        return cls(
            datetime.fromisoformat(data["was"]),
            data["film_id"],
            data["film_title"],
            bool(data["cancelled"]),
            data["by"],
        )


def change_of(before: Party, after: Party, now: datetime, by: int | None = None) -> Change | None:
    """The change a member would want to hear about (a new time, another film, a
    cancellation), or None: nothing they notice changed, or the party is already over."""
    if before.cancelled or (before.ends_at or before.starts_at) <= now:
        return None
    cancelled = after.cancelled
    moved = after.starts_at != before.starts_at
    refilmed = (after.film_id, after.film_title) != (before.film_id, before.film_title)
    if not (cancelled or moved or refilmed):
        return None
    return Change(before.starts_at, before.film_id, before.film_title, cancelled, by)


def merged(earlier: Change, later: Change) -> Change:
    """One notice for two changes not yet told: the party as it was before the first (its
    time and film), and the latest change's maker; a cancellation wins."""
    return replace(earlier, cancelled=earlier.cancelled or later.cancelled, by=later.by)


def still_news(change: Change, party: Party, title: str, old_title: str) -> bool:
    """Whether a notice queued for ``change`` is still worth sending about ``party`` as it is
    now (``title``: its film's title; ``old_title``: the one it had): not when a later
    cancellation tells everyone itself, nor when the party was changed back meanwhile, nor
    when its film changed to one of the same title (a typed "Dune" for the catalogue's "Dune")
    at the same time: nothing a member reads changed."""
    if change.cancelled:
        return party.cancelled
    if party.cancelled:
        return False
    return party.starts_at != change.was or title != old_title
