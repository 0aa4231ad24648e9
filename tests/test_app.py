"""bot/app.py outside Discord: why start-up can't reach Discord, in one sentence.

Refused connections and names that don't resolve are checked for real, through
``python -m bot``, in tests/test_cli.py.
"""

from __future__ import annotations

import aiohttp

from bot.app import unreachable


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
