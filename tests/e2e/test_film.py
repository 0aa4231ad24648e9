"""/film end to end: the real bot, the seed film, answers read back through the fake Discord."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fakecord import Reply, compute_pings
from tests.domain.test_usertext import as_read
from tests.e2e.conftest import Harness, harness
from tests.e2e.film_helpers import (
    RELEASE_STAMP,
    SEED,
    assert_embed_within_limits,
    fields,
    films_dir,
    huge_film,
    minimal_film,
    rolling_film,
)


async def set_zone(e2e: Harness, who: str, zone: str) -> None:
    reply = await e2e.run(who, "timezone set", {"zone": zone})
    assert "Your time zone is now" in reply.content, reply.content


def card(reply: Reply) -> dict:
    assert len(reply.embeds) == 1, reply.content
    embed = reply.embeds[0]
    assert_embed_within_limits(embed)
    return embed


# --- /film info ----------------------------------------------------------------------------------


async def test_info_card_has_every_fact_with_its_sources(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    embed = card(await e2e.run("Ada", "film info", {"title": SEED}))
    by_name = fields(embed)

    assert embed["title"] == "Lost in Starlight"
    assert embed["description"].startswith("In 2050 Seoul, astronaut Nan-young")
    assert "이 별에 필요한" in by_name["Also known as"]
    assert "Lost Is Starlight" not in str(embed)  # a misspelling is for matching, not for show
    # The release as a Discord timestamp (each viewer sees their own clock) + the caller's zone.
    assert RELEASE_STAMP in by_name["Release"]
    assert "Netflix, worldwide" in by_name["Release"]
    assert "For you: 4:00 PM Friday, 30 May 2025 (Asia/Seoul)" in by_name["Release"]
    assert by_name["Runtime"].startswith("1h 36m")
    assert by_name["Director"].startswith("Han Ji-won")
    # The writers: the two articles disagree, and both claims are shown with their sources.
    writers = by_name["Writers"]
    assert "disagree" in writers
    assert "Han Ji-won and Kang Hyun-joo [1]" in writers
    assert "Han Ji-won [2]" in writers
    assert "**Kim Tae-ri** as Nan-young (voice)" in by_name["Cast"]
    assert "**Hong Kyung** as Jay (voice)" in by_name["Cast"]
    sources = by_name["Sources"]
    assert sources.startswith("[1] News article: Lost in Starlight release date")
    assert "[3] [넷플릭스" in sources and "(https://mobile.busan.com/" in sources
    assert "footer" not in embed  # no "set your zone" hint for someone who has


async def test_info_without_a_zone_shows_the_timestamp_and_a_hint(e2e: Harness) -> None:
    embed = card(await e2e.run("Bruno", "film info", {"title": SEED}))
    release = fields(embed)["Release"]
    assert RELEASE_STAMP in release and "For you" not in release
    assert "/timezone set" in embed["footer"]["text"]


async def test_info_uses_the_servers_zone_for_members_without_one(e2e: Harness) -> None:
    await e2e.run(e2e.server.owner, "config timezone", {"zone": "London"})
    embed = card(await e2e.run("Bruno", "film info", {"title": SEED}))
    assert "8:00 AM Friday, 30 May 2025 (Europe/London)" in fields(embed)["Release"]


@pytest.mark.parametrize("typed", ["lost in starlight", "LOST IN STARLIGHT", "Lost Is Starlight"])
async def test_info_accepts_a_typed_title(e2e: Harness, typed: str) -> None:
    """Without picking a suggestion: the title as typed, in any case, or misspelt."""
    assert card(await e2e.run("Ada", "film info", {"title": typed}))["title"] == "Lost in Starlight"


async def test_info_reply_is_private_and_pings_nobody(e2e: Harness) -> None:
    handle = await e2e.slash("Ada", "film info", {"title": SEED})
    reply = await handle.response()
    assert reply.ephemeral
    assert handle.callback is not None
    assert handle.callback["data"]["allowed_mentions"] == {"parse": []}
    assert reply.message is not None and e2e.fake.pinged_user_ids(reply.message) == set()


async def test_info_in_a_dm(e2e: Harness) -> None:
    ada = e2e.server["Ada"]
    handle = await e2e.fake.slash(None, e2e.fake.open_dm(ada), ada, "film info", {"title": SEED})
    assert card(await handle.response())["title"] == "Lost in Starlight"


async def test_a_huge_film_still_fits_in_one_embed(tmp_path: Path) -> None:
    """Long texts, 40 sources, 60 cast members, 5 releases: clipped, never rejected by Discord,
    and the card keeps its cast and its sources."""
    folder = films_dir(tmp_path, ("the-everything-film", huge_film()))
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        await set_zone(e2e, "Ada", "New York")
        for command in ("film info", "film cast", "film release"):
            reply = await e2e.run("Ada", command, {"title": "the-everything-film"})
            embed = card(reply)
            assert "Sources" in fields(embed) or command == "film release", command
        info = fields(card(await e2e.run("Ada", "film info", {"title": "the-everything-film"})))
        assert info["Cast"].splitlines()[-1].startswith("…and ")
        assert info["Cast"].endswith(" more")
        ask = await e2e.run(
            "Ada", "film ask", {"question": "who wrote it?", "title": "the-everything-film"}
        )
        assert 0 < len(ask.content) <= 2000


async def test_a_film_with_few_facts_says_what_is_unknown(tmp_path: Path) -> None:
    folder = films_dir(tmp_path, ("bare", minimal_film("bare", "Bare Bones")), seed=False)
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        by_name = fields(card(await e2e.run("Ada", "film info", {"title": "bare bones"})))
        assert by_name["Director"] == "unknown" and by_name["Writers"] == "unknown"
        assert by_name["Sources"] == "[1] A test source"
        release = card(await e2e.run("Ada", "film release", {"title": "bare"}))
        assert "doesn't know when" in release["description"]
        ask = await e2e.run("Ada", "film ask", {"question": "how long is it?", "title": "bare"})
        assert "don't know" in ask.content


# --- private or shared --------------------------------------------------------------------------

LOOKUPS = [
    ("film info", {"title": SEED}),
    ("film search", {"query": "Kim Tae Ri"}),
    ("film cast", {"title": SEED}),
    ("film release", {"title": SEED}),
    ("film ask", {"question": "who voices Jay?", "title": SEED}),
]


@pytest.mark.parametrize(("command", "options"), LOOKUPS)
async def test_a_lookup_answers_privately_by_default(
    e2e: Harness, command: str, options: dict
) -> None:
    reply = await e2e.run("Ada", command, options)
    assert reply.ephemeral and reply.message is not None
    assert e2e.fake.messages_in(e2e.server.general) == []  # nobody else sees it


@pytest.mark.parametrize(("command", "options"), LOOKUPS)
async def test_a_shared_lookup_is_posted_in_the_channel(
    e2e: Harness, command: str, options: dict
) -> None:
    reply = await e2e.run("Ada", command, {**options, "share": True})
    assert not reply.ephemeral and reply.message is not None
    assert e2e.fake.messages_in(e2e.server.general) == [reply.message]
    assert reply.content or reply.embeds


async def test_a_shared_answer_pings_nobody(e2e: Harness) -> None:
    """A shared answer echoing a mention or @everyone a member typed notifies nobody."""
    bruno = e2e.server["Bruno"]
    handle = await e2e.slash(
        "Ada", "film search", {"query": f"<@{bruno}> @everyone", "share": True}
    )
    reply = await handle.response()
    assert not reply.ephemeral and f"<@{bruno}> @everyone" in as_read(reply.content)
    assert handle.callback is not None
    assert handle.callback["data"]["allowed_mentions"] == {"parse": []}
    assert reply.message is not None and e2e.fake.pinged_user_ids(reply.message) == set()


# Markup a member might type: a masked link, a heading (on a line of its own), a ping.
MARKUP = "[x](https://evil.example)\n# big @everyone <@123>"


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("film search", {"query": MARKUP}),
        ("film ask", {"question": f"does {MARKUP} survive?", "title": SEED}),
    ],
)
async def test_a_shared_answer_repeats_typed_markup_literally(
    e2e: Harness, command: str, options: dict
) -> None:
    reply = await e2e.run("Ada", command, {**options, "share": True})
    assert not reply.ephemeral and reply.message is not None
    assert MARKUP in as_read(reply.content)  # readers see exactly what was typed
    assert re.search(r"(?<!\\)\[x\]", reply.content) is None  # no masked link
    assert "\n\\# big" in reply.content  # no heading
    assert compute_pings(reply.content).silent  # inert even without allowed_mentions
    assert e2e.fake.pinged_user_ids(reply.message) == set()


# Each answer that can give a release time in the caller's zone, and the text that would say it.
ZONED = [
    ("film info", {"title": SEED}, lambda reply: fields(card(reply))["Release"]),
    ("film release", {"title": SEED}, lambda reply: card(reply)["description"]),
    ("film ask", {"question": "when is it out?", "title": SEED}, lambda reply: reply.content),
]


@pytest.mark.parametrize(("command", "options", "shown"), ZONED)
async def test_a_private_answer_gives_the_callers_zone(
    e2e: Harness, command: str, options: dict, shown: Callable[[Reply], str]
) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    assert "4:00 PM Friday, 30 May 2025" in shown(await e2e.run("Ada", command, options))


@pytest.mark.parametrize(("command", "options", "shown"), ZONED)
async def test_a_shared_answer_does_not_name_the_callers_zone(
    e2e: Harness, command: str, options: dict, shown: Callable[[Reply], str]
) -> None:
    """The channel reads it: each reader sees the timestamp in their own clock, and nobody
    learns the caller's zone."""
    await set_zone(e2e, "Ada", "Seoul")
    text = shown(await e2e.run("Ada", command, {**options, "share": True}))
    assert RELEASE_STAMP in text
    assert "Asia/Seoul" not in text and "4:00 PM" not in text
    assert "For you" not in text and "your zone" not in text


@pytest.mark.parametrize(
    ("command", "options", "shown"),
    [
        (
            "film release",
            {"title": SEED, "timezone": "Seoul"},
            lambda reply: card(reply)["description"],
        ),
        (
            "film ask",
            {"question": "when is it out in Seoul?", "title": SEED},
            lambda reply: reply.content,
        ),
    ],
)
async def test_a_shared_answer_still_shows_the_zone_asked_for(
    e2e: Harness, command: str, options: dict, shown: Callable[[Reply], str]
) -> None:
    await set_zone(e2e, "Ada", "Europe/London")
    text = shown(await e2e.run("Ada", command, {**options, "share": True}))
    assert "4:00 PM Friday, 30 May 2025" in text and "Asia/Seoul" in text
    assert "London" not in text


# --- autocomplete --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["lost is", "lost in starlite", "LOST", "lost", "이 별", ""])
async def test_autocomplete_finds_the_seed_film(e2e: Harness, typed: str) -> None:
    reply = await e2e.complete("Ada", "film info", "title", typed)
    assert reply.kind == "autocomplete"
    assert reply.choices[0]["value"] == SEED
    assert reply.choice_names[0].startswith("Lost in Starlight")


@pytest.fixture
async def crowded(tmp_path: Path) -> AsyncIterator[Harness]:
    """The seed film among look-alikes, and more 'Lost …' films than one list can show."""
    decoys = [
        ("lost", minimal_film("lost", "Lost")),
        ("the-lost-city", minimal_film("the-lost-city", "The Lost City")),
        ("starlight-express", minimal_film("starlight-express", "Starlight Express")),
        ("a-ghost-in-starlight", minimal_film("a-ghost-in-starlight", "A Ghost in Starlight")),
        *(
            (f"lost-thing-{n}", minimal_film(f"lost-thing-{n}", f"Lost Thing {n}"))
            for n in range(40)
        ),
    ]
    async with harness(tmp_path, settings={"films_dir": films_dir(tmp_path, *decoys)}) as e2e:
        yield e2e


async def test_autocomplete_ranks_exact_then_prefix_and_caps_at_25(crowded: Harness) -> None:
    reply = await crowded.complete("Ada", "film info", "title", "lost")
    assert len(reply.choices) == 25
    assert reply.choices[0]["value"] == "lost"  # the exact title first
    assert all(name.startswith("Lost") for name in reply.choice_names)  # then prefixes
    assert len({c["value"] for c in reply.choices}) == 25  # one choice per film
    for choice in reply.choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100

    reply = await crowded.complete("Ada", "film info", "title", "lost in")
    assert reply.choices[0]["value"] == SEED
    reply = await crowded.complete("Ada", "film info", "title", "starlight")
    assert reply.choice_names[0] == "Starlight Express"  # a prefix beats a later word
    assert SEED in [c["value"] for c in reply.choices]


async def test_autocomplete_on_every_film_option(crowded: Harness) -> None:
    for command in ("film cast", "film release", "film ask"):
        reply = await crowded.complete("Ada", command, "title", "lost is")
        assert reply.choices[0]["value"] == SEED, command


async def test_the_chosen_suggestion_runs_the_command(crowded: Harness) -> None:
    choice = (await crowded.complete("Ada", "film info", "title", "lost is")).choices[0]
    reply = await crowded.run("Ada", "film info", {"title": choice["value"]})
    assert card(reply)["title"] == "Lost in Starlight"


# --- /film search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "matched"),
    [
        ("lost in starlight", None),
        ("Lost Is Starlight", None),
        ("이 별에 필요한", None),
        ("Han Ji-Woon", "person: Han Ji-Woon"),
        ("han ji won", "person: Han Ji"),
        ("Kim Tae Ri", "person: Kim Tae"),
        ("Kang Hyun-joo", "person: Kang Hyun-joo"),
        ("Hong Kyung", "person: Hong Kyung"),
        ("Na Young", "character: Na Young"),
        ("Nan-young", "character: Nan-young"),
        ("Jay", "character: Jay"),
    ],
)
async def test_search_matches_titles_people_and_characters(
    e2e: Harness, query: str, matched: str | None
) -> None:
    reply = await e2e.run("Ada", "film search", {"query": query})
    assert reply.ephemeral
    assert "**Lost in Starlight**" in reply.content, reply.content
    if matched:
        assert f"(matched {matched}" in reply.content, reply.content


async def test_search_with_no_match_says_so(e2e: Harness) -> None:
    reply = await e2e.run("Ada", "film search", {"query": "zzzz qqqq"})
    assert reply.content.startswith("Nothing in the store matches “zzzz qqqq”")


async def test_search_lists_several_films(crowded: Harness) -> None:
    reply = await crowded.run("Ada", "film search", {"query": "starlight"})
    lines = reply.content.splitlines()
    assert lines[0] == "Films matching “starlight”:"
    assert {"• **Starlight Express**", "• **Lost in Starlight**"} <= set(lines)
    assert len(reply.content) <= 2000


# --- /film cast --------------------------------------------------------------------------------------


async def test_cast_lists_people_and_characters_with_sources(e2e: Harness) -> None:
    reply = await e2e.run("Ada", "film cast", {"title": "lost in starlight"})
    embed = card(reply)
    assert embed["title"] == "Cast of Lost in Starlight"
    assert embed["description"].splitlines() == [
        "**Kim Tae-ri** as Nan-young (voice) [1][2][3]",
        "**Hong Kyung** as Jay (voice) [1][2][3]",
    ]
    assert fields(embed)["Sources"].startswith("[1] News article")


async def test_cast_lists_only_the_sources_its_lines_cite(e2e: Harness) -> None:
    """The seed film's fourth source (the director interview) backs other facts, not its cast."""
    info_sources = fields(card(await e2e.run("Ada", "film info", {"title": SEED})))["Sources"]
    assert "[4] [Netflix's sci-fi romance" in info_sources
    sources = fields(card(await e2e.run("Ada", "film cast", {"title": SEED})))["Sources"]
    assert [line[:3] for line in sources.splitlines()] == ["[1]", "[2]", "[3]"]
    assert "interview" not in sources.casefold() and "koreadailyus" not in sources


# --- /film release -------------------------------------------------------------------------------------


def table_rows(embed: dict) -> list[str]:
    name = next(f["name"] for f in embed["fields"] if f["name"].startswith("Local release times"))
    return fields(embed)[name].splitlines()


async def test_release_without_registered_zones_shows_the_default_zones(e2e: Harness) -> None:
    embed = card(await e2e.run("Ada", "film release", {"title": SEED}))
    assert RELEASE_STAMP in embed["description"]
    assert fields(embed).keys() >= {"Local release times"}
    rows = table_rows(embed)
    assert len(rows) == 8
    assert any("America/Los_Angeles" in r and "12:00 AM Friday, 30 May 2025" in r for r in rows)
    assert any("America/New_York" in r and "3:00 AM Friday" in r for r in rows)
    assert any("Asia/Seoul" in r and "4:00 PM Friday" in r for r in rows)
    assert any("Asia/Kolkata" in r and "12:30 PM Friday" in r for r in rows)


async def test_release_table_lists_the_zones_registered_in_this_server(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    await set_zone(e2e, "Bruno", "New York")
    await set_zone(e2e, "Chiara", "Europe/London")
    await set_zone(e2e, "Dae-jung", "KST")
    # A member of another server only: their zone stays out of this server's table.
    other = e2e.fake.add_guild("Elsewhere")
    elsewhere = e2e.fake.add_channel(other, "lobby")
    stranger = e2e.fake.add_member(other, "Stranger")
    handle = await e2e.fake.slash(other, elsewhere, stranger, "timezone set", {"zone": "Tokyo"})
    await handle.response()

    embed = card(await e2e.run("Ada", "film release", {"title": SEED}))
    assert "For you: 4:00 PM Friday, 30 May 2025 (Asia/Seoul)" in embed["description"]
    assert "Local release times in this server" in fields(embed)
    rows = table_rows(embed)
    assert len(rows) == 3
    assert "Asia/Seoul" in rows[0] and "4:00 PM Friday, 30 May 2025" in rows[0]  # two members
    assert any("America/New_York" in r and "3:00 AM Friday, 30 May 2025" in r for r in rows)
    assert any("Europe/London" in r and "8:00 AM Friday, 30 May 2025" in r for r in rows)
    assert not any("Tokyo" in r for r in rows)


async def test_release_footer_says_when_it_is_already_out(e2e: Harness) -> None:
    before = card(await e2e.run("Ada", "film release", {"title": SEED}))
    assert before["footer"]["text"].startswith("Not out yet")
    e2e.clock.set(datetime(2025, 6, 1, tzinfo=UTC))
    after = card(await e2e.run("Ada", "film release", {"title": SEED}))
    assert after["footer"]["text"] == "Already out."


async def test_a_rolling_release_is_local_midnight_in_every_zone(tmp_path: Path) -> None:
    folder = films_dir(
        tmp_path, ("rolling", rolling_film("rolling", "Rolling Along", "2025-06-01"))
    )
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        await set_zone(e2e, "Ada", "Seoul")
        await set_zone(e2e, "Bruno", "America/Los_Angeles")
        embed = card(await e2e.run("Ada", "film release", {"title": "rolling"}))
        assert (
            "Cinema Club, KR, GB, US: midnight local time on Sunday 1 June 2025\n"
            in (embed["description"])
        )
        assert "For you: 12:00 AM Sunday, 1 June 2025 (Asia/Seoul)" in embed["description"]
        rows = table_rows(embed)
        assert len(rows) == 2 and all("12:00 AM Sunday, 1 June 2025" in r for r in rows)
        info = fields(card(await e2e.run("Bruno", "film info", {"title": "rolling"})))
        assert "Cinema Club, KR, GB, US" in info["Release"]
        assert "12:00 AM Sunday, 1 June 2025 (America/Los_Angeles)" in info["Release"]


async def test_release_in_a_given_zone(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    embed = card(await e2e.run("Ada", "film release", {"title": SEED, "timezone": "New York"}))
    assert "Local time: 3:00 AM Friday, 30 May 2025 (America/New_York)" in embed["description"]
    assert "For you" not in embed["description"]


async def test_release_timezone_option_autocompletes(e2e: Harness) -> None:
    reply = await e2e.complete("Ada", "film release", "timezone", "seo", options={"title": SEED})
    assert 1 <= len(reply.choices) <= 25
    assert reply.choices[0]["value"] == "Asia/Seoul"


# --- /film ask -----------------------------------------------------------------------------------


async def ask(e2e: Harness, question: str, title: str | None = SEED, who: str = "Ada") -> str:
    options = {"question": question} | ({"title": title} if title else {})
    reply = await e2e.run(who, "film ask", options)
    assert reply.ephemeral and len(reply.content) <= 2000
    return reply.content


async def test_ask_when_is_it_out(e2e: Harness) -> None:
    text = await ask(e2e, "when is it out?")
    assert "Netflix" in text and RELEASE_STAMP in text
    assert "12:00 AM Friday, 30 May 2025 in America/Los_Angeles" in text
    assert "Sources:" in text


async def test_ask_when_is_it_out_uses_the_callers_zone(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Europe/London")
    assert "8:00 AM Friday, 30 May 2025" in await ask(e2e, "when does it come out?")


@pytest.mark.parametrize(
    ("question", "local"),
    [
        ("when is lost in starlight out in Seoul?", "4:00 PM Friday, 30 May 2025 in Asia/Seoul"),
        ("when is it out in New York time?", "3:00 AM Friday, 30 May 2025 in America/New_York"),
        ("what time does it come out in London", "8:00 AM Friday, 30 May 2025 in Europe/London"),
    ],
)
async def test_ask_when_is_it_out_in_a_place(e2e: Harness, question: str, local: str) -> None:
    text = await ask(e2e, question, title=None if "starlight" in question else SEED)
    assert local in text, text


async def test_ask_where_is_it_out(e2e: Harness) -> None:
    text = await ask(e2e, "where is it out?")
    assert "Netflix" in text and "worldwide" in text
    text = await ask(e2e, "where can I watch it?")
    assert "Netflix" in text and "Source" in text


async def test_ask_how_long(e2e: Harness) -> None:
    text = await ask(e2e, "how long is it?")
    assert "1h 36m" in text and "96 minutes" in text
    assert "plot, cast and characters" in text  # the runtime's one source, named


async def test_ask_who_directed(e2e: Harness) -> None:
    text = await ask(e2e, "who directed lost in starlight?", title=None)
    assert "directed by Han Ji-won" in text and "Sources:" in text


async def test_ask_who_wrote_shows_both_claims_with_their_sources(e2e: Harness) -> None:
    text = await ask(e2e, "who wrote it?")
    lines = text.splitlines()
    assert "disagree" in lines[0]
    two = next(line for line in lines if "Kang Hyun-joo" in line)
    one = next(line for line in lines if "alone" in line)
    assert "release date and time" in two  # the release-date article credits both
    assert "plot, cast and characters" in one  # the plot article credits Han Ji-won alone


async def test_ask_who_voices_jay(e2e: Harness) -> None:
    text = await ask(e2e, "who voices Jay?")
    assert "Jay is voiced by Hong Kyung" in text and "Sources:" in text


@pytest.mark.parametrize("name", ["Kim Tae-ri", "Kim Tae Ri", "kim taeri"])
async def test_ask_who_does_kim_tae_ri_voice(e2e: Harness, name: str) -> None:
    text = await ask(e2e, f"who does {name} voice?")
    assert "Kim Tae-ri voices Nan-young" in text, text


async def test_ask_what_is_it_about(e2e: Harness) -> None:
    text = await ask(e2e, "what is it about?")
    assert "astronaut" in text and "Mars" in text and "— per News article" in text


async def test_ask_where_is_it_set(e2e: Harness) -> None:
    text = await ask(e2e, "where is it set?")
    assert "a near-future Seoul" in text and "2050" in text and "Sources:" in text


@pytest.mark.parametrize(
    "question", ["what is the budget?", "who composed the music?", "is there a sequel?"]
)
async def test_ask_something_the_store_does_not_know(e2e: Harness, question: str) -> None:
    text = await ask(e2e, question)
    assert text.startswith("I don't know"), text
    assert "Han Ji-won" not in text  # says so plainly: nothing made up, nothing unrelated


async def test_ask_nonsense_says_what_it_can_answer(e2e: Harness) -> None:
    text = await ask(e2e, "purple monkey dishwasher?")
    assert text.startswith("I don't know") and "I can tell you" in text


async def test_ask_finds_the_film_named_in_the_question(e2e: Harness) -> None:
    text = await ask(e2e, "who voices Jay in Lost Is Starlight?", title=None)
    assert "Hong Kyung" in text


async def test_ask_finds_the_film_of_a_character_or_person(e2e: Harness) -> None:
    assert "Hong Kyung" in await ask(e2e, "who voices Jay?", title=None)
    assert "Nan-young" in await ask(e2e, "who does Kim Tae-ri voice?", title=None)


async def test_ask_about_a_character_several_films_have_names_them(tmp_path: Path) -> None:
    other = minimal_film("jay-returns", "Jay Returns") + (
        '\n[characters.jay]\nname = "Jay"\nsources = ["s"]\n'
    )
    folder = films_dir(tmp_path, ("jay-returns", other))
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        text = await ask(e2e, "who voices Jay?", title=None)
        assert text.startswith("Which film do you mean? Jay is in ")
        assert "**Lost in Starlight**" in text and "**Jay Returns**" in text
        assert "pick one in the `title` option" in text
        assert "Hong Kyung" in await ask(e2e, "who voices Jay in lost in starlight?", title=None)


async def test_ask_who_is_a_person_names_their_credits(e2e: Harness) -> None:
    """The "won" in Han Ji-won is a name, not a question about awards; found in any spelling."""
    for question in ("who is Han Ji-won?", "who is 한지원?"):
        text = await ask(e2e, question, title=None)
        assert "in **Lost in Starlight**:" in text, text
        assert "• directed it — per News article" in text
        assert "• wrote it alone — per" in text and "awards" not in text


async def test_ask_when_is_it_out_in_several_places(e2e: Harness) -> None:
    text = await ask(e2e, "when is it out in Mumbai and New York?")
    assert "12:30 PM Friday, 30 May 2025 in Asia/Kolkata" in text
    assert "3:00 AM Friday, 30 May 2025 in America/New_York" in text


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("who directed Parasite?", "Parasite"),
        ("how long is Dune: Part Two?", "Dune: Part Two"),
        ("when is [x](https://evil.example) out in Seoul?", r"\[x](https://evil.example)"),
    ],
)
async def test_ask_about_a_film_the_store_lacks_names_it(
    e2e: Harness, question: str, shown: str
) -> None:
    text = await ask(e2e, question, title=None)
    assert text.startswith(f"I don't know a film called '{shown}'. Try `/film search`"), text


async def test_ask_about_a_film_the_store_lacks_says_how_to_turn_on_tmdb(e2e: Harness) -> None:
    text = await ask(e2e, "who directed Parasite?", title=None)
    assert "TMDB_TOKEN" in text


def per_country_film() -> str:
    """A film as TMDB gives it: in Korean cinemas on 4 June, to stream in the US from 1 July."""
    rows = []
    for platform, region, day, kind in [
        ("Cinemas", "KR", "2025-06-04", "theatrical"),
        ("Digital", "US", "2025-07-01", "digital"),
    ]:
        rows += [
            "",
            "[[releases]]",
            f'platform = "{platform}"',
            f'regions = ["{region}"]',
            'model = "local_midnight"',
            f"date = {day}",
            f'kind = "{kind}"',
            'sources = ["s"]',
        ]
    return minimal_film("per-country", "Per Country") + "\n".join(rows) + "\n"


async def test_ask_when_is_it_out_here_gives_the_members_countrys_release(
    tmp_path: Path,
) -> None:
    folder = films_dir(tmp_path, ("per-country", per_country_film()))
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        await set_zone(e2e, "Ada", "Seoul")
        await set_zone(e2e, "Bruno", "New York")
        await set_zone(e2e, "Chiara", "Europe/London")
        seoul = await ask(e2e, "when is it out here?", title="per-country", who="Ada")
        assert "in cinemas in KR at midnight local time: 12:00 AM Wednesday, 4 June 2025" in seoul
        assert "in your zone (Asia/Seoul)" in seoul and "US" not in seoul
        new_york = await ask(e2e, "when can I see it?", title="per-country", who="Bruno")
        assert "to stream in US at midnight local time: 12:00 AM Tuesday, 1 July 2025" in new_york
        london = await ask(e2e, "when is it out?", title="per-country", who="Chiara")
        assert london.startswith("The store has no release of **Per Country** for GB yet.")
        assert "The earliest elsewhere: **Per Country** opens in cinemas in KR on" in london
        where = await ask(e2e, "where can I watch it?", title="per-country", who="Bruno")
        assert where.startswith("In US, **Per Country** is streaming (US, from Tuesday, 1 July")
