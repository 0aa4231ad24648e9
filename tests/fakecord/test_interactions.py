"""Which commands Discord's client lets a member send (no bot needed)."""

from __future__ import annotations

import pytest

from fakecord import Perm
from fakecord.interactions import USER, InteractionError, OptionBuilder, check_command_allowed
from fakecord.state import AppCommand, World


def test_a_dm_only_command_is_not_offered_in_a_server() -> None:
    world = World()
    guild = world.add_guild("Movie Night")
    ada = world.add_user("Ada")
    world.add_member(guild.id, ada)
    secret = AppCommand(1, None, {"name": "secret", "description": "d", "contexts": [1]})
    with pytest.raises(InteractionError, match="/secret can only be used outside servers"):
        check_command_allowed(world, secret, guild.id, ada.id)
    check_command_allowed(world, secret, None, ada.id)  # in a DM it is offered


def test_a_refusal_names_the_permission_as_discord_does() -> None:
    world = World()
    guild = world.add_guild("Movie Night")
    ada = world.add_user("Ada")
    world.add_member(guild.id, ada)
    needed = str(int(Perm.MANAGE_GUILD))
    config = AppCommand(
        1, None, {"name": "config", "description": "d", "default_member_permissions": needed}
    )
    with pytest.raises(InteractionError, match=r"requires \(Manage Server\)"):
        check_command_allowed(world, config, guild.id, ada.id)


def test_a_superscript_digit_is_refused_as_not_a_user() -> None:
    # "²".isdigit() is True but int("²") fails: the refusal must still be Discord's own.
    world = World()
    guild = world.add_guild("Movie Night")
    schema = [{"name": "member", "type": USER, "description": "d"}]
    with pytest.raises(InteractionError, match="^'member' must be a user$"):
        OptionBuilder(world, guild.id).build(schema, {"member": "²"})
