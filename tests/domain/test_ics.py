"""iCalendar export: UTC times, escaping, folding at 75 octets, cancelled status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.domain.ics import party_ics
from bot.domain.parties import Party

SEOUL = timezone(timedelta(hours=9))


def party(**changes) -> Party:
    base = dict(
        id=7,
        guild_id=42,
        channel_id=1,
        host_id=2,
        film_id="lost-in-starlight",
        starts_at=datetime(2025, 5, 30, 21, 0, tzinfo=SEOUL),
        ends_at=datetime(2025, 5, 30, 22, 36, tzinfo=SEOUL),
        zone_key="Asia/Seoul",
        note="",
        reminders=(),
    )
    return Party(**{**base, **changes})


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_times_are_utc_with_z_and_lines_end_in_crlf() -> None:
    text = party_ics(party(), "Lost in Starlight", now=datetime(2025, 5, 20, tzinfo=UTC))
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert "DTSTART:20250530T120000Z" in lines
    assert "DTEND:20250530T133600Z" in lines
    assert "DTSTAMP:20250520T000000Z" in lines
    assert "UID:watchparty-42-7@watchparty-bot" in lines
    assert "SUMMARY:Watch party: Lost in Starlight" in lines
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"


def test_no_runtime_means_two_hours() -> None:
    lines = unfold(party_ics(party(ends_at=None), "X", now=datetime(2025, 5, 20, tzinfo=UTC)))
    assert "DTEND:20250530T140000Z" in lines


def test_text_is_escaped_and_long_lines_folded_without_splitting_characters() -> None:
    note = "Snacks; drinks, and a \\ backslash\nsecond line " + "별" * 60
    text = party_ics(party(note=note), "T", now=datetime(2025, 5, 20, tzinfo=UTC))
    for raw in text.split("\r\n"):
        assert len(raw.encode()) <= 75
        raw.encode().decode()  # every physical line is valid UTF-8 on its own
    [description] = [ln for ln in unfold(text) if ln.startswith("DESCRIPTION:")]
    assert description.startswith("DESCRIPTION:Snacks\\; drinks\\, and a \\\\ backslash\\nsecond")
    assert description.endswith("별" * 60)


def test_cancelled_party_says_so() -> None:
    text = party_ics(party(cancelled=True), "T", now=datetime(2025, 5, 20, tzinfo=UTC))
    assert "STATUS:CANCELLED" in unfold(text)
