"""Fixtures: faketmdb running on 127.0.0.1 and a Tmdb client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.sources.tmdb import Tmdb
from faketmdb import FakeTmdb

#: "Today" for the fake's upcoming list: a week before Dune: Part Two opens in Korea.
TODAY = date(2024, 2, 20)


@pytest.fixture
async def fake_tmdb() -> AsyncIterator[FakeTmdb]:
    async with FakeTmdb(today=TODAY) as fake:
        yield fake


@pytest.fixture
async def tmdb(fake_tmdb: FakeTmdb) -> AsyncIterator[Tmdb]:
    client = Tmdb(fake_tmdb.token, fake_tmdb.base_url, timeout=2.0)
    yield client
    await client.close()
