"""A film a server adds itself (`/film add`'s form), for films no catalogue has. Pure.

Every fact cites one source: "added by <member> in <server>, <date>". The film's id names its
server and hashes its exact title (``g<server id>-<slug of the title>-<6 hex>``), so it can
never clash with a curated film or a TMDB one, two servers may each add their own "Club Night",
and titles that slug alike ("Club Night!" and "Club Night?", or two Hangul titles, which slug
to nothing) still get ids of their own.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime, time

from bot.domain import zones
from bot.domain.filmmodel import Film, Name, Release, RuntimeClaim, Source, TextClaim, slug
from bot.errors import BadOption

MAX_TITLE = 100
MAX_SYNOPSIS = 1000
SOURCE_KEY = "added"
#: What a title may not hold: it is shown in many messages, in bold, as the film's name.
_MARKUP = frozenset("[]<>@`*_~|#\\")
_RELEASE = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(?P<time>\d{1,2}:\d{2}))?(?:\s+(?P<zone>.+))?"
)


def film_id(guild_id: int, title: str) -> str:
    """The id of a server's own film: ``g<guild>-<slug>-<hash>``, the same for the same title
    (spaces and Unicode normal form aside), different for any other."""
    exact = unicodedata.normalize("NFC", " ".join(title.split()))
    readable = slug(exact)[:60].strip("-") or "film"
    # The slug only makes the id readable; the hash is what tells titles apart.
    digest = hashlib.sha256(exact.encode()).hexdigest()[:6]
    return f"g{guild_id}-{readable}-{digest}"


def own_film(
    *,
    guild_id: int,
    title: str,
    release: str = "",
    runtime: str = "",
    synopsis: str = "",
    zone_key: str | None,
    member: str,
    server: str,
    today: date,
) -> tuple[Film, list[str]]:
    """The film the form describes, and notes for the member (a zone assumed, …). BadOption
    names the first field that can't be read; nothing is kept then."""
    title = " ".join(title.split())
    if not 1 <= len(title) <= MAX_TITLE:
        raise BadOption(f"A title needs 1 to {MAX_TITLE} characters.")
    marks = sorted(set(title) & _MARKUP)
    if marks:
        raise BadOption(
            f"A title can't contain {' '.join(f'`{m}`' for m in marks)}: in messages they "
            "would format text, make links or ping people."
        )
    # Kept as typed: every catalogue text is escaped where it is shown (render, answers).
    source = Source(SOURCE_KEY, f"added by {member} in {server}", date=today)
    cites = (SOURCE_KEY,)
    notes: list[str] = []
    releases = (_release(release.strip(), zone_key, cites, notes),) if release.strip() else ()
    minutes = _minutes(runtime.strip())
    text = synopsis.strip()
    if len(text) > MAX_SYNOPSIS:
        raise BadOption(f"A synopsis can have at most {MAX_SYNOPSIS} characters.")
    film = Film(
        id=film_id(guild_id, title),
        path=f"server:{guild_id}",
        sources=(source,),
        titles=(Name(title, "english", cites),),
        synopsis=(TextClaim(text, cites),) if text else (),
        releases=releases,
        runtime=(RuntimeClaim(minutes, cites),) if minutes else (),
    )
    return film, notes


def _minutes(text: str) -> int | None:
    if not text:
        return None
    found = re.fullmatch(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m?(?:in(?:utes?)?)?)?", text.lower())
    if not found or not any(found.groups()):
        raise BadOption(
            f"I can't read the runtime '{text[:20]}'. Give minutes, like `96` or `1h 36m`."
        )
    total = int(found.group(1) or 0) * 60 + int(found.group(2) or 0)
    if not 1 <= total <= 2000:
        raise BadOption("A runtime is 1 to 2000 minutes.")
    return total


def _release(text: str, zone_key: str | None, cites: tuple[str, ...], notes: list[str]) -> Release:
    """A date (out at local midnight everywhere, like a streaming release) or a date, time and
    zone (one instant everywhere, like a screening)."""
    found = _RELEASE.fullmatch(" ".join(text.split()))
    if found is None:
        raise BadOption(
            f"I can't read the release '{text[:40]}'. Write a date, like `2026-12-24`, or a date "
            "and time with a zone, like `2026-12-24 20:00 Seoul`."
        )
    try:
        day = date.fromisoformat("-".join(p.zfill(2) for p in found.group("date").split("-")))
    except ValueError:
        raise BadOption(f"'{found.group('date')}' is not a real date.") from None
    if found.group("time") is None:
        if found.group("zone"):
            raise BadOption("Give a time with the zone, like `2026-12-24 20:00 Seoul`.")
        return Release("Release", ("worldwide",), "local_midnight", day, None, None, cites)
    hour, minute = map(int, found.group("time").split(":"))
    if hour > 23 or minute > 59:
        raise BadOption(f"'{found.group('time')}' is not a time of day.")
    zone_text = found.group("zone")
    if zone_text:
        match = zones.resolve_zone(zone_text)
        key, tz = match.key, match.tz
        notes += [n for n in (match.note, match.warning) if n]
    elif zone_key is not None:
        key, tz = zone_key, zones.zone_from_key(zone_key)
        notes.append(f"Read the release time in {zones.zone_label(key)}.")
    else:
        raise BadOption(
            "Which zone is that time in? Add one, like `2026-12-24 20:00 Seoul`, or set yours "
            "with `/timezone set`."
        )
    instant = zones.localize(datetime.combine(day, time(hour, minute)), tz).instant_utc
    # Kept in UTC: an offset like UTC+9 is not a zone a Release can name.
    utc = instant.astimezone(UTC)
    return Release(
        "Screening",
        ("worldwide",),
        "global",
        utc.date(),
        utc.time(),
        "UTC",
        cites,
        kind="theatrical",
    )
