"""Run every benchmark, each in its own process (so memory peaks don't mix), and write
bench/RESULTS.md.

    python -m bench            # full sizes (the targets in the issues)
    python -m bench --quick    # small sizes: a smoke run, not a measurement
    python -m bench films      # only the named benchmarks
"""

from __future__ import annotations

import argparse
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
        {"films": 5_000, "query_count": 500},
        "100,000 films in the store: loading it at start-up (warm_start_s) ≤ 10 s, autocomplete "
        "p99 ≤ 5 ms, RSS ≤ 300 MB (first_import_s, cold_start_s: an empty database, beside); "
        "zone_suggest (/timezone autocomplete) median ≤ 1 ms",
    ),
    "film_commands": (
        "bench.bench_film_commands",
        {},
        {"films": 5_000},
        "through the fake: /film autocomplete p99 ≤ 5 ms, /film info handler p99 ≤ 10 ms, "
        "load_warm_s ≤ 10 s, bot RSS ≤ 300 MB (load_cold_s: an empty database, beside)",
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
}


def run_one(module: str, kwargs: dict) -> dict:
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
    )
    elapsed = time.perf_counter() - started
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("@@RESULT@@"):
            result = json.loads(line.removeprefix("@@RESULT@@"))
            result.setdefault("wall_s", round(elapsed, 1))
            return result
    return {"error": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-2000:]}


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt(v)}" for k, v in value.items())
    return str(value)


def write_results(results: dict[str, dict], quick: bool) -> Path:
    """Merge these results into bench/results.json (latest run of each benchmark) and render
    RESULTS.md from it. Quick runs go to RESULTS.quick.md only."""
    stamp = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    store = HERE / "results.json"
    merged = {} if quick or not store.exists() else json.loads(store.read_text(encoding="utf-8"))
    merged.update({name: {"run": stamp, **result} for name, result in results.items()})
    if not quick:
        store.write_text(json.dumps(merged, indent=1, default=str) + "\n", encoding="utf-8")
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (each benchmark in its own process; the latest run of each"
        " is kept in `bench/results.json`)."
        + (" **Quick mode: small sizes, not a measurement.**" if quick else ""),
        "Medians and p99s come from one run; this machine is noisy, so compare ratios within a run.",
        "",
    ]
    for name in BENCHES:
        if name not in merged:
            continue
        result = dict(merged[name])
        lines += [
            f"## {name}",
            "",
            f"Target: {BENCHES[name][3]}",
            "",
            f"Run: {result.pop('run')}",
            "",
        ]
        lines += ["| metric | value |", "| --- | --- |"]
        lines += [f"| {key} | {fmt(value)} |" for key, value in result.items()]
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
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}"
        )
    results = {}
    for name in args.names or list(BENCHES):
        module, full, quick, _ = BENCHES[name]
        print(f"running {name} …", flush=True)
        results[name] = run_one(module, quick if args.quick else full)
        print(f"  {fmt(results[name])}", flush=True)
    print(f"wrote {write_results(results, args.quick)}")


if __name__ == "__main__":
    main()
