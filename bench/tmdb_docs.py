"""Synthetic TMDB movie documents for the benchmarks: faketmdb's Parasite, re-numbered and
re-titled, so each is a full-sized ``/movie/{id}`` answer (credits, releases in four countries,
translations, offers) that the store's films and each other don't share a title with.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from faketmdb import load_catalogue

#: Far above the ids of faketmdb's catalogue, so the fake's own films are never replaced.
FIRST_ID = 90_000_000
# Syllables bench_films' titles never use, so the store's 100,000 films don't match these.
_SYLLABLES = "zor vex quil thar brim oxa yund plev krat uzz jorv ghel".split()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()


def titles(count: int, seed: int = 17) -> list[str]:
    """``count`` made-up titles ("Vexquil Zorthar"), the same for the same seed. No two share
    their pair of words, in either order: a film's original title is its words reversed."""
    rng = random.Random(seed)
    seen: dict[frozenset[str], str] = {}
    while len(seen) < count:
        first, second = _word(rng), _word(rng)
        if first != second:
            seen.setdefault(frozenset((first, second)), f"{first} {second}")
    return list(seen.values())


def movie_docs(count: int, seed: int = 17) -> list[dict[str, Any]]:
    """``count`` movie documents, Parasite's with another id (from FIRST_ID) and every title
    (original, English, translations, alternative titles) made from one new title."""
    base = next(movie for movie in load_catalogue() if movie["id"] == 496243)
    docs = []
    for number, title in enumerate(titles(count, seed)):
        doc = copy.deepcopy(base)
        original = " ".join(reversed(title.split()))  # stands for Parasite's Korean title
        doc.update(id=FIRST_ID + number, title=title, original_title=original, imdb_id=None)
        doc["external_ids"] = {"imdb_id": None}
        for translation in doc["translations"]["translations"]:
            data = translation["data"]
            if data.get("title"):
                lang = translation["iso_639_1"]
                if lang == "ko":
                    data["title"] = original
                else:
                    data["title"] = title if lang in ("en", "fr", "de") else f"{title} ({lang})"
        doc["alternative_titles"]["titles"] = [
            {"iso_3166_1": "US", "title": f"{title} (Black & White)", "type": "black and white"},
        ]
        docs.append(doc)
    return docs
