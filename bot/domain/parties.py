"""Watch-party rules and plans: pure, no discord, no SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.films import Film
from bot.domain.recurrence import SeriesMark
from bot.errors import BadOption, LimitReached

DEFAULT_REMINDERS = (timedelta(hours=1), timedelta(minutes=10))
MAX_ACTIVE_PER_HOST = 3
# Discord's own limit of scheduled events per server: a weekly series is one upcoming party at a
# time, so a server can run dozens of movie nights.
MAX_ACTIVE_PER_GUILD = 100
NOTE_MAX = 300
CLEAR_NOTE = "-"  # typed as the new note in an edit: no note any more
TITLE_MAX = 100  # a title no catalogue knows, as typed (Discord's choice-name limit)
# How long a party lasts when the film's runtime is unknown (the event's and calendar's end).
ASSUMED_RUNTIME = timedelta(hours=2)

GOING, MAYBE, NOT_GOING = "going", "maybe", "no"
RSVP_LABELS = {GOING: "Going", MAYBE: "Maybe", NOT_GOING: "Not going"}

#: `when` words for "at the film's release" (a one-off: a series can't repeat a premiere).
PREMIERE_WORDS = frozenset({"premiere", "release", "at release"})

REMINDER, START = "party_reminder", "party_start"
PARTY_KINDS = (REMINDER, START)


@dataclass(frozen=True)
class Party:
    id: int
    guild_id: int
    channel_id: int
    host_id: int
    film_id: str  # '' when the party is for a title no catalogue knows (film_title)
    starts_at: datetime
    ends_at: datetime | None
    zone_key: str
    note: str
    reminders: tuple[timedelta, ...]
    voice_channel_id: int | None = None
    message_id: int | None = None
    event_id: int | None = None
    cancelled: bool = False
    film_title: str | None = None  # the title as typed, when no catalogue knows the film
    series: SeriesMark | None = None  # an occurrence of a recurring party
    capacity: int | None = None  # seats (None: no limit); beyond it members wait in line
    role_id: int | None = None  # pinged at the announcement and the start
    thread_id: int | None = None  # the card's thread: pings go there instead of the channel

    @property
    def ping_channel_id(self) -> int:
        """Where reminders, start pings and promotions go: the party's thread, else channel."""
        return self.thread_id or self.channel_id

    @property
    def end_assumed(self) -> bool:
        """Whether the end is a guess (:data:`ASSUMED_RUNTIME`): the film has no details."""
        return self.film_title is not None


@dataclass(frozen=True)
class Planned:
    kind: str
    due: datetime
    data: dict


def check_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise BadOption(f"The note is {len(note)} characters long; keep it under {NOTE_MAX}.")
    return note


class TypedTitle(str):
    """A title as typed, for a film no catalogue knows. ``unchecked``: TMDB could not be asked,
    so it may know the film after all (the host is told, and can link it with an edit)."""

    unchecked: bool

    def __new__(cls, text: str, unchecked: bool = False) -> TypedTitle:
        title = super().__new__(cls, text)
        title.unchecked = unchecked
        return title


#: Told to a host whose typed title was taken as typed because TMDB could not be asked.
UNCHECKED_NOTE = (
    "TMDB isn't answering, so I used the title as typed. Once it is back, "
    "`/watchparty edit film:` can link the film."
)


def check_title(text: str) -> str:
    """A film title no catalogue knows, as it will be shown: trimmed, one line, not too long."""
    title = " ".join(text.split())
    if not title:
        raise BadOption("Give the film's title, or pick one from the suggestions.")
    if len(title) > TITLE_MAX:
        raise BadOption(f"That title is {len(title)} characters long; the most is {TITLE_MAX}.")
    return title


def subject(film: Film | str) -> tuple[str, str | None]:
    """(film_id, film_title) to store for a party: a known film by id, a typed title as text."""
    if isinstance(film, Film):
        return film.id, None
    return "", check_title(film)


def title_of(film: Film | str) -> str:
    """The title of a known film or a typed one."""
    return film.title if isinstance(film, Film) else film


def end_of(film: Film | str, start: datetime) -> datetime | None:
    """When a party ends: after the film's runtime; a film without details is assumed to run
    :data:`ASSUMED_RUNTIME`; a known film without a runtime has no end."""
    if not isinstance(film, Film):
        return start + ASSUMED_RUNTIME
    return start + timedelta(minutes=film.runtime[0].minutes) if film.runtime else None


def edited_note(new: str | None, current: str) -> str:
    """The note after an edit: unchanged when none is given, cleared by ``-``."""
    if new is None:
        return current
    return "" if new.strip() == CLEAR_NOTE else check_note(new)


def check_edit(when: str | None, zone_given: bool, changes: Iterable[object | None]) -> None:
    """Refuse an edit that changes nothing, or a zone without a time to read in it."""
    if when is None and zone_given:
        raise BadOption("Give the new time in `when` together with `timezone`.")
    if all(change is None for change in changes):
        raise BadOption(
            "Nothing to change: give a new `when`, `film`, `channel`, `note`, `capacity` or "
            "`role`, or something to `remove`."
        )


def check_limits(active_for_host: int, active_in_guild: int) -> None:
    if active_for_host >= MAX_ACTIVE_PER_HOST:
        raise LimitReached(
            f"You already host {active_for_host} upcoming watch parties here (the limit is "
            f"{MAX_ACTIVE_PER_HOST}). Cancel one with `/watchparty cancel` first."
        )
    if active_in_guild >= MAX_ACTIVE_PER_GUILD:
        raise LimitReached(
            f"This server already has {active_in_guild} upcoming watch parties (the limit is "
            f"{MAX_ACTIVE_PER_GUILD}). Cancel an old one first."
        )


def plan(starts_at: datetime, reminders: Iterable[timedelta], now: datetime) -> list[Planned]:
    """Reminders whose time is still ahead, then the start ping. Passed reminders are skipped."""
    planned = [
        Planned(REMINDER, starts_at - lead, {"lead": int(lead.total_seconds())})
        for lead in sorted(set(reminders), reverse=True)
        if starts_at - lead > now
    ]
    planned.append(Planned(START, starts_at, {}))
    return planned


def plan_fields(party: Party) -> tuple[object, ...]:
    """What an edit changes (not the card's or event's ids, which are attached later): two
    copies that differ here are two versions of the party."""
    return (
        party.starts_at,
        party.ends_at,
        party.zone_key,
        party.film_id,
        party.film_title,
        party.channel_id,
        party.note,
        party.capacity,
        party.role_id,
        party.cancelled,
    )
