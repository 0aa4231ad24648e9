"""Snowflakes, permissions and path patterns of the fake's world (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fakecord import Perm
from fakecord.records import RequestRecord, compile_path
from fakecord.state import SnowflakeGenerator, World, snowflake_time


def test_snowflakes_increase_and_carry_their_time() -> None:
    gen = SnowflakeGenerator()
    ids = [gen.next() for _ in range(10_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert abs(snowflake_time(ids[-1]) - datetime.now(UTC)) < timedelta(seconds=5)
    assert 10**17 < ids[0] < 2**63


def test_member_permissions_follow_roles_and_overwrites() -> None:
    world = World()
    guild = world.add_guild("g")
    channel = world.add_channel(guild.id, "general")
    ada = world.add_user("Ada")
    mods = world.add_role(guild.id, "Mods", int(Perm.MANAGE_MESSAGES))
    world.add_member(guild.id, ada, role_ids=[mods.id])
    assert world.can(channel.id, ada.id, Perm.SEND_MESSAGES | Perm.MANAGE_MESSAGES)
    # @everyone loses SEND, the Mods role gets it back, a member overwrite hides the channel.
    world.set_overwrite(channel.id, guild.id, deny=int(Perm.SEND_MESSAGES))
    assert not world.can(channel.id, ada.id, Perm.SEND_MESSAGES)
    world.set_overwrite(channel.id, mods.id, allow=int(Perm.SEND_MESSAGES))
    assert world.can(channel.id, ada.id, Perm.SEND_MESSAGES)
    world.set_overwrite(channel.id, ada.id, deny=int(Perm.VIEW_CHANNEL))
    assert world.channel_permissions(channel.id, ada.id) == 0


def test_no_send_strips_dependent_permissions_and_admin_bypasses() -> None:
    world = World()
    guild = world.add_guild("g")
    channel = world.add_channel(guild.id, "news")
    world.set_overwrite(channel.id, world.bot_id, deny=int(Perm.SEND_MESSAGES))
    perms = world.channel_permissions(channel.id, world.bot_id)
    assert perms & Perm.VIEW_CHANNEL and not perms & (Perm.EMBED_LINKS | Perm.ATTACH_FILES)
    boss = world.add_user("Boss")
    admin = world.add_role(guild.id, "Admin", int(Perm.ADMINISTRATOR))
    world.add_member(guild.id, boss, role_ids=[admin.id])
    world.set_overwrite(channel.id, boss.id, deny=int(Perm.VIEW_CHANNEL))
    assert world.can(channel.id, boss.id, Perm.VIEW_CHANNEL | Perm.MANAGE_EVENTS)


def test_find_member_by_name_nick_and_prefix() -> None:
    world = World()
    guild = world.add_guild("g")
    for name in ("Ada", "Adam", "Bruno"):
        world.add_member(guild.id, world.add_user(name))
    assert world.users[world.find_member(guild.id, "ada").user_id].username == "ada"
    assert world.find_member(guild.id, "Bru") is not None
    assert world.find_member(guild.id, "Ad") is None  # ambiguous prefix


def test_path_patterns() -> None:
    pattern = compile_path("/channels/{channel_id}/messages")
    assert pattern.fullmatch("/channels/1/messages")
    assert not pattern.fullmatch("/channels/1/messages/2")
    record = RequestRecord("POST", "/channels/9/messages", {}, None, [], 0.0, True)
    assert record.matches("post", r"/channels/\d+/messages")
    assert record.matches(None, re.compile(r"/channels/9/.*"))
    assert not record.matches("GET")
