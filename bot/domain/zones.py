"""Time zones: resolve what people type ("Seoul", "KST", "Asia/Seoul", "UTC+9"), label zones and
offsets, and pin local wall times to instants (the one DST gap/fold policy: :func:`localize`).

Everything here is pure and independent of the host's time zone: no naive datetime is ever
interpreted in local time. Dates and clock times in words come from :mod:`bot.domain.clock_text`.
Stored keys are IANA names ("Asia/Seoul") or canonical fixed offsets ("UTC+09:00", "UTC").
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain import clock_text
from bot.errors import BadTime, UnknownZone

__all__ = [
    "DEFAULT_ZONES",
    "Localized",
    "ZoneMatch",
    "abbreviation",
    "find_zone",
    "localize",
    "resolve_zone",
    "suggest_zones",
    "utc_offset_label",
    "zone_from_key",
    "zone_key",
    "zone_label",
]

DEFAULT_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Asia/Kolkata",
    "Asia/Seoul",
    "Australia/Sydney",
)

# Shown for an empty autocomplete box, and ranked first among equal matches.
_POPULAR: tuple[str, ...] = DEFAULT_ZONES + (
    "UTC",
    "America/Chicago",
    "America/Denver",
    "America/Toronto",
    "America/Mexico_City",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Manila",
    "Pacific/Auckland",
)

_MAX_OFFSET = timedelta(hours=14)
_UTC_KEY = "UTC"
_HINT = "Try a city, like `Seoul`, or an IANA name like `Asia/Seoul`."


@dataclass(frozen=True)
class ZoneMatch:
    """A resolved zone: ``key`` is what gets stored, ``note``/``warning`` are shown to the user."""

    key: str
    tz: tzinfo
    note: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class Localized:
    """A local wall time pinned to one instant (see :func:`localize`)."""

    instant_utc: datetime
    local: datetime
    note: str | None = None


# --- curated tables --------------------------------------------------------------------------

# (aliases, zone, description). Aliases are matched after folding (lower case, no accents) and
# after dropping a trailing "time" / "standard" / "daylight" / "summer".
_ABBREVIATIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("PT", "PST", "PDT", "pacific", "us pacific"), "America/Los_Angeles",
     "US Pacific Time; follows daylight saving"),
    (("MT", "MST", "MDT", "mountain", "us mountain"), "America/Denver",
     "US Mountain Time; follows daylight saving. Arizona doesn't: use `Phoenix` there"),
    (("CT", "CST", "CDT", "central", "us central"), "America/Chicago",
     "US Central Time; follows daylight saving. For China Standard Time use `Shanghai`"),
    (("ET", "EST", "EDT", "eastern", "us eastern"), "America/New_York",
     "US Eastern Time; follows daylight saving"),
    (("AKST", "AKDT", "alaska"), "America/Anchorage", "Alaska Time; follows daylight saving"),
    (("HST", "hawaii", "hawaiian"), "Pacific/Honolulu", "Hawaii Time; no daylight saving"),
    (("AST", "ADT", "atlantic"), "America/Halifax",
     "Atlantic Time, as in Halifax; follows daylight saving"),
    (("NST", "NDT", "newfoundland"), "America/St_Johns", "Newfoundland Time"),
    (("BST", "british"), "Europe/London",
     "British Summer Time; follows UK daylight saving"),
    (("WET", "WEST", "western european"), "Europe/Lisbon",
     "Western European Time; I picked Lisbon, which follows EU daylight saving"),
    (("CET", "CEST", "central european", "MET", "MEST"), "Europe/Paris",
     "Central European Time; I picked Paris, and any Central European city works the same"),
    (("EET", "EEST", "eastern european"), "Europe/Athens",
     "Eastern European Time; I picked Athens"),
    (("MSK",), "Europe/Moscow", "Moscow Time"),
    (("TRT",), "Europe/Istanbul", "Turkey Time"),
    (("GST", "gulf"), "Asia/Dubai", "Gulf Standard Time"),
    (("IRST", "iran"), "Asia/Tehran", "Iran Time"),
    (("PKT", "pakistan"), "Asia/Karachi", "Pakistan Standard Time"),
    (("IST", "india", "indian"), "Asia/Kolkata",
     "India Standard Time. IST can also mean Irish or Israel time: use `Dublin` or "
     "`Jerusalem` for those"),
    (("NPT", "nepal"), "Asia/Kathmandu", "Nepal Time"),
    (("ICT", "indochina"), "Asia/Bangkok", "Indochina Time"),
    (("WIB",), "Asia/Jakarta", "Western Indonesia Time"),
    (("PHT", "PHST", "philippine", "philippines"), "Asia/Manila", "Philippine Time"),
    (("HKT",), "Asia/Hong_Kong", "Hong Kong Time"),
    (("SGT",), "Asia/Singapore", "Singapore Time"),
    (("MYT",), "Asia/Kuala_Lumpur", "Malaysia Time"),
    (("china", "chinese"), "Asia/Shanghai", "China Standard Time"),
    (("KST", "korea", "korean", "south korea"), "Asia/Seoul", "Korea Standard Time"),
    (("JST", "japan", "japanese"), "Asia/Tokyo", "Japan Standard Time"),
    (("AWST",), "Australia/Perth", "Australian Western Time"),
    (("ACST", "ACDT"), "Australia/Adelaide",
     "Australian Central Time; follows South Australian daylight saving, unlike Darwin"),
    (("AEST", "AEDT"), "Australia/Sydney",
     "Australian Eastern Time; follows NSW daylight saving, unlike Brisbane"),
    (("NZST", "NZDT", "new zealand"), "Pacific/Auckland",
     "New Zealand Time; follows daylight saving"),
    (("BRT", "brasilia"), "America/Sao_Paulo", "Brasília Time"),
    (("ART",), "America/Argentina/Buenos_Aires", "Argentina Time"),
    (("SAST",), "Africa/Johannesburg", "South Africa Standard Time"),
    (("CAT",), "Africa/Maputo", "Central Africa Time"),
    (("EAT",), "Africa/Nairobi", "East Africa Time"),
    (("WAT",), "Africa/Lagos", "West Africa Time"),
)  # fmt: skip

# Words that mean plain UTC. GMT is UTC here: for UK time people should pick London.
_UTC_WORDS = frozenset(
    {
        "utc", "gmt", "z", "zulu", "uct", "universal", "coordinated universal",
        "greenwich", "greenwich mean", "gmt0", "etc/utc", "etc/gmt", "etc/uct",
        "etc/universal", "etc/zulu", "etc/greenwich", "etc/gmt0",
    }
)  # fmt: skip

# Well-known places that are not IANA names, and countries with a single zone.
_PLACES: dict[str, tuple[str, ...]] = {
    "America/Los_Angeles": (
        "San Francisco", "San Diego", "San Jose", "Seattle", "Portland", "Las Vegas",
        "Sacramento", "Silicon Valley", "Hollywood",
    ),
    "America/Denver": ("Salt Lake City", "Albuquerque", "Colorado"),
    "America/Phoenix": ("Arizona", "Tucson"),
    "America/Chicago": (
        "Dallas", "Houston", "Austin", "San Antonio", "Minneapolis", "St Louis",
        "Saint Louis", "New Orleans", "Nashville", "Kansas City", "Texas",
    ),
    "America/New_York": (
        "Washington", "Washington DC", "DC", "Boston", "Miami", "Atlanta", "Philadelphia",
        "Baltimore", "Pittsburgh", "Orlando", "Charlotte", "Cleveland", "Brooklyn", "NYC",
    ),
    "America/Toronto": ("Ottawa", "Montreal", "Quebec"),
    "America/Edmonton": ("Calgary",),
    "America/Sao_Paulo": ("Rio de Janeiro", "Rio", "Brasilia", "Belo Horizonte"),
    "Europe/London": (
        "Manchester", "Birmingham", "Liverpool", "Edinburgh", "Glasgow", "Cardiff", "Bristol",
        "Leeds", "UK", "United Kingdom", "England", "Britain", "Great Britain", "Scotland",
        "Wales",
    ),
    "Europe/Dublin": ("Ireland",),
    "Europe/Paris": ("Lyon", "Marseille", "Nice", "Toulouse", "France"),
    "Europe/Madrid": ("Barcelona", "Valencia", "Seville", "Spain"),
    "Europe/Berlin": ("Munich", "Frankfurt", "Hamburg", "Cologne", "Stuttgart", "Germany"),
    "Europe/Rome": ("Milan", "Venice", "Florence", "Naples", "Turin", "Italy"),
    "Europe/Amsterdam": ("Rotterdam", "The Hague", "Netherlands", "Holland"),
    "Europe/Zurich": ("Geneva", "Basel", "Switzerland"),
    "Europe/Warsaw": ("Krakow", "Poland"),
    "Europe/Lisbon": ("Porto", "Portugal"),
    "Europe/Stockholm": ("Sweden",),
    "Europe/Oslo": ("Norway",),
    "Europe/Copenhagen": ("Denmark",),
    "Europe/Helsinki": ("Finland",),
    "Europe/Athens": ("Greece",),
    "Europe/Kyiv": ("Ukraine",),
    "Europe/Moscow": ("St Petersburg", "Saint Petersburg"),
    "Asia/Kolkata": (
        "Mumbai", "Bombay", "Delhi", "New Delhi", "Bangalore", "Bengaluru", "Chennai",
        "Madras", "Hyderabad", "Pune", "Ahmedabad",
    ),
    "Asia/Karachi": ("Lahore", "Islamabad"),
    "Asia/Dhaka": ("Bangladesh",),
    "Asia/Shanghai": ("Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Peking"),
    "Asia/Seoul": ("Busan", "Incheon", "Daegu"),
    "Asia/Tokyo": ("Osaka", "Kyoto", "Yokohama", "Nagoya", "Sapporo", "Fukuoka"),
    "Asia/Taipei": ("Taiwan",),
    "Asia/Ho_Chi_Minh": ("Hanoi", "Ho Chi Minh City", "Vietnam"),
    "Asia/Bangkok": ("Thailand",),
    "Asia/Manila": ("Cebu", "Quezon City"),
    "Asia/Dubai": ("Abu Dhabi", "UAE"),
    "Asia/Riyadh": ("Saudi Arabia", "Jeddah", "Mecca"),
    "Asia/Jerusalem": ("Tel Aviv",),
    "Australia/Brisbane": ("Gold Coast",),
    "Pacific/Auckland": ("Wellington", "Christchurch"),
    "Africa/Johannesburg": ("Cape Town", "Pretoria", "Durban", "South Africa"),
    "Africa/Lagos": ("Abuja", "Nigeria"),
    "Africa/Nairobi": ("Kenya",),
    "America/Bogota": ("Colombia",),
    "America/Lima": ("Peru",),
    "America/Argentina/Buenos_Aires": ("Argentina",),
}  # fmt: skip

_PLACE_EXTRA: dict[str, str] = {
    "portland": "Portland, Oregon. For Portland, Maine use `New York`",
    "washington": "Washington, DC. For Washington state use `Seattle`",
}

# Countries spanning several zones: answer with a hint instead of guessing.
_MULTI_ZONE = {
    "us": "The US", "usa": "The US", "united states": "The US", "america": "The US",
    "canada": "Canada", "australia": "Australia", "russia": "Russia", "mexico": "Mexico",
    "brazil": "Brazil", "indonesia": "Indonesia",
}  # fmt: skip
_MULTI_ZONE_EXAMPLES = {
    "The US": "`New York` or `Los Angeles`",
    "Canada": "`Toronto` or `Vancouver`",
    "Australia": "`Sydney` or `Perth`",
    "Russia": "`Moscow` or `Vladivostok`",
    "Mexico": "`Mexico City` or `Tijuana`",
    "Brazil": "`Sao Paulo` or `Manaus`",
    "Indonesia": "`Jakarta` or `Makassar`",
}

# A city to recommend instead of a fixed offset (by standard offset in minutes).
_OFFSET_CITY = {
    0: "London", 60: "Paris", 120: "Athens", 180: "Moscow", 210: "Tehran", 240: "Dubai",
    270: "Kabul", 300: "Karachi", 330: "Mumbai", 345: "Kathmandu", 360: "Dhaka",
    420: "Bangkok", 480: "Singapore", 540: "Seoul", 570: "Darwin", 600: "Sydney",
    720: "Auckland", -180: "Sao Paulo", -240: "Halifax", -300: "New York", -360: "Chicago",
    -420: "Denver", -480: "Los Angeles", -540: "Anchorage", -600: "Honolulu",
}  # fmt: skip

# Link names (from tzdata's "backward" file) that are poor city names.
_BAD_LINK_CITIES = frozenset(
    {"act", "lhi", "nsw", "north", "south", "west", "yancowinna", "virgin", "samoa",
     "knox in", "south pole", "comodrivadavia", "currie", "jan mayen"}
)  # fmt: skip
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
     "Indian", "Pacific"}
)  # fmt: skip
# Never offered: host-dependent or meaningless entries of the zoneinfo database.
_BLOCKED = frozenset({"localtime", "posixrules", "Factory"})


# --- normalising -----------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_FOLD_DROP = re.compile(r"[.,'\u2019]")
_FOLD_SPACE = re.compile(r"[\s_\-]+")
_PHRASE_TAIL = re.compile(r"(?:\s+(?:standard|daylight|summer))?(?:\s+time)?$")


def _clean(text: str) -> str:
    """NFKC, unicode minus/dashes to '-', single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return " ".join(text.split())


def _fold(text: str) -> str:
    """A matching key: lower case, no accents or punctuation, '_' and '-' as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _FOLD_DROP.sub("", plain.lower())
    return _FOLD_SPACE.sub(" ", plain).strip()


def _phrase(text: str) -> str:
    """Fold and drop a trailing "time"/"standard time"/"summer time"."""
    folded = _fold(text)
    shorter = _PHRASE_TAIL.sub("", folded)
    return shorter or folded


# --- offsets ---------------------------------------------------------------------------------


def _offset_text(offset: timedelta) -> str:
    """'+09:00' / '-05:30' (seconds, which only old LMT offsets have, are dropped)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _offset_key(offset: timedelta) -> str:
    return _UTC_KEY if not offset else f"UTC{_offset_text(offset)}"


def _offset_match(offset: timedelta, note: str | None) -> ZoneMatch:
    if abs(offset) > _MAX_OFFSET:
        raise UnknownZone(
            f"UTC{_offset_text(offset)} is out of range: offsets go from UTC-14:00 to "
            "UTC+14:00. A city, like `Seoul`, is usually easier."
        )
    key = _offset_key(offset)
    if key == _UTC_KEY:
        return ZoneMatch(_UTC_KEY, UTC, note, None)
    city = _OFFSET_CITY.get(int(offset.total_seconds()) // 60)
    better = f"A city like `{city}` is usually better." if city else "A city is usually better."
    warning = f"{key} is a fixed offset: it won't follow daylight saving. {better}"
    return ZoneMatch(key, zone_from_key(key), note, warning)


_OFFSET_RE = re.compile(r"(utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?:(?::|h)?(\d{2}))?")
_ETC_GMT_RE = re.compile(r"etc/gmt([+-])(\d{1,2})")
_KEY_OFFSET_RE = re.compile(r"UTC([+-])(\d{2}):(\d{2})")


def _parse_offset(lowered: str, shown: str) -> ZoneMatch | None:
    m = _OFFSET_RE.fullmatch(lowered)
    if m:
        prefix, sign, hours, minutes = m.groups()
        if minutes and int(minutes) >= 60:
            return None
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        offset = -offset if sign == "-" else offset
        note = None
        if prefix == "gmt" and offset:
            # People mean "GMT+9" as UTC+9; only the POSIX/Etc names flip the sign.
            note = f"{shown} means {_offset_key(offset)} ({_ahead_behind(offset)} GMT)."
        return _offset_match(offset, note)
    m = _ETC_GMT_RE.fullmatch(lowered)
    if m:
        sign, hours = m.groups()
        offset = timedelta(hours=int(hours)) * (1 if sign == "-" else -1)
        name = f"Etc/GMT{sign}{int(hours)}"
        note = None
        if offset:
            note = f"{name} is {_offset_key(offset)}: the Etc/GMT names use inverted signs."
        return _offset_match(offset, note)
    return None


def _ahead_behind(offset: timedelta) -> str:
    hours = abs(offset) / timedelta(hours=1)
    amount = f"{hours:g} hour{'s' if hours != 1 else ''}"
    return f"{amount} {'ahead of' if offset > timedelta(0) else 'behind'}"


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    folded: str  # matching key
    display: str  # what the user sees ("New York", "KST", "Asia/Seoul")
    zone: str  # the key it resolves to
    kind: int  # 0 place, 1 abbreviation, 2 IANA name: the tie-break order in suggestions
    note: str | None


def read_tzdata_file(name: str) -> str:
    """A text file of the tzdata package, or of the system database, or ''."""
    try:
        return (importlib.resources.files("tzdata.zoneinfo") / name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for base in ("/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo"):
        path = Path(base) / name
        if path.is_file():
            return path.read_text("utf-8", errors="replace")
    return ""


@dataclass(frozen=True)
class _Index:
    iana: dict[str, str]  # folded IANA name -> stored key (links to old names canonicalised)
    iana_display: dict[str, str]  # folded IANA name -> name as typed in the database
    names: dict[str, _Entry]  # folded place/abbreviation -> entry
    entries: tuple[_Entry, ...]  # everything suggestible


@functools.cache
def _index() -> _Index:
    """Build the lookup tables once (about 20 ms); suggestions then scan ~1,300 entries."""
    available = {
        z
        for z in available_timezones()
        if z not in _BLOCKED and not z.startswith(("posix/", "right/"))
    }
    per_country: set[str] = set()
    for line in read_tzdata_file("zone.tab").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#") and parts[2] in available:
            per_country.add(parts[2])
    if not per_country:  # no zone.tab anywhere: treat every regional name as a country's zone
        per_country = {z for z in available if z.partition("/")[0] in _REGIONS}
    links: dict[str, str] = {}
    for line in read_tzdata_file("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L" and parts[1] in available:
            links[parts[2]] = parts[1]

    iana: dict[str, str] = {}
    iana_display: dict[str, str] = {}
    for name in available:
        # Old names (Asia/Calcutta, US/Pacific) become their current one, but a country's own
        # zone stays itself even where tzdata links it elsewhere (Europe/Oslo -> Berlin).
        target = links.get(name) if name not in per_country else None
        iana[_fold(name)] = target or name
        iana_display[_fold(name)] = name

    names: dict[str, _Entry] = {}
    for aliases, zone, description in _ABBREVIATIONS:
        for alias in aliases:
            display = alias if alias.isupper() else alias.title()
            names[alias.lower()] = _Entry(alias.lower(), display, zone, 1, description)
    for zone, places in _PLACES.items():
        for place in places:
            folded = _fold(place)
            note = _PLACE_EXTRA.get(folded)
            names.setdefault(folded, _Entry(folded, place, zone, 0, note))
    cities = sorted(per_country) + sorted(n for n in links if n not in per_country)
    for name in cities:
        region, _, rest = name.partition("/")
        if region not in _REGIONS or not rest:
            continue
        city = rest.rsplit("/", 1)[-1].replace("_", " ")
        folded = _fold(city)
        if folded in _BAD_LINK_CITIES or folded in names:
            continue
        zone = iana[_fold(name)]
        names[folded] = _Entry(folded, city, zone, 0, None)

    entries = list(names.values())
    entries += [
        _Entry(folded, name, key, 2, None)
        for folded, key in iana.items()
        if key == (name := iana_display[folded]) and not name.startswith("Etc/")
    ]
    return _Index(iana, iana_display, names, tuple(entries))


# --- resolving -------------------------------------------------------------------------------


def find_zone(text: str) -> ZoneMatch | None:
    """Like :func:`resolve_zone` but returns None for text that names no zone.

    Still raises UnknownZone for text that clearly tries to be a zone but can't be used
    (an offset beyond ±14:00, a country with several zones).
    """
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 64:
        return None
    lowered = cleaned.lower()
    folded = _fold(cleaned)
    phrase = _phrase(cleaned)
    if lowered in _UTC_WORDS or phrase in _UTC_WORDS:
        note = None
        if phrase.startswith(("gmt", "greenwich")):
            note = f"{cleaned} → UTC (no daylight saving; for UK time use `London`)"
        return ZoneMatch(_UTC_KEY, UTC, note, None)
    offset = _parse_offset(lowered.replace(" ", ""), cleaned)
    if offset is not None:
        return offset
    index = _index()
    entry = index.names.get(phrase) if phrase else None
    if entry is not None and entry.kind == 1:
        return _entry_match(entry, cleaned)
    key = index.iana.get(folded)
    if key is not None:
        typed = index.iana_display[folded]
        note = f"{typed} is an old name for {key}." if key != typed else None
        return ZoneMatch(key, zone_from_key(key), note, None)
    entry = index.names.get(folded) or entry
    if entry is not None:
        return _entry_match(entry, cleaned)
    country = _MULTI_ZONE.get(folded)
    if country is not None:
        raise UnknownZone(
            f"{country} has several time zones. Pick a city, like {_MULTI_ZONE_EXAMPLES[country]}."
        )
    return None


def _entry_match(entry: _Entry, typed: str) -> ZoneMatch:
    if entry.kind == 1:
        shown = entry.display if entry.display.isupper() else typed
        note = f"{shown} → {entry.zone} ({entry.note})"
    elif entry.zone.rsplit("/", 1)[-1].replace("_", " ").lower() != entry.folded:
        note = f"{entry.display} → {entry.zone}" + (f" ({entry.note})" if entry.note else "")
    else:
        note = None
    return ZoneMatch(entry.zone, zone_from_key(entry.zone), note, None)


def resolve_zone(text: str) -> ZoneMatch:
    """Turn what a user typed (city, IANA name, abbreviation, UTC offset) into a zone."""
    match = find_zone(text)
    if match is not None:
        return match
    cleaned = _clean(text)
    if not cleaned:
        raise UnknownZone(f"Tell me a time zone. {_HINT}")
    shown = cleaned.replace("`", "")[:50]
    message = f"I don't know the zone '{shown}'. {_HINT}"
    suggestions = _close_names(cleaned)
    if suggestions:
        message += f" Did you mean {_or_list(f'`{s}`' for s in suggestions)}?"
    raise UnknownZone(message)


def _close_names(text: str, limit: int = 3) -> list[str]:
    index = _index()
    folded = _fold(text)[:64]
    choices = {e.folded: e.display for e in index.entries if e.kind != 1 or len(e.folded) > 3}
    close = difflib.get_close_matches(folded, list(choices), n=limit, cutoff=0.6)
    return [choices[c] for c in close]


def _or_list(items: Iterable[str]) -> str:
    parts = list(items)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


@functools.lru_cache(maxsize=1024)
def zone_from_key(key: str) -> tzinfo:
    """Rebuild a stored key ("Asia/Seoul", "UTC", "UTC+09:00") into a tzinfo (cached)."""
    if key == _UTC_KEY:
        return UTC
    m = _KEY_OFFSET_RE.fullmatch(key)
    if m:
        sign, hours, minutes = m.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        offset = -offset if sign == "-" else offset
        if not offset:
            return UTC
        if abs(offset) > _MAX_OFFSET:
            raise UnknownZone(f"{key} is out of range: offsets go from UTC-14:00 to UTC+14:00.")
        return timezone(offset)
    if key in _BLOCKED:
        raise UnknownZone(f"I don't know the zone '{key}'. {_HINT}")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f"I don't know the zone '{key[:50]}'. {_HINT}") from None


def zone_key(tz: tzinfo) -> str:
    """The storable key of a tzinfo built by this module (IANA name or fixed offset)."""
    if isinstance(tz, ZoneInfo):
        return tz.key
    if isinstance(tz, timezone):
        return _offset_key(tz.utcoffset(None))
    return str(tz)


# --- suggestions -----------------------------------------------------------------------------


def suggest_zones(
    text: str, limit: int = 25, *, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Autocomplete choices as (label, value); value is a key :func:`resolve_zone` accepts.

    Exact matches rank first, then prefixes, then word prefixes, then substrings; places before
    abbreviations before IANA names; popular zones first among equals. ``now`` only sets the
    offsets shown in labels (default: the real clock).
    """
    when = now or datetime.now(UTC)
    cleaned = _clean(text)
    if not cleaned:
        return [_label_choice(_city_of(z), z, when) for z in _POPULAR[:limit]]
    choices: list[tuple[str, str]] = []
    lowered = cleaned.lower().replace(" ", "")
    try:
        offset = _parse_offset(lowered, cleaned) if any(c in lowered for c in "+-") else None
    except UnknownZone:
        offset = None
    if offset is not None and offset.key != _UTC_KEY:
        choices.append((f"{offset.key} (fixed offset, no daylight saving)", offset.key))
    folded = _fold(cleaned)
    if not folded:
        return choices[:limit]
    popular = set(_POPULAR)
    ranked: list[tuple[tuple[int, int, bool, int, str], _Entry]] = []
    word_start = " " + folded
    for entry in _index().entries:
        name = entry.folded
        if folded not in name:
            continue
        if name == folded:
            tier = 0
        elif name.startswith(folded):
            tier = 1
        elif word_start in name.replace("/", " "):
            tier = 2
        else:
            tier = 3
        rank = (tier, entry.kind, entry.zone not in popular, len(name), name)
        ranked.append((rank, entry))
    ranked.sort(key=lambda pair: pair[0])
    seen = {value for _, value in choices}
    for _, entry in ranked:
        if len(choices) >= limit:
            break
        if entry.zone in seen:
            continue
        seen.add(entry.zone)
        title = None if entry.kind == 2 else entry.display
        choices.append(_label_choice(title, entry.zone, when))
    return choices[:limit]


def _city_of(key: str) -> str | None:
    return None if "/" not in key else key.rsplit("/", 1)[-1].replace("_", " ")


def _label_choice(title: str | None, key: str, when: datetime) -> tuple[str, str]:
    offset = utc_offset_label(when, zone_from_key(key))
    label = f"{key} ({offset})" if title is None else f"{title} — {key} ({offset})"
    return label[:100], key[:100]


# --- labels ----------------------------------------------------------------------------------


def zone_label(key: str) -> str:
    """How to show a stored key: 'Asia/Seoul', 'UTC+09:00', 'UTC+09:00 (Etc/GMT-9)'."""
    m = _ETC_GMT_RE.fullmatch(key.lower())
    if m:
        sign, hours = m.groups()
        offset = timedelta(hours=int(hours)) * (1 if sign == "-" else -1)
        return f"{_offset_key(offset)} ({key})"
    return key


def utc_offset_label(instant: datetime, tz: tzinfo) -> str:
    """'UTC+09:00': the offset in force in ``tz`` at ``instant``."""
    offset = clock_text.in_zone(instant, tz).utcoffset() or timedelta(0)
    return f"UTC{_offset_text(offset)}"


_ABBREVIATION_RE = re.compile(r"[A-Za-z]{2,6}")


def abbreviation(instant: datetime, tz: tzinfo) -> str | None:
    """'KST', 'EDT', or None where the database only has a number ('+09')."""
    name = clock_text.in_zone(instant, tz).tzname()
    return name if name and _ABBREVIATION_RE.fullmatch(name) else None


# --- wall time -> instant --------------------------------------------------------------------


def _tz_name(tz: tzinfo) -> str:
    return zone_label(zone_key(tz))


def _transition(tz: tzinfo, after: datetime, before: datetime) -> datetime:
    """The first UTC instant in (after, before] whose offset is the one at ``before``."""
    target = before.astimezone(tz).utcoffset()
    lo, hi = after, before
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def localize(
    naive: datetime, tz: tzinfo, *, shift_gap: bool = False, refuse_fold: bool = False
) -> Localized:
    """Pin a local wall time in ``tz`` to an instant: the one policy for DST gaps and folds.

    A wall time skipped by a DST jump raises BadTime with the nearest valid time (or, with
    ``shift_gap``, moves to the end of the gap with a note). A wall time that happens twice
    takes the first occurrence (fold=0) with a note, or with ``refuse_fold`` (where nobody can
    be asked which one was meant, as in a film file) raises BadTime.
    """
    if naive.tzinfo is not None:
        raise ValueError("localize() takes a naive wall time")
    return _settle(naive, tz, shift_gap, refuse_fold)


# Premiere plans pin the same midnight in the same few zones once per follower (thousands):
# working an answer out takes ~3 µs, a remembered one ~0.15 µs. Errors are not remembered.
@functools.lru_cache(maxsize=4096)
def _settle(naive: datetime, tz: tzinfo, shift_gap: bool, refuse_fold: bool) -> Localized:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    off_first, off_second = first.utcoffset(), second.utcoffset()
    if off_first == off_second or off_first is None or off_second is None:
        return Localized(first.astimezone(UTC), first)
    u_first = first.astimezone(UTC)
    when = f"{clock_text.clock(naive)} on {clock_text.day_month(naive, year=True)}"
    if u_first.astimezone(tz).replace(tzinfo=None) == naive:
        u_second = second.astimezone(UTC)
        lo, hi = sorted((u_first, u_second))
        change = _transition(tz, lo, hi)
        back_from = (change + off_first).replace(tzinfo=None)
        back_to = (change + off_second).replace(tzinfo=None)
        twice = (
            f"{when} happens twice in {_tz_name(tz)} (clocks go back "
            f"{clock_text.clock_range(back_from, back_to)})"
        )
        if refuse_fold:
            raise BadTime(f"{twice}. Try {clock_text.clock(back_from)}, or give the time in UTC.")
        abbr = abbreviation(first, tz)
        which = f"{abbr}, {utc_offset_label(first, tz)}" if abbr else utc_offset_label(first, tz)
        return Localized(u_first, first, f"{twice}; I used the first one ({which}).")
    # A gap: neither reading survives a round trip through UTC.
    lo, hi = sorted((naive - off_first, naive - off_second))
    change = _transition(tz, lo.replace(tzinfo=UTC), hi.replace(tzinfo=UTC))
    before = change.astimezone(tz) - timedelta(microseconds=1)
    gap_start = (change + (before.utcoffset() or timedelta(0))).replace(tzinfo=None)
    after = change.astimezone(tz)
    gap_end = after.replace(tzinfo=None)
    if shift_gap:
        note = f"{when} doesn't exist in {_tz_name(tz)}, so I used {clock_text.clock(gap_end)}."
        return Localized(change, after, note)
    raise BadTime(
        f"{when} doesn't exist in {_tz_name(tz)} (clocks jump "
        f"{clock_text.clock_range(gap_start, gap_end)}). Try {clock_text.clock(gap_end)}."
    )


@functools.cache
def _countries() -> dict[str, str]:
    """IANA zone -> ISO 3166 country code, from zone.tab, then zone1970.tab for any zone only it
    names (its first country: the one the zone is named after); empty if no copy is found."""
    found: dict[str, str] = {}
    for line in read_tzdata_file("zone.tab").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            found[parts[2]] = parts[0]
    for line in read_tzdata_file("zone1970.tab").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            found.setdefault(parts[2], parts[0].split(",")[0])
    return found


def country_of(key: str) -> str | None:
    """The country a zone belongs to ("Asia/Seoul" -> "KR"); None for offsets and UTC. An old
    name (Asia/Calcutta) reads as the zone it links to."""
    found = _countries().get(key)
    if found is None and "/" in key:
        found = _countries().get(_index().iana.get(_fold(key), key))
    return found
