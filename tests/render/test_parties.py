"""Watch-party texts: lists cut between lines, pings and DMs in the member's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import parties as rules
from bot.domain.parties import Party
from bot.domain.pings import ZoneGroup
from bot.render import LATE_NOTE
from bot.render import parties as view

START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)


def party(n: int = 1, **changes) -> Party:
    base = dict(
        id=n,
        guild_id=1,
        channel_id=2,
        host_id=3,
        film_id="f",
        starts_at=START,
        ends_at=START + timedelta(minutes=96),
        zone_key="Asia/Seoul",
        note="",
        reminders=rules.DEFAULT_REMINDERS,
    )
    return Party(**{**base, **changes})


def test_listing_is_cut_between_whole_lines() -> None:
    rows = [(party(n), "A film with a rather long title " * 2) for n in range(1, 40)]
    text = view.listing(rows)
    assert len(text) <= 2000
    *lines, last = text.splitlines()
    assert all(line.startswith("**#") for line in lines)
    assert last == f"… and {39 - len(lines)} more"


def test_short_listing_is_whole() -> None:
    text = view.listing([(party(1), "Dune"), (party(2), "Up")])
    assert text.splitlines()[1].startswith("**#2** Up: <t:1748606400:F>")
    assert view.listing([]).startswith("No watch parties planned")


def test_ping_header_start_reminder_voice_and_late() -> None:
    assert view.ping_header(party(), "Dune", rules.START, False) == (
        "🎬 The **Dune** watch party is starting now!"
    )
    reminder = view.ping_header(party(voice_channel_id=9), "Dune", rules.REMINDER, True)
    assert reminder.startswith("⏰ Reminder: the **Dune** watch party starts <t:1748606400:R>")
    assert "Join <#9>." in reminder and reminder.endswith(LATE_NOTE)


SEOUL = ZoneGroup("Asia/Seoul", START, (5,))


def test_a_late_dm_ends_with_the_one_late_note() -> None:
    assert view.dm(party(), "Dune", rules.START, SEOUL, True).endswith(LATE_NOTE)
    assert LATE_NOTE not in view.dm(party(), "Dune", rules.START, SEOUL, False)


def test_dm_in_the_members_zone_or_utc() -> None:
    seoul = view.dm(party(), "Dune", rules.START, SEOUL, False)
    assert "is starting now: 9:00 PM Friday your time (Asia/Seoul)." in seoul
    nowhere = view.dm(party(), "Dune", rules.REMINDER, ZoneGroup(None, START, (5,)), False)
    assert "12:00 PM Friday UTC (no time zone set: `/timezone set`)" in nowhere


def test_dm_in_the_servers_zone_says_so() -> None:
    line = ZoneGroup("Asia/Seoul", START, (5,), assumed_zone=True)
    assert "9:00 PM Friday this server's time (Asia/Seoul; no time zone set" in view.dm(
        party(), "Dune", rules.START, line, False
    )


def test_card_escapes_the_note_and_counts_answers() -> None:
    answers = {3: rules.GOING, 4: rules.MAYBE, 5: rules.NOT_GOING}
    embed = view.card(party(note="@everyone <@&7> hi"), "Dune", answers).to_dict()
    shown = {f["name"]: f["value"] for f in embed["fields"]}
    assert shown["Going (1)"] == "<@3>" and shown["Maybe (1)"] == "<@4>"
    assert "@everyone" not in shown["Note"] and "<@&7>" not in shown["Note"]
    cancelled = view.card(party(cancelled=True), "Dune", {}).to_dict()
    assert cancelled["title"] == "❌ Cancelled: Dune watch party"


def test_event_options_fit_discords_limits() -> None:
    options = view.event_options(party(note="x" * 2000, ends_at=None), "T" * 200, "general")
    assert len(options.name) <= 100 and len(options.description) <= 1000
    assert options.location == "#general"
    assert options.end == START + timedelta(hours=2)


# --- notes: shown as the host wrote them (the escaper itself: tests/domain/test_usertext.py) ---


def test_the_card_and_the_event_show_the_note_escaped() -> None:
    note = "# [free tickets](https://evil.example) @everyone"
    expected = r"\# \[free tickets](https://evil.example) @" + "\u200beveryone"
    embed = view.card(party(note=note), "Dune", {}).to_dict()
    assert {f["name"]: f["value"] for f in embed["fields"]}["Note"] == expected
    assert view.event_options(party(note=note), "Dune", "general").description == expected


# --- a title no catalogue knows: shown as typed, with what the bot assumed -------------------

TYPED = "# Our [club](http://y) film @everyone"
TYPED_SHOWN = r"\# Our \[club](http://y) film @" + "\u200beveryone"


def typed(**changes) -> Party:
    return party(film_id="", film_title=TYPED, ends_at=START + rules.ASSUMED_RUNTIME, **changes)


def test_the_card_of_a_typed_title_says_it_has_no_details_and_assumes_two_hours() -> None:
    embed = view.card(typed(), TYPED, {}).to_dict()
    assert embed["description"] == "I have no details for this film."
    when = {f["name"]: f["value"] for f in embed["fields"]}["When"]
    assert when.endswith("Ends about <t:1748613600:t>, assuming 2 hours")


def test_the_card_of_a_known_film_assumes_nothing() -> None:
    embed = view.card(party(), "Dune", {}).to_dict()
    assert "description" not in embed
    assert "assuming" not in {f["name"]: f["value"] for f in embed["fields"]}["When"]


def test_the_card_shows_the_title_escaped() -> None:
    assert view.card(typed(), TYPED, {}).to_dict()["title"] == f"🎬 Watch party: {TYPED_SHOWN}"


def test_pings_dms_and_lists_show_the_title_escaped() -> None:
    assert view.ping_header(typed(), TYPED, rules.START, False) == (
        f"🎬 The **{TYPED_SHOWN}** watch party is starting now!"
    )
    assert f"The **{TYPED_SHOWN}** watch party (#1)" in view.dm(
        typed(), TYPED, rules.REMINDER, SEOUL, False
    )
    assert view.listing([(typed(), TYPED)]).startswith(f"**#1** {TYPED_SHOWN}: ")


def test_the_event_names_the_title_as_typed_and_escapes_it_in_the_description() -> None:
    options = view.event_options(typed(), TYPED, "general")
    assert options.name == f"Watch party: {TYPED}"  # event names are plain text in Discord
    assert options.description == f"Watching {TYPED_SHOWN} together."
    assert options.end == START + rules.ASSUMED_RUNTIME
