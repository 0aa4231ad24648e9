"""/film release and /film info for films with per-country releases: each member sees their
own country's dates in their own zone, and the server's table reads each zone's country."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Harness, harness
from tests.e2e.film_helpers import fields, films_dir
from tests.e2e.test_film import card, set_zone, table_rows
from tests.e2e.test_premiere_country import FILM, FILM_TOML


@pytest.fixture
async def e2e(tmp_path: Path) -> AsyncIterator[Harness]:
    folder = films_dir(tmp_path, (FILM, FILM_TOML))
    async with harness(tmp_path, settings={"films_dir": folder}) as h:
        yield h


async def test_a_member_in_seoul_sees_the_korean_cinema_date(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    embed = card(await e2e.run("Ada", "film release", {"title": FILM}))
    text = embed["description"]
    assert text.startswith("Cinemas, KR (rated 15): midnight local time on Wednesday 21 May 2025")
    assert "For you: 12:00 AM Wednesday, 21 May 2025 (Asia/Seoul)" in text
    assert "US" not in text and "Streaming" not in text  # only what applies in Korea
    assert embed["footer"]["text"].startswith("Not out yet")


async def test_a_member_in_new_york_sees_us_cinemas_and_streaming(e2e: Harness) -> None:
    await set_zone(e2e, "Bruno", "New York")
    text = card(await e2e.run("Bruno", "film release", {"title": FILM}))["description"]
    cinemas, streaming = text.split("\n**Streaming**: ")
    assert cinemas.startswith("**In cinemas**: Cinemas, US (rated PG-13)")
    assert "For you: 12:00 AM Friday, 23 May 2025 (America/New_York)" in cinemas
    assert streaming.startswith("Digital, US: midnight local time on Tuesday 10 June 2025")


async def test_the_table_reads_each_zones_own_country(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    await set_zone(e2e, "Bruno", "New York")
    await set_zone(e2e, "Chiara", "London")
    embed = card(await e2e.run("Ada", "film release", {"title": FILM}))
    assert "Local release times in this server (🎬 in cinemas, 📺 streaming)" in fields(embed)
    rows = {row.split("`")[1].strip(): row for row in table_rows(embed)}
    assert rows["Asia/Seoul"].endswith("12:00 AM Wednesday, 21 May 2025 🎬")
    assert rows["America/New_York"].endswith("12:00 AM Friday, 23 May 2025 🎬")
    assert rows["Europe/London"].endswith("no date yet")


async def test_a_country_without_a_date_says_so_and_names_the_first_elsewhere(
    e2e: Harness,
) -> None:
    await set_zone(e2e, "Chiara", "London")
    embed = card(await e2e.run("Chiara", "film release", {"title": FILM}))
    text = embed["description"]
    assert text.startswith("No release date in the United Kingdom yet.\nThe first I know: ")
    assert "Cinemas, KR (rated 15)" in text
    assert "For you: 12:00 AM Wednesday, 21 May 2025 (Europe/London)" in text
    info = fields(card(await e2e.run("Chiara", "film info", {"title": FILM})))
    assert info["Release"].startswith("No release date in the United Kingdom yet.")


async def test_info_shows_the_releases_of_the_members_country(e2e: Harness) -> None:
    await set_zone(e2e, "Bruno", "New York")
    info = fields(card(await e2e.run("Bruno", "film info", {"title": FILM})))
    assert "Cinemas, US (rated PG-13)" in info["In cinemas"]
    assert "Digital, US" in info["Streaming"]
    assert "Release" not in info


async def test_a_country_chosen_with_timezone_country_wins_over_the_zones(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    await e2e.run("Ada", "timezone country", {"country": "United States"})
    text = card(await e2e.run("Ada", "film release", {"title": FILM}))["description"]
    assert "Cinemas, US (rated PG-13)" in text
    assert "For you: 12:00 AM Friday, 23 May 2025 (Asia/Seoul)" in text
