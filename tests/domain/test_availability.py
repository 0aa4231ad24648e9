"""When and where a film can be seen, for the caller's country or the places a question names:
releases per country and kind, watch offers, yes/no about a platform."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.answers import answer
from bot.domain.availability import applicable
from bot.domain.films import Film, Name, Offer, Release, Source

TMDB = Source("tmdb", "TMDB", publisher="The Movie Database")
JUSTWATCH = Source("justwatch", "JustWatch (via TMDB)")


def release(kind: str, region: str, day: date, platform: str = "Cinemas") -> Release:
    return Release(platform, (region,), "local_midnight", day, None, None, ("tmdb",), kind=kind)


def offer(country: str, provider: str, kind: str) -> Offer:
    return Offer(country, provider, kind, ("justwatch",))


KR_CINEMA = release("theatrical", "KR", date(2019, 5, 30))
US_LIMITED = release("limited", "US", date(2019, 10, 11), "Limited release")
US_CINEMA = release("theatrical", "US", date(2019, 11, 1))
US_DIGITAL = release("digital", "US", date(2020, 1, 28), "Digital")
FR_PREMIERE = release("premiere", "FR", date(2019, 5, 21), "Cannes Film Festival")


def film(releases: tuple[Release, ...] = (), offers: tuple[Offer, ...] = ()) -> Film:
    """A film as TMDB would give it: releases per country and kind, offers per country."""
    return Film(
        id="tmdb-496243",
        path="tmdb:496243",
        sources=(TMDB, JUSTWATCH),
        titles=(Name("Parasite", "english", ("tmdb",)), Name("기생충", "original", ("tmdb",))),
        releases=releases,
        offers=offers,
    )


PARASITE = film(
    (FR_PREMIERE, US_DIGITAL, US_CINEMA, KR_CINEMA, US_LIMITED),
    (
        offer("US", "Apple TV", "buy"),
        offer("US", "Apple TV", "rent"),
        offer("US", "Hulu", "stream"),
        offer("KR", "Watcha", "stream"),
        offer("KR", "Google Play Movies", "rent"),
    ),
)


def ask(f: Film, question: str, zone: str | None = None, country: str | None = None):
    return answer(question, f, caller_zone_key=zone, country=country)


# --- which releases apply ---------------------------------------------------------------------


def test_a_countrys_earliest_cinema_and_streaming_releases_apply():
    assert applicable(PARASITE, "US") == [US_LIMITED, US_DIGITAL]
    assert applicable(PARASITE, "KR") == [KR_CINEMA]


def test_a_worldwide_release_stands_in_for_a_kind_the_country_lacks():
    worldwide = Release(
        "Netflix", ("worldwide",), "local_midnight", date(2020, 6, 1), None, None, ("tmdb",)
    )
    f = film((KR_CINEMA, worldwide))
    assert applicable(f, "KR") == [KR_CINEMA, worldwide]
    assert applicable(f, "GB") == [worldwide]


def test_a_country_with_only_another_kind_gets_that():
    assert applicable(PARASITE, "FR") == [FR_PREMIERE]
    assert applicable(PARASITE, "DE") == []


# --- when is it out? ----------------------------------------------------------------------------


def test_when_is_it_out_here_gives_the_callers_cinema_and_streaming_dates():
    a = ask(PARASITE, "when is it out here?", zone="America/New_York", country="US")
    assert a.known
    lines = a.text.splitlines()
    assert lines[0].startswith("**Parasite** opens in cinemas (limited release) in US at midnight")
    assert "12:00 AM Friday, 11 October 2019 in your zone (America/New_York)" in lines[0]
    assert "to stream in US" in lines[1] and "12:00 AM Tuesday, 28 January 2020" in lines[1]
    assert "Korea" not in a.text and "30 May 2019" not in a.text
    assert [s.key for s in a.sources] == ["tmdb"]


def test_when_can_i_see_it_in_a_country_with_one_release():
    a = ask(PARASITE, "when can I see it?", zone="Asia/Seoul", country="KR")
    assert "opens in cinemas in KR at midnight local time: 12:00 AM Thursday, 30 May 2019" in a.text
    assert "US" not in a.text


def test_a_country_without_a_release_is_told_so_with_the_earliest_elsewhere():
    a = ask(PARASITE, "when is it out?", zone="Europe/Berlin", country="DE")
    first, second = a.text.splitlines()[:2]
    assert first == "The store has no release of **Parasite** for DE yet."
    # Another country's midnight is theirs: its date, not a time in the caller's zone.
    assert second == (
        "The earliest elsewhere: **Parasite** premieres at Cannes Film Festival in FR on "
        "Tuesday, 21 May 2019."
    )


def test_each_place_named_gets_its_own_release():
    a = ask(PARASITE, "when is it out in Seoul and New York?", zone="Europe/Berlin", country="DE")
    assert (
        "in cinemas in KR at midnight local time: 12:00 AM Thursday, 30 May 2019 in Asia/Seoul"
        in a.text
    )
    assert "12:00 AM Friday, 11 October 2019 in America/New_York" in a.text
    assert "Berlin" not in a.text and "DE" not in a.text


def test_without_a_country_the_earliest_release_of_each_kind_and_a_hint():
    a = ask(PARASITE, "when is it out?")
    assert "in cinemas in KR at midnight local time on Thursday, 30 May 2019" in a.text
    assert "to stream in US at midnight local time on Tuesday, 28 January 2020" in a.text
    assert "ask “when is it out in Seoul?”" in a.text


# --- where can I watch it? ---------------------------------------------------------------------


def test_where_to_watch_gives_the_callers_offers_streaming_first():
    a = ask(PARASITE, "where can I watch it?", zone="America/New_York", country="US")
    assert a.known
    assert a.text.startswith(
        "In US, **Parasite** streams on Hulu; rent it on Apple TV; buy it on Apple TV."
    )
    assert "Source: JustWatch (via TMDB)." in a.text  # offers name where they come from
    assert [s.key for s in a.sources] == ["justwatch"]


def test_is_it_streaming_in_a_place_named():
    a = ask(PARASITE, "is it streaming in Seoul?", country="US")
    assert a.text.startswith(
        "In KR, **Parasite** streams on Watcha; rent it on Google Play Movies."
    )


def test_a_country_without_offers_is_told_so_and_where_it_is_offered():
    a = ask(PARASITE, "where can I watch it?", zone="Europe/Berlin", country="DE")
    assert a.text.startswith("The store doesn't know where to watch **Parasite** in DE.")
    assert (
        "It is offered in KR (streams on Watcha; rent it on Google Play Movies) and US (" in a.text
    )
    assert "JustWatch" in a.text


def test_where_to_watch_without_offers_gives_the_releases_platforms():
    worldwide = Release(
        "Netflix", ("worldwide",), "local_midnight", date(2020, 6, 1), None, None, ("tmdb",)
    )
    a = ask(film((worldwide,)), "where can I watch it?", country="KR")
    assert a.text.startswith(
        "In KR, **Parasite** streams on Netflix (worldwide, from Monday, 1 June 2020)."
    )
    assert "Source: TMDB (The Movie Database)." in a.text


# --- is it on <platform>? ---------------------------------------------------------------------


@pytest.mark.parametrize("question", ["is it on Hulu?", "can I stream it on hulu?"])
def test_yes_it_is_on_the_platform(question):
    a = ask(PARASITE, question, country="US")
    assert a.known and a.text.startswith("Yes — **Parasite** is on Hulu in US (to stream).")
    assert "JustWatch" in a.text


def test_no_names_where_it_streams_and_where_the_platform_has_it():
    a = ask(PARASITE, "is it on Hulu?", country="KR")
    assert a.known
    assert a.text.startswith(
        "No — in KR, **Parasite** streams on Watcha; rent it on Google Play Movies. "
        "The store has no facts about Parasite on Hulu in KR. It lists it on Hulu in US."
    )


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("is Parasite on Hulu?", "Yes — **Parasite** is on Hulu in US"),
        ("is parasite on wavve?", "No — in US, **Parasite** streams on Hulu"),
    ],
)
def test_a_platform_asked_after_the_title_is_answered(question, start):
    a = ask(PARASITE, question, country="US")
    assert a.known and a.text.startswith(start)


def test_disney_plus_is_one_platform_however_it_is_spelled():
    f = film(offers=(offer("KR", "Disney Plus", "stream"),))
    assert ask(f, "is it on Disney+?", country="KR").text.startswith(
        "Yes — **Parasite** is on Disney Plus"
    )


def test_a_global_release_on_the_platform_is_a_yes_anywhere():
    netflix = Release(
        "Netflix",
        ("worldwide",),
        "global",
        date(2025, 5, 30),
        time(0),
        "America/Los_Angeles",
        ("tmdb",),
    )
    a = ask(film((netflix,)), "is it on Netflix?", country="KR")
    assert a.text.startswith(
        "Yes — **Parasite** is on Netflix (worldwide, from Friday, 30 May 2025)."
    )


def test_places_without_a_release_share_one_earliest_elsewhere():
    a = ask(PARASITE, "when is it out in Berlin and Madrid?")
    assert "for Berlin (DE) yet" in a.text and "for Madrid (ES) yet" in a.text
    assert a.text.count("The earliest elsewhere: **Parasite** premieres at Cannes") == 1


def test_a_place_it_cannot_read_is_said_and_the_callers_country_used():
    a = ask(PARASITE, "where can I watch it in Narnia?", country="KR")
    assert a.text.startswith("(I couldn't read 'Narnia' as a place.)\nIn KR, **Parasite** streams")


# --- catalogue text in a shared answer ---------------------------------------------------------

FORGED = Film(
    id="tmdb-1",
    path="tmdb:1",
    sources=(TMDB, JUSTWATCH),
    titles=(Name("M*A*S*H", "english", ("tmdb",)),),
    releases=(release("digital", "KR", date(2025, 6, 5), "[y](http://evil.example)"),),
    offers=(offer("US", "@everyone", "stream"),),
)


def test_when_is_it_out_shows_the_title_and_platform_as_text():
    text = ask(FORGED, "when is it out?", country="KR").text
    assert text.startswith("**M\\*A\\*S\\*H** is released on \\[y](http://evil.example) in KR")


def test_where_to_watch_shows_providers_and_platforms_as_text():
    assert ask(FORGED, "where can I watch it?", country="US").text.startswith(
        "In US, **M\\*A\\*S\\*H** streams on @\u200beveryone."
    )
    assert ask(FORGED, "where can I watch it?", country="KR").text.startswith(
        "In KR, **M\\*A\\*S\\*H** streams on \\[y](http://evil.example) (KR, from"
    )
