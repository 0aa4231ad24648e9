"""Films to JSON and back (bot.domain.filmcodec)."""

from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from bot.domain import filmcodec
from bot.domain.films import Film, Name, Offer, Release, RuntimeClaim, Source
from bot.storage.films import parse_film_bytes

FILMS = Path(__file__).resolve().parents[2] / "data" / "films"


def test_every_curated_film_round_trips():
    for path in sorted(FILMS.glob("*.toml")):
        film = parse_film_bytes(path.read_bytes(), str(path))
        assert filmcodec.from_json(filmcodec.to_json(film)) == film


def test_fields_added_for_catalogues_round_trip():
    film = Film(
        id="tmdb-496243",
        path="tmdb:496243",
        sources=(Source("tmdb", "TMDB", date=date(2026, 12, 1)),),
        titles=(
            Name("기생충", "original", ("tmdb",), "ko"),
            Name("Parasite", "english", ("tmdb",)),
        ),
        releases=(
            Release(
                "Cinemas",
                ("KR",),
                "local_midnight",
                date(2019, 5, 30),
                None,
                None,
                ("tmdb",),
                kind="theatrical",
                certification="15",
            ),
            Release(
                "Netflix",
                ("worldwide",),
                "global",
                date(2025, 5, 30),
                time(0),
                "America/Los_Angeles",
                ("tmdb",),
            ),
        ),
        runtime=(RuntimeClaim(133, ("tmdb",)),),
        offers=(Offer("KR", "Netflix", "stream", ("tmdb",)),),
        tmdb_id=496243,
        imdb_id="tt6751668",
        poster="https://image.tmdb.org/t/p/w500/x.jpg",
    )
    text = filmcodec.to_json(film)
    assert filmcodec.from_json(text) == film
    assert '"kind":"digital"' not in text  # defaults are left out
    assert filmcodec.from_json(filmcodec.to_json(replace(film, offers=()))).offers == ()


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"format": 99, "film": {}}',
        '{"format": 1, "film": {"id": "x"}}',  # required fields missing
        '{"format": 1, "film": {"id": 5, "path": "p", "sources": [], "titles": []}}',
        "not json",
        "[]",
    ],
)
def test_what_is_not_a_film_document_is_a_value_error(text):
    with pytest.raises(ValueError):
        filmcodec.from_json(text)
