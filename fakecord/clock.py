"""A clock for tests and benchmarks: real time, shifted to a chosen "now" and movable.

It fits the bot's ``bot.clock.Clock`` protocol (``now`` and ``on_jump``) without importing the bot,
and ``FakeDiscord(clock=clock.now)`` shares it, so the fake judges times the way the bot does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ShiftedClock:
    """Real time shifted by an offset: it flows at the normal pace but can be set or advanced.

    Timers stay real (APScheduler sleeps real seconds), so a test can put "now" two seconds
    before a premiere and watch the ping arrive on time.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._offset = start - datetime.now(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, instant: datetime) -> None:
        self._offset = instant - datetime.now(UTC)
        for callback in self._listeners:
            callback()

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    def on_jump(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)
