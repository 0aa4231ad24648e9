"""Reading a plain question about a film: its topic, the names, places and platform it
mentions, and the film title it names.

Pure: no discord, no SQL. Names of the film's people and characters are found before topic
keywords, so the "won" in "Han Ji-won" is a name, not a question about awards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain import zones
from bot.domain.films import Character, Film, Person, compact, normalize
from bot.domain.layered import NameIndex
from bot.errors import UnknownZone

MAX_QUESTION = 300  # longer questions are cut: keeps every pattern below cheap
_MAX_WORDS = 40
_MAX_FUZZY_RUNS = 24

# Topics people ask about that the store doesn't record (yet): answered with "I don't know".
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
_KEYWORD_RES = (*_RULE_RES.values(), *(p for p, _ in _UNRECORDED_RES), _CAST_RE)
_SET_TO_RELEASE = re.compile(r"\bset to (?:release|premiere|come|drop|arrive|debut|launch)")
_ABOUT_A_PERSON = ("who is ", "who s ", "whos ", "tell me about ", "what did ", "what does ")

_QUESTION_WORDS = frozenset(
    "when what whats where who whos how is it its out does did do was will be in on at for the "
    "a an of to and time long movie film release released come comes coming watch voices voice "
    "plays play directed wrote written about set genre genres netflix premiere runtime".split()
)


@dataclass(frozen=True)
class Mention:
    """A person or character of the film the question names, with the spelling it used."""

    thing: Person | Character
    spelled: str


@dataclass(frozen=True)
class Question:
    """What a question asks: topics found outside the names and titles it mentions."""

    text: str  # as typed, clipped to MAX_QUESTION
    norm: str
    topics: frozenset[str]
    unrecorded: str | None  # a topic the store doesn't record, e.g. "awards"
    people: tuple[Mention, ...]
    characters: tuple[Mention, ...]
    cast_words: bool  # "voices", "plays", "cast", …

    @property
    def about_a_name(self) -> bool:
        """ "who is X?", "tell me about X": asks who a named person or character is."""
        return bool(self.people or self.characters) and (
            self.norm.startswith(_ABOUT_A_PERSON) or self.norm in {"who", "whos"}
        )


def read(question: str, film: Film) -> Question:
    """Read a question about ``film``: its names first, then topic keywords outside them."""
    text = question[:MAX_QUESTION]
    norm = normalize(text)
    words = norm.split()
    titles = _title_spans(words, film)
    claimed: set[int] = set()
    people = _mentioned(words, film.people, claimed, titles)
    characters = _mentioned(words, film.characters, claimed, titles)
    for start, end in titles:
        claimed.update(range(start, end))
    rest = " ".join(w for i, w in enumerate(words) if i not in claimed)
    topics = {topic for topic, pattern in _RULE_RES.items() if pattern.search(rest)}
    if _SET_TO_RELEASE.search(rest):
        topics.discard("setting")
        topics.add("release")
    # "is Parasite on Disney+?" names the film where "is it on …" has its "it": a platform
    # named after the film's title asks where it is, as much as "is it on" does.
    if titles and "platform" not in topics and platform_asked(text, film):
        topics.add("platform")
    unrecorded = next((topic for pattern, topic in _UNRECORDED_RES if pattern.search(rest)), None)
    return Question(
        text,
        norm,
        frozenset(topics),
        unrecorded,
        tuple(people),
        tuple(characters),
        _CAST_RE.search(rest) is not None,
    )


# --- names of the film's people and characters -----------------------------------------------


def _ngrams(words: Sequence[str], longest: int) -> Iterable[tuple[int, int, str]]:
    """(start, length, compact text) for every run of up to ``longest`` words, longest first."""
    for n in range(min(longest, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            yield i, n, "".join(words[i : i + n])


def _title_spans(words: Sequence[str], film: Film) -> list[tuple[int, int]]:
    """Where the film's titles occur among the words; a title of question words only ("It")
    is left alone, or every "is it on …?" would lose its "it"."""
    spans = []
    for name in film.titles:
        title = normalize(name.text).split()
        if not title or all(w in _QUESTION_WORDS for w in title):
            continue
        n = len(title)
        spans += [(i, i + n) for i in range(len(words) - n + 1) if list(words[i : i + n]) == title]
    return spans


def _is_keyword(word: str) -> bool:
    return word in _QUESTION_WORDS or any(p.fullmatch(word) for p in _KEYWORD_RES)


def _mentioned(
    words: Sequence[str],
    things: Sequence[Person] | Sequence[Character],
    claimed: set[int],
    titles: Sequence[tuple[int, int]],
) -> list[Mention]:
    """Which of the film's people or characters the words name, longest names first; the words
    of each name found are added to ``claimed`` so no keyword is read inside it.

    Matching ignores case, accents, hyphens and spaces ("na young" finds Nan-young via its
    variant "Na Young"); a name of 5+ letters may also be off by one letter. A single word that
    is itself a question word or keyword ("set", "plays") is not taken for a name, and neither is
    a name inside a longer title of the film ("Jay" in "Jay and Bob").
    """
    keyed = {compact(name): (thing, name) for thing in things for name in thing.names}
    keyed.pop("", None)
    found: dict[str, Mention] = {}
    for i, n, text in _ngrams(words, 4):
        span = range(i, i + n)
        if claimed.intersection(span) or (n == 1 and _is_keyword(words[i])):
            continue
        if any(s <= i and i + n <= e and n < e - s for s, e in titles):
            continue
        hit = keyed.get(text)
        if hit is None and len(text) >= 5:
            hit = next((v for k, v in keyed.items() if len(k) >= 5 and _one_edit(text, k)), None)
        if hit is None:
            continue
        claimed.update(span)
        if hit[0].key not in found:
            found[hit[0].key] = Mention(hit[0], hit[1])
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


# --- places and platforms ---------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A place the question names ("Mumbai"), as the zone it resolved to."""

    typed: str
    zone: zones.ZoneMatch

    @property
    def country(self) -> str | None:
        return zones.country_of(self.zone.key)


@dataclass(frozen=True)
class Places:
    """Every place a question names, what it named that isn't a zone, and the text before."""

    found: tuple[Place, ...]
    unread: tuple[str, ...]
    head: str  # the question up to the places, without the film's titles


_CALLER_WORDS = frozenset(
    "my time|your time|local time|my zone|my timezone|my time zone|local|my|me|us|you|"
    "my country|here".split("|")
)
# What follows "in" in a question and is not a place: kinds of showing, languages, formats.
_NOT_PLACES = frozenset(
    "cinemas|cinema|theaters|theatres|theater|theatre|imax|4k|hd|english|korean|"
    "it|the film|the movie|this film|this movie|the end|total".split("|")
)
_PLACE_START = re.compile(r"\b(?:in|for|at)\s+", re.IGNORECASE)
_PLACE_SPLIT = re.compile(r"\s*(?:,|&|/(?=\s)|\band\b|\bor\b)\s*(?:(?:in|for|at)\s+)?", re.I)
_TIME_SUFFIX = re.compile(r"\s+time$", re.IGNORECASE)
_END_MARKS = "?!. \t\n"
_MAX_PLACE_TAIL = 100
_MAX_PLACES = 4


def places(question: str, film: Film) -> Places:
    """The places a question names after "in"/"for"/"at" ("when is it out in Mumbai and New
    York?"), each with its zone, ignoring the film's own titles; words after "in" that are
    no zone are kept in ``unread`` so the answer can say so."""
    text = question[:MAX_QUESTION]
    for title in film.titles:
        if title.text.strip():
            text = re.sub(re.escape(title.text), " ", text, flags=re.IGNORECASE)
    text = " ".join(text.split()).rstrip(_END_MARKS)
    unread: tuple[str, ...] = ()
    head = text
    for start in _PLACE_START.finditer(text):
        tail = text[start.end() :]
        if len(tail) > _MAX_PLACE_TAIL:
            continue
        parts = [p.strip() for p in _PLACE_SPLIT.split(tail) if p and p.strip()]
        if any(normalize(p) in _CALLER_WORDS for p in parts):
            return Places((), (), text[: start.start()].strip())
        read = [(p, _place(p)) for p in parts[: _MAX_PLACES * 2]]
        found: dict[str, Place] = {}
        for _, place in read:
            if place is not None:
                found.setdefault(place.zone.key, place)
        if found:  # one line per zone, at most a few: an answer must stay short
            missed = [p for p, place in read if place is None and normalize(p) not in _NOT_PLACES]
            shown = tuple(found.values())[:_MAX_PLACES]
            unread = tuple(dict.fromkeys(missed))[:_MAX_PLACES]
            return Places(shown, unread, text[: start.start()].strip())
        if not unread and normalize(tail) not in _NOT_PLACES:
            unread, head = (tail,), text[: start.start()].strip()
    return Places((), unread[-1:], head)


def _place(part: str) -> Place | None:
    """The zone a part names ("New York time", "out in Seoul" -> its last words that are one)."""
    words = _TIME_SUFFIX.sub("", part).split()
    for start in range(len(words)):
        typed = " ".join(words[start:])
        try:  # find_zone, not resolve_zone: no suggestions are worked out for every miss
            match = zones.find_zone(typed)
        except UnknownZone:  # a country with several zones ("the US"): no one zone
            continue
        if match is not None:
            return Place(typed, match)
    return None


_ON_PLATFORM = re.compile(r"(?:^|\s)on\s+((?:(?!\bon\s)[\w+ .&'-])+)$", re.IGNORECASE)
_NOT_PLATFORMS = frozenset({"", "it", "there", "now", "yet", "tv", "here"})


def platform_asked(question: str, film: Film) -> str | None:
    """The platform a question asks about ("is it on Disney+ in Korea?" -> "Disney+"), or None."""
    found = _ON_PLATFORM.search(places(question, film).head)
    asked = found.group(1).strip() if found else ""
    return None if normalize(asked) in _NOT_PLATFORMS else asked


def platform_key(name: str) -> str:
    """A provider's matching key: "Disney+" and "Disney Plus" are one."""
    return compact(name.replace("+", " plus "))


# --- the film a question names ----------------------------------------------------------------


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
    return normalize(question[:MAX_QUESTION]).split()[:_MAX_WORDS]


def _phrases(words: Sequence[str]) -> list[str]:
    """Every run of up to 8 words, longest first, without single question words."""
    return [
        " ".join(words[i : i + n])
        for i, n, _ in _ngrams(words, 8)
        if n > 1 or words[i] not in _QUESTION_WORDS
    ]


# How questions open before the title they name. A cast question names a character first
# ("who voices Jay in …"), so its title is only what follows "in".
_LEAD_START = r"^(?:(?:hey|so|ok|okay|and|please)\b[\s,]*)?(?:"
_STRONG_LEADS = re.compile(
    _LEAD_START + r"who (?:does|did) .+? (?:voice|play) in"
    r"|who (?:voices|voiced|plays|played|is|was) .+? in"
    r"|who (?:directed|wrote|made|helmed|scripted|is in|was in|are in|were in|stars in|starred in"
    r"|acted in|appears in|is the director of|are the writers of|is the writer of|was behind)"
    r"|what (?:is|was|s|'s|are)? ?(?:the )?(?:runtime|running time|run time|length|plot|story"
    r"|synopsis|premise|genre|genres|release date|korean title|original title|title|cast"
    r"|director|writers?|setting) (?:of|for)"
    r"|how (?:long|many minutes|many hours) (?:is|was|does|do|will)"
    r"|when (?:can|could) (?:i|we) (?:see|watch|stream)"
    r"|where (?:can|could|do|to) (?:i |we |you )?(?:watch|stream|see|find)"
    r"|what genre is|what kind of (?:film|movie) is|tell me about"
    r"|can (?:i|we) (?:watch|stream|see)"
    r")\s+",
    re.IGNORECASE,
)
# Openings that only name a title when something known ends the question: "is Parasite on
# Netflix?", "when is The Host out?", but not "does the cat survive?".
_WEAK_LEADS = re.compile(
    _LEAD_START + r"when (?:is|was|will|does|did|do)|where (?:is|was|does)|what (?:is|was|s|'s)"
    r"|is|was|does|did|will"
    r")\s+",
    re.IGNORECASE,
)
_RELEASE_VERB = (
    r"out|come out|comes out|coming out|released?|premieres?|premiering|drops?|dropping|"
    r"streaming|available|showing|playing|arriving|arrive|launch(?:es|ing)?"
)
# What ends a question after its title: a place after a release word, a platform, a verb.
_TITLE_TAILS = (
    re.compile(rf"\s+(?:{_RELEASE_VERB})\s+(?:in|for|at)\s+(?P<place>.+)$", re.IGNORECASE),
    re.compile(r"\s+on\s+(?!the\b|a\b)\S+(?:\s+\S+){0,2}$", re.IGNORECASE),
    re.compile(
        rf"\s+(?:{_RELEASE_VERB}|about|set|take place|takes place|last|run|runs|take|be|"
        r"have|has|yet|now|here|any good|over|directed|written|voiced|made|filmed|"
        r"out yet|come out yet|out now)$",
        re.IGNORECASE,
    ),
)
_NOT_TITLES = frozenset(
    "it|this|that|this film|this one|the film|the movie|this movie|that film|that movie|"
    "they|he|she|him|her|them|you|i|we|me|us".split("|")
)
_QUOTES = "\"'“”‘’«»*_`"
_MAX_TITLE = 100


def title_in_question(question: str) -> str | None:
    """The film title a question names after its question words, as typed ("how long is Dune:
    Part Two?" -> "Dune: Part Two"; "when is The Host out in Seoul?" -> "The Host"), or None
    when it names none ("when is it out?", "who voices Jay?").

    The one place that pulls a title out of a question, for saying which film isn't known (and
    looking it up elsewhere). Only a known opening is read: a question that starts otherwise
    names no title this can be sure of.
    """
    text = " ".join(question[:MAX_QUESTION].split()).rstrip(_END_MARKS)
    lead = _STRONG_LEADS.match(text)
    weak = lead is None
    lead = lead or _WEAK_LEADS.match(text)
    if lead is None:
        return None
    rest = text[lead.end() :]
    for tail in _TITLE_TAILS:  # each once: "when is Get Out out?" keeps its "Out"
        found = tail.search(rest)
        if found is None:
            continue
        place = found.groupdict().get("place")
        if place is not None and _place(place) is None and normalize(place) not in _CALLER_WORDS:
            continue  # "out in Cinemas": not a place, maybe part of the title
        rest, weak = rest[: found.start()].rstrip(_END_MARKS + ","), False
        if place is not None:
            break  # its release word is gone with it: "Get Out come out in Seoul" keeps "Out"
    title = rest.strip(_QUOTES + " ,")
    words = normalize(title).split()
    if weak or not words or " ".join(words) in _NOT_TITLES:
        return None
    if all(w in _QUESTION_WORDS for w in words):
        return None
    return title[:_MAX_TITLE]
