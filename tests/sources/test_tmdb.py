"""The TMDB client (bot/sources/tmdb.py) against the loopback TMDB (faketmdb)."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import date

import pytest

from bot.errors import (
    FilmNotFound,
    TmdbBadDocument,
    TmdbBadToken,
    TmdbNotFound,
    TmdbUnavailable,
)
from bot.sources.tmdb import REFUSED_PAUSE, Tmdb
from bot.sources.tmdb_map import APPEND, film_from_tmdb
from faketmdb import FakeTmdb

SEARCH = "/3/search/movie"
PARASITE = 496243


def tmdb_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("tmdb ")]


async def background_settled() -> None:
    """Wait (bounded) until no background TMDB request is running."""
    if tasks := tmdb_tasks():
        await asyncio.wait(tasks, timeout=5)
    assert tmdb_tasks() == []


# --- requests ------------------------------------------------------------------------------------


async def test_search_finds_films_and_asks_like_tmdb_documents(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    hits = await tmdb.search("parasite")
    assert [(h.tmdb_id, h.label) for h in hits] == [(PARASITE, "Parasite (2019)")]
    assert fake_tmdb.requests == [
        (SEARCH, {"query": "parasite", "include_adult": "false", "language": "en-US", "page": "1"})
    ]


async def test_search_by_year_passes_the_year(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    assert await tmdb.search("parasite", year=2020) == []
    assert fake_tmdb.requests[-1][1]["year"] == "2020"
    assert [h.tmdb_id for h in await tmdb.search("parasite", year=2019)] == [PARASITE]


async def test_an_empty_search_asks_nothing(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    assert await tmdb.search("   ") == []
    assert fake_tmdb.requests == []


async def test_movie_asks_for_every_part_the_mapping_reads(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    movie = await tmdb.movie(PARASITE)
    assert movie == fake_tmdb.movie(PARASITE)
    path, query = fake_tmdb.requests[-1]
    assert (path, query) == (
        f"/3/movie/{PARASITE}",
        {"language": "en-US", "append_to_response": APPEND},
    )


async def test_film_is_the_mapped_movie(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fetched = date(2025, 5, 1)
    film = await tmdb.film(PARASITE, fetched)
    assert film == film_from_tmdb(fake_tmdb.movie(PARASITE), fetched)


async def test_upcoming_lists_films_opening_in_the_region(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    assert [h.title for h in await tmdb.upcoming("kr")] == ["Dune: Part Two"]
    assert fake_tmdb.requests[-1][1]["region"] == "KR"
    assert await tmdb.upcoming("FR") == []


async def test_upcoming_reads_a_second_page(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    for n in range(25):
        fake_tmdb.add(
            {
                "id": 9000 + n,
                "title": f"Film {n}",
                "release_dates": {
                    "results": [
                        {
                            "iso_3166_1": "KR",
                            "release_dates": [{"type": 3, "release_date": "2024-03-01"}],
                        }
                    ]
                },
            }
        )
    hits = await tmdb.upcoming("KR")
    assert len(hits) == 26
    assert [q["page"] for p, q in fake_tmdb.requests] == ["1", "2"]


async def test_check_accepts_the_token_tmdb_accepts(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    await tmdb.check()
    assert fake_tmdb.count("/3/authentication") == 1


# --- cache, sharing, limits ----------------------------------------------------------------------


async def test_a_search_is_cached_by_its_normalised_text(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    first = await tmdb.search("Parasite")
    again = await tmdb.search("  PARASITE ")
    assert again == first
    assert fake_tmdb.count(SEARCH) == 1


async def test_the_cache_expires_after_search_ttl(fake_tmdb: FakeTmdb):
    now = [100.0]
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url, search_ttl=10, now=lambda: now[0])
    try:
        await tmdb.search("dune")
        now[0] = 109.0
        await tmdb.search("dune")
        assert fake_tmdb.count(SEARCH) == 1
        now[0] = 111.0
        await tmdb.search("dune")
        assert fake_tmdb.count(SEARCH) == 2
    finally:
        await tmdb.close()


async def test_identical_searches_in_flight_share_one_request(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.delay = 0.3
    answers = await asyncio.gather(*(tmdb.search("dune") for _ in range(5)))
    assert fake_tmdb.count(SEARCH) == 1
    assert all(a == answers[0] and a for a in answers)


async def test_at_most_max_in_flight_requests_run_at_once(fake_tmdb: FakeTmdb):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url, max_in_flight=2)
    fake_tmdb.delay = 0.2
    try:
        await asyncio.gather(*(tmdb.search(f"query {n}") for n in range(6)))
    finally:
        await tmdb.close()
    assert fake_tmdb.count(SEARCH) == 6
    assert fake_tmdb.peak_in_flight == 2


# --- search_soon (autocomplete) ------------------------------------------------------------------


async def test_search_soon_gives_up_after_its_budget_and_the_search_goes_on(
    tmdb: Tmdb, fake_tmdb: FakeTmdb
):
    fake_tmdb.delay = 0.5
    assert await tmdb.search_soon("parasite", 0.05) is None
    hits = await tmdb.search("parasite")  # joins the search still running
    assert [h.tmdb_id for h in hits] == [PARASITE]
    assert fake_tmdb.count(SEARCH) == 1


async def test_search_soon_answers_from_the_cache_at_once(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.delay = 0.3
    assert await tmdb.search_soon("dune", 0.01) is None
    await background_settled()
    hits = await tmdb.search_soon("Dune", 0)
    assert hits is not None and [h.tmdb_id for h in hits] == [693134]
    assert fake_tmdb.count(SEARCH) == 1


async def test_search_soon_returns_the_answer_within_its_budget(tmdb: Tmdb):
    hits = await tmdb.search_soon("dune", 2.0)
    assert hits is not None and [h.title for h in hits] == ["Dune: Part Two"]


async def test_autocomplete_leaves_all_but_two_slots_to_commands(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.delay = 0.3
    for n in range(6):  # members typing: every keystroke a new text
        assert await tmdb.search_soon(f"typing {n}", 0) is None
    assert [h.title for h in await tmdb.search("dune")] == ["Dune: Part Two"]
    await background_settled()
    assert fake_tmdb.count(SEARCH) == 3  # two keystrokes' searches and the command's
    assert fake_tmdb.peak_in_flight == 3


async def test_autocomplete_searches_start_again_once_the_earlier_ones_are_back(
    tmdb: Tmdb, fake_tmdb: FakeTmdb
):
    fake_tmdb.delay = 0.2
    for n in range(3):
        await tmdb.search_soon(f"typing {n}", 0)
    await background_settled()
    hits = await tmdb.search_soon("dune", 2.0)
    assert hits is not None and [h.title for h in hits] == ["Dune: Part Two"]
    assert fake_tmdb.count(SEARCH) == 3


async def test_a_keystroke_joins_its_search_in_flight_past_the_cap(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.delay = 0.3
    for text in ("typing", "dune"):
        await tmdb.search_soon(text, 0)
    hits = await tmdb.search_soon("Dune", 2.0)  # the same search, not a new one
    assert hits is not None and [h.title for h in hits] == ["Dune: Part Two"]
    assert fake_tmdb.count(SEARCH) == 2


async def test_a_failed_background_search_is_not_cached_and_logs_no_stray_task(
    tmdb: Tmdb, fake_tmdb: FakeTmdb, caplog: pytest.LogCaptureFixture
):
    fake_tmdb.delay = 0.2
    fake_tmdb.fail(1)
    assert await tmdb.search_soon("dune", 0.01) is None
    await background_settled()
    gc.collect()
    assert "never retrieved" not in caplog.text
    fake_tmdb.delay = 0
    assert [h.title for h in await tmdb.search("dune")] == ["Dune: Part Two"]
    assert fake_tmdb.count(SEARCH) == 2


async def test_close_ends_background_searches_cleanly(
    fake_tmdb: FakeTmdb, caplog: pytest.LogCaptureFixture
):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url)
    fake_tmdb.delay = 5
    assert await tmdb.search_soon("dune", 0.01) is None
    assert tmdb_tasks()
    await tmdb.close()
    assert tmdb_tasks() == []
    gc.collect()
    assert "destroyed" not in caplog.text and "never retrieved" not in caplog.text


async def test_a_search_waiting_when_the_client_closes_is_unavailable(fake_tmdb: FakeTmdb):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url)
    fake_tmdb.delay = 5
    waiting = asyncio.create_task(tmdb.search("dune"))
    await asyncio.sleep(0.05)
    await tmdb.close()
    with pytest.raises(TmdbUnavailable):
        await waiting


async def test_a_closed_client_asks_nothing(fake_tmdb: FakeTmdb):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url)
    await tmdb.close()
    with pytest.raises(TmdbUnavailable):
        await tmdb.search("dune")
    with pytest.raises(TmdbUnavailable):
        await tmdb.movie(PARASITE)
    assert fake_tmdb.requests == []


# --- errors --------------------------------------------------------------------------------------


async def test_a_token_tmdb_refuses_is_a_bad_token(fake_tmdb: FakeTmdb):
    tmdb = Tmdb("not-the-token", fake_tmdb.base_url)
    try:
        with pytest.raises(TmdbBadToken) as err:
            await tmdb.check()
        assert "operator" in str(err.value)
        with pytest.raises(TmdbBadToken):
            await tmdb.search("dune")
    finally:
        await tmdb.close()


async def test_a_refused_token_is_logged_once_and_refused_every_time(
    fake_tmdb: FakeTmdb, caplog: pytest.LogCaptureFixture
):
    clock = [1000.0]
    tmdb = Tmdb("not-the-token", fake_tmdb.base_url, now=lambda: clock[0])
    try:
        for text in ("du", "dun", "dune"):  # keystrokes
            with pytest.raises(TmdbBadToken):
                await tmdb.search(text)
        assert fake_tmdb.count(SEARCH) == 1  # refused at once after that, without asking
        clock[0] += REFUSED_PAUSE  # a while later TMDB is asked again (a fixed token works)
        with pytest.raises(TmdbBadToken):
            await tmdb.search("dune part")
        assert fake_tmdb.count(SEARCH) == 2
    finally:
        await tmdb.close()
    assert caplog.text.count("TMDB refused the token") == 1


async def test_an_unknown_movie_is_not_found(tmdb: Tmdb):
    with pytest.raises(TmdbNotFound) as err:
        await tmdb.movie(1)
    assert isinstance(err.value, FilmNotFound)
    assert err.value.tmdb_id == 1
    assert "1" in str(err.value)


async def test_an_impossible_id_is_not_found_without_asking(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    with pytest.raises(TmdbNotFound):
        await tmdb.film(0, date(2025, 1, 1))
    assert fake_tmdb.requests == []


async def test_a_short_retry_after_is_waited_out_once(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.throttle(1, retry_after=0.2)
    assert [h.title for h in await tmdb.search("dune")] == ["Dune: Part Two"]
    assert fake_tmdb.count(SEARCH) == 2


async def test_a_second_429_in_a_row_is_unavailable(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.throttle(2, retry_after=0.2)
    with pytest.raises(TmdbUnavailable):
        await tmdb.search("dune")
    assert fake_tmdb.count(SEARCH) == 2


async def test_a_long_retry_after_fails_this_call_and_the_next_without_asking(
    tmdb: Tmdb, fake_tmdb: FakeTmdb
):
    fake_tmdb.throttle(1, retry_after=30)
    with pytest.raises(TmdbUnavailable):
        await tmdb.search("dune")
    with pytest.raises(TmdbUnavailable):
        await tmdb.movie(PARASITE)
    assert len(fake_tmdb.requests) == 1


async def test_a_retry_after_longer_than_the_call_has_left_is_unavailable(fake_tmdb: FakeTmdb):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url, timeout=0.5)
    fake_tmdb.throttle(1, retry_after=1.5)  # short, but not within this call's time
    try:
        with pytest.raises(TmdbUnavailable):
            await tmdb.search("dune")
    finally:
        await tmdb.close()
    assert fake_tmdb.count(SEARCH) == 1


async def test_other_calls_wait_out_a_running_retry_after(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.throttle(2, retry_after=0.3)
    with pytest.raises(TmdbUnavailable):
        await tmdb.search("dune")  # two 429s; TMDB now refuses everyone for 0.3 s
    # Asking at once would be refused again and cost a second request after the wait.
    assert [h.title for h in await tmdb.search("parasite")] == ["Parasite"]
    assert fake_tmdb.count(SEARCH) == 3


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_is_unavailable(tmdb: Tmdb, fake_tmdb: FakeTmdb, status: int):
    fake_tmdb.fail(1, status=status)
    with pytest.raises(TmdbUnavailable) as err:
        await tmdb.movie(PARASITE)
    assert str(err.value) == "TMDB is not answering right now. Try again in a minute."
    assert len(fake_tmdb.requests) == 1


async def test_a_slow_answer_is_cut_off_at_the_timeout(fake_tmdb: FakeTmdb):
    tmdb = Tmdb(fake_tmdb.token, fake_tmdb.base_url, timeout=0.3)
    fake_tmdb.delay = 5
    try:
        with pytest.raises(TmdbUnavailable):
            await tmdb.search("dune")
    finally:
        await tmdb.close()


@pytest.mark.parametrize(
    "body", ['{"page": 1, "results": [', '{"results": 5}', "[1, 2]", "\xff\xfe"]
)
async def test_a_garbled_list_is_unavailable(tmdb: Tmdb, fake_tmdb: FakeTmdb, body: str):
    fake_tmdb.garble(1, body=body)
    with pytest.raises(TmdbUnavailable):
        await tmdb.search("dune")


@pytest.mark.parametrize(
    "body", ['{"id": "496243"}', '{"title": "No id"}', "null", '{"id": 496243, "title": ""}']
)
async def test_a_movie_document_of_the_wrong_shape_is_a_bad_document(
    tmdb: Tmdb, fake_tmdb: FakeTmdb, body: str
):
    fake_tmdb.garble(1, body=body)
    with pytest.raises(TmdbBadDocument):
        await tmdb.film(PARASITE, date(2025, 1, 1))


async def test_results_without_id_or_title_are_left_out(tmdb: Tmdb, fake_tmdb: FakeTmdb):
    fake_tmdb.garble(1, body='{"page": 1, "results": [{"id": 1}, {"id": 2, "title": "Two"}, 3]}')
    assert [h.title for h in await tmdb.search("anything")] == ["Two"]


async def test_tmdb_out_of_reach_is_unavailable():
    async with FakeTmdb() as gone:
        base_url = gone.base_url
    tmdb = Tmdb("token", base_url)
    try:
        with pytest.raises(TmdbUnavailable):
            await tmdb.check()
    finally:
        await tmdb.close()


async def test_the_token_is_never_logged_or_shown(
    fake_tmdb: FakeTmdb, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    token = "secret-read-token-123"
    tmdb = Tmdb(token, fake_tmdb.base_url)
    try:
        for call in (tmdb.check(), tmdb.search("dune")):
            with pytest.raises(TmdbBadToken):
                await call
    finally:
        await tmdb.close()
    tmdb = Tmdb(token, fake_tmdb.base_url)
    try:
        fake_tmdb.fail(1)
        with pytest.raises(TmdbUnavailable):
            await tmdb.movie(PARASITE)
    finally:
        await tmdb.close()
    assert caplog.records and token not in caplog.text
    assert token not in repr(tmdb)


async def test_past_the_cap_the_last_keystroke_waits_for_a_slot_and_shorter_ones_give_way(
    tmdb: Tmdb, fake_tmdb: FakeTmdb
):
    fake_tmdb.delay = 0.2
    for n in range(2):  # two slow searches fill autocomplete's slots
        assert await tmdb.search_soon(f"typing {n}", 0) is None
    shorter = asyncio.create_task(tmdb.search_soon("dun", 1.5))
    await asyncio.sleep(0.01)
    longer = asyncio.create_task(tmdb.search_soon("dune", 1.5))
    hits = await longer  # waited for a slot, within its budget
    assert hits is not None and [h.title for h in hits] == ["Dune: Part Two"]
    assert await shorter is None  # a longer keystroke came after it: nobody needs its answer
    await background_settled()
    assert fake_tmdb.count(SEARCH) == 3
