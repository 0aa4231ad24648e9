"""Premieres of films with per-country releases (as TMDB gives them): each follower is pinged
at local midnight of their own country's date, in their zone; a country without a date is told
so, and pinged once the film gains one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import Harness, harness
from tests.e2e.film_helpers import country_release, films_dir, minimal_film
from tests.e2e.test_premiere import follow, mentioned, next_posts, quiet_for, set_zones

FILM = "country-test"
KR_DAY = "2025-05-21"  # tomorrow in Seoul: "now" is 21:00 there on the 20th
SEOUL_MIDNIGHT = datetime(2025, 5, 20, 15, 0, tzinfo=UTC)
LONDON_DAY_MIDNIGHT = datetime(2025, 5, 27, 23, 0, tzinfo=UTC)  # 00:00 BST on the 28th


FILM_TOML = (
    minimal_film(FILM, "Country Test")
    + country_release("theatrical", "KR", KR_DAY, rated="15")
    + country_release("theatrical", "US", "2025-05-23", rated="PG-13")
    + country_release("digital", "US", "2025-06-10", platform="Digital")
)
WITH_GB = FILM_TOML + country_release("theatrical", "GB", "2025-05-28")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return films_dir(tmp_path, (FILM, FILM_TOML))


@pytest.fixture
async def e2e(tmp_path: Path, folder: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, settings={"films_dir": folder}) as h:
        yield h


async def test_a_member_in_seoul_is_pinged_at_midnight_of_the_korean_date(e2e: Harness):
    s = e2e.server
    await set_zones(e2e, Bruno="Asia/Seoul")
    confirmation = await follow(e2e, "Bruno", FILM)
    assert "(in cinemas in South Korea (rated 15))" in confirmation
    assert "12:00 AM Wednesday, 21 May 2025 your time (Asia/Seoul)" in confirmation

    e2e.clock.set(SEOUL_MIDNIGHT - timedelta(seconds=0.6))
    [ping] = await next_posts(e2e, s.general)
    assert mentioned(e2e, ping) == {s["Bruno"]}
    assert f"12:00 AM Wednesday your time (Asia/Seoul): <@{s['Bruno']}>" in ping.content
    await quiet_for(0.2)
    assert len(e2e.posts()) == 1


async def test_a_member_in_new_york_follows_the_us_release_they_chose(e2e: Harness):
    await set_zones(e2e, Ada="America/New_York")
    first = await follow(e2e, "Ada", FILM)
    assert "in cinemas in the United States (rated PG-13)" in first
    assert "12:00 AM Friday, 23 May 2025 your time (America/New_York)" in first
    streaming = await follow(e2e, "Ada", FILM, release="streaming")
    assert "(streaming in the United States)" in streaming
    assert "12:00 AM Tuesday, 10 June 2025" in streaming
    listing = (await e2e.run("Ada", "premiere list")).content
    june_10 = int(datetime(2025, 6, 10, 4, tzinfo=UTC).timestamp())
    assert f"you: streaming <t:{june_10}:R>" in listing


async def test_a_country_without_a_date_is_told_and_pinged_once_it_has_one(
    e2e: Harness, folder: Path
):
    s = e2e.server
    await set_zones(e2e, Chiara="Europe/London")
    told = await follow(e2e, "Chiara", FILM)
    assert "I don't know a release date for **Country Test** in the United Kingdom yet" in told
    assert f"I'll ping you in <#{s.general}> once it has a date" in told
    assert "The first I know: in cinemas in South Korea (rated 15)" in told
    assert (
        "you: no date in the United Kingdom yet"
        in (await e2e.run("Chiara", "premiere list")).text()
    )

    # The film gains a British date while the bot is down: re-read at start, and planned.
    await e2e.restart(between=lambda: (folder / f"{FILM}.toml").write_text(WITH_GB))
    e2e.clock.set(LONDON_DAY_MIDNIGHT - timedelta(seconds=0.6))
    [ping] = await next_posts(e2e, s.general)
    assert mentioned(e2e, ping) == {s["Chiara"]}
    assert "12:00 AM Wednesday your time (Europe/London)" in ping.content


async def test_following_cinemas_where_there_are_none_names_the_stream(tmp_path: Path):
    stream_only = minimal_film(FILM, "Country Test") + country_release(
        "digital", "KR", "2025-06-01"
    )
    async with harness(
        tmp_path, settings={"films_dir": films_dir(tmp_path, (FILM, stream_only))}
    ) as e2e:
        await set_zones(e2e, Bruno="Seoul")
        text = await follow(e2e, "Bruno", FILM, release="cinema")
        assert "I don't know a release date for **Country Test** in cinemas in South Korea" in text
        assert "The first I know: streaming in South Korea" in text
        assert "Follow with `release: streaming`" in text


async def test_choosing_a_country_re_plans_the_ping(e2e: Harness):
    await set_zones(e2e, Bruno="Asia/Seoul")
    await follow(e2e, "Bruno", FILM)
    await e2e.run("Bruno", "timezone country", {"country": "US"})
    listing = (await e2e.run("Bruno", "premiere list")).content
    us_date_in_seoul = int(datetime(2025, 5, 22, 15, tzinfo=UTC).timestamp())  # 00:00 KST, 23rd
    assert f"you: in cinemas <t:{us_date_in_seoul}:R>" in listing
    assert f"next ping <t:{us_date_in_seoul}:F>" in listing
