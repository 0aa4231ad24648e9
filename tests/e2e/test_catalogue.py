"""The catalogue grows while the bot runs: films imported by another process are found."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.conftest import harness
from tests.e2e.film_helpers import films_dir, minimal_film
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
        env = {"FILMS_DIR": str(folder), "DATABASE_PATH": str(e2e.settings.database)}
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
