"""Film replies rendered as text."""

from __future__ import annotations

from bot.render.films import listing, name_in_films


def test_listing():
    assert listing(["A"]) == "A"
    assert listing(["A", "B"]) == "A and B"
    assert listing(["A", "B", "C"]) == "A, B and C"


def test_a_name_in_several_films_lists_a_few_and_says_when_there_are_more():
    labels = {f"f{n}": f"Film {n}" for n in range(7)}
    assert name_in_films(("Jay", ["f0", "f1"]), labels.__getitem__) == (
        "Jay is in **Film 0** and **Film 1**."
    )
    text = name_in_films(("Jay", list(labels)), labels.__getitem__, shown=3)
    assert text == "Jay is in **Film 0**, **Film 1**, **Film 2** and other films."
