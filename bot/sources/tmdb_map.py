"""TMDB's JSON -> domain films and search hits. Pure: no HTTP, no discord, no SQL.

:func:`film_from_tmdb` reads the document of
``GET /movie/{id}?append_to_response=credits,release_dates,translations,alternative_titles,
watch/providers,external_ids`` (fetched with ``language=en-US``). TMDB's data is community
edited and often partial, so every field is read defensively: a missing key, a null, an empty
list or a value of the wrong type leaves that fact out, never raises. Only a document with no id
or no title at all is refused (``ValueError``).

Choices worth knowing:

- Every fact cites the ``tmdb`` source (the film's page on themoviedb.org); watch offers cite
  ``justwatch`` instead, because TMDB's provider data comes from JustWatch and TMDB's terms ask
  for that credit. Its URL is the film's watch page TMDB links to (without the country), else
  JustWatch's site.
- Titles: ``original_title`` (kind original), ``title`` (english, unless it is only TMDB's
  fallback to the original title for a film with no English title), the Korean translation
  (korean), other translations (translation) and alternative titles (alias). A translation or
  alias whose text is already a title is left out: it adds nothing to search.
- People keep TMDB's ``original_name`` as a ``native`` variant when it differs ("봉준호").
- Releases: platform is a label for the kind ("Cinemas", "Limited release", "Premiere",
  "Digital", "Physical", "TV"); for digital and TV releases TMDB's note names the service or
  channel ("Netflix", "KBS2"), so that note is the platform there. Elsewhere the note
  (a festival, a disc edition) stays the release's note. Every release is ``local_midnight``:
  TMDB's release times are not meaningful, only the date in that country is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.films import (
    OFFER_KINDS,
    RELEASE_KINDS,
    CastCredit,
    Character,
    CreditClaim,
    Film,
    GenreClaim,
    Name,
    Offer,
    Person,
    Release,
    RuntimeClaim,
    Source,
    TextClaim,
    slug,
)

TMDB = "tmdb"
JUSTWATCH = "justwatch"
IMAGE_BASE = "https://image.tmdb.org/t/p/w500"
JUSTWATCH_SITE = "https://www.justwatch.com"
#: What ``GET /movie/{id}`` is asked to append; the mapping reads each of these.
APPEND = "credits,release_dates,translations,alternative_titles,watch/providers,external_ids"
CAST_LIMIT = 15
WRITING_JOBS = ("Screenplay", "Writer", "Story")  # in the order the note lists them
KIND_LABELS = {
    "premiere": "Premiere",
    "limited": "Limited release",
    "theatrical": "Cinemas",
    "digital": "Digital",
    "physical": "Physical",
    "tv": "TV",
}
_NOTE_IS_PLATFORM = frozenset({"digital", "tv"})
_PLATFORM_NOTE_MAX = 40  # a longer note is a sentence, not a service's name
# TMDB's watch-provider lists -> OFFER_KINDS, in that order.
_OFFER_LISTS = dict(zip(("flatrate", "free", "ads", "rent", "buy"), OFFER_KINDS, strict=True))
_LABEL_MAX = 100  # Discord's limit for an autocomplete choice's name
_SRC = (TMDB,)


@dataclass(frozen=True)
class TmdbHit:
    """One film in a TMDB list (search results, upcoming)."""

    tmdb_id: int
    title: str
    original_title: str | None
    year: int | None
    poster: str | None
    release_date: date | None

    @property
    def label(self) -> str:
        """ "Parasite (2019)", or just the title without a year; at most 100 characters."""
        suffix = f" ({self.year})" if self.year else ""
        title = self.title
        if len(title) + len(suffix) > _LABEL_MAX:
            title = title[: _LABEL_MAX - len(suffix) - 1].rstrip() + "…"
        return title + suffix


# --- reading loose JSON -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A non-empty, stripped string, else None."""
    if value.__class__ is not str:
        return None
    return value.strip() or None


def _int(value: Any) -> int | None:
    """An int (not a bool), else None."""
    return value if value.__class__ is int else None


def _list(value: Any) -> list[Any]:
    return value if value.__class__ is list else []


def _dict(value: Any) -> dict[str, Any]:
    return value if value.__class__ is dict else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if item.__class__ is dict]


def _date(value: Any) -> date | None:
    """The date part of "2019-05-30" or "2019-05-30T00:00:00.000Z"; None when not a full date."""
    text = _text(value)
    if text is None or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _year(value: Any) -> int | None:
    """The year of a date text, even a year-only one ("2019")."""
    text = _text(value)
    if text is None or len(text) < 4 or not text[:4].isdigit():
        return None
    return int(text[:4]) or None


def _tmdb_id(value: Any) -> int | None:
    if value.__class__ is int and value > 0:
        return int(value)
    if value.__class__ is str and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def _poster(path: Any) -> str | None:
    text = _text(path)
    return IMAGE_BASE + text if text and text.startswith("/") else None


# --- search hits ----------------------------------------------------------------------------------


def hit_from_search(result: dict[str, Any]) -> TmdbHit:
    """One entry of a TMDB list (``/search/movie``, ``/movie/upcoming``); ValueError without an
    id or any title."""
    result = _dict(result)
    tmdb_id = _tmdb_id(result.get("id"))
    original = _text(result.get("original_title"))
    title = _text(result.get("title")) or original
    if tmdb_id is None or title is None:
        raise ValueError("a TMDB result needs an id and a title")
    released = result.get("release_date")
    return TmdbHit(
        tmdb_id=tmdb_id,
        title=title,
        original_title=original,
        year=_year(released),
        poster=_poster(result.get("poster_path")),
        release_date=_date(released),
    )


# --- films ----------------------------------------------------------------------------------------


def film_from_tmdb(movie: dict[str, Any], fetched: date) -> Film:
    """The film in a TMDB movie document, every fact citing TMDB (offers: JustWatch via TMDB).

    ``fetched`` dates the sources. ValueError when the document has no id or no title.
    """
    movie = _dict(movie)
    tmdb_id = _tmdb_id(movie.get("id"))
    if tmdb_id is None:
        raise ValueError("a TMDB movie needs an id")
    titles = _titles(movie)
    if not titles:
        raise ValueError(f"TMDB movie {tmdb_id} has no title")
    sources = [
        Source(
            TMDB,
            "TMDB",
            publisher="The Movie Database",
            url=f"https://www.themoviedb.org/movie/{tmdb_id}",
            date=fetched,
        )
    ]
    offers, watch_link = _offers(_dict(movie.get("watch/providers")))
    if offers:
        sources.append(
            Source(
                JUSTWATCH,
                "JustWatch (via TMDB)",
                publisher="JustWatch",
                url=watch_link or JUSTWATCH_SITE,
                date=fetched,
            )
        )
    overview = _text(movie.get("overview"))
    runtime = _int(movie.get("runtime"))
    credits = _Credits(_dict(movie.get("credits")))
    return Film(
        id=f"tmdb-{tmdb_id}",
        path=f"tmdb:{tmdb_id}",
        sources=tuple(sources),
        titles=titles,
        synopsis=(TextClaim(overview, _SRC),) if overview else (),
        releases=_releases(_dict(movie.get("release_dates"))),
        runtime=(RuntimeClaim(runtime, _SRC),) if runtime and runtime > 0 else (),
        people=tuple(credits.people.values()),
        characters=tuple(credits.characters.values()),
        directors=credits.directors,
        writers=credits.writers,
        cast=credits.cast,
        genres=tuple(
            GenreClaim(name, _SRC)
            for name in dict.fromkeys(_text(g.get("name")) for g in _dicts(movie.get("genres")))
            if name
        ),
        offers=offers,
        tmdb_id=tmdb_id,
        imdb_id=_text(movie.get("imdb_id"))
        or _text(_dict(movie.get("external_ids")).get("imdb_id")),
        poster=_poster(movie.get("poster_path")),
    )


def _titles(movie: dict[str, Any]) -> tuple[Name, ...]:
    original = _text(movie.get("original_title"))
    original_lang = _text(movie.get("original_language"))
    english = _text(movie.get("title"))
    translations = _dicts(_dict(movie.get("translations")).get("translations"))
    names: dict[tuple[str, str], Name] = {}
    texts: set[str] = set()

    def add(text: str | None, kind: str, lang: str | None, *, if_new: bool = False) -> None:
        if not text or (text, kind) in names or (if_new and text.casefold() in texts):
            return
        names[text, kind] = Name(text, kind, _SRC, lang)
        texts.add(text.casefold())

    add(original, "original", original_lang)
    # With language=en-US TMDB answers the original title when a film has no English one: that
    # stand-in is no English title, unless the film is in English or an English translation
    # says the same.
    stand_in = english == original and original_lang != "en"
    if english and (
        not stand_in
        or any(
            t.get("iso_639_1") == "en" and _text(_dict(t.get("data")).get("title")) == english
            for t in translations
        )
    ):
        add(english, "english", "en")
    for t in translations:
        lang = _text(t.get("iso_639_1"))
        title = _text(_dict(t.get("data")).get("title"))
        if lang == "ko":
            add(title, "korean", "ko")
    for t in translations:
        lang = _text(t.get("iso_639_1"))
        if lang != "ko":
            add(_text(_dict(t.get("data")).get("title")), "translation", lang, if_new=True)
    for alt in _dicts(_dict(movie.get("alternative_titles")).get("titles")):
        add(_text(alt.get("title")), "alias", None, if_new=True)
    return tuple(names.values())


class _Credits:
    """People, characters, directors, writers and the top of the cast from ``credits``."""

    def __init__(self, credits: dict[str, Any]) -> None:
        self.people: dict[int, Person] = {}
        self.characters: dict[str, Character] = {}  # by character name
        self._keys: set[str] = set()
        crew = _dicts(credits.get("crew"))
        self.directors = self._claim([self._person(c) for c in crew if c.get("job") == "Director"])
        jobs: dict[str, dict[str, None]] = {job: {} for job in WRITING_JOBS}  # job -> names
        writers: list[Person | None] = []
        for c in crew:
            job = _text(c.get("job")) or ""
            if (names := jobs.get(job)) is not None and (person := self._person(c)):
                writers.append(person)
                names[person.name] = None
        note = "; ".join(f"{job}: {', '.join(names)}" for job, names in jobs.items() if names)
        self.writers = self._claim(writers, note or None)
        cast = sorted(
            _dicts(credits.get("cast")),
            key=lambda c: o if (o := _int(c.get("order"))) is not None else 1 << 30,
        )
        credited: list[CastCredit] = []
        for c in cast:
            if len(credited) == CAST_LIMIT:
                break
            person = self._person(c)
            if person is None:
                continue
            character, role = self._character(_text(c.get("character")))
            credited.append(CastCredit(person.key, character, role, _SRC))
        self.cast = tuple(dict.fromkeys(credited))

    def _person(self, entry: dict[str, Any]) -> Person | None:
        """The person in a credit (added on first sight); None without an id or a name."""
        person_id, name = _int(entry.get("id")), _text(entry.get("name"))
        if person_id is None or name is None:
            return None
        known = self.people.get(person_id)
        if known is None:
            native = _text(entry.get("original_name"))
            variants = (Name(native, "native", _SRC),) if native and native != name else ()
            known = self.people[person_id] = Person(f"tmdb-p{person_id}", name, _SRC, variants)
            self._keys.add(known.key)
        return known

    def _character(self, text: str | None) -> tuple[str | None, str]:
        """(character key or None, role): "Ellie (voice)" is the voice of Ellie."""
        role = "actor"
        if text and text.endswith("(voice)"):
            text, role = text.removesuffix("(voice)").strip() or None, "voice"
        if text is None:
            return None, role
        known = self.characters.get(text)
        if known is None:
            key = slug(text)
            if not key or key in self._keys:
                key = f"tmdb-c{len(self.characters) + 1}"
            while key in self._keys:  # only when a name slugs to "tmdb-c<n>" itself
                key += "x"
            known = self.characters[text] = Character(key, text, _SRC)
            self._keys.add(key)
        return known.key, role

    @staticmethod
    def _claim(people_: list[Person | None], note: str | None = None) -> tuple[CreditClaim, ...]:
        people = tuple(dict.fromkeys(p.key for p in people_ if p))
        return (CreditClaim(people, _SRC, note),) if people else ()


def _releases(release_dates: dict[str, Any]) -> tuple[Release, ...]:
    releases: dict[Release, None] = {}
    for country in _dicts(release_dates.get("results")):
        region = _text(country.get("iso_3166_1"))
        if region is None:
            continue
        for entry in _dicts(country.get("release_dates")):
            kind_number, when = _int(entry.get("type")), _date(entry.get("release_date"))
            if kind_number is None or not 1 <= kind_number <= len(RELEASE_KINDS) or when is None:
                continue
            kind = RELEASE_KINDS[kind_number - 1]
            note = _text(entry.get("note"))
            platform = KIND_LABELS[kind]
            if note and kind in _NOTE_IS_PLATFORM and len(note) <= _PLATFORM_NOTE_MAX:
                platform, note = note, None
            release = Release(
                platform=platform,
                regions=(region,),
                model="local_midnight",
                date=when,
                time=None,
                zone=None,
                sources=_SRC,
                note=note,
                kind=kind,
                certification=_text(entry.get("certification")),
            )
            releases[release] = None
    return tuple(releases)


def _offers(watch: dict[str, Any]) -> tuple[tuple[Offer, ...], str | None]:
    """The offers in ``watch/providers`` and the film's watch page (any country's link)."""
    offers: dict[Offer, None] = {}
    link: str | None = None
    for country, lists in _dict(watch.get("results")).items():
        lists = _dict(lists)
        if not lists or not _text(country):
            continue
        link = link or _text(lists.get("link"))
        for list_name, kind in _OFFER_LISTS.items():
            for provider in _dicts(lists.get(list_name)):
                name = _text(provider.get("provider_name"))
                if name:
                    offers[Offer(country, name, kind, (JUSTWATCH,))] = None
    if link and link.startswith("https://"):
        link = link.partition("?")[0]  # the page for every country, not one locale's
    else:
        link = None
    return tuple(offers), link
