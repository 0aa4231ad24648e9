"""/config (cogs/admin.py) end to end: a server's default zone and announce channel, for Manage
Server only, refused privately to everyone else."""

from __future__ import annotations

import pytest

from bot.storage.settings import get_guild_settings
from fakecord import InteractionError
from fakecord.permissions import Perm
from tests.e2e.conftest import Harness
from tests.e2e.film_helpers import SEED


def manager(e2e: Harness) -> int:
    """A member whose only special permission is Manage Server."""
    return e2e.fake.add_member(e2e.server.guild, "Mona", permissions=int(Perm.MANAGE_GUILD))


async def test_set_the_default_zone(e2e: Harness) -> None:
    reply = await e2e.run(manager(e2e), "config timezone", {"zone": "KST"})
    assert reply.ephemeral
    assert reply.content.startswith("This server's default time zone is now **Asia/Seoul**")
    assert "-# KST → Asia/Seoul" in reply.content
    current = await get_guild_settings(e2e.bot.db, e2e.server.guild)
    assert current.zone == "Asia/Seoul"


async def test_the_default_zone_is_used_for_members_without_one(e2e: Harness) -> None:
    await e2e.run(e2e.server.owner, "config timezone", {"zone": "London"})
    reply = await e2e.run("Bruno", "film release", {"title": SEED})
    assert "8:00 AM Friday, 30 May 2025 (Europe/London)" in reply.embeds[0]["description"]
    await e2e.run("Bruno", "timezone set", {"zone": "Seoul"})  # their own zone wins
    reply = await e2e.run("Bruno", "film release", {"title": SEED})
    assert "4:00 PM Friday, 30 May 2025 (Asia/Seoul)" in reply.embeds[0]["description"]


async def test_an_offset_default_zone_is_accepted_with_a_warning(e2e: Harness) -> None:
    reply = await e2e.run(e2e.server.owner, "config timezone", {"zone": "UTC-5"})
    assert "**UTC-05:00**" in reply.content and "⚠️" in reply.content


async def test_an_unknown_default_zone_is_refused(e2e: Harness) -> None:
    reply = await e2e.run(e2e.server.owner, "config timezone", {"zone": "Atlantis"})
    assert reply.ephemeral and "I don't know the zone 'Atlantis'" in reply.content
    assert (await get_guild_settings(e2e.bot.db, e2e.server.guild)).zone is None


async def test_set_the_announce_channel(e2e: Harness) -> None:
    general = e2e.server.general
    reply = await e2e.run(e2e.server.owner, "config announce", {"channel": general})
    assert reply.ephemeral and reply.content == f"Announcements will go to <#{general}>."
    current = await get_guild_settings(e2e.bot.db, e2e.server.guild)
    assert current.announce_channel_id == general


async def test_a_channel_the_bot_cannot_post_in_is_refused(e2e: Harness) -> None:
    channel = e2e.server.announcements
    reply = await e2e.run(e2e.server.owner, "config announce", {"channel": channel})
    assert reply.ephemeral
    assert f"I can't post in <#{channel}>" in reply.content and "Send Messages" in reply.content
    assert (await get_guild_settings(e2e.bot.db, e2e.server.guild)).announce_channel_id is None


async def test_show(e2e: Harness) -> None:
    owner = e2e.server.owner
    reply = await e2e.run(owner, "config show")
    assert reply.ephemeral
    assert reply.content.splitlines() == [
        "**Default time zone:** not set (`/config timezone`)",
        "**Announce channel:** not set (`/config announce`)",
    ]
    await e2e.run(owner, "config timezone", {"zone": "Europe/London"})
    await e2e.run(owner, "config announce", {"channel": e2e.server.general})
    reply = await e2e.run(owner, "config show")
    assert reply.content.splitlines() == [
        "**Default time zone:** Europe/London",
        f"**Announce channel:** <#{e2e.server.general}>",
    ]


async def test_hidden_from_members_without_manage_server(e2e: Harness) -> None:
    """Discord hides /config from them (default permissions): the fake refuses to send it."""
    for who in ("Bruno", "Ada"):  # Ada has Manage Events, not Manage Server
        with pytest.raises(InteractionError, match="lacks the permissions"):
            await e2e.slash(who, "config show")


async def test_refused_by_the_bot_when_an_admin_opened_the_command_to_everyone(
    e2e: Harness,
) -> None:
    """Default permissions are only a default: a server admin can let everyone see /config in
    Integrations settings. The bot checks Manage Server itself and refuses privately."""
    for command in e2e.fake.world.global_commands.values():
        if command.name == "config":
            command.payload["default_member_permissions"] = None
    attempts = [
        ("timezone", {"zone": "Seoul"}),
        ("announce", {"channel": e2e.server.general}),
        ("show", {}),
    ]
    for sub, options in attempts:
        reply = await e2e.run("Bruno", f"config {sub}", options)
        assert reply.ephemeral
        assert reply.content == "You need the **Manage Server** permission to do that."
    current = await get_guild_settings(e2e.bot.db, e2e.server.guild)
    assert current.zone is None and current.announce_channel_id is None


async def test_not_available_in_dms(e2e: Harness) -> None:
    owner = e2e.server.owner
    with pytest.raises(InteractionError, match="can't be used in DMs"):
        await e2e.fake.slash(None, e2e.fake.open_dm(owner), owner, "config show", {})
