"""Injectable clocks: the bot asks a clock for "now", so tests can move time.

The one that moves is ``fakecord.clock.ShiftedClock``; the bot itself only ever runs on real time.
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
