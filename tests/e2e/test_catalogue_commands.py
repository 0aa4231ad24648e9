"""/film add, /film remove and /film upcoming through the loopback Discord (and TMDB)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.party_helpers import create
from tests.e2e.test_catalogue import tmdb_movie, with_tmdb
from tests.e2e.test_premiere import set_zones


async def add_own(e2e: Harness, who: str | int, **fields: str):
    handle = await e2e.slash(who, "film add")
    form = await handle.response()
    assert form.kind == "modal", form
    submitted = await e2e.fake.submit_modal(handle, fields)
    return await submitted.response()


async def test_a_server_adds_its_own_film_and_only_it_sees_it(e2e: Harness):
    owner = e2e.server.owner
    await set_zones(e2e, Ada="Asia/Seoul")
    reply = await add_own(
        e2e,
        owner,
        title="Our Club Short",
        release="2025-06-01 20:00 Seoul",
        runtime="45",
        synopsis="A [film](http://evil.example) about @everyone",
    )
    assert reply.ephemeral and "Added **Our Club Short** for this server only" in reply.content
    found = await e2e.complete("Ada", "film info", "title", "our club")
    assert [c["name"] for c in found.choices] == ["Our Club Short"]
    info = await e2e.run("Ada", "film info", {"title": found.choices[0]["value"]})
    embed = info.embeds[0]
    assert embed["title"] == "Our Club Short"
    assert "\\[film](http" in embed["description"]  # shown as typed, never a link
    assert "@\u200beveryone" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "45m" in fields["Runtime"]
    assert "added by sandbox-owner in Movie Night" in fields["Sources"]
    # A member of another server is not offered it, and its id is refused there.
    other = e2e.fake.add_guild("Elsewhere")
    lobby = e2e.fake.add_channel(other, "general")
    stranger = e2e.fake.add_member(other, "Stranger")
    offered = await e2e.fake.autocomplete(
        other, lobby, stranger, "film info", focused="title", value="our club"
    )
    assert "Our Club Short" not in [c["name"] for c in (await offered.response()).choices]
    asked = await e2e.fake.slash(
        other, lobby, stranger, "film info", {"title": found.choices[0]["value"]}
    )
    refused = await asked.response()
    assert refused.ephemeral and not refused.embeds
    assert "Our Club Short" not in refused.content


async def test_adding_needs_manage_server_and_a_server(e2e: Harness):
    reply = await e2e.run("Bruno", "film add")
    assert reply.ephemeral and "Manage Server" in reply.content


async def test_a_bad_form_is_refused_and_nothing_is_added(e2e: Harness):
    reply = await add_own(e2e, e2e.server.owner, title="Club Night", runtime="forever")
    assert reply.ephemeral and "can't read the runtime" in reply.content
    found = await e2e.complete("Ada", "film info", "title", "club night")
    assert not found.choices


async def test_removing_a_film_in_use_is_refused_then_allowed(e2e: Harness):
    owner = e2e.server.owner
    await add_own(e2e, owner, title="Festival Screening", release="2025-06-01")
    film_id = (await e2e.complete("Ada", "film info", "title", "festival")).choices[0]["value"]
    made = await create(e2e, film=film_id, when="fri 20:30 KST")
    refused = await e2e.run(owner, "film remove", {"film": film_id})
    assert "still used by 1" in refused.content
    await e2e.run("Ada", "watchparty cancel", {"id": made.id})
    offered = await e2e.complete(owner, "film remove", "film", "fest")
    assert [c["value"] for c in offered.choices] == [film_id]
    done = await e2e.run(owner, "film remove", {"film": film_id})
    assert "Removed **Festival Screening**" in done.content
    assert not (await e2e.complete("Ada", "film info", "title", "festival")).choices


async def test_add_from_tmdb_and_the_info_card_credits_tmdb_and_justwatch(tmp_path: Path):
    async with with_tmdb(tmp_path) as (e2e, _):
        owner = e2e.server.owner
        offered = await e2e.complete(owner, "film add", "tmdb", "parasite")
        for _ in range(20):
            if offered.choices:
                break
            offered = await e2e.complete(owner, "film add", "tmdb", "parasite")
        assert offered.choices[0]["name"] == "Parasite (2019) · TMDB"
        added = await e2e.run(owner, "film add", {"tmdb": offered.choices[0]["value"]})
        assert "Added **Parasite** from TMDB" in added.content
        await set_zones(e2e, Ada="Asia/Seoul")
        embed = (await e2e.run("Ada", "film info", {"title": "parasite"})).embeds[0]
        assert embed["thumbnail"]["url"].startswith("https://image.tmdb.org/t/p/")
        assert (
            "This product uses the TMDB API but is not endorsed or certified by TMDB."
            in (embed["footer"]["text"])
        )
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "Streams on Watcha" in fields["Where to watch"]
        assert "JustWatch" in fields["Where to watch"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Lost in Starlight", "Lost in Starlight"),  # a film the store has, TMDB doesn't
        ("[x](https://evil.example)", r"\[x](https://evil.example)"),
    ],
)
async def test_add_from_tmdb_by_a_title_tmdb_lacks_says_so(tmp_path: Path, typed: str, shown: str):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        reply = await e2e.run(e2e.server.owner, "film add", {"tmdb": typed})
        assert reply.ephemeral
        assert f"TMDB has no film called '{shown}'" in reply.content
        assert tmdb.count("/3/search/movie") == 1


async def test_add_from_tmdb_by_a_typed_title_takes_tmdbs_best_match(tmp_path: Path):
    async with with_tmdb(tmp_path) as (e2e, _):
        reply = await e2e.run(e2e.server.owner, "film add", {"tmdb": "dune part two"})
        assert "Added **Dune: Part Two** from TMDB" in reply.content


async def test_upcoming_lists_stored_and_tmdb_films_and_follows_from_the_menu(tmp_path: Path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.today = date(2025, 5, 20)  # the bot's "now" in these tests
        tmdb.add(tmdb_movie(900010, "Seoul Next Week", ("KR", 3, "2025-05-27")))
        tmdb.add(tmdb_movie(900011, "Only On Tmdb", ("KR", 3, "2025-06-12")))
        await e2e.run("Ada", "film info", {"title": "tmdb:900010"})  # now in the store
        await set_zones(e2e, Bruno="Asia/Seoul")
        reply = await e2e.run("Bruno", "film upcoming")
        assert "Coming out in South Korea" in reply.content
        assert "**Seoul Next Week** in cinemas" in reply.content
        assert "**Lost in Starlight** streaming" in reply.content
        assert "**Only On Tmdb**: Thursday 12 June 2025 · TMDB" in reply.content
        films = [line for line in reply.content.splitlines() if line.startswith("• ")]
        assert ["Seoul Next" in films[0], "Lost in" in films[1], "Only On" in films[2]] == [
            True,
            True,
            True,
        ]  # soonest first: 27 May, 30 May, 12 June
        message = reply.message
        assert message is not None
        picked = await e2e.fake.click(
            message, "film:upcoming:follow", e2e.member("Bruno"), values=["tmdb-900010"]
        )
        told = await picked.response()
        assert told.ephemeral and "You're following **Seoul Next Week**" in told.content


async def test_upcoming_trusts_tmdbs_list_over_an_older_stored_date(tmp_path: Path):
    async with with_tmdb(tmp_path) as (e2e, tmdb):
        tmdb.today = date(2025, 5, 20)
        tmdb.add(tmdb_movie(900030, "Moved Up", ("KR", 3, "2025-08-01")))
        await e2e.run("Ada", "film info", {"title": "tmdb:900030"})  # stored with August
        tmdb.add(tmdb_movie(900030, "Moved Up", ("KR", 3, "2025-06-05")))  # TMDB moved it
        await set_zones(e2e, Bruno="Asia/Seoul")
        reply = await e2e.run("Bruno", "film upcoming")
        line = next(x for x in reply.content.splitlines() if "Moved Up" in x)
        assert "Thursday 5 June 2025" in line and "TMDB" not in line  # the stored film, dated anew
        assert reply.message is not None
        picked = await e2e.fake.click(
            reply.message, "film:upcoming:follow", e2e.member("Bruno"), values=["tmdb-900030"]
        )
        assert "You're following **Moved Up**" in (await picked.response()).content
