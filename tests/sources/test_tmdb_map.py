"""TMDB's JSON -> films and hits (bot/sources/tmdb_map.py), on faketmdb's catalogue documents."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from bot.domain.filmcodec import from_json, to_json
from bot.domain.films import Film, Name, Offer
from bot.sources.tmdb_map import CAST_LIMIT, TmdbHit, film_from_tmdb, hit_from_search
from faketmdb import CATALOGUE

FETCHED = date(2025, 5, 1)


def doc(name: str) -> dict[str, Any]:
    """A fresh copy of a catalogue document (tests may change it)."""
    loaded: dict[str, Any] = json.loads((CATALOGUE / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def film(movie: dict[str, Any]) -> Film:
    return film_from_tmdb(movie, FETCHED)


def titles(f: Film) -> list[tuple[str, str, str | None]]:
    return [(t.text, t.kind, t.lang) for t in f.titles]


def names(f: Film, keys: tuple[str, ...]) -> list[str]:
    return [f.person(k).name for k in keys]


# --- identity ------------------------------------------------------------------------------------


def test_ids_path_and_poster_come_from_tmdb():
    f = film(doc("parasite"))
    assert (f.id, f.path, f.tmdb_id) == ("tmdb-496243", "tmdb:496243", 496243)
    assert f.imdb_id == "tt6751668"
    assert f.poster == "https://image.tmdb.org/t/p/w500/7IiTTgloJzvGI1TAYymCfbfl3vT.jpg"


def test_the_imdb_id_falls_back_to_external_ids():
    movie = doc("parasite")
    movie["imdb_id"] = None
    movie["external_ids"]["imdb_id"] = "tt0000001"
    assert film(movie).imdb_id == "tt0000001"


def test_the_tmdb_source_names_the_film_page_and_the_day_it_was_fetched():
    tmdb = film(doc("parasite")).source("tmdb")
    assert (tmdb.title, tmdb.publisher) == ("TMDB", "The Movie Database")
    assert tmdb.url == "https://www.themoviedb.org/movie/496243"
    assert tmdb.date == FETCHED


def test_offers_credit_justwatch_with_the_films_watch_page():
    f = film(doc("parasite"))
    justwatch = f.source("justwatch")
    assert justwatch.title == "JustWatch (via TMDB)"
    assert justwatch.url == "https://www.themoviedb.org/movie/496243-parasite/watch"
    assert {o.sources for o in f.offers} == {("justwatch",)}


def test_every_other_fact_cites_tmdb():
    f = film(doc("parasite"))
    claims = [*f.titles, *f.synopsis, *f.releases, *f.runtime, *f.people, *f.characters]
    claims += [*f.directors, *f.writers, *f.cast, *f.genres]
    assert claims and {c.sources for c in claims} == {("tmdb",)}


def test_a_film_without_offers_has_no_justwatch_source():
    f = film(doc("lighthouse-partial"))
    assert [s.key for s in f.sources] == ["tmdb"]


def test_a_film_survives_the_film_codec():
    f = film(doc("parasite"))
    assert from_json(to_json(f)) == f


# --- titles --------------------------------------------------------------------------------------


def test_titles_original_english_korean_translations_and_aliases():
    assert titles(film(doc("parasite"))) == [
        ("기생충", "original", "ko"),
        ("Parasite", "english", "en"),
        ("기생충", "korean", "ko"),
        ("パラサイト 半地下の家族", "translation", "ja"),
        ("寄生虫", "translation", "zh"),
        ("Parásitos", "translation", "es"),
        ("Gisaengchung", "alias", None),
        ("Parasite (Black & White)", "alias", None),
    ]


def test_the_display_title_is_the_english_one():
    assert film(doc("parasite")).title == "Parasite"


def test_an_english_film_keeps_its_title_as_original_and_english():
    f = film(doc("dune-part-two"))
    assert ("Dune: Part Two", "original", "en") in titles(f)
    assert ("Dune: Part Two", "english", "en") in titles(f)
    assert ("듄: 파트 2", "korean", "ko") in titles(f)


def test_no_title_appears_twice_with_the_same_kind():
    for name in ("parasite", "dune-part-two", "lighthouse-partial"):
        pairs = [(t.text, t.kind) for t in film(doc(name)).titles]
        assert len(pairs) == len(set(pairs)), name


def test_tmdbs_stand_in_for_a_missing_english_title_is_not_called_english():
    movie = doc("lighthouse-partial")
    movie["title"] = movie["original_title"]  # what TMDB answers when no English title exists
    movie["translations"]["translations"] = []
    f = film(movie)
    assert titles(f) == [("등대지기의 딸", "original", "ko")]
    assert f.title == "등대지기의 딸"


def test_a_title_with_no_original_title_is_still_the_english_title():
    f = film({"id": 7, "title": "Only Title"})
    assert titles(f) == [("Only Title", "english", "en")]


# --- synopsis, runtime, genres -------------------------------------------------------------------


def test_overview_runtime_and_genres():
    f = film(doc("parasite"))
    assert f.synopsis[0].text.startswith("All unemployed, Ki-taek's family")
    assert [r.minutes for r in f.runtime] == [133]
    assert [g.name for g in f.genres] == ["Comedy", "Thriller", "Drama"]


@pytest.mark.parametrize("runtime", [0, -5, None, "133", 133.5, True])
def test_a_runtime_that_is_not_a_positive_whole_number_is_left_out(runtime: object):
    movie = doc("parasite")
    movie["runtime"] = runtime
    assert film(movie).runtime == ()


# --- credits -------------------------------------------------------------------------------------


def test_directors_are_the_crew_with_the_job_director():
    f = film(doc("parasite"))
    assert [names(f, c.people) for c in f.directors] == [["Bong Joon Ho"]]


def test_writers_are_one_claim_whose_note_names_each_persons_jobs():
    f = film(doc("parasite"))
    (claim,) = f.writers
    assert names(f, claim.people) == ["Bong Joon Ho", "Han Jin-won"]
    assert claim.note == "Screenplay: Bong Joon Ho, Han Jin-won; Story: Bong Joon Ho"


def test_a_novelist_is_not_a_writer_of_the_film():
    f = film(doc("dune-part-two"))
    assert names(f, f.writers[0].people) == ["Denis Villeneuve", "Jon Spaihts"]


def test_the_cast_is_the_top_billed_in_tmdbs_order():
    movie = doc("parasite")
    f = film(movie)
    billed = sorted(movie["credits"]["cast"], key=lambda c: c["order"])[:CAST_LIMIT]
    assert len(movie["credits"]["cast"]) > CAST_LIMIT
    assert [f.person(c.person).name for c in f.cast] == [c["name"] for c in billed]
    assert [f.character(c.character).name for c in f.cast if c.character] == [
        c["character"] for c in billed
    ]


def test_people_keys_are_tmdbs_person_ids():
    f = film(doc("parasite"))
    assert f.person("tmdb-p20738").name == "Song Kang-ho"


def test_a_persons_original_name_is_a_native_variant():
    f = film(doc("parasite"))
    assert f.person("tmdb-p21684").variants == (Name("봉준호", "native", ("tmdb",)),)
    assert film(doc("dune-part-two")).person("tmdb-p137427").variants == ()


def test_someone_in_the_crew_and_the_cast_is_one_person():
    movie = doc("parasite")
    bong = next(c for c in movie["credits"]["crew"] if c["name"] == "Bong Joon Ho")
    movie["credits"]["cast"].insert(0, {**bong, "character": "Himself", "order": 0})
    f = film(movie)
    assert [p.key for p in f.people].count("tmdb-p21684") == 1
    assert f.cast[0].person == f.directors[0].people[0] == "tmdb-p21684"


def test_character_keys_are_unique_even_when_names_look_alike():
    movie = {"id": 1, "title": "T", "credits": {"cast": []}}
    for n, character in enumerate(["Kim Ki-woo", "Kim Ki Woo", "김기우", "tmdb-c3", "Kim Ki-woo"]):
        movie["credits"]["cast"].append({"id": 100 + n, "name": f"P{n}", "character": character})
    f = film(movie)
    keys = [c.key for c in f.characters]
    assert len(f.characters) == 4  # the same name twice is one character
    assert len(set(keys) | {p.key for p in f.people}) == len(keys) + len(f.people)
    assert f.cast[0].character == f.cast[4].character == "kim-ki-woo"


def test_an_empty_character_is_no_character_and_a_voice_role_says_so():
    movie = {"id": 1, "title": "T", "credits": {"cast": []}}
    movie["credits"]["cast"] += [
        {"id": 1, "name": "A", "character": ""},
        {"id": 2, "name": "B", "character": "Ellie (voice)"},
    ]
    f = film(movie)
    assert (f.cast[0].character, f.cast[0].role) == (None, "actor")
    assert (f.character(f.cast[1].character).name, f.cast[1].role) == ("Ellie", "voice")


# --- releases ------------------------------------------------------------------------------------


def test_each_release_date_is_a_local_midnight_release_of_its_kind():
    f = film(doc("parasite"))
    kr = [r for r in f.releases if r.regions == ("KR",)]
    assert [(r.kind, r.platform, r.date, r.certification) for r in kr] == [
        ("theatrical", "Cinemas", date(2019, 5, 30), "15"),
        ("tv", "KBS2", date(2020, 10, 3), "15"),
    ]
    assert {(r.model, r.time, r.zone) for r in f.releases} == {("local_midnight", None, None)}


def test_release_kinds_labels_certifications_and_notes_in_the_us():
    us = [r for r in film(doc("parasite")).releases if r.regions == ("US",)]
    assert [(r.kind, r.platform, r.certification, r.note) for r in us] == [
        ("premiere", "Premiere", None, "Telluride Film Festival"),
        ("limited", "Limited release", "R", None),
        ("theatrical", "Cinemas", "R", None),
        ("digital", "Amazon Video", "R", None),  # a digital note names the service
        ("physical", "Physical", "R", "4K Ultra HD Blu-ray"),
    ]


def test_every_dated_release_is_kept():
    movie = doc("parasite")
    entries = [e for c in movie["release_dates"]["results"] for e in c["release_dates"]]
    assert len(film(movie).releases) == len(entries)


def test_unknown_kinds_and_unreadable_dates_are_skipped():
    releases = film(doc("lighthouse-partial")).releases  # types 7, "2026", "" and one good one
    assert [(r.kind, r.date, r.platform) for r in releases] == [
        ("digital", date(2026, 9, 1), "Digital")
    ]


# --- offers --------------------------------------------------------------------------------------


def test_watch_providers_become_offers_by_kind():
    gb = [o for o in film(doc("parasite")).offers if o.country == "GB"]
    assert gb == [
        Offer("GB", "Channel 4", "free", ("justwatch",)),
        Offer("GB", "Apple TV", "buy", ("justwatch",)),
    ]
    kinds = {o.kind for o in film(doc("parasite")).offers}
    assert kinds == {"stream", "free", "ads", "rent", "buy"}


def test_a_provider_listed_twice_is_one_offer():
    movie = doc("parasite")
    kr = movie["watch/providers"]["results"]["KR"]
    kr["flatrate"].append(copy.deepcopy(kr["flatrate"][0]))
    offers = film(movie).offers
    assert len(offers) == len(set(offers)) == len(film(doc("parasite")).offers)


# --- partial and broken documents ----------------------------------------------------------------


def test_a_partial_document_imports_what_there_is():
    f = film(doc("lighthouse-partial"))
    assert f.title == "The Lighthouse Keeper's Daughter"
    assert (f.synopsis, f.runtime, f.genres, f.offers) == ((), (), (), ())
    assert (f.people, f.cast, f.directors, f.writers) == ((), (), (), ())
    assert (f.imdb_id, f.poster) == (None, None)


def test_the_smallest_document_is_a_film():
    f = film({"id": 42, "original_title": "Lonely"})
    assert (f.id, f.title, f.releases, f.cast) == ("tmdb-42", "Lonely", (), ())


@pytest.mark.parametrize(
    "movie",
    [{"title": "No id"}, {"id": 0, "title": "Zero"}, {"id": 5}, {"id": 5, "title": "  "}, []],
    ids=["no id", "id 0", "no title", "blank title", "not an object"],
)
def test_a_document_without_an_id_or_a_title_is_refused(movie: Any):
    with pytest.raises(ValueError):
        film(movie)


WRONG_TYPES: list[Any] = [None, 7, "x", [], {}, [None, 3, "y"], {"a": None}, True]
PARTS = [
    "genres",
    "credits",
    "release_dates",
    "translations",
    "alternative_titles",
    "watch/providers",
    "external_ids",
    "overview",
    "poster_path",
    "imdb_id",
]


@pytest.mark.parametrize("part", PARTS)
def test_a_part_of_the_wrong_shape_is_left_out_not_fatal(part: str):
    for wrong in WRONG_TYPES:
        movie = doc("parasite")
        movie[part] = wrong
        assert film(movie).title == "Parasite"


def test_wrong_shapes_inside_the_parts_are_left_out_not_fatal():
    movie = doc("parasite")
    movie["credits"] = {"cast": [None, {"id": "x"}, {"name": "No id"}], "crew": [{"job": ["?"]}]}
    movie["release_dates"] = {"results": [{"iso_3166_1": None}, {"release_dates": "x"}, 5]}
    movie["watch/providers"] = {"results": {"KR": {"flatrate": [{"provider_name": None}]}}}
    movie["translations"] = {"translations": [{"iso_639_1": "ko", "data": None}]}
    f = film(movie)
    assert (f.cast, f.releases, f.offers) == ((), (), ())
    assert f.title == "Parasite"


# --- search hits ---------------------------------------------------------------------------------


def test_a_search_result_is_a_hit():
    hit = hit_from_search(
        {
            "id": 496243,
            "title": "Parasite",
            "original_title": "기생충",
            "release_date": "2019-05-30",
        }
        | {"poster_path": "/p.jpg", "popularity": 38.2}
    )
    assert hit == TmdbHit(
        496243,
        "Parasite",
        "기생충",
        2019,
        "https://image.tmdb.org/t/p/w500/p.jpg",
        date(2019, 5, 30),
    )
    assert hit.label == "Parasite (2019)"


def test_a_hit_without_a_date_is_labelled_by_its_title_alone():
    hit = hit_from_search({"id": 9, "title": "Someday", "release_date": ""})
    assert (hit.year, hit.release_date, hit.poster, hit.label) == (None, None, None, "Someday")


def test_a_long_label_fits_a_discord_choice_and_keeps_the_year():
    hit = hit_from_search({"id": 9, "title": "A" * 150, "release_date": "2024-01-01"})
    assert len(hit.label) == 100
    assert hit.label.endswith("… (2024)")


@pytest.mark.parametrize("result", [{"title": "x"}, {"id": 3}, {"id": True, "title": "x"}, None])
def test_a_result_without_an_id_or_title_is_refused(result: Any):
    with pytest.raises(ValueError):
        hit_from_search(result)
