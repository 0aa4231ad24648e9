"""How a release reads in a sentence: its kind, platform, country and age rating."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.films import Release
from bot.render import release_label


def release(kind: str, platform: str, *regions: str, rated: str | None = None) -> Release:
    return Release(
        platform, regions, "local_midnight", date(2025, 6, 5), None, None, (), None, kind, rated
    )


@pytest.mark.parametrize(
    ("given", "reads"),
    [
        (
            release("theatrical", "Cinemas", "KR", rated="15"),
            "in cinemas in South Korea (rated 15)",
        ),
        (release("limited", "Limited release", "US"), "in some cinemas in the United States"),
        (release("digital", "Digital", "GB"), "streaming in the United Kingdom"),
        (release("digital", "Netflix", "KR"), "streaming on Netflix in South Korea"),
        (release("physical", "Physical", "DE"), "on disc in Germany"),
        (release("tv", "TV", "FR"), "on TV in France"),
        (release("digital", "Streaming", "KR"), "streaming in South Korea"),
        (release("theatrical", "Theaters", "US"), "in cinemas in the United States"),
    ],
)
def test_a_country_release(given: Release, reads: str) -> None:
    assert release_label(given) == reads


def test_a_curated_worldwide_release() -> None:
    netflix = Release(
        "Netflix", ("worldwide",), "global", date(2025, 5, 30), time(0), "America/Los_Angeles", ()
    )
    assert release_label(netflix) == "streaming on Netflix worldwide"
