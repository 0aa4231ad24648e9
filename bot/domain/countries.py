"""Countries by ISO 3166 code ("KR") and name ("South Korea"), from tzdata's iso3166.tab. Pure.

A member's country decides which release dates apply to them: it is their zone's country
(:func:`bot.domain.zones.country_of`) unless they picked one with `/timezone country`, for a zone
shared by several countries (Europe/Berlin is also Denmark's, Norway's and Sweden's).
"""

from __future__ import annotations

import difflib
import functools
import unicodedata

from bot.domain.zones import read_tzdata_file
from bot.errors import BadOption

# tzdata's names are terse ("Korea (South)", "Britain (UK)"): the names people say instead.
_DISPLAY = {"KR": "South Korea", "KP": "North Korea", "GB": "United Kingdom", "US": "United States"}
_ALIASES = {
    "KR": ("Korea", "Republic of Korea", "한국", "대한민국"),
    "GB": ("UK", "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland"),
    "US": ("USA", "America", "United States of America"),
    "AE": ("UAE",),
    "NL": ("Holland",),
    "CZ": ("Czech Republic",),
}


def _fold(text: str) -> str:
    """Lower case, no accents, '&' as 'and', punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@functools.cache
def _tzdata_names() -> dict[str, str]:
    """Code -> name as tzdata writes it, for every country it lists."""
    found: dict[str, str] = {}
    for line in read_tzdata_file("iso3166.tab").splitlines():
        code, _, name = line.partition("\t")
        if len(code) == 2 and name.strip() and not line.startswith("#"):
            found[code] = name.strip()
    return found


@functools.cache
def _names() -> dict[str, str]:
    """Code -> display name."""
    return {code: _DISPLAY.get(code, name) for code, name in _tzdata_names().items()}


@functools.cache
def _lookup() -> dict[str, str]:
    """Folded name (display, tzdata's or an alias) -> code."""
    table: dict[str, str] = {}
    for code, name in _names().items():
        table[_fold(name)] = code
    for code, name in _tzdata_names().items():
        table.setdefault(_fold(name), code)
    for code, aliases in _ALIASES.items():
        for alias in aliases:
            table.setdefault(_fold(alias), code)
    return table


def country_name(code: str) -> str:
    """ "KR" -> "South Korea" (the code itself when tzdata doesn't know it)."""
    return _names().get(code.upper(), code.upper())


def country_label(code: str) -> str:
    """ "South Korea (KR)"."""
    return f"{country_name(code)} ({code.upper()})"


def is_code(text: str) -> bool:
    """Whether ``text`` is a country code tzdata knows ("kr", "NO")."""
    return text.strip().upper() in _names()


# Names read with "the" in a sentence ("in the United States").
_THE = frozenset({"GB", "US", "NL", "PH", "AE", "BS", "GM", "DO", "CF", "KY", "VG", "VI", "MV"})


def in_country(code: str) -> str:
    """ "in South Korea", "in the United States"."""
    the = "the " if code.upper() in _THE else ""
    return f"in {the}{country_name(code)}"


def find_country(text: str) -> str:
    """The country code for a code or a name ("kr", "South Korea", "Côte d'Ivoire");
    :class:`BadOption` with a suggestion when there is none."""
    typed = text.strip()
    if is_code(typed):
        return typed.upper()
    code = _lookup().get(_fold(typed))
    if code is not None:
        return code
    close = difflib.get_close_matches(_fold(typed), _lookup(), n=1, cutoff=0.75)
    hint = f" Did you mean {country_name(_lookup()[close[0]])}?" if close else ""
    shown = typed.replace("`", "")[:50]
    raise BadOption(
        f"I don't know the country '{shown}'.{hint} "
        "Try a name like `South Korea` or a two-letter code like `KR`."
    )


def suggest_countries(text: str, limit: int = 25) -> list[str]:
    """Country codes for an autocomplete box: the code typed, then names starting with the text,
    then names containing it, each alphabetical."""
    folded = _fold(text)
    names = _names()
    if not folded:
        return sorted(names, key=names.__getitem__)[:limit]
    exact = [folded.upper()] if folded.upper() in names else []
    starts: set[str] = set()
    inside: set[str] = set()
    for name, code in _lookup().items():
        if name.startswith(folded) or any(w.startswith(folded) for w in name.split()):
            starts.add(code)
        elif folded in name:
            inside.add(code)
    ranked = exact + sorted(starts - set(exact), key=names.__getitem__)
    ranked += sorted(inside - starts - set(exact), key=names.__getitem__)
    return ranked[:limit]
