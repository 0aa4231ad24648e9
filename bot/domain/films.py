"""Films: the model (filmmodel), reading film files (filmfile) and name search (search).

Pure: no discord, no SQL, no file access. The rest of the bot imports every film name from here.
"""

from bot.domain.filmfile import parse_film
from bot.domain.filmmodel import (
    ALIAS_TITLE_KINDS,
    CAST_ROLES,
    RELEASE_MODELS,
    SETTING_ASPECTS,
    TITLE_KINDS,
    VARIANT_KINDS,
    WORLDWIDE,
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
    runtime_text,
)
from bot.domain.search import (
    FilmIndex,
    FilmIndexBuilder,
    SearchHit,
    compact,
    normalize,
)

__all__ = [
    "ALIAS_TITLE_KINDS",
    "CAST_ROLES",
    "RELEASE_MODELS",
    "SETTING_ASPECTS",
    "TITLE_KINDS",
    "VARIANT_KINDS",
    "WORLDWIDE",
    "CastCredit",
    "Character",
    "CreditClaim",
    "Film",
    "FilmIndex",
    "FilmIndexBuilder",
    "GenreClaim",
    "Name",
    "Person",
    "Quote",
    "Release",
    "RuntimeClaim",
    "SearchHit",
    "SettingClaim",
    "Source",
    "TextClaim",
    "compact",
    "normalize",
    "parse_film",
    "runtime_text",
]
