"""The fake's world: users, guilds, channels, members, roles, messages and commands.

Everything is plain data plus a few lookups; the HTTP and gateway layers read and change it.
World-changing helpers call ``World.emit(event, data, guild_id)`` so a connected bot hears about
changes made after it logged in (a deleted channel, a new member, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from .permissions import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE,
    Perm,
    apply_overwrite,
    finish_channel_permissions,
)

DISCORD_EPOCH_MS = 1_420_070_400_000
_ADMINISTRATOR = int(Perm.ADMINISTRATOR)  # plain ints: IntFlag arithmetic is slow on hot paths

EmitFn = Callable[[str, dict[str, Any], int | None], object]  # what it returns is ignored


class SnowflakeGenerator:
    """Increasing Discord-style ids: 42 bits of milliseconds since 2015, worker, process, counter."""

    def __init__(self, worker: int = 1, process: int = 0) -> None:
        self._prefix = ((worker & 0x1F) << 17) | ((process & 0x1F) << 12)
        self._last_ms = 0
        self._counter = 0

    def next(self) -> int:
        """A new id, strictly greater than every id handed out before."""
        ms = int(time.time() * 1000)
        if ms <= self._last_ms:
            ms = self._last_ms
            self._counter += 1
            if self._counter >= 4096:
                ms += 1
                self._counter = 0
        else:
            self._counter = 0
        self._last_ms = ms
        return ((ms - DISCORD_EPOCH_MS) << 22) | self._prefix | self._counter

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new id whose guild would be on ``shard_id`` of ``shard_count``.

        The shard is ``(id >> 22) % shard_count``, the milliseconds part: the id is taken up to
        ``shard_count - 1`` ms ahead (and later ids follow it, so they stay increasing).
        """
        ident = self.next()
        ahead = (shard_id - (ident >> 22)) % shard_count
        if ahead:
            self._last_ms += ahead
            self._counter = 0
            ident = ((self._last_ms - DISCORD_EPOCH_MS) << 22) | self._prefix
        return ident


def snowflake_time(snowflake: int) -> datetime:
    """When a snowflake was made, as an aware UTC datetime."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def iso(dt: datetime) -> str:
    """Discord's timestamp format: ISO 8601 with microseconds and +00:00."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


class ChannelType(IntEnum):
    """Channel types the fake knows."""

    TEXT = 0
    DM = 1
    VOICE = 2
    CATEGORY = 4
    ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    STAGE = 13
    FORUM = 15


#: Threads: channels under a text or announcement channel (``parent_id``), whose permissions
#: are the parent's (sending needs SEND_MESSAGES_IN_THREADS instead of SEND_MESSAGES).
THREADS = {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}

#: Channel types that hold messages.
MESSAGEABLE = {
    ChannelType.TEXT,
    ChannelType.DM,
    ChannelType.VOICE,
    ChannelType.ANNOUNCEMENT,
    ChannelType.STAGE,
    *THREADS,
}


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_blocked: bool = False

    @property
    def display_name(self) -> str:
        return self.global_name or self.username


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    bot_id: int | None = None  # set for the bot's managed role

    @property
    def managed(self) -> bool:
        return self.bot_id is not None


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    id: int
    type: ChannelType
    name: str
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipient_ids: list[int] = field(default_factory=list)
    last_message_id: int | None = None
    # threads only
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    created_at: datetime | None = None
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in THREADS


@dataclass
class Member:
    user_id: int
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    bot_role_id: int = 0
    roles: dict[int, Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    preferred_locale: str = "en-US"


@dataclass
class FileRecord:
    """A file uploaded in a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class AppCommand:
    """A registered application command; ``payload`` is what the API returns for it."""

    id: int
    guild_id: int | None
    payload: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.payload["name"])

    @property
    def type(self) -> int:
        return int(self.payload.get("type", 1))


class PayloadFields:
    """Read-only views of the common fields of a message payload."""

    payload: dict[str, Any]

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.payload.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)


@dataclass
class StoredMessage(PayloadFields):
    """A message as the fake holds it: the API object plus what was actually sent.

    ``payload`` is the current message object Discord would return. ``sent`` is the request body
    (or ``payload_json``) of the create exactly as received; ``edits`` the bodies of later edits.
    ``origin`` is ``"channel"`` (POST /channels/{id}/messages), ``"interaction"`` (an interaction
    callback), ``"followup"`` (an interaction webhook) or ``"user"`` (a person, via the fake).
    """

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    origin: str
    payload: dict[str, Any]
    sent: dict[str, Any]
    files: list[FileRecord] = field(default_factory=list)
    interaction_id: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    created_at: float = field(default_factory=time.time)

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.payload.get("attachments") or [])

    @property
    def attachment_names(self) -> list[str]:
        return [str(a.get("filename")) for a in self.attachments]

    @property
    def nonce(self) -> str | int | None:
        return self.sent.get("nonce")

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The allowed_mentions currently in force, exactly as sent (None when never sent)."""
        for body in reversed(self.edits):
            if "allowed_mentions" in body:
                return body["allowed_mentions"]
        return self.sent.get("allowed_mentions")

    def custom_ids(self) -> list[str]:
        """Every custom_id in the message's components (any nesting)."""
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]


def iter_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten a component tree (action rows, sections, containers, labels) depth first."""
    out: list[dict[str, Any]] = []
    stack = list(reversed(components))
    while stack:
        comp = stack.pop()
        out.append(comp)
        children: list[dict[str, Any]] = list(comp.get("components") or [])
        if isinstance(comp.get("accessory"), dict):
            children.append(comp["accessory"])
        if isinstance(comp.get("component"), dict):
            children.append(comp["component"])
        stack.extend(reversed(children))
    return out


class World:
    """All state of the fake Discord, with builders for tests.

    ``emit`` is called for every change a connected bot should hear about; the gateway sets it.
    """

    def __init__(
        self, *, bot_name: str = "watchparty-bot", application_id: int | None = None
    ) -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.channel_messages: dict[int, dict[int, StoredMessage]] = {}
        self.dm_by_user: dict[int, int] = {}
        self.attachment_files: dict[int, FileRecord] = {}
        self.global_commands: dict[str, AppCommand] = {}
        self.guild_commands: dict[int, dict[str, AppCommand]] = {}
        self.emit: EmitFn = lambda event, data, guild_id: None
        bot = self.add_user(bot_name, bot=True)
        self.bot_id = bot.id
        self.application_id = application_id or bot.id
        self.owner_id = self.add_user("sandbox-owner").id

    # ----------------------------------------------------------------- users and guilds
    def add_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """A new user (not yet in any guild)."""
        user = User(
            id=self.ids.next(),
            username=name.lower().replace(" ", "_"),
            global_name=global_name or name,
            bot=bot,
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild the bot has joined, with @everyone, the bot's managed role and the bot member.

        ``shard=(shard_id, shard_count)`` picks an id that routes the guild to that shard.
        """
        ident = self.ids.next() if shard is None else self.ids.next_on_shard(*shard)
        guild = Guild(id=ident, name=name, owner_id=self.owner_id)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions
        )
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.users[self.bot_id].username,
            permissions=bot_permissions,
            position=1,
            bot_id=self.bot_id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        self.guilds[guild.id] = guild
        guild.members[self.owner_id] = Member(self.owner_id, guild.id)
        guild.members[self.bot_id] = Member(self.bot_id, guild.id, [bot_role.id])
        self.guild_commands[guild.id] = {}
        return guild

    def add_role(
        self,
        guild_id: int,
        name: str,
        permissions: int = 0,
        *,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
    ) -> Role:
        guild = self.guild(guild_id)
        role = Role(
            id=self.ids.next(),
            guild_id=guild_id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild_id: int,
        user: User,
        *,
        role_ids: list[int] | None = None,
        nick: str | None = None,
    ) -> Member:
        guild = self.guild(guild_id)
        member = Member(user.id, guild_id, list(role_ids or []), nick=nick)
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild_id: int,
        name: str,
        type: ChannelType = ChannelType.TEXT,
        *,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> Channel:
        guild = self.guild(guild_id)
        channel = Channel(
            id=self.ids.next(),
            type=ChannelType(type),
            name=name,
            guild_id=guild_id,
            position=len(guild.channel_ids),
            parent_id=parent_id,
            topic=topic,
        )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = {}
        guild.channel_ids.append(channel.id)
        return channel

    def add_thread(
        self,
        parent_id: int,
        name: str,
        owner_id: int,
        *,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        """A public thread under a text channel; started from a message, it has that
        message's id (as on Discord). Not in the guild's channel list (Discord lists threads
        apart)."""
        parent = self.channel(parent_id)
        thread = Channel(
            id=thread_id or self.ids.next(),
            type=ChannelType.ANNOUNCEMENT_THREAD
            if parent.type == ChannelType.ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent_id,
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
            created_at=datetime.now(UTC),
        )
        self.channels[thread.id] = thread
        self.channel_messages[thread.id] = {}
        return thread

    def threads_of(self, guild_id: int) -> list[Channel]:
        """A guild's threads (none are ever archived here)."""
        return [c for c in self.channels.values() if c.guild_id == guild_id and c.is_thread]

    def remove_channel(self, channel_id: int) -> Channel:
        channel = self.channel(channel_id)
        del self.channels[channel_id]
        if channel.guild_id is not None and not channel.is_thread:
            self.guilds[channel.guild_id].channel_ids.remove(channel_id)
        return channel

    def open_dm(self, user_id: int) -> Channel:
        """The DM channel between the bot and a user, created on first use."""
        existing = self.dm_by_user.get(user_id)
        if existing is not None:
            return self.channels[existing]
        channel = Channel(id=self.ids.next(), type=ChannelType.DM, name="", recipient_ids=[user_id])
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = {}
        self.dm_by_user[user_id] = channel.id
        return channel

    # ----------------------------------------------------------------- lookups
    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise LookupError(f"no guild with id {guild_id}") from None

    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise LookupError(f"no channel with id {channel_id}") from None

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise LookupError(f"no user with id {user_id}") from None

    def member(self, guild_id: int, user_id: int) -> Member:
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise LookupError(f"user {user_id} is not a member of guild {guild_id}") from None

    def find_member(self, guild_id: int, name: str) -> Member | None:
        """A member by username, global name or nick (case-insensitive), else a unique prefix."""
        wanted = name.strip().lstrip("@").casefold()
        members = list(self.guild(guild_id).members.values())

        def names(m: Member) -> list[str]:
            u = self.users[m.user_id]
            return [n.casefold() for n in (u.username, u.global_name, m.nick) if n]

        exact = [m for m in members if wanted in names(m)]
        if exact:
            return exact[0]
        prefix = [m for m in members if any(n.startswith(wanted) for n in names(m))]
        return prefix[0] if len(prefix) == 1 else None

    def find_channel(self, guild_id: int, name: str) -> Channel | None:
        wanted = name.strip().lstrip("#").casefold()
        for cid in self.guild(guild_id).channel_ids:
            if self.channels[cid].name.casefold() == wanted:
                return self.channels[cid]
        return None

    def find_role(self, guild_id: int, name: str) -> Role | None:
        wanted = name.strip().lstrip("@").casefold()
        for role in self.guild(guild_id).roles.values():
            if role.name.casefold().lstrip("@") == wanted:
                return role
        return None

    def display_name(self, user_id: int, guild_id: int | None = None) -> str:
        user = self.users.get(user_id)
        if user is None:
            return str(user_id)
        if guild_id is not None:
            member = self.guilds.get(guild_id, Guild(0, "", 0)).members.get(user_id)
            if member is not None and member.nick:
                return member.nick
        return user.display_name

    def commands_for(self, guild_id: int | None) -> list[AppCommand]:
        """Commands a user sees in this guild (guild commands first), or globals in DMs."""
        found = list(self.guild_commands.get(guild_id, {}).values()) if guild_id else []
        names = {c.name for c in found}
        found.extend(c for c in self.global_commands.values() if c.name not in names)
        return found

    # ----------------------------------------------------------------- permissions
    def guild_permissions(self, guild_id: int, user_id: int) -> int:
        guild = self.guild(guild_id)
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = self.member(guild_id, user_id)
        perms = guild.roles[guild.id].permissions
        for rid in member.role_ids:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & _ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Effective permissions of a user in a channel; DMs allow the basics."""
        channel = self.channel(channel_id)
        if channel.is_thread and channel.parent_id is not None:
            return self.channel_permissions(channel.parent_id, user_id)
        if channel.guild_id is None:
            return int(
                Perm.VIEW_CHANNEL
                | Perm.SEND_MESSAGES
                | Perm.EMBED_LINKS
                | Perm.ATTACH_FILES
                | Perm.READ_MESSAGE_HISTORY
            )
        perms = self.guild_permissions(channel.guild_id, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        member = self.member(channel.guild_id, user_id)
        ows = channel.overwrites
        everyone = ows.get(channel.guild_id)
        if everyone is not None:
            perms = apply_overwrite(perms, everyone.allow, everyone.deny)
        allow = deny = 0
        for rid in member.role_ids:
            ow = ows.get(rid)
            if ow is not None and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = apply_overwrite(perms, allow, deny)
        own = ows.get(user_id)
        if own is not None and own.type == 1:
            perms = apply_overwrite(perms, own.allow, own.deny)
        return finish_channel_permissions(perms)

    def can(self, channel_id: int, user_id: int, perms: int) -> bool:
        perms = int(perms)
        return self.channel_permissions(channel_id, user_id) & perms == perms

    def set_overwrite(
        self,
        channel_id: int,
        target_id: int,
        *,
        allow: int = 0,
        deny: int = 0,
        member: bool | None = None,
    ) -> Overwrite:
        """Set (replace) the overwrite for a role or member on a channel."""
        channel = self.channel(channel_id)
        if channel.guild_id is None:
            raise ValueError("DM channels have no permission overwrites")
        if member is None:
            member = target_id not in self.guilds[channel.guild_id].roles
        ow = Overwrite(id=target_id, type=1 if member else 0, allow=allow, deny=deny)
        channel.overwrites[target_id] = ow
        return ow

    # ----------------------------------------------------------------- messages
    def store_message(self, message: StoredMessage) -> None:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, {})[message.id] = message
        channel = self.channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
