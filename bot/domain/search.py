"""Name matching: text normalisation and the in-memory search index over film names.

Pure: no discord, no SQL. Films are indexed by (name, kind) rows (see ``Film.index_rows``).
"""

from __future__ import annotations

import marshal
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, chain, compress, filterfalse, islice
from typing import Any, cast

_APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`´‘"), None)
_NON_WORD = re.compile(r"[\W_]+")
# For ASCII text: letters and digits stay, anything else becomes a space (as _NON_WORD does)
_ASCII_WORDS = bytes(c if chr(c).isalnum() else 32 for c in range(256))


def normalize(text: str) -> str:
    """Casefold, strip accents, drop apostrophes, turn other punctuation into single spaces.

    "Nan-young" -> "nan young"; "Amélie's" -> "amelies"; Hangul stays Hangul.
    """
    s = text.casefold()
    if s.isascii():  # the common case: bytes.translate is four times faster than the regex
        return " ".join(s.encode().translate(_ASCII_WORDS, b"'`").decode().split())
    s = unicodedata.normalize("NFKD", s.translate(_APOSTROPHES))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = unicodedata.normalize("NFC", s)
    return _NON_WORD.sub(" ", s).strip()


def compact(text: str) -> str:
    """The matching key: normalised without spaces, so "Nan Young" == "nan-young" == "nanyoung"."""
    return normalize(text).replace(" ", "")


# --- search index -------------------------------------------------------------------------------

INDEX_KINDS = ("title", "alias", "character", "person")
_KIND_CODE = {kind: code for code, kind in enumerate(INDEX_KINDS)}
_MAX_QUERY = 200  # characters of a query looked at (Discord allows far longer options)
_PREFIX_SCAN = 300  # keys looked at after the bisect point: bounds short prefixes like "t"
_FILL = 5  # complete(): look for typo matches only when exact and prefix found fewer films
_GRAM_BUDGET = 10_000  # postings entries counted per fuzzy query
_MAX_LISTS = 8
_FUZZY_CANDIDATES = 60
_FUZZY_FLOOR = 0.45  # below this a fuzzy match is noise
_PART_BYTES = 2_000_000  # FilmIndex.dumps: the most bytes, or list items, in one part
_PART_ITEMS = 100_000


@dataclass(frozen=True)
class SearchHit:
    film_id: str
    matched_name: str
    kind: str
    score: float  # 1.0 exact; 0.75-0.95 prefix; below 0.75 typo-tolerant


def _word_grams(word: str) -> frozenset[str]:
    """ "^" plus the first two letters, and every trigram, of one normalised word."""
    return frozenset(["^" + word[:2], *[word[i : i + 3] for i in range(len(word) - 2)]])


def _grams(norm: str) -> set[str]:
    """The trigrams a name is indexed (and a query looked up) by: its words' grams, so the
    index can be built word by word (see _postings)."""
    return set().union(*map(_word_grams, norm.split()))


def _key_grams(key: str) -> set[str]:
    grams = {key[i : i + 3] for i in range(len(key) - 2)}
    grams.add("^" + key[:2])
    return grams


def _similarity(query_grams: set[str], key: str) -> float:
    """Mostly containment (how much of the query the name covers), partly Dice (length fit)."""
    grams = _key_grams(key)
    common = len(query_grams & grams)
    return 0.6 * common / len(query_grams) + 0.8 * common / (len(query_grams) + len(grams))


def _without_article(norm: str) -> str:
    """The compact key of a normalised title without a leading "the", "a" or "an"."""
    first, _, rest = norm.partition(" ")
    return (rest if rest and first in ("the", "a", "an") else norm).replace(" ", "")


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, replace, swap neighbours), or
    ``limit + 1`` as soon as it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        char = a[i - 1]
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


class _Space:
    """One key space (titles, or people and characters): sorted compact keys for exact and
    prefix lookups, trigram postings for typos, and per key its entries (film, kind)."""

    def __init__(self, b: _SpaceBuilder) -> None:
        self.keys = b.keys
        self.display = b.display  # per key: the first spelling seen, shown as matched_name
        order = sorted(range(len(b.keys)), key=b.keys.__getitem__)
        self.sorted_ids = array("i", order)
        self.sorted_keys = [b.keys[i] for i in order]
        # Entries grouped by key: those of key k are at start[k]:start[k + 1].
        counts = [0] * (len(b.keys) + 1)
        for kid in b.e_key:
            counts[kid + 1] += 1
        self.start = array("i", accumulate(counts))
        perm = sorted(range(len(b.e_key)), key=b.e_key.__getitem__)
        self.film = array("i", map(b.e_film.__getitem__, perm))
        self.kind = array("b", map(b.e_kind.__getitem__, perm))
        self.postings = _postings(b.word_keys)

    PARTS = 9  # values in state()

    def state(self) -> Iterator[Any]:
        """Plain values (lists of text, bytes), one at a time, that :meth:`from_state` turns
        back into this space."""
        yield self.keys
        yield self.display
        yield self.sorted_ids.tobytes()
        yield self.start.tobytes()
        yield self.film.tobytes()
        yield self.kind.tobytes()
        yield list(self.postings)
        yield array("i", map(len, self.postings.values())).tobytes()
        yield b"".join(arr.tobytes() for arr in self.postings.values())

    @classmethod
    def from_state(cls, state: list[Any]) -> _Space:
        keys, display, sorted_ids, start, film, kind, grams, lengths, ids = state
        space = cls.__new__(cls)
        space.keys, space.display = keys, display
        space.sorted_ids = _ints("i", sorted_ids)
        space.sorted_keys = list(map(keys.__getitem__, space.sorted_ids))
        space.start, space.film, space.kind = _ints("i", start), _ints("i", film), _ints("b", kind)
        all_ids, ends = _ints("i", ids), list(accumulate(_ints("i", lengths)))
        lists = map(all_ids.__getitem__, map(slice, [0, *ends], ends))
        space.postings = dict(zip(grams, lists, strict=True))
        if ends and ends[-1] != len(all_ids):
            raise ValueError("postings of another length")
        return space

    def exact(self, key: str) -> int | None:
        i = bisect_left(self.sorted_keys, key)
        if i < len(self.sorted_keys) and self.sorted_keys[i] == key:
            return self.sorted_ids[i]
        return None

    def prefix(self, key: str, scan: int = _PREFIX_SCAN) -> list[tuple[int, float]]:
        """(key id, score) for keys starting with key: 1.0 when equal, else 0.75-0.95."""
        keys = self.sorted_keys
        i = bisect_left(keys, key)
        out = []
        for j in range(i, min(i + scan, len(keys))):
            candidate = keys[j]
            if not candidate.startswith(key):
                break
            score = 1.0 if len(candidate) == len(key) else 0.75 + 0.2 * len(key) / len(candidate)
            out.append((self.sorted_ids[j], score))
        return out

    def fuzzy(self, norm: str, key: str) -> list[tuple[int, float]]:
        """(key id, score < 0.75) for keys sharing enough trigrams with the query.

        Candidates come from the query's rarest trigrams only (a bounded amount of postings);
        a typo spoils at most three trigrams, so the intended name still shares most of them.
        """
        postings = self.postings
        lists = sorted([postings[g] for g in _grams(norm) if g in postings], key=len)
        if not lists:
            return []
        if len(lists) > 1 and len(lists[0]) + len(lists[1]) > _GRAM_BUDGET:
            candidates = _shared_by_two(lists[0], lists[1])
        else:
            counts: Counter[int] = Counter()
            used = total = 0
            for arr in lists[:_MAX_LISTS]:
                if used >= 2 and total + len(arr) > _GRAM_BUDGET:
                    break
                counts.update(arr)
                used += 1
                total += len(arr)
            need = (used + 1) // 2
            candidates = [kid for kid, n in counts.items() if n >= need]
            if len(candidates) > _FUZZY_CANDIDATES:  # the most shared; ties in counting order
                candidates.sort(key=counts.__getitem__, reverse=True)
                del candidates[_FUZZY_CANDIDATES:]
        query = _key_grams(key)
        keys = self.keys
        out = []
        for kid in candidates:
            sim = _similarity(query, keys[kid])
            if sim >= _FUZZY_FLOOR:
                out.append((kid, 0.75 * min(sim, 0.999)))
        return out

    def entries(self, kid: int) -> range:
        return range(self.start[kid], self.start[kid + 1])


def _ints(typecode: str, data: bytes) -> array[int]:
    numbers = array(typecode)
    numbers.frombytes(data)
    return numbers


def _shared_by_two(a: array[int], b: array[int]) -> list[int]:
    """The fuzzy candidates from two posting lists too long to count (even the rarest trigrams
    of a query can be common): keys in both, then keys in either, in list order (what counting
    would choose). Set operations in C instead of counting ~20,000 postings."""
    both = set(a).intersection(b)
    chosen = list(islice(compress(a, map(both.__contains__, a)), _FUZZY_CANDIDATES))
    if len(chosen) < _FUZZY_CANDIDATES:
        either = chain(filterfalse(both.__contains__, a), filterfalse(both.__contains__, b))
        chosen += islice(either, _FUZZY_CANDIDATES - len(chosen))
    return chosen


def _postings(word_keys: Mapping[str, array[int]]) -> dict[str, array[int]]:
    """gram -> ascending ids of the keys with that gram, each once. Built from the keys of each
    word, as a name's grams are its words' grams: a few thousand merges instead of appending
    every gram of every name (the same lists, in about half the time)."""
    by_gram: defaultdict[str, list[array[int]]] = defaultdict(list)
    for word, kids in word_keys.items():
        for gram in _word_grams(word):
            by_gram[gram].append(kids)
    return {
        gram: kids[0] if len(kids) == 1 else array("i", sorted(set().union(*kids)))
        for gram, kids in by_gram.items()
    }


class _SpaceBuilder:
    def __init__(self, cache_names: bool) -> None:
        self.keys: list[str] = []
        self.display: list[str] = []
        self.key_id: dict[str, int] = {}
        # display name -> key id, for spaces whose names repeat (people across films)
        self.names: dict[str, int] | None = {} if cache_names else None
        # word -> ids of the keys with that word, ascending: the postings are made from these
        self.word_keys: defaultdict[str, array[int]] = defaultdict(partial(array, "i"))
        self.e_key = array("i")
        self.e_film = array("i")
        self.e_kind = array("b")

    def kid(self, name: str) -> int:
        """The key id for a name (-1 when it has no letters or digits), new keys indexed."""
        names = self.names
        if names is not None:
            kid = names.get(name)
            if kid is not None:
                return kid
        norm = normalize(name)
        key = norm.replace(" ", "")
        kid = self.key_id.get(key, -1) if key else -2
        if kid == -1:
            kid = self.key_id[key] = len(self.keys)
            self.keys.append(key)
            self.display.append(name)
            word_keys = self.word_keys
            for word in set(norm.split()):
                word_keys[word].append(kid)
        if kid == -2:
            kid = -1
        if names is not None:
            names[name] = kid
        return kid


class FilmIndexBuilder:
    """Collects films' names, then :meth:`build` makes a compact FilmIndex."""

    def __init__(self) -> None:
        self.film_pos: dict[str, int] = {}
        self.film_ids: list[str] = []
        self.labels: list[str | None] = []
        self.titles = _SpaceBuilder(cache_names=False)
        self.people = _SpaceBuilder(cache_names=True)

    def add_film(self, film_id: str, label: str | None, rows: Iterable[Iterable[str]]) -> None:
        """One film's (name, kind) rows; the label defaults to its first title."""
        film = self.film_pos.get(film_id)
        if film is None:
            film = self.film_pos[film_id] = len(self.film_ids)
            self.film_ids.append(film_id)
            self.labels.append(None)
        seen: set[int] = set()
        titles, people = self.titles, self.people
        for name, kind in rows:
            code = _KIND_CODE[kind]
            space = titles if code < 2 else people
            kid = space.kid(name)
            tag = kid * 4 + code
            if kid < 0 or tag in seen:
                continue  # "Kim Tae-Ri" and "Kim Tae-ri" are one entry
            seen.add(tag)
            space.e_key.append(kid)
            space.e_film.append(film)
            space.e_kind.append(code)
            if label is None and code == 0:
                label = name
        if label is not None:
            self.labels[film] = label

    def build(self) -> FilmIndex:
        return FilmIndex._from_builder(self)


class FilmIndex:
    """In-memory name index over titles/aliases and people/characters (see _Space)."""

    def __init__(
        self, rows: Iterable[tuple[str, str, str]] = (), labels: Mapping[str, str] | None = None
    ) -> None:
        builder = FilmIndexBuilder()
        by_film: dict[str, list[tuple[str, str]]] = {}
        for film_id, name, kind in rows:
            by_film.setdefault(film_id, []).append((name, kind))
        for film_id, names in by_film.items():
            builder.add_film(film_id, (labels or {}).get(film_id), names)
        self._adopt(builder)

    @classmethod
    def _from_builder(cls, builder: FilmIndexBuilder) -> FilmIndex:
        index = cls.__new__(cls)
        index._adopt(builder)
        return index

    def _adopt(self, b: FilmIndexBuilder) -> None:
        self._film_ids = b.film_ids
        self._film_pos = b.film_pos
        self._labels = [
            label or film_id for label, film_id in zip(b.labels, b.film_ids, strict=True)
        ]
        self._titles = _Space(b.titles)
        self._people = _Space(b.people)
        first = sorted(range(len(self._film_ids)), key=lambda f: self._labels[f].casefold())
        self._first = first[:100]

    def dumps(self) -> Iterator[bytes]:
        """The index as parts of bytes for :meth:`loads`: rebuilding it for 100,000 films takes
        seconds, loading it a fraction of one. Small parts (a slice of one value each), made one
        at a time, so that saving holds no second copy of the index (~35 MB at 100,000 films)
        and the peak memory of a first start stays low. Written with marshal: plain values
        (lists of text and numbers, bytes), no code."""
        values = chain(
            (self._film_ids, self._labels, self._first),
            *(space.state() for space in (self._titles, self._people)),
        )
        number = 0
        for slot, value in enumerate(values):
            step = _PART_BYTES if isinstance(value, bytes) else _PART_ITEMS
            for start in range(0, max(len(value), 1), step):
                yield marshal.dumps((number, slot, value[start : start + step]))
                number += 1

    @classmethod
    def loads(cls, parts: Iterable[bytes]) -> FilmIndex:
        """The index :meth:`dumps` wrote with this Python and this module (the caller makes
        sure: the saved keys are only right for this module's normalize); ValueError for data
        that is not such an index."""
        try:
            pieces: list[list[Any]] = []
            for expected, part in enumerate(parts):
                number, slot, piece = marshal.loads(part)
                if number != expected or not 0 <= len(pieces) - slot <= 1:
                    raise ValueError("parts out of order")
                if slot == len(pieces):
                    pieces.append([])
                pieces[-1].append(piece)
            values = [
                b"".join(p) if isinstance(p[0], bytes) else list(chain.from_iterable(p))
                for p in pieces
            ]
            del pieces
            film_ids, labels, first, *spaces = cast(list[Any], values)
            if len(labels) != len(film_ids) or len(spaces) != 2 * _Space.PARTS:
                raise ValueError("another shape")
            index = cls.__new__(cls)
            index._film_ids, index._labels, index._first = film_ids, labels, first
            index._film_pos = {film_id: pos for pos, film_id in enumerate(film_ids)}
            index._titles = _Space.from_state(spaces[: _Space.PARTS])
            index._people = _Space.from_state(spaces[_Space.PARTS :])
        except (EOFError, TypeError, ValueError, IndexError) as problem:
            raise ValueError(f"not a saved film index: {problem}") from None
        return index

    def __len__(self) -> int:
        return len(self._film_ids)

    def has_film(self, film_id: str) -> bool:
        return film_id in self._film_pos

    def label(self, film_id: str) -> str:
        return self._labels[self._film_pos[film_id]]

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete over titles and aliases: exact, then prefix, then typo-tolerant matches,
        one (label, film_id) per film."""
        return [(label, film_id) for _, label, film_id in self.complete_scored(text, limit)]

    def complete_scored(self, text: str, limit: int = 25) -> list[tuple[float, str, str]]:
        """:meth:`complete` with each match's score (to rank several indexes' matches as one)."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return [(0.0, self._labels[f], self._film_ids[f]) for f in self._first[:limit]]
        space = self._titles
        best = self._best_per_film(space.prefix(key))
        if len(best) < min(limit, _FILL) and len(key) >= 3:
            for film, found in self._best_per_film(space.fuzzy(norm, key)).items():
                best.setdefault(film, found)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], self._labels[item[0]]))
        return [
            (score, self._choice_label(f, kid, code), self._film_ids[f])
            for f, (score, kid, code) in ranked[:limit]
        ]

    def search(self, text: str, limit: int = 10) -> list[SearchHit]:
        """Films whose title, alias, person or character matches text, best first (one hit per
        film: its best-matching name). Typo-tolerant matching only tops up a short list."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return []
        spaces = (self._titles, self._people)
        best: dict[int, tuple[float, int, int, int]] = {}  # film -> (score, -code, space, kid)
        for which, space in enumerate(spaces):
            self._gather(best, which, space, space.prefix(key, scan=4 * limit), limit)
        if len(best) < limit and len(key) >= 3:
            for which, space in enumerate(spaces):
                self._gather(best, which, space, space.fuzzy(norm, key), limit)
        ranked = sorted(
            best.items(), key=lambda item: (-item[1][0], -item[1][1], self._film_ids[item[0]])
        )
        return [
            SearchHit(
                self._film_ids[film],
                spaces[which].display[kid],
                INDEX_KINDS[-neg_code],
                round(score, 4),
            )
            for film, (score, neg_code, which, kid) in ranked[:limit]
        ]

    @staticmethod
    def _gather(
        best: dict[int, tuple[float, int, int, int]],
        which: int,
        space: _Space,
        matches: list[tuple[int, float]],
        limit: int,
    ) -> None:
        for kid, score in matches:
            for pos in space.entries(kid)[:limit]:
                film = space.film[pos]
                candidate = (score, -space.kind[pos], which, kid)
                old = best.get(film)
                if old is None or candidate[:2] > old[:2]:
                    best[film] = candidate

    def best(self, text: str) -> str | None:
        """The film a typed title means, or None when no match is confident."""
        found = self.best_match(text)
        return found[0] if found else None

    def best_match(self, text: str) -> tuple[str, float] | None:
        """(film_id, score) for a confident match of text against titles and aliases: an exact
        (normalised) title, a prefix only one film has, or one film's title within a few typos."""
        norm = normalize(text[:_MAX_QUERY])
        key = norm.replace(" ", "")
        if not key:
            return None
        space = self._titles
        exact = space.exact(key)
        if exact is not None:
            only = self._one_film(exact)
            return None if only is None else (only, 1.0)  # None: a title several films share
        if len(key) >= 4:
            per_film = self._best_per_film(space.prefix(key, scan=50))
            if len(per_film) == 1:
                film, (score, _, _) = per_film.popitem()
                return self._film_ids[film], score
        # Typos: the closest few trigram candidates, judged by edit distance (a swap counts
        # once); at most one edit per four letters, and no other film as close.
        limit = max(1, len(key) // 4)
        bare = _without_article(norm)
        nearest: dict[int, int] = {}
        for kid, _ in sorted(space.fuzzy(norm, key), key=lambda m: (-m[1], m[0]))[:8]:
            distance = min(
                _edit_distance(key, space.keys[kid], limit),
                _edit_distance(bare, _without_article(normalize(space.display[kid])), limit),
            )
            if distance <= limit:
                for pos in space.entries(kid):
                    film = space.film[pos]
                    nearest[film] = min(distance, nearest.get(film, distance))
        if not nearest:
            return None
        closest = min(nearest.values())
        films = [film for film, distance in nearest.items() if distance == closest]
        if len(films) > 1:
            return None
        return self._film_ids[films[0]], 0.75 * (1 - closest / (len(key) + 1))

    def exact_film(self, text: str) -> str | None:
        """The one film with this title or alias (after normalising), else None."""
        kid = self._titles.exact(compact(text))
        return None if kid is None else self._one_film(kid)

    def film_of_person(self, text: str) -> str | None:
        """The one film with a person or character of this name (after normalising), else None
        (no such name, or several films have it)."""
        space = self._people
        kid = space.exact(compact(text))
        if kid is None:
            return None
        films = space.film[space.start[kid] : space.start[kid + 1]]
        first = min(films)
        return self._film_ids[first] if first == max(films) else None

    def person_films(self, text: str, limit: int = 6) -> tuple[str, list[str]] | None:
        """(the name as the store spells it, up to limit of its films) for a person or
        character of this name, else None."""
        space = self._people
        kid = space.exact(compact(text))
        if kid is None:
            return None
        films = dict.fromkeys(space.film[space.start[kid] : space.start[kid + 1]])
        return space.display[kid], [self._film_ids[f] for f in islice(films, limit)]

    def _one_film(self, kid: int) -> str | None:
        """The film a title key means: the one film with it as a title, else as an alias."""
        space = self._titles
        films = {space.film[p] for p in space.entries(kid) if space.kind[p] == 0}
        films = films or {space.film[p] for p in space.entries(kid)}
        return self._film_ids[films.pop()] if len(films) == 1 else None

    def _best_per_film(self, matches: list[tuple[int, float]]) -> dict[int, tuple[float, int, int]]:
        """film -> (best score, key id, kind code) over title-space matches."""
        space = self._titles
        best: dict[int, tuple[float, int, int]] = {}
        for kid, score in matches:
            for pos in space.entries(kid):
                film = space.film[pos]
                old = best.get(film)
                if old is None or score > old[0]:
                    best[film] = (score, kid, space.kind[pos])
        return best

    def _choice_label(self, film: int, kid: int, code: int) -> str:
        """The film's label; for a match on another of its titles, the label with that title."""
        label = self._labels[film]
        name = self._titles.display[kid]
        if code == 0 and name != label and self._titles.keys[kid] != compact(label):
            return f"{label} ({name})"
        return label
