"""Watch-party rules: reminder plans, limits, note length, typed titles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import parties as rules
from bot.domain.films import Film, Name, RuntimeClaim
from bot.errors import BadOption, LimitReached

START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
H, M = timedelta(hours=1), timedelta(minutes=1)


def test_plan_is_reminders_longest_first_then_the_start() -> None:
    planned = rules.plan(START, (10 * M, 24 * H, H), now=START - 2 * 24 * H)
    assert [(p.kind, p.due) for p in planned] == [
        (rules.REMINDER, START - 24 * H),
        (rules.REMINDER, START - H),
        (rules.REMINDER, START - 10 * M),
        (rules.START, START),
    ]
    assert planned[0].data == {"lead": 86400}


def test_reminders_already_passed_at_creation_are_skipped() -> None:
    planned = rules.plan(START, rules.DEFAULT_REMINDERS, now=START - 30 * M)
    assert [(p.kind, p.due) for p in planned] == [
        (rules.REMINDER, START - 10 * M),
        (rules.START, START),
    ]
    assert [p.kind for p in rules.plan(START, rules.DEFAULT_REMINDERS, now=START - M)] == [
        rules.START
    ]


def test_duplicate_leads_are_planned_once() -> None:
    assert len(rules.plan(START, (H, H), now=START - 2 * H)) == 2


def test_no_reminders_is_just_the_start() -> None:
    assert [p.kind for p in rules.plan(START, (), now=START - H)] == [rules.START]


def test_limits_per_host_then_per_server() -> None:
    rules.check_limits(rules.MAX_ACTIVE_PER_HOST - 1, rules.MAX_ACTIVE_PER_GUILD - 1)
    with pytest.raises(LimitReached, match="You already host 3"):
        rules.check_limits(rules.MAX_ACTIVE_PER_HOST, 0)
    with pytest.raises(LimitReached, match="This server already has 100"):
        rules.check_limits(0, rules.MAX_ACTIVE_PER_GUILD)


def test_note_is_trimmed_and_capped() -> None:
    assert rules.check_note(None) == ""
    assert rules.check_note("  bring snacks \n") == "bring snacks"
    assert rules.check_note("x" * rules.NOTE_MAX) == "x" * rules.NOTE_MAX
    with pytest.raises(BadOption, match="301 characters"):
        rules.check_note("x" * (rules.NOTE_MAX + 1))


def test_an_edit_without_a_note_keeps_it() -> None:
    assert rules.edited_note(None, "bring snacks") == "bring snacks"


def test_an_edit_with_a_dash_clears_the_note() -> None:
    assert rules.edited_note(" - ", "bring snacks") == ""


def test_an_edited_note_is_trimmed_and_capped() -> None:
    assert rules.edited_note("  popcorn  ", "bring snacks") == "popcorn"
    with pytest.raises(BadOption, match="keep it under 300"):
        rules.edited_note("x" * 301, "")


def test_an_edit_that_changes_nothing_is_refused() -> None:
    with pytest.raises(BadOption, match="Nothing to change"):
        rules.check_edit(None, False, (None, None, None, None))


def test_an_edit_with_a_zone_needs_a_time() -> None:
    with pytest.raises(BadOption, match="together with `timezone`"):
        rules.check_edit(None, True, (None, None, None, "a note"))


def test_an_edit_that_changes_something_passes() -> None:
    rules.check_edit("fri 9pm", True, ("fri 9pm", None, None, None))
    rules.check_edit(None, False, (None, None, 42, None))


# --------------------------------------------------------------------------- titles no catalogue knows


def film(runtime: int | None = None) -> Film:
    return Film(
        id="test-film",
        path="test-film.toml",
        sources=(),
        titles=(Name("Test Film", "english", ()),),
        runtime=(RuntimeClaim(runtime, ()),) if runtime else (),
    )


def test_a_typed_title_is_trimmed_to_one_line() -> None:
    assert rules.check_title("  Our Club's\n  Short   Film ") == "Our Club's Short Film"


def test_a_typed_title_may_have_up_to_the_cap() -> None:
    assert rules.check_title("x" * rules.TITLE_MAX) == "x" * rules.TITLE_MAX


def test_a_typed_title_longer_than_the_cap_is_refused() -> None:
    with pytest.raises(BadOption, match="101 characters long; the most is 100"):
        rules.check_title("x" * (rules.TITLE_MAX + 1))


def test_a_blank_title_is_refused() -> None:
    with pytest.raises(BadOption, match="Give the film's title"):
        rules.check_title(" \n ")


def test_a_known_film_is_stored_by_id_and_a_typed_title_as_text() -> None:
    assert rules.subject(film()) == ("test-film", None)
    assert rules.subject(" Our Club's Short Film ") == ("", "Our Club's Short Film")


def test_a_party_ends_after_the_runtime_or_the_assumed_two_hours() -> None:
    assert rules.end_of(film(96), START) == START + 96 * M
    assert rules.end_of("Our Club's Short Film", START) == START + rules.ASSUMED_RUNTIME
    assert rules.ASSUMED_RUNTIME == 2 * H


def test_a_known_film_without_a_runtime_has_no_end() -> None:
    assert rules.end_of(film(), START) is None


def test_only_a_party_for_a_typed_title_assumes_its_end() -> None:
    base = dict(
        id=1,
        guild_id=1,
        channel_id=2,
        host_id=3,
        starts_at=START,
        ends_at=START + 2 * H,
        zone_key="UTC",
        note="",
        reminders=(),
    )
    assert rules.Party(film_id="", film_title="Our Film", **base).end_assumed
    assert not rules.Party(film_id="test-film", **base).end_assumed
