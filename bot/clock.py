"""Injectable clocks: the bot asks a clock for "now", so tests can move time.

Production runs on ``SystemClock``; tests, benchmarks and the sandbox give the bot
``fakecord.clock.ShiftedClock``, real time from a chosen start that can be set or advanced.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
