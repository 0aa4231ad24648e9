"""The benchmarks' synthetic TMDB documents: each a film of its own, found by its own title."""

from __future__ import annotations

from datetime import date

from bench.tmdb_docs import movie_docs, titles
from bot.sources.tmdb_map import film_from_tmdb


def test_no_two_titles_share_their_words_in_either_order():
    made = titles(2_000)
    pairs = {frozenset(title.split()) for title in made}
    assert len(made) == len(pairs) == 2_000
    assert all(len(pair) == 2 for pair in pairs)


def test_each_document_maps_to_a_film_of_its_own_with_none_of_parasites_titles():
    films = [film_from_tmdb(doc, date(2026, 1, 1)) for doc in movie_docs(20)]
    assert len({film.id for film in films}) == len({film.tmdb_id for film in films}) == 20
    assert [film.title for film in films] == titles(20)
    names = {name.text for film in films for name in film.titles}
    assert not {name for name in names if "Parasite" in name or "기생충" in name}
