"""Creating, editing and deleting messages the way Discord does, shared by every route."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError, cannot_dm, form_error, too_large
from .mentions import AllowedMentionsError, Pings, compute_pings
from .payloads import member_payload, message_timestamp, user_payload
from .permissions import Perm
from .state import FileRecord, StoredMessage, World, iso
from .validation import validate_message_body

#: Flags a sender may set on a message; EPHEMERAL only through interactions.
_SETTABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_EDITABLE = ("content", "embeds", "components", "flags", "allowed_mentions", "poll")

Listener = Callable[[StoredMessage, str], None]


class MessageStore:
    """Builds message objects, computes pings, stores them and tells listeners and the gateway."""

    def __init__(self, world: World, attachment_base: Callable[[], str]) -> None:
        self.world = world
        self._attachment_base = attachment_base
        self.listeners: list[Listener] = []

    # ----------------------------------------------------------------- create / edit / delete
    def create(
        self,
        channel_id: int,
        author_id: int,
        body: dict[str, Any],
        files: list[FileRecord],
        *,
        origin: str,
        interaction: dict[str, Any] | None = None,
        allow_ephemeral: bool = False,
        message_type: int = 0,
        loading: bool = False,
    ) -> StoredMessage:
        """Validate and store a new message; raises ApiError like Discord would.

        ``loading`` creates the empty "thinking" placeholder of a deferred interaction.
        """
        validate_message_body(body, has_files=bool(files), creating=not loading)
        _check_file_sizes(files)
        world = self.world
        channel = world.channel(channel_id)
        msg_id = world.ids.next()
        flags = int(body.get("flags") or 0)
        flags &= _SETTABLE_FLAGS | (EPHEMERAL | LOADING if allow_ephemeral else 0)
        payload: dict[str, Any] = {
            "id": str(msg_id),
            "channel_id": str(channel_id),
            "author": user_payload(world.users[author_id]),
            "content": str(body.get("content") or ""),
            "timestamp": message_timestamp(msg_id),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "embeds": [_normalise_embed(e) for e in body.get("embeds") or []],
            "components": copy.deepcopy(body.get("components") or []),
            "attachments": self._attachments(channel_id, body.get("attachments"), files, []),
            "pinned": False,
            "type": message_type,
            "flags": flags,
            "reactions": [],
        }
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        if "nonce" in body and body["nonce"] is not None:
            payload["nonce"] = body["nonce"]
        if interaction is not None:
            payload["webhook_id"] = str(world.application_id)
            payload["application_id"] = str(world.application_id)
            payload["interaction_metadata"] = interaction
        if body.get("message_reference"):
            ref = body["message_reference"]
            payload["message_reference"] = {**ref, "type": ref.get("type", 0)}
            if payload["type"] == 0:
                payload["type"] = 19
        message = StoredMessage(
            id=msg_id,
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author_id=author_id,
            origin=origin,
            payload=payload,
            sent=copy.deepcopy(body),
            files=list(files),
            interaction_id=int(interaction["id"]) if interaction else None,
        )
        self._apply_pings(message)
        world.store_message(message)
        if not message.ephemeral:
            self._emit("MESSAGE_CREATE", message)
        self._notify(message, "create")
        return message

    def edit(self, message: StoredMessage, body: dict[str, Any], files: list[FileRecord]) -> None:
        """Apply a PATCH body (only the fields present change)."""
        validate_message_body(body, has_files=bool(files), creating=False)
        _check_file_sizes(files)
        payload = message.payload
        for key in _EDITABLE:
            if key not in body:
                continue
            value = body[key]
            if key == "embeds":
                payload["embeds"] = [_normalise_embed(e) for e in value or []]
            elif key == "flags":
                keep = payload.get("flags", 0) & (EPHEMERAL | LOADING)
                payload["flags"] = keep | (int(value or 0) & _SETTABLE_FLAGS)
            elif key == "content":
                payload["content"] = str(value or "")
            elif key != "allowed_mentions":
                payload[key] = copy.deepcopy(value or [])
        if "attachments" in body or files:
            payload["attachments"] = self._attachments(
                message.channel_id, body.get("attachments"), files, payload.get("attachments", [])
            )
            message.files.extend(files)
        payload["flags"] = payload.get("flags", 0) & ~LOADING
        payload["edited_timestamp"] = iso(datetime.now(UTC))
        message.edits.append(copy.deepcopy(body))
        self._apply_pings(message)
        if not message.ephemeral:
            self._emit("MESSAGE_UPDATE", message)
        self._notify(message, "edit")

    def delete(self, message: StoredMessage) -> None:
        message.deleted = True
        data: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if not message.ephemeral:
            self.world.emit("MESSAGE_DELETE", data, message.guild_id)
        self._notify(message, "delete")

    # ----------------------------------------------------------------- pings
    def pings(self, message: StoredMessage) -> Pings:
        """The raw ping outcome for the message's current content and allowed_mentions."""
        world = self.world
        content = message.content
        ref = message.sent.get("message_reference")
        if "@" not in content and not ref:
            return Pings()  # the common case for pings-free text; skips permission math
        guild = world.guilds.get(message.guild_id) if message.guild_id else None
        can_everyone = True
        pingable: list[int] | None = None
        if guild is not None and message.author_id in guild.members:
            can_everyone = world.can(message.channel_id, message.author_id, Perm.MENTION_EVERYONE)
            pingable = [r.id for r in guild.roles.values() if r.mentionable]
        replied = None
        if ref and ref.get("message_id"):
            original = world.messages.get(int(ref["message_id"]))
            replied = original.author_id if original is not None else None
        return compute_pings(
            content,
            message.allowed_mentions,
            replied_user_id=replied,
            pingable_roles=pingable,
            can_mention_everyone=can_everyone,
        )

    def pinged_user_ids(self, message: StoredMessage) -> set[int]:
        """Every user who would get a notification: direct, via roles and via @everyone/@here.

        In a guild only members who can see the channel count; the author never pings themself.
        Messages with SUPPRESS_NOTIFICATIONS (4096) and ephemeral messages notify no one.
        """
        if message.flags & ((1 << 12) | EPHEMERAL):
            return set()
        world = self.world
        pings = self.pings(message)
        if message.guild_id is None:
            channel = world.channels.get(message.channel_id)
            recipients = set(channel.recipient_ids) if channel else set()
            return (set(pings.users) & recipients) - {message.author_id}
        guild = world.guilds[message.guild_id]
        out = set(pings.users)
        for member in guild.members.values():
            if pings.everyone or pings.roles & set(member.role_ids):
                out.add(member.user_id)
        visible = {
            uid
            for uid in out
            if uid in guild.members and world.can(message.channel_id, uid, Perm.VIEW_CHANNEL)
        }
        return visible - {message.author_id}

    def _apply_pings(self, message: StoredMessage) -> None:
        try:
            pings = self.pings(message)
        except AllowedMentionsError as exc:  # validated earlier; kept for edits of old messages
            raise form_error(exc.path, exc.code, exc.message) from None
        world = self.world
        payload = message.payload
        payload["mention_everyone"] = pings.everyone
        payload["mentions"] = [
            user_payload(world.users[u]) for u in sorted(pings.users) if u in world.users
        ]
        payload["mention_roles"] = [str(r) for r in sorted(pings.roles)]

    # ----------------------------------------------------------------- helpers
    def _attachments(
        self,
        channel_id: int,
        listed: list[dict[str, Any]] | None,
        files: list[FileRecord],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Resolve an ``attachments`` array: new uploads by index, kept ones by id."""
        by_index = {}
        for n, f in enumerate(files):
            index = f.field.removeprefix("files[").removesuffix("]")
            by_index[index if index.isdigit() else str(n)] = f
        old = {str(a["id"]): a for a in existing}
        out: list[dict[str, Any]] = []
        if listed is None:
            listed = [{"id": k} for k in by_index] if files else list(existing)
        for item in listed:
            key = str(item.get("id"))
            if key in old:
                out.append(old[key])
                continue
            upload = by_index.get(key)
            if upload is None:
                raise form_error("attachments", "ATTACHMENT_NOT_FOUND", f"Unknown attachment {key}")
            att_id = self.world.ids.next()
            self.world.attachment_files[att_id] = upload
            filename = item.get("filename") or upload.filename
            url = f"{self._attachment_base()}/attachments/{channel_id}/{att_id}/{filename}"
            out.append(
                {
                    "id": str(att_id),
                    "filename": filename,
                    "size": upload.size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                    "description": item.get("description"),
                    "ephemeral": False,
                }
            )
        return out

    def _emit(self, event: str, message: StoredMessage) -> None:
        data = copy.copy(message.payload)
        if message.guild_id is not None:
            guild = self.world.guilds.get(message.guild_id)
            member = guild.members.get(message.author_id) if guild else None
            if member is not None:
                data["member"] = member_payload(self.world, member, with_user=False)
        self.world.emit(event, data, message.guild_id)

    def _notify(self, message: StoredMessage, what: str) -> None:
        for listener in list(self.listeners):
            listener(message, what)


def _check_file_sizes(files: list[FileRecord]) -> None:
    if sum(f.size for f in files) > ATTACHMENT_SIZE_LIMIT:
        raise too_large()


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(embed)
    out.setdefault("type", "rich")
    return out


def channel_write_check(world: World, channel_id: int, *, files: bool) -> None:
    """Raise the error Discord gives when the bot may not post in a channel."""
    channel = world.channel(channel_id)
    if channel.guild_id is None:
        recipient = world.users[channel.recipient_ids[0]]
        if recipient.dms_blocked or not any(
            recipient.id in g.members for g in world.guilds.values()
        ):
            raise cannot_dm()
        return
    perms = world.channel_permissions(channel_id, world.bot_id)
    if not perms & int(Perm.VIEW_CHANNEL):
        raise ApiError(403, 50001, "Missing Access")
    send = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
    if not perms & int(send):
        raise ApiError(403, 50013, "Missing Permissions")
    if files and not perms & int(Perm.ATTACH_FILES):
        raise ApiError(403, 50013, "Missing Permissions")
