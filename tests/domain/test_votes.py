"""Film votes: what may be offered, when a vote may close, who wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import votes
from bot.domain.films import Film, Name
from bot.errors import BadOption, BadTime

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)


def film(film_id: str, title: str) -> Film:
    return Film(
        id=film_id, path=f"{film_id}.toml", sources=(), titles=(Name(title, "english", ()),)
    )


def test_a_known_film_is_offered_by_id_and_a_typed_title_as_typed() -> None:
    choices = votes.check_choices([film("dune", "Dune"), "  Our   Club Film "])
    assert choices == (votes.Choice("dune", "Dune"), votes.Choice("", "Our Club Film"))


def test_one_film_is_too_few() -> None:
    with pytest.raises(BadOption, match="at least 2"):
        votes.check_choices(["Only One"])


def test_eleven_films_are_too_many() -> None:
    with pytest.raises(BadOption, match="at most 10"):
        votes.check_choices([f"Film {n}" for n in range(11)])


def test_the_same_known_film_twice_is_refused() -> None:
    with pytest.raises(BadOption, match="offered twice"):
        votes.check_choices([film("dune", "Dune"), "Other", film("dune", "Dune")])


def test_the_same_typed_title_in_another_case_is_refused() -> None:
    with pytest.raises(BadOption, match="offered twice"):
        votes.check_choices(["Club Night", "club night"])


def test_a_duplicate_title_is_echoed_as_plain_text() -> None:
    with pytest.raises(BadOption) as refused:
        votes.check_choices(["**Loud**", "**loud**"])
    assert "\\*\\*loud\\*\\* is offered twice" in str(refused.value)


def test_a_deadline_in_the_past_is_refused() -> None:
    with pytest.raises(BadTime, match="already passed"):
        votes.check_deadline(NOW, NOW, START)


def test_a_deadline_at_or_after_the_start_is_refused() -> None:
    with pytest.raises(BadTime, match="before the party starts"):
        votes.check_deadline(START, NOW, START)


def test_a_deadline_less_than_the_margin_before_the_start_is_refused_with_the_latest() -> None:
    with pytest.raises(votes.DeadlineTooLate, match="at least a minute before") as refused:
        votes.check_deadline(START - timedelta(seconds=59), NOW, START)
    assert refused.value.latest == START - timedelta(minutes=1)


def test_the_margin_is_a_minute() -> None:
    assert votes.CLOSE_MARGIN == timedelta(minutes=1)
    assert votes.latest_close(START) == START - votes.CLOSE_MARGIN


def test_a_deadline_exactly_the_margin_before_the_start_is_accepted() -> None:
    votes.check_deadline(START - votes.CLOSE_MARGIN, NOW, START)


def test_a_party_starting_within_the_margin_takes_no_vote() -> None:
    with pytest.raises(votes.StartsTooSoon, match="less than a minute"):
        votes.check_deadline(NOW + timedelta(seconds=30), NOW, NOW + timedelta(seconds=50))


def test_a_moved_party_pulls_the_deadline_to_a_minute_before_its_start() -> None:
    assert votes.pulled_deadline(START, NOW) == START - timedelta(minutes=1)


def test_a_party_moved_to_within_the_margin_pulls_the_deadline_to_now() -> None:
    assert votes.pulled_deadline(NOW + timedelta(seconds=30), NOW) == NOW
    assert votes.pulled_deadline(NOW + timedelta(minutes=1), NOW) == NOW


def test_counted_lists_the_votes_of_every_film_in_offered_order() -> None:
    assert votes.counted(3, {2: 4, 0: 1, 9: 5}) == [1, 0, 4]


def test_tally_counts_each_members_ballot_once() -> None:
    assert votes.tally(3, {1: 0, 2: 2, 3: 2, 4: 7}) == [1, 0, 2]


def test_the_most_votes_win() -> None:
    assert votes.winner([1, 3, 2]) == 1


def test_a_tie_goes_to_the_film_offered_first() -> None:
    assert votes.winner([0, 2, 1, 2]) == 1


def test_no_votes_have_no_winner() -> None:
    assert votes.winner([0, 0]) is None


def test_a_party_showing_the_known_film_already_has_it() -> None:
    assert votes.same_film(votes.Choice("dune", "Dune"), "dune", None)
    assert not votes.same_film(votes.Choice("dune", "Dune"), "", "Dune")


def test_a_party_showing_the_typed_title_already_has_it() -> None:
    assert votes.same_film(votes.Choice("", "Club Night"), "", "club night")
    assert not votes.same_film(votes.Choice("", "Club Night"), "club-night", None)
