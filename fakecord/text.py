"""Render Discord messages as readable plain text (for the sandbox REPL and test failures).

Content keeps its markdown; ``<t:1748588400:F>`` becomes ``Friday, 30 May 2025 07:00 UTC``;
embeds are lines starting with ``| ``; buttons are ``[Going] [Maybe]``; attachments are
``attachment: poster.png``; ephemeral messages end with ``(only you can see this)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .state import StoredMessage, World

if TYPE_CHECKING:
    from .interactions import Reply

TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_EMOJI = re.compile(r"<a?(:\w+:)\d+>")
_SLASH = re.compile(r"</([\w -]+):\d+>")
Resolver = Callable[[str, int], str | None]


def format_timestamp(seconds: int, style: str | None = None, *, now: datetime | None = None) -> str:
    """What Discord shows for ``<t:seconds:style>``, in UTC (the default style is ``f``)."""
    dt = datetime.fromtimestamp(seconds, UTC)
    style = style or "f"
    if style == "t":
        return f"{dt:%H:%M} UTC"
    if style == "T":
        return f"{dt:%H:%M:%S} UTC"
    if style == "d":
        return f"{dt:%d/%m/%Y}"
    if style == "D":
        return f"{dt.day} {dt:%B %Y}"
    if style == "F":
        return f"{dt:%A}, {dt.day} {dt:%B %Y %H:%M} UTC"
    if style == "R":
        return relative(dt, now or datetime.now(UTC))
    return f"{dt.day} {dt:%B %Y %H:%M} UTC"


def relative(then: datetime, now: datetime) -> str:
    """``in 3 hours`` / ``2 days ago``, rounded like Discord's relative timestamps."""
    delta = (then - now).total_seconds()
    future = delta >= 0
    secs = abs(delta)
    for size, unit in (
        (31_536_000, "year"),
        (2_592_000, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ):
        if secs >= size or unit == "second":
            n = round(secs / size)
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    raise AssertionError("unreachable")


def render_content(
    content: str, *, resolve: Resolver | None = None, now: datetime | None = None
) -> str:
    """Timestamps as UTC text; mentions as @name / #channel when ``resolve`` knows them."""
    text = TIMESTAMP.sub(lambda m: format_timestamp(int(m.group(1)), m.group(2), now=now), content)

    def sub(pattern: re.Pattern[str], kind: str, prefix: str) -> None:
        nonlocal text

        def name(m: re.Match[str]) -> str:
            found = resolve(kind, int(m.group(1))) if resolve else None
            return f"{prefix}{found}" if found else m.group(0)

        text = pattern.sub(name, text)

    sub(_USER, "user", "@")
    sub(_ROLE, "role", "@")
    sub(_CHANNEL, "channel", "#")
    text = _EMOJI.sub(r"\1", text)
    return _SLASH.sub(r"/\1", text)


def render_embed(
    embed: Mapping[str, Any], *, resolve: Resolver | None = None, now: datetime | None = None
) -> list[str]:
    """An embed as lines prefixed with ``| ``."""

    def r(value: Any) -> str:
        return render_content(str(value), resolve=resolve, now=now)

    lines: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.append(r(author))
    if embed.get("title"):
        lines.append(
            f"**{r(embed['title'])}**" + (f" <{embed['url']}>" if embed.get("url") else "")
        )
    if embed.get("description"):
        lines.extend(r(embed["description"]).splitlines())
    for field in embed.get("fields") or []:
        name, value = r(field.get("name", "")), r(field.get("value", ""))
        if "\n" in value:
            lines.append(f"{name}:")
            lines.extend(f"  {v}" for v in value.splitlines())
        else:
            lines.append(f"{name}: {value}")
    if (embed.get("image") or {}).get("url"):
        lines.append(f"[image {embed['image']['url']}]")
    footer = (embed.get("footer") or {}).get("text")
    stamp = embed.get("timestamp")
    tail = [r(footer)] if footer else []
    if stamp:
        dt = datetime.fromisoformat(str(stamp)).astimezone(UTC)
        tail.append(f"{dt:%Y-%m-%d %H:%M} UTC")
    if tail:
        lines.append("-- " + " · ".join(tail))
    return [f"| {line}" if line else "|" for line in lines]


def render_components(
    components: list[Mapping[str, Any]],
    *,
    resolve: Resolver | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Rows of ``[Label]`` buttons, ``[v placeholder]`` selects and v2 text blocks."""
    lines: list[str] = []
    for comp in components:
        kind = comp.get("type")
        if kind == 1:
            row = " ".join(_control(c) for c in comp.get("components") or [])
            if row:
                lines.append(row)
        elif kind == 10:
            lines.extend(
                render_content(str(comp.get("content", "")), resolve=resolve, now=now).splitlines()
            )
        elif kind == 9:
            lines.extend(render_components(comp.get("components") or [], resolve=resolve, now=now))
            if comp.get("accessory"):
                lines.append(_control(comp["accessory"]))
        elif kind == 14:
            lines.append("-" * 20)
        elif kind == 17:
            inner = render_components(comp.get("components") or [], resolve=resolve, now=now)
            lines.extend(f"| {line}" for line in inner)
        elif kind in (2, 3, 5, 6, 7, 8):
            lines.append(_control(comp))
    return lines


def _control(comp: Mapping[str, Any]) -> str:
    kind = comp.get("type")
    if kind == 2:
        label = str(comp.get("label") or (comp.get("emoji") or {}).get("name") or "button")
        if comp.get("style") == 5:
            label += " ->"
        return f"[{label}{' (disabled)' if comp.get('disabled') else ''}]"
    if kind in (3, 5, 6, 7, 8):
        return f"[v {comp.get('placeholder') or 'choose'}]"
    return ""


def render_message(
    message: StoredMessage | Mapping[str, Any],
    *,
    world: World | None = None,
    now: datetime | None = None,
    show_author: bool = False,
) -> str:
    """A message (stored message or raw payload) as plain text."""
    payload: Mapping[str, Any] = message.payload if isinstance(message, StoredMessage) else message
    resolve = _resolver(world, payload) if world is not None else None
    lines: list[str] = []
    content = str(payload.get("content") or "")
    if content:
        lines.extend(render_content(content, resolve=resolve, now=now).splitlines())
    for embed in payload.get("embeds") or []:
        lines.extend(render_embed(embed, resolve=resolve, now=now))
    lines.extend(render_components(list(payload.get("components") or []), resolve=resolve, now=now))
    for att in payload.get("attachments") or []:
        lines.append(f"attachment: {att.get('filename')}")
    flags = int(payload.get("flags") or 0)
    if flags & 128:
        lines.append("(thinking...)")
    if flags & 64:
        lines.append("(only you can see this)")
    if show_author:
        author = payload.get("author") or {}
        name = author.get("global_name") or author.get("username") or "?"
        lines = [f"{name}:"] + [f"  {line}" for line in lines]
    return "\n".join(lines) if lines else "(empty message)"


def render_reply(reply: Reply, *, world: World | None = None, now: datetime | None = None) -> str:
    """An interaction's reply: message text, autocomplete choices or the opened form."""
    if reply.kind == "autocomplete":
        if not reply.choices:
            return "(no suggestions)"
        return "\n".join(
            f"- {c['name']}" + (f"  ({c['value']})" if c["value"] != c["name"] else "")
            for c in reply.choices
        )
    if reply.kind == "modal" and reply.modal is not None:
        return render_modal(reply.modal)
    text = render_message(reply.payload, world=world, now=now) if reply.payload else "(no message)"
    extra = [m for m in reply.followups if m is not reply.message]
    for m in extra:
        text += "\n" + render_message(m, world=world, now=now)
    return text


def render_modal(modal: Mapping[str, Any]) -> str:
    """A form the bot opened: its title and fields (``custom_id: label``)."""
    lines = [f"form: {modal.get('title')}"]

    def walk(components: list[Mapping[str, Any]], label: str | None = None) -> None:
        for comp in components:
            kind = comp.get("type")
            if kind == 1:
                walk(comp.get("components") or [])
            elif kind == 18 and isinstance(comp.get("component"), Mapping):
                walk([comp["component"]], str(comp.get("label") or ""))
            elif kind == 10:
                lines.append(f"  {comp.get('content', '')}")
            elif comp.get("custom_id"):
                req = " (required)" if comp.get("required", True) else ""
                text = label if label is not None else comp.get("label") or ""
                lines.append(f"  {comp['custom_id']}: {text}{req}")

    walk(list(modal.get("components") or []))
    return "\n".join(lines)


def _resolver(world: World, payload: Mapping[str, Any]) -> Resolver:
    guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None

    def resolve(kind: str, ident: int) -> str | None:
        if kind == "user":
            return world.display_name(ident, guild_id) if ident in world.users else None
        if kind == "role":
            for guild in world.guilds.values():
                if ident in guild.roles:
                    return guild.roles[ident].name.lstrip("@")
            return None
        channel = world.channels.get(ident)
        return channel.name if channel is not None else None

    return resolve
