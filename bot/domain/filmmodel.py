"""The film model: films and their sourced claims, release times, small helpers.

Pure: no discord, no SQL, no file access. Import these through :mod:`bot.domain.films`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.domain import zones
from bot.domain.usertext import plain

TITLE_KINDS = ("original", "english", "korean", "romanized", "translation", "alias", "misspelling")
VARIANT_KINDS = ("spelling", "misspelling", "native", "alias")
RELEASE_MODELS = ("global", "local_midnight")
#: What kind of release (TMDB's release types 1-6, in order): a premiere (a festival, a gala),
#: a limited or a wide run in cinemas, digital (streaming, download), physical (disc), TV.
RELEASE_KINDS = ("premiere", "limited", "theatrical", "digital", "physical", "tv")
CINEMA_KINDS = frozenset({"limited", "theatrical"})
STREAMING_KINDS = frozenset({"digital"})
#: How a provider offers a film (TMDB's watch providers: flatrate, free, ads, rent, buy).
OFFER_KINDS = ("stream", "free", "ads", "rent", "buy")
SETTING_ASPECTS = ("place", "time")
CAST_ROLES = ("voice", "actor", "narrator", "cameo")
ALIAS_TITLE_KINDS = frozenset({"alias", "misspelling"})
WORLDWIDE = "worldwide"


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where facts came from; declared once per file under ``[sources.<key>]``."""

    key: str
    title: str
    publisher: str | None = None
    url: str | None = None
    date: date | None = None
    ref: str | None = None
    note: str | None = None

    def cite(self) -> str:
        """A short citation: "Title (Publisher, 2025-05-29)"."""
        extra = ", ".join(x for x in (self.publisher, self.date and self.date.isoformat()) if x)
        return f"{self.title} ({extra})" if extra else self.title


@dataclass(frozen=True)
class Name:
    """A title or a name variant, marked by kind (see TITLE_KINDS / VARIANT_KINDS)."""

    text: str
    kind: str
    sources: tuple[str, ...]
    lang: str | None = None


@dataclass(frozen=True)
class TextClaim:
    text: str
    sources: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    sources: tuple[str, ...]
    variants: tuple[Name, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every variant spelling."""
        return (self.name, *(v.text for v in self.variants))


@dataclass(frozen=True)
class Character:
    key: str
    name: str
    sources: tuple[str, ...]
    variants: tuple[Name, ...] = ()
    descriptions: tuple[TextClaim, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *(v.text for v in self.variants))


@dataclass(frozen=True)
class CreditClaim:
    """One source's version of a credit (directors or writers): a set of people keys."""

    people: tuple[str, ...]
    sources: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class CastCredit:
    person: str
    character: str | None
    role: str
    sources: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class RuntimeClaim:
    minutes: int
    sources: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Release:
    """A release on a platform: one global instant, or local midnight in each viewer's zone."""

    platform: str
    regions: tuple[str, ...]
    model: str
    date: date
    time: time | None
    zone: str | None
    sources: tuple[str, ...]
    note: str | None = None
    kind: str = "digital"  # one of RELEASE_KINDS
    certification: str | None = None  # the age rating that country gave it ("15", "PG-13")

    @property
    def worldwide(self) -> bool:
        return any(r.casefold() == WORLDWIDE for r in self.regions)

    def instant(self, viewer_tz: tzinfo | None = None, default_tz: tzinfo = UTC) -> datetime:
        """When a viewer can watch, as an aware UTC instant: the fixed instant of a ``global``
        release; for ``local_midnight`` 00:00 on the date in the viewer's zone (``default_tz``
        when the viewer has none).

        A wall time a DST jump skips (some zones change at midnight) moves to the end of the
        jump, as :func:`zones.localize` settles every gap.
        """
        tz: tzinfo
        if self.model == "global":
            assert self.zone is not None and self.time is not None
            wall, tz = datetime.combine(self.date, self.time), ZoneInfo(self.zone)
        else:
            wall, tz = datetime.combine(self.date, time(0)), viewer_tz or default_tz
        return zones.localize(wall, tz, shift_gap=True).instant_utc


@dataclass(frozen=True)
class Offer:
    """Where to watch a film in one country: a provider and how (one of OFFER_KINDS)."""

    country: str
    provider: str
    kind: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GenreClaim:
    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SettingClaim:
    aspect: str
    value: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    text: str
    by: str
    sources: tuple[str, ...]
    context: str | None = None


@dataclass(frozen=True)
class Film:
    """Everything the store knows about one film, every fact with its sources."""

    id: str
    path: str
    sources: tuple[Source, ...]
    titles: tuple[Name, ...]
    synopsis: tuple[TextClaim, ...] = ()
    releases: tuple[Release, ...] = ()
    runtime: tuple[RuntimeClaim, ...] = ()
    people: tuple[Person, ...] = ()
    characters: tuple[Character, ...] = ()
    directors: tuple[CreditClaim, ...] = ()
    writers: tuple[CreditClaim, ...] = ()
    cast: tuple[CastCredit, ...] = ()
    genres: tuple[GenreClaim, ...] = ()
    setting: tuple[SettingClaim, ...] = ()
    facts: tuple[TextClaim, ...] = ()
    quotes: tuple[Quote, ...] = ()
    offers: tuple[Offer, ...] = ()
    tmdb_id: int | None = None  # ties a curated film to TMDB's record of it
    imdb_id: str | None = None
    poster: str | None = None  # an image URL

    @property
    def title(self) -> str:
        """The display title: English, else original, else the first title."""
        for kind in ("english", "original"):
            for name in self.titles:
                if name.kind == kind:
                    return name.text
        return self.titles[0].text

    @cached_property
    def shown_title(self) -> str:
        """The display title for message text: catalogue text (TMDB's is community edited) can't
        restyle a message, make a link or ping ("M*A*S*H" stays M*A*S*H inside bold). Plain
        text (autocomplete labels, event names) and search use :attr:`title`."""
        return plain(self.title)

    @cached_property
    def _sources_by_key(self) -> dict[str, Source]:
        return {s.key: s for s in self.sources}

    def source(self, key: str) -> Source:
        return self._sources_by_key[key]

    def sources_of(self, keys: Iterable[str]) -> tuple[Source, ...]:
        """The Source objects for keys, in order, without repeats."""
        return tuple(self._sources_by_key[k] for k in dict.fromkeys(keys))

    def person(self, key: str) -> Person:
        return next(p for p in self.people if p.key == key)

    def character(self, key: str) -> Character:
        return next(c for c in self.characters if c.key == key)

    def index_rows(self) -> list[tuple[str, str]]:
        """(name, kind) rows for the search index: title, alias, person, character."""
        # List comprehensions, not generators: this runs for every film file loaded.
        rows = [(self.title, "title")]
        rows += [(t.text, "alias" if t.kind in ALIAS_TITLE_KINDS else "title") for t in self.titles]
        for p in self.people:
            rows.append((p.name, "person"))
            rows += [(v.text, "person") for v in p.variants]
        for c in self.characters:
            rows.append((c.name, "character"))
            rows += [(v.text, "character") for v in c.variants]
        return list(dict.fromkeys(rows))


# --- helpers ----------------------------------------------------------------------------------


def slug(text: str) -> str:
    """ "Mr. Min's Friend" -> "mr-mins-friend": lower-case ASCII words joined by "-" (accents
    folded, apostrophes dropped); "" when nothing ASCII is left (Hangul)."""
    text = text.replace("'", "").replace("\u2019", "")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(_WORDS.findall(folded))


_WORDS = re.compile(r"[a-z0-9]+")


def runtime_text(minutes: int) -> str:
    """96 -> "1h 36m"; 45 -> "45m"; 120 -> "2h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"
