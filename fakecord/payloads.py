"""World objects -> the JSON shapes Discord's API and gateway send (API v10)."""

from __future__ import annotations

from typing import Any

from .state import Channel, ChannelType, Guild, Member, Role, User, World, iso, snowflake_time


def user_payload(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }
    if user.bot:
        data["bot"] = True
    return data


def self_user_payload(user: User) -> dict[str, Any]:
    """The bot's own user object (GET /users/@me and READY)."""
    return {
        **user_payload(user),
        "verified": True,
        "mfa_enabled": False,
        "locale": "en-US",
        "email": None,
        "bot": True,
    }


def role_payload(role: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": str(role.bot_id)}
    return data


def channel_payload(world: World, channel: Channel) -> dict[str, Any]:
    if channel.type == ChannelType.DM:
        return {
            "id": str(channel.id),
            "type": int(channel.type),
            "last_message_id": _opt_id(channel.last_message_id),
            "flags": 0,
            "recipients": [user_payload(world.users[uid]) for uid in channel.recipient_ids],
        }
    data: dict[str, Any] = {
        "id": str(channel.id),
        "type": int(channel.type),
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "parent_id": _opt_id(channel.parent_id),
        "flags": 0,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in channel.overwrites.values()
        ],
    }
    if channel.is_thread:
        return thread_payload(channel)
    if channel.type in (ChannelType.TEXT, ChannelType.ANNOUNCEMENT):
        data.update(
            topic=channel.topic,
            nsfw=False,
            rate_limit_per_user=0,
            last_message_id=_opt_id(channel.last_message_id),
        )
    elif channel.type in (ChannelType.VOICE, ChannelType.STAGE):
        data.update(
            bitrate=64000,
            user_limit=0,
            rtc_region=None,
            nsfw=False,
            rate_limit_per_user=0,
            last_message_id=_opt_id(channel.last_message_id),
        )
    return data


def thread_payload(thread: Channel) -> dict[str, Any]:
    """A thread channel object, as Discord returns it (active, never archived here)."""
    created = iso(thread.created_at or snowflake_time(thread.id))
    return {
        "id": str(thread.id),
        "type": int(thread.type),
        "guild_id": str(thread.guild_id),
        "parent_id": _opt_id(thread.parent_id),
        "owner_id": _opt_id(thread.owner_id),
        "name": thread.name,
        "last_message_id": _opt_id(thread.last_message_id),
        "rate_limit_per_user": 0,
        "message_count": thread.message_count,
        "member_count": 1,
        "total_message_sent": thread.message_count,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "archive_timestamp": created,
            "auto_archive_duration": thread.auto_archive_duration,
            "locked": False,
            "create_timestamp": created,
        },
    }


def member_payload(
    world: World, member: Member, *, with_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.role_ids],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(member.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(world.users[member.user_id])
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_payload(world: World, guild: Guild) -> dict[str, Any]:
    """The guild object of GET /guilds/{id}."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "max_presences": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "incidents_data": None,
    }


def guild_create_payload(world: World, guild: Guild) -> dict[str, Any]:
    """GUILD_CREATE for a bot without privileged intents: only the bot's own member is listed."""
    bot_member = guild.members[world.bot_id]
    return {
        **guild_payload(world, guild),
        "joined_at": iso(bot_member.joined_at),
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "voice_states": [],
        "members": [member_payload(world, bot_member)],
        "channels": [
            _without_guild_id(channel_payload(world, world.channels[c])) for c in guild.channel_ids
        ],
        "threads": [thread_payload(t) for t in world.threads_of(guild.id)],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": list(guild.scheduled_events.values()),
        "soundboard_sounds": [],
        "lazy": True,
    }


def message_timestamp(message_id: int) -> str:
    return iso(snowflake_time(message_id))


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def _without_guild_id(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("guild_id", None)
    return data
