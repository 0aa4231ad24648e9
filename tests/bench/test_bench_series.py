"""The series benchmark's own judgement: whom each party's rows must reach, and its timetable."""

from __future__ import annotations

from datetime import datetime, timedelta

from bench.bench_series import PER_SLOT, Plan, expected, make_plan, slot_of
from bot.domain.parties import ASSUMED_RUNTIME, GOING, MAYBE, REMINDER, START

HOUR, TEN = 3600, 600


def test_going_hear_both_reminders_and_the_start_maybe_only_what_they_turned_on():
    plan = Plan([1, 2, 3, 4], [1], {0: {1: GOING, 2: MAYBE, 3: MAYBE, 4: GOING}}, {}, set())
    plan.on.add((7, 3))
    plan.off.add((7, 4))
    want = expected(plan, 0, party_id=7)
    assert want == {
        (START, 0, 1): 1,
        (REMINDER, HOUR, 1): 1,
        (REMINDER, TEN, 1): 1,
        (REMINDER, HOUR, 3): 1,
        (REMINDER, TEN, 3): 1,
        (START, 0, 4): 1,  # reminders off mutes the run-up, not the start
    }


def test_own_lead_times_replace_the_partys():
    plan = Plan([1], [1], {0: {1: GOING}}, {1: (timedelta(minutes=30),)}, set())
    assert set(expected(plan, 0, party_id=7)) == {(START, 0, 1), (REMINDER, 1800, 1)}


def test_every_party_has_hundreds_going_at_full_size():
    plan = make_plan(list(range(2000)), 50, 12)
    going = [sum(s == GOING for s in answers.values()) for answers in plan.picks.values()]
    assert min(going) >= 250 and all(plan.picks[s][plan.hosts[s]] == GOING for s in range(50))


def test_an_early_slots_roll_over_falls_on_the_late_slots_one_hour_reminders():
    early, zone = slot_of(0)
    late, same_zone = slot_of(PER_SLOT)
    gap = datetime.fromisoformat(late) - datetime.fromisoformat(early)
    assert zone == same_zone and gap - ASSUMED_RUNTIME == timedelta(hours=1)
