"""Film replies rendered as text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.domain.films import Film, Name, Offer, Release, SearchHit, Source, parse_film
from bot.render.films import cast, info, listing, name_in_films, search_results


def film_with_cast(*cited: str) -> Film:
    """A film with sources a..d, its title citing d, and one cast line per key in ``cited``
    citing that source."""
    document: dict[str, Any] = {
        "id": "test-film",
        "sources": {key: {"title": f"Source {key}"} for key in "abcd"},
        "titles": [{"text": "Test Film", "kind": "english", "sources": ["d"]}],
        "people": {f"p{n}": {"name": f"Person {n}", "sources": ["d"]} for n in range(len(cited))},
        "cast": [
            {"person": f"p{n}", "role": "actor", "sources": [key]} for n, key in enumerate(cited)
        ],
    }
    return parse_film(document, "test-film.toml")


def sources_field(embed: Any) -> str | None:
    return next((f.value for f in embed.fields if f.name == "Sources"), None)


def test_listing():
    assert listing(["A"]) == "A"
    assert listing(["A", "B"]) == "A and B"
    assert listing(["A", "B", "C"]) == "A, B and C"


def test_a_name_in_several_films_lists_a_few_and_says_when_there_are_more():
    labels = {f"f{n}": f"Film {n}" for n in range(7)}
    assert name_in_films(("Jay", ["f0", "f1"]), labels.__getitem__) == (
        "Jay is in **Film 0** and **Film 1**."
    )
    text = name_in_films(("Jay", list(labels)), labels.__getitem__, shown=3)
    assert text == "Jay is in **Film 0**, **Film 1**, **Film 2** and other films."


def test_cast_lists_the_sources_its_lines_cite_numbered_as_the_film_numbers_them():
    embed = cast(film_with_cast("b", "c"))
    assert embed.description.splitlines() == ["**Person 0** [2]", "**Person 1** [3]"]
    assert sources_field(embed) == "[2] Source b\n[3] Source c"


def test_cast_leaves_out_the_sources_of_lines_not_shown():
    embed = cast(film_with_cast(*"a" * 25, "c"))  # 25 lines are shown: the 26th cites c
    assert embed.description.splitlines()[-1] == "…and 1 more"
    assert sources_field(embed) == "[1] Source a"


def test_a_film_without_cast_has_no_sources_on_its_cast_card():
    embed = cast(film_with_cast())
    assert embed.description == "The store has no cast for this film."
    assert sources_field(embed) is None


@pytest.mark.parametrize("found", [False, True])
def test_search_results_quote_the_query_as_typed_never_as_markup(found: bool) -> None:
    hits = [SearchHit("f", "Film", "title", 1.0)] if found else []
    text = search_results("# [x](https://evil.example) @everyone", hits, {"f": "Film"})
    assert "“\\# \\[x](https://evil.example) @\u200beveryone”" in text


def forged_film() -> Film:
    """A TMDB film someone vandalised: markup in its title, a release note and a provider."""
    return Film(
        "tmdb-1",
        "tmdb:1",
        (Source("tmdb", "TMDB"),),
        (Name("M*A*S*H", "english", ("tmdb",)), Name("[x](http://evil.example)", "alias", ())),
        releases=(
            Release(
                "[y](http://evil.example)",
                ("KR",),
                "local_midnight",
                date(2025, 6, 5),
                None,
                None,
                ("tmdb",),
            ),
        ),
        offers=(Offer("KR", "**Flix**", "stream", ("tmdb",)),),
    )


def test_a_film_card_shows_catalogue_text_as_text():
    embed = info(forged_film(), "Asia/Seoul", "KR")
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "M\\*A\\*S\\*H"
    assert fields["Also known as"] == "\\[x](http://evil.example)"
    assert fields["Release"].startswith("\\[y](http://evil.example), KR: ")
    assert fields["Where to watch"].startswith("Streams on \\*\\*Flix\\*\\* (in KR")


def test_search_results_and_names_in_films_show_titles_as_text():
    hits = [SearchHit("f", "[x](http://evil.example)", "alias", 1.0)]
    text = search_results("mash", hits, {"f": "M*A*S*H"})
    assert "• **M\\*A\\*S\\*H** (matched alias: \\[x](http://evil.example))" in text
    assert name_in_films(("Jay", ["f"]), {"f": "M*A*S*H"}.__getitem__) == (
        "Jay is in **M\\*A\\*S\\*H**."
    )


def test_a_film_cards_synopsis_people_and_sources_show_as_text():
    from dataclasses import replace

    from bot.domain.films import CastCredit, Character, CreditClaim, Person, TextClaim

    film = replace(
        forged_film(),
        sources=(Source("tmdb", "TMDB [z](http://evil.example)"),),
        synopsis=(TextClaim("A heist. [Free tickets](http://evil.example) @everyone", ("tmdb",)),),
        people=(Person("p1", "**Bold** Name", ("tmdb",)),),
        characters=(Character("c1", "[Hero](http://evil.example)", ("tmdb",)),),
        directors=(CreditClaim(("p1",), ("tmdb",)),),
        cast=(CastCredit("p1", "c1", "actor", ("tmdb",)),),
    )
    embed = info(film, "Asia/Seoul", "KR")
    fields = {f.name: f.value for f in embed.fields}
    assert "\\[Free tickets](http" in embed.description and "@\u200beveryone" in embed.description
    assert fields["Director"].startswith("\\*\\*Bold\\*\\* Name")
    assert "as \\[Hero](http" in fields["Cast"]
    assert "\\[z](http" in fields["Sources"]
