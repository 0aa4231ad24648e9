"""An answer from the store's facts and the pieces every answer is written with: citing
sources, saying plainly what the store doesn't know. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.films import Film, Source
from bot.domain.usertext import plain


@dataclass(frozen=True)
class Answer:
    text: str
    sources: tuple[Source, ...]
    known: bool


def unknown(what: str) -> Answer:
    """ "I don't know that — the store has no facts about <what>."""
    return Answer(f"I don't know that — the store has no facts about {what}.", (), False)


def possessive(title: str) -> str:
    """ "Lost in Starlight's"; "Jaws'"."""
    return f"{title}'" if title.endswith("s") else f"{title}'s"


def cite(film: Film, keys: Iterable[str]) -> str:
    """The sources behind keys, in order, as one line of citations."""
    return "; ".join(plain(s.cite()) for s in film.sources_of(keys))


def sourced(film: Film, text: str, keys: Iterable[str]) -> Answer:
    """A known answer: text, then a line naming its sources."""
    keys = list(dict.fromkeys(keys))
    label = "Source" if len(keys) == 1 else "Sources"
    return Answer(f"{text}\n{label}: {cite(film, keys)}.", film.sources_of(keys), True)


def joined(parts: Sequence[Answer], separator: str = "\n\n") -> Answer:
    """Several answers as one: known only when all of them are."""
    if len(parts) == 1:
        return parts[0]
    sources = tuple(dict.fromkeys(s for part in parts for s in part.sources))
    return Answer(separator.join(p.text for p in parts), sources, all(p.known for p in parts))


def names_list(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
