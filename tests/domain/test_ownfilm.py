"""A server's own film from /film add's form (bot.domain.ownfilm)."""

import re
from datetime import UTC, date, datetime

import pytest

from bot.domain.ownfilm import film_id, own_film
from bot.errors import BadOption, BadTime

TODAY = date(2026, 12, 1)


def make(**fields):
    base = {
        "guild_id": 7,
        "title": "Club Night",
        "zone_key": "Asia/Seoul",
        "member": "Ada",
        "server": "Movie Night",
        "today": TODAY,
    }
    return own_film(**(base | fields))


def test_every_fact_cites_who_added_it_where_and_when():
    film, notes = make(release="2026-12-24 20:00", runtime="1h 36m", synopsis="Our short.")
    assert film.id == film_id(7, "Club Night")
    (source,) = film.sources
    assert source.cite() == "added by Ada in Movie Night (2026-12-24)".replace(
        "2026-12-24", "2026-12-01"
    )
    assert film.runtime[0].minutes == 96
    assert film.synopsis[0].text == "Our short."
    (release,) = film.releases
    assert release.instant() == datetime(2026, 12, 24, 11, 0, tzinfo=UTC)  # 20:00 in Seoul
    assert notes == ["Read the release time in Asia/Seoul."]
    assert {
        s for claim in (*film.titles, *film.runtime, *film.releases) for s in claim.sources
    } == {"added"}


def test_a_date_alone_is_local_midnight_everywhere():
    film, _ = make(release="2027-1-5")
    (release,) = film.releases
    assert release.model == "local_midnight" and release.date == date(2027, 1, 5)


def test_a_zone_in_the_text_wins_and_an_offset_is_kept_as_an_instant():
    film, _ = make(release="2026-12-24 20:00 UTC+9", zone_key=None)
    assert film.releases[0].instant() == datetime(2026, 12, 24, 11, 0, tzinfo=UTC)


def test_an_id_names_the_server_and_reads_as_the_title():
    assert re.fullmatch(r"g3-emile-the-cafe-[0-9a-f]{6}", film_id(3, "Émile & the Café!"))
    assert re.fullmatch(r"g3-film-[0-9a-f]{6}", film_id(3, "이 별에 필요한"))


@pytest.mark.parametrize(
    ("one", "other"),
    [("우리들의 밤", "별의 노래"), ("Club Night!", "Club Night?"), ("Club Night", "club night")],
)
def test_titles_that_slug_alike_get_ids_of_their_own(one: str, other: str):
    assert film_id(1, one) != film_id(1, other)


def test_the_same_title_gets_the_same_id_whatever_its_spacing():
    assert film_id(1, "  우리들의   밤 ") == film_id(1, "우리들의 밤")
    assert film_id(1, "우리들의 밤") != film_id(2, "우리들의 밤")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "1 to 100"),
        ({"title": "x" * 101}, "1 to 100"),
        ({"release": "next friday"}, "can't read the release"),
        ({"release": "2026-02-30"}, "not a real date"),
        ({"release": "2026-12-24 25:00"}, "not a time of day"),
        ({"release": "2026-12-24 20:00", "zone_key": None}, "Which zone"),
        ({"release": "2026-12-24 Seoul"}, "Give a time with the zone"),
        ({"runtime": "long"}, "can't read the runtime"),
        ({"runtime": "0"}, "1 to 2000"),
        ({"synopsis": "x" * 1001}, "at most 1000"),
        ({"title": "[Free](http://x)"}, "can't contain `\\(`|can't contain `\\[`"),
        ({"title": "@everyone night"}, "can't contain `@`"),
    ],
)
def test_bad_fields_are_refused_with_the_reason(fields, message):
    with pytest.raises(BadOption, match=message):
        make(**fields)


def test_a_time_in_a_dst_gap_is_refused_with_a_time_that_exists():
    with pytest.raises(BadTime, match="Try 3:00 AM"):
        make(release="2026-03-08 02:30 America/New_York")
