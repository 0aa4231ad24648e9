"""Which of a film's releases apply to a viewer: the one rule for every command and ping. Pure.

A film may have many releases: per country and kind (KR theatrical, US limited, US digital, …)
and worldwide ones (a curated Netflix premiere). A viewer in a country gets its cinema release
(the earliest of CINEMA_KINDS) and its streaming release (the earliest digital one), each the
country's own else a worldwide one. When neither exists, the earliest release known anywhere
else stands in, to say "not here yet, but there".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from bot.domain.films import CINEMA_KINDS, STREAMING_KINDS, Film, Release, compact

#: What a member may follow (`/premiere follow release:`); None means whichever comes first.
CINEMA, STREAMING = "cinema", "streaming"
CHOICES = (CINEMA, STREAMING)
_KINDS = {CINEMA: CINEMA_KINDS, STREAMING: STREAMING_KINDS}
#: Platform labels that only say what kind of release it is (TMDB's "Cinemas", "Digital",
#: "Limited release"; a curated "Streaming"), not where: compacted, as :func:`compact` reads.
GENERIC_PLATFORMS = frozenset(
    "cinemas cinema theatrical theaters theatres theater theatre limited limitedrelease "
    "premiere digital streaming physical tv".split()
)


def platform_name(release: Release) -> str | None:
    """The platform a release names ("Netflix"), None when it only names its kind ("Cinemas",
    "Streaming"): the one rule for every answer, card and ping."""
    return None if compact(release.platform) in GENERIC_PLATFORMS else release.platform


@dataclass(frozen=True)
class Applicable:
    """The releases that apply in one country (None: a viewer without one, e.g. in UTC)."""

    country: str | None
    cinema: Release | None
    streaming: Release | None
    elsewhere: Release | None  # only when neither applies: the earliest release known
    tz: tzinfo | None = None  # the viewer's zone, for local_midnight releases

    def out_at(self, release: Release) -> datetime:
        """When ``release`` is out for this viewer (UTC)."""
        return release.instant(self.tz)

    @property
    def ordered(self) -> tuple[Release, ...]:
        """The cinema and streaming releases that apply, soonest first."""
        found = [r for r in (self.cinema, self.streaming) if r is not None]
        return tuple(sorted(found, key=self.out_at))

    def pick(self, want: str | None) -> Release | None:
        """The release a member follows: ``CINEMA``, ``STREAMING``, or (None) the first."""
        if want == CINEMA:
            return self.cinema
        if want == STREAMING:
            return self.streaming
        ordered = self.ordered
        return ordered[0] if ordered else None

    def choice_of(self, release: Release) -> str | None:
        """``CINEMA`` or ``STREAMING``: which of this viewer's releases ``release`` is."""
        if release == self.cinema:
            return CINEMA
        return STREAMING if release == self.streaming else None


def _applies(release: Release, country: str | None) -> bool:
    return country is not None and country.upper() in {r.upper() for r in release.regions}


def for_country(film: Film, country: str | None, tz: tzinfo | None = None) -> Applicable:
    """The releases of ``film`` that apply in ``country``, read in the viewer's zone ``tz``
    (which decides the order of local_midnight releases; UTC without one)."""

    def when(release: Release) -> datetime:
        return release.instant(tz or UTC)

    def earliest(releases: list[Release]) -> Release | None:
        return min(releases, key=when) if releases else None

    picked: dict[str, Release | None] = {}
    for choice, kinds in _KINDS.items():
        of_kind = [r for r in film.releases if r.kind in kinds]
        picked[choice] = earliest([r for r in of_kind if _applies(r, country)]) or earliest(
            [r for r in of_kind if r.worldwide]
        )
    elsewhere = None
    if picked[CINEMA] is None and picked[STREAMING] is None:
        watchable = [r for r in film.releases if r.kind in CINEMA_KINDS | STREAMING_KINDS]
        elsewhere = earliest(watchable or list(film.releases))
    return Applicable(country, picked[CINEMA], picked[STREAMING], elsewhere, tz)


@dataclass(frozen=True)
class Upcoming:
    """A film coming out soon in a country: when, and the value that picks it in a film option."""

    title: str
    value: str
    out_at: datetime | None  # the instant it is out for the viewer (a stored film)
    day: date | None  # TMDB's date there (a film not in the store yet)
    kind: str | None  # CINEMA / STREAMING when known
    from_tmdb: bool
