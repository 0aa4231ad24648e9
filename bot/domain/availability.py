"""When and where a film can be seen: the answers to "when is it out (in Mumbai)?", "where can I
watch it?" and "is it on Disney+?", from the stored releases and watch offers. Pure.

Releases are per country (or worldwide) and kind: what applies to a viewer is their country's
own release, else a worldwide one, in cinemas and to stream. Times are shown in the zone the
question names, else the caller's; a ``local_midnight`` release is 00:00 on its date in that zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time, tzinfo

from bot.domain import clock_text, releases, zones
from bot.domain.films import CINEMA_KINDS, OFFER_KINDS, STREAMING_KINDS, Film, Offer, Release
from bot.domain.questions import Places, Question, places, platform_asked, platform_key
from bot.domain.sourced import Answer, names_list, sourced, unknown
from bot.domain.usertext import plain
from bot.errors import UnknownZone

_MAX_COUNTRIES = 8  # countries listed where a film is offered elsewhere
_OFFER_WORDS = {"stream": "", "free": " (free)", "ads": " (with ads)"}
# Where a release is when its platform only names its kind ("Digital").
_UNNAMED = {
    "premiere": "at a premiere",
    "limited": "in cinemas",
    "theatrical": "in cinemas",
    "digital": "streaming",
    "physical": "on disc",
    "tv": "on TV",
}
_HOW = {
    "stream": "to stream",
    "free": "free",
    "ads": "free with ads",
    "rent": "to rent",
    "buy": "to buy",
}


def _key(release: Release) -> tuple[object, ...]:
    return (release.date, release.time or time(0))


def _earliest(releases: Iterable[Release]) -> Release | None:
    return min(releases, key=_key, default=None)


def _in(release: Release, country: str) -> bool:
    return country.upper() in {r.upper() for r in release.regions}


def applicable(film: Film, country: str | None) -> list[Release]:
    """The releases that apply in a country: the earliest in cinemas and the earliest to
    stream, each the country's own else a worldwide one; failing both, its earliest release of
    another kind. Without a country: the worldwide releases, and for cinemas and streaming
    without one, the earliest anywhere. Empty: nothing known for that country."""
    if country is None:
        shown = [r for r in film.releases if r.worldwide]
        for kinds in (CINEMA_KINDS, STREAMING_KINDS):
            if not any(r.kind in kinds for r in shown):
                first = _earliest(r for r in film.releases if r.kind in kinds)
                shown += [first] if first else []
        return sorted(shown or film.releases[:1], key=_key)
    found = releases.for_country(film, country)  # the bot's one rule for cinemas and streaming
    picked = [r for r in (found.cinema, found.streaming) if r is not None]
    if not picked:
        own = [r for r in film.releases if _in(r, country)]
        everywhere = [r for r in film.releases if r.worldwide]
        first = _earliest(own) or _earliest(everywhere)
        picked += [first] if first else []
    return sorted(picked, key=_key)


def _regions(release: Release) -> str:
    return "worldwide" if release.worldwide else ", ".join(release.regions)


def _named(release: Release) -> bool:
    return releases.platform_name(release) is not None


def _what(film: Film, release: Release) -> str:
    """ "**Parasite** opens in cinemas in KR", "**Lost in Starlight** is released on Netflix
    worldwide"."""
    where = "worldwide" if release.worldwide else f"in {', '.join(release.regions)}"
    title = f"**{film.shown_title}**"
    named = _named(release)
    platform = plain(release.platform)
    if release.kind in CINEMA_KINDS:
        extra = [platform] if named else []
        extra += ["limited release"] if release.kind == "limited" else []
        detail = f" ({', '.join(extra)})" if extra else ""
        return f"{title} opens in cinemas{detail} {where}"
    if release.kind == "premiere":
        return f"{title} premieres{f' at {platform}' if named else ''} {where}"
    if release.kind == "physical":
        return f"{title} is out on disc{f' ({platform})' if named else ''} {where}"
    if release.kind == "tv":
        return f"{title} airs on {platform if named else 'TV'} {where}"
    return f"{title} is released {f'on {platform}' if named else 'to stream'} {where}"


# --- "when is it out?" --------------------------------------------------------------------------


def release_answer(
    film: Film, question: Question, caller_zone_key: str | None, country: str | None
) -> Answer:
    """When the film is out in each place the question names, else for the caller: the
    releases that apply there, in that place's zone."""
    if not film.releases:
        return unknown(f"when {film.shown_title} is out")
    named = places(question.text, film)
    lines = _place_notes(named)
    shown: list[Release] = []
    said: set[Release] = set()  # "It's one global release: …" once per release
    targets: list[tuple[str | None, tzinfo | None, str, str | None]] = [
        (p.country, p.zone.tz, f"in {p.zone.key}", p.typed) for p in named.found
    ]
    if not targets:
        tz, where = _caller_zone(caller_zone_key)
        targets = [(country, tz, where, None)]
    for target_country, tz, where, typed in targets:
        releases = applicable(film, target_country)
        if not releases:
            place = f"{plain(typed[:40])} ({target_country})" if typed else target_country
            lines.append(f"The store has no release of **{film.shown_title}** for {place} yet.")
            first = _earliest(film.releases)
            if first is not None and first not in shown:  # said once for every such place
                lines.append(f"The earliest elsewhere: {_elsewhere_line(film, first, tz, where)}")
                shown.append(first)
            continue
        for release in releases:
            lines.append(_release_line(film, release, tz, where, said))
            shown += [release] if release not in shown else []
    if len(named.found) == 0 and country is None and len(shown) < len(film.releases):
        lines.append("(It has releases in more countries: ask “when is it out in Seoul?”.)")
    notes = [f"Note: {r.note}" for r in shown if r.note]
    return sourced(film, "\n".join(lines + notes), [k for r in shown for k in r.sources])


def _place_notes(named: Places) -> list[str]:
    lines = [f"(I couldn't read '{plain(u[:40])}' as a time zone.)" for u in named.unread]
    return lines + [f"({p.zone.note})" for p in named.found if p.zone.note]


def _caller_zone(key: str | None) -> tuple[tzinfo | None, str]:
    if not key:
        return None, ""
    try:
        return zones.zone_from_key(key), f"in your zone ({key})"
    except UnknownZone:
        return None, ""


def _release_line(
    film: Film, release: Release, tz: tzinfo | None, where: str, said: set[Release]
) -> str:
    head = _what(film, release)
    if release.model == "local_midnight" and tz is None:
        return (
            f"{head} at midnight local time on {clock_text.long_date(release.date)}, wherever "
            "you are (set your time zone to see your exact time)."
        )
    instant = release.instant(tz)
    stamp = f"<t:{int(instant.timestamp())}:F>"
    if release.model == "local_midnight" and tz is not None:
        return f"{head} at midnight local time: {clock_text.format_local(instant, tz)} {where} ({stamp})."
    home = zones.zone_from_key(release.zone or "UTC")
    at_home = f"{clock_text.format_local(instant, home)} in {release.zone}"
    if tz is None:
        return f"{head} at {at_home} — {stamp} in your own time."
    line = f"{head} at {clock_text.format_local(instant, tz)} {where} ({stamp})."
    at_its_home = where.endswith(f"({release.zone})") or where == f"in {release.zone}"
    if not at_its_home and release not in said:
        said.add(release)
        line += f" It's one global release: {at_home}."
    return line


def _elsewhere_line(film: Film, release: Release, tz: tzinfo | None, where: str) -> str:
    """A release in another country: its date (its midnight is theirs, not the reader's), or
    for a global release the one instant."""
    if release.model == "local_midnight":
        return f"{_what(film, release)} on {clock_text.long_date(release.date)}."
    return _release_line(film, release, tz, where, set())


# --- "where can I watch it?" / "is it on Disney+?" ----------------------------------------------


def platform_answer(film: Film, question: Question, country: str | None) -> Answer:
    """Where to watch the film in the places the question names, else in the caller's country
    (watch offers first, else the releases' platforms); or whether it is on the platform asked."""
    if not film.releases and not film.offers:
        return unknown(f"where to watch {film.shown_title}")
    named = places(question.text, film)
    # Which zone a place is doesn't matter here, only its country: no "(Korea → Asia/Seoul)".
    notes = [f"(I couldn't read '{plain(u[:40])}' as a place.)" for u in named.unread]
    countries: list[str | None] = [p.country for p in named.found if p.country] or [country]
    asked = platform_asked(question.text, film)
    parts = [_is_on(film, asked, c) if asked else _where(film, c) for c in dict.fromkeys(countries)]
    text = "\n".join(notes + [text for text, _ in parts])
    keys = [k for _, part_keys in parts for k in part_keys]
    if not keys:
        return Answer(text, (), False)
    return sourced(film, text, keys)


_Part = tuple[str, list[str]]  # a line and the source keys behind it


def offers_in(film: Film, country: str | None) -> list[Offer]:
    return [o for o in film.offers if country is None or o.country.upper() == country.upper()]


def offer_clause(offers: Sequence[Offer]) -> str:
    """ "streams on Netflix, Wavve (with ads); rent it on Apple TV; buy it on Google Play"."""
    by_kind = {kind: [o for o in offers if o.kind == kind] for kind in OFFER_KINDS}
    watch = [f"{plain(o.provider)}{_OFFER_WORDS[k]}" for k in _OFFER_WORDS for o in by_kind[k]]
    parts = [f"streams on {', '.join(dict.fromkeys(watch))}"] if watch else []
    for kind in ("rent", "buy"):
        if by_kind[kind]:
            parts.append(
                f"{kind} it on {', '.join(dict.fromkeys(plain(o.provider) for o in by_kind[kind]))}"
            )
    return "; ".join(parts)


def _platforms_clause(releases: Sequence[Release]) -> str:
    """ "streams on Netflix (worldwide, from Friday, 30 May 2025)"; "is in cinemas (KR, from …);
    on Netflix (…)"."""
    items = []
    for r in releases:
        where = f"on {plain(r.platform)}" if _named(r) else _UNNAMED.get(r.kind, "out")
        items.append(f"{where} ({_regions(r)}, from {clock_text.long_date(r.date)})")
    if all(r.kind in STREAMING_KINDS and _named(r) for r in releases):
        return "streams " + "; ".join(items)
    return "is " + "; ".join(items)


def _watchable(film: Film, country: str | None) -> _Part | None:
    """How to watch the film in a country: its offers there, else the platforms of the releases
    that apply (without a country: of every release); None when the store knows neither."""
    offers = offers_in(film, country) if country else []
    if offers:
        return offer_clause(offers), [k for o in offers for k in o.sources]
    releases = applicable(film, country) if country else list(film.releases)
    if releases:
        return _platforms_clause(releases), [k for r in releases for k in r.sources]
    return None


def _where(film: Film, country: str | None) -> _Part:
    """ "In KR, **Parasite** streams on …", or where it is offered when the country has nothing."""
    title = f"**{film.shown_title}**"
    if country is None:
        if film.offers:
            return _offered_in(film, f"{title} is offered in")
        found = _watchable(film, None)
        assert found is not None  # the film has releases or offers
        return f"{title} {found[0]}.", found[1]
    found = _watchable(film, country)
    if found is not None:
        return f"In {country}, {title} {found[0]}.", found[1]
    elsewhere, keys = _elsewhere(film)
    return f"The store doesn't know where to watch {title} in {country}. {elsewhere}", keys


def _elsewhere(film: Film) -> _Part:
    """Where the film is offered (by country), else the platforms of all its releases."""
    if film.offers:
        return _offered_in(film, "It is offered in")
    found = _watchable(film, None)
    assert found is not None  # the film has releases or offers
    return f"It {found[0]}.", found[1]


def _offered_in(film: Film, lead: str) -> _Part:
    """ "<lead> KR (streams on Netflix), US (rent it on Apple TV) and 3 more countries."""
    countries = sorted({o.country.upper() for o in film.offers})[:_MAX_COUNTRIES]
    items = [f"{c} ({offer_clause(offers_in(film, c))})" for c in countries]
    more = len({o.country.upper() for o in film.offers}) - len(countries)
    if more:
        items.append(f"{more} more countries")
    keys = [k for o in film.offers if o.country.upper() in countries for k in o.sources]
    return f"{lead} {names_list(items)}.", keys


def _matches(asked_key: str, name: str) -> bool:
    """ "disneyplus" is "Disney+"; "prime" is "Amazon Prime Video"; "netflix" is "Netflix"."""
    key = platform_key(name)
    if not key or not asked_key:
        return False
    return key == asked_key or (
        min(len(key), len(asked_key)) >= 3 and (key in asked_key or asked_key in key)
    )


def _is_on(film: Film, asked: str, country: str | None) -> _Part:
    """ "Yes — …" when the store has the film on that platform (in that country), "No — <where
    it is>" when it knows where it is instead."""
    key = platform_key(asked)
    title = f"**{film.shown_title}**"
    there = f" in {country}" if country else ""
    offers = [o for o in offers_in(film, country) if _matches(key, o.provider)]
    if offers:
        provider = offers[0].provider
        kinds = ", ".join(_HOW[o.kind] for o in offers if o.provider == provider)
        keys = [k for o in offers for k in o.sources]
        return f"Yes — {title} is on {plain(provider)}{there} ({kinds}).", keys
    on = [
        r
        for r in film.releases
        if _matches(key, r.platform) and (country is None or r.worldwide or _in(r, country))
    ]
    if on:
        r = on[0]
        date = clock_text.long_date(r.date)
        return (
            f"Yes — {title} is on {plain(r.platform)} ({_regions(r)}, from {date}).",
            list(r.sources),
        )
    shown = plain(asked[:40])
    missing = f"The store has no facts about {film.shown_title} on {shown}{there}."
    if country is None:
        where, keys = _where(film, None)
        return f"No — {where} {missing}", keys
    found = _watchable(film, country)
    if found is None:
        elsewhere, keys = _elsewhere(film)
        text = (
            f"The store has no facts about {film.shown_title} on {shown}{there}, nor anywhere to "
            f"watch it there. {elsewhere}"
        )
        return text, keys
    text = f"No — in {country}, {title} {found[0]}. {missing}"
    hits = sorted({o.country.upper() for o in film.offers if _matches(key, o.provider)})
    if hits:
        text += f" It lists it on {shown} in {names_list(hits[:_MAX_COUNTRIES])}."
    keys = found[1] + [
        k
        for o in film.offers
        if o.country.upper() in hits and _matches(key, o.provider)
        for k in o.sources
    ]
    return text, keys
