"""Several film indexes searched as one. Pure.

The store's big index is built (or loaded) once at start-up; films added or changed while the
bot runs go into small indexes of their own (one per batch of changes, merged as they pile up),
and a server's own films into one per server. :class:`LayeredIndex` answers as if they were one
index: a film found in several layers counts only in the layer ``latest`` names for it (its
current version; -1: removed); a film ``latest`` doesn't name counts wherever it is found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.domain.search import FilmIndex, SearchHit

REMOVED = -1


class LayeredIndex:
    """The FilmIndex questions the bot asks, over ``layers`` (see the module docstring)."""

    def __init__(self, layers: Sequence[FilmIndex], latest: Mapping[str, int] = {}) -> None:  # noqa: B006 - read only
        self.layers = tuple(layers)
        self.latest = latest

    def _visible(self, position: int, film_id: str | None) -> bool:
        return film_id is not None and self.latest.get(film_id, position) == position

    def _each(self) -> Iterable[tuple[int, FilmIndex]]:
        return enumerate(self.layers)

    def __len__(self) -> int:
        stale = sum(
            1
            for film_id, where in self.latest.items()
            for i, ix in self._each()
            if i != where and ix.has_film(film_id)
        )
        return sum(len(layer) for layer in self.layers) - stale

    def has_film(self, film_id: str) -> bool:
        return any(self._visible(i, film_id) and ix.has_film(film_id) for i, ix in self._each())

    def label(self, film_id: str) -> str:
        """The film's label; KeyError for a film no layer has."""
        for i, ix in reversed(list(self._each())):
            if self._visible(i, film_id) and ix.has_film(film_id):
                return ix.label(film_id)
        raise KeyError(film_id)

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, film_id) over every layer, best first, one per film."""
        extra = self._extra()
        scored = [
            (score, label, film_id)
            for i, ix in self._each()
            for score, label, film_id in ix.complete_scored(text, limit + extra)
            if self._visible(i, film_id)
        ]
        scored.sort(key=lambda m: (-m[0], m[1].casefold()))
        seen: dict[str, str] = {}
        for _, label, film_id in scored:
            seen.setdefault(film_id, label)
            if len(seen) == limit:
                break
        return [(label, film_id) for film_id, label in seen.items()]

    def search(self, text: str, limit: int = 10) -> list[SearchHit]:
        extra = self._extra()
        hits = [
            hit
            for i, ix in self._each()
            for hit in ix.search(text, limit + extra)
            if self._visible(i, hit.film_id)
        ]
        hits.sort(key=lambda h: (-h.score, h.film_id))
        best: dict[str, SearchHit] = {}
        for hit in hits:
            best.setdefault(hit.film_id, hit)
        return list(best.values())[:limit]

    def _extra(self) -> int:
        """How many more matches to ask each layer for, so the hidden ones can't crowd out
        ``limit`` visible ones (bounded: a layer's matches for one text are few)."""
        return min(len(self.latest), 50)

    def best(self, text: str) -> str | None:
        found = self.best_match(text)
        return found[0] if found else None

    def best_match(self, text: str) -> tuple[str, float] | None:
        """The confident match of every layer's; none when two layers are equally sure of two
        films (as one index is unsure between two of its own)."""
        found = [
            m for i, ix in self._each() if (m := ix.best_match(text)) and self._visible(i, m[0])
        ]
        if not found:
            return None
        found.sort(key=lambda m: -m[1])
        if len(found) > 1 and found[1][1] == found[0][1] and found[1][0] != found[0][0]:
            return None
        return found[0]

    def exact_film(self, text: str) -> str | None:
        return self._only(ix.exact_film(text) for ix in self.layers)

    def film_of_person(self, text: str) -> str | None:
        return self._only(ix.film_of_person(text) for ix in self.layers)

    def _only(self, answers: Iterable[str | None]) -> str | None:
        films = {f for i, f in enumerate(answers) if self._visible(i, f)}
        return films.pop() if len(films) == 1 else None

    def person_films(self, text: str, limit: int = 6) -> tuple[str, list[str]] | None:
        name: str | None = None
        films: list[str] = []
        for i, ix in self._each():
            found = ix.person_films(text, limit)
            if found is None:
                continue
            name = name or found[0]
            films += [f for f in found[1] if self._visible(i, f) and f not in films]
        return (name, films[:limit]) if name is not None and films else None


#: What name lookups take: one index, or several as one.
NameIndex = FilmIndex | LayeredIndex
