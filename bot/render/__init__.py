"""Domain objects -> Discord messages and embeds, within Discord's limits.

The one place that formats local times, mentions and long messages.
"""

from __future__ import annotations

from datetime import datetime, time

import discord

from bot.domain import clock_text, zones
from bot.storage.settings import GuildSettings

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
COLOUR = discord.Colour(0x7B61FF)


def timestamp(instant: datetime, style: str = "F") -> str:
    """A Discord timestamp: every viewer sees it in their own zone."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def zone_set(match: zones.ZoneMatch, now: datetime) -> str:
    lines = [
        f"Your time zone is now **{zones.zone_label(match.key)}** "
        f"(it's {clock_text.format_clock(now, match.tz)} there, {zones.utc_offset_label(now, match.tz)})."
    ]
    lines += [f"-# {match.note}"] if match.note else []
    lines += [f"⚠️ {match.warning}"] if match.warning else []
    return "\n".join(lines)


def zone_show(key: str | None, tz, now: datetime, who: discord.abc.User | None = None) -> str:
    subject = f"{who.mention}'s" if who else "Your"
    if key is None:
        if who:
            return f"{who.mention} hasn't set a time zone."
        return (
            "You haven't set a time zone yet. Use `/timezone set` (e.g. `Seoul` or `Asia/Seoul`)."
        )
    return (
        f"{subject} time zone is **{zones.zone_label(key)}**: "
        f"it's {clock_text.format_clock(now, tz)} there ({zones.utc_offset_label(now, tz)})."
    )


def quiet_set(start: time, end: time, zone_key: str | None) -> str:
    where = (
        f"your time ({zones.zone_label(zone_key)})"
        if zone_key
        else "UTC, since you have no zone set"
    )
    text = (
        f"Quiet hours set: {start.strftime('%H:%M')} to {end.strftime('%H:%M')} {where}. "
        "Premiere pings that fall inside wait until they end."
    )
    if zone_key is None:
        text += " Set your zone with `/timezone set` so they follow your clock."
    return text


def guild_zone_set(match: zones.ZoneMatch, now: datetime) -> str:
    lines = [
        f"This server's default time zone is now **{zones.zone_label(match.key)}** "
        f"({clock_text.format_clock(now, match.tz)} there). Members who set their own zone keep it."
    ]
    lines += [f"-# {match.note}"] if match.note else []
    lines += [f"⚠️ {match.warning}"] if match.warning else []
    return "\n".join(lines)


def guild_settings(current: GuildSettings) -> str:
    zone = zones.zone_label(current.zone) if current.zone else "not set (`/config timezone`)"
    channel = (
        f"<#{current.announce_channel_id}>"
        if current.announce_channel_id
        else "not set (`/config announce`)"
    )
    return f"**Default time zone:** {zone}\n**Announce channel:** {channel}"


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def split_mentions(
    header: str,
    groups: list[tuple[str, tuple[int, ...]]],
    *,
    limit: int = MESSAGE_LIMIT,
    max_ids: int = 100,
) -> list[tuple[str, tuple[int, ...]]]:
    """Lay out ``header`` then one line per group ("label: @a @b"), split into messages.

    Each message stays within ``limit`` characters and names at most ``max_ids`` members (the
    most ``allowed_mentions`` accepts); splits fall between groups or between mentions, never
    inside one. Returns (content, the user ids mentioned in it).
    """
    if limit < 64 or max_ids < 1:
        raise ValueError("split_mentions needs room for a label and a mention")
    messages: list[tuple[str, tuple[int, ...]]] = []
    text, ids = clip(header, limit), []

    def flush() -> None:
        nonlocal text, ids
        if text.strip():
            messages.append((text, tuple(ids)))
        text, ids = "", []

    for label, members in groups:
        label = clip(label, limit // 2 - 40)  # room for " (continued):" and one mention
        pending, at = tuple(members), 0
        while at < len(pending):
            prefix = f"{label}:" if at == 0 else f"{label} (continued):"
            token = " " + mention(pending[at])
            # A label line starts only where at least its first mention fits after it.
            joiner = "\n" if text else ""
            if len(ids) >= max_ids or len(text) + len(joiner + prefix + token) > limit:
                flush()
                joiner = ""
            text += joiner + prefix
            while at < len(pending):
                token = " " + mention(pending[at])
                if len(ids) >= max_ids or len(text) + len(token) > limit:
                    break
                text += token
                ids.append(pending[at])
                at += 1
    flush()
    return messages


# --- pings grouped by zone ----------------------------------------------------------------------


def zone_group_label(instant: datetime, zone_key: str | None) -> str:
    """'9:00 PM Friday your time (Asia/Seoul)', or UTC with a hint for members without a zone."""
    if zone_key is None:
        return f"{clock_text.format_clock(instant, zones.zone_from_key('UTC'))} UTC (no zone set: `/timezone set`)"
    tz = zones.zone_from_key(zone_key)
    return f"{clock_text.format_clock(instant, tz)} your time ({zones.zone_label(zone_key)})"


def zone_grouped_pings(header: str, instant: datetime, groups) -> list[tuple[str, tuple[int, ...]]]:
    """The header, then one line of mentions per zone group, split within Discord's limits."""
    return split_mentions(
        header, [(zone_group_label(instant, g.zone_key), g.user_ids) for g in groups if g.user_ids]
    )
