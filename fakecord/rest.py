"""The fake REST API: request recording, auth, faults and rate limits around plain handlers.

Handlers take an :class:`ApiRequest` and return the JSON body (200), ``None`` (204) or a
``(status, body)`` tuple; they raise :class:`ApiError` for Discord's error answers. Every request,
including unknown routes, ends up in ``FakeDiscord.requests`` with the status it got.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import errors as err
from .errors import ApiError, form_error
from .messages import channel_write_check
from .payloads import (
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
    self_user_payload,
    user_payload,
)
from .permissions import Perm
from .records import RequestRecord
from .shards import recommended_shards
from .state import MESSAGEABLE, ChannelType, FileRecord, Guild, iso

if TYPE_CHECKING:
    from .fake import FakeDiscord

log = logging.getLogger(__name__)
API_PREFIX = "/api/v10"
#: Scheduled or active events a server may have at once (Discord: 30038 beyond it).
MAX_EVENTS = 100
Handler = Callable[["ApiRequest"], Awaitable[Any]]


@dataclass
class ApiRequest:
    """What a handler gets: the record (json, files, query) and the path parameters."""

    record: RequestRecord
    params: dict[str, str]

    @property
    def json(self) -> Any:
        return self.record.json

    @property
    def files(self) -> list[FileRecord]:
        return self.record.files

    def id(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise form_error(name, "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
        return int(value)

    def body(self) -> dict[str, Any]:
        if not isinstance(self.record.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.record.json


class RestApi:
    """Registers routes on the aiohttp app and runs each request through the pipeline."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.world = fake.world

    # ----------------------------------------------------------------- wiring
    def install(self, app: web.Application) -> None:
        from .rest_interactions import interaction_routes
        from .rest_threads import thread_routes

        routes = [*self._routes(), *interaction_routes(self), *thread_routes(self)]
        for method, template, handler, auth in routes:
            app.router.add_route(
                method, API_PREFIX + template, self._wrap(method, template, handler, auth)
            )
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        app.router.add_route("*", "/{tail:.*}", self._unknown)

    def _routes(self) -> list[tuple[str, str, Handler, bool]]:
        return [
            ("GET", "/users/@me", self.get_me, True),
            ("POST", "/users/@me/channels", self.open_dm, True),
            ("GET", "/users/{user_id}", self.get_user, True),
            ("GET", "/oauth2/applications/@me", self.app_info, True),
            ("GET", "/applications/@me", self.app_info, True),
            ("GET", "/gateway", self.get_gateway, False),
            ("GET", "/gateway/bot", self.get_gateway_bot, True),
            ("GET", "/channels/{channel_id}", self.get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self.list_messages, True),
            ("POST", "/channels/{channel_id}/messages", self.create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message, True),
            ("POST", "/channels/{channel_id}/typing", self.typing, True),
            ("GET", "/guilds/{guild_id}", self.get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self.get_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member, True),
            ("GET", "/guilds/{guild_id}/scheduled-events", self.list_events, True),
            ("POST", "/guilds/{guild_id}/scheduled-events", self.create_event, True),
            ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self.get_event, True),
            ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self.edit_event, True),
            ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self.delete_event, True),
        ]

    # ----------------------------------------------------------------- pipeline
    def _wrap(
        self, method: str, template: str, handler: Handler, auth: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        route = f"{method} {template}"
        fake = self.fake

        async def handle(request: web.Request) -> web.StreamResponse:
            record = await self._record(request, route)
            extra: dict[str, str] = {}
            try:
                answer = fake.faults.check(record)
                if answer is None and auth and not record.authorized:
                    raise err.unauthorized()
                if answer is None and fake.rate_limiter is not None:
                    major = "+".join(
                        v
                        for k, v in request.match_info.items()
                        if k in ("channel_id", "guild_id", "token")
                    )
                    exempt = template.startswith(("/interactions/", "/webhooks/"))
                    answer, extra = fake.rate_limiter.take(
                        method, template, major, global_exempt=exempt, caller=_caller(request)
                    )
                if answer is not None:
                    record.fault = answer.label
                    return self._finish(record, answer.status, answer.body, answer.headers)
                result = await handler(ApiRequest(record, dict(request.match_info)))
            except ApiError as exc:
                return self._finish(record, exc.status, exc.body(), extra)
            except LookupError as exc:  # a world lookup inside a handler: treat as 404
                log.debug("lookup failed in %s: %s", route, exc)
                return self._finish(record, 404, err.not_found_route().body(), extra)
            status, body = result if isinstance(result, tuple) else (200, result)
            return self._finish(record, status if body is not None else 204, body, extra)

        return handle

    async def _record(self, request: web.Request, route: str | None) -> RequestRecord:
        path = request.path.removeprefix(API_PREFIX)
        body: Any = None
        files: list[FileRecord] = []
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # Discord's uploads never nest multipart bodies
                if part.name == "payload_json":
                    body = _loads(await part.text())
                elif part.filename is not None:
                    files.append(
                        FileRecord(
                            part.name or "",
                            part.filename,
                            part.headers.get("Content-Type"),
                            bytes(await part.read()),
                        )
                    )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                body = _loads(raw.decode("utf-8", "replace"))
        reason = request.headers.get("X-Audit-Log-Reason")
        record = RequestRecord(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=None if body is _BAD_JSON else body,
            files=files,
            received_at=time.time(),
            authorized=request.headers.get("Authorization") == f"Bot {self.fake.token}",
            reason=reason,
            route=route,
            params=dict(request.match_info),
        )
        self.fake.requests.append(record)
        return record

    def _finish(
        self, record: RequestRecord, status: int, body: Any, headers: dict[str, str]
    ) -> web.Response:
        record.status = status
        self.fake.answered.append(record)
        self.fake._bump()
        if body is None:
            return web.Response(status=status, headers=headers)
        if isinstance(body, str):
            return web.Response(status=status, text=body, headers=headers)
        return web.Response(
            status=status,
            body=json.dumps(body, separators=(",", ":")).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        record = await self._record(request, None)
        self.fake.unknown_requests.append(record)
        log.warning("fake Discord: unknown route %s %s", request.method, request.path)
        return self._finish(record, 404, err.not_found_route().body(), {})

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        """Attachment downloads (discord.py's ``Attachment.read()``)."""
        ident = request.match_info["attachment_id"]
        upload = self.world.attachment_files.get(int(ident)) if ident.isdigit() else None
        if upload is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    # ----------------------------------------------------------------- checks
    def guild_of(self, req: ApiRequest) -> Guild:
        guild = self.world.guilds.get(req.id("guild_id"))
        if guild is None:
            raise err.unknown_guild()
        return guild

    def visible_channel(self, req: ApiRequest) -> int:
        """The channel id from the path; 404 if unknown, 403 if the bot can't see it."""
        channel = self.world.channels.get(req.id("channel_id"))
        if channel is None:
            raise err.unknown_channel()
        if channel.guild_id is not None and not self.world.can(
            channel.id, self.world.bot_id, Perm.VIEW_CHANNEL
        ):
            raise err.missing_access()
        return channel.id

    # ----------------------------------------------------------------- users, app, gateway
    async def get_me(self, req: ApiRequest) -> Any:
        return self_user_payload(self.world.users[self.world.bot_id])

    async def get_user(self, req: ApiRequest) -> Any:
        user = self.world.users.get(req.id("user_id"))
        if user is None:
            raise err.unknown_user()
        return user_payload(user)

    async def app_info(self, req: ApiRequest) -> Any:
        world = self.world
        bot = world.users[world.bot_id]
        return {
            "id": str(world.application_id),
            "name": bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": user_payload(world.users[world.owner_id]),
            "team": None,
            "bot": user_payload(bot),
            "hook": True,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(world.guilds),
        }

    async def get_gateway(self, req: ApiRequest) -> Any:
        return {"url": self.fake.gateway_url.rstrip("/")}

    async def get_gateway_bot(self, req: ApiRequest) -> Any:
        fake = self.fake
        return {
            "url": fake.gateway_url.rstrip("/"),
            "shards": recommended_shards(
                len(self.world.guilds), fake.shard_policy.guilds_per_recommended_shard
            ),
            "session_start_limit": fake.gateway.gate.session_start_limit(),
        }

    async def open_dm(self, req: ApiRequest) -> Any:
        body = req.body()
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            raise form_error(
                "recipient_id", "BASE_TYPE_REQUIRED", "This field is required"
            ) from None
        if user_id not in self.world.users:
            raise err.unknown_user()
        return channel_payload(self.world, self.world.open_dm(user_id))

    # ----------------------------------------------------------------- channels and messages
    async def get_channel(self, req: ApiRequest) -> Any:
        return channel_payload(self.world, self.world.channels[self.visible_channel(req)])

    async def list_messages(self, req: ApiRequest) -> Any:
        cid = self.visible_channel(req)
        query = req.record.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        msgs = [
            m
            for m in self.world.channel_messages.get(cid, {}).values()
            if not m.deleted and not m.ephemeral
        ]
        if "before" in query:
            msgs = [m for m in msgs if m.id < int(query["before"])]
        if "after" in query:
            msgs = [m for m in msgs if m.id > int(query["after"])][:limit]
        else:
            msgs = msgs[-limit:]
        return [m.payload for m in reversed(msgs)]

    async def create_message(self, req: ApiRequest) -> Any:
        world = self.world
        cid = req.id("channel_id")
        channel = world.channels.get(cid)
        if channel is None:
            raise err.unknown_channel()
        if channel.type not in MESSAGEABLE:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        body = req.body()
        channel_write_check(world, cid, files=bool(req.files))
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            original = self.fake._nonce_lookup(cid, nonce)
            if original is not None:
                return original.payload
        message = self.fake.messages.create(cid, world.bot_id, body, req.files, origin="channel")
        if nonce is not None:
            self.fake._nonce_remember(cid, nonce, message)
        return message.payload

    def _message(self, req: ApiRequest) -> Any:
        cid = self.visible_channel(req)
        msg = self.world.channel_messages.get(cid, {}).get(req.id("message_id"))
        if msg is None or msg.deleted or msg.ephemeral:
            raise err.unknown_message()
        return msg

    async def get_message(self, req: ApiRequest) -> Any:
        return self._message(req).payload

    async def edit_message(self, req: ApiRequest) -> Any:
        msg = self._message(req)
        if msg.author_id != self.world.bot_id:
            raise err.cannot_edit_others()
        self.fake.messages.edit(msg, req.body(), req.files)
        return msg.payload

    async def delete_message(self, req: ApiRequest) -> Any:
        msg = self._message(req)
        if msg.author_id != self.world.bot_id and not self.world.can(
            msg.channel_id, self.world.bot_id, Perm.MANAGE_MESSAGES
        ):
            raise err.missing_permissions()
        self.fake.messages.delete(msg)
        return None

    async def typing(self, req: ApiRequest) -> Any:
        self.visible_channel(req)
        return None

    # ----------------------------------------------------------------- guilds
    async def get_guild(self, req: ApiRequest) -> Any:
        guild = self.guild_of(req)
        data = guild_payload(self.world, guild)
        if req.record.query.get("with_counts") in ("true", "1"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return data

    async def get_guild_channels(self, req: ApiRequest) -> Any:
        guild = self.guild_of(req)
        return [channel_payload(self.world, self.world.channels[c]) for c in guild.channel_ids]

    async def get_roles(self, req: ApiRequest) -> Any:
        return [role_payload(r) for r in self.guild_of(req).roles.values()]

    async def get_member(self, req: ApiRequest) -> Any:
        guild = self.guild_of(req)
        member = guild.members.get(req.id("user_id"))
        if member is None:
            raise err.unknown_member()
        return member_payload(self.world, member)

    # ----------------------------------------------------------------- scheduled events
    def _event(self, req: ApiRequest) -> tuple[Guild, dict[str, Any]]:
        guild = self.guild_of(req)
        event = guild.scheduled_events.get(req.id("event_id"))
        if event is None:
            raise err.unknown_event()
        return guild, event

    def _require_event_perms(self, guild: Guild, event: dict[str, Any] | None) -> None:
        perms = self.world.guild_permissions(guild.id, self.world.bot_id)
        own = event is None or event.get("creator_id") == str(self.world.bot_id)
        if not (perms & Perm.MANAGE_EVENTS or (own and perms & Perm.CREATE_EVENTS)):
            raise err.missing_permissions()

    async def list_events(self, req: ApiRequest) -> Any:
        return list(self.guild_of(req).scheduled_events.values())

    async def get_event(self, req: ApiRequest) -> Any:
        return self._event(req)[1]

    async def create_event(self, req: ApiRequest) -> Any:
        guild = self.guild_of(req)
        self._require_event_perms(guild, None)
        live = [e for e in guild.scheduled_events.values() if e.get("status") in (1, 2)]
        if len(live) >= MAX_EVENTS:
            raise err.too_many_events()
        body = req.body()
        world = self.world
        event: dict[str, Any] = {
            "id": str(world.ids.next()),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": str(world.bot_id),
            "creator": user_payload(world.users[world.bot_id]),
            "name": None,
            "description": None,
            "scheduled_start_time": None,
            "scheduled_end_time": None,
            "privacy_level": 2,
            "status": 1,
            "entity_type": None,
            "entity_id": None,
            "entity_metadata": None,
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }
        self._apply_event(guild, event, body, creating=True)
        guild.scheduled_events[int(event["id"])] = event
        world.emit("GUILD_SCHEDULED_EVENT_CREATE", event, guild.id)
        return event

    async def edit_event(self, req: ApiRequest) -> Any:
        guild, event = self._event(req)
        self._require_event_perms(guild, event)
        updated = dict(event)
        self._apply_event(guild, updated, req.body(), creating=False)
        event.update(updated)
        self.world.emit("GUILD_SCHEDULED_EVENT_UPDATE", event, guild.id)
        return event

    async def delete_event(self, req: ApiRequest) -> Any:
        guild, event = self._event(req)
        self._require_event_perms(guild, event)
        del guild.scheduled_events[int(event["id"])]
        self.world.emit("GUILD_SCHEDULED_EVENT_DELETE", event, guild.id)
        return None

    def _apply_event(
        self, guild: Guild, event: dict[str, Any], body: dict[str, Any], *, creating: bool
    ) -> None:
        """Validate and merge a create/edit body into ``event`` (Discord's rules)."""
        for key in (
            "name",
            "description",
            "privacy_level",
            "entity_type",
            "channel_id",
            "entity_metadata",
            "image",
            "recurrence_rule",
        ):
            if key in body:
                event[key] = body[key]
        name = str(event.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if event.get("description") and len(event["description"]) > 1000:
            raise form_error(
                "description", "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length."
            )
        if event.get("privacy_level") != 2:
            raise form_error("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        now = self.fake.now()
        for key in ("scheduled_start_time", "scheduled_end_time"):
            if key in body:
                event[key] = None if body[key] is None else iso(_parse_time(body[key], key))
        if not event.get("scheduled_start_time"):
            raise form_error("scheduled_start_time", "BASE_TYPE_REQUIRED", "This field is required")
        start = _parse_time(event["scheduled_start_time"], "scheduled_start_time")
        if "scheduled_start_time" in body and start < now:
            raise form_error(
                "scheduled_start_time",
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                "Cannot schedule event in the past.",
            )
        end = event.get("scheduled_end_time")
        if end and _parse_time(end, "scheduled_end_time") <= start:
            raise form_error(
                "scheduled_end_time",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule an event to end before starting.",
            )
        kind = event.get("entity_type")
        if kind == 3:
            location = (event.get("entity_metadata") or {}).get("location")
            if not location:
                raise form_error(
                    "entity_metadata.location", "BASE_TYPE_REQUIRED", "This field is required"
                )
            if not end:
                raise form_error(
                    "scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required"
                )
            event["channel_id"] = None
        elif kind in (1, 2):
            want = ChannelType.STAGE if kind == 1 else ChannelType.VOICE
            channel = self.world.channels.get(int(event.get("channel_id") or 0))
            if channel is None or channel.guild_id != guild.id or channel.type != want:
                raise form_error(
                    "channel_id",
                    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                    "Invalid channel for this entity type.",
                )
            if not self.world.can(channel.id, self.world.bot_id, Perm.VIEW_CHANNEL | Perm.CONNECT):
                raise err.missing_permissions()
            event["channel_id"] = str(channel.id)
            event["entity_metadata"] = None
        else:
            raise form_error("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        if "status" in body and not creating:
            old, new = int(event["status"]), int(body["status"])
            if (old, new) not in ((1, 2), (1, 4), (2, 3)) and old != new:
                raise form_error(
                    "status",
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    "Invalid status transition.",
                )
            event["status"] = new


_BAD_JSON = object()


def _caller(request: web.Request) -> str:
    """Whose limits a request counts against: its bot token (hashed), else its address."""
    auth = request.headers.get("Authorization")
    if auth:
        # The key stays in memory only; hashing keeps tokens out of reprs and debuggers.
        return "token:" + hashlib.sha256(auth.encode()).hexdigest()[:16]
    return f"ip:{request.remote}"


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _BAD_JSON


def _parse_time(value: Any, field: str) -> datetime:
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        raise form_error(
            field, "DATE_TYPE_PARSE", "Could not parse date. Should be ISO8601."
        ) from None
    if dt.tzinfo is None:
        raise form_error(field, "DATE_TYPE_PARSE", "Timestamps need a time zone offset.")
    return dt
