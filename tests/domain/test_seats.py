"""Seat rules: capacity bounds, who waits, who is promoted, which roles may be pinged, and the
Google Calendar link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.domain import seats
from bot.domain.parties import GOING, MAYBE, NOT_GOING, Party
from bot.errors import BadOption

START = datetime(2025, 5, 30, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize("capacity", [0, 1001, -3])
def test_capacity_outside_1_to_1000_is_refused(capacity: int) -> None:
    with pytest.raises(BadOption, match="between 1 and 1000"):
        seats.check_capacity(capacity)


def test_capacity_within_bounds_or_none_is_kept() -> None:
    assert [seats.check_capacity(c) for c in (1, 1000, None)] == [1, 1000, None]


def test_going_on_a_full_party_waits() -> None:
    assert seats.seat_for(GOING, None, going=2, capacity=2) == seats.WAITING
    assert seats.seat_for(GOING, MAYBE, going=2, capacity=2) == seats.WAITING


def test_going_with_a_free_seat_or_no_limit_is_seated() -> None:
    assert seats.seat_for(GOING, None, going=1, capacity=2) == GOING
    assert seats.seat_for(GOING, None, going=500, capacity=None) == GOING


def test_a_seated_or_waiting_member_clicking_going_again_keeps_their_place() -> None:
    assert seats.seat_for(GOING, GOING, going=3, capacity=2) == GOING
    assert seats.seat_for(GOING, seats.WAITING, going=1, capacity=2) == seats.WAITING


def test_maybe_and_not_going_never_wait() -> None:
    assert seats.seat_for(MAYBE, None, going=2, capacity=2) == MAYBE
    assert seats.seat_for(NOT_GOING, seats.WAITING, going=2, capacity=2) == NOT_GOING


def test_the_first_in_line_get_the_free_seats() -> None:
    assert seats.to_promote(going=1, capacity=3, waiting=[7, 8, 9]) == [7, 8]
    assert seats.to_promote(going=3, capacity=3, waiting=[7]) == []
    assert seats.to_promote(going=5, capacity=3, waiting=[7]) == []  # lowered: nobody
    assert seats.to_promote(going=5, capacity=None, waiting=[7, 8]) == [7, 8]


def test_counts_and_full() -> None:
    answers = {1: GOING, 2: GOING, 3: MAYBE, 4: seats.WAITING, 5: NOT_GOING}
    counts = seats.counts(answers, 2)
    assert (counts.going, counts.maybe, counts.waiting, counts.full) == (2, 1, 1, True)
    assert not seats.counts(answers, None).full


def role(**changes: bool) -> seats.RoleCheck:
    base = {
        "is_default": False,
        "managed": False,
        "mentionable": True,
        "bot_may_mention_everyone": False,
    }
    return seats.RoleCheck(**{**base, **changes})


def test_a_mentionable_role_may_be_pinged() -> None:
    assert seats.role_problem(role(), "@Fans") is None


def test_an_unmentionable_role_needs_mention_everyone() -> None:
    problem = seats.role_problem(role(mentionable=False), "@Fans")
    assert problem is not None and "isn't mentionable" in problem and "Mention Everyone" in problem
    assert seats.role_problem(role(mentionable=False, bot_may_mention_everyone=True), "x") is None


def test_everyone_and_managed_roles_are_refused() -> None:
    assert "@everyone" in (seats.role_problem(role(is_default=True), "@everyone") or "")
    assert "bot or an integration" in (seats.role_problem(role(managed=True), "@Bot") or "")


def test_google_calendar_link_is_encoded_with_utc_dates() -> None:
    url = seats.google_calendar_url(
        "Watch party: Amélie & Co", START, START + timedelta(hours=2), "Bring snacks?\nYes", "#gen"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    query = parse_qs(parts.query)
    assert query == {
        "action": ["TEMPLATE"],
        "text": ["Watch party: Amélie & Co"],
        "dates": ["20250530T193000Z/20250530T213000Z"],
        "details": ["Bring snacks?\nYes"],
        "location": ["#gen"],
    }
    assert "&Co" not in url and " " not in url  # the & and spaces are escaped


def test_google_calendar_link_fits_a_link_button() -> None:
    url = seats.google_calendar_url("T" * 200, START, START + timedelta(hours=2), "ü" * 300, "x")
    assert len(url) <= seats.URL_MAX
    assert parse_qs(urlsplit(url).query)["details"][0].startswith("ü")


def _party(capacity: int | None, role_id: int | None) -> Party:
    return Party(
        id=1,
        guild_id=10,
        channel_id=100,
        host_id=1,
        film_id="f",
        starts_at=START,
        ends_at=None,
        zone_key="UTC",
        note="",
        reminders=(),
        capacity=capacity,
        role_id=role_id,
    )


def test_removing_what_the_same_edit_sets_clashes() -> None:
    assert seats.clashes(seats.ROLE_PING, None, 5)
    assert seats.clashes(seats.SEAT_LIMIT, 3, None)
    assert not seats.clashes(seats.ROLE_PING, 3, None)  # another field is fine
    assert not seats.clashes(seats.SEAT_LIMIT, None, 5)
    assert not seats.clashes(None, 3, 5)


def test_a_party_has_and_loses_its_role_ping_or_seat_limit() -> None:
    both = _party(capacity=4, role_id=9)
    assert seats.has(both, seats.ROLE_PING) and seats.has(both, seats.SEAT_LIMIT)
    assert seats.without(both, seats.ROLE_PING) == _party(capacity=4, role_id=None)
    assert seats.without(both, seats.SEAT_LIMIT) == _party(capacity=None, role_id=9)
    assert seats.without(both, None) == both
    bare = _party(capacity=None, role_id=None)
    assert not seats.has(bare, seats.ROLE_PING) and not seats.has(bare, seats.SEAT_LIMIT)
    with pytest.raises(ValueError, match="nothing called"):
        seats.without(both, "note")
