"""iCalendar (RFC 5545) export of a watch party: times in UTC, text escaped, lines folded."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.parties import ASSUMED_RUNTIME, Party


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold at 75 octets as RFC 5545 asks, never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def party_ics(party: Party, film_title: str, *, now: datetime) -> str:
    end = party.ends_at or party.starts_at + ASSUMED_RUNTIME
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//watchparty-bot//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:watchparty-{party.guild_id}-{party.id}@watchparty-bot",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(party.starts_at)}",
        f"DTEND:{_utc(end)}",
        f"SUMMARY:{_escape(f'Watch party: {film_title}')}",
    ]
    if party.note:
        lines.append(f"DESCRIPTION:{_escape(party.note)}")
    if party.cancelled:
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
