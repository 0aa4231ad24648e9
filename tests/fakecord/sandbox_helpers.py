"""Driving the sandbox terminal in tests: the demo server with MiniBot, and typed lines."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from datetime import tzinfo

from fakecord import DemoWorld, FakeDiscord, ViewerZone, run_repl
from fakecord.repl import TimeMachine
from tests.fakecord.minibot import MiniBot

#: The fake, the demo server's ids and the connected bot (the ``demo`` fixture).
Demo = tuple[FakeDiscord, DemoWorld, MiniBot]


async def repl(
    demo: Demo,
    *lines: str,
    user: str = "Ada",
    source: AsyncIterable[str] | Iterable[str] | None = None,
    viewer_zone: ViewerZone | None = None,
    clock: TimeMachine | None = None,
) -> str:
    """Everything the sandbox wrote for ``lines`` (or ``source``) typed as ``user``."""
    fake, world, _ = demo
    out: list[str] = []
    await run_repl(
        fake,
        guild_id=world.guild_id,
        channel_id=world.general_id,
        user_id=world.members[user],
        lines=list(lines) if source is None else source,
        write=out.append,
        viewer_zone=viewer_zone,
        clock=clock,
    )
    return "\n".join(out)


def zones(demo: Demo, **by_name: tzinfo) -> ViewerZone:
    """A viewer_zone callback knowing the zones of the named demo members."""
    ids = {demo[1].members[name]: zone for name, zone in by_name.items()}

    async def zone_of(user_id: int) -> tzinfo | None:
        return ids.get(user_id)

    return zone_of
