"""``python -m bot`` as a person runs it: a child process, its exit code and what it prints.

Runs that talk to Discord talk to a FakeDiscord served by this test process: the child is
started through ``tests/against_fake.py``, which points discord.py at the fake's URLs and then
calls ``bot.__main__.main`` (the bot has no setting for another Discord address).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yarl

from bot.config import DEFAULT_FILMS_DIR
from bot.domain.filmmodel import TITLE_KINDS
from bot.storage.migrations import MIGRATIONS
from fakecord import FakeDiscord

REPO = Path(__file__).resolve().parent.parent
TOKEN = "cli-token-Zm9vYmFy.secret"
BOT_VARIABLES = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DATABASE_URL",
    "FILMS_DIR",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "LATE_GRACE_MINUTES",
    "CONNECT_RETRY_SECONDS",
)
KINDS = ", ".join(TITLE_KINDS)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def plain_err_lines(self) -> list[str]:
        """What the program itself printed to stderr (log records left out)."""
        return [line for line in self.err.splitlines() if line and not LOG_LINE.match(line)]


def child_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The caller's environment without the bot's variables, plus ``variables``; the project on
    PYTHONPATH. The child runs in ``tmp_path``, so no developer's ``.env`` is read."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("DATABASE_PATH", str(tmp_path / "var" / "bot.sqlite3"))
    env.update(variables)
    return env


def run_cli(
    tmp_path: Path, *args: str, stdin: str = "", timeout: float = 60, **variables: str
) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=child_env(tmp_path, **variables),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord in this process (not installed here: only the child talks to it)."""
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    fake.add_guild("Movie Night")
    try:
        yield fake
    finally:
        await fake.stop()


async def start_against_fake(
    fake: FakeDiscord, tmp_path: Path, *args: str, **variables: str
) -> asyncio.subprocess.Process:
    return await start_against(fake.api_base, fake.gateway_url, tmp_path, *args, **variables)


async def start_against(
    api_base: str, gateway: str, tmp_path: Path, *args: str, **variables: str
) -> asyncio.subprocess.Process:
    """``python -m bot`` with discord.py pointed at these URLs (see tests/against_fake.py)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.against_fake",
        api_base,
        gateway,
        *args,
        cwd=tmp_path,
        env=child_env(tmp_path, **variables),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(proc: asyncio.subprocess.Process, timeout: float = 30) -> Result:  # noqa: ASYNC109
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        pytest.fail(f"the bot did not exit within {timeout}s:\n{err.decode()[-3000:]}")
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out, result.err


async def read_err_until(
    proc: asyncio.subprocess.Process,
    done: Callable[[list[str]], bool],
    within: float = 30,  # noqa: ASYNC109
) -> list[str]:
    """The child's stderr lines until ``done(lines)`` holds; fails if it exits or stalls first."""
    assert proc.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(within):
            while not done(lines):
                line = await proc.stderr.readline()
                assert line, "the bot exited early:\n" + "".join(lines)[-3000:]
                lines.append(line.decode())
    except TimeoutError:
        proc.kill()
        pytest.fail("the bot did not get there in time:\n" + "".join(lines)[-3000:])
    return lines


async def interrupt(proc: asyncio.subprocess.Process, seen: list[str]) -> Result:
    """Ctrl-C, then everything the child printed (``seen`` first); it must exit within 10 s."""
    proc.send_signal(signal.SIGINT)
    result = await finish(proc, timeout=10)
    result.err = "".join(seen) + result.err
    return result


# --- the token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("run",)])
def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(tmp_path, *args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "DISCORD_TOKEN" in lines[0] and ".env.example" in lines[0]


@pytest.mark.parametrize("args", [(), ("films", "validate")])
def test_an_unparseable_database_url_is_one_line_and_exit_2_without_the_password(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    url = "postgresql://bot:pa55/w0rd#x@127.0.0.1:1/none"
    result = run_cli(tmp_path, *args, DISCORD_TOKEN=TOKEN, DATABASE_URL=url)
    assert result.code == 2
    [line] = result.err.splitlines()
    assert line.startswith("error: DATABASE_URL") and "percent-encode" in line
    assert "pa55" not in result.out + result.err and "w0rd" not in result.out + result.err


def test_an_empty_token_in_dotenv_counts_as_missing(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nLOG_LEVEL=DEBUG\n")
    result = run_cli(tmp_path)
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "DISCORD_TOKEN" in result.err


async def test_a_rejected_token_is_one_clear_line_and_exit_2(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    wrong = "not-the-right-token.abc123"
    proc = await start_against_fake(fake, tmp_path, DISCORD_TOKEN=wrong)
    result = await finish(proc)
    assert result.code == 2, result.err
    no_traceback(result)
    assert [r.status for r in fake.requests if r.path == "/users/@me"] == [401]
    lines = result.plain_err_lines()
    assert len(lines) == 1, result.err
    assert "401" in lines[0] and "DISCORD_TOKEN" in lines[0]
    assert wrong not in result.err + result.out


async def test_a_good_token_runs_until_interrupted_and_never_logs_the_token(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The real command line at LOG_LEVEL=DEBUG: connects, syncs, is ready; Ctrl-C stops it
    cleanly with exit code 0; the token appears nowhere in its output."""
    proc = await start_against_fake(fake, tmp_path, DISCORD_TOKEN=TOKEN, LOG_LEVEL="DEBUG")
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not any("Ready as" in line for line in seen):
                line = await proc.stderr.readline()
                assert line, "the bot exited early:\n" + "".join(seen)[-3000:]
                seen.append(line.decode())
    except TimeoutError:
        proc.kill()
        raise
    assert {c["name"] for c in fake.commands()} >= {"film", "timezone", "config"}
    proc.send_signal(signal.SIGINT)
    result = await finish(proc)
    result.err = "".join(seen) + result.err
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    assert "DEBUG" in result.err  # really at DEBUG
    assert TOKEN not in result.err + result.out
    assert any(r.authorized for r in fake.requests)  # it did use the token, with Discord


@pytest.mark.parametrize(
    "args", [(), ("films",), ("films", "validate"), ("films", "import"), ("db",), ("db", "copy")]
)
def test_help_is_plain_text(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(tmp_path, *args, "--help")
    assert result.code == 0, result.err
    assert result.out.startswith("usage: watchparty-bot")
    assert "``" not in result.out and ":func:" not in result.out  # no reStructuredText


# --- Discord out of reach at start-up ------------------------------------------------------------

RETRY = re.compile(
    r" WARNING bot\.app: Can't reach Discord: (.+)\. Trying again in ([\d.]+) s \(Ctrl-C to stop\)\.$"
)


def retries(lines: list[str]) -> list[re.Match[str]]:
    return [m for line in lines if (m := RETRY.search(line.rstrip("\n")))]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_refused_connections_are_one_line_per_attempt_with_growing_waits(
    tmp_path: Path,
) -> None:
    port = closed_port()
    proc = await start_against(
        f"http://127.0.0.1:{port}/api/v10",
        f"ws://127.0.0.1:{port}",
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        CONNECT_RETRY_SECONDS="0.05",
    )
    seen = await read_err_until(proc, lambda lines: len(retries(lines)) >= 4)
    result = await interrupt(proc, seen)
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    lines = result.err.splitlines()
    after_start = lines[next(i for i, line in enumerate(lines) if "Film store:" in line) + 1 :]
    *attempts, last = after_start
    assert len(retries(attempts)) == len(attempts) >= 4  # nothing else is printed per attempt
    assert last.endswith("INFO    bot: Shutting down")
    found = retries(attempts)
    assert {m[1] for m in found} == {f"127.0.0.1:{port} refused the connection"}
    waits = [float(m[2]) for m in found]
    assert waits == [0.05 * 2**i for i in range(len(waits))]
    assert TOKEN not in result.err + result.out


async def test_a_name_that_does_not_resolve_is_said_so(tmp_path: Path) -> None:
    proc = await start_against(
        "http://discord.invalid/api/v10",
        "ws://discord.invalid",
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        CONNECT_RETRY_SECONDS="0.05",
    )
    seen = await read_err_until(proc, lambda lines: len(retries(lines)) >= 1)
    result = await interrupt(proc, seen)
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    assert retries(seen)[0][1] == "discord.invalid can't be looked up (no network, or no DNS)"


async def test_ctrl_c_while_waiting_to_retry_stops_at_once(tmp_path: Path) -> None:
    port = closed_port()
    proc = await start_against(
        f"http://127.0.0.1:{port}/api/v10",
        f"ws://127.0.0.1:{port}",
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        CONNECT_RETRY_SECONDS="50",  # far longer than interrupt() lets it take to exit
    )
    seen = await read_err_until(proc, lambda lines: len(retries(lines)) >= 1)
    result = await interrupt(proc, seen)
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    assert len(retries(result.err.splitlines())) == 1
    assert result.err.rstrip().endswith("INFO    bot: Shutting down")


async def test_ctrl_c_while_discord_does_not_answer_stops_at_once(tmp_path: Path) -> None:
    """A server that accepts the connection and never answers: the login would hang for
    aiohttp's five minutes."""
    connected = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()  # until the bot hangs up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        proc = await start_against(
            f"http://127.0.0.1:{port}/api/v10",
            f"ws://127.0.0.1:{port}",
            tmp_path,
            DISCORD_TOKEN=TOKEN,
        )
        try:
            await asyncio.wait_for(connected.wait(), 30)
        except TimeoutError:
            proc.kill()
            raise
        result = await interrupt(proc, [])
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    assert retries(result.err.splitlines()) == []
    assert result.err.rstrip().endswith("INFO    bot: Shutting down")


class DroppingProxy:
    """A TCP proxy to a local port that hangs up on every connection whose request contains
    ``needle`` while ``dropping`` is set: the network failing in the middle of start-up."""

    def __init__(self, target_port: int, needle: bytes) -> None:
        self.target_port = target_port
        self.needle = needle
        self.dropping = True
        self.dropped = 0

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def upstream() -> None:
            while data := await client_r.read(65536):
                if self.dropping and self.needle in data:
                    self.dropped += 1
                    break
                up_w.write(data)
                await up_w.drain()
            client_w.close()
            up_w.close()

        async def downstream() -> None:
            while data := await up_r.read(65536):
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        await asyncio.gather(upstream(), downstream(), return_exceptions=True)


async def test_a_connection_lost_in_the_middle_of_start_up_is_retried(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """Logged in, then the command sync's connection drops: the login is tried again (its
    setup_hook too, which must not load the cogs twice) and the bot comes up."""
    api = yarl.URL(fake.api_base)
    assert api.port is not None
    proxy = DroppingProxy(api.port, needle=b"PUT /api/v10/applications/")
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    async with server:
        proxied = api.with_port(server.sockets[0].getsockname()[1])
        proc = await start_against(
            str(proxied),
            fake.gateway_url,
            tmp_path,
            DISCORD_TOKEN=TOKEN,
            CONNECT_RETRY_SECONDS="0.2",
        )
        seen = await read_err_until(proc, lambda lines: len(retries(lines)) >= 1)
        proxy.dropping = False  # the network is back
        seen += await read_err_until(proc, lambda lines: any("Ready as" in ln for ln in lines))
        result = await interrupt(proc, seen)
    assert result.code == 0, result.err[-3000:]
    no_traceback(result)
    assert proxy.dropped >= 1
    # The proxy hangs up cleanly (no reset), which aiohttp reports as a disconnect.
    assert {m[1] for m in retries(result.err.splitlines())} == {"Server disconnected"}
    assert {c["name"] for c in fake.commands()} >= {"film", "timezone", "config"}


# --- films validate / import ---------------------------------------------------------------------


def test_validate_the_bundled_films_ends_with_the_summary(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "films", "validate")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"checked 1 film file(s) in {DEFAULT_FILMS_DIR}: 0 with errors, 0 error(s)"
    ]


def test_validate_a_missing_folder_is_one_error_line_and_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "flims"
    result = run_cli(tmp_path, "films", "validate", str(missing))
    assert result.code == 1
    no_traceback(result)
    assert result.out == ""
    assert result.plain_err_lines() == [
        f"error: {missing} is not a folder: name the folder of your film files "
        "(by default FILMS_DIR, else data/films)"
    ]


def test_validate_an_empty_folder_says_it_has_no_film_files(tmp_path: Path) -> None:
    empty = tmp_path / "films"
    empty.mkdir()
    result = run_cli(tmp_path, "films", "validate", FILMS_DIR=str(empty))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"no film files (*.toml) in {empty}",
        f"checked 0 film file(s) in {empty}: 0 with errors, 0 error(s)",
    ]


def broken_copy(tmp_path: Path) -> Path:
    """A films folder where the seed film has a runtime that is not a number."""
    folder = tmp_path / "films"
    folder.mkdir()
    text = (DEFAULT_FILMS_DIR / "lost-in-starlight.toml").read_text(encoding="utf-8")
    assert "\nminutes = 96\n" in text
    bad = text.replace("\nminutes = 96\n", '\nminutes = "ninety-six"\n')
    (folder / "lost-in-starlight.toml").write_text(bad, encoding="utf-8")
    (folder / "half.toml").write_text('id = "half"\n[[titles]\n', encoding="utf-8")
    return folder


def test_validate_reports_the_path_and_field_of_each_broken_file(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    for args, env in [((str(folder),), {}), ((), {"FILMS_DIR": str(folder)})]:
        result = run_cli(tmp_path, "films", "validate", *args, **env)
        assert result.code == 1, result.err
        no_traceback(result)
        lines = result.err.splitlines()
        assert len(lines) == 2, result.err
        seed = next(line for line in lines if "lost-in-starlight.toml" in line)
        assert str(folder / "lost-in-starlight.toml") in seed
        assert "runtime[0].minutes" in seed and "ninety-six" in seed
        half = next(line for line in lines if "half.toml" in line)
        assert "not valid TOML" in half and "line 2" in half


def test_validate_reports_every_error_of_a_file_then_a_summary(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    seed = folder / "lost-in-starlight.toml"
    seed.write_text(seed.read_text(encoding="utf-8").replace('kind = "english"', 'kind = "x"'))
    result = run_cli(tmp_path, "films", "validate", str(folder))
    assert result.code == 1, result.err
    no_traceback(result)
    half, kind, runtime = result.err.splitlines()  # files in name order, then field order
    assert half.startswith(f"error: {folder / 'half.toml'}: (toml): ")
    assert kind.startswith(f"error: {seed}: titles[") and "'x' is not one of" in kind
    assert runtime.startswith(f"error: {seed}: runtime[0].minutes: 'ninety-six'")
    assert result.out.splitlines()[-1] == (
        f"checked 2 film file(s) in {folder}: 2 with errors, 3 error(s)"
    )


MY_FILM = """\
id = "my-film"

[sources.notes]
title = "My own notes"

[[titles]]
text = "My Film"
kind = "english"
sources = ["notes"]

[[runtime]]
minutes = 90
sources = ["notes"]
"""


def test_import_a_new_film_then_refuse_a_different_one_with_the_same_id(tmp_path: Path) -> None:
    films = tmp_path / "films"
    films.mkdir()
    (films / "lost-in-starlight.toml").write_bytes(
        (DEFAULT_FILMS_DIR / "lost-in-starlight.toml").read_bytes()
    )
    source = tmp_path / "incoming" / "my-film.toml"
    source.parent.mkdir()
    source.write_text(MY_FILM, encoding="utf-8")
    env = {"FILMS_DIR": str(films)}

    result = run_cli(tmp_path, "films", "import", str(source), **env)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"imported my-film (My Film) into {films}",
        "checked 1 film file(s): 0 with errors, 0 error(s)",
    ]
    assert (films / "my-film.toml").read_text(encoding="utf-8") == MY_FILM
    database = Path(child_env(tmp_path)["DATABASE_PATH"])
    with sqlite3.connect(database) as conn:
        rows = dict(conn.execute("SELECT id, label FROM films").fetchall())
    assert rows["my-film"] == "My Film"

    changed = source.with_name("changed.toml")
    changed.write_text(MY_FILM.replace("minutes = 90", "minutes = 95"), encoding="utf-8")
    result = run_cli(tmp_path, "films", "import", str(changed), **env)
    assert result.code == 1
    no_traceback(result)
    assert len(result.err.splitlines()) == 1
    assert "already holds a different version of 'my-film'" in result.err
    assert "--replace" in result.err
    assert "minutes = 90" in (films / "my-film.toml").read_text(encoding="utf-8")  # untouched

    result = run_cli(tmp_path, "films", "import", "--replace", str(changed), **env)
    assert result.code == 0, result.err
    assert "minutes = 95" in (films / "my-film.toml").read_text(encoding="utf-8")


def test_import_reports_every_error_of_the_file_then_a_summary(tmp_path: Path) -> None:
    films = tmp_path / "films"
    films.mkdir()
    source = tmp_path / "bad.toml"
    broken = MY_FILM.replace('kind = "english"', 'kind = "klingon"').replace("= 90", "= 0")
    source.write_text(broken, encoding="utf-8")
    result = run_cli(tmp_path, "films", "import", str(source), FILMS_DIR=str(films))
    assert result.code == 1
    no_traceback(result)
    assert result.plain_err_lines() == [
        f"error: {source}: titles[0].kind: 'klingon' is not one of: {KINDS}",
        f"error: {source}: runtime[0].minutes: 0 must be a whole number of minutes, 1-2000",
    ]
    assert result.out.splitlines() == [
        "checked 1 film file(s): 1 with errors, 2 error(s); nothing imported"
    ]
    assert list(films.iterdir()) == []


def test_import_refuses_a_broken_file(tmp_path: Path) -> None:
    films = tmp_path / "films"
    films.mkdir()
    source = tmp_path / "bad.toml"
    source.write_text(MY_FILM.replace('kind = "english"', 'kind = "klingon"'), encoding="utf-8")
    result = run_cli(tmp_path, "films", "import", str(source), FILMS_DIR=str(films))
    assert result.code == 1
    no_traceback(result)
    assert str(source) in result.err and "titles[0].kind" in result.err
    assert list(films.iterdir()) == []  # nothing half-imported

    result = run_cli(tmp_path, "films", "import", str(tmp_path / "nope.toml"))
    assert result.code == 1 and "nope.toml" in result.err
    no_traceback(result)


# --- the database --------------------------------------------------------------------------------


def newer_database(tmp_path: Path) -> Path:
    path = tmp_path / "from-the-future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    return path


async def test_a_database_newer_than_the_code_is_refused(fake: FakeDiscord, tmp_path: Path) -> None:
    database = newer_database(tmp_path)
    proc = await start_against_fake(
        fake, tmp_path, DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(database)
    )
    run = await finish(proc)
    source = tmp_path / "my-film.toml"
    source.write_text(MY_FILM, encoding="utf-8")
    films = tmp_path / "films"
    films.mkdir()
    imp = run_cli(
        tmp_path, "films", "import", str(source), DATABASE_PATH=str(database), FILMS_DIR=str(films)
    )
    for result in (run, imp):
        assert result.code == 2, result.err
        no_traceback(result)
        lines = result.plain_err_lines()
        assert len(lines) == 1, result.err
        assert f"schema version {len(MIGRATIONS) + 1}" in lines[0]
        assert "DATABASE_PATH" in lines[0]
    assert fake.requests == []  # refused before talking to Discord
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1


# --- the sandbox ---------------------------------------------------------------------------------


def test_sandbox_answers_typed_commands(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        "sandbox",
        stdin="/film info lost in starlight\n/film ask how long is lost in starlight?\nquit\n",
        timeout=60,
    )
    assert result.code == 0, result.err
    no_traceback(result)
    assert "watchparty-bot sandbox" in result.out
    assert "| **Lost in Starlight**" in result.out
    assert "| Runtime: 1h 36m" in result.out
    assert "Writers: ⚠️ Sources disagree" in result.out
    assert "runs 1h 36m (96 minutes)" in result.out
    assert not (tmp_path / "var").exists()  # the sandbox keeps its database in a temp folder


def test_sandbox_banner_names_the_member_you_play(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "sandbox", stdin="quit\n", timeout=60)
    assert result.code == 0, result.err
    assert 'Server "Movie Night", channel #general, you are Ada.' in result.out


def test_sandbox_ends_at_end_of_input(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "sandbox", stdin="/timezone set Seoul\n", timeout=60)
    assert result.code == 0, result.err
    assert "Your time zone is now **Asia/Seoul**" in result.out


def sandbox(tmp_path: Path, *lines: str) -> str:
    """What the sandbox printed for ``lines``; it exited cleanly without a traceback."""
    result = run_cli(tmp_path, "sandbox", stdin="".join(f"{line}\n" for line in lines))
    assert result.code == 0, result.err
    no_traceback(result)
    return result.out


def test_sandbox_refuses_integers_discord_would_refuse(tmp_path: Path) -> None:
    out = sandbox(tmp_path, "/watchparty info 9223372036854775808")
    assert "'id' must be at most 9007199254740992" in out
    assert "went wrong" not in out  # it never reaches the bot (it used to overflow SQLite)


def test_sandbox_shows_times_in_the_members_registered_zone(tmp_path: Path) -> None:
    out = sandbox(
        tmp_path,
        "/film info lost in starlight",
        "/timezone set Seoul",
        "/film info lost in starlight",
    )
    before, after = out.split("Your time zone is now **Asia/Seoul**")
    assert "Friday, 30 May 2025 07:00 UTC" in before
    assert "(Times are in UTC: no time zone known for Ada.)" in before
    assert "Friday, 30 May 2025 16:00 KST" in after and "07:00 UTC" not in after


def test_sandbox_has_a_member_who_may_try_config(tmp_path: Path) -> None:
    out = sandbox(tmp_path, "/config show", "as Mina", "/config show")
    assert "Ada lacks the permissions /config requires (Manage Server)" in out
    assert "Mina can use it: type `as Mina`." in out
    assert "**Default time zone:** not set" in out


def test_sandbox_shows_calendar_files_and_scheduled_events(tmp_path: Path) -> None:
    out = sandbox(
        tmp_path,
        "/watchparty create film: lost in starlight when: tomorrow 21:00 "
        "timezone: Seoul voice_channel: Watch Party",
        "/watchparty ics 1",
        "events",
    )
    assert "attachment: watchparty-1.ics (" in out
    assert "  BEGIN:VCALENDAR" in out and "  SUMMARY:Watch party: Lost in Starlight" in out
    assert "[event created] **Watch party: Lost in Starlight**" in out
    assert "Scheduled events in Movie Night:\n  **Watch party: Lost in Starlight**" in out


def test_sandbox_moves_time_so_pings_arrive_on_time(tmp_path: Path) -> None:
    out = sandbox(
        tmp_path,
        "time 2025-05-29 12:00",
        "/timezone set Seoul",
        "/premiere follow film: lost in starlight dm: True",
        "/watchparty create film: lost in starlight when: 2025-05-29 23:00",
        "wait 20h",
    )
    assert "It's Thursday, 29 May 2025 12:00 UTC in the sandbox." in out
    assert "Reminder: the **Lost in Starlight** watch party starts in 60 minutes" in out
    assert "The **Lost in Starlight** watch party is starting now!" in out
    assert (
        "[DM to Ada] watchparty-bot:\n"
        "  🍿 **Lost in Starlight** is out now on Netflix: 4:00 PM Friday your time (Asia/Seoul)."
    ) in out
    assert "Sent late" not in out  # each went out at its own time, not after the jump
    assert "It's Friday, 30 May 2025 17:00 KST in the sandbox." in out
