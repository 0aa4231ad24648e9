"""Run every benchmark, each in its own process (so memory peaks don't mix), and write
bench/RESULTS.md.

    python -m bench            # full sizes (the targets in the issues)
    python -m bench --quick    # small sizes: a smoke run, not a measurement
    python -m bench films      # only the named benchmarks
    python -m bench --note "two test suites ran beside it"   # kept with the results
    python -m bench --engine sqlite       # one engine (default: both, side by side)

On PostgreSQL each benchmark gets a database of its own on a throw-away server (bench/pg.py;
``BENCH_POSTGRES=postgresql://…`` names an existing server instead). ``shards`` runs on
PostgreSQL only: several processes need a shared database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (module, full-size kwargs, quick kwargs, targets to print beside the numbers)
BENCHES: dict[str, tuple[str, dict, dict, str]] = {
    "films": (
        "bench.bench_films",
        {},
        {"films": 5_000, "query_count": 500, "imports": 200},
        "100,000 films in the store: start-up on a warm database (warm_start_s: sync of the "
        "unchanged folder + FilmStore.open) ≤ 3 s, autocomplete p99 ≤ 5 ms, RSS ≤ 300 MB "
        "(first_import_s, cold_start_s: an empty database, beside); zone_suggest (/timezone "
        "autocomplete) median ≤ 1 ms; a TMDB import without the network (tmdb_import: "
        "film_from_tmdb + put_tmdb) median and p99 ≤ 20 ms, found by best(title) at once "
        "(tmdb_found)",
    ),
    "film_commands": (
        "bench.bench_film_commands",
        {},
        {"films": 5_000, "few": 50, "slow": 10, "typed": 200},
        "through the fake, with TMDB configured (its fake answering in 150 ms): /film "
        "autocomplete with ≥ 5 local matches p99 ≤ 5 ms inside the bot and TMDB never asked "
        "(autocomplete_tmdb searches 0); with fewer, TMDB asked: cold (≤ the 0.6 s budget), "
        "cached and slow-TMDB answers reported apart, every answer < 3 s (slowest_answer_ms); "
        "/film info handler p99 ≤ 10 ms; start-up (load_warm_s, the real create_bot) ≤ 3 s; "
        "bot RSS ≤ 300 MB (load_cold_s: an empty database, beside)",
    ),
    "scheduler": (
        "bench.bench_scheduler",
        {},
        {"quick": True},
        "10,000 deliveries within a minute: p99 lateness ≤ 100 ms, 0 duplicates; "
        "100,000 pending: ready ≤ 3 s, RSS ≤ 300 MB",
    ),
    "premiere": (
        "bench.bench_premiere",
        {},
        {"servers": 100, "followers": 5},
        "20,000 followers / 1,000 channels at 50 req/s: last ping ≤ 1.10 × floor, first ≤ 250 ms, "
        "0 duplicates, 0 missing (also with 5% 5xx and with a kill + restart)",
    ),
    "series": (
        "bench.bench_series",
        {},
        {"members": 200, "series": 10, "picks": 5, "channels": 2},
        "one server, 50 weekly series, 2,000 members (8 zones, 10% by DM, 5% own lead times), "
        "~340 Going per party, a week and a bit of the bot's real scheduler on a moving clock "
        "(the fake not rate-limiting, in a process of its own): the first message of every "
        "reminder and start ping p99 ≤ 100 ms after its due time, beside a roll-over too "
        "(first_ms; last_ms: its fan-out done), every roll-over started p99 ≤ 100 ms "
        "(roll_over_start_ms), 0 missing, 0 duplicates, every roll-over's card posted once "
        "(roll_over_first_ms: the card, reported; roll_over_service_ms, roll_over_handler_ms: "
        "the roll-over's own duration)",
    ),
    "shards": (
        "bench.bench_shards",
        {},
        {"servers": 200, "followers": 5},
        "PostgreSQL, 4 processes each owning 1 of 4 shards, 5,000 servers × 20 followers in 8 "
        "zones, the fake enforcing 50 requests/s across the token and 5 messages/5 s per "
        "channel: last ping ≤ 1.10 × floor, first ≤ 250 ms, 0 duplicates, 0 missing, 0 global "
        "429s; again with one process SIGKILLed mid-fan-out (not restarted): 0 duplicates, 0 "
        "missing, its rows re-sent within 15 s",
    ),
}


def _load() -> float:
    """The machine's 1-minute load average: other work running beside the benchmark."""
    return round(os.getloadavg()[0], 2)


#: Benchmarks that need PostgreSQL (several processes sharing one database).
POSTGRES_ONLY = {"shards"}
ENGINES = ("sqlite", "postgresql")


def key(name: str, engine: str) -> str:
    """Where a result is kept: ``films`` on SQLite, ``films@postgresql`` on PostgreSQL."""
    return name if engine == "sqlite" else f"{name}@{engine}"


def run_one(module: str, kwargs: dict, server: str | None = None) -> dict:
    load_before = _load()
    env = dict(os.environ)
    env.pop("BENCH_DATABASE_SERVER", None)
    if server is not None:
        env["BENCH_DATABASE_SERVER"] = server
    code = (
        "import json, sys, importlib\n"
        f"result = importlib.import_module({module!r}).run(**json.loads(sys.argv[1]))\n"
        "print('@@RESULT@@' + json.dumps(result, default=str))\n"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(kwargs)],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - started
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("@@RESULT@@"):
            result = json.loads(line.removeprefix("@@RESULT@@"))
            result.setdefault("wall_s", round(elapsed, 1))
            result["load_avg"] = {"before": load_before, "after": _load()}
            return result
    return {"error": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-2000:]}


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt(v)}" for k, v in value.items())
    return str(value)


def write_results(results: dict[str, dict], quick: bool, note: str = "") -> Path:
    """Merge these results into bench/results.json (latest run of each benchmark) and render
    RESULTS.md from it. Quick runs go to RESULTS.quick.md only. ``note`` (e.g. what else ran on
    the machine) is kept with each of these results."""
    stamp = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    store = HERE / "results.json"
    merged = {} if quick or not store.exists() else json.loads(store.read_text(encoding="utf-8"))
    noted = {"note": note} if note else {}
    merged.update({name: {"run": stamp, **noted, **result} for name, result in results.items()})
    if not quick:
        store.write_text(json.dumps(merged, indent=1, default=str) + "\n", encoding="utf-8")
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (each benchmark in its own process; the latest run of each"
        " is kept in `bench/results.json`)."
        + (" **Quick mode: small sizes, not a measurement.**" if quick else ""),
        "Medians and p99s come from one run; this machine is noisy, so compare ratios within a run"
        " (`load_avg`: the machine's 1-minute load average before and after each benchmark; the"
        " benchmark itself adds about 1, more means other work ran beside it).",
        "",
    ]
    for name in BENCHES:
        runs = {e: dict(merged[key(name, e)]) for e in ENGINES if key(name, e) in merged}
        if not runs:
            continue
        lines += [f"## {name}", "", f"Target: {BENCHES[name][3]}", ""]
        for engine, result in runs.items():
            lines.append(f"Run ({engine}): {result.pop('run')}")
            if "note" in result:
                lines.append(f"Note ({engine}): {result.pop('note')}")
            lines.append("")
        engines = list(runs)
        metrics = list(dict.fromkeys(m for result in runs.values() for m in result))
        lines += ["| metric | " + " | ".join(engines) + " |", "| --- |" + " --- |" * len(engines)]
        lines += [
            f"| {m} | " + " | ".join(fmt(runs[e].get(m, "")) for e in engines) + " |"
            for m in metrics
        ]
        lines.append("")
    path = HERE / ("RESULTS.quick.md" if quick else "RESULTS.md")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--note", default="", help="kept with the results, e.g. the machine's noise"
    )
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}"
        )
    engines = ENGINES if args.engine == "both" else (args.engine,)
    names = args.names or list(BENCHES)
    results = {}
    with contextlib.ExitStack() as stack:
        server = None
        if "postgresql" in engines:
            from bench.pg import server as postgres_server

            server = stack.enter_context(postgres_server())
        for name in names:
            module, full, quick, _ = BENCHES[name]
            for engine in engines:
                if engine == "sqlite" and name in POSTGRES_ONLY:
                    continue
                print(f"running {name} on {engine} …", flush=True)
                on = server if engine == "postgresql" else None
                found = run_one(module, quick if args.quick else full, on)
                results[key(name, engine)] = found
                print(f"  {fmt(found)}", flush=True)
    print(f"wrote {write_results(results, args.quick, args.note)}")


if __name__ == "__main__":
    main()
