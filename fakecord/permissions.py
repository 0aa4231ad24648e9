"""Discord permission bits and the server-side permission algorithm.

The fake decides on its own whether the bot may see or post in a channel, so it carries its own
copy of the bits rather than importing them from discord.py (the client under test).
"""

from __future__ import annotations

from enum import IntFlag


class Perm(IntFlag):
    """Permission bits as documented by Discord (only the ones the fake reasons about)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50


ALL_PERMISSIONS = 0
for _bit in Perm:
    ALL_PERMISSIONS |= int(_bit)
del _bit

#: What a fresh server grants @everyone (close to Discord's current defaults).
DEFAULT_EVERYONE = int(
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.STREAM
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CONNECT
    | Perm.SPEAK
    | Perm.USE_VAD
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.REQUEST_TO_SPEAK
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.CREATE_PRIVATE_THREADS
    | Perm.USE_EXTERNAL_STICKERS
    | Perm.SEND_MESSAGES_IN_THREADS
    | Perm.USE_EMBEDDED_ACTIVITIES
    | Perm.SEND_VOICE_MESSAGES
    | Perm.SEND_POLLS
    | Perm.USE_EXTERNAL_APPS
)

#: What the bot's managed role gets by default: what a watch-party bot would ask for on invite.
DEFAULT_BOT_PERMISSIONS = int(
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.MENTION_EVERYONE
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.MANAGE_EVENTS
    | Perm.CREATE_EVENTS
)

# Without SEND_MESSAGES these are meaningless in a channel, and Discord strips them.
_NEEDS_SEND = int(
    Perm.SEND_TTS_MESSAGES | Perm.MENTION_EVERYONE | Perm.ATTACH_FILES | Perm.EMBED_LINKS
)


def apply_overwrite(perms: int, allow: int, deny: int) -> int:
    """Apply one overwrite: deny first, then allow (Discord's order)."""
    return (perms & ~deny) | allow


_VIEW = int(Perm.VIEW_CHANNEL)
_SEND = int(Perm.SEND_MESSAGES)


def finish_channel_permissions(perms: int) -> int:
    """Apply Discord's implicit rules after overwrites (no VIEW means nothing at all)."""
    if not perms & _VIEW:
        return 0
    if not perms & _SEND:
        perms &= ~_NEEDS_SEND
    return perms


def describe(perms: int) -> list[str]:
    """Names of the set bits, for readable assertion messages."""
    return [bit.name or str(int(bit)) for bit in Perm if perms & bit]


def display_names(perms: int) -> str:
    """``Manage Server, Manage Events``: the set bits as Discord's app names them."""
    return ", ".join(
        (bit.name or "").replace("GUILD", "SERVER").replace("_", " ").title()
        for bit in Perm
        if perms & bit
    )
