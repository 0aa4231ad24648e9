"""faketmdb answers in TMDB's documented shapes, and its catalogue holds what tests rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest

from faketmdb import FakeTmdb, load_catalogue

PARASITE = 496243


@pytest.fixture
async def fake_tmdb() -> AsyncIterator[FakeTmdb]:
    async with FakeTmdb(today=date(2024, 2, 20)) as fake:
        yield fake


async def get(
    fake: FakeTmdb, path: str, token: str | None = None, **params: str
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(fake.base_url + path, params=params, headers=headers) as resp:
            return resp.status, await resp.json()


def catalogue() -> dict[int, dict[str, Any]]:
    return {m["id"]: m for m in load_catalogue()}


# --- answers ---------------------------------------------------------------------------------


async def test_another_token_gets_tmdbs_401(fake_tmdb: FakeTmdb):
    assert await get(fake_tmdb, "/authentication", token="wrong") == (
        401,
        {
            "status_code": 7,
            "status_message": "Invalid API key: You must be granted a valid key.",
            "success": False,
        },
    )


async def test_the_right_token_is_valid(fake_tmdb: FakeTmdb):
    status, body = await get(fake_tmdb, "/authentication")
    assert (status, body["success"], body["status_code"]) == (200, True, 1)


@pytest.mark.parametrize("path", ["/movie/1", "/movie/abc", "/tv/1399"])
async def test_unknown_things_get_tmdbs_404(fake_tmdb: FakeTmdb, path: str):
    status, body = await get(fake_tmdb, path)
    assert (status, body["status_code"], body["success"]) == (404, 34, False)
    assert body["status_message"] == "The resource you requested could not be found."


async def test_a_movie_has_only_the_appended_parts_asked_for(fake_tmdb: FakeTmdb):
    _, bare = await get(fake_tmdb, f"/movie/{PARASITE}")
    _, some = await get(
        fake_tmdb, f"/movie/{PARASITE}", append_to_response="credits,watch/providers"
    )
    assert bare["title"] == "Parasite" and "credits" not in bare and "release_dates" not in bare
    assert {"credits", "watch/providers"} <= some.keys() and "translations" not in some


async def test_search_pages_results_in_tmdbs_shape(fake_tmdb: FakeTmdb):
    status, body = await get(fake_tmdb, "/search/movie", query="PARA")
    assert status == 200
    assert (body["page"], body["total_pages"], body["total_results"]) == (1, 1, 1)
    (result,) = body["results"]
    assert result["id"] == PARASITE and result["original_title"] == "기생충"
    assert {"poster_path", "release_date", "genre_ids", "popularity"} <= result.keys()
    assert "credits" not in result


async def test_search_matches_alternative_titles(fake_tmdb: FakeTmdb):
    _, body = await get(fake_tmdb, "/search/movie", query="gisaengchung")
    assert [r["id"] for r in body["results"]] == [PARASITE]


async def test_a_page_out_of_range_is_tmdbs_400(fake_tmdb: FakeTmdb):
    status, body = await get(fake_tmdb, "/search/movie", query="dune", page="0")
    assert (status, body["status_code"]) == (400, 22)


async def test_upcoming_has_its_window_and_the_regions_openings(fake_tmdb: FakeTmdb):
    _, body = await get(fake_tmdb, "/movie/upcoming", region="KR")
    assert body["dates"] == {"minimum": "2024-02-20", "maximum": "2024-03-19"}
    assert [r["title"] for r in body["results"]] == ["Dune: Part Two"]
    _, other = await get(fake_tmdb, "/movie/upcoming", region="FR")
    assert other["results"] == []


# --- faults ----------------------------------------------------------------------------------


async def test_a_throttled_answer_is_tmdbs_429_with_retry_after(fake_tmdb: FakeTmdb):
    fake_tmdb.throttle(1, retry_after=2)
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {fake_tmdb.token}"}
        async with http.get(fake_tmdb.base_url + "/authentication", headers=headers) as resp:
            assert (resp.status, resp.headers["Retry-After"]) == (429, "2")
            assert (await resp.json())["status_code"] == 25
        async with http.get(fake_tmdb.base_url + "/authentication", headers=headers) as resp:
            assert resp.status == 429  # TMDB keeps refusing until the wait is over


@pytest.mark.parametrize(("status", "code"), [(500, 11), (503, 9)])
async def test_failures_are_tmdbs_5xx_then_normal_again(
    fake_tmdb: FakeTmdb, status: int, code: int
):
    fake_tmdb.fail(1, status=status)
    assert (await get(fake_tmdb, "/authentication"))[1]["status_code"] == code
    assert (await get(fake_tmdb, "/authentication"))[0] == 200


async def test_every_request_is_logged_with_its_query(fake_tmdb: FakeTmdb):
    await get(fake_tmdb, "/search/movie", query="dune", page="1")
    assert fake_tmdb.requests == [("/3/search/movie", {"query": "dune", "page": "1"})]


# --- the catalogue ---------------------------------------------------------------------------


def test_parasite_has_korean_titles_release_kinds_certifications_and_providers():
    movie = catalogue()[PARASITE]
    translations = movie["translations"]["translations"]
    assert any(t["iso_639_1"] == "ko" and t["data"]["title"] for t in translations)
    releases = {c["iso_3166_1"]: c["release_dates"] for c in movie["release_dates"]["results"]}
    assert {r["type"] for rs in releases.values() for r in rs} >= {1, 2, 3, 4, 5}
    for country in ("KR", "US", "GB"):
        assert any(r["certification"] for r in releases[country]), country
    assert movie["watch/providers"]["results"]["KR"]["flatrate"]


def test_the_catalogue_has_dune_and_a_partial_document():
    movies = catalogue()
    assert movies[693134]["title"] == "Dune: Part Two"
    partial = next(m for m in movies.values() if not m["credits"]["cast"])
    types = {r["type"] for c in partial["release_dates"]["results"] for r in c["release_dates"]}
    days = {
        r["release_date"] for c in partial["release_dates"]["results"] for r in c["release_dates"]
    }
    assert 7 in types and "" in days and "2026" in days
    assert not partial["runtime"] and not partial["credits"]["crew"]
