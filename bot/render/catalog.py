"""Replies about the catalogue: films added or removed in a server, films coming out soon."""

from __future__ import annotations

from datetime import date

from bot.domain import clock_text, countries
from bot.domain.films import Film
from bot.domain.releases import Upcoming
from bot.domain.usertext import plain
from bot.render import CHOICE_WORDS, clip, timestamp


def added_from_tmdb(film: Film) -> str:
    return (
        f"Added **{film.shown_title}** from TMDB: everyone can find it now, in `/film` and "
        "`/watchparty create`."
    )


def added_own(film: Film, notes: list[str]) -> str:
    text = (
        f"Added **{film.shown_title}** for this server only. Schedule it with `/watchparty create`, "
        "or remove it with `/film remove`."
    )
    return "\n".join([text, *notes])


def removed_own(label: str) -> str:
    return f"Removed **{plain(label)}** from this server's films."


def no_own_films() -> str:
    return "This server has no films of its own. Add one with `/film add`."


def upcoming(items: list[Upcoming], country: str | None, tmdb_failed: bool) -> str:
    """One line per film, soonest first, each with its date for the reader; a hint to follow."""
    where = countries.in_country(country) if country else "worldwide"
    if not items:
        text = f"I know no film coming out {where} in the next six weeks."
    else:
        lines = [f"**Coming out {where} in the next six weeks:**"]
        for item in items:
            lines.append(f"• {_line(item)}")
        lines.append("Pick one below to be pinged when it is out for you.")
        text = "\n".join(lines)
    if tmdb_failed:
        text += "\n(TMDB is not answering right now, so these are only the films I have stored.)"
    return clip(text, 2000)


def _line(item: Upcoming) -> str:
    what = f" {CHOICE_WORDS[item.kind]}" if item.kind in CHOICE_WORDS else ""
    if item.out_at is not None:
        when = f"{timestamp(item.out_at, 'D')} ({timestamp(item.out_at, 'R')})"
    else:
        when = clock_text.format_day(item.day or date.min, year=True)
    source = " · TMDB" if item.from_tmdb else ""
    return f"**{plain(item.title)}**{what}: {when}{source}"
