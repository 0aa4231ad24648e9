"""A PostgreSQL server for the benchmarks: ``BENCH_POSTGRES`` (a URL) if set, else a throw-away
server started with ``.ci/postgres`` (installed from Debian's packages if missing) and stopped
after. Each benchmark gets a database of its own on it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def server() -> Iterator[str]:
    """The URL of a PostgreSQL database to create benchmark databases from."""
    given = os.environ.get("BENCH_POSTGRES", "").strip()
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix="bench-pg-")
    script = str(ROOT / ".ci" / "postgres")
    url = subprocess.run(
        [script, "start", folder], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([script, "stop", folder], check=False)


async def fresh_database(url: str, name: str) -> str:
    """Database ``name`` on ``url``'s server, created if missing (by whichever process of the
    benchmark asks first); its URL."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass  # another process of this benchmark made it a moment ago
    finally:
        await conn.close()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))
