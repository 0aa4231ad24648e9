"""Which releases apply in a country: cinemas and streaming, own else worldwide. Pure."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.films import Film, Name, Release
from bot.domain.releases import CINEMA, STREAMING, for_country, platform_name

SEOUL = ZoneInfo("Asia/Seoul")


def film(*releases: Release) -> Film:
    return Film("f", "f.toml", (), (Name("F", "english", ()),), releases=releases)


def dated(kind: str, day: date, *regions: str, platform: str = "Cinemas") -> Release:
    """A TMDB-style release: a country's date, 00:00 in each viewer's zone."""
    return Release(platform, regions, "local_midnight", day, None, None, (), kind=kind)


def netflix(day: date = date(2025, 6, 20)) -> Release:
    """A curated worldwide release at one instant (00:00 in Los Angeles)."""
    return Release("Netflix", ("worldwide",), "global", day, time(0), "America/Los_Angeles", ())


KR_CINEMA = dated("theatrical", date(2025, 6, 5), "KR")
US_LIMITED = dated("limited", date(2025, 6, 1), "US")
US_WIDE = dated("theatrical", date(2025, 6, 12), "US")
US_DIGITAL = dated("digital", date(2025, 7, 1), "US", platform="Digital")
FESTIVAL = dated("premiere", date(2025, 5, 1), "FR")
MANY = film(FESTIVAL, US_WIDE, KR_CINEMA, US_DIGITAL, US_LIMITED, netflix())


def test_a_country_gets_its_own_cinema_release_and_the_worldwide_streaming_one():
    applies = for_country(MANY, "KR", SEOUL)
    assert (applies.cinema, applies.streaming, applies.elsewhere) == (KR_CINEMA, netflix(), None)
    assert applies.ordered == (KR_CINEMA, netflix())


def test_the_cinema_release_is_the_earliest_of_limited_and_wide():
    applies = for_country(MANY, "US")
    assert applies.cinema == US_LIMITED
    assert applies.streaming == US_DIGITAL  # its own, ahead of the worldwide one


def test_a_country_without_its_own_dates_reads_the_worldwide_ones():
    applies = for_country(MANY, "GB")
    assert (applies.cinema, applies.streaming) == (None, netflix())
    assert applies.pick(None) == netflix()


def test_a_country_without_any_date_gets_the_earliest_watchable_release_elsewhere():
    f = film(FESTIVAL, US_WIDE, KR_CINEMA, US_LIMITED)
    applies = for_country(f, "DE")
    assert (applies.cinema, applies.streaming, applies.ordered) == (None, None, ())
    assert applies.elsewhere == US_LIMITED  # the festival premiere is not a release to watch
    assert applies.pick(None) is None


def test_a_film_with_only_a_festival_premiere_still_names_it():
    assert for_country(film(FESTIVAL), "KR").elsewhere == FESTIVAL


def test_a_viewer_without_a_country_reads_worldwide_releases_only():
    assert for_country(MANY, None).ordered == (netflix(),)
    assert for_country(film(KR_CINEMA), None).elsewhere == KR_CINEMA


def test_regions_match_in_any_case():
    lower = dated("theatrical", date(2025, 6, 5), "kr")
    assert for_country(film(lower), "KR").cinema == lower


def test_pick_follows_the_choice_else_whichever_comes_first():
    applies = for_country(MANY, "KR", SEOUL)
    assert applies.pick(CINEMA) == KR_CINEMA
    assert applies.pick(STREAMING) == netflix()
    assert applies.pick(None) == KR_CINEMA
    assert for_country(film(KR_CINEMA), "KR").pick(STREAMING) is None


def test_whichever_comes_first_is_read_in_the_viewers_zone():
    # Netflix at 00:00 Los Angeles (16:00 in Seoul) on the 5th, a KR cinema date the 6th: the
    # stream comes first; on the same day in Seoul, the cinema's midnight comes first.
    stream = netflix(date(2025, 6, 5))
    later = dated("theatrical", date(2025, 6, 6), "KR")
    assert for_country(film(later, stream), "KR", SEOUL).pick(None) == stream
    same_day = dated("theatrical", date(2025, 6, 5), "KR")
    assert for_country(film(stream, same_day), "KR", SEOUL).pick(None) == same_day


def test_out_at_is_local_midnight_in_the_viewers_zone():
    applies = for_country(MANY, "KR", SEOUL)
    assert applies.out_at(KR_CINEMA) == datetime(2025, 6, 4, 15, tzinfo=UTC)


def test_choice_of_names_which_release_it_is():
    applies = for_country(MANY, "KR", SEOUL)
    assert applies.choice_of(KR_CINEMA) == CINEMA
    assert applies.choice_of(netflix()) == STREAMING
    assert applies.choice_of(US_WIDE) is None


@pytest.mark.parametrize(
    ("platform", "named"),
    [
        ("Netflix", "Netflix"),
        ("Cinemas", None),
        ("Limited release", None),
        ("Streaming", None),
        ("Theaters", None),
        ("TV", None),
    ],
)
def test_a_platform_that_only_names_the_kind_of_release_is_no_platform(platform, named):
    given = Release(platform, ("KR",), "local_midnight", date(2025, 6, 5), None, None, ())
    assert platform_name(given) == named
