"""/watchparty create through the loopback Discord: what people type, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fakecord import InteractionError
from tests.e2e.conftest import T0, Harness, harness
from tests.e2e.film_helpers import films_dir
from tests.e2e.party_helpers import FILM, create, fields, outbox, party, unix
from tests.e2e.test_premiere_country import FILM as COUNTRY_FILM
from tests.e2e.test_premiere_country import FILM_TOML as COUNTRY_TOML
from tests.e2e.test_premiere_country import SEOUL_MIDNIGHT


async def set_zone(e2e: Harness, who: str, zone: str) -> None:
    reply = await e2e.run(who, "timezone set", {"zone": zone})
    assert "time zone is now" in reply.content


WHEN_FORMS = [
    # typed, expected start (UTC), local words shown, zone shown
    ("2025-05-30 21:00", datetime(2025, 5, 30, 12, 0), "9:00 PM Friday, 30 May 2025", "Asia/Seoul"),
    ("May 30 9pm", datetime(2025, 5, 30, 12, 0), "9:00 PM Friday, 30 May 2025", "Asia/Seoul"),
    ("tomorrow 8pm", datetime(2025, 5, 21, 11, 0), "8:00 PM Wednesday, 21 May 2025", "Asia/Seoul"),
    ("fri 20:30", datetime(2025, 5, 23, 11, 30), "8:30 PM Friday, 23 May 2025", "Asia/Seoul"),
    ("in 2 hours", datetime(2025, 5, 20, 14, 0), "11:00 PM Tuesday, 20 May 2025", "Asia/Seoul"),
    (
        "12:00 am Pacific Time",
        datetime(2025, 5, 21, 7, 0),
        "12:00 AM Wednesday, 21 May 2025",
        "America/Los_Angeles",
    ),
    ("premiere", datetime(2025, 5, 30, 7, 0), "4:00 PM Friday, 30 May 2025", "Asia/Seoul"),
]


@pytest.mark.parametrize(
    ("when", "start", "local", "zone"), WHEN_FORMS, ids=[w[0] for w in WHEN_FORMS]
)
async def test_create_reads_the_time_and_says_how(
    e2e: Harness, when: str, start: datetime, local: str, zone: str
) -> None:
    await set_zone(e2e, "Ada", "Seoul")  # now is 9:00 PM Tuesday in Seoul
    e2e.clock.set(T0)  # "in 2 hours" counts from now: keep now at T0 (to the second)
    made = await create(e2e, "Ada", when)
    start = start.replace(tzinfo=UTC)
    reply = made.reply
    assert reply.ephemeral
    assert f"**{local}** ({zone}), which is <t:{unix(start)}:F> for everyone" in reply.content
    assert "Reminders: 1h, 10m before." in reply.content
    assert (await party(e2e, made.id)).starts_at == start
    # the announcement: film, start and end (runtime 96 min) as Discord timestamps, host
    card = made.card
    assert card.embeds[0]["title"] == "🎬 Watch party: Lost in Starlight"
    shown = fields(card)
    assert f"<t:{unix(start)}:F>" in shown["When"]
    assert f"<t:{unix(start + timedelta(minutes=96))}:t>" in shown["When"]
    assert shown["Host"] == f"<@{e2e.server['Ada']}>"
    assert shown["Going (1)"] == f"<@{e2e.server['Ada']}>"
    assert [c["label"] for c in card.components[0]["components"]] == [
        "Going",
        "Maybe",
        "Not going",
        "Reminders",
    ]


async def test_typed_zone_and_passed_time_are_explained(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    made = await create(e2e, "Ada", "12:00 am Pacific Time")
    assert "Using America/Los_Angeles from your message." in made.reply.content
    assert "has passed today, so I used tomorrow" in made.reply.content


async def test_premiere_says_it_starts_at_the_release(e2e: Harness) -> None:
    made = await create(e2e, "Bruno", "premiere")  # needs no zone: a global release
    assert "Starts at the film's release." in made.reply.content
    assert (await party(e2e, made.id)).starts_at == datetime(2025, 5, 30, 7, 0, tzinfo=UTC)


async def test_premiere_of_a_film_dated_per_country_is_the_zones_country(tmp_path: Path) -> None:
    folder = films_dir(tmp_path, (COUNTRY_FILM, COUNTRY_TOML))
    async with harness(tmp_path, settings={"films_dir": folder}) as e2e:
        await set_zone(e2e, "Ada", "Seoul")
        made = await create(e2e, "Ada", "premiere", film=COUNTRY_FILM)
        assert (await party(e2e, made.id)).starts_at == SEOUL_MIDNIGHT  # the KR date
        await set_zone(e2e, "Chiara", "London")
        reply = await e2e.run(
            "Chiara", "watchparty create", {"film": COUNTRY_FILM, "when": "premiere"}
        )
        assert reply.ephemeral
        assert "comes out where this party's zone is, so `premiere` can't be used" in reply.content


async def test_film_typed_by_title_or_misspelled_title_works(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    made = await create(e2e, "Ada", "fri 20:30", film="Lost Is Starlight")
    assert (await party(e2e, made.id)).film_id == FILM


async def test_film_autocompletes_from_the_store(e2e: Harness) -> None:
    handle = await e2e.fake.autocomplete(
        e2e.server.guild,
        e2e.server.general,
        e2e.server["Ada"],
        "watchparty create",
        focused="film",
        value="lost in",
    )
    reply = await handle.response()
    assert reply.kind == "autocomplete"
    assert reply.choices[0]["value"] == FILM
    assert len(reply.choices) <= 25


async def test_the_timezone_option_wins_over_the_members_zone(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    made = await create(e2e, "Ada", "2025-05-30 21:00", timezone="Europe/London")
    assert (await party(e2e, made.id)).starts_at == datetime(2025, 5, 30, 20, 0, tzinfo=UTC)
    assert "(Europe/London)" in made.reply.content


async def test_the_servers_zone_is_used_when_the_member_has_none(e2e: Harness) -> None:
    reply = await e2e.run(e2e.server.owner, "config timezone", {"zone": "Seoul"})
    assert "default time zone is now" in reply.content
    made = await create(e2e, "Bruno", "2025-05-30 21:00")
    assert (await party(e2e, made.id)).starts_at == datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
    assert "Read in the server's zone, Asia/Seoul" in made.reply.content


async def test_reminders_option(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    made = await create(e2e, "Ada", "2025-05-30 21:00", reminders="1d,1h,10m")
    assert "Reminders: 1 day, 1h, 10m before." in made.reply.content
    start = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
    assert [(k, d) for k, d, _ in await outbox(e2e, made.id)] == [
        ("party_reminder", (start - timedelta(days=1)).isoformat(timespec="milliseconds")),
        ("party_reminder", (start - timedelta(hours=1)).isoformat(timespec="milliseconds")),
        ("party_reminder", (start - timedelta(minutes=10)).isoformat(timespec="milliseconds")),
        ("party_start", start.isoformat(timespec="milliseconds")),
    ]
    none = await create(e2e, "Ada", "2025-05-31 21:00", reminders="none")
    assert [k for k, _, _ in await outbox(e2e, none.id)] == ["party_start"]


async def test_reminders_already_passed_are_skipped_and_said(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "in 30 minutes")
    assert "1 reminder(s) skipped: their time has already passed." in made.reply.content
    assert [k for k, _, _ in await outbox(e2e, made.id)] == ["party_reminder", "party_start"]


async def test_voice_channel_and_channel_options(e2e: Harness) -> None:
    other = e2e.fake.add_channel(e2e.server.guild, "movie-night")
    await set_zone(e2e, "Ada", "Seoul")
    made = await e2e.run(
        "Ada",
        "watchparty create",
        {"film": FILM, "when": "fri 20:30", "channel": other, "voice_channel": e2e.server.voice},
    )
    assert f"Announced in <#{other}>" in made.content
    [card] = e2e.posts(other)
    assert fields(card)["Where"] == f"<#{e2e.server.voice}>"
    assert e2e.posts() == []  # nothing in #general


async def test_the_servers_announce_channel_is_the_default(e2e: Harness) -> None:
    other = e2e.fake.add_channel(e2e.server.guild, "parties")
    reply = await e2e.run(e2e.server.owner, "config announce", {"channel": other})
    assert f"<#{other}>" in reply.content
    made = await e2e.run("Bruno", "watchparty create", {"film": FILM, "when": "in 3 hours"})
    assert f"Announced in <#{other}>" in made.content
    assert len(e2e.posts(other)) == 1


# --------------------------------------------------------------------------- refusals


async def refused(e2e: Harness, options: dict, who: str = "Ada") -> str:
    reply = await e2e.run(who, "watchparty create", {"film": FILM, **options})
    assert reply.ephemeral, reply.content
    assert "Scheduled watch party" not in reply.content
    assert e2e.posts() == [] or all("wp:rsvp" not in "".join(m.custom_ids()) for m in e2e.posts())
    assert await e2e.bot.parties.repo.upcoming(e2e.server.guild, e2e.clock.now()) == []
    return reply.content


async def test_time_in_the_past_is_refused(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    text = await refused(e2e, {"when": "2025-05-19 21:00"})
    assert "has already passed" in text and "Pick a time in the future" in text


async def test_more_than_a_year_ahead_is_refused(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    text = await refused(e2e, {"when": "2026-06-30 21:00"})
    assert "too far ahead" in text


async def test_spring_forward_gap_is_refused_with_the_nearest_valid_time(e2e: Harness) -> None:
    text = await refused(e2e, {"when": "2026-03-08 02:30", "timezone": "America/New_York"})
    assert "doesn't exist in America/New_York" in text
    assert "Try 3:00 AM" in text


async def test_fall_back_overlap_takes_the_first_and_says_so(e2e: Harness) -> None:
    made = await create(e2e, "Ada", "2025-11-02 01:30", timezone="America/New_York")
    assert "happens twice in America/New_York" in made.reply.content
    assert "I used the first one" in made.reply.content
    # the first 1:30 AM is still daylight time (UTC-4)
    assert (await party(e2e, made.id)).starts_at == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


async def test_unknown_zone_is_refused(e2e: Harness) -> None:
    text = await refused(e2e, {"when": "fri 20:30", "timezone": "Mars/Olympus"})
    assert "I don't know the zone 'Mars/Olympus'" in text


async def test_channel_the_bot_cannot_post_in_is_refused(e2e: Harness) -> None:
    text = await refused(e2e, {"when": "in 2 hours", "channel": e2e.server.announcements})
    assert f"I can't post in <#{e2e.server.announcements}>" in text
    assert "Send Messages" in text


async def test_no_zone_known_says_how_to_set_one(e2e: Harness) -> None:
    text = await refused(e2e, {"when": "fri 20:30"}, who="Bruno")
    assert "/timezone set" in text and "/config timezone" in text


async def test_unreadable_time_and_bad_reminders_are_refused(e2e: Harness) -> None:
    await set_zone(e2e, "Ada", "Seoul")
    assert "I couldn't read" in await refused(e2e, {"when": "in a jiffy"})
    text = await refused(e2e, {"when": "fri 20:30", "reminders": "5s"})
    assert "'5s'" in text and "`1h`" in text


async def test_note_longer_than_the_cap_cannot_be_sent(e2e: Harness) -> None:
    [command] = [c for c in e2e.fake.commands() if c["name"] == "watchparty"]
    create_options = next(o for o in command["options"] if o["name"] == "create")["options"]
    note = next(o for o in create_options if o["name"] == "note")
    assert note["max_length"] == 300  # Discord's client enforces it, like the fake
    with pytest.raises(InteractionError, match="characters long"):
        await e2e.slash(
            "Ada", "watchparty create", {"film": FILM, "when": "in 2 hours", "note": "x" * 301}
        )
    made = await create(e2e, "Ada", "in 2 hours", note="y" * 300)
    assert fields(made.card)["Note"] == "y" * 300


async def test_markdown_in_the_note_reads_as_typed_on_the_card_and_the_event(e2e: Harness) -> None:
    note = "# [Free tickets](https://evil.example) > **now**"
    made = await create(e2e, "Ada", "in 2 hours", note=note)
    shown = r"\# \[Free tickets](https://evil.example) > \*\*now\*\*"
    assert fields(made.card)["Note"] == shown
    [event] = e2e.fake.scheduled_events(e2e.server.guild)
    assert event["description"] == shown
