"""Reading a film document (parsed TOML) into a Film, validating every field on the way.

Pure: no discord, no SQL, no file access. A film file (``data/films/<id>.toml``) looks like::

    id = "lost-in-starlight"                     # slug; the file name must be <id>.toml
    tmdb_id = 1234567                            # optional: TMDB's record of the same film
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
                 "local_midnight" (date: 00:00 in each viewer's own zone);
                 kind? (premiere|limited|theatrical|digital|physical|tv, default digital),
                 certification?
    [[genres]] name   [[setting]] aspect = place|time, value
    [[facts]] text    [[quotes]] text, by, context?

Every claim has ``sources = ["<key>", ...]`` naming declared sources, and may have a ``note``.
Dates may be TOML dates or "YYYY-MM-DD" text; times TOML local times or "HH:MM[:SS]" text.
Unknown keys are errors (a typo must not silently drop a fact).

A document is checked whole and every flaw reported at once: each unknown key, each reference
to an undeclared source, person or character, and in each item (a source, title, person,
variant, claim) the first value that can't be read, which ends that item; the next item is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import PurePath
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import zones
from bot.domain.filmmodel import (
    CAST_ROLES,
    RELEASE_KINDS,
    RELEASE_MODELS,
    SETTING_ASPECTS,
    TITLE_KINDS,
    VARIANT_KINDS,
    CastCredit,
    Character,
    CreditClaim,
    Film,
    GenreClaim,
    Name,
    Person,
    Quote,
    Release,
    RuntimeClaim,
    SettingClaim,
    Source,
    TextClaim,
)
from bot.errors import BadTime, DataError

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_good_slugs: set[str] = set()  # slugs already checked: people keys repeat across films
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_TEXT = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")

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
    "id tmdb_id sources titles synopsis releases runtime people characters directors writers "
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
    "platform regions model date time zone sources note kind certification",
    "platform regions model date sources",
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
    """Reads one film document, collecting DataError(path, dotted.field, problem) in ``errors``.

    A flaw that leaves the value usable (an unknown key, a reference to nothing declared) is
    recorded and reading goes on. Any other is raised: it ends the item being read, and
    :meth:`each` or :meth:`keyed` records it and reads the next item.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        # None: the sources can't be read, so references to them are not checked (each would
        # only repeat that one problem).
        self.source_keys: frozenset[str] | None = frozenset()
        self.errors: list[DataError] = []

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(self.path, where, problem)

    def each(self, items: Any, where: str, read: Callable[..., T], *extra: Any) -> tuple[T, ...]:
        """``read(self, item, "where[i]", *extra)`` for each item of an optional array of tables
        ([[where]]); a flawed item is recorded and left out."""
        if items is None:
            return ()
        if items.__class__ is not list:
            self.errors.append(
                self.fail(where, f"must be a list of tables ([[{where}]]), not {_type_name(items)}")
            )
            return ()
        out = []
        for i, item in enumerate(items):
            try:
                out.append(read(self, item, f"{where}[{i}]", *extra))
            except DataError as problem:
                self.errors.append(problem)
        return tuple(out)

    def keyed(self, data: dict[str, Any], key: str, read: Callable[..., T]) -> tuple[T, ...]:
        """``read(self, name, table, "key.name")`` for each optional [key.<name>] table; a flawed
        one is recorded and left out."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.errors.append(
                self.fail(key, f"must be tables like [{key}.<key>], not {_type_name(value)}")
            )
            return ()
        out = []
        for name, item in value.items():
            where = f"{key}.{name}"
            try:
                out.append(read(self, self.slug(name, where), item, where))
            except DataError as problem:
                self.errors.append(problem)
        return tuple(out)

    def table(self, data: Any, where: str, spec: _Spec) -> dict[str, Any]:
        allowed, required = spec.allowed, spec.required
        if data.__class__ is dict and allowed.issuperset(data) and data.keys() >= required:
            return data
        if not isinstance(data, dict):
            raise self.fail(where, f"must be a table, not {_type_name(data)}")
        expected = ", ".join(sorted(allowed))
        self.errors += [
            self.fail(_join(where, key), f"unknown key; expected one of: {expected}")
            for key in data
            if key not in allowed
        ]
        missing = [_join(where, key) for key in sorted(required) if key not in data]
        if missing:
            self.errors += [self.fail(at, "is required") for at in missing[:-1]]
            raise self.fail(missing[-1], "is required")
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
        known = self.source_keys
        try:
            if value.__class__ is list and value and known is not None and known.issuperset(value):
                return tuple(value)
        except TypeError:
            pass  # an unhashable item: reported below
        keys = self.text_list(data, "sources", where)
        if known is not None:
            names = ", ".join(sorted(known)) or "none declared"
            self.errors += [
                self.fail(
                    f"{_join(where, 'sources')}[{i}]", f"unknown source '{key}' (known: {names})"
                )
                for i, key in enumerate(keys)
                if key not in known
            ]
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


def parse_film(data: dict[str, Any], path: str, file_id: str | None = None) -> Film:
    """Validate a film document (from TOML) and build the Film.

    Raises DataError(path, field, problem) naming the first offending field, e.g.
    ``releases[0].zone``, with every flaw in the document in its ``errors``. ``file_id``: the
    id the file's name gives (``<id>.toml``), which the document's id must match.
    """
    r = _Reader(path)
    try:
        top = r.table(data, "", _TOP)
    except DataError as missing:  # a required key is missing: say so, and read the rest
        if not isinstance(data, dict):
            raise
        r.errors.append(missing)
        top = data
    film_id: str | None = None
    if "id" in top:
        try:
            film_id = r.slug(top["id"], "id")
        except DataError as problem:
            r.errors.append(problem)
    if film_id is not None and file_id is not None and film_id != file_id:
        name = PurePath(path).name
        r.errors.append(
            r.fail("id", f"'{film_id}' must match the file name '{name}' (without .toml)")
        )
    declared = top.get("sources")
    if isinstance(declared, dict) and declared:
        r.source_keys = frozenset(declared)
    else:
        r.source_keys = None
        if "sources" in top:
            r.errors.append(r.fail("sources", "must declare at least one [sources.<key>] table"))
    sources = r.keyed(top, "sources", _read_source) if r.source_keys else ()
    titles = r.each(top.get("titles"), "titles", _read_name, TITLE_KINDS, _TITLE)
    if top.get("titles") == []:
        r.errors.append(r.fail("titles", "needs at least one title"))
    tmdb_id = top.get("tmdb_id")
    if tmdb_id is not None and (tmdb_id.__class__ is not int or tmdb_id < 1):
        r.errors.append(r.fail("tmdb_id", f"{tmdb_id!r} must be a whole number above 0"))
        tmdb_id = None
    people = r.keyed(top, "people", _read_person)
    characters = r.keyed(top, "characters", _read_character)
    person_keys = _declared(top, "people")
    character_keys = _declared(top, "characters")
    # Every section is read (and so checked) even after a flaw; the film is only kept without.
    film = Film(
        id=film_id or "",
        path=path,
        sources=sources,
        titles=titles,
        synopsis=r.each(top.get("synopsis"), "synopsis", _read_text_claim),
        releases=r.each(top.get("releases"), "releases", _read_release),
        runtime=r.each(top.get("runtime"), "runtime", _read_runtime),
        people=people,
        characters=characters,
        directors=r.each(top.get("directors"), "directors", _read_credit, person_keys),
        writers=r.each(top.get("writers"), "writers", _read_credit, person_keys),
        cast=r.each(top.get("cast"), "cast", _read_cast, person_keys, character_keys),
        genres=r.each(top.get("genres"), "genres", _read_genre),
        setting=r.each(top.get("setting"), "setting", _read_setting),
        facts=r.each(top.get("facts"), "facts", _read_text_claim),
        quotes=r.each(top.get("quotes"), "quotes", _read_quote),
        tmdb_id=tmdb_id,
    )
    if r.errors:
        raise DataError.of(r.errors)
    return film


def _declared(top: dict[str, Any], key: str) -> frozenset[str] | None:
    """The names of the [key.<name>] tables, flawed ones too, to check references against;
    None when the section is not tables at all (references to it are then not checked)."""
    value = top.get(key, {})
    return frozenset(value) if isinstance(value, dict) else None


def _read_source(r: _Reader, key: str, data: Any, where: str) -> Source:
    d = r.table(data, where, _SOURCE)
    url = r.opt_text(d, "url", where)
    if url is not None and not url.startswith(("https://", "http://")):
        raise r.fail(f"{where}.url", "must start with https:// or http://")
    return Source(
        key,
        r.text(d, "title", where),
        r.opt_text(d, "publisher", where),
        url,
        r.date(d, "date", where),
        r.opt_text(d, "ref", where),
        r.opt_text(d, "note", where),
    )


def _read_name(r: _Reader, data: Any, where: str, kinds: tuple[str, ...], spec: _Spec) -> Name:
    d = r.table(data, where, spec)
    return Name(
        r.text(d, "text", where),
        r.choice(d, "kind", where, kinds),
        r.sources(d, where),
        r.opt_text(d, "lang", where),
    )


def _read_person(r: _Reader, key: str, data: Any, where: str) -> Person:
    d = r.table(data, where, _PERSON)
    variants = r.each(d.get("variants"), f"{where}.variants", _read_name, VARIANT_KINDS, _VARIANT)
    return Person(key, r.text(d, "name", where), r.sources(d, where), variants)


def _read_character(r: _Reader, key: str, data: Any, where: str) -> Character:
    d = r.table(data, where, _CHARACTER)
    variants = r.each(d.get("variants"), f"{where}.variants", _read_name, VARIANT_KINDS, _VARIANT)
    descriptions = r.each(d.get("descriptions"), f"{where}.descriptions", _read_text_claim)
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


def _read_credit(
    r: _Reader, data: Any, where: str, person_keys: frozenset[str] | None
) -> CreditClaim:
    d = r.table(data, where, _CREDIT)
    people = r.text_list(d, "people", where)
    if person_keys is not None and not person_keys.issuperset(people):
        r.errors += [
            r.fail(f"{where}.people[{i}]", f"unknown person '{key}'; declare [people.{key}]")
            for i, key in enumerate(people)
            if key not in person_keys
        ]
    return CreditClaim(people, r.sources(d, where), r.opt_text(d, "note", where))


def _read_cast(
    r: _Reader,
    data: Any,
    where: str,
    person_keys: frozenset[str] | None,
    character_keys: frozenset[str] | None,
) -> CastCredit:
    d = r.table(data, where, _CAST)
    person = r.text(d, "person", where)
    if person_keys is not None and person not in person_keys:
        r.errors.append(
            r.fail(f"{where}.person", f"unknown person '{person}'; declare [people.{person}]")
        )
    character = r.opt_text(d, "character", where)
    if character is not None and character_keys is not None and character not in character_keys:
        r.errors.append(
            r.fail(
                f"{where}.character",
                f"unknown character '{character}'; declare [characters.{character}]",
            )
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
        r.choice(d, "kind", where, RELEASE_KINDS, "digital"),
        r.opt_text(d, "certification", where),
    )


def _check_wall_time(r: _Reader, day: date, when: time, zone: str, at: str) -> None:
    """Refuse wall times skipped or repeated by a DST change: the instant would be a guess."""
    problem = _wall_time_problem(day, when, zone)
    if problem:
        raise r.fail(at, problem)


@lru_cache(maxsize=4096)
def _wall_time_problem(day: date, when: time, zone: str) -> str | None:
    # Cached: thousands of films share a handful of release times.
    try:
        zones.localize(datetime.combine(day, when), ZoneInfo(zone), refuse_fold=True)
    except BadTime as error:
        return str(error)
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
