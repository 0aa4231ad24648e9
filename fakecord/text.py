"""Render Discord messages as readable plain text (for the sandbox REPL and test failures).

Content keeps its markdown; ``<t:1748588400:F>`` becomes ``Friday, 30 May 2025 07:00 UTC``, or
``Friday, 30 May 2025 16:00 KST`` for a viewer in ``tz=ZoneInfo("Asia/Seoul")`` (Discord's client
shows timestamps in the viewer's zone); embeds are lines starting with ``| ``; buttons are
``[Going] [Maybe]``; attachments are ``attachment: poster.png (9 bytes)``, followed by the text of
a text file when the world holds it; ephemeral messages end with ``(only you can see this)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .state import FileRecord, StoredMessage, World

if TYPE_CHECKING:
    from .interactions import Reply

TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_EMOJI = re.compile(r"<a?(:\w+:)\d+>")
_SLASH = re.compile(r"</([\w -]+):\d+>")
Resolver = Callable[[str, int], str | None]
#: Lines of a text attachment shown before the rest is summed up.
ATTACHMENT_LINES = 40


def format_timestamp(
    seconds: int,
    style: str | None = None,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> str:
    """What Discord shows for ``<t:seconds:style>`` to a viewer in ``tz`` (default UTC), with the
    zone named, since the reader can't tell (the default style is ``f``)."""
    dt = datetime.fromtimestamp(seconds, tz or UTC)
    zone = zone_label(dt)
    style = style or "f"
    if style == "t":
        return f"{dt:%H:%M} {zone}"
    if style == "T":
        return f"{dt:%H:%M:%S} {zone}"
    if style == "d":
        return f"{dt:%d/%m/%Y}"
    if style == "D":
        return f"{dt.day} {dt:%B %Y}"
    if style == "F":
        return f"{dt:%A}, {dt.day} {dt:%B %Y %H:%M} {zone}"
    if style == "R":
        return relative(dt, now or datetime.now(UTC))
    return f"{dt.day} {dt:%B %Y %H:%M} {zone}"


def zone_label(dt: datetime) -> str:
    """``UTC``, ``KST``, ``CEST``; ``UTC-03`` where the zone has no abbreviation."""
    name = dt.tzname() or "UTC"
    return f"UTC{name}" if name[0] in "+-" else name


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
    content: str,
    *,
    resolve: Resolver | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> str:
    """Timestamps as text in ``tz``; mentions as @name / #channel when ``resolve`` knows them."""
    text = TIMESTAMP.sub(
        lambda m: format_timestamp(int(m.group(1)), m.group(2), now=now, tz=tz), content
    )

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
    embed: Mapping[str, Any],
    *,
    resolve: Resolver | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> list[str]:
    """An embed as lines prefixed with ``| ``."""

    def r(value: Any) -> str:
        return render_content(str(value), resolve=resolve, now=now, tz=tz)

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
        dt = datetime.fromisoformat(str(stamp)).astimezone(tz or UTC)
        tail.append(f"{dt:%Y-%m-%d %H:%M} {zone_label(dt)}")
    if tail:
        lines.append("-- " + " · ".join(tail))
    return [f"| {line}" if line else "|" for line in lines]


def render_components(
    components: list[Mapping[str, Any]],
    *,
    resolve: Resolver | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> list[str]:
    """Rows of ``[Label]`` buttons, ``[v placeholder]`` selects and v2 text blocks."""
    lines: list[str] = []
    for comp in components:
        kind = comp.get("type")
        inner = list(comp.get("components") or [])
        if kind == 1:
            row = " ".join(_control(c) for c in inner)
            if row:
                lines.append(row)
        elif kind == 10:
            text = render_content(str(comp.get("content", "")), resolve=resolve, now=now, tz=tz)
            lines.extend(text.splitlines())
        elif kind == 9:
            lines.extend(render_components(inner, resolve=resolve, now=now, tz=tz))
            if comp.get("accessory"):
                lines.append(_control(comp["accessory"]))
        elif kind == 14:
            lines.append("-" * 20)
        elif kind == 17:
            lines.extend(
                f"| {line}" for line in render_components(inner, resolve=resolve, now=now, tz=tz)
            )
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
    tz: tzinfo | None = None,
    show_author: bool = False,
) -> str:
    """A message (stored message or raw payload) as plain text; with ``world``, mentions get
    names and text attachments their text."""
    payload: Mapping[str, Any] = message.payload if isinstance(message, StoredMessage) else message
    resolve = _resolver(world, payload) if world is not None else None
    lines: list[str] = []
    content = str(payload.get("content") or "")
    if content:
        lines.extend(render_content(content, resolve=resolve, now=now, tz=tz).splitlines())
    for embed in payload.get("embeds") or []:
        lines.extend(render_embed(embed, resolve=resolve, now=now, tz=tz))
    components = list(payload.get("components") or [])
    lines.extend(render_components(components, resolve=resolve, now=now, tz=tz))
    for att in payload.get("attachments") or []:
        upload = world.attachment_files.get(int(att["id"])) if world and att.get("id") else None
        lines.extend(render_attachment(att, upload))
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


def shows_times(payload: Mapping[str, Any]) -> bool:
    """Whether the rendered message shows a time (a ``<t:...>`` or an embed timestamp)."""
    embeds = payload.get("embeds") or []
    return bool(TIMESTAMP.search(json.dumps(payload))) or any(e.get("timestamp") for e in embeds)


def render_attachment(attachment: Mapping[str, Any], upload: FileRecord | None = None) -> list[str]:
    """``attachment: name (size)``, then the lines of a text file (an .ics, a .txt) when its
    bytes are known: a member opens it with one click."""
    size = attachment.get("size")
    about = ", ".join(
        str(x) for x in (attachment.get("content_type"), size and f"{size:,} bytes") if x
    )
    head = f"attachment: {attachment.get('filename')}" + (f" ({about})" if about else "")
    text = _as_text(upload.data) if upload is not None else None
    if text is None:
        return [head]
    lines = text.splitlines()
    shown = [f"  {line}" for line in lines[:ATTACHMENT_LINES]]
    if len(lines) > ATTACHMENT_LINES:
        shown.append(f"  ... {len(lines) - ATTACHMENT_LINES} more lines")
    return [head + ":", *shown]


def _as_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if any(ord(c) < 32 and c not in "\t\r\n" for c in text) else text


def render_reply(
    reply: Reply,
    *,
    world: World | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> str:
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
    if not reply.payload:
        text = "(no message)"
    else:
        text = render_message(reply.payload, world=world, now=now, tz=tz)
    extra = [m for m in reply.followups if m is not reply.message]
    for m in extra:
        text += "\n" + render_message(m, world=world, now=now, tz=tz)
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


#: What a member's client says about a scheduled event, by status.
EVENT_STATUS = {1: "", 2: " (live now)", 3: " (ended)", 4: " (cancelled)"}


def render_event(
    event: Mapping[str, Any], *, world: World | None = None, tz: tzinfo | None = None
) -> str:
    """A native scheduled event as a member sees it in the server's event list."""
    when = [
        format_timestamp(int(datetime.fromisoformat(str(event[key])).timestamp()), "F", tz=tz)
        for key in ("scheduled_start_time", "scheduled_end_time")
        if event.get(key)
    ]
    channel = world.channels.get(int(event.get("channel_id") or 0)) if world else None
    where = f"#{channel.name}" if channel else (event.get("entity_metadata") or {}).get("location")
    lines = [f"**{event.get('name')}**{EVENT_STATUS.get(int(event.get('status') or 1), '')}"]
    lines.append("  " + " to ".join(when) + (f", in {where}" if where else ""))
    lines.extend(f"  {line}" for line in str(event.get("description") or "").splitlines())
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
