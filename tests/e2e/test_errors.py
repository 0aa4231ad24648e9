"""Error paths end to end: user mistakes get a private hint, bugs a short apology with an error id
(and a logged traceback); no interaction is ever left unanswered."""

from __future__ import annotations

import logging
import re

import pytest

from fakecord import InteractionHandle, Reply
from tests.e2e.conftest import Harness
from tests.e2e.film_helpers import SEED

APOLOGY = re.compile(
    r"Sorry, something went wrong on my side\. It has been logged as error `(\w+)`\."
)


async def answered(handle: InteractionHandle) -> Reply:
    """The reply, checking it came as the first callback: Discord never showed "The application
    did not respond" (the fake refuses a callback later than 3 s with 10062 Unknown interaction)."""
    reply = await handle.response(timeout=5)
    assert handle.callback_type == 4, handle.callback
    assert all(r.status < 400 for r in handle.records if r.path.endswith("/callback"))
    return reply


# --- user mistakes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("film info", {"title": "Dune Part Nine"}),
        ("film cast", {"title": "Dune Part Nine"}),
        ("film release", {"title": "Dune Part Nine"}),
        ("film ask", {"question": "how long is it?", "title": "Dune Part Nine"}),
    ],
)
async def test_unknown_film(e2e: Harness, command: str, options: dict[str, str]) -> None:
    reply = await answered(await e2e.slash("Ada", command, options))
    assert reply.ephemeral
    assert reply.content.startswith("I don't know a film called 'Dune Part Nine'.")
    assert "/film search" in reply.content  # how to fix it


async def test_unknown_film_close_to_a_known_one_gets_a_suggestion(e2e: Harness) -> None:
    reply = await e2e.run("Ada", "film info", {"title": "lost in the stars"})
    assert reply.ephemeral
    assert "Did you mean Lost in Starlight?" in reply.content


async def test_unknown_zone_in_an_option(e2e: Harness) -> None:
    handle = await e2e.slash("Ada", "film release", {"title": SEED, "timezone": "Mars/Olympus"})
    reply = await answered(handle)
    assert reply.ephemeral and not reply.embeds
    assert reply.content.startswith("I don't know the zone 'Mars/Olympus'.")
    assert "`Asia/Seoul`" in reply.content


async def test_a_question_naming_no_film(e2e: Harness) -> None:
    reply = await answered(await e2e.slash("Ada", "film ask", {"question": "who directed it?"}))
    assert reply.ephemeral and "Name it in the question or pick one" in reply.content


async def test_user_mistakes_are_not_logged_as_errors(
    e2e: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await e2e.run("Ada", "film info", {"title": "Dune Part Nine"})
        await e2e.run("Ada", "timezone set", {"zone": "Mars/Olympus"})
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- bugs ------------------------------------------------------------------------------------


def logged_error(caplog: pytest.LogCaptureFixture, error_id: str) -> logging.LogRecord:
    found = [r for r in caplog.records if r.levelno == logging.ERROR and error_id in r.getMessage()]
    assert len(found) == 1, [r.getMessage() for r in caplog.records]
    return found[0]


async def test_an_unexpected_exception_gets_an_apology_with_an_error_id(
    e2e: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_search(text: str, limit: int = 10, guild_id: int | None = None) -> list:
        raise RuntimeError("the index caught fire")

    monkeypatch.setattr(e2e.bot.films, "search", broken_search)
    reply = await answered(await e2e.slash("Ada", "film search", {"query": "lost"}))

    assert reply.ephemeral
    found = APOLOGY.fullmatch(reply.content)
    assert found, reply.content
    assert "caught fire" not in reply.content and "Traceback" not in reply.content
    record = logged_error(caplog, found.group(1))
    assert "/film search" in record.getMessage()
    assert str(e2e.server["Ada"]) in record.getMessage()
    assert record.exc_info is not None
    assert "RuntimeError: the index caught fire" in caplog.text
    assert "Traceback (most recent call last)" in caplog.text
    assert "in broken_search" in caplog.text  # the traceback reaches the failing line


async def test_a_failing_option_transformer_gets_the_apology_too(
    e2e: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_resolve(text: str, guild_id: int | None = None) -> None:
        raise KeyError("film row vanished")

    monkeypatch.setattr(e2e.bot.films, "resolve", broken_resolve)
    reply = await answered(await e2e.slash("Ada", "film info", {"title": SEED}))
    found = APOLOGY.fullmatch(reply.content)
    assert found and reply.ephemeral, reply.content
    assert logged_error(caplog, found.group(1)).exc_info is not None
    assert "KeyError: 'film row vanished'" in caplog.text


async def test_error_ids_differ_and_the_bot_keeps_working(
    e2e: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, limit: int = 10, guild_id: int | None = None) -> list:
        raise ZeroDivisionError

    with monkeypatch.context() as patch:
        patch.setattr(e2e.bot.films, "search", broken)
        first = await e2e.run("Ada", "film search", {"query": "a"})
        second = await e2e.run("Bruno", "film search", {"query": "b"})
    ids = {APOLOGY.fullmatch(r.content).group(1) for r in (first, second)}  # type: ignore[union-attr]
    assert len(ids) == 2
    reply = await e2e.run("Ada", "film search", {"query": "lost"})
    assert "**Lost in Starlight**" in reply.content


async def test_a_reply_lost_to_a_server_error_is_retried(e2e: Harness) -> None:
    """Discord answers the first callback with a 500: the reply still arrives, once."""
    e2e.fake.fail(500, "POST", "/interactions/{id}/{token}/callback", times=1)
    handle = await e2e.slash("Ada", "film cast", {"title": SEED})
    reply = await handle.response(timeout=5)
    assert reply.embeds[0]["title"] == "Cast of Lost in Starlight"
    callbacks = [r for r in handle.records if r.path.endswith("/callback")]
    assert [r.status // 100 for r in callbacks] == [5, 2]


async def test_a_failing_autocomplete_is_logged_and_harmless(
    e2e: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_complete(text: str, limit: int = 25, guild_id: int | None = None) -> list:
        raise RuntimeError("suggestions broke")

    with monkeypatch.context() as patch:
        patch.setattr(e2e.bot.films, "complete", broken_complete)
        handle = await e2e.fake.autocomplete(
            e2e.server.guild,
            e2e.server.general,
            e2e.server["Ada"],
            "film info",
            focused="title",
            value="lost",
        )
        await e2e.fake.wait_until(
            lambda: "suggestions broke" in caplog.text, 3, "the autocomplete error was not logged"
        )
    assert handle.callback is None  # Discord shows "Loading options failed"; nothing else breaks
    assert (await e2e.complete("Ada", "film info", "title", "lost")).choices
