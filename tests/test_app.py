"""bot/app.py outside Discord: why start-up can't reach Discord, in one sentence.

Refused connections and names that don't resolve are checked for real, through
``python -m bot``, in tests/test_cli.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.app import create_bot, unreachable
from tests.databases import postgres_only
from tests.e2e.conftest import make_settings


def test_a_dropped_connection_says_what_happened() -> None:
    assert unreachable(aiohttp.ServerDisconnectedError()) == (
        "Can't reach Discord: Server disconnected."
    )


def test_an_error_without_a_message_is_named_by_its_kind() -> None:
    assert unreachable(aiohttp.ClientConnectionError()) == (
        "Can't reach Discord: ClientConnectionError."
    )


def test_a_timeout_says_so() -> None:
    assert unreachable(aiohttp.ConnectionTimeoutError()) == (
        "Can't reach Discord: the connection timed out."
    )
    assert unreachable(TimeoutError()) == "Can't reach Discord: the connection timed out."


@postgres_only
async def test_identify_waits_an_interval_when_the_shared_schedule_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    interval = 0.3
    bot = await create_bot(make_settings(tmp_path, identify_interval=interval))
    try:
        await bot.db.close()  # every statement now fails, as while PostgreSQL restarts
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await asyncio.wait_for(bot.before_identify_hook(0), timeout=10)
        assert loop.time() - asked >= interval  # another process may just have identified
    finally:
        await bot.close()
    [warning] = [r for r in caplog.records if r.name == "bot.app"]
    assert "IDENTIFY" in warning.getMessage() and warning.exc_info is None
