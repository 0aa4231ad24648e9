"""Film store benchmark: 100,000 synthetic film files through sync, index, complete, search, get;
the zone suggestions behind /timezone set autocomplete; and TMDB films imported into that store.

Start-up (``warm_start_s``, target ≤ 3 s) is what ``create_bot`` does on a warm database:
``sync_films`` of the unchanged folder (``warm_resync_s``) and ``FilmStore.open`` reading the
saved index back (``index_load_s``). ``first_import_s`` + ``index_build_s`` (``cold_start_s``)
is the first start on an empty database, beside it.

``tmdb_import`` (target: median and p99 ≤ 20 ms) is a TMDB import without the network, one
film at a time as ``Catalog`` does it: ``film_from_tmdb`` (the mapping, also alone as
``tmdb_map``) then ``FilmStore.put_tmdb`` (the row, its releases, the change record and the
refresh of the index of films changed since start-up; that refresh alone is
``tmdb_import_refresh``). ``tmdb_found`` runs to ``best(title)``
giving the new film's id. The documents are faketmdb's Parasite re-numbered and re-titled
(``bench.tmdb_docs``). Each refresh rebuilds the small index of every film changed since
start-up, so ``tmdb_import_first_tenth`` and ``_last_tenth`` (medians) show whether an import
gets slower as more are made. ``restart_after_import`` is the next start-up after those imports
(the saved index no longer matches the table, so it is rebuilt), ``warm_start_after_import_s``
the one after that.

Run ``python -m bench.bench_films [--films N]``; the lead's runner calls :func:`run`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import re
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from bench import database
from bot.domain.zones import suggest_zones
from bot.sources.tmdb_map import film_from_tmdb
from bot.storage.db import open_database
from bot.storage.films import sync_films
from bot.storage.filmstore import FilmStore

from .tmdb_docs import movie_docs

#: The targets this benchmark checks (``targets_met``).
TARGETS = {
    "warm_start_s": 3.0,
    "complete_p99_ms": 5.0,
    "zone_suggest_median_ms": 1.0,
    "tmdb_import_median_ms": 20.0,
    "tmdb_import_p99_ms": 20.0,
    "rss_mb": 300.0,
}

ADJECTIVES = """silent hidden last golden broken crimson distant endless frozen gentle hollow
lonely midnight northern quiet restless scarlet secret shining silver sleeping stolen sudden
velvet wandering wild winter wooden burning bright dark deep little long lost new old open paper
second shadow small strange sweet true white blue green iron glass stone summer autumn spring
electric falling floating hungry invisible lucky patient radiant rusty savage tender urban""".split()
NOUNS = """harbor river garden mountain station city forest island kingdom letter lighthouse
machine mirror moon ocean orchard palace piano road room season signal sky song star storm street
sun tide tower train valley voice wall window winter wolf bridge castle circus clock coast cloud
compass crown dance desert diary dream echo engine feather field fire flower fortress ghost
harvest heart horizon hotel house hunter journey key lake lantern library map market memory
meadow mission night orbit painter passage promise queen rain ranger reef rocket rose sailor
secret shadow shore silence sister soldier spirit spring stranger summit thief thunder traveler
tunnel vessel village wave wind wing""".split()
PLACES = """Seoul Busan Lisbon Oslo Kyoto Cairo Lima Quebec Nairobi Hanoi Dublin Tallinn Porto
Marseille Istanbul Tbilisi Havana Manila Jakarta Osaka Taipei Krakow Prague Vienna""".split()
SYLLABLES = """ka na ra ma sa ta ha ya jin seo min woo hye eun ji so yeon hyun tae ri kyung
dong bin ah lo mi ne ko shi ru""".split()
FIRST = """Ana Jin Mara Leo Sofia Omar Yuna Ivan Chloe Mateo Hana Noah Lucia Arjun Min-ji Tae-ri
Kenji Amara Elif Jonas Priya Diego Mei Tomas Nadia Felix Ines Ravi Sora Hugo Lena Kwame Aiko
Pablo Zara Emil Rosa Dae-ho Ji-won Hyun-woo Seo-yeon Carmen Viktor Nora Sami Alma Oskar""".split()
LAST = """Moreno Park Kim Lee Novak Silva Tanaka Okafor Haddad Costa Fischer Rossi Dubois Berg
Nakamura Kaur Ortiz Petrov Larsen Choi Jung Kang Yoon Lim Han Santos Ferreira Nguyen Tran Ali
Hassan Cohen Klein Weber Horvat Kowalski Andersen Lund Ibrahim Mensah Abe Sato Ito Cruz Reyes""".split()
GENRES = """drama romance comedy thriller animation documentary horror mystery adventure
fantasy science-fiction crime musical war western family""".split()
ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Europe/Paris",
    "Australia/Sydney",
]


_BARE_VALUE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _typo(rng: random.Random, text: str) -> str:
    """One random edit: swap, drop, double or replace a letter."""
    i = rng.randrange(1, max(2, len(text) - 1))
    op = rng.randrange(4)
    if op == 0 and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiourstln") + text[i + 1 :]


def _title(rng: random.Random) -> str:
    a, n, m = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)
    pattern = rng.randrange(6)
    if pattern == 0:
        return f"The {a.title()} {n.title()}"
    if pattern == 1:
        return f"{n.title()} of the {a.title()} {m.title()}"
    if pattern == 2:
        return f"{a.title()} {n.title()} in {rng.choice(PLACES)}"
    if pattern == 3:
        return f"A {n.title()} for the {m.title()}"
    if pattern == 4:
        return f"{a.title()} {n.title()}s"
    return f"The {n.title()} and the {m.title()}"


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def film_toml(i: int, rng: random.Random) -> tuple[str, str, list[str]]:
    """(film_id, TOML text, names worth querying) for synthetic film number i."""
    title = _title(rng)
    film_id = f"{_slug(title)}-{i}"
    lines = [
        f'id = "{film_id}"',
        "",
        "[sources.catalogue]",
        f'title = "Synthetic catalogue entry {i}"',
        'publisher = "Bench generator"',
        f"date = 20{rng.randrange(10, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
        "",
    ]

    def block(header: str, **fields: Any) -> None:
        lines.append(header)
        for key, value in fields.items():
            if isinstance(value, list):
                lines.append(f"{key} = [{', '.join(chr(34) + v + chr(34) for v in value)}]")
            elif isinstance(value, str) and not _BARE_VALUE.fullmatch(value):
                lines.append(f'{key} = "{value}"')
            else:
                lines.append(f"{key} = {value}")
        lines.append('sources = ["catalogue"]')
        lines.append("")

    names = [title]
    block("[[titles]]", text=title, kind="english")
    if rng.random() < 0.8:
        original = " ".join(
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(1, 4))).title()
            for _ in range(rng.randrange(1, 4))
        )
        block("[[titles]]", text=original, kind="original")
        names.append(original)
    if rng.random() < 0.6:
        alias = title.removeprefix("The ").removeprefix("A ") + f" ({rng.randrange(1950, 2026)})"
        block("[[titles]]", text=alias, kind="alias")
    if rng.random() < 0.8:
        block("[[titles]]", text=_typo(rng, title), kind="misspelling")
    block(
        "[[synopsis]]",
        text=f"A {rng.choice(ADJECTIVES)} story about a {rng.choice(NOUNS)} "
        f"and a {rng.choice(NOUNS)} in {rng.choice(PLACES)}.",
    )
    if rng.random() < 0.7:
        block(
            "[[releases]]",
            platform="Netflix",
            regions=["worldwide"],
            model="global",
            date=f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
            time="00:00:00",
            zone=rng.choice(ZONES),
        )
    else:
        block(
            "[[releases]]",
            platform="Cinema",
            regions=[rng.choice(PLACES)],
            model="local_midnight",
            date=f"2024-1{rng.randrange(3)}-0{rng.randrange(1, 10)}",
        )
    block("[[runtime]]", minutes=rng.randrange(70, 170))
    people = []
    for _ in range(rng.randrange(2, 5)):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        key = _slug(name)
        if key in people:
            continue
        people.append(key)
        lines.extend([f"[people.{key}]", f'name = "{name}"', 'sources = ["catalogue"]', ""])
        if rng.random() < 0.2:
            block(
                f"[[people.{key}.variants]]", text=" ".join(reversed(name.split())), kind="spelling"
            )
    characters = []
    for _ in range(rng.randrange(1, 3)):
        name = (
            rng.choice(FIRST) if rng.random() < 0.5 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        )
        key = _slug(name)
        if key not in characters:
            characters.append(key)
            lines.extend([f"[characters.{key}]", f'name = "{name}"', 'sources = ["catalogue"]', ""])
    block("[[directors]]", people=[people[0]])
    block("[[writers]]", people=people[:2] if rng.random() < 0.3 else [people[0]])
    for person, character in zip(people[1:], characters, strict=False):
        block("[[cast]]", person=person, character=character, role="actor")
    for genre in rng.sample(GENRES, rng.randrange(1, 3)):
        block("[[genres]]", name=genre)
    return film_id, "\n".join(lines), names


def generate(directory: Path, count: int, seed: int = 7) -> tuple[list[str], list[tuple[str, str]]]:
    """Write count film files; return (film ids, (name, film id) pairs worth querying)."""
    rng = random.Random(seed)
    ids, names = [], []
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        film_id, text, film_names = film_toml(i, rng)
        (directory / f"{film_id}.toml").write_text(text, encoding="utf-8")
        ids.append(film_id)
        if i % 10 == 0:
            names.extend((name, film_id) for name in film_names)
    # Write the ~400 MB out now: left to the kernel, the write-back of the new files would run
    # during the import measured next. Real film files are at rest long before they are loaded.
    os.sync()
    return ids, names


def queries(names: list[str], count: int, seed: int = 11) -> list[str]:
    """A realistic mix: prefixes being typed, typos, full titles, lower-case titles."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name = rng.choice(names)
        kind = rng.random()
        if kind < 0.45:
            out.append(name[: rng.randrange(1, min(len(name), 14) + 1)])
        elif kind < 0.75:
            out.append(_typo(rng, name if rng.random() < 0.5 else name[: max(6, len(name) - 4)]))
        elif kind < 0.9:
            out.append(name)
        else:
            out.append(name.lower())
    return out


def zone_queries(count: int, seed: int = 13) -> list[str]:
    """What members type into ``/timezone set``: prefixes of city names, sometimes of IANA keys."""
    rng = random.Random(seed)
    keys = sorted(available_timezones())
    out = []
    for _ in range(count):
        key = rng.choice(keys)
        text = key.rsplit("/", 1)[-1].replace("_", " ") if rng.random() < 0.7 else key
        out.append(text[: rng.randint(1, len(text))])
    return out


def _memory() -> dict[str, float]:
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    fields = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if value.split():
            fields[key] = value.split()[0]
    return {
        "rss_mb": int(fields.get("VmRSS", 0)) / 1024,
        "peak_rss_mb": int(fields.get("VmHWM", 0)) / 1024
        or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _summary(times: list[float]) -> dict[str, float]:
    """Median, p99 and max of some times in milliseconds."""
    times = sorted(times)
    return {
        "median_ms": statistics.median(times),
        "p99_ms": times[max(0, int(len(times) * 0.99) - 1)],
        "max_ms": times[-1],
    }


def _latency(fn: Any, items: list[Any]) -> dict[str, float]:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return _summary(times)


async def _tmdb_imports(store: FilmStore, count: int) -> dict[str, Any]:
    """Import ``count`` TMDB films into the store one after the other, timing each step."""
    now = datetime.now(UTC)
    mapping, imports, refreshes, found, missed = [], [], [], [], 0
    refresh = store.refresh

    async def timed_refresh() -> list[str]:
        # bench-only: put_tmdb's refresh of the changed films' index, timed on its own
        started = time.perf_counter()
        try:
            return await refresh()
        finally:
            refreshes.append((time.perf_counter() - started) * 1000)

    store.refresh = timed_refresh  # type: ignore[method-assign]
    for doc in movie_docs(count):
        start = time.perf_counter()
        film = film_from_tmdb(doc, now.date())
        mapped = time.perf_counter()
        film_id = await store.put_tmdb(film, now)
        stored = time.perf_counter()
        if store.best(film.title) == film_id:
            found.append((time.perf_counter() - start) * 1000)
        else:
            missed += 1
        mapping.append((mapped - start) * 1000)
        imports.append((stored - start) * 1000)
        if len(imports) % 20 == 0:
            # The running bot merges the tiers of changed films in its watch loop (every 2 s),
            # off the path of an import: do that here too, untimed.
            await store.compact()
    del store.refresh
    tenth = max(1, count // 10)
    return {
        "tmdb_imports": count,
        "tmdb_map": _summary(mapping),
        "tmdb_import": _summary(imports),
        "tmdb_import_refresh": _summary(refreshes),
        "tmdb_import_first_tenth_median_ms": statistics.median(imports[:tenth]),
        "tmdb_import_last_tenth_median_ms": statistics.median(imports[-tenth:]),
        "tmdb_found": _summary(found) if found else {},
        "tmdb_not_found_by_title": missed,
    }


async def _restart(db: Any, films_dir: Path, count: int) -> tuple[float, float, FilmStore]:
    """A start-up on this database: (resync seconds, store opening seconds, the store)."""
    gc.collect()
    report = await sync_films(db, films_dir)
    assert report.unchanged == count and not report.removed, report.summary()
    started = time.perf_counter()
    store = await FilmStore.open(db)
    return report.seconds, time.perf_counter() - started, store


async def _run(count: int, query_count: int, imports: int, workdir: Path) -> dict[str, Any]:
    films_dir = workdir / "films"
    started = time.perf_counter()
    ids, names = generate(films_dir, count)
    result: dict[str, Any] = {
        "films": count,
        "cores": os.cpu_count(),
        "generate_s": time.perf_counter() - started,
    }
    db = await open_database(database(workdir / "bench.sqlite3"))
    try:
        report = await sync_films(db, films_dir)
        assert not report.errors and len(report.added) == count, report.summary()
        result["first_import_s"] = report.seconds
        report = await sync_films(db, films_dir)
        assert report.unchanged == count, report.summary()
        result["warm_resync_s"] = report.seconds
        gc.collect()
        started = time.perf_counter()
        store = await FilmStore.open(db)  # the first open builds the index and saves it
        result["index_build_s"] = time.perf_counter() - started
        del store
        gc.collect()
        started = time.perf_counter()
        store = await FilmStore.open(db)  # a start-up with the same films loads the saved one
        result["index_load_s"] = time.perf_counter() - started
        gc.collect()
        qs = queries([name for name, _ in names], query_count)
        result["complete"] = _latency(lambda q: store.complete(q, 25), qs)
        result["search"] = _latency(lambda q: store.search(q, 10), qs[: query_count // 2])
        suggest_zones("warm up")  # the zone index is built on first use
        result["zone_suggest"] = _latency(suggest_zones, zone_queries(query_count))
        rng = random.Random(5)
        sample = [rng.choice(ids) for _ in range(1000)]
        loop_times: list[float] = []
        for film_id in sample:
            start = time.perf_counter()
            await store.get(film_id)
            loop_times.append((time.perf_counter() - start) * 1000)
        result["get"] = _summary(loop_times)
        # best() on titles only one film has: typed exactly, and with one typo
        unique = [(n, f) for n, f in names[:3000] if store.index.exact_film(n) == f][:500]
        rng = random.Random(9)
        result["best_unique_titles"] = len(unique)
        result["best_exact_hit_rate"] = sum(store.best(n) == f for n, f in unique) / len(unique)
        result["best_one_typo_hit_rate"] = sum(
            store.best(_typo(rng, n)) == f for n, f in unique
        ) / len(unique)
        result["best_one_typo_wrong_film"] = sum(
            store.best(_typo(rng, n)) not in (f, None) for n, f in unique
        ) / len(unique)
        result["cold_start_s"] = result["first_import_s"] + result["index_build_s"]
        result["warm_start_s"] = result["warm_resync_s"] + result["index_load_s"]
        result.update(_memory())  # the store as a start-up leaves it: before any import
        result.update(await _tmdb_imports(store, imports))
        result["rss_after_imports_mb"] = _memory()["rss_mb"]
        del store
        resync_s, open_s, store = await _restart(db, films_dir, count)
        titles = [doc["title"] for doc in movie_docs(imports)]
        assert all(store.best(title) is not None for title in titles), "imports lost"
        result["restart_after_import"] = {
            "resync_s": resync_s,
            "open_s": open_s,
            "total_s": resync_s + open_s,
        }
        del store
        resync_s, open_s, store = await _restart(db, films_dir, count)
        result["warm_start_after_import_s"] = resync_s + open_s
    finally:
        await db.close()
    result["targets_met"] = bool(
        result["warm_start_s"] <= TARGETS["warm_start_s"]
        and result["complete"]["p99_ms"] <= TARGETS["complete_p99_ms"]
        and result["zone_suggest"]["median_ms"] <= TARGETS["zone_suggest_median_ms"]
        and result["tmdb_import"]["median_ms"] <= TARGETS["tmdb_import_median_ms"]
        and result["tmdb_import"]["p99_ms"] <= TARGETS["tmdb_import_p99_ms"]
        and result["tmdb_not_found_by_title"] == 0
        and result["rss_mb"] <= TARGETS["rss_mb"]
    )
    return result


def run(films: int = 100_000, query_count: int = 3_000, imports: int = 1_000) -> dict[str, Any]:
    """Run the benchmark in a temporary folder and return the measurements."""
    with tempfile.TemporaryDirectory(prefix="bench-films-") as tmp:
        return asyncio.run(_run(films, query_count, imports, Path(tmp)))


def _print(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.3f}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.3f}"
        print(f"{key:>32}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--imports", type=int, default=1_000)
    args = parser.parse_args()
    _print(run(args.films, args.queries, args.imports))


if __name__ == "__main__":
    main()
