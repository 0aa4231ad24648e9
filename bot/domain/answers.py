"""Answer plain questions about a film from the store's facts, naming the sources; never guess.

Pure: no discord, no SQL. ``answer`` recognises the question's topic with keyword rules, reads
the matching claims from the Film and writes a short reply that cites every source it used.
When the store has no facts on the topic the reply says so plainly and ``known`` is False.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from bot.domain import clock_text, zones
from bot.domain.films import (
    Character,
    CreditClaim,
    Film,
    Person,
    Release,
    Source,
    compact,
    normalize,
    runtime_text,
)
from bot.domain.layered import NameIndex
from bot.domain.usertext import plain
from bot.errors import UnknownZone


@dataclass(frozen=True)
class Answer:
    text: str
    sources: tuple[Source, ...]
    known: bool


# Topics people ask about that film files don't record (yet): answered with "I don't know".
_UNRECORDED = (
    (r"music|composer|composed|score|soundtrack|song|songs|ost", "music"),
    (r"budget|cost|box office|gross|earned|revenue", "budget or box office"),
    (r"rating|rated|age rating|pg|imdb|rotten|metacritic|score out", "ratings"),
    (r"studio|studios|produced|producer|producers|production", "production"),
    (r"award|awards|oscar|oscars|nominated|nomination|won", "awards"),
    (r"sequel|prequel|season 2|part 2", "sequels"),
    (r"trailer|trailers|teaser", "trailers"),
    (r"language|languages|subtitles|subtitled|dubbed|dub", "languages or subtitles"),
)
_CAST_WORDS = (
    r"voice|voices|voiced|voicing|play|plays|played|playing|role|roles|character|"
    r"characters|cast|star|stars|starring|actor|actors|actress|lends|who is in"
)
_RULES = {
    "writers": r"wrote|write|writes|writer|writers|written|screenplay|screenwriter|script",
    "directors": r"direct|directed|directs|director|directors|directing|helmed",
    "setting": r"set|setting|takes place|take place|located",
    "runtime": r"how long|runtime|run time|running time|length|duration|minutes|hours",
    "release": r"when|what time|release|released|releases|out|premiere|premieres|drop|drops|"
    r"launch|launches|arrive|arrives|debut|air|airs|date",
    "platform": r"platform|service|streaming|streamed|stream it|watch it|where (?:can|do|to) "
    r"(?:i |we |you )?(?:watch|stream|see)|is it on|on netflix|available on|available in",
    "genres": r"genre|genres|kind of film|kind of movie|type of film|type of movie|what sort",
    "synopsis": r"about|plot|story|synopsis|premise|summary|summarise|summarize|happens",
    "titles": r"title|titles|called|korean name|original name|name in korean",
    "quotes": r"quote|quotes|said|say|says|praise|praised|review|reviews",
    "facts": r"fact|facts|trivia|notable|interesting|know about",
}
_RULE_RES = {topic: re.compile(rf"\b(?:{words})\b") for topic, words in _RULES.items()}
_UNRECORDED_RES = tuple((re.compile(rf"\b(?:{words})\b"), topic) for words, topic in _UNRECORDED)
_CAST_RE = re.compile(rf"\b(?:{_CAST_WORDS})\b")
_SET_TO_RELEASE = re.compile(r"\bset to (?:release|premiere|come|drop|arrive|debut|launch)")
# Words separated by required spaces: no ambiguous splits, so no runaway backtracking.
_ZONE_PHRASE = re.compile(
    r"\b(?:in|for|at)\s+([\w/+:.'-]+(?:\s+[\w/+:.'-]+){0,3}?)(?:\s+time)?\s*[?!.]*$",
    re.IGNORECASE,
)
_MAX_QUESTION = 300  # longer questions are cut: keeps every pattern below cheap
_MAX_WORDS = 40
_MAX_FUZZY_RUNS = 24
_CALLER_ZONE_WORDS = frozenset(
    {
        "my time",
        "your time",
        "local time",
        "my zone",
        "my timezone",
        "my time zone",
        "local",
        "my",
        "me",
        "us",
        "you",
    }
)
_ON_PLATFORM = re.compile(r"\bon\s+([\w+ .&-]+?)\s*[?!.]*$", re.IGNORECASE)
_NAME_AFTER_VERB = re.compile(
    r"\b(?:voices?|voiced|plays?|played|playing|voice of|role of)"
    r"\s+(.+?)\s*[?!.]*$",
    re.IGNORECASE,
)
_ROLE_VERB = {
    "voice": "voiced by",
    "actor": "played by",
    "narrator": "narrated by",
    "cameo": "played (in a cameo) by",
}
_ROLE_DOES = {
    "voice": "voices",
    "actor": "plays",
    "narrator": "narrates",
    "cameo": "has a cameo as",
}
_CAPABILITIES = (
    "I can tell you when and where it's out, how long it is, who directed or wrote "
    "it, who voices or plays whom, what it's about, where and when it's set, its "
    "genres and where to watch it."
)


def answer(question: str, film: Film, *, caller_zone_key: str | None) -> Answer:
    """Answer a plain question about film from its stored facts, citing the sources used."""
    question = question[:_MAX_QUESTION]
    norm = normalize(question)
    for pattern, topic in _UNRECORDED_RES:
        if pattern.search(norm):
            return _unknown(f"{_possessive(film.title)} {topic}")
    wants = {topic for topic, pattern in _RULE_RES.items() if pattern.search(norm)}
    if _SET_TO_RELEASE.search(norm):
        wants.discard("setting")
        wants.add("release")
    if "writers" in wants or "directors" in wants:
        return _join([_credits(film, t) for t in ("directors", "writers") if t in wants])
    characters = _mentioned(norm, film.characters)
    people = _mentioned(norm, film.people)
    cast_words = _CAST_RE.search(norm) is not None
    if cast_words or ((characters or people) and norm.startswith(("who", "tell me about"))):
        return _cast(film, question, characters, people, describe=not cast_words)
    if "setting" in wants:
        return _setting(film)
    if "runtime" in wants:
        return _runtime(film)
    if "release" in wants:
        return _release(film, question, caller_zone_key)
    if "platform" in wants:
        return _platform(film, question, norm)
    for topic in ("quotes", "titles", "genres", "synopsis", "facts"):
        if topic in wants:
            return _TOPIC_ANSWERS[topic](film)
    return Answer(
        f"I don't know that — the store has no facts that answer "
        f"“{plain(question.strip()[:200])}”. {_CAPABILITIES}",
        (),
        False,
    )


# --- finding things in the question -------------------------------------------------------------


def _ngrams(words: Sequence[str], longest: int) -> Iterable[tuple[int, int, str]]:
    """(start, length, compact text) for every run of up to ``longest`` words, longest first."""
    for n in range(min(longest, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            yield i, n, "".join(words[i : i + n])


def _mentioned(
    norm: str, things: Sequence[Person] | Sequence[Character]
) -> list[tuple[Person | Character, str]]:
    """Which of the film's people or characters the question names, with the spelling used.

    Matching ignores case, accents, hyphens and spaces ("na young" finds Nan-young via its
    variant "Na Young"); a name of 5+ letters may also be off by one letter.
    """
    words = norm.split()
    keyed = {compact(name): (thing, name) for thing in things for name in thing.names}
    found: dict[str, tuple[Person | Character, str]] = {}
    for _, _, text in _ngrams(words, 4):
        hit = keyed.get(text)
        if hit is None and len(text) >= 5:
            hit = next((v for k, v in keyed.items() if len(k) >= 5 and _one_edit(text, k)), None)
        if hit is not None and hit[0].key not in found:
            found[hit[0].key] = hit
    return list(found.values())


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


_QUESTION_WORDS = frozenset(
    "when what whats where who whos how is it its out does did do was will be in on at for the "
    "a an of to and time long movie film release released come comes coming watch voices voice "
    "plays play directed wrote written about set genre genres netflix premiere runtime".split()
)


def find_film_in_question(question: str, index: NameIndex) -> str | None:
    """The film a question names ("when is lost is starlight out in seoul?"), or None.

    First the longest run of words that is exactly (after normalising) a known title or alias;
    then a person or character only one film has ("who voices Jay?"); then a confident
    typo-tolerant title match on runs of 2-6 words that don't start or end with a question word.
    """
    words = _question_words(question)
    phrases = _phrases(words)
    for find in (index.exact_film, index.film_of_person):
        for phrase in phrases:
            film_id = find(phrase)
            if film_id is not None:
                return film_id
    best: tuple[float, str] | None = None
    runs = [
        words[i : i + n]
        for i, n, _ in _ngrams(words, 6)
        if n >= 2 and words[i] not in _QUESTION_WORDS and words[i + n - 1] not in _QUESTION_WORDS
    ]
    for run in runs[:_MAX_FUZZY_RUNS]:  # longest runs first; each costs about a millisecond
        found = index.best_match(" ".join(run))
        if found is not None and (best is None or found[1] > best[0]):
            best = (found[1], found[0])
    return best[1] if best else None


def name_in_question(question: str, index: NameIndex) -> tuple[str, list[str]] | None:
    """(name, some of its films) for the first person or character the question names, longest
    phrase first: to say which films a question without a film could mean."""
    for phrase in _phrases(_question_words(question)):
        found = index.person_films(phrase)
        if found is not None:
            return found
    return None


def _question_words(question: str) -> list[str]:
    return normalize(question[:_MAX_QUESTION]).split()[:_MAX_WORDS]


def _phrases(words: Sequence[str]) -> list[str]:
    """Every run of up to 8 words, longest first, without single question words."""
    return [
        " ".join(words[i : i + n])
        for i, n, _ in _ngrams(words, 8)
        if n > 1 or words[i] not in _QUESTION_WORDS
    ]


# --- the answers --------------------------------------------------------------------------------


def _unknown(what: str) -> Answer:
    return Answer(f"I don't know that — the store has no facts about {what}.", (), False)


def _possessive(title: str) -> str:
    return f"{title}'" if title.endswith("s") else f"{title}'s"


def _cite(film: Film, keys: Iterable[str]) -> str:
    return "; ".join(s.cite() for s in film.sources_of(keys))


def _sourced(film: Film, text: str, keys: Iterable[str]) -> Answer:
    keys = list(dict.fromkeys(keys))
    label = "Source" if len(keys) == 1 else "Sources"
    return Answer(f"{text}\n{label}: {_cite(film, keys)}.", film.sources_of(keys), True)


def _join(parts: Sequence[Answer]) -> Answer:
    if len(parts) == 1:
        return parts[0]
    sources = tuple(dict.fromkeys(s for part in parts for s in part.sources))
    return Answer("\n\n".join(p.text for p in parts), sources, all(p.known for p in parts))


def _names(film: Film, keys: Sequence[str]) -> str:
    names = [film.person(k).name for k in keys]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _credits(film: Film, topic: str) -> Answer:
    claims: tuple[CreditClaim, ...] = getattr(film, topic)
    verb = "directed" if topic == "directors" else "wrote"
    if not claims:
        return _unknown(f"who {verb} {film.title}")
    versions = {frozenset(c.people) for c in claims}
    if len(versions) == 1:
        keys = [k for c in claims for k in c.sources]
        past = "directed" if topic == "directors" else "written"
        return _sourced(
            film, f"**{film.title}** was {past} by {_names(film, claims[0].people)}.", keys
        )
    lines = [f"The sources disagree about who {verb} **{film.title}**:"]
    for claim in claims:
        alone = " alone" if len(claim.people) == 1 else ""
        note = f" ({claim.note.rstrip('.')})" if claim.note else ""
        lines.append(
            f"• {_names(film, claim.people)}{alone}{note} — per {_cite(film, claim.sources)}"
        )
    keys = [k for c in claims for k in c.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


def _cast(
    film: Film,
    question: str,
    characters: list[tuple[Person | Character, str]],
    people: list[tuple[Person | Character, str]],
    *,
    describe: bool,
) -> Answer:
    """Who voices/plays a character, whom a person voices/plays, or the whole cast; for "who is
    <character>" also the character's descriptions."""
    if characters:
        character, spelled = characters[0]
        assert isinstance(character, Character)
        credits = [c for c in film.cast if c.character == character.key]
        shown = character.name
        if compact(spelled) != compact(character.name):
            shown = f"{character.name} (also spelled {spelled})"
        lines, keys = [], []
        if describe and character.descriptions:
            lines += [
                f"{shown}: {d.text} (per {_cite(film, d.sources)})" for d in character.descriptions
            ]
            keys += [k for d in character.descriptions for k in d.sources]
        if not credits and not lines:
            return _unknown(f"who voices or plays {character.name}")
        if credits:
            text = "; ".join(
                f"{shown} is {_ROLE_VERB[c.role]} {film.person(c.person).name}" for c in credits
            )
            if people and people[0][0].key not in {c.person for c in credits}:
                text += f". The store has no facts about {people[0][0].name} in that role"
            lines.append(f"{text} in **{film.title}**.")
            keys += [k for c in credits for k in c.sources]
        return _sourced(film, "\n".join(lines), keys)
    if people:
        person, _ = people[0]
        credits = [c for c in film.cast if c.person == person.key]
        if not credits:
            jobs = [
                job
                for job, claims in (("director", film.directors), ("writer", film.writers))
                if any(person.key in c.people for c in claims)
            ]
            extra = f" (the store lists them as {' and '.join(jobs)})" if jobs else ""
            return Answer(
                f"I don't know that — the store has no facts about a role for "
                f"{person.name} in {film.title}{extra}.",
                (),
                False,
            )
        parts = []
        for c in credits:
            role = film.character(c.character).name if c.character else "an uncredited part"
            parts.append(f"{person.name} {_ROLE_DOES[c.role]} {role}")
        keys = [k for c in credits for k in c.sources]
        return _sourced(film, f"{'; '.join(parts)} in **{film.title}**.", keys)
    named = _NAME_AFTER_VERB.search(question)
    asked = named.group(1).strip() if named else ""
    if asked and normalize(asked) not in {
        "",
        "it",
        "in it",
        "in this",
        "in the film",
        "in the movie",
        "in this film",
        "in this movie",
    }:
        return _unknown(f"a character or person called '{plain(asked[:60])}' in {film.title}")
    if not film.cast:
        return _unknown(f"the cast of {film.title}")
    parts = []
    for c in film.cast:
        role = f" as {film.character(c.character).name}" if c.character else ""
        parts.append(f"{film.person(c.person).name}{role}")
    kind = "Voice cast" if all(c.role == "voice" for c in film.cast) else "Cast"
    keys = [k for c in film.cast for k in c.sources]
    return _sourced(film, f"{kind} of **{film.title}**: {'; '.join(parts)}.", keys)


def _setting(film: Film) -> Answer:
    if not film.setting:
        return _unknown(f"where or when {film.title} is set")
    places = [s for s in film.setting if s.aspect == "place"]
    times = [s for s in film.setting if s.aspect == "time"]
    text = f"**{film.title}** is set"
    if places:
        text += " in " + " / ".join(s.value for s in places)
    if times:
        text += (", in " if places else " in ") + " / ".join(s.value for s in times)
    return _sourced(film, text + ".", [k for s in film.setting for k in s.sources])


def _runtime(film: Film) -> Answer:
    if not film.runtime:
        return _unknown(f"how long {film.title} is")
    values = {c.minutes for c in film.runtime}
    if len(values) == 1:
        minutes = film.runtime[0].minutes
        return _sourced(
            film,
            f"**{film.title}** runs {runtime_text(minutes)} ({minutes} minutes).",
            [k for c in film.runtime for k in c.sources],
        )
    lines = [f"The sources disagree about how long **{film.title}** is:"]
    lines += [f"• {runtime_text(c.minutes)} — per {_cite(film, c.sources)}" for c in film.runtime]
    return Answer(
        "\n".join(lines), film.sources_of(k for c in film.runtime for k in c.sources), True
    )


def _regions(release: Release) -> str:
    return "worldwide" if release.worldwide else ", ".join(release.regions)


def _platform(film: Film, question: str, norm: str) -> Answer:
    if not film.releases:
        return _unknown(f"where to watch {film.title}")
    platforms = {compact(r.platform): r for r in film.releases}
    named = _ON_PLATFORM.search(question)
    asked = named.group(1).strip() if named else ""
    asked_key = compact(asked)
    if asked_key and asked_key not in {"it", "there", "now"}:
        match = platforms.get(asked_key) or next(
            (r for k, r in platforms.items() if k in compact(norm)), None
        )
        if match is None:
            known = ", ".join(dict.fromkeys(r.platform for r in film.releases))
            return Answer(
                f"I don't know that — the store has no facts about {film.title} on "
                f"{plain(asked[:40])}. It only records: {known}.",
                (),
                False,
            )
        text = (
            f"Yes — **{film.title}** is on {match.platform} ({_regions(match)}, "
            f"from {clock_text.long_date(match.date)})."
        )
        return _sourced(film, text, match.sources)
    lines = [
        f"{r.platform} ({_regions(r)}, from {clock_text.long_date(r.date)})" for r in film.releases
    ]
    return _sourced(
        film,
        f"**{film.title}** is on {'; '.join(lines)}.",
        [k for r in film.releases for k in r.sources],
    )


def _question_zone(question: str, film: Film) -> tuple[zones.ZoneMatch | None, str | None]:
    """The zone a question asks for ("... in Seoul", "in New York time"), ignoring the film's own
    titles; returns (match, text that named no zone)."""
    text = question
    for title in film.titles:
        text = re.sub(re.escape(title.text), " ", text, flags=re.IGNORECASE)
    found = _ZONE_PHRASE.search(text.strip())
    if not found:
        return None, None
    phrase = found.group(1).strip()
    if normalize(phrase) in _CALLER_ZONE_WORDS:
        return None, None
    words = phrase.split()
    for start in range(len(words)):  # "out in new york" -> "new york"
        try:
            return zones.resolve_zone(" ".join(words[start:])), None
        except UnknownZone:
            continue
    return None, phrase


def _release(film: Film, question: str, caller_zone_key: str | None) -> Answer:
    if not film.releases:
        return _unknown(f"when {film.title} is out")
    match, unread = _question_zone(question, film)
    tz: tzinfo | None = match.tz if match else None
    where = f"in {match.key}" if match else ""
    if tz is None and caller_zone_key:
        try:
            tz = zones.zone_from_key(caller_zone_key)
            where = f"in your zone ({caller_zone_key})"
        except UnknownZone:
            tz = None
    lines = []
    if unread:
        lines.append(f"(I couldn't read '{plain(unread[:40])}' as a time zone.)")
    if match and match.note:
        lines.append(f"({match.note})")
    for release in film.releases:
        lines.append(_release_line(film, release, tz, where))
    keys = [k for r in film.releases for k in r.sources]
    notes = [r.note for r in film.releases if r.note]
    text = "\n".join(lines + [f"Note: {n}" for n in notes])
    return _sourced(film, text, keys)


def _release_line(film: Film, release: Release, tz: tzinfo | None, where: str) -> str:
    head = f"**{film.title}** is released on {release.platform} {_regions(release)}"
    if release.model == "local_midnight" and tz is None:
        return (
            f"{head} at midnight local time on {clock_text.long_date(release.date)}, wherever you are "
            "(set your time zone to see your exact time)."
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
    if not where.endswith(f"({release.zone})") and where != f"in {release.zone}":
        line += f" It's one global release: {at_home}."
    return line


def _genres(film: Film) -> Answer:
    if not film.genres:
        return _unknown(f"the genres of {film.title}")
    names = ", ".join(dict.fromkeys(g.name for g in film.genres))
    return _sourced(
        film, f"**{film.title}**: {names}.", [k for g in film.genres for k in g.sources]
    )


def _synopsis(film: Film) -> Answer:
    if not film.synopsis:
        return _unknown(f"what {film.title} is about")
    if len(film.synopsis) == 1:
        claim = film.synopsis[0]
        return _sourced(film, f"**{film.title}**: {claim.text}", claim.sources)
    lines = [f"**{film.title}**:"]
    lines += [f"• {c.text} — per {_cite(film, c.sources)}" for c in film.synopsis[:2]]
    keys = [k for c in film.synopsis[:2] for k in c.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


def _titles(film: Film) -> Answer:
    lines: list[str] = []
    keys: list[str] = []
    for name in film.titles:
        if name.text == film.title:
            continue
        what = {
            "original": "original title",
            "korean": "Korean title",
            "english": "English title",
            "romanized": "romanised title",
            "translation": "translated title",
            "alias": "also known as",
            "misspelling": "sometimes misspelled",
        }[name.kind]
        lang = f" ({name.lang})" if name.lang and name.kind == "original" else ""
        lines.append(f"{what}{lang}: {name.text}")
        keys += name.sources
    if not lines:
        return _unknown(f"other titles of {film.title}")
    return _sourced(film, f"**{film.title}** — {'; '.join(lines)}.", keys)


def _quotes(film: Film) -> Answer:
    if not film.quotes:
        return _unknown(f"quotes about {film.title}")
    lines = [
        f"• {q.by}: “{q.text}”"
        + (f" ({q.context.rstrip('.')})" if q.context else "")
        + f" — per {_cite(film, q.sources)}"
        for q in film.quotes
    ]
    keys = [k for q in film.quotes for k in q.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


def _facts(film: Film) -> Answer:
    if not film.facts:
        return _unknown(f"notable facts about {film.title}")
    lines = [f"• {f.text} — per {_cite(film, f.sources)}" for f in film.facts]
    keys = [k for f in film.facts for k in f.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


_TOPIC_ANSWERS = {
    "genres": _genres,
    "synopsis": _synopsis,
    "titles": _titles,
    "quotes": _quotes,
    "facts": _facts,
}
