"""Who hears what: reminder choices, own lead times, re-plans, change notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import hearing
from bot.domain.hearing import Change, Listener, Queued
from bot.domain.parties import GOING, MAYBE, NOT_GOING, REMINDER, Party
from bot.domain.seats import WAITING
from bot.errors import BadOption

START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
PARTY = Party(
    id=7,
    guild_id=1,
    channel_id=2,
    host_id=3,
    film_id="dune",
    starts_at=START,
    ends_at=START + 2 * H,
    zone_key="UTC",
    note="",
    reminders=(H, 10 * M),
)


def member(
    user_id: int,
    status: str = GOING,
    choice: bool | None = None,
    own: tuple[timedelta, ...] | None = None,
) -> Listener:
    return Listener(user_id, status, choice, own)


# --------------------------------------------------------------------------- who hears reminders


@pytest.mark.parametrize(
    ("status", "choice", "hears"),
    [
        (GOING, None, True),
        (GOING, True, True),
        (GOING, False, False),
        (MAYBE, None, False),
        (MAYBE, True, True),
        (MAYBE, False, False),
        (NOT_GOING, True, False),
        (WAITING, None, False),
        (WAITING, True, False),
    ],
)
def test_going_hear_unless_off_maybe_only_if_on(
    status: str, choice: bool | None, hears: bool
) -> None:
    assert hearing.hears_reminders(status, choice) is hears


def test_a_reminder_pings_those_whose_leads_include_it() -> None:
    members = [member(1), member(2, own=(D,)), member(3, own=(D, H)), member(4, own=())]
    assert [m.user_id for m in hearing.reminder_targets(members, H, PARTY)] == [1, 3]
    assert [m.user_id for m in hearing.reminder_targets(members, D, PARTY)] == [2, 3]
    assert [m.user_id for m in hearing.reminder_targets(members, 10 * M, PARTY)] == [1]


def test_a_reminder_skips_members_who_turned_it_off_and_maybes_who_did_not_turn_it_on() -> None:
    members = [member(1, choice=False), member(2, MAYBE), member(3, MAYBE, choice=True)]
    assert [m.user_id for m in hearing.reminder_targets(members, H, PARTY)] == [3]


def test_the_start_ping_goes_to_every_going_member_even_with_reminders_off() -> None:
    members = [member(1, choice=False), member(2, MAYBE, choice=True), member(3)]
    assert [m.user_id for m in hearing.start_targets(members)] == [1, 3]


def test_a_change_tells_going_and_maybe_except_whoever_made_it() -> None:
    members = [member(1, choice=False), member(2, MAYBE), member(3)]
    assert [m.user_id for m in hearing.change_targets(members, changed_by=3)] == [1, 2]
    assert [m.user_id for m in hearing.change_targets(members, changed_by=None)] == [1, 2, 3]


def test_the_waitlist_gets_no_start_ping_or_reminders_own_leads_but_hears_of_changes() -> None:
    members = [member(1), member(2, WAITING, choice=True, own=(D,))]
    assert [m.user_id for m in hearing.start_targets(members)] == [1]
    assert [m.user_id for m in hearing.reminder_targets(members, D, PARTY)] == []
    assert hearing.wanted_leads(PARTY, members) == {H, 10 * M}
    assert [m.user_id for m in hearing.change_targets(members, changed_by=1)] == [2]


# --------------------------------------------------------------------------- own lead times


def test_own_leads_replace_the_partys() -> None:
    assert hearing.leads_of(None, PARTY) == (H, 10 * M)
    assert hearing.leads_of((D,), PARTY) == (D,)
    assert hearing.leads_of((), PARTY) == ()


def test_wanted_leads_are_the_partys_and_the_own_leads_of_those_who_hear() -> None:
    members = [
        member(1, own=(D,)),
        member(2, MAYBE, own=(2 * H,)),
        member(3, choice=False, own=(M,)),
    ]
    assert hearing.wanted_leads(PARTY, members) == {H, 10 * M, D}


@pytest.mark.parametrize(
    ("typed", "leads"),
    [
        ("1d,1h,10m", (D, H, 10 * M)),
        ("off", ()),
        ("none", ()),
        ("default", None),
        (" Default ", None),
    ],
)
def test_own_leads_are_typed_like_a_partys(typed: str, leads: tuple[timedelta, ...] | None) -> None:
    assert hearing.parse_own_leads(typed) == leads


def test_unreadable_own_leads_are_refused() -> None:
    with pytest.raises(BadOption):
        hearing.parse_own_leads("soon-ish")
    with pytest.raises(BadOption, match="1d,1h,10m"):
        hearing.parse_own_leads("   ")


# --------------------------------------------------------------------------- re-plans

NOW = START - 2 * D


def queued(row_id: int, lead: timedelta, pending: bool = True, start: datetime = START) -> Queued:
    return Queued(row_id, lead, start - lead, pending)


def test_a_replan_adds_the_missing_leads_longest_first() -> None:
    add, cancel = hearing.replan(PARTY, {D, H, 10 * M}, [queued(1, H), queued(2, 10 * M)], NOW)
    assert [(p.kind, p.due, p.data) for p in add] == [(REMINDER, START - D, {"lead": 86400})]
    assert cancel == []


def test_a_replan_cancels_pending_leads_nobody_wants_any_more() -> None:
    add, cancel = hearing.replan(PARTY, {H}, [queued(1, H), queued(2, D)], NOW)
    assert add == [] and cancel == [2]


def test_a_replan_never_plans_a_lead_twice_once_it_is_sent() -> None:
    add, cancel = hearing.replan(PARTY, {D, H}, [queued(1, D, pending=False), queued(2, H)], NOW)
    assert add == [] and cancel == []


def test_a_replan_skips_passed_leads_and_leaves_rows_being_sent_alone() -> None:
    now = START - 30 * M
    add, cancel = hearing.replan(PARTY, {10 * M}, [queued(1, H)], now)  # H fell due, not sent
    assert [p.due for p in add] == [START - 10 * M]
    assert cancel == []


def test_a_replan_after_a_new_time_replaces_rows_of_the_old_time() -> None:
    old = queued(1, D, start=START + H)
    add, cancel = hearing.replan(PARTY, {D}, [old], NOW)
    assert [p.due for p in add] == [START - D] and cancel == [1]


# --------------------------------------------------------------------------- change notices

LATER = replace(PARTY, starts_at=START + H, ends_at=START + 3 * H)


def test_a_new_time_a_new_film_and_a_cancellation_are_changes() -> None:
    now = NOW
    assert hearing.change_of(PARTY, LATER, now, by=3) == Change(START, "dune", None, False, 3)
    refilmed = replace(PARTY, film_id="", film_title="Our Film")
    assert hearing.change_of(PARTY, refilmed, now) == Change(START, "dune", None, False)
    cancelled = replace(PARTY, cancelled=True)
    assert hearing.change_of(PARTY, cancelled, now) == Change(START, "dune", None, True)


def test_a_new_note_or_channel_is_no_change_worth_a_notice() -> None:
    assert hearing.change_of(PARTY, replace(PARTY, note="bring snacks", channel_id=9), NOW) is None


def test_a_party_already_over_or_cancelled_gets_no_notice() -> None:
    cancelled = replace(PARTY, cancelled=True)
    assert hearing.change_of(PARTY, cancelled, START + 3 * H) is None
    assert hearing.change_of(cancelled, replace(cancelled, starts_at=START + H), NOW) is None


def test_a_change_survives_the_outbox_as_json_data() -> None:
    change = Change(START, "", "Our Film", True, 42)
    assert Change.from_data(change.data()) == change


def test_a_notice_is_dropped_when_a_cancellation_follows_or_the_change_is_undone() -> None:
    moved = Change(START, "dune", None, False)
    assert hearing.still_news(moved, LATER, "Dune", "Dune")
    assert not hearing.still_news(moved, replace(LATER, cancelled=True), "Dune", "Dune")
    assert not hearing.still_news(moved, PARTY, "Dune", "Dune")  # moved back
    gone = Change(START, "dune", None, True)
    assert hearing.still_news(gone, replace(PARTY, cancelled=True), "Dune", "Dune")


def test_a_film_of_the_same_title_at_the_same_time_is_no_news() -> None:
    typed = Change(START, "", "Dune", False)
    assert not hearing.still_news(typed, PARTY, "Dune", "Dune")
    assert hearing.still_news(typed, PARTY, "Dune", "Dune: Part Two")
    assert hearing.still_news(typed, LATER, "Dune", "Dune")  # and a new time


def test_two_changes_not_yet_told_merge_into_what_it_was_before_both() -> None:
    first = Change(START, "dune", None, False, by=3)
    second = Change(START + H, "", "Our Film", False, by=4)
    assert hearing.merged(first, second) == Change(START, "dune", None, False, by=4)
    cancel = Change(START + H, "", "Our Film", True, by=3)
    assert hearing.merged(first, cancel) == Change(START, "dune", None, True, by=3)
