"""The film model: parsing and validating film files, name matching, release times, search.

Pure: no discord, no SQL, no file access. A film file (``data/films/<id>.toml``) looks like::

    id = "lost-in-starlight"                     # slug; the file name must be <id>.toml
    [sources.<key>]                              # every source once: title (required),
    title = "..."                                # publisher, url, date (YYYY-MM-DD), ref, note
    [[titles]]                                   # text, kind, lang?, sources
    kind = "english"                             # original|english|korean|romanized|
                                                 # translation|alias|misspelling
    [people.<key>] / [characters.<key>]          # name, sources, variants = [{text, kind,
                                                 # sources}], kind: spelling|misspelling|
                                                 # native|alias; characters: descriptions
    [[synopsis]] text   [[runtime]] minutes      # facts are lists of claims, each with
    [[directors]] / [[writers]] people = [keys]  # its own sources: when sources disagree
    [[cast]] person, character?, role            # there is one claim per version
    [[releases]] platform, regions, model = "global" (date, time, zone) or
                 "local_midnight" (date: 00:00 in each viewer's own zone)
    [[genres]] name   [[setting]] aspect = place|time, value
    [[facts]] text    [[quotes]] text, by, context?

Every claim has ``sources = ["<key>", ...]`` naming declared sources, and may have a ``note``.
Dates may be TOML dates or "YYYY-MM-DD" text; times TOML local times or "HH:MM[:SS]" text.
Unknown keys are errors (a typo must not silently drop a fact).
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import cached_property, lru_cache, partial
from itertools import accumulate
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import DataError

TITLE_KINDS = ("original", "english", "korean", "romanized", "translation", "alias", "misspelling")
VARIANT_KINDS = ("spelling", "misspelling", "native", "alias")
RELEASE_MODELS = ("global", "local_midnight")
SETTING_ASPECTS = ("place", "time")
CAST_ROLES = ("voice", "actor", "narrator", "cameo")
ALIAS_TITLE_KINDS = frozenset({"alias", "misspelling"})
WORLDWIDE = "worldwide"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_good_slugs: set[str] = set()  # slugs already checked: people keys repeat across films
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_TEXT = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


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

    @property
    def worldwide(self) -> bool:
        return any(r.casefold() == WORLDWIDE for r in self.regions)

    def instant(self, viewer_tz: tzinfo | None = None, default_tz: tzinfo = UTC) -> datetime:
        """The release as an aware UTC instant for a viewer (see :func:`release_instant`)."""
        return release_instant(self, viewer_tz, default_tz)


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

    @property
    def title(self) -> str:
        """The display title: English, else original, else the first title."""
        for kind in ("english", "original"):
            for name in self.titles:
                if name.kind == kind:
                    return name.text
        return self.titles[0].text

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
        rows: list[tuple[str, str]] = [(self.title, "title")]
        for t in self.titles:
            rows.append((t.text, "alias" if t.kind in ALIAS_TITLE_KINDS else "title"))
        for p in self.people:
            rows.extend((n, "person") for n in p.names)
        for c in self.characters:
            rows.extend((n, "character") for n in c.names)
        return list(dict.fromkeys(rows))


# --- helpers ----------------------------------------------------------------------------------


def runtime_text(minutes: int) -> str:
    """96 -> "1h 36m"; 45 -> "45m"; 120 -> "2h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def release_instant(
    release: Release, viewer_tz: tzinfo | None = None, default_tz: tzinfo = UTC
) -> datetime:
    """When a viewer can watch: a fixed instant for ``global`` releases; for ``local_midnight``
    00:00 on the date in the viewer's zone (``default_tz`` when the viewer has none).

    Where local midnight does not exist (a DST jump at midnight) this is the first instant of
    that day, because zoneinfo reads the missing wall time with the offset before the jump.
    """
    if release.model == "global":
        assert release.zone is not None and release.time is not None
        local = datetime.combine(release.date, release.time, ZoneInfo(release.zone))
    else:
        local = datetime.combine(release.date, time(0), viewer_tz or default_tz)
    return local.astimezone(UTC)


# --- text normalisation -------------------------------------------------------------------------

_APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`´‘"), None)
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Casefold, strip accents, drop apostrophes, turn other punctuation into single spaces.

    "Nan-young" -> "nan young"; "Amélie's" -> "amelies"; Hangul stays Hangul.
    """
    s = text.casefold().translate(_APOSTROPHES)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
        s = unicodedata.normalize("NFC", s)
    return _NON_WORD.sub(" ", s).strip()


def compact(text: str) -> str:
    """The matching key: normalised without spaces, so "Nan Young" == "nan-young" == "nanyoung"."""
    return normalize(text).replace(" ", "")


# --- parsing and validation ---------------------------------------------------------------------

T = TypeVar("T")


# Allowed and required keys per table. Checked with set operations first: the common, valid case
# costs a few C calls; only a flawed table pays for the precise error message.
@dataclass(frozen=True)
class _Spec:
    allowed: frozenset[str]
    required: frozenset[str]


def _spec(allowed: str, required: str) -> _Spec:
    return _Spec(frozenset(allowed.split()), frozenset(required.split()))


_TOP = _spec(
    "id sources titles synopsis releases runtime people characters directors writers "
    "cast genres setting facts quotes",
    "id sources titles",
)
_SOURCE = _spec("title publisher url date ref note", "title")
_TITLE = _spec("text kind sources lang", "text kind sources")
_VARIANT = _spec("text kind sources", "text kind sources")
_PERSON = _spec("name sources variants", "name sources")
_CHARACTER = _spec("name sources variants descriptions", "name sources")
_TEXT = _spec("text sources note", "text sources")
_RUNTIME = _spec("minutes sources note", "minutes sources")
_CREDIT = _spec("people sources note", "people sources")
_CAST = _spec("person character role sources note", "person sources")
_RELEASE = _spec(
    "platform regions model date time zone sources note", "platform regions model date sources"
)
_GENRE = _spec("name sources", "name sources")
_SETTING = _spec("aspect value sources", "aspect value sources")
_QUOTE = _spec("text by context sources", "text by sources")


def _clean(value: Any) -> bool:
    """Non-empty text without surrounding whitespace: the common case, accepted as is."""
    return (
        value.__class__ is str
        and value != ""
        and not value[0].isspace()
        and not value[-1].isspace()
    )


class _Reader:
    """Reads one film document, raising DataError(path, dotted.field, problem) on the first flaw."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.source_keys: frozenset[str] = frozenset()

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(self.path, where, problem)

    def table(self, data: Any, where: str, spec: _Spec) -> dict[str, Any]:
        allowed, required = spec.allowed, spec.required
        if data.__class__ is dict and allowed.issuperset(data) and data.keys() >= required:
            return data
        if not isinstance(data, dict):
            raise self.fail(where, f"must be a table, not {_type_name(data)}")
        for key in data:
            if key not in allowed:
                raise self.fail(
                    _join(where, key), f"unknown key; expected one of: {', '.join(sorted(allowed))}"
                )
        for key in sorted(required):
            if key not in data:
                raise self.fail(_join(where, key), "is required")
        return data

    def text(self, data: dict[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if value.__class__ is str and value and not value[0].isspace() and not value[-1].isspace():
            return value
        if value is None:
            raise self.fail(_join(where, key), "is required")
        return self._text_slow(value, _join(where, key))

    def opt_text(self, data: dict[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None or (
            value.__class__ is str and value and not value[0].isspace() and not value[-1].isspace()
        ):
            return value
        return self._text_slow(value, _join(where, key))

    def _text_slow(self, value: Any, at: str) -> str:
        if not isinstance(value, str):
            raise self.fail(at, f"must be text, not {_type_name(value)}")
        if not value.strip():
            raise self.fail(at, "must not be empty")
        return value.strip()

    def choice(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        choices: tuple[str, ...],
        default: str | None = None,
    ) -> str:
        value = data.get(key, default)
        if value in choices:
            return value
        value = self.text(data, key, where)
        raise self.fail(_join(where, key), f"'{value}' is not one of: {', '.join(choices)}")

    def slug(self, value: Any, at: str) -> str:
        if value.__class__ is str and value in _good_slugs:
            return value
        if value.__class__ is not str or not _SLUG.fullmatch(value):
            raise self.fail(
                at,
                f"{value!r} must be a slug like 'lost-in-starlight' "
                "(lowercase letters, digits, single hyphens)",
            )
        if len(_good_slugs) < 50_000:
            _good_slugs.add(value)
        return value

    def sources(self, data: dict[str, Any], where: str) -> tuple[str, ...]:
        value = data.get("sources")
        try:
            if value.__class__ is list and value and self.source_keys.issuperset(value):
                return tuple(value)
        except TypeError:
            pass  # an unhashable item: reported below
        keys = self.text_list(data, "sources", where)
        for i, key in enumerate(keys):
            if key not in self.source_keys:
                known = ", ".join(sorted(self.source_keys)) or "none declared"
                raise self.fail(
                    f"{_join(where, 'sources')}[{i}]", f"unknown source '{key}' (known: {known})"
                )
        return keys

    def text_list(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        at = _join(where, key)
        if value is None:
            raise self.fail(at, "is required")
        if not isinstance(value, list):
            raise self.fail(at, f"must be a list of text, not {_type_name(value)}")
        if not value:
            raise self.fail(at, "must not be empty")
        return tuple(
            v if _clean(v) else self._text_slow(v, f"{at}[{i}]") for i, v in enumerate(value)
        )

    def tables(self, data: dict[str, Any], key: str) -> list[Any]:
        """An optional array of tables ([[key]])."""
        value = data.get(key)
        if value is None:
            return []
        if value.__class__ is not list:
            raise self.fail(key, f"must be a list of tables ([[{key}]]), not {_type_name(value)}")
        return value

    def date(self, data: dict[str, Any], key: str, where: str) -> date | None:
        value = data.get(key)
        if value is None or value.__class__ is date:
            return value
        if isinstance(value, str) and _DATE_TEXT.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        if isinstance(value, datetime):
            raise self.fail(_join(where, key), "must be a date without a time, like 2025-05-30")
        raise self.fail(_join(where, key), f"{value!r} is not a valid date like 2025-05-30")

    def time(self, data: dict[str, Any], key: str, where: str) -> time:
        value = data.get(key)
        at = _join(where, key)
        if value.__class__ is time and value.tzinfo is None:
            return value
        if value is None:
            raise self.fail(at, "is required")
        if isinstance(value, time):
            raise self.fail(at, "must be a local time; put the zone in 'zone'")
        if isinstance(value, str) and (m := _TIME_TEXT.fullmatch(value.strip())):
            try:
                return time(int(m[1]), int(m[2]), int(m[3] or 0))
            except ValueError:
                pass
        raise self.fail(at, f"{value!r} is not a valid time like 00:00")

    def zone(self, data: dict[str, Any], key: str, where: str) -> str:
        name = self.text(data, key, where)
        if not _known_zone(name):
            raise self.fail(
                _join(where, key), f"'{name}' is not an IANA time zone like 'America/Los_Angeles'"
            )
        return name


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _type_name(value: Any) -> str:
    return {
        dict: "a table",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def parse_film(data: dict[str, Any], path: str) -> Film:
    """Validate a film document (from TOML) and build the Film.

    Raises DataError(path, field, problem) naming the first offending field, e.g.
    ``releases[0].zone``.
    """
    r = _Reader(path)
    top = r.table(data, "", _TOP)
    film_id = r.slug(top["id"], "id")
    sources = _read_sources(r, top["sources"])
    r.source_keys = frozenset(s.key for s in sources)
    titles = tuple(
        _read_name(r, d, f"titles[{i}]", TITLE_KINDS, _TITLE)
        for i, d in enumerate(r.tables(top, "titles"))
    )
    if not titles:
        raise r.fail("titles", "needs at least one title")
    people = _read_keyed(r, top, "people", _read_person)
    characters = _read_keyed(r, top, "characters", _read_character)
    person_keys = frozenset(p.key for p in people)
    character_keys = frozenset(c.key for c in characters)

    def each(key: str, read: Callable[..., T], *extra: Any) -> tuple[T, ...]:
        items = top.get(key)
        if not items:
            return ()
        if items.__class__ is not list:
            r.tables(top, key)  # raises the precise error
        return tuple([read(r, d, f"{key}[{i}]", *extra) for i, d in enumerate(items)])

    return Film(
        id=film_id,
        path=path,
        sources=sources,
        titles=titles,
        synopsis=each("synopsis", _read_text_claim),
        releases=each("releases", _read_release),
        runtime=each("runtime", _read_runtime),
        people=people,
        characters=characters,
        directors=each("directors", _read_credit, person_keys),
        writers=each("writers", _read_credit, person_keys),
        cast=each("cast", _read_cast, person_keys, character_keys),
        genres=each("genres", _read_genre),
        setting=each("setting", _read_setting),
        facts=each("facts", _read_text_claim),
        quotes=each("quotes", _read_quote),
    )


def _read_sources(r: _Reader, data: Any) -> tuple[Source, ...]:
    if not isinstance(data, dict) or not data:
        raise r.fail("sources", "must declare at least one [sources.<key>] table")
    out = []
    for key, value in data.items():
        where = f"sources.{key}"
        r.slug(key, where)
        d = r.table(value, where, _SOURCE)
        url = r.opt_text(d, "url", where)
        if url is not None and not url.startswith(("https://", "http://")):
            raise r.fail(f"{where}.url", "must start with https:// or http://")
        out.append(
            Source(
                key,
                r.text(d, "title", where),
                r.opt_text(d, "publisher", where),
                url,
                r.date(d, "date", where),
                r.opt_text(d, "ref", where),
                r.opt_text(d, "note", where),
            )
        )
    return tuple(out)


def _read_name(r: _Reader, data: Any, where: str, kinds: tuple[str, ...], spec: _Spec) -> Name:
    d = r.table(data, where, spec)
    return Name(
        r.text(d, "text", where),
        r.choice(d, "kind", where, kinds),
        r.sources(d, where),
        r.opt_text(d, "lang", where),
    )


def _read_keyed(
    r: _Reader, top: dict[str, Any], key: str, read: Callable[[_Reader, str, Any, str], T]
) -> tuple[T, ...]:
    value = top.get(key)
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise r.fail(key, f"must be tables like [{key}.<key>], not {_type_name(value)}")
    return tuple(read(r, r.slug(k, f"{key}.{k}"), v, f"{key}.{k}") for k, v in value.items())


def _read_list(r: _Reader, d: dict[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    if value.__class__ is not list:
        raise r.fail(f"{where}.{key}", "must be a list of tables")
    return value


def _read_person(r: _Reader, key: str, data: Any, where: str) -> Person:
    d = r.table(data, where, _PERSON)
    variants = tuple(
        _read_name(r, v, f"{where}.variants[{i}]", VARIANT_KINDS, _VARIANT)
        for i, v in enumerate(_read_list(r, d, "variants", where))
    )
    return Person(key, r.text(d, "name", where), r.sources(d, where), variants)


def _read_character(r: _Reader, key: str, data: Any, where: str) -> Character:
    d = r.table(data, where, _CHARACTER)
    variants = tuple(
        _read_name(r, v, f"{where}.variants[{i}]", VARIANT_KINDS, _VARIANT)
        for i, v in enumerate(_read_list(r, d, "variants", where))
    )
    descriptions = tuple(
        _read_text_claim(r, v, f"{where}.descriptions[{i}]")
        for i, v in enumerate(_read_list(r, d, "descriptions", where))
    )
    return Character(key, r.text(d, "name", where), r.sources(d, where), variants, descriptions)


def _read_text_claim(r: _Reader, data: Any, where: str) -> TextClaim:
    d = r.table(data, where, _TEXT)
    return TextClaim(r.text(d, "text", where), r.sources(d, where), r.opt_text(d, "note", where))


def _read_runtime(r: _Reader, data: Any, where: str) -> RuntimeClaim:
    d = r.table(data, where, _RUNTIME)
    minutes = d["minutes"]
    if minutes.__class__ is not int or not 1 <= minutes <= 2000:
        raise r.fail(f"{where}.minutes", f"{minutes!r} must be a whole number of minutes, 1-2000")
    return RuntimeClaim(minutes, r.sources(d, where), r.opt_text(d, "note", where))


def _read_credit(r: _Reader, data: Any, where: str, person_keys: frozenset[str]) -> CreditClaim:
    d = r.table(data, where, _CREDIT)
    people = r.text_list(d, "people", where)
    if not person_keys.issuperset(people):
        i, key = next((i, k) for i, k in enumerate(people) if k not in person_keys)
        raise r.fail(f"{where}.people[{i}]", f"unknown person '{key}'; declare [people.{key}]")
    return CreditClaim(people, r.sources(d, where), r.opt_text(d, "note", where))


def _read_cast(
    r: _Reader, data: Any, where: str, person_keys: frozenset[str], character_keys: frozenset[str]
) -> CastCredit:
    d = r.table(data, where, _CAST)
    person = r.text(d, "person", where)
    if person not in person_keys:
        raise r.fail(f"{where}.person", f"unknown person '{person}'; declare [people.{person}]")
    character = r.opt_text(d, "character", where)
    if character is not None and character not in character_keys:
        raise r.fail(
            f"{where}.character",
            f"unknown character '{character}'; declare [characters.{character}]",
        )
    return CastCredit(
        person,
        character,
        r.choice(d, "role", where, CAST_ROLES, "actor"),
        r.sources(d, where),
        r.opt_text(d, "note", where),
    )


def _read_release(r: _Reader, data: Any, where: str) -> Release:
    d = r.table(data, where, _RELEASE)
    model = r.choice(d, "model", where, RELEASE_MODELS)
    day = r.date(d, "date", where)
    assert day is not None  # required above
    when: time | None = None
    zone: str | None = None
    if model == "global":
        when, zone = r.time(d, "time", where), r.zone(d, "zone", where)
        _check_wall_time(r, day, when, zone, f"{where}.time")
    else:
        for key in ("time", "zone"):
            if key in d:
                raise r.fail(
                    f"{where}.{key}",
                    "local_midnight releases have no time or zone: "
                    "they start at 00:00 in each viewer's own zone",
                )
    return Release(
        r.text(d, "platform", where),
        r.text_list(d, "regions", where),
        model,
        day,
        when,
        zone,
        r.sources(d, where),
        r.opt_text(d, "note", where),
    )


def _check_wall_time(r: _Reader, day: date, when: time, zone: str, at: str) -> None:
    """Refuse wall times skipped or repeated by a DST change: the instant would be a guess."""
    problem = _wall_time_problem(day, when, zone)
    if problem:
        raise r.fail(at, problem)


@lru_cache(maxsize=4096)
def _wall_time_problem(day: date, when: time, zone: str) -> str | None:
    tz = ZoneInfo(zone)
    local = datetime.combine(day, when, tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return f"{day} {when} does not exist in {zone} (clocks jump forward)"
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        return f"{day} {when} happens twice in {zone} (clocks go back); pick another"
    return None


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _read_genre(r: _Reader, data: Any, where: str) -> GenreClaim:
    d = r.table(data, where, _GENRE)
    return GenreClaim(r.text(d, "name", where), r.sources(d, where))


def _read_setting(r: _Reader, data: Any, where: str) -> SettingClaim:
    d = r.table(data, where, _SETTING)
    return SettingClaim(
        r.choice(d, "aspect", where, SETTING_ASPECTS),
        r.text(d, "value", where),
        r.sources(d, where),
    )


def _read_quote(r: _Reader, data: Any, where: str) -> Quote:
    d = r.table(data, where, _QUOTE)
    return Quote(
        r.text(d, "text", where),
        r.text(d, "by", where),
        r.sources(d, where),
        r.opt_text(d, "context", where),
    )


# --- search index -------------------------------------------------------------------------------

INDEX_KINDS = ("title", "alias", "character", "person")
_KIND_CODE = {kind: code for code, kind in enumerate(INDEX_KINDS)}
_MAX_QUERY = 200  # characters of a query looked at (Discord allows far longer options)
_PREFIX_SCAN = 300  # keys looked at after the bisect point: bounds short prefixes like "t"
_FILL = 5  # complete(): look for typo matches only when exact and prefix found fewer films
_GRAM_BUDGET = 10_000  # postings entries counted per fuzzy query
_MAX_LISTS = 8
_FUZZY_CANDIDATES = 60
_FUZZY_FLOOR = 0.45  # below this a fuzzy match is noise


@dataclass(frozen=True)
class SearchHit:
    film_id: str
    matched_name: str
    kind: str
    score: float  # 1.0 exact; 0.75-0.95 prefix; below 0.75 typo-tolerant


def _word_grams(word: str) -> frozenset[str]:
    """ "^" plus the first two letters, and every trigram, of one normalised word."""
    return frozenset(["^" + word[:2], *[word[i : i + 3] for i in range(len(word) - 2)]])


def _grams(norm: str) -> set[str]:
    """The trigrams a name is indexed (and a query looked up) by: per word, so names made of
    common words share cached gram sets while building."""
    return set().union(*map(_word_grams, norm.split()))


def _key_grams(key: str) -> set[str]:
    grams = {key[i : i + 3] for i in range(len(key) - 2)}
    grams.add("^" + key[:2])
    return grams


def _similarity(query_grams: set[str], key: str) -> float:
    """Mostly containment (how much of the query the name covers), partly Dice (length fit)."""
    grams = _key_grams(key)
    common = len(query_grams & grams)
    return 0.6 * common / len(query_grams) + 0.8 * common / (len(query_grams) + len(grams))


def _without_article(norm: str) -> str:
    """The compact key of a normalised title without a leading "the", "a" or "an"."""
    first, _, rest = norm.partition(" ")
    return (rest if rest and first in ("the", "a", "an") else norm).replace(" ", "")


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, replace, swap neighbours), or
    ``limit + 1`` as soon as it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        char = a[i - 1]
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


class _Space:
    """One key space (titles, or people and characters): sorted compact keys for exact and
    prefix lookups, trigram postings for typos, and per key its entries (film, kind)."""

    def __init__(self, b: _SpaceBuilder) -> None:
        self.keys = b.keys
        self.display = b.display  # per key: the first spelling seen, shown as matched_name
        order = sorted(range(len(b.keys)), key=b.keys.__getitem__)
        self.sorted_ids = array("i", order)
        self.sorted_keys = [b.keys[i] for i in order]
        # Entries grouped by key: those of key k are at start[k]:start[k + 1].
        counts = [0] * (len(b.keys) + 1)
        for kid in b.e_key:
            counts[kid + 1] += 1
        self.start = array("i", accumulate(counts))
        perm = sorted(range(len(b.e_key)), key=b.e_key.__getitem__)
        self.film = array("i", map(b.e_film.__getitem__, perm))
        self.kind = array("b", map(b.e_kind.__getitem__, perm))
        self.postings = dict(b.postings)

    def exact(self, key: str) -> int | None:
        i = bisect_left(self.sorted_keys, key)
        if i < len(self.sorted_keys) and self.sorted_keys[i] == key:
            return self.sorted_ids[i]
        return None

    def prefix(self, key: str, scan: int = _PREFIX_SCAN) -> list[tuple[int, float]]:
        """(key id, score) for keys starting with key: 1.0 when equal, else 0.75-0.95."""
        keys = self.sorted_keys
        i = bisect_left(keys, key)
        out = []
        for j in range(i, min(i + scan, len(keys))):
            candidate = keys[j]
            if not candidate.startswith(key):
                break
            score = 1.0 if len(candidate) == len(key) else 0.75 + 0.2 * len(key) / len(candidate)
            out.append((self.sorted_ids[j], score))
        return out

    def fuzzy(self, norm: str, key: str) -> list[tuple[int, float]]:
        """(key id, score < 0.75) for keys sharing enough trigrams with the query.

        Candidates come from the query's rarest trigrams only (a bounded amount of postings);
        a typo spoils at most three trigrams, so the intended name still shares most of them.
        """
        postings = self.postings
        lists = sorted([postings[g] for g in _grams(norm) if g in postings], key=len)
        if not lists:
            return []
        counts: Counter[int] = Counter()
        used = total = 0
        for arr in lists[:_MAX_LISTS]:
            if used >= 2 and total + len(arr) > _GRAM_BUDGET:
                break
            counts.update(arr)
            used += 1
            total += len(arr)
        need = (used + 1) // 2
        candidates = [kid for kid, n in counts.items() if n >= need]
        if len(candidates) > _FUZZY_CANDIDATES:
            candidates = heapq.nlargest(_FUZZY_CANDIDATES, candidates, key=counts.__getitem__)
        query = _key_grams(key)
        keys = self.keys
        out = []
        for kid in candidates:
            sim = _similarity(query, keys[kid])
            if sim >= _FUZZY_FLOOR:
                out.append((kid, 0.75 * min(sim, 0.999)))
        return out

    def entries(self, kid: int) -> range:
        return range(self.start[kid], self.start[kid + 1])


class _SpaceBuilder:
    def __init__(self, cache_names: bool) -> None:
        self.keys: list[str] = []
        self.display: list[str] = []
        self.key_id: dict[str, int] = {}
        # display name -> key id, for spaces whose names repeat (people across films)
        self.names: dict[str, int] | None = {} if cache_names else None
        self.postings: defaultdict[str, array[int]] = defaultdict(partial(array, "i"))
        self.word_grams: dict[str, frozenset[str]] = {}
        self.e_key = array("i")
        self.e_film = array("i")
        self.e_kind = array("b")

    def kid(self, name: str) -> int:
        """The key id for a name (-1 when it has no letters or digits), new keys indexed."""
        names = self.names
        if names is not None:
            kid = names.get(name)
            if kid is not None:
                return kid
        norm = normalize(name)
        key = norm.replace(" ", "")
        kid = self.key_id.get(key, -1) if key else -2
        if kid == -1:
            kid = self.key_id[key] = len(self.keys)
            self.keys.append(key)
            self.display.append(name)
            cache = self.word_grams
            grams = set()
            for word in norm.split():
                word_grams = cache.get(word)
                if word_grams is None:
                    word_grams = _word_grams(word)
                    if len(cache) < 50_000:
                        cache[word] = word_grams
                grams |= word_grams
            postings = self.postings
            for gram in grams:
                postings[gram].append(kid)
        if kid == -2:
            kid = -1
        if names is not None:
            names[name] = kid
        return kid


class FilmIndexBuilder:
    """Collects films' names, then :meth:`build` makes a compact FilmIndex."""

    def __init__(self) -> None:
        self.film_pos: dict[str, int] = {}
        self.film_ids: list[str] = []
        self.labels: list[str | None] = []
        self.titles = _SpaceBuilder(cache_names=False)
        self.people = _SpaceBuilder(cache_names=True)

    def add_film(self, film_id: str, label: str | None, rows: Iterable[Iterable[str]]) -> None:
        """One film's (name, kind) rows; the label defaults to its first title."""
        film = self.film_pos.get(film_id)
        if film is None:
            film = self.film_pos[film_id] = len(self.film_ids)
            self.film_ids.append(film_id)
            self.labels.append(None)
        seen: set[int] = set()
        titles, people = self.titles, self.people
        for name, kind in rows:
            code = _KIND_CODE[kind]
            space = titles if code < 2 else people
            kid = space.kid(name)
            tag = kid * 4 + code
            if kid < 0 or tag in seen:
                continue  # "Kim Tae-Ri" and "Kim Tae-ri" are one entry
            seen.add(tag)
            space.e_key.append(kid)
            space.e_film.append(film)
            space.e_kind.append(code)
            if label is None and code == 0:
                label = name
        if label is not None:
            self.labels[film] = label

    def build(self) -> FilmIndex:
        return FilmIndex._from_builder(self)


class FilmIndex:
    """In-memory name index over titles/aliases and people/characters (see _Space)."""

    def __init__(
        self, rows: Iterable[tuple[str, str, str]] = (), labels: Mapping[str, str] | None = None
    ) -> None:
        builder = FilmIndexBuilder()
        by_film: dict[str, list[tuple[str, str]]] = {}
        for film_id, name, kind in rows:
            by_film.setdefault(film_id, []).append((name, kind))
        for film_id, names in by_film.items():
            builder.add_film(film_id, (labels or {}).get(film_id), names)
        self._adopt(builder)

    @classmethod
    def _from_builder(cls, builder: FilmIndexBuilder) -> FilmIndex:
        index = cls.__new__(cls)
        index._adopt(builder)
        return index

    def _adopt(self, b: FilmIndexBuilder) -> None:
        self._film_ids = b.film_ids
        self._film_pos = b.film_pos
        self._labels = [
            label or film_id for label, film_id in zip(b.labels, b.film_ids, strict=True)
        ]
        self._titles = _Space(b.titles)
        self._people = _Space(b.people)
        first = sorted(range(len(self._film_ids)), key=lambda f: self._labels[f].casefold())
        self._first = first[:100]

    def __len__(self) -> int:
        return len(self._film_ids)

    def has_film(self, film_id: str) -> bool:
        return film_id in self._film_pos

    def label(self, film_id: str) -> str:
        return self._labels[self._film_pos[film_id]]

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete over titles and aliases: exact, then prefix, then typo-tolerant matches,
        one (label, film_id) per film."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return [(self._labels[f], self._film_ids[f]) for f in self._first[:limit]]
        space = self._titles
        best = self._best_per_film(space.prefix(key))
        if len(best) < min(limit, _FILL) and len(key) >= 3:
            for film, found in self._best_per_film(space.fuzzy(norm, key)).items():
                best.setdefault(film, found)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], self._labels[item[0]]))
        return [
            (self._choice_label(f, kid, code), self._film_ids[f])
            for f, (_, kid, code) in ranked[:limit]
        ]

    def search(self, text: str, limit: int = 10) -> list[SearchHit]:
        """Films whose title, alias, person or character matches text, best first (one hit per
        film: its best-matching name). Typo-tolerant matching only tops up a short list."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return []
        spaces = (self._titles, self._people)
        best: dict[int, tuple[float, int, int, int]] = {}  # film -> (score, -code, space, kid)
        for which, space in enumerate(spaces):
            self._gather(best, which, space, space.prefix(key, scan=4 * limit), limit)
        if len(best) < limit and len(key) >= 3:
            for which, space in enumerate(spaces):
                self._gather(best, which, space, space.fuzzy(norm, key), limit)
        ranked = sorted(
            best.items(), key=lambda item: (-item[1][0], -item[1][1], self._film_ids[item[0]])
        )
        return [
            SearchHit(
                self._film_ids[film],
                spaces[which].display[kid],
                INDEX_KINDS[-neg_code],
                round(score, 4),
            )
            for film, (score, neg_code, which, kid) in ranked[:limit]
        ]

    @staticmethod
    def _gather(
        best: dict[int, tuple[float, int, int, int]],
        which: int,
        space: _Space,
        matches: list[tuple[int, float]],
        limit: int,
    ) -> None:
        for kid, score in matches:
            for pos in space.entries(kid)[:limit]:
                film = space.film[pos]
                candidate = (score, -space.kind[pos], which, kid)
                old = best.get(film)
                if old is None or candidate[:2] > old[:2]:
                    best[film] = candidate

    def best(self, text: str) -> str | None:
        """The film a typed title means, or None when no match is confident."""
        found = self.best_match(text)
        return found[0] if found else None

    def best_match(self, text: str) -> tuple[str, float] | None:
        """(film_id, score) for a confident match of text against titles and aliases: an exact
        (normalised) title, a prefix only one film has, or one film's title within a few typos."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return None
        space = self._titles
        exact = space.exact(key)
        if exact is not None:
            film = self._one_film(exact)
            return None if film is None else (film, 1.0)  # None: a title several films share
        if len(key) >= 4:
            per_film = self._best_per_film(space.prefix(key, scan=50))
            if len(per_film) == 1:
                film, (score, _, _) = per_film.popitem()
                return self._film_ids[film], score
        # Typos: the closest few trigram candidates, judged by edit distance (a swap counts
        # once); at most one edit per four letters, and no other film as close.
        limit = max(1, len(key) // 4)
        bare = _without_article(norm)
        nearest: dict[int, int] = {}
        for kid, _ in sorted(space.fuzzy(norm, key), key=lambda m: -m[1])[:8]:
            distance = min(
                _edit_distance(key, space.keys[kid], limit),
                _edit_distance(bare, _without_article(normalize(space.display[kid])), limit),
            )
            if distance <= limit:
                for pos in space.entries(kid):
                    film = space.film[pos]
                    nearest[film] = min(distance, nearest.get(film, distance))
        if not nearest:
            return None
        closest = min(nearest.values())
        films = [film for film, distance in nearest.items() if distance == closest]
        if len(films) > 1:
            return None
        return self._film_ids[films[0]], 0.75 * (1 - closest / (len(key) + 1))

    def exact_film(self, text: str) -> str | None:
        """The one film with this title or alias (after normalising), else None."""
        kid = self._titles.exact(compact(text))
        return None if kid is None else self._one_film(kid)

    def _one_film(self, kid: int) -> str | None:
        """The film a title key means: the one film with it as a title, else as an alias."""
        space = self._titles
        films = {space.film[p] for p in space.entries(kid) if space.kind[p] == 0}
        films = films or {space.film[p] for p in space.entries(kid)}
        return self._film_ids[films.pop()] if len(films) == 1 else None

    def _best_per_film(self, matches: list[tuple[int, float]]) -> dict[int, tuple[float, int, int]]:
        """film -> (best score, key id, kind code) over title-space matches."""
        space = self._titles
        best: dict[int, tuple[float, int, int]] = {}
        for kid, score in matches:
            for pos in space.entries(kid):
                film = space.film[pos]
                old = best.get(film)
                if old is None or score > old[0]:
                    best[film] = (score, kid, space.kind[pos])
        return best

    def _choice_label(self, film: int, kid: int, code: int) -> str:
        """The film's label; for a match on another of its titles, the label with that title."""
        label = self._labels[film]
        name = self._titles.display[kid]
        if code == 0 and name != label and self._titles.keys[kid] != compact(label):
            return f"{label} ({name})"
        return label
