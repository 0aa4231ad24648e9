"""The film model: parsing and validation, name normalisation, release times, search ranking."""

from __future__ import annotations

import copy
import marshal
import random
from array import array
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.films import (
    Film,
    FilmIndex,
    compact,
    normalize,
    parse_film,
    runtime_text,
)
from bot.errors import DataError
from bot.storage.films import read_toml

SEED = Path(__file__).resolve().parents[2] / "data" / "films" / "lost-in-starlight.toml"


def minimal() -> dict:
    """A small valid film document; tests break one field at a time."""
    return {
        "id": "test-film",
        "sources": {"cat": {"title": "A catalogue", "date": date(2025, 1, 2)}},
        "titles": [{"text": "Test Film", "kind": "english", "sources": ["cat"]}],
        "releases": [
            {
                "platform": "Netflix",
                "regions": ["worldwide"],
                "model": "global",
                "date": date(2025, 5, 30),
                "time": time(0, 0),
                "zone": "America/Los_Angeles",
                "sources": ["cat"],
            }
        ],
        "runtime": [{"minutes": 96, "sources": ["cat"]}],
        "people": {
            "ana": {
                "name": "Ana Moreno",
                "sources": ["cat"],
                "variants": [{"text": "Ana M.", "kind": "spelling", "sources": ["cat"]}],
            }
        },
        "characters": {"mara": {"name": "Mara", "sources": ["cat"]}},
        "directors": [{"people": ["ana"], "sources": ["cat"]}],
        "cast": [{"person": "ana", "character": "mara", "role": "voice", "sources": ["cat"]}],
    }


@pytest.fixture(scope="module")
def seed() -> Film:
    return parse_film(read_toml(SEED.read_text(encoding="utf-8")), str(SEED))


# --- parsing ------------------------------------------------------------------------------------


def test_minimal_film_parses():
    film = parse_film(minimal(), "test-film.toml")
    assert film.id == "test-film"
    assert film.title == "Test Film"
    assert film.releases[0].zone == "America/Los_Angeles"
    assert film.cast[0].role == "voice"
    assert film.person("ana").names == ("Ana Moreno", "Ana M.")


def test_dates_and_times_may_be_text_as_well():
    doc = minimal()
    doc["releases"][0]["date"] = "2025-05-30"
    doc["releases"][0]["time"] = "00:00"
    film = parse_film(doc, "x.toml")
    assert film.releases[0].date == date(2025, 5, 30)
    assert film.releases[0].time == time(0, 0)


def _break(path: list, value: object) -> dict:
    doc = copy.deepcopy(minimal())
    target = doc
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        (["id"], "Not A Slug", "id", "slug"),
        (["id"], KeyError, "id", "required"),
        (["titles"], [], "titles", "at least one"),
        (["titles", 0, "kind"], "nickname", "titles[0].kind", "not one of"),
        (["titles", 0, "text"], "  ", "titles[0].text", "empty"),
        (["titles", 0, "text"], 5, "titles[0].text", "must be text"),
        (["titles", 0, "sources"], ["nope"], "titles[0].sources[0]", "unknown source 'nope'"),
        (["titles", 0, "sources"], [], "titles[0].sources", "must not be empty"),
        (["titles", 0, "colour"], "red", "titles[0].colour", "unknown key"),
        (["releases", 0, "zone"], "Mars/Olympus", "releases[0].zone", "IANA"),
        (["releases", 0, "zone"], KeyError, "releases[0].zone", "required"),
        (["releases", 0, "date"], "2025-02-30", "releases[0].date", "valid date"),
        (["releases", 0, "time"], "25:00", "releases[0].time", "valid time"),
        (["releases", 0, "model"], "weekly", "releases[0].model", "not one of"),
        (["releases", 0, "regions"], "worldwide", "releases[0].regions", "list"),
        (["runtime", 0, "minutes"], "96", "runtime[0].minutes", "whole number"),
        (["runtime", 0, "minutes"], True, "runtime[0].minutes", "whole number"),
        (["directors", 0, "people"], ["bob"], "directors[0].people[0]", "unknown person 'bob'"),
        (["cast", 0, "character"], "zed", "cast[0].character", "unknown character 'zed'"),
        (["cast", 0, "role"], "dancer", "cast[0].role", "not one of"),
        (["people", "ana", "variants", 0, "kind"], "x", "people.ana.variants[0].kind", "not one"),
        (["sources", "cat", "url"], "ftp://x", "sources.cat.url", "https://"),
        (["sources", "cat", "date"], "yesterday", "sources.cat.date", "valid date"),
        (["sources", "cat", "title"], KeyError, "sources.cat.title", "required"),
        (["genres"], {"name": "x"}, "genres", "list of tables"),
    ],
)
def test_each_bad_field_is_named(path, value, field, problem):
    with pytest.raises(DataError) as caught:
        parse_film(_break(path, value), "films/test-film.toml")
    assert caught.value.path == "films/test-film.toml"
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert [e.field for e in caught.value.errors] == [field]  # one flaw, one error: no echoes


def fields_of(doc: dict, file_id: str | None = None) -> list[str]:
    """The fields named by every error parse_film reports for doc."""
    with pytest.raises(DataError) as caught:
        parse_film(doc, "x.toml", file_id)
    assert all(e.path == "x.toml" for e in caught.value.errors)
    return [e.field for e in caught.value.errors]


def test_every_flawed_item_in_every_section_is_reported():
    doc = minimal()
    doc["titles"].append({"text": "Second", "kind": "nickname", "sources": ["cat"]})
    doc["releases"][0]["zone"] = "Mars/Olympus"
    doc["runtime"][0]["minutes"] = "96"
    doc["people"]["ana"]["variants"][0]["kind"] = "x"
    doc["sources"]["cat"]["url"] = "ftp://x"
    assert fields_of(doc) == [
        "sources.cat.url",
        "titles[1].kind",
        "people.ana.variants[0].kind",
        "releases[0].zone",
        "runtime[0].minutes",
    ]


def test_unknown_keys_and_references_do_not_hide_the_rest_of_a_claim():
    doc = minimal()
    doc["titles"][0].update(colour="red", shade="dark", sources=["nope", "cat", "gone"])
    doc["cast"][0].update(person="bob", character="zed", role="dancer")
    assert fields_of(doc) == [
        "titles[0].colour",
        "titles[0].shade",
        "titles[0].sources[0]",
        "titles[0].sources[2]",
        "cast[0].person",
        "cast[0].character",
        "cast[0].role",
    ]


def test_every_missing_required_key_is_reported():
    doc = minimal()
    del doc["id"], doc["titles"], doc["releases"][0]["platform"], doc["releases"][0]["date"]
    assert fields_of(doc) == ["id", "titles", "releases[0].date", "releases[0].platform"]


def test_sources_that_cant_be_read_are_one_error_not_one_per_reference():
    doc = minimal()
    doc["sources"] = "cat"
    doc["runtime"][0]["minutes"] = 0
    assert fields_of(doc) == ["sources", "runtime[0].minutes"]


def test_a_flawed_person_is_still_declared_for_the_claims_naming_them():
    doc = minimal()
    doc["people"]["ana"]["name"] = "  "
    assert fields_of(doc) == ["people.ana.name"]  # not also directors[0] and cast[0]


def test_the_dst_check_is_reported_beside_other_flaws():
    doc = minimal()
    doc["releases"][0].update(date=date(2025, 3, 9), time=time(2, 30))  # US spring forward
    doc["runtime"][0]["minutes"] = 0
    with pytest.raises(DataError) as caught:
        parse_film(doc, "x.toml")
    release, runtime = caught.value.errors
    assert release.field == "releases[0].time" and "doesn't exist" in release.problem
    assert runtime.field == "runtime[0].minutes"


def test_the_id_must_match_the_file_name_and_other_flaws_still_show():
    doc = minimal()
    doc["runtime"][0]["minutes"] = 0
    assert fields_of(doc, file_id="other-name") == ["id", "runtime[0].minutes"]
    assert parse_film(minimal(), "test-film.toml", "test-film").id == "test-film"


def test_local_midnight_release_takes_no_time_or_zone():
    doc = minimal()
    doc["releases"][0]["model"] = "local_midnight"
    with pytest.raises(DataError) as caught:
        parse_film(doc, "x.toml")
    assert caught.value.field == "releases[0].time"
    del doc["releases"][0]["time"], doc["releases"][0]["zone"]
    assert parse_film(doc, "x.toml").releases[0].zone is None


def test_a_release_time_skipped_by_dst_is_refused_with_the_time_to_use():
    doc = minimal()
    doc["releases"][0].update(date=date(2025, 3, 9), time=time(2, 30))  # US spring forward
    with pytest.raises(DataError) as caught:
        parse_film(doc, "films/test-film.toml")
    assert (caught.value.path, caught.value.field) == ("films/test-film.toml", "releases[0].time")
    assert caught.value.problem == (
        "2:30 AM on 9 March 2025 doesn't exist in America/Los_Angeles "
        "(clocks jump from 2:00 to 3:00 AM). Try 3:00 AM."
    )


def test_a_release_time_repeated_by_dst_is_refused_as_ambiguous():
    doc = minimal()
    doc["releases"][0].update(date=date(2025, 11, 2), time=time(1, 30))  # US fall back
    with pytest.raises(DataError) as caught:
        parse_film(doc, "films/test-film.toml")
    assert (caught.value.path, caught.value.field) == ("films/test-film.toml", "releases[0].time")
    assert caught.value.problem == (
        "1:30 AM on 2 November 2025 happens twice in America/Los_Angeles "
        "(clocks go back from 2:00 to 1:00 AM). Try 2:00 AM, or give the time in UTC."
    )


def test_release_times_next_to_a_dst_change_are_accepted():
    doc = minimal()
    doc["releases"][0].update(date=date(2025, 11, 2), time=time(2, 0))
    release = parse_film(doc, "x.toml").releases[0]
    assert release.instant() == datetime(2025, 11, 2, 10, 0, tzinfo=UTC)


def test_disagreeing_claims_are_all_kept(seed):
    assert [c.people for c in seed.writers] == [("han-ji-won", "kang-hyun-joo"), ("han-ji-won",)]
    assert [c.sources for c in seed.writers] == [("release-guide",), ("plot-explainer",)]


def test_seed_facts(seed):
    assert seed.title == "Lost in Starlight"
    assert seed.runtime[0].minutes == 96
    release = seed.releases[0]
    assert (release.platform, release.model, release.zone) == (
        "Netflix",
        "global",
        "America/Los_Angeles",
    )
    assert release.instant() == datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
    assert seed.source("release-guide").date == date(2025, 5, 29)
    assert {t.kind for t in seed.titles} == {"english", "original", "misspelling"}


# --- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"), [(96, "1h 36m"), (45, "45m"), (120, "2h"), (61, "1h 1m")]
)
def test_runtime_text(minutes, text):
    assert runtime_text(minutes) == text


def test_global_release_is_one_instant_everywhere(seed):
    release = seed.releases[0]
    seoul = release.instant(ZoneInfo("Asia/Seoul"))
    assert seoul == release.instant(None) == datetime(2025, 5, 30, 7, tzinfo=UTC)


def test_local_midnight_follows_the_viewer_or_the_default_zone():
    doc = minimal()
    doc["releases"][0] = {
        "platform": "Cinema",
        "regions": ["Korea"],
        "model": "local_midnight",
        "date": date(2025, 5, 30),
        "sources": ["cat"],
    }
    release = parse_film(doc, "x.toml").releases[0]
    assert release.instant(ZoneInfo("Asia/Seoul")) == datetime(2025, 5, 29, 15, tzinfo=UTC)
    assert release.instant(None, ZoneInfo("Europe/London")) == datetime(2025, 5, 29, 23, tzinfo=UTC)
    assert release.instant() == datetime(2025, 5, 30, tzinfo=UTC)


def test_local_midnight_skipped_by_dst_starts_when_the_clocks_jump():
    santiago = ZoneInfo("America/Santiago")
    # Chile's clocks jump from 00:00 to 01:00 on 6 September 2026: midnight never happens.
    midnight = datetime(2026, 9, 6, tzinfo=santiago)
    assert midnight.astimezone(UTC).astimezone(santiago).hour == 1
    doc = minimal()
    doc["releases"][0] = {
        "platform": "Cinema",
        "regions": ["CL"],
        "model": "local_midnight",
        "date": date(2026, 9, 6),
        "sources": ["cat"],
    }
    release = parse_film(doc, "x.toml").releases[0]
    instant = release.instant(santiago)
    assert instant == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert instant.astimezone(santiago).replace(tzinfo=None) == datetime(2026, 9, 6, 1)


@pytest.mark.parametrize(
    "text", ["Nan-young", "Nan Young", "nanyoung", "NAN–YOUNG".replace("–", "-"), " nan_young "]
)
def test_normalisation_treats_spaces_hyphens_and_case_alike(text):
    assert compact(text) == "nanyoung"


def test_normalisation_strips_accents_and_apostrophes_keeps_hangul():
    assert normalize("Amélie's Café") == "amelies cafe"
    assert compact("이 별에 필요한") == "이별에필요한"
    assert normalize("Han Ji-Won") == "han ji won"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O'Brien's `Night`", "obriens night"),
        ("O’Brien’s ‘Night’", "obriens night"),
        ("  A.B.C -- x_y\t(2019)!  ", "a b c x y 2019"),
        ("  A.B.C — x_y\t(2019)!  ", "a b c x y 2019"),
    ],
)
def test_ascii_and_other_text_normalise_alike(text, expected):
    """ASCII text takes a faster path than the rest; both must give the same answers."""
    assert normalize(text) == expected


# --- search -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(seed) -> FilmIndex:
    rows = [(seed.id, name, kind) for name, kind in seed.index_rows()]
    others = [
        ("lost-highway", "Lost Highway", "title"),
        ("starlight-express", "Starlight Express", "title"),
        ("lost-and-found", "Lost and Found", "title"),
        ("in-the-stars", "In the Stars", "title"),
        ("starlit", "Starlit Nights", "title"),
        ("star", "Star", "title"),
        ("star-trek", "Star Trek Beyond", "title"),
        ("lost-highway", "David Lynch", "person"),
    ]
    return FilmIndex(rows + others)


def test_complete_ranks_exact_then_prefix_then_fuzzy(index):
    labels = [label for label, _ in index.complete("Star")]
    assert labels[0] == "Star"  # exact
    assert labels[1:4] == ["Starlit Nights", "Star Trek Beyond", "Starlight Express"]  # prefix,
    # shortest (closest to what was typed) first
    assert "Lost in Starlight" in labels[4:]  # typo-tolerant / substring match comes last


def test_complete_prefers_shorter_prefix_matches(index):
    labels = [label for label, _ in index.complete("Lost")]
    assert labels[:3] == ["Lost Highway", "Lost and Found", "Lost in Starlight"]


@pytest.mark.parametrize(
    "typed",
    [
        "lost is starlight",
        "lost in starlite",
        "Lost In Star",
        "LOST-IN-STARLIGHT",
        "lostinstarlight",
        "이 별에",
    ],
)
def test_typed_titles_find_lost_in_starlight_first(index, typed):
    assert index.complete(typed)[0][1] == "lost-in-starlight"


def test_complete_shows_which_other_title_matched(index):
    assert index.complete("이 별에 필요한")[0] == (
        "Lost in Starlight (이 별에 필요한)",
        "lost-in-starlight",
    )


def test_complete_gives_one_choice_per_film_within_the_limit(index):
    choices = index.complete("s", limit=2)
    assert len(choices) == 2
    assert len({film for _, film in index.complete("lost")}) == len(index.complete("lost"))
    assert len(index.complete("")) == len(index)


@pytest.mark.parametrize(
    ("typed", "kind", "matched"),
    [
        ("Na Young", "character", "Na Young"),
        ("nan-young", "character", "Nan-young"),
        ("Han Ji-Woon", "person", "Han Ji-Woon"),
        ("han ji won", "person", "Han Ji-won"),
        ("Kim Tae Ri", "person", "Kim Tae-ri"),
        ("lost is starlight", "alias", "Lost Is Starlight"),
    ],
)
def test_search_finds_people_characters_and_aliases(index, typed, kind, matched):
    hit = index.search(typed)[0]
    assert (hit.film_id, hit.kind, hit.matched_name, hit.score) == (
        "lost-in-starlight",
        kind,
        matched,
        1.0,
    )


def test_search_scores_exact_above_prefix_above_fuzzy(index):
    assert index.search("Lost Highway")[0].score == 1.0
    assert 0.75 <= index.search("Lost High")[0].score < 1.0
    assert index.search("Lost Higway")[0].score < 0.75
    assert index.search("Lost Higway")[0].film_id == "lost-highway"


@pytest.mark.parametrize(
    "typed",
    [
        "Lost in Starlight",
        "lost is starlight",
        "lost in starlite",
        "Lost In Star",
        "lost-in-starlight",
    ],
)
def test_best_resolves_a_typed_title(index, typed):
    assert index.best(typed) == "lost-in-starlight"


@pytest.mark.parametrize("typed", ["", "xyzzy", "the", "Kim Tae-ri"])
def test_best_refuses_to_guess(index, typed):
    assert index.best(typed) is None


def test_best_refuses_a_title_two_films_share():
    index = FilmIndex([("a-1", "Twins", "title"), ("a-2", "Twins", "title")])
    assert index.best("twins") is None
    assert {film for _, film in index.complete("twins")} == {"a-1", "a-2"}


def test_a_name_is_listed_once_per_trigram_even_when_two_words_have_it():
    index = FilmIndex([("a", "Harbor Arbor", "title"), ("b", "Arbor", "title")])
    harbor_arbor, arbor = index._titles.exact("harborarbor"), index._titles.exact("arbor")
    assert list(index._titles.postings["arb"]) == sorted([harbor_arbor, arbor])
    assert index.search("harbr arbor")[0].film_id == "a"


def test_two_common_trigrams_choose_the_candidates_counting_would(monkeypatch):
    """Past the postings budget, fuzzy matching takes the keys sharing both of the query's
    rarest trigrams first (set operations), as counting every posting would."""
    from collections import Counter

    from bot.domain import search

    rng = random.Random(4)
    for _ in range(200):
        a = array("i", sorted(rng.sample(range(400), rng.randrange(1, 200))))
        b = array("i", sorted(rng.sample(range(400), rng.randrange(1, 200))))
        counts = Counter(a)
        counts.update(b)
        most = sorted(counts, key=counts.__getitem__, reverse=True)  # stable: ties keep order
        assert search._shared_by_two(a, b) == most[: search._FUZZY_CANDIDATES]
    # and through an index: with a budget of 1, a typo still finds its title
    monkeypatch.setattr(search, "_GRAM_BUDGET", 1)
    index = FilmIndex([(f"f{i}", f"Harbor Lights {i}", "title") for i in range(30)])
    assert index.best("Harbr Lights 7") == "f7"


def test_an_index_survives_dumps_and_loads_and_refuses_other_bytes(index, monkeypatch):
    from bot.domain import search

    monkeypatch.setattr(search, "_PART_ITEMS", 2)  # values in several parts, as at scale
    monkeypatch.setattr(search, "_PART_BYTES", 8)
    loaded = FilmIndex.loads(index.dumps())
    for typed in ("Star", "lost is starlite", "Kim Tae-ri", "Na Young", "", "zzzz"):
        assert loaded.complete(typed) == index.complete(typed)
        assert loaded.search(typed) == index.search(typed)
        assert loaded.best(typed) == index.best(typed)
    assert len(loaded) == len(index) and loaded.label("star") == "Star"
    parts = list(index.dumps())
    truncated = [*parts[:-1], parts[-1][: len(parts[-1]) // 2]]
    swapped = [parts[1], parts[0], *parts[2:]]
    for bad in (
        [],
        [b"\x00junk"],
        parts[:-1],
        truncated,
        swapped,
        [marshal.dumps((0, 1, [2]))],
        parts * 2,
    ):
        with pytest.raises(ValueError, match="not a saved film index"):
            FilmIndex.loads(bad)
