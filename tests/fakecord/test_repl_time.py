"""The sandbox's `time` and `wait`: shown only where the sandbox can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fakecord.clock import ShiftedClock
from fakecord.commandline import ReplError
from fakecord.repl import parse_duration, parse_instant
from tests.fakecord.sandbox_helpers import Demo, repl, zones

SEOUL = timezone(timedelta(hours=9), "KST")


class RecordingTime:
    """A TimeMachine that remembers where it was sent."""

    def __init__(self, start: datetime) -> None:
        self.clock = ShiftedClock(start)
        self.moves: list[datetime] = []

    def now(self) -> datetime:
        return self.clock.now()

    async def move_to(self, instant: datetime) -> None:
        self.moves.append(instant)
        self.clock.set(instant)


async def test_time_and_wait_exist_only_with_a_clock(demo: Demo) -> None:
    out = await repl(demo, "help", "time", "wait 1h")
    assert "time [when]" not in out and "wait <duration>" not in out
    assert "I don't know 'time'" in out and "I don't know 'wait'" in out


async def test_time_moves_to_an_instant_read_in_the_members_zone(demo: Demo) -> None:
    clock = RecordingTime(datetime(2026, 1, 1, tzinfo=UTC))
    out = await repl(
        demo, "help", "time 2025-05-29 20:00", clock=clock, viewer_zone=zones(demo, Ada=SEOUL)
    )
    assert "time [when]" in out and "wait <duration>" in out
    assert clock.moves == [datetime(2025, 5, 29, 11, 0, tzinfo=UTC)]
    assert "Going back in time." in out
    assert "It's Thursday, 29 May 2025 20:00 KST in the sandbox." in out


async def test_wait_moves_ahead_and_says_the_new_time(demo: Demo) -> None:
    start = datetime(2025, 5, 29, 12, 0, tzinfo=UTC)
    clock = RecordingTime(start)
    out = await repl(demo, "wait 1d2h30m", clock=clock)
    assert len(clock.moves) == 1
    assert clock.moves[0] - start - timedelta(days=1, hours=2, minutes=30) < timedelta(seconds=5)
    assert "Moving ahead in time…" in out and "Friday, 30 May 2025 14:30 UTC" in out


async def test_bad_times_and_durations_change_nothing(demo: Demo) -> None:
    clock = RecordingTime(datetime(2025, 5, 29, 12, 0, tzinfo=UTC))
    out = await repl(demo, "wait soon", "wait", "time next friday", clock=clock)
    assert clock.moves == []
    assert "Give a duration like 30m, 2h or 1d12h, not 'soon'." in out
    assert "Give a date and time like 2025-05-29 20:00" in out
    assert "Something went wrong" not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90s", timedelta(seconds=90)),
        ("1 h 5 min", timedelta(hours=1, minutes=5)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "5", "2 weeks", "-1h", "99999d"])
def test_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ReplError):
        parse_duration(text)


def test_instants_without_an_offset_are_read_in_the_zone_given_else_utc() -> None:
    assert parse_instant("2025-05-29 20:00", SEOUL) == datetime(2025, 5, 29, 11, tzinfo=UTC)
    assert parse_instant("2025-05-29 20:00", None) == datetime(2025, 5, 29, 20, tzinfo=UTC)
    assert parse_instant("2025-05-29T20:00-04:00", SEOUL) == datetime(2025, 5, 30, tzinfo=UTC)
    assert parse_instant("2025-05-29T20:00Z", SEOUL) == datetime(2025, 5, 29, 20, tzinfo=UTC)
