"""Injectable clocks: the bot asks a clock for "now" so tests and the sandbox can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def on_jump(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the clock jumps (so timers can be re-armed)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def on_jump(self, callback: Callable[[], None]) -> None:
        pass  # real time never jumps (as far as we are concerned)


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
