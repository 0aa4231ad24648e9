"""/timezone set, show and clear end to end: what members type, what they see, what is stored."""

from __future__ import annotations

import pytest

from fakecord import Reply
from tests.e2e.conftest import Harness


async def stored_zone(e2e: Harness, who: str) -> str | None:
    row = await e2e.bot.db.fetchone(
        "SELECT zone FROM user_zones WHERE user_id = ?", (e2e.server[who],)
    )
    return row["zone"] if row else None


async def set_zone(e2e: Harness, zone: str, who: str = "Ada") -> Reply:
    reply = await e2e.run(who, "timezone set", {"zone": zone})
    assert reply.ephemeral, "a member's zone is personal: the reply is for them only"
    return reply


# "now" is T0, Tuesday 20 May 2025 12:00 UTC.
@pytest.mark.parametrize(
    ("typed", "key", "clock"),
    [
        ("Asia/Seoul", "Asia/Seoul", "9:00 PM Tuesday"),
        ("asia/seoul", "Asia/Seoul", "9:00 PM Tuesday"),
        ("Seoul", "Asia/Seoul", "9:00 PM Tuesday"),
        ("San Francisco", "America/Los_Angeles", "5:00 AM Tuesday"),
        ("Mumbai", "Asia/Kolkata", "5:30 PM Tuesday"),
        ("New York", "America/New_York", "8:00 AM Tuesday"),
    ],
)
async def test_set_by_iana_name_or_city(e2e: Harness, typed: str, key: str, clock: str) -> None:
    reply = await set_zone(e2e, typed)
    assert reply.content.startswith(f"Your time zone is now **{key}** (it's {clock} there")
    assert "⚠️" not in reply.content
    assert await stored_zone(e2e, "Ada") == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [("KST", "Asia/Seoul"), ("PT", "America/Los_Angeles"), ("BST", "Europe/London")],
)
async def test_set_by_abbreviation_shows_the_zone_chosen(
    e2e: Harness, typed: str, key: str
) -> None:
    reply = await set_zone(e2e, typed)
    assert f"**{key}**" in reply.content
    note = reply.content.splitlines()[1]
    assert note.startswith(f"-# {typed} → {key}"), note  # the mapping is said out loud
    assert await stored_zone(e2e, "Ada") == key  # stored as the real zone, not the letters


@pytest.mark.parametrize(
    ("typed", "key"), [("UTC+9", "UTC+09:00"), ("utc-03:30", "UTC-03:30"), ("GMT+9", "UTC+09:00")]
)
async def test_set_by_utc_offset_warns_about_daylight_saving(
    e2e: Harness, typed: str, key: str
) -> None:
    reply = await set_zone(e2e, typed)
    assert f"**{key}**" in reply.content
    assert "⚠️" in reply.content and "daylight saving" in reply.content
    assert await stored_zone(e2e, "Ada") == key


async def test_gmt_plus_nine_means_nine_hours_ahead(e2e: Harness) -> None:
    """Not the POSIX reading (Etc/GMT+9 is nine hours *behind*)."""
    reply = await set_zone(e2e, "GMT+9")
    assert "9:00 PM Tuesday" in reply.content and "ahead" in reply.content


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Mars/Olympus", "I don't know the zone 'Mars/Olympus'. Try a city, like `Seoul`"),
        ("Seol", "Did you mean `Seoul`"),
        ("USA", "several time zones. Pick a city"),
        ("UTC+15", "out of range"),
    ],
)
async def test_unknown_zone_is_refused_privately_with_suggestions(
    e2e: Harness, typed: str, expected: str
) -> None:
    await set_zone(e2e, "Asia/Seoul")
    reply = await set_zone(e2e, typed)
    assert expected in reply.content, reply.content
    assert await stored_zone(e2e, "Ada") == "Asia/Seoul"  # the old zone is kept


async def test_zone_autocomplete(e2e: Harness) -> None:
    reply = await e2e.complete("Ada", "timezone set", "zone", "seo")
    assert reply.choices[0]["value"] == "Asia/Seoul" and "Seoul" in reply.choice_names[0]
    for typed in ("", "a", "new", "UTC+9", "kst"):
        reply = await e2e.complete("Ada", "timezone set", "zone", typed)
        assert 1 <= len(reply.choices) <= 25, typed
        assert all(
            1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in reply.choices
        )
    offset = await e2e.complete("Ada", "timezone set", "zone", "UTC+9")
    assert offset.choices[0]["value"] == "UTC+09:00"
    # Every suggestion is accepted as it is sent back.
    choice = (await e2e.complete("Ada", "timezone set", "zone", "kst")).choices[0]
    assert "Your time zone is now" in (await set_zone(e2e, choice["value"])).content


async def test_show_your_own_zone(e2e: Harness) -> None:
    first = await e2e.run("Ada", "timezone show")
    assert first.ephemeral and "You haven't set a time zone yet" in first.content
    assert "/timezone set" in first.content
    await set_zone(e2e, "Seoul")
    reply = await e2e.run("Ada", "timezone show")
    assert reply.ephemeral
    assert reply.content == (
        "Your time zone is **Asia/Seoul**: it's 9:00 PM Tuesday there (UTC+09:00).\n"
        "Release dates: **South Korea (KR)**, from the zone."
    )


async def test_show_another_members_zone_without_pinging_them(e2e: Harness) -> None:
    bruno = e2e.server["Bruno"]
    reply = await e2e.run("Ada", "timezone show", {"member": "Bruno"})
    assert reply.content == f"<@{bruno}> hasn't set a time zone."
    await set_zone(e2e, "New York", who="Bruno")
    handle = await e2e.slash("Ada", "timezone show", {"member": "Bruno"})
    reply = await handle.response()
    assert reply.ephemeral
    assert reply.content.startswith(f"<@{bruno}>'s time zone is **America/New_York**")
    assert handle.callback is not None
    assert handle.callback["data"]["allowed_mentions"] == {"parse": []}
    assert reply.message is not None and e2e.fake.pinged_user_ids(reply.message) == set()


async def test_clear_forgets_the_zone(e2e: Harness) -> None:
    await set_zone(e2e, "Seoul")
    reply = await e2e.run("Ada", "timezone clear")
    assert reply.ephemeral and reply.content.startswith("Done: I forgot your time zone.")
    assert await stored_zone(e2e, "Ada") is None
    again = await e2e.run("Ada", "timezone clear")
    assert again.ephemeral and "nothing to clear" in again.content
    assert "You haven't set" in (await e2e.run("Ada", "timezone show")).content


async def test_a_zone_is_personal_across_servers_and_survives_a_restart(e2e: Harness) -> None:
    await set_zone(e2e, "Seoul")
    other = e2e.fake.add_guild("Second Server")
    lobby = e2e.fake.add_channel(other, "lobby")
    e2e.fake.add_member(other, "Ada", user_id=e2e.server["Ada"])
    await e2e.restart()
    handle = await e2e.fake.slash(other, lobby, e2e.server["Ada"], "timezone show", {})
    assert "**Asia/Seoul**" in (await handle.response()).content
    assert "You haven't set" in (await e2e.run("Bruno", "timezone show")).content
    assert await stored_zone(e2e, "Bruno") is None


async def test_set_and_show_in_a_dm(e2e: Harness) -> None:
    ada = e2e.server["Ada"]
    dm = e2e.fake.open_dm(ada)
    handle = await e2e.fake.slash(None, dm, ada, "timezone set", {"zone": "Tokyo"})
    reply = await handle.response()
    assert reply.ephemeral and "**Asia/Tokyo**" in reply.content
    handle = await e2e.fake.slash(None, dm, ada, "timezone show", {})
    assert "Asia/Tokyo" in (await handle.response()).content
    # Set in a DM: personal, but not registered in any server's table of zones.
    rows = await e2e.bot.db.fetchall("SELECT guild_id FROM guild_members WHERE user_id = ?", (ada,))
    assert rows == []


# --- /timezone country ----------------------------------------------------------------------


async def stored_country(e2e: Harness, who: str) -> str | None:
    row = await e2e.bot.db.fetchone(
        "SELECT country FROM user_prefs WHERE user_id = ?", (e2e.server[who],)
    )
    return row["country"] if row else None


async def test_country_for_a_zone_several_countries_share(e2e: Harness) -> None:
    await set_zone(e2e, "Europe/Berlin")  # also Denmark's, Norway's and Sweden's zone
    assert "**Germany (DE)**, from the zone" in (await e2e.run("Ada", "timezone show")).content
    reply = await e2e.run("Ada", "timezone country", {"country": "sweden"})
    assert reply.ephemeral
    assert reply.content.startswith("Release dates for you now follow **Sweden (SE)**.")
    assert await stored_country(e2e, "Ada") == "SE"
    shown = (await e2e.run("Ada", "timezone show")).content
    assert "Release dates: **Sweden (SE)** (chosen with `/timezone country`)." in shown


async def test_country_off_goes_back_to_the_zones(e2e: Harness) -> None:
    await set_zone(e2e, "Europe/Berlin")
    await e2e.run("Ada", "timezone country", {"country": "SE"})
    reply = await e2e.run("Ada", "timezone country", {"country": "off"})
    assert reply.content == (
        "Release dates for you follow your zone's country again: **Germany (DE)**."
    )
    assert await stored_country(e2e, "Ada") is None


async def test_no_is_norway_not_off(e2e: Harness) -> None:
    reply = await e2e.run("Ada", "timezone country", {"country": "NO"})
    assert "**Norway (NO)**" in reply.content
    assert await stored_country(e2e, "Ada") == "NO"


async def test_an_unknown_country_changes_nothing(e2e: Harness) -> None:
    await e2e.run("Ada", "timezone country", {"country": "KR"})
    reply = await e2e.run("Ada", "timezone country", {"country": "Germny"})
    assert reply.ephemeral and "Did you mean Germany?" in reply.content
    assert await stored_country(e2e, "Ada") == "KR"


async def test_country_autocompletes_names_and_sends_codes(e2e: Harness) -> None:
    reply = await e2e.complete("Ada", "timezone country", "country", "swe")
    assert reply.choices[0] == {"name": "Sweden (SE)", "value": "SE"}
    empty = await e2e.complete("Ada", "timezone country", "country", "")
    assert len(empty.choices) == 25 and empty.choices[0]["value"] == "off"
    # Every suggestion is accepted as it is sent back.
    chosen = await e2e.run("Ada", "timezone country", {"country": empty.choices[1]["value"]})
    assert chosen.content.startswith("Release dates for you now follow")
