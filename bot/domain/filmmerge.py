"""One film from a curated file and TMDB's record of it. Pure.

Curated facts win: nothing of the curated film is replaced. TMDB's facts are added beside them,
each with its own source, so where the two disagree (another runtime, other writers) both are
shown; where they agree, the curated claim also cites TMDB. TMDB's releases of a kind the
curated film already dates for a region (or worldwide) are left out: the curated date is the one
pings follow.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain.filmmodel import CreditClaim, Film, Person, RuntimeClaim
from bot.domain.search import compact


def merge(curated: Film, tmdb: Film) -> Film:
    """The curated film with TMDB's facts added (see the module's docstring)."""
    people, key_of = _people(curated.people, tmdb.people)
    known_sources = {s.key for s in curated.sources}
    titles = {compact(t.text) for t in curated.titles}
    covered = {(r.kind, region.upper()) for r in curated.releases for region in r.regions}
    worldwide = {kind for kind, region in covered if region == "WORLDWIDE"}
    cast_people = {c.person for c in curated.cast}
    return replace(
        curated,
        sources=curated.sources + tuple(s for s in tmdb.sources if s.key not in known_sources),
        titles=curated.titles + tuple(t for t in tmdb.titles if compact(t.text) not in titles),
        synopsis=curated.synopsis + tmdb.synopsis,
        releases=curated.releases
        + tuple(
            r
            for r in tmdb.releases
            if r.kind not in worldwide
            and not any((r.kind, g.upper()) in covered for g in r.regions)
        ),
        runtime=_runtime(curated.runtime, tmdb.runtime),
        people=people,
        characters=curated.characters
        + tuple(c for c in tmdb.characters if c.key not in {k.key for k in curated.characters}),
        directors=_credits(curated.directors, tmdb.directors, key_of),
        writers=_credits(curated.writers, tmdb.writers, key_of),
        cast=curated.cast
        + tuple(
            replace(c, person=key_of.get(c.person, c.person))
            for c in tmdb.cast
            if key_of.get(c.person, c.person) not in cast_people
        ),
        genres=curated.genres
        + tuple(g for g in tmdb.genres if g.name.casefold() not in _names(curated.genres)),
        offers=curated.offers or tmdb.offers,
        tmdb_id=curated.tmdb_id or tmdb.tmdb_id,
        imdb_id=curated.imdb_id or tmdb.imdb_id,
        poster=curated.poster or tmdb.poster,
    )


def _names(genres: tuple) -> set[str]:
    return {g.name.casefold() for g in genres}


def _people(
    curated: tuple[Person, ...], tmdb: tuple[Person, ...]
) -> tuple[tuple[Person, ...], dict[str, str]]:
    """Every curated person, then TMDB's people the curated film doesn't name (by any spelling);
    and TMDB's key -> the curated key for the people both name."""
    by_name = {compact(name): p.key for p in curated for name in p.names}
    key_of: dict[str, str] = {}
    added: list[Person] = []
    taken = {p.key for p in curated}
    for person in tmdb:
        same = next((by_name[n] for n in map(compact, person.names) if n in by_name), None)
        if same is not None:
            key_of[person.key] = same
        elif person.key not in taken:
            added.append(person)
    return curated + tuple(added), key_of


def _runtime(
    curated: tuple[RuntimeClaim, ...], tmdb: tuple[RuntimeClaim, ...]
) -> tuple[RuntimeClaim, ...]:
    merged = list(curated)
    for claim in tmdb:
        same = next((i for i, c in enumerate(merged) if c.minutes == claim.minutes), None)
        if same is None:
            merged.append(claim)
        else:
            merged[same] = replace(merged[same], sources=merged[same].sources + claim.sources)
    return tuple(merged)


def _credits(
    curated: tuple[CreditClaim, ...], tmdb: tuple[CreditClaim, ...], key_of: dict[str, str]
) -> tuple[CreditClaim, ...]:
    """TMDB's credit beside the curated ones; one that names the same people only adds its
    source to that claim."""
    merged = list(curated)
    for claim in tmdb:
        people = tuple(key_of.get(k, k) for k in claim.people)
        same = next((i for i, c in enumerate(merged) if set(c.people) == set(people)), None)
        if same is None:
            merged.append(replace(claim, people=people))
        else:
            merged[same] = replace(merged[same], sources=merged[same].sources + claim.sources)
    return tuple(merged)
