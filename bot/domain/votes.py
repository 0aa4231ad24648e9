"""Film votes for a watch party: which films may be offered, when a vote may close, who won.

Pure: no discord, no SQL. A vote offers 2-10 films (known films by id, or titles as typed),
closes at a deadline before the party starts, and its winner is decided from the stored ballots
by :func:`winner` with the one tie rule stated on the vote (:data:`TIE_RULE`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

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
#: Told to the host when the vote opens, and what the votes service does when the party moves:
#: ballots never outlast the party's start, and the film never changes mid-party.
MOVED_RULE = "If the party moves to before the deadline, the vote closes when it starts."


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


def check_deadline(closes_at: datetime, now: datetime, starts_at: datetime) -> None:
    """A vote closes in the future and before its party starts."""
    if closes_at <= now:
        raise BadTime("The vote's closing time has already passed. Pick a time in the future.")
    if closes_at >= starts_at:
        raise BadTime("The vote has to close before the party starts. Pick an earlier time.")


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
