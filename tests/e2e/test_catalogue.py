"""The catalogue grows while the bot runs: films imported by another process are found."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from faketmdb import FakeTmdb
from tests.e2e.conftest import Harness, database_env, harness
from tests.e2e.film_helpers import films_dir, minimal_film
from tests.e2e.party_helpers import create
from tests.e2e.test_premiere import follow, mentioned, next_posts, set_zones
from tests.test_cli import run_cli


async def test_a_film_imported_while_the_bot_runs_is_found_within_seconds(tmp_path: Path):
    folder = films_dir(tmp_path)
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        before = await e2e.complete("Ada", "film info", "title", "harbour lights")
        assert ("Harbour Lights", "harbour-lights") not in [
            (c["name"], c["value"]) for c in before.choices
        ]
        incoming = tmp_path / "incoming.toml"
        incoming.write_text(minimal_film("harbour-lights", "Harbour Lights"), encoding="utf-8")
        env = {"FILMS_DIR": str(folder), **database_env(tmp_path)}
        result = await asyncio.to_thread(run_cli, tmp_path, "films", "import", str(incoming), **env)
        assert result.code == 0, result.err
        for _ in range(50):  # the bot looks every 2 s
            found = await e2e.complete("Ada", "film info", "title", "harbour lights")
            if found.choices and found.choices[0]["value"] == "harbour-lights":
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the running bot never found the imported film")
        reply = await e2e.run("Ada", "film info", {"title": "harbour-lights"})
        assert reply.embeds[0]["title"] == "Harbour Lights"


# --- TMDB ---------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def with_tmdb(tmdb_path: Path, **options: Any) -> AsyncIterator[tuple[Harness, FakeTmdb]]:
    """The bot running with TMDB configured, against the loopback fake of TMDB."""
    async with FakeTmdb() as tmdb:
        settings = {"tmdb_token": tmdb.token, "tmdb_api_url": tmdb.base_url, **options}
        async with harness(tmdb_path, settings=settings) as e2e:
            yield e2e, tmdb


async def test_autocomplete_offers_tmdb_films_labelled_and_picking_one_imports_it(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        found = await e2e.complete("Ada", "film info", "title", "parasi")
        for _ in range(20):  # the first keystroke may come back before TMDB does
            if found.choices:
                break
            await asyncio.sleep(0.1)
            found = await e2e.complete("Ada", "film info", "title", "parasi")
        assert [c["name"] for c in found.choices] == ["Parasite (2019) · TMDB"]
        value = found.choices[0]["value"]
        reply = await e2e.run("Ada", "film info", {"title": value})
        embed = reply.embeds[0]
        assert embed["title"] == "Parasite"
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "Bong Joon Ho" in fields["Director"]
        assert "2h 13m" in fields["Runtime"]
        # Imported: found in the store from now on, and TMDB's copy is not offered twice.
        local = await e2e.complete("Bruno", "film info", "title", "parasite")
        assert [(c["name"], c["value"]) for c in local.choices] == [("Parasite", "tmdb-496243")]
        assert tmdb.count("/3/movie/496243") == 1
        # A party for it, by the value autocomplete gave.
        made = await create(e2e, when="tomorrow 21:00 KST", film="tmdb-496243")
        assert "Parasite" in made.card.embeds[0]["title"]
        # The native event ends when the film does: 133 minutes after the start.
        (event,) = e2e.fake.scheduled_events(e2e.server.guild)
        start, end = (
            datetime.fromisoformat(event[k]) for k in ("scheduled_start_time", "scheduled_end_time")
        )
        assert end - start == timedelta(minutes=133)


async def test_a_typed_title_nobody_picked_is_found_on_tmdb(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, _):
        reply = await e2e.run("Ada", "film info", {"title": "Dune: Part Two"})
        assert reply.embeds[0]["title"] == "Dune: Part Two"


async def test_tmdb_not_answering_is_a_clear_reply_and_a_stored_copy_still_works(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        await e2e.run("Ada", "film info", {"title": "tmdb:496243"})
        tmdb.fail(100, status=503)
        assert (await e2e.run("Ada", "film info", {"title": "tmdb-496243"})).embeds
        reply = await e2e.run("Ada", "film info", {"title": "Dune: Part Two"})
        assert reply.ephemeral
        assert "TMDB is not answering" in reply.content


async def test_without_tmdb_an_unknown_film_says_how_to_turn_it_on(e2e):
    reply = await e2e.run("Ada", "film info", {"title": "Parasite"})
    assert reply.ephemeral
    assert "I don't know a film called 'Parasite'" in reply.content
    assert "TMDB_TOKEN" in reply.content


async def test_a_tmdb_value_while_tmdb_is_off_says_how_to_turn_it_on(e2e):
    # e.g. from a /film upcoming menu posted before the token was removed
    reply = await e2e.run("Ada", "film info", {"title": "tmdb:496243"})
    assert reply.ephemeral
    assert "TMDB_TOKEN" in reply.content


async def test_a_slow_tmdb_still_gets_a_reply_within_discords_three_seconds(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.delay = 1.6  # the search and the fetch each in time alone, not both
        reply = await e2e.run("Ada", "film info", {"title": "Dune: Part Two"})
        assert reply.ephemeral
        assert "TMDB is not answering" in reply.content


@pytest.mark.parametrize("fault", ["down", "bad token"])
async def test_a_party_for_a_plain_title_is_made_while_tmdb_fails(tmp_path, fault: str):
    token = {"tmdb_token": "wrong-token"} if fault == "bad token" else {}
    async with with_tmdb(tmp_path, **token) as (e2e, tmdb):
        if fault == "down":
            tmdb.fail(100, status=503)
        made = await create(e2e, film="Our Club Film", when="tomorrow 21:00 KST")
        assert "Our Club Film" in made.card.embeds[0]["title"]
        assert "TMDB isn't answering, so I used the title as typed" in made.reply.content
        if fault == "down":
            assert tmdb.count("/3/search/movie") == 1  # TMDB was asked, and its failure let go
        # (a refused token is known from the start-up check: refused without asking again)


async def test_a_tmdb_film_picked_for_a_party_while_tmdb_is_down_is_refused(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.fail(100, status=503)
        options = {"film": "tmdb:693134", "when": "tomorrow 21:00 KST"}
        reply = await e2e.run("Ada", "watchparty create", options)
        assert reply.ephemeral
        assert "TMDB is not answering" in reply.content
        assert e2e.fake.scheduled_events(e2e.server.guild) == []


def tmdb_movie(tmdb_id: int, title: str, *dates: tuple[str, int, str]) -> dict[str, Any]:
    """A TMDB movie document (Parasite's, re-titled) with only these (country, type, day)
    release dates."""
    movie = copy.deepcopy(FakeTmdb().movie(496243))
    movie.update(id=tmdb_id, title=title, original_title=title, imdb_id=None)
    movie["release_date"] = min((day for _, _, day in dates), default="")
    movie["translations"] = {"translations": []}
    movie["alternative_titles"] = {"titles": []}
    by_country: dict[str, list[dict[str, Any]]] = {}
    for country, kind, day in dates:
        by_country.setdefault(country, []).append(
            {
                "certification": "",
                "descriptors": [],
                "iso_639_1": "",
                "note": "",
                "release_date": f"{day}T00:00:00.000Z",
                "type": kind,
            }
        )
    movie["release_dates"] = {
        "results": [{"iso_3166_1": c, "release_dates": r} for c, r in by_country.items()]
    }
    return movie


async def test_a_member_in_seoul_is_pinged_at_midnight_seoul_time_on_the_korean_date(tmp_path):
    # "now" is 21:00 on 20 May in Seoul; the film opens in Korean cinemas tomorrow.
    seoul_midnight = datetime(2025, 5, 20, 15, 0, tzinfo=UTC)
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.add(
            tmdb_movie(
                900001, "Tomorrow in Seoul", ("KR", 3, "2025-05-21"), ("GB", 3, "2025-06-01")
            )
        )
        await set_zones(e2e, Bruno="Asia/Seoul", Chiara="Europe/London")
        told = await follow(e2e, "Bruno", "tmdb:900001")
        assert "12:00 AM Wednesday, 21 May 2025 your time (Asia/Seoul)" in told
        e2e.clock.set(seoul_midnight - timedelta(seconds=0.6))
        [ping] = await next_posts(e2e, e2e.server.general)
        assert mentioned(e2e, ping) == {e2e.server["Bruno"]}
        assert "Tomorrow in Seoul" in ping.content


async def test_a_refresh_that_brings_a_date_pings_the_follower_who_had_none(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.add(tmdb_movie(900002, "Coming Later", ("KR", 3, "2025-05-21")))
        await set_zones(e2e, Chiara="Europe/London")
        told = await follow(e2e, "Chiara", "tmdb:900002")
        assert "yet" in told  # no date in the United Kingdom
        tmdb.add(
            tmdb_movie(900002, "Coming Later", ("KR", 3, "2025-05-21"), ("GB", 3, "2025-05-22"))
        )
        assert await e2e.bot.catalog.refresh_stale(e2e.clock.now() + timedelta(days=2)) == [
            "tmdb-900002"
        ]
        london_midnight = datetime(2025, 5, 21, 23, 0, tzinfo=UTC)  # 00:00 BST on the 22nd
        e2e.clock.set(london_midnight - timedelta(seconds=0.6))
        [ping] = await next_posts(e2e, e2e.server.general)
        assert mentioned(e2e, ping) == {e2e.server["Chiara"]}


async def test_a_bad_tmdb_token_is_one_log_line_and_a_clear_reply(tmp_path, caplog):
    async with FakeTmdb() as tmdb:
        settings = {"tmdb_token": "wrong-token-abc123", "tmdb_api_url": tmdb.base_url}
        async with harness(tmp_path, settings=settings) as e2e:
            reply = await e2e.run("Ada", "film info", {"title": "Parasite"})
            assert reply.ephemeral
            assert "TMDB refused the bot's token" in reply.content
            for _ in range(50):
                if "TMDB refused TMDB_TOKEN" in caplog.text:
                    break
                await asyncio.sleep(0.05)
    assert caplog.text.count("TMDB refused TMDB_TOKEN") == 1
    assert "wrong-token-abc123" not in caplog.text


async def test_a_stale_tmdb_film_read_again_is_refreshed_in_the_background(tmp_path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        movie = tmdb_movie(900020, "Slowly Changing", ("KR", 3, "2025-06-01"))
        tmdb.add(movie)
        await e2e.run("Ada", "film info", {"title": "tmdb:900020"})
        tmdb.add({**movie, "runtime": 101})
        first = await e2e.run("Ada", "film info", {"title": "tmdb-900020"})  # still fresh
        assert "2h 13m" in str(first.embeds[0])
        fetches = tmdb.count("/3/movie/900020")
        e2e.clock.set(e2e.clock.now() + timedelta(days=2))
        stale = await e2e.run("Ada", "film info", {"title": "tmdb-900020"})
        assert "2h 13m" in str(stale.embeds[0])  # answered from the stored copy at once
        for _ in range(50):
            if tmdb.count("/3/movie/900020") > fetches and not e2e.bot.catalog._refreshing:
                break
            await asyncio.sleep(0.05)
        fresh = await e2e.run("Ada", "film info", {"title": "tmdb-900020"})
        assert "1h 41m" in str(fresh.embeds[0])
