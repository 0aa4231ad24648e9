"""Replies about the catalogue: films added, films coming out soon."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.films import Film, Name
from bot.domain.releases import CINEMA, STREAMING, Upcoming
from bot.render import catalog as view

FORGED = "M*A*S*H [x](http://evil.example)"
SHOWN = "**M\\*A\\*S\\*H \\[x](http://evil.example)**"


def test_a_shared_upcoming_list_shows_catalogue_titles_as_text():
    items = [
        Upcoming(FORGED, "tmdb-1", datetime(2025, 6, 5, tzinfo=UTC), None, CINEMA, False),
        Upcoming("@everyone", "tmdb:2", None, date(2025, 6, 6), None, True),
    ]
    lines = view.upcoming(items, "KR", tmdb_failed=False).splitlines()
    assert lines[1].startswith(f"• {SHOWN} in cinemas: <t:")
    assert lines[2].startswith("• **@\u200beveryone**: ")


def test_a_kind_reads_as_the_premiere_choice_does():
    item = Upcoming("Parasite", "p", datetime(2025, 6, 5, tzinfo=UTC), None, STREAMING, False)
    assert "**Parasite** streaming: <t:" in view.upcoming([item], None, tmdb_failed=False)


def test_a_film_added_from_tmdb_is_named_as_text():
    film = Film("tmdb-1", "tmdb:1", (), (Name(FORGED, "english", ()),))
    assert view.added_from_tmdb(film).startswith(f"Added {SHOWN} from TMDB")
