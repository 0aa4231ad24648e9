"""Film messages: the info card, cast list, release tables, search results, answers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

import discord

from bot.domain import availability, clock_text, zones
from bot.domain.films import (
    CINEMA_KINDS,
    STREAMING_KINDS,
    CastCredit,
    Film,
    Release,
    SearchHit,
    runtime_text,
)
from bot.domain.releases import Applicable, for_country
from bot.domain.usertext import plain
from bot.render import (
    COLOUR,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_LIMIT,
    EMBED_TOTAL_LIMIT,
    clip,
    country_words,
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
    return listing([plain(film.person(k).name) for k in keys])


def name_in_films(named: tuple[str, list[str]], label: Callable[[str], str], shown: int = 5) -> str:
    """ "Jay is in **A** and **B**." for a person or character several films have (the first
    ``shown`` films; "and other films" when there are more)."""
    name, film_ids = named
    titles = [f"**{plain(label(f))}**" for f in film_ids[:shown]]
    if len(film_ids) > shown:
        titles.append("other films")
    return f"{plain(clip(name, 100))} is in {listing(titles)}."


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
    where = f"{plain(release.platform)}, {', '.join(release.regions)}"
    if release.certification:
        where += f" (rated {plain(release.certification)})"
    tz = zones.zone_from_key(viewer_zone) if viewer_zone else None
    instant = release.instant(tz)
    if release.model == "global":
        text = f"{where}: {timestamp(instant)}"
    else:
        day = clock_text.format_day(release.date, year=True)
        # A worldwide date is each zone's own midnight; a country's is its zones' midnight.
        text = (
            f"{where}: midnight local time on {day}{', in every zone' if release.worldwide else ''}"
        )
    if viewer_zone and tz is not None:
        text += (
            f"\n{label}: {clock_text.format_local(instant, tz)} ({zones.zone_label(viewer_zone)})"
        )
    return text


def _heading(release: Release) -> str:
    return "In cinemas" if release.kind in CINEMA_KINDS else "Streaming"


def viewer_releases(
    film: Film, applies: Applicable, viewer_zone: str | None, label: str = "For you"
) -> list[tuple[str, str]]:
    """(heading, text) of each release that applies to the viewer: in cinemas and streaming,
    soonest first (the heading is "Release" when there is one); where none does, that there is
    no date for their country yet, and the first release known elsewhere."""
    shown = applies.ordered
    if shown:
        return [
            (
                _heading(r) if len(shown) > 1 else "Release",
                f"{release_line(r, viewer_zone, label)} {cite(film, r.sources)}",
            )
            for r in shown
        ]
    where = country_words(applies.country)
    text = f"No release date {where} yet." if applies.country else "No worldwide release date yet."
    if applies.elsewhere is not None:
        other = applies.elsewhere
        line = release_line(other, viewer_zone, label)
        text += f"\nThe first I know: {line} {cite(film, other.sources)}"
    return [("Release", text)]


def info(film: Film, viewer_zone: str | None, country: str | None = None) -> discord.Embed:
    """The /film info card, within Discord's embed limits: the releases that apply in the
    viewer's ``country`` (their zone's, else worldwide ones), in their zone."""
    embed = discord.Embed(title=clip(film.shown_title, 256), colour=COLOUR)
    if film.synopsis:
        first = film.synopsis[0]
        embed.description = clip(
            f"{plain(first.text)} {cite(film, first.sources)}", INFO_DESCRIPTION_LIMIT
        )
    others = list(
        dict.fromkeys(
            t.text for t in film.titles if t.text != film.title and t.kind not in ("misspelling",)
        )
    )
    if others:
        embed.add_field(
            name="Also known as",
            value=clip(" · ".join(plain(t) for t in others), INFO_SHORT_FIELD),
            inline=False,
        )
    if film.releases:
        tz = zones.zone_from_key(viewer_zone) if viewer_zone else None
        for name, text in viewer_releases(film, for_country(film, country, tz), viewer_zone):
            embed.add_field(name=name, value=clip(text, EMBED_FIELD_LIMIT), inline=False)
    footer = []
    if not viewer_zone and film.releases:
        footer.append("Set your zone with /timezone set to see the release in your own clock.")
    if any(s.key == "tmdb" for s in film.sources):
        footer.append(TMDB_NOTICE)
    if footer:
        embed.set_footer(text="\n".join(footer))
    if film.poster:
        embed.set_thumbnail(url=film.poster)
    watch = where_to_watch(film, country)
    if watch:
        embed.add_field(name="Where to watch", value=clip(watch, INFO_SHORT_FIELD), inline=False)
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
        genres = ", ".join(plain(g.name) for g in film.genres)
        embed.add_field(name="Genres", value=clip(genres, INFO_SHORT_FIELD), inline=True)
    embed.add_field(name="Sources", value=clip(source_list(film), EMBED_FIELD_LIMIT), inline=False)
    return fit(embed)


#: TMDB's terms: every product using its API says so, wherever TMDB's data is shown.
TMDB_NOTICE = "This product uses the TMDB API but is not endorsed or certified by TMDB."


def where_to_watch(film: Film, country: str | None) -> str:
    """The providers offering the film in ``country`` (streaming first, then rent and buy),
    crediting JustWatch (whose data TMDB passes on); empty when there are none there."""
    if country is None:
        return ""
    offers = availability.offers_in(film, country)
    if not offers:
        return ""
    text = availability.offer_clause(offers)
    credit = cite(film, offers[0].sources)
    return f"{text[:1].upper()}{text[1:]} (in {country.upper()}, data by JustWatch {credit})"


def cast_lines(
    film: Film, limit: int = 25, budget: int = EMBED_FIELD_LIMIT
) -> tuple[str, list[CastCredit]]:
    """One line per credit, at most ``limit`` lines and ``budget`` characters: whole lines, then
    '…and N more' for the rest; and the credits shown (whose sources the lines cite)."""
    lines: list[str] = []
    shown: list[CastCredit] = []
    used = 0
    for credit in film.cast[:limit]:
        person = plain(film.person(credit.person).name)
        role = f" ({credit.role})" if credit.role != "actor" else ""
        who = f" as {plain(film.character(credit.character).name)}" if credit.character else ""
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
        text = plain(source.cite())
        lines.append(f"[{n}] [{text}]({source.url})" if source.url else f"[{n}] {text}")
    return "\n".join(lines)


def cast(film: Film) -> discord.Embed:
    """The /film cast card: who plays or voices whom, and the sources those lines cite."""
    embed = discord.Embed(title=clip(f"Cast of {film.shown_title}", 256), colour=COLOUR)
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
    country: str | None = None,
) -> discord.Embed:
    """The releases for the viewer in ``country`` (or in the zone they asked about,
    ``zone_given``), then a table of local release times for a list of zones, each read with
    its own country's release."""
    label = "Local time" if zone_given else "For you"
    embed = discord.Embed(title=clip(f"When {film.shown_title} comes out", 256), colour=COLOUR)
    if not film.releases:
        embed.description = "The store doesn't know when this film comes out."
        return embed
    tz = zones.zone_from_key(viewer_zone) if viewer_zone else None
    applies = for_country(film, country, tz)
    blocks = viewer_releases(film, applies, viewer_zone, label)
    embed.description = clip(
        "\n".join(text if len(blocks) == 1 else f"**{name}**: {text}" for name, text in blocks),
        EMBED_DESCRIPTION_LIMIT,
    )
    both = any(r.kind in CINEMA_KINDS for r in film.releases) and any(
        r.kind in STREAMING_KINDS for r in film.releases
    )
    rows = [_table_row(film, key, both) for key in table_zones]
    name = "Local release times in this server" if from_server else "Local release times"
    name += " (🎬 in cinemas, 📺 streaming)" if both else ""
    embed.add_field(name=name, value=clip("\n".join(rows), EMBED_FIELD_LIMIT), inline=False)
    if applies.ordered:
        out = applies.out_at(applies.ordered[0])
        embed.set_footer(
            text="Already out."
            if out <= now
            else "Not out yet: the times above are when it comes out."
        )
    else:
        embed.set_footer(text="Not out yet where you are, as far as I know.")
    return fit(embed)


def _table_row(film: Film, key: str, both: bool) -> str:
    """A zone's row: the first release in its country (its own, else worldwide), in its clock;
    which one it is when the film has releases in cinemas and streaming."""
    tz = zones.zone_from_key(key)
    country = zones.country_of(key)
    applies = for_country(film, country, tz)
    head = f"`{zones.zone_label(key):<22}`"
    if not applies.ordered:
        return f"{head} no date yet"
    release = applies.ordered[0]
    text = f"{head} {clock_text.format_local(applies.out_at(release), tz)}"
    if not both:
        return text
    return f"{text} {'🎬' if release.kind in CINEMA_KINDS else '📺'}"


def search_results(query: str, hits: list[SearchHit], titles: dict[str, str]) -> str:
    """`/film search`: the query as typed (never markup, so a shared answer can't post a masked
    link or a heading), then one line per film found."""
    typed = plain(clip(query, 80))
    if not hits:
        return f"Nothing in the store matches “{typed}”. Try fewer words or another spelling."
    lines = [f"Films matching “{typed}”:"]
    for hit in hits:
        via = "" if hit.kind == "title" else f" (matched {hit.kind}: {plain(hit.matched_name)})"
        lines.append(f"• **{plain(titles[hit.film_id])}**{via}")
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
