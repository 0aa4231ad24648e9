"""A small server to play in: the sandbox's "Movie Night"."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fake import FakeDiscord
from .permissions import Perm
from .state import ChannelType


@dataclass
class DemoWorld:
    """Ids of the demo server built by :func:`build_demo_world`."""

    guild_id: int
    general_id: int
    voice_id: int
    members: dict[str, int] = field(default_factory=dict)

    @property
    def default_user_id(self) -> int:
        return next(iter(self.members.values()))


def build_demo_world(fake: FakeDiscord) -> DemoWorld:
    """One guild "Movie Night" with #general, a voice channel, #announcements (the bot may not
    post there) and members: Ada hosts (Manage Events), Mina moderates (Manage Server, so
    permission-gated commands can be tried), Bruno, Chiara and Dae-jung are plain members."""
    guild = fake.add_guild("Movie Night")
    general = fake.add_channel(guild, "general", topic="Films, parties and premieres")
    voice = fake.add_channel(guild, "Watch Party", ChannelType.VOICE)
    fake.add_channel(guild, "announcements", bot_can_send=False)
    host = fake.add_role(
        guild, "Host", int(Perm.MANAGE_EVENTS | Perm.MENTION_EVERYONE), mentionable=True
    )
    mod = fake.add_role(guild, "Mod", int(Perm.MANAGE_GUILD | Perm.MANAGE_EVENTS))
    members = {
        "Ada": fake.add_member(guild, "Ada", roles=[host]),
        "Bruno": fake.add_member(guild, "Bruno"),
        "Chiara": fake.add_member(guild, "Chiara"),
        "Dae-jung": fake.add_member(guild, "Dae-jung"),
        "Mina": fake.add_member(guild, "Mina", roles=[mod]),
    }
    return DemoWorld(guild, general, voice, members)
