"""Film messages: the info card, cast list, release tables, search results, answers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

import discord

from bot.domain import clock_text, zones
from bot.domain.films import CastCredit, Film, Release, SearchHit, runtime_text
from bot.domain.usertext import plain
from bot.render import (
    COLOUR,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_LIMIT,
    EMBED_TOTAL_LIMIT,
    clip,
    timestamp,
)

# /film info budgets: with every field full the card still fits 6,000 characters, so a film with
# long texts loses words from its synopsis and credits, not its cast or its sources.
INFO_DESCRIPTION_LIMIT = 1200
INFO_SHORT_FIELD = 300


def cite(film: Film, keys: Iterable[str]) -> str:
    """Footnote marks like [1][2], numbered by the film's source list."""
    order = {s.key: n for n, s in enumerate(film.sources, 1)}
    return "".join(f"[{order[k]}]" for k in dict.fromkeys(keys) if k in order)


def listing(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def people(film: Film, keys: Iterable[str]) -> str:
    return listing([film.person(k).name for k in keys])


def name_in_films(named: tuple[str, list[str]], label: Callable[[str], str], shown: int = 5) -> str:
    """ "Jay is in **A** and **B**." for a person or character several films have (the first
    ``shown`` films; "and other films" when there are more)."""
    name, film_ids = named
    titles = [f"**{label(f)}**" for f in film_ids[:shown]]
    if len(film_ids) > shown:
        titles.append("other films")
    return f"{clip(name, 100)} is in {listing(titles)}."


def credits(film: Film, claims) -> str:
    """One claim: 'Name [1]'. Several: each version with its sources, flagged as a disagreement."""
    if not claims:
        return "unknown"
    if len({tuple(c.people) for c in claims}) == 1:
        keys = [k for c in claims for k in c.sources]
        return f"{people(film, claims[0].people)} {cite(film, keys)}"
    versions = [f"{people(film, c.people)} {cite(film, c.sources)}" for c in claims]
    return "⚠️ Sources disagree: " + " · ".join(versions)


def release_line(release: Release, viewer_zone: str | None, label: str = "For you") -> str:
    """'Netflix, worldwide: <t:…:F>' and on a second line, when a zone is known,
    'For you: 4:00 PM Friday, 30 May 2025 (Asia/Seoul)'."""
    where = f"{release.platform}, {', '.join(release.regions)}"
    tz = zones.zone_from_key(viewer_zone) if viewer_zone else None
    instant = release.instant(tz)
    if release.model == "global":
        text = f"{where}: {timestamp(instant)}"
    else:
        text = f"{where}: midnight local time on {clock_text.format_day(release.date, year=True)}, in every zone"
    if viewer_zone and tz is not None:
        text += (
            f"\n{label}: {clock_text.format_local(instant, tz)} ({zones.zone_label(viewer_zone)})"
        )
    return text


def info(film: Film, viewer_zone: str | None) -> discord.Embed:
    """The /film info card, within Discord's embed limits."""
    embed = discord.Embed(title=clip(film.title, 256), colour=COLOUR)
    if film.synopsis:
        first = film.synopsis[0]
        embed.description = clip(
            f"{first.text} {cite(film, first.sources)}", INFO_DESCRIPTION_LIMIT
        )
    others = [
        t.text for t in film.titles if t.text != film.title and t.kind not in ("misspelling",)
    ]
    if others:
        embed.add_field(
            name="Also known as", value=clip(" · ".join(others), INFO_SHORT_FIELD), inline=False
        )
    for release in film.releases[:3]:
        embed.add_field(
            name="Release",
            value=clip(
                f"{release_line(release, viewer_zone)} {cite(film, release.sources)}",
                EMBED_FIELD_LIMIT,
            ),
            inline=False,
        )
    if not viewer_zone and film.releases:
        embed.set_footer(
            text="Set your zone with /timezone set to see the release in your own clock."
        )
    if film.runtime:
        runtimes = " · ".join(
            f"{runtime_text(r.minutes)} {cite(film, r.sources)}" for r in film.runtime
        )
        embed.add_field(name="Runtime", value=clip(runtimes, INFO_SHORT_FIELD), inline=True)
    embed.add_field(
        name="Director", value=clip(credits(film, film.directors), INFO_SHORT_FIELD), inline=True
    )
    embed.add_field(
        name="Writers", value=clip(credits(film, film.writers), INFO_SHORT_FIELD), inline=False
    )
    if film.cast:
        lines, _ = cast_lines(film, limit=8, budget=EMBED_FIELD_LIMIT)
        embed.add_field(name="Cast", value=lines, inline=False)
    if film.genres:
        genres = ", ".join(g.name for g in film.genres)
        embed.add_field(name="Genres", value=clip(genres, INFO_SHORT_FIELD), inline=True)
    embed.add_field(name="Sources", value=clip(source_list(film), EMBED_FIELD_LIMIT), inline=False)
    return fit(embed)


def cast_lines(
    film: Film, limit: int = 25, budget: int = EMBED_FIELD_LIMIT
) -> tuple[str, list[CastCredit]]:
    """One line per credit, at most ``limit`` lines and ``budget`` characters: whole lines, then
    '…and N more' for the rest; and the credits shown (whose sources the lines cite)."""
    lines: list[str] = []
    shown: list[CastCredit] = []
    used = 0
    for credit in film.cast[:limit]:
        person = film.person(credit.person).name
        role = f" ({credit.role})" if credit.role != "actor" else ""
        who = f" as {film.character(credit.character).name}" if credit.character else ""
        line = f"**{person}**{who}{role} {cite(film, credit.sources)}"
        if used + len(line) + 1 > budget - 24:  # room for the "…and N more" line
            if lines:
                break
            line = clip(line, budget - 24)
        lines.append(line)
        shown.append(credit)
        used += len(line) + 1
    if len(film.cast) > len(lines):
        lines.append(f"…and {len(film.cast) - len(lines)} more")
    return "\n".join(lines) or "The store has no cast for this film.", shown


def source_list(film: Film, keys: Collection[str] | None = None) -> str:
    """The film's numbered sources (only those in ``keys``, when given; numbers stay the film's,
    so they match the marks :func:`cite` writes)."""
    lines = []
    for n, source in enumerate(film.sources, 1):
        if keys is not None and source.key not in keys:
            continue
        text = source.cite()
        lines.append(f"[{n}] [{text}]({source.url})" if source.url else f"[{n}] {text}")
    return "\n".join(lines)


def cast(film: Film) -> discord.Embed:
    """The /film cast card: who plays or voices whom, and the sources those lines cite."""
    embed = discord.Embed(title=clip(f"Cast of {film.title}", 256), colour=COLOUR)
    embed.description, shown = cast_lines(film, budget=EMBED_DESCRIPTION_LIMIT)
    cited = {key for credit in shown for key in credit.sources}
    if cited:
        embed.add_field(
            name="Sources", value=clip(source_list(film, cited), EMBED_FIELD_LIMIT), inline=False
        )
    return fit(embed)


def release_table(
    film: Film,
    viewer_zone: str | None,
    table_zones: Iterable[str],
    from_server: bool,
    now: datetime,
    *,
    zone_given: bool = False,
) -> discord.Embed:
    """The release for the viewer (or in the zone they asked about, ``zone_given``), then a
    table of local release times for a list of zones."""
    label = "Local time" if zone_given else "For you"
    embed = discord.Embed(title=clip(f"When {film.title} comes out", 256), colour=COLOUR)
    if not film.releases:
        embed.description = "The store doesn't know when this film comes out."
        return embed
    release = film.releases[0]
    embed.description = f"{release_line(release, viewer_zone, label)} {cite(film, release.sources)}"
    rows = []
    for key in table_zones:
        tz = zones.zone_from_key(key)
        instant = release.instant(tz)
        rows.append(f"`{zones.zone_label(key):<22}` {clock_text.format_local(instant, tz)}")
    label = "Local release times in this server" if from_server else "Local release times"
    embed.add_field(name=label, value=clip("\n".join(rows), EMBED_FIELD_LIMIT), inline=False)
    out = release.instant(zones.zone_from_key(viewer_zone) if viewer_zone else None)
    embed.set_footer(
        text="Already out." if out <= now else "Not out yet: the times above are when it comes out."
    )
    for extra in film.releases[1:3]:
        embed.add_field(
            name="Also",
            value=clip(release_line(extra, viewer_zone, label), EMBED_FIELD_LIMIT),
            inline=False,
        )
    return fit(embed)


def search_results(query: str, hits: list[SearchHit], titles: dict[str, str]) -> str:
    """`/film search`: the query as typed (never markup, so a shared answer can't post a masked
    link or a heading), then one line per film found."""
    typed = plain(clip(query, 80))
    if not hits:
        return f"Nothing in the store matches “{typed}”. Try fewer words or another spelling."
    lines = [f"Films matching “{typed}”:"]
    for hit in hits:
        via = "" if hit.kind == "title" else f" (matched {hit.kind}: {hit.matched_name})"
        lines.append(f"• **{titles[hit.film_id]}**{via}")
    return clip("\n".join(lines), 2000)


def fit(embed: discord.Embed, keep: tuple[str, ...] = ("Sources",)) -> discord.Embed:
    """Drop trailing fields (``keep`` ones last) until the embed fits Discord's 6,000-character
    total: a card without its sources would state facts with nothing to check them against."""
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        droppable = [i for i, f in enumerate(embed.fields) if f.name not in keep]
        embed.remove_field(droppable[-1] if droppable else len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        excess = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = clip(embed.description, max(1, len(embed.description) - excess))
    return embed
