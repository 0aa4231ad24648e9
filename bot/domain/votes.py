"""Film votes for a watch party: which films may be offered, when a vote may close, who won.

Pure: no discord, no SQL. A vote offers 2-10 films (known films by id, or titles as typed),
closes at a deadline at least :data:`CLOSE_MARGIN` before the party starts, and its winner is
decided from the stored ballots by :func:`winner` with the one tie rule stated on the vote
(:data:`TIE_RULE`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import parties
from bot.domain.films import Film
from bot.domain.usertext import plain
from bot.errors import BadOption, BadTime

MIN_FILMS, MAX_FILMS = 2, 10
#: The outbox kind that closes a vote at its deadline (never "missed": a late close still closes).
CLOSE = "vote_close"
#: The outbox kind that brings a vote's message up to date after its party moved (a sooner
#: deadline) or was cancelled (the vote called off). Never "missed" either.
SHOW = "vote_show"
OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"
#: Stated on every vote, and what :func:`winner` does.
TIE_RULE = "A tie goes to the film offered first."
#: A vote closes at least this long before its party starts. A close at the start itself would
#: fall at the same instant as the start ping, and the scheduler runs a vote's close (background
#: work) only after the pings due with it sent their first message: the ping would name the old
#: film. A minute ahead, the winner is the party's film when the start ping is built.
CLOSE_MARGIN = timedelta(minutes=1)
_MINUTES = int(CLOSE_MARGIN.total_seconds() // 60)
#: :data:`CLOSE_MARGIN` in words, for the messages that state it.
MARGIN_WORDS = "a minute" if _MINUTES == 1 else f"{_MINUTES} minutes"
#: Told to the host when the vote opens, and what the votes service does when the party moves:
#: ballots never outlast the party's start, and the film never changes mid-party.
MOVED_RULE = (
    f"If the party moves earlier, the vote closes {MARGIN_WORDS} before its new start "
    "(at once if that has passed)."
)


@dataclass(frozen=True)
class Choice:
    """One film on offer: a known film (``film_id``) or a title as typed (``film_id`` '')."""

    film_id: str
    title: str  # the title shown: the film's, or as typed

    @property
    def typed(self) -> bool:
        """A title no catalogue knows, kept as typed."""
        return not self.film_id

    @property
    def key(self) -> str:
        """What makes two offers the same film."""
        return self.film_id or f"title:{self.title.casefold()}"


@dataclass(frozen=True)
class Vote:
    id: int
    party_id: int
    guild_id: int
    channel_id: int
    opened_by: int
    closes_at: datetime
    choices: tuple[Choice, ...]
    status: str = OPEN
    winner: int | None = None  # index into choices; None: no votes (or not closed yet)
    message_id: int | None = None

    @property
    def open(self) -> bool:
        return self.status == OPEN


def choice_of(film: Film | str) -> Choice:
    """What a vote stores for an offered film: a known film by id, a typed title as checked."""
    if isinstance(film, Film):
        return Choice(film.id, film.title)
    return Choice("", parties.check_title(film))


def check_choices(films: Sequence[Film | str]) -> tuple[Choice, ...]:
    """The offered films in order, refusing too few, too many, or the same film twice."""
    if len(films) < MIN_FILMS:
        raise BadOption(f"Offer at least {MIN_FILMS} films to vote on.")
    if len(films) > MAX_FILMS:
        raise BadOption(f"Offer at most {MAX_FILMS} films.")
    choices = tuple(choice_of(film) for film in films)
    seen: set[str] = set()
    for choice in choices:
        if choice.key in seen:
            raise BadOption(f"{plain(choice.title)} is offered twice. Offer each film once.")
        seen.add(choice.key)
    return choices


class StartsTooSoon(BadOption):
    """The party starts within :data:`CLOSE_MARGIN`: no deadline is left for a vote."""


class DeadlineTooLate(BadTime):
    """A deadline later than :func:`latest_close`; ``latest`` is the latest one allowed (the
    service words the refusal in the member's zone)."""

    def __init__(self, latest: datetime) -> None:
        super().__init__(f"The vote has to close at least {MARGIN_WORDS} before the party starts.")
        self.latest = latest


def latest_close(starts_at: datetime) -> datetime:
    """The latest a vote on a party starting at ``starts_at`` may close."""
    return starts_at - CLOSE_MARGIN


def check_deadline(closes_at: datetime, now: datetime, starts_at: datetime) -> None:
    """A vote closes in the future and no later than :func:`latest_close`."""
    latest = latest_close(starts_at)
    if latest <= now:
        raise StartsTooSoon(
            f"The party starts in less than {MARGIN_WORDS}, so its film can't be voted on."
        )
    if closes_at <= now:
        raise BadTime("The vote's closing time has already passed. Pick a time in the future.")
    if closes_at > latest:
        raise DeadlineTooLate(latest)


def pulled_deadline(starts_at: datetime, now: datetime) -> datetime:
    """When its party now starts at ``starts_at``, an open vote closing later than this closes
    then instead: :func:`latest_close`, or now when that has passed (the vote closes at once,
    before the start ping)."""
    return max(latest_close(starts_at), now)


def counted(choice_count: int, per_choice: Mapping[int, int]) -> list[int]:
    """Votes per choice, in offered order, from (choice index -> votes); others ignored."""
    return [per_choice.get(index, 0) for index in range(choice_count)]


def tally(choice_count: int, ballots: Mapping[int, int]) -> list[int]:
    """Votes per choice from (member -> choice index) ballots; out-of-range ballots ignored."""
    return counted(choice_count, Counter(ballots.values()))


def winner(counts: Sequence[int]) -> int | None:
    """The choice with the most votes; a tie goes to the one offered first (:data:`TIE_RULE`).
    None when nobody voted."""
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))  # index() finds the first of the tied


def same_film(choice: Choice, film_id: str, film_title: str | None) -> bool:
    """Whether a party (its ``film_id``/``film_title``) already shows this choice."""
    if choice.typed:
        return not film_id and (film_title or "").casefold() == choice.title.casefold()
    return film_id == choice.film_id


@dataclass(frozen=True)
class Closed:
    """A closed vote and what it did to its party: told in the vote message and to voters."""

    vote: Vote
    party: parties.Party  # as it is after the close
    counts: tuple[int, ...]
    voters: tuple[int, ...]  # members who voted, in the order they (last) voted
    #: Why the winner did not become the party's film: the party was cancelled or is over.
    #: None: it did (or nobody voted).
    kept_because: str | None = None

    @property
    def won(self) -> Choice | None:
        return self.vote.choices[self.vote.winner] if self.vote.winner is not None else None


#: Closed.kept_because
PARTY_CANCELLED, PARTY_OVER = "cancelled", "over"
