"""Seats: a party's capacity, its waitlist and who is promoted from it; role pings; the
Google Calendar link. Pure: no discord, no SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

from bot.domain.parties import GOING, MAYBE, Party
from bot.errors import BadOption

WAITING = "waiting"
CAPACITY_MIN, CAPACITY_MAX = 1, 1000

#: Outbox kind: members promoted from the waitlist are told (data: {"users": [ids]}).
PROMOTED = "party_promoted"
SEAT_KINDS = (PROMOTED,)

#: What `/watchparty edit remove:` can take away from a party.
ROLE_PING, SEAT_LIMIT = "role", "seats"
REMOVABLE = (ROLE_PING, SEAT_LIMIT)

#: Discord's limit for a link button's URL.
URL_MAX = 512


def check_capacity(capacity: int | None) -> int | None:
    """A seat limit the host typed (None: no limit)."""
    if capacity is not None and not CAPACITY_MIN <= capacity <= CAPACITY_MAX:
        raise BadOption(
            f"Capacity must be between {CAPACITY_MIN} and {CAPACITY_MAX} seats "
            f"(you gave {capacity})."
        )
    return capacity


def clashes(remove: str | None, capacity: int | None, role_id: int | None) -> bool:
    """Whether one edit both removes something and sets it (a role, a capacity)."""
    return (remove == ROLE_PING and role_id is not None) or (
        remove == SEAT_LIMIT and capacity is not None
    )


class Pinging(Protocol):
    """A party, or what a series' next party copies: its role ping and seat limit."""

    @property
    def role_id(self) -> int | None: ...

    @property
    def capacity(self) -> int | None: ...


def has(party: Pinging, what: str) -> bool:
    """Whether a party (or a series' template) has what ``remove:`` names: a role to ping,
    a seat limit."""
    if what not in REMOVABLE:
        raise ValueError(f"nothing called {what!r} can be removed")
    return (party.role_id if what == ROLE_PING else party.capacity) is not None


def without(party: Party, what: str | None) -> Party:
    """The party with its role ping or seat limit removed (``None``: as it is)."""
    if what is None:
        return party
    has(party, what)  # an unknown name is refused
    return replace(party, role_id=None) if what == ROLE_PING else replace(party, capacity=None)


@dataclass(frozen=True)
class Counts:
    """How many are going, maybe and waiting; ``capacity`` None: no limit."""

    going: int
    maybe: int
    waiting: int
    capacity: int | None

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.going >= self.capacity


def counts(answers: Mapping[int, str], capacity: int | None) -> Counts:
    """The card's numbers from everyone's answers."""
    statuses = list(answers.values())
    return Counts(statuses.count(GOING), statuses.count(MAYBE), statuses.count(WAITING), capacity)


def seat_for(wanted: str, current: str | None, going: int, capacity: int | None) -> str:
    """The status to store when a member answers ``wanted``: "Going" on a full party puts them
    on the waitlist (a member already seated, or waiting, keeps their place)."""
    if wanted != GOING:
        return wanted
    if current in (GOING, WAITING):
        return current
    if capacity is None or going < capacity:
        return GOING
    return WAITING


def to_promote(going: int, capacity: int | None, waiting: Sequence[int]) -> list[int]:
    """The first waiting members (in line order) who get the seats now free."""
    free = len(waiting) if capacity is None else max(0, capacity - going)
    return list(waiting[:free])


@dataclass(frozen=True)
class Answered:
    """What a member's click did: their status now and, when waiting, their place (1-based)."""

    status: str
    place: int | None = None


@dataclass(frozen=True)
class RoleCheck:
    """What the bot knows about a role someone wants pinged."""

    is_default: bool  # @everyone
    managed: bool  # a bot's or an integration's own role
    mentionable: bool
    bot_may_mention_everyone: bool  # in the party's channel


def role_problem(role: RoleCheck, name: str) -> str | None:
    """Why a role can't be pinged for a party (None: it can). ``name``: shown, escaped."""
    if role.is_default:
        return "I won't ping @everyone for a watch party. Pick a role, like `@Movie Night`."
    if role.managed:
        return f"{name} belongs to a bot or an integration; pick a role members can join."
    if not role.mentionable and not role.bot_may_mention_everyone:
        return (
            f"I can't ping {name}: it isn't mentionable and I lack **Mention Everyone** in that "
            "channel. Make the role mentionable (Server Settings → Roles) or give me the permission."
        )
    return None


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fit(text: str, room: int) -> str:
    """The longest start of ``text`` whose URL encoding takes at most ``room`` characters
    (with "…" when shortened)."""
    if len(quote(text, safe="")) <= room:
        return text
    room -= len(quote("…", safe=""))
    used, kept = 0, []
    for ch in text:
        used += len(quote(ch, safe=""))
        if used > room:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "…" if kept else ""


def google_calendar_url(
    title: str, start: datetime, end: datetime, details: str, location: str
) -> str:
    """Google Calendar's "add event" template link, URL-encoded, within Discord's 512
    characters for a link button (the details are shortened first, then the title)."""

    def build(text: str, about: str, where: str) -> str:
        return (
            "https://calendar.google.com/calendar/render?action=TEMPLATE"
            f"&text={quote(text, safe='')}&dates={_utc(start)}/{_utc(end)}"
            f"&details={quote(about, safe='')}&location={quote(where, safe='')}"
        )

    room = URL_MAX - len(build("", "", ""))
    where = _fit(location, room // 4)
    room -= len(quote(where, safe=""))
    text = _fit(title, room)
    about = _fit(details, room - len(quote(text, safe="")))
    return build(text, about, where)
