"""Answer plain questions about a film from the store's facts, naming the sources; never guess.

Pure: no discord, no SQL. ``answer`` reads the question (:mod:`bot.domain.questions`: the names
it mentions first, then topic keywords), takes the matching claims from the Film and writes a
short reply that cites every source it used; release and where-to-watch answers are in
:mod:`bot.domain.availability`. When the store has no facts on the topic the reply says so
plainly and ``known`` is False.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain import availability, questions
from bot.domain.films import (
    CastCredit,
    Character,
    CreditClaim,
    Film,
    Person,
    compact,
    normalize,
    runtime_text,
)
from bot.domain.questions import Mention, Question
from bot.domain.sourced import Answer, cite, joined, names_list, possessive, sourced, unknown
from bot.domain.usertext import plain

__all__ = ["Answer", "answer"]

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
_JOBS = {
    "directors": ("directed", "directing", "a director"),
    "writers": ("wrote", "writing", "a writer"),
}
_CAPABILITIES = (
    "I can tell you when and where it's out, how long it is, who directed or wrote "
    "it, who voices or plays whom, what it's about, where and when it's set, its "
    "genres and where to watch it."
)


def answer(
    question: str, film: Film, *, caller_zone_key: str | None, country: str | None = None
) -> Answer:
    """Answer a plain question about film from its stored facts, citing the sources used.

    ``caller_zone_key`` shows times in the caller's zone and ``country`` (an ISO code) picks
    the releases and watch offers that apply to them, unless the question names a place.
    """
    q = questions.read(question, film)
    if q.unrecorded:
        return unknown(f"{possessive(film.shown_title)} {q.unrecorded}")
    jobs = [t for t in ("directors", "writers") if t in q.topics]
    person = q.people[0] if q.people and not q.characters else None
    if person is not None and (
        jobs or q.about_a_name or (q.cast_words and not _cast_of(film, person.thing))
    ):
        return _person(film, person, jobs)
    if jobs:
        return joined([_credits(film, t) for t in jobs])
    if q.cast_words or ((q.characters or q.people) and q.norm.startswith(("who", "tell me about"))):
        return _cast(film, q, describe=not q.cast_words)
    if "setting" in q.topics:
        return _setting(film)
    if "runtime" in q.topics:
        return _runtime(film)
    if "release" in q.topics:
        return availability.release_answer(film, q, caller_zone_key, country)
    if "platform" in q.topics:
        return availability.platform_answer(film, q, country)
    for topic in ("quotes", "titles", "genres", "synopsis", "facts"):
        if topic in q.topics:
            return _TOPIC_ANSWERS[topic](film)
    return Answer(
        f"I don't know that — the store has no facts that answer "
        f"“{plain(q.text.strip()[:200])}”. {_CAPABILITIES}",
        (),
        False,
    )


# --- the answers --------------------------------------------------------------------------------


def _cast_of(film: Film, thing: Person | Character) -> list[CastCredit]:
    return [c for c in film.cast if c.person == thing.key]


def _names(film: Film, keys: Sequence[str]) -> str:
    return names_list([plain(film.person(k).name) for k in keys])


def _credits(film: Film, topic: str) -> Answer:
    claims: tuple[CreditClaim, ...] = getattr(film, topic)
    verb = "directed" if topic == "directors" else "wrote"
    if not claims:
        return unknown(f"who {verb} {film.shown_title}")
    versions = {frozenset(c.people) for c in claims}
    if len(versions) == 1:
        keys = [k for c in claims for k in c.sources]
        past = "directed" if topic == "directors" else "written"
        return sourced(
            film, f"**{film.shown_title}** was {past} by {_names(film, claims[0].people)}.", keys
        )
    lines = [f"The sources disagree about who {verb} **{film.shown_title}**:"]
    for claim in claims:
        alone = " alone" if len(claim.people) == 1 else ""
        note = f" ({claim.note.rstrip('.')})" if claim.note else ""
        lines.append(
            f"• {_names(film, claim.people)}{alone}{note} — per {cite(film, claim.sources)}"
        )
    keys = [k for c in claims for k in c.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


def _cast(film: Film, q: Question, *, describe: bool) -> Answer:
    """Who voices/plays a character, whom a person voices/plays, or the whole cast; for "who is
    <character>" also the character's descriptions."""
    if q.characters:
        character = q.characters[0].thing
        assert isinstance(character, Character)
        credits = [c for c in film.cast if c.character == character.key]
        shown = _shown(q.characters[0])
        lines, keys = [], []
        if describe and character.descriptions:
            lines += [
                f"{shown}: {plain(d.text)} (per {cite(film, d.sources)})"
                for d in character.descriptions
            ]
            keys += [k for d in character.descriptions for k in d.sources]
        if not credits and not lines:
            return unknown(f"who voices or plays {plain(character.name)}")
        if credits:
            text = "; ".join(
                f"{shown} is {_ROLE_VERB[c.role]} {plain(film.person(c.person).name)}"
                for c in credits
            )
            if q.people and q.people[0].thing.key not in {c.person for c in credits}:
                text += (
                    f". The store has no facts about {plain(q.people[0].thing.name)} in that role"
                )
            lines.append(f"{text} in **{film.shown_title}**.")
            keys += [k for c in credits for k in c.sources]
        return sourced(film, "\n".join(lines), keys)
    if q.people:
        person = q.people[0].thing
        parts = []
        credits = _cast_of(film, person)
        for c in credits:
            role = plain(film.character(c.character).name) if c.character else "an uncredited part"
            parts.append(f"{plain(person.name)} {_ROLE_DOES[c.role]} {role}")
        keys = [k for c in credits for k in c.sources]
        return sourced(film, f"{'; '.join(parts)} in **{film.shown_title}**.", keys)
    named = _NAME_AFTER_VERB.search(q.text)
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
        return unknown(f"a character or person called '{plain(asked[:60])}' in {film.shown_title}")
    if not film.cast:
        return unknown(f"the cast of {film.shown_title}")
    parts = []
    for c in film.cast:
        role = f" as {plain(film.character(c.character).name)}" if c.character else ""
        parts.append(f"{plain(film.person(c.person).name)}{role}")
    kind = "Voice cast" if all(c.role == "voice" for c in film.cast) else "Cast"
    keys = [k for c in film.cast for k in c.sources]
    return sourced(film, f"{kind} of **{film.shown_title}**: {'; '.join(parts)}.", keys)


def _shown(mention: Mention) -> str:
    """The name, and the spelling the question used when it differs: "Han Ji-won (also
    spelled 한지원)"."""
    name = mention.thing.name
    if compact(mention.spelled) == compact(name):
        return plain(name)
    return f"{plain(name)} (also spelled {plain(mention.spelled)})"


def _person(film: Film, mention: Mention, jobs: Sequence[str]) -> Answer:
    """Who a person is in this film: each credit (directed, wrote, voices or plays someone),
    with its sources; where sources disagree, each version. ``jobs`` are the credits asked
    about ("what did X direct?"): one the person doesn't hold is said first."""
    person = mention.thing
    lines = []
    keys: list[str] = []
    for topic, (did, doing, a_job) in _JOBS.items():
        claims: tuple[CreditClaim, ...] = getattr(film, topic)
        theirs = [c for c in claims if person.key in c.people]
        if not theirs:
            if topic in jobs:
                lines.append(
                    f"The store has no facts about {plain(person.name)} {doing} **{film.shown_title}**."
                )
            continue
        several = len({frozenset(c.people) for c in claims}) > 1
        for claim in claims:
            others = [k for k in claim.people if k != person.key]
            if person.key not in claim.people:
                text = f"not credited as {a_job}"
            elif others:
                text = f"{did} it with {_names(film, others)}"
            else:
                text = f"{did} it{' alone' if several else ''}"
            lines.append(f"• {text} — per {cite(film, claim.sources)}")
            keys += claim.sources
    for credit in _cast_of(film, person):
        role = (
            plain(film.character(credit.character).name)
            if credit.character
            else "an uncredited part"
        )
        lines.append(f"• {_ROLE_DOES[credit.role]} {role} — per {cite(film, credit.sources)}")
        keys += credit.sources
    if not keys:
        return Answer(
            "\n".join(
                lines
                or [
                    f"I don't know that — the store has no facts about what {plain(person.name)} did in {film.shown_title}."
                ]
            ),
            (),
            False,
        )
    head = [line for line in lines if not line.startswith("•")]
    bullets = [line for line in lines if line.startswith("•")]
    text = "\n".join([*head, f"{_shown(mention)} in **{film.shown_title}**:", *bullets])
    return Answer(text, film.sources_of(keys), True)


def _setting(film: Film) -> Answer:
    if not film.setting:
        return unknown(f"where or when {film.shown_title} is set")
    places = [s for s in film.setting if s.aspect == "place"]
    times = [s for s in film.setting if s.aspect == "time"]
    text = f"**{film.shown_title}** is set"
    if places:
        text += " in " + " / ".join(s.value for s in places)
    if times:
        text += (", in " if places else " in ") + " / ".join(s.value for s in times)
    return sourced(film, text + ".", [k for s in film.setting for k in s.sources])


def _runtime(film: Film) -> Answer:
    if not film.runtime:
        return unknown(f"how long {film.shown_title} is")
    values = {c.minutes for c in film.runtime}
    if len(values) == 1:
        minutes = film.runtime[0].minutes
        return sourced(
            film,
            f"**{film.shown_title}** runs {runtime_text(minutes)} ({minutes} minutes).",
            [k for c in film.runtime for k in c.sources],
        )
    lines = [f"The sources disagree about how long **{film.shown_title}** is:"]
    lines += [f"• {runtime_text(c.minutes)} — per {cite(film, c.sources)}" for c in film.runtime]
    return Answer(
        "\n".join(lines), film.sources_of(k for c in film.runtime for k in c.sources), True
    )


def _genres(film: Film) -> Answer:
    if not film.genres:
        return unknown(f"the genres of {film.shown_title}")
    names = ", ".join(dict.fromkeys(g.name for g in film.genres))
    return sourced(
        film, f"**{film.shown_title}**: {names}.", [k for g in film.genres for k in g.sources]
    )


def _synopsis(film: Film) -> Answer:
    if not film.synopsis:
        return unknown(f"what {film.shown_title} is about")
    if len(film.synopsis) == 1:
        claim = film.synopsis[0]
        return sourced(film, f"**{film.shown_title}**: {plain(claim.text)}", claim.sources)
    lines = [f"**{film.shown_title}**:"]
    lines += [f"• {plain(c.text)} — per {cite(film, c.sources)}" for c in film.synopsis[:2]]
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
        lines.append(f"{what}{lang}: {plain(name.text)}")
        keys += name.sources
    if not lines:
        return unknown(f"other titles of {film.shown_title}")
    return sourced(film, f"**{film.shown_title}** — {'; '.join(lines)}.", keys)


def _quotes(film: Film) -> Answer:
    if not film.quotes:
        return unknown(f"quotes about {film.shown_title}")
    lines = [
        f"• {plain(q.by)}: “{plain(q.text)}”"
        + (f" ({q.context.rstrip('.')})" if q.context else "")
        + f" — per {cite(film, q.sources)}"
        for q in film.quotes
    ]
    keys = [k for q in film.quotes for k in q.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


def _facts(film: Film) -> Answer:
    if not film.facts:
        return unknown(f"notable facts about {film.shown_title}")
    lines = [f"• {plain(f.text)} — per {cite(film, f.sources)}" for f in film.facts]
    keys = [k for f in film.facts for k in f.sources]
    return Answer("\n".join(lines), film.sources_of(keys), True)


_TOPIC_ANSWERS = {
    "genres": _genres,
    "synopsis": _synopsis,
    "titles": _titles,
    "quotes": _quotes,
    "facts": _facts,
}
