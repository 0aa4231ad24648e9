"""The loopback Discord in a process of its own, driven by JSON lines on stdin.

A benchmark that runs the bot in its own process shares a core and a heap with an in-process
fake: the fake's work (JSON, every message it keeps) is charged to the bot, and Python's full
collections of the fake's heap pause the bot. Real Discord is elsewhere; so is this one.

One request per line on stdin, one answer per line on stdout (``{"ok": …}`` or
``{"error": "…"}``), in order::

    {"op": "clock", "offset": 1234.5}            the fake's "now": real time + offset seconds
    {"op": "world", "guild": "name", "channels": ["a", "b"], "members": 2000}
                                                   -> {"guild", "channels", "members"} ids
    {"op": "slash", "guild": G, "channel": C, "user": U, "command": "…", "options": {…}}
                                                   -> the first response's content
    {"op": "end_past_events", "guild": G}          end events whose end time has passed (Discord
                                                   does that; the fake leaves it to its driver)
    {"op": "events", "guild": G}                   -> how many scheduled events the server has
    {"op": "sent"}                                 -> [[nonce, at, [user ids]], …] for every
                                                   message created in a channel with a nonce:
                                                   when (the fake's clock) and whom it pinged (a
                                                   DM: its recipient)
    {"op": "stop"}

The first line on stdout is ``{"api_base": …, "gateway": …}``, once it listens on 127.0.0.1.
Run by :class:`FakeProcess`; ``python -m bench.fake_process --token T --offset S`` alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fakecord import FakeDiscord, StoredMessage
from fakecord.clock import ShiftedClock

ROOT = Path(__file__).resolve().parent.parent


class _Fake:
    def __init__(self, fake: FakeDiscord, clock: ShiftedClock) -> None:
        self.fake = fake
        self.clock = clock
        self.sent: list[tuple[str, str, list[int]]] = []
        fake.messages.listeners.append(self._record)

    def _record(self, message: StoredMessage, what: str) -> None:
        nonce = message.sent.get("nonce")
        if what != "create" or message.origin != "channel" or not nonce:
            return
        channel = self.fake.world.channels[message.channel_id]
        if channel.recipient_ids:  # a DM
            who = list(channel.recipient_ids)
        else:
            users = (message.sent.get("allowed_mentions") or {}).get("users") or []
            who = [int(u) for u in users]
        self.sent.append((str(nonce), self.clock.now().isoformat(), who))

    async def handle(self, request: dict[str, Any]) -> Any:
        op = request["op"]
        fake = self.fake
        if op == "clock":
            self.clock.set(datetime.now(UTC) + timedelta(seconds=request["offset"]))
            return None
        if op == "world":
            guild = fake.add_guild(request["guild"])
            return {
                "guild": guild,
                "channels": [fake.add_channel(guild, name) for name in request["channels"]],
                "members": [
                    fake.add_member(guild, f"member-{n}") for n in range(request["members"])
                ],
            }
        if op == "slash":
            handle = await fake.slash(
                request["guild"],
                request["channel"],
                request["user"],
                request["command"],
                request.get("options") or {},
            )
            return (await handle.response(timeout=30)).content
        if op == "end_past_events":
            now = self.clock.now()
            for event in fake.scheduled_events(request["guild"]):
                end = event.get("scheduled_end_time")
                if event.get("status") in (1, 2) and end and datetime.fromisoformat(end) <= now:
                    event["status"] = 3
                    fake.world.emit("GUILD_SCHEDULED_EVENT_UPDATE", event, request["guild"])
            return None
        if op == "events":
            return len(fake.scheduled_events(request["guild"]))
        if op == "sent":
            return self.sent
        raise ValueError(f"unknown op {op!r}")


async def serve(token: str, offset: float) -> None:
    clock = ShiftedClock(datetime.now(UTC) + timedelta(seconds=offset))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout

    def say(value: Any) -> None:
        out.write(json.dumps(value) + "\n")
        out.flush()

    async with FakeDiscord(token=token, clock=clock.now) as fake:
        driver = _Fake(fake, clock)
        say({"api_base": fake.api_base, "gateway": fake.gateway_url})
        while line := await reader.readline():
            request = json.loads(line)
            if request["op"] == "stop":
                say({"ok": None})
                break
            try:
                say({"ok": await driver.handle(request)})
            except Exception as error:  # the driver raises it on its side
                say({"error": f"{type(error).__name__}: {error}"})


class FakeProcess:
    """``async with FakeProcess(token, clock) as fake``: the fake in a child process, its clock
    moved with ``clock`` by :meth:`set_clock`; :meth:`call` sends one request."""

    def __init__(self, token: str, clock: ShiftedClock) -> None:
        self.token = token
        self.clock = clock
        self.api_base = self.gateway = ""
        self._child: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> FakeProcess:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        self._child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fake_process",
            "--token",
            self.token,
            "--offset",
            repr(self._offset()),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        first = json.loads(await self._read())
        self.api_base, self.gateway = first["api_base"], first["gateway"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        child = self._child
        if child is None:
            return
        try:
            await asyncio.wait_for(self.call("stop"), 10)
        except Exception:
            child.kill()
        await child.wait()

    def _offset(self) -> float:
        return (self.clock.now() - datetime.now(UTC)).total_seconds()

    async def _read(self) -> bytes:
        assert self._child is not None and self._child.stdout is not None
        line = await self._child.stdout.readline()
        if not line:
            raise RuntimeError("the fake's process ended")
        return line

    async def call(self, op: str, **fields: Any) -> Any:
        assert self._child is not None and self._child.stdin is not None
        async with self._lock:
            self._child.stdin.write(json.dumps({"op": op, **fields}).encode() + b"\n")
            await self._child.stdin.drain()
            answer = json.loads(await self._read())
        if "error" in answer:
            raise RuntimeError(f"fake: {answer['error']}")
        return answer["ok"]

    async def set_clock(self, instant: datetime) -> None:
        """Move both clocks to ``instant``: the fake's first, so nothing the bot sends on the
        new time (its scheduler wakes on the jump) is recorded on the old one."""
        offset = instant - datetime.now(UTC)
        await self.call("clock", offset=offset.total_seconds())
        self.clock.set(instant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--offset", type=float, default=0.0, help="now = real time + this (s)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("discord").setLevel(logging.WARNING)
    asyncio.run(serve(args.token, args.offset))


if __name__ == "__main__":
    main()
