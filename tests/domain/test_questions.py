"""Reading questions: names before keywords, the places and platform named, the film named."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.domain.films import Film, FilmIndex, Name, parse_film
from bot.domain.questions import (
    find_film_in_question,
    name_in_question,
    places,
    platform_asked,
    read,
    title_in_question,
)
from bot.storage.films import read_toml

SEED = Path(__file__).resolve().parents[2] / "data" / "films" / "lost-in-starlight.toml"


@pytest.fixture(scope="module")
def film() -> Film:
    return parse_film(read_toml(SEED.read_text(encoding="utf-8")), str(SEED))


# --- names before keywords -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topics"),
    [("who is Han Ji-won?", set()), ("what did Han Ji-won direct?", {"directors"})],
)
def test_a_keyword_inside_a_name_does_not_count(film, question, topics):
    """The "won" of Han Ji-won is not a question about awards."""
    q = read(question, film)
    assert q.unrecorded is None and set(q.topics) == topics
    assert [m.thing.key for m in q.people] == ["han-ji-won"]


def test_a_name_is_found_in_any_of_its_spellings(film):
    q = read("who is 한지원?", film)
    assert [(m.thing.key, m.spelled) for m in q.people] == [("han-ji-won", "한지원")]
    assert q.about_a_name


def test_a_keyword_alone_is_not_taken_for_a_name(film):
    """A character called "Set" must not swallow "where is it set?"."""
    named_set = dataclasses.replace(film.characters[1], name="Set", variants=())
    odd = dataclasses.replace(film, characters=(film.characters[0], named_set))
    q = read("where is it set?", odd)
    assert q.characters == () and "setting" in q.topics


def test_keywords_in_the_films_title_do_not_count(film):
    knives = dataclasses.replace(film, titles=(Name("Knives Out", "english", ("release-guide",)),))
    q = read("what is Knives Out about?", knives)
    assert q.topics == {"synopsis"}  # not "out": a release question


def test_a_name_inside_a_longer_title_is_the_title(film):
    jay = dataclasses.replace(film, titles=(Name("Jay and Bob", "english", ("release-guide",)),))
    assert read("who is in Jay and Bob?", jay).characters == ()
    assert [m.thing.key for m in read("who is Jay?", jay).characters] == ["jay"]


# --- places and platforms -----------------------------------------------------------------------


def test_every_place_named_is_read(film):
    found = places("when is it out in Mumbai and New York?", film).found
    assert [(p.typed, p.zone.key, p.country) for p in found] == [
        ("Mumbai", "Asia/Kolkata", "IN"),
        ("New York", "America/New_York", "US"),
    ]


def test_a_list_of_places_keeps_what_is_no_zone(film):
    named = places("when is it out in Seoul, Narnia or London time?", film)
    assert [p.zone.key for p in named.found] == ["Asia/Seoul", "Europe/London"]
    assert named.unread == ("Narnia",)


def test_places_are_read_once_each_and_only_a_few(film):
    named = places("when is it out in Seoul, Busan, Tokyo, Seoul, London, Paris and Lima?", film)
    assert [p.typed for p in named.found] == ["Seoul", "Tokyo", "London", "Paris"]


@pytest.mark.parametrize("question", ["when is it out for me?", "when is it out here?"])
def test_the_callers_own_place_is_no_place(film, question):
    assert places(question, film).found == ()


@pytest.mark.parametrize(
    ("question", "platform"),
    [
        ("is it on Disney+?", "Disney+"),
        ("is it on Disney+ in Korea?", "Disney+"),
        ("can I watch it on Apple TV+ yet", "Apple TV+ yet"),
        ("what platform is it on?", None),
        ("is it on now?", None),
    ],
)
def test_the_platform_asked(film, question, platform):
    assert platform_asked(question, film) == platform


@pytest.mark.parametrize(
    "question", ["is Lost in Starlight on Disney+?", "is lost in starlight on wavve?"]
)
def test_a_platform_after_the_films_title_asks_where_it_is(film, question):
    assert "platform" in read(question, film).topics


def test_a_platform_without_the_film_named_is_no_platform_question(film):
    assert "platform" not in read("is Jay on screen for long?", film).topics


# --- the film a question names --------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("who directed Parasite?", "Parasite"),
        ("how long is Dune: Part Two?", "Dune: Part Two"),
        ("when is The Host out in Seoul?", "The Host"),
        ("when does Get Out come out in New York time?", "Get Out"),
        ("when is Get Out out?", "Get Out"),
        ("how long is Midnight in Paris?", "Midnight in Paris"),
        ("is Murder on the Orient Express on Disney+?", "Murder on the Orient Express"),
        ("what is the runtime of The Lord of the Rings?", "The Lord of the Rings"),
        ("who plays the Joker in The Dark Knight?", "The Dark Knight"),
        ("what is “Parasite” about?", "Parasite"),
        ("where can I watch Oldboy?", "Oldboy"),
    ],
)
def test_title_in_question(question, title):
    assert title_in_question(question) == title


@pytest.mark.parametrize(
    "question",
    [
        "when is it out?",
        "who voices Jay?",
        "who is Han Ji-won?",
        "what did Han Ji-won direct?",
        "when is the film out in Seoul?",
        "does the cat survive?",
        "what is the budget?",
        "purple monkey dishwasher?",
    ],
)
def test_a_question_naming_no_title(question):
    assert title_in_question(question) is None


@pytest.fixture(scope="module")
def index(film) -> FilmIndex:
    rows = [(film.id, name, kind) for name, kind in film.index_rows()]
    return FilmIndex(rows + [("it-2017", "It", "title"), ("out", "Out", "title")])


@pytest.mark.parametrize(
    "question",
    [
        "when is lost is starlight out in seoul?",
        "who directed Lost in Starlight",
        "how long is lost in starlite?",
        "What is 이 별에 필요한 about?",
    ],
)
def test_find_film_in_question(index, question):
    assert find_film_in_question(question, index) == "lost-in-starlight"


def test_question_words_are_not_taken_for_titles(index):
    assert find_film_in_question("when is it out?", index) is None


@pytest.mark.parametrize(
    "question", ["who voices Jay?", "who does Kim Tae-ri voice?", "who plays na young"]
)
def test_a_person_or_character_only_one_film_has_names_the_film(index, question):
    assert find_film_in_question(question, index) == "lost-in-starlight"


def test_a_name_several_films_share_names_no_film(film):
    rows = [(film.id, name, kind) for name, kind in film.index_rows()]
    index = FilmIndex(
        [*rows, ("jay-and-bob", "Jay and Bob", "title"), ("jay-and-bob", "Jay", "character")]
    )
    assert find_film_in_question("who voices Jay?", index) is None
    assert name_in_question("who voices jay?", index) == ("Jay", [film.id, "jay-and-bob"])
    assert name_in_question("who directed it?", index) is None
    assert find_film_in_question("who voices Jay in lost in starlight?", index) == film.id
    assert find_film_in_question("who is Kim Tae-ri?", index) == film.id
