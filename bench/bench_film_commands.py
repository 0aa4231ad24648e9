"""/film through the loopback Discord with 100,000 synthetic films in the store (issue 2).

The real bot (``create_bot``: database, film store, cogs, discord.py) runs against a
FakeDiscord in this process; a member sends ``/film info`` autocomplete requests and ``/film
info`` commands one at a time, exactly as Discord would, and each is timed.

What a latency includes. The bot's code is not modified; two times are read, both ``time.monotonic()``
in this one process:

* ``handler`` (the target metric, "time inside the bot"): from discord.py starting to handle
  the decoded INTERACTION_CREATE (its ``INTERACTION_CREATE`` parser, wrapped to note the time;
  discord.py's behaviour is unchanged) to the fake having read the whole callback request
  (POST /interactions/{id}/{token}/callback). It covers the
  command tree (option parsing, transformers), the cog (store lookups, the caller's zone from
  SQLite, reading and parsing the film's file for an uncached film, rendering the embed),
  discord.py building the request, the client's global throttle, and the loopback HTTP hop.
* ``roundtrip``: from the fake dispatching INTERACTION_CREATE (``InteractionHandle.created_at``)
  to the same callback: adds the fake's encoding and zlib compression of the frame, the
  websocket hop and discord.py's inflating and JSON parsing of it. An upper bound.

The fake's request log stamps wall-clock time, so the fake's ``requests`` list is swapped for
one that also stamps ``time.monotonic()`` on arrival (bench-only; the fake is unchanged).

Films are generated and loaded cold (empty database, every file parsed) in a child process, so
this process's resident memory is the bot as it runs after a restart: the warm load (unchanged
files skipped by size and mtime, the name index rebuilt from SQLite) plus the fake and the
measurement lists.

Run ``python -m bench.bench_film_commands [--films N] [--samples N]``; the runner calls
:func:`run`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import create_bot
from bot.config import load_settings
from bot.sandbox import FakeDiscord, InteractionHandle, running_bot
from bot.sandbox.records import RequestRecord

from .bench_films import _memory, generate, queries

TOKEN = "bench-token-0123456789"
HERE = Path(__file__).resolve().parent
TARGETS_MS = {"autocomplete": 5.0, "info_by_id": 10.0, "info_typed": 10.0}


def _settings(db_path: Path, films_dir: Path):
    return load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_PATH": str(db_path),
            "FILMS_DIR": str(films_dir),
            "LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )


# --- the child: generate the films and load them cold --------------------------------------------


async def _cold_load(workdir: Path, count: int, samples: int) -> dict[str, Any]:
    films_dir, db_path = workdir / "films", workdir / "bench.sqlite3"
    started = time.perf_counter()
    ids, names = generate(films_dir, count)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    bot = await create_bot(_settings(db_path, films_dir))
    load_cold_s = time.perf_counter() - started
    loaded = len(bot.films)
    await bot.close()
    # bench_films.generate gives names, or (name, film id) pairs in newer versions.
    names = [name if isinstance(name, str) else name[0] for name in names]
    rng = random.Random(3)
    return {
        "generate_s": generate_s,
        "load_cold_s": load_cold_s,
        "loaded": loaded,
        "cold_peak_rss_mb": _memory()["peak_rss_mb"],
        "queries": queries(names, samples),
        "ids": [rng.choice(ids) for _ in range(samples)],
        "titles": [rng.choice(names) for _ in range(samples)],
    }


def _child_main() -> None:
    workdir, count, samples = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print("@@RESULT@@" + json.dumps(asyncio.run(_cold_load(workdir, count, samples))))


def _prepare(workdir: Path, count: int, samples: int) -> dict[str, Any]:
    code = "from bench.bench_film_commands import _child_main; _child_main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(workdir), str(count), str(samples)],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line.removeprefix("@@RESULT@@"))
    raise RuntimeError(f"film generation failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# --- this process: the bot against the fake -----------------------------------------------------


class _StampedRequests(list):
    """The fake's request log, also noting each request's arrival on the monotonic clock."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}

    def append(self, record: RequestRecord) -> None:
        self.arrived[id(record)] = time.monotonic()
        super().append(record)


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * (len(ordered) - 1))))]
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(ordered[-1], 3),
        "n": len(ordered),
    }


class _Timer:
    def __init__(self, fake: FakeDiscord, requests: _StampedRequests) -> None:
        self.fake = fake
        self.requests = requests
        self.seen_by_bot: dict[int, float] = {}
        self.without_card = 0

    def watch(self, bot: Any) -> None:
        """Note when discord.py starts handling each INTERACTION_CREATE (its parser for the
        event, called synchronously with the decoded payload, before the command tree runs).
        An ``on_interaction`` listener would fire too late: its task runs only after the
        handler's first real suspension, so it would miss most of the handler's work."""
        parsers = bot._connection.parsers
        original = parsers["INTERACTION_CREATE"]

        def parse(data: dict[str, Any]) -> None:
            self.seen_by_bot[int(data["id"])] = time.monotonic()
            original(data)

        parsers["INTERACTION_CREATE"] = parse

    async def measure(self, handle: InteractionHandle) -> tuple[float, float]:
        """(handler ms, roundtrip ms) of one interaction, once its callback has arrived."""
        body = await handle.acknowledged(timeout=10)
        if body["type"] == 4 and not body.get("data", {}).get("embeds"):
            self.without_card += 1  # a /film info that found no film: still timed
        callback = next(r for r in handle.records if r.path.endswith("/callback"))
        arrived = self.requests.arrived[id(callback)]
        bot_saw = self.seen_by_bot.pop(handle.id)
        return (arrived - bot_saw) * 1000, (arrived - handle.created_at) * 1000


async def _measure(workdir: Path, prepared: dict[str, Any], warmup: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    async with FakeDiscord(token=TOKEN) as fake:
        requests = _StampedRequests()
        fake.requests = requests
        guild = fake.add_guild("Bench Night")
        channel = fake.add_channel(guild, "general")
        member = fake.add_member(guild, "Ada")
        gc.collect()
        started = time.perf_counter()
        bot = await create_bot(_settings(workdir / "bench.sqlite3", workdir / "films"))
        result["load_warm_s"] = round(time.perf_counter() - started, 3)
        result["films"] = len(bot.films)
        timer = _Timer(fake, requests)
        timer.watch(bot)
        async with running_bot(fake, bot):
            handle = await fake.slash(guild, channel, member, "timezone set", {"zone": "Seoul"})
            await handle.response(timeout=10)

            async def complete(text: str) -> tuple[float, float]:
                handle = await fake.autocomplete(
                    guild, channel, member, "film info", focused="title", value=text
                )
                return await timer.measure(handle)

            async def info(title: str) -> tuple[float, float]:
                handle = await fake.slash(guild, channel, member, "film info", {"title": title})
                return await timer.measure(handle)

            runs = {
                "autocomplete": (complete, prepared["queries"]),
                "info_by_id": (info, prepared["ids"]),  # what a picked suggestion sends
                "info_typed": (info, prepared["titles"]),  # a title typed without picking
            }
            for name, (send, items) in runs.items():
                for item in items[:warmup]:
                    await send(item)
                handler, roundtrip = [], []
                timer.without_card = 0
                for item in items:
                    inside, outside = await send(item)
                    handler.append(inside)
                    roundtrip.append(outside)
                result[name] = _stats(handler)
                result[f"{name}_roundtrip"] = _stats(roundtrip)
                if name.startswith("info"):
                    result[f"{name}_not_found"] = timer.without_card
            result.update(
                {k: round(v, 1) for k, v in _memory().items() if k != "worker_peak_rss_mb"}
            )
    return result


def run(films: int = 100_000, samples: int = 2_000, warmup: int = 50) -> dict[str, Any]:
    """Generate ``films`` synthetic films, load them, and time ``samples`` interactions of each
    kind through the fake. Returns the measurements (times in ms unless named ``_s``)."""
    with tempfile.TemporaryDirectory(prefix="bench-film-commands-") as tmp:
        workdir = Path(tmp)
        prepared = _prepare(workdir, films, samples)
        measured = asyncio.run(_measure(workdir, prepared, warmup))
    result: dict[str, Any] = {
        "films": measured.pop("films"),
        "cores": os.cpu_count(),
        "generate_s": round(prepared["generate_s"], 1),
        "load_cold_s": round(prepared["load_cold_s"], 3),
        "cold_peak_rss_mb": round(prepared["cold_peak_rss_mb"], 1),
        **measured,
    }
    result["targets_met"] = bool(
        all(result[name]["p99_ms"] <= limit for name, limit in TARGETS_MS.items())
        and result["load_warm_s"] <= 10
        and result["load_cold_s"] <= 10
        and result["rss_mb"] <= 300
        and result["info_by_id_not_found"] == 0
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args()
    for key, value in run(args.films, args.samples).items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        print(f"{key:>30}: {value}")


if __name__ == "__main__":
    main()
