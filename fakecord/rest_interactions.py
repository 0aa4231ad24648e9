"""Application commands, interaction callbacks and the interaction webhook (follow-ups)."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from . import errors as err
from .errors import form_error
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    InteractionHandle,
)
from .messages import EPHEMERAL, LOADING
from .payloads import user_payload
from .state import AppCommand, StoredMessage
from .validation import validate_choices, validate_command, validate_modal

if TYPE_CHECKING:
    from .rest import ApiRequest, Handler, RestApi

_ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
TOKEN_LIFETIME = 15 * 60.0


def interaction_routes(api: RestApi) -> list[tuple[str, str, Handler, bool]]:
    h = InteractionRoutes(api)
    app = "/applications/{application_id}"
    hook = "/webhooks/{application_id}/{token}"
    return [
        ("GET", app + "/commands", h.list_commands, True),
        ("PUT", app + "/commands", h.bulk_commands, True),
        ("POST", app + "/commands", h.upsert_command, True),
        ("GET", app + "/commands/{command_id}", h.get_command, True),
        ("PATCH", app + "/commands/{command_id}", h.edit_command, True),
        ("DELETE", app + "/commands/{command_id}", h.delete_command, True),
        ("GET", app + "/guilds/{guild_id}/commands", h.list_commands, True),
        ("PUT", app + "/guilds/{guild_id}/commands", h.bulk_commands, True),
        ("POST", app + "/guilds/{guild_id}/commands", h.upsert_command, True),
        ("GET", app + "/guilds/{guild_id}/commands/{command_id}", h.get_command, True),
        ("PATCH", app + "/guilds/{guild_id}/commands/{command_id}", h.edit_command, True),
        ("DELETE", app + "/guilds/{guild_id}/commands/{command_id}", h.delete_command, True),
        ("POST", "/interactions/{interaction_id}/{token}/callback", h.callback, False),
        ("POST", hook, h.followup, False),
        ("GET", hook + "/messages/@original", h.get_webhook_message, False),
        ("PATCH", hook + "/messages/@original", h.edit_webhook_message, False),
        ("DELETE", hook + "/messages/@original", h.delete_webhook_message, False),
        ("GET", hook + "/messages/{message_id}", h.get_webhook_message, False),
        ("PATCH", hook + "/messages/{message_id}", h.edit_webhook_message, False),
        ("DELETE", hook + "/messages/{message_id}", h.delete_webhook_message, False),
    ]


class InteractionRoutes:
    def __init__(self, api: RestApi) -> None:
        self.api = api
        self.fake = api.fake
        self.world = api.world

    # ----------------------------------------------------------------- commands
    def _registry(self, req: ApiRequest) -> tuple[int | None, dict[str, AppCommand]]:
        if req.id("application_id") != self.world.application_id:
            raise err.missing_access()
        if "guild_id" not in req.params:
            return None, self.world.global_commands
        guild = self.api.guild_of(req)
        return guild.id, self.world.guild_commands.setdefault(guild.id, {})

    def _command_payload(
        self, cmd_id: int, guild_id: int | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        perms = body.get("default_member_permissions")
        data: dict[str, Any] = {
            "id": str(cmd_id),
            "application_id": str(self.world.application_id),
            "version": str(self.world.ids.next()),
            "type": int(body.get("type", 1)),
            "name": body["name"],
            "description": body.get("description", "") if int(body.get("type", 1)) == 1 else "",
            "options": copy.deepcopy(body.get("options") or []),
            # Discord answers with a string whatever the client sent.
            "default_member_permissions": None if perms is None else str(int(perms)),
            "nsfw": bool(body.get("nsfw", False)),
            "integration_types": body.get("integration_types") or [0],
            "contexts": body.get("contexts"),
        }
        for key in ("name_localizations", "description_localizations", "dm_permission"):
            if key in body:
                data[key] = body[key]
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    def _key(self, body: dict[str, Any]) -> str:
        return f"{int(body.get('type', 1))}:{body['name']}"

    async def list_commands(self, req: ApiRequest) -> Any:
        _, registry = self._registry(req)
        return [c.payload for c in registry.values()]

    async def bulk_commands(self, req: ApiRequest) -> Any:
        guild_id, registry = self._registry(req)
        body = req.record.json
        if not isinstance(body, list):
            raise form_error("_root", "LIST_TYPE_CONVERT", "Must be a list.")
        if len(body) > 100:
            raise form_error("_root", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        seen: set[str] = set()
        for i, cmd in enumerate(body):
            validate_command(cmd, str(i))
            key = self._key(cmd)
            if key in seen:
                raise form_error(
                    f"{i}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {cmd['name']}",
                )
            seen.add(key)
        old = {self._key(c.payload): c for c in registry.values()}
        registry.clear()
        for cmd in body:
            previous = old.get(self._key(cmd))
            cmd_id = previous.id if previous else self.world.ids.next()
            registry[cmd["name"] if int(cmd.get("type", 1)) == 1 else self._key(cmd)] = AppCommand(
                cmd_id, guild_id, self._command_payload(cmd_id, guild_id, cmd)
            )
        self.fake._bump()
        return [c.payload for c in registry.values()]

    async def upsert_command(self, req: ApiRequest) -> Any:
        guild_id, registry = self._registry(req)
        body = req.body()
        validate_command(body, "_root")
        key = body["name"] if int(body.get("type", 1)) == 1 else self._key(body)
        previous = registry.get(key)
        cmd_id = previous.id if previous else self.world.ids.next()
        registry[key] = AppCommand(cmd_id, guild_id, self._command_payload(cmd_id, guild_id, body))
        return (200 if previous else 201), registry[key].payload

    def _find_command(self, req: ApiRequest) -> tuple[int | None, dict[str, AppCommand], str]:
        guild_id, registry = self._registry(req)
        wanted = req.id("command_id")
        for key, cmd in registry.items():
            if cmd.id == wanted:
                return guild_id, registry, key
        raise err.unknown_command()

    async def get_command(self, req: ApiRequest) -> Any:
        _, registry, key = self._find_command(req)
        return registry[key].payload

    async def edit_command(self, req: ApiRequest) -> Any:
        guild_id, registry, key = self._find_command(req)
        cmd = registry.pop(key)
        merged = {**cmd.payload, **req.body()}
        validate_command(merged, "_root")
        new_key = merged["name"] if cmd.type == 1 else self._key(merged)
        registry[new_key] = AppCommand(
            cmd.id, guild_id, self._command_payload(cmd.id, guild_id, merged)
        )
        return registry[new_key].payload

    async def delete_command(self, req: ApiRequest) -> Any:
        _, registry, key = self._find_command(req)
        del registry[key]
        return None

    # ----------------------------------------------------------------- interaction callback
    async def callback(self, req: ApiRequest) -> Any:
        fake = self.fake
        handle = fake.interactions.get(req.id("interaction_id"))
        if handle is None or handle.token != req.params["token"]:
            raise err.unknown_interaction()
        if handle.callback is not None:
            raise err.already_acknowledged()
        timeout = fake.interaction_timeout
        if timeout is not None and time.monotonic() - handle.created_at > timeout:
            raise err.unknown_interaction()
        body = req.body()
        ctype = body.get("type")
        if ctype not in _ALLOWED_CALLBACKS.get(handle.type, set()):
            raise form_error(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {ctype} is not valid for interaction type {handle.type}",
            )
        data = body.get("data") or {}
        message: StoredMessage | None = None
        if ctype == CHANNEL_MESSAGE:
            message = fake.messages.create(
                handle.channel_id,
                self.world.bot_id,
                data,
                req.files,
                origin="interaction",
                interaction=self._metadata(handle),
                allow_ephemeral=True,
                message_type=20 if handle.type == APPLICATION_COMMAND else 0,
            )
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            loading = {"content": "", "flags": (int(data.get("flags") or 0) & EPHEMERAL) | LOADING}
            message = fake.messages.create(
                handle.channel_id,
                self.world.bot_id,
                loading,
                [],
                origin="interaction",
                interaction=self._metadata(handle),
                allow_ephemeral=True,
                loading=True,
                message_type=20 if handle.type == APPLICATION_COMMAND else 0,
            )
        elif ctype in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            message = handle.component_message
            if message is None:
                raise form_error(
                    "type",
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "This interaction has no message to update",
                )
            if ctype == UPDATE_MESSAGE:
                fake.messages.edit(message, data, req.files)
        elif ctype == AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            validate_choices(choices)
            handle.choices = choices
        elif ctype == MODAL:
            validate_modal(data)
            handle.modal = copy.deepcopy(data)
        handle.original = message
        handle.edits_at_ack = len(message.edits) if message is not None else 0
        handle.callback = copy.deepcopy(body)
        fake._bump()
        if req.record.query.get("with_response") not in ("1", "true", "True"):
            return None
        result: dict[str, Any] = {"interaction": {"id": str(handle.id), "type": handle.type}}
        if message is not None:
            result["interaction"].update(
                response_message_id=str(message.id),
                response_message_loading=ctype == DEFERRED_CHANNEL_MESSAGE,
                response_message_ephemeral=message.ephemeral,
            )
            if ctype != DEFERRED_UPDATE:
                result["resource"] = {"type": ctype, "message": message.payload}
        return result

    def _metadata(self, handle: InteractionHandle) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": str(handle.id),
            "type": handle.type,
            "user": user_payload(self.world.users[handle.user_id]),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if handle.type == APPLICATION_COMMAND and handle.command is not None:
            meta["name"] = handle.command.qualified_name
            meta["command_type"] = 1
        if handle.component_message is not None:
            meta["interacted_message_id"] = str(handle.component_message.id)
        return meta

    # ----------------------------------------------------------------- webhook (follow-ups)
    def _handle(self, req: ApiRequest) -> InteractionHandle:
        handle = self.fake._interactions_by_token.get(req.params["token"])
        if (
            handle is None
            or req.id("application_id") != self.world.application_id
            or time.monotonic() - handle.created_at > TOKEN_LIFETIME
            or handle.callback is None
        ):
            raise err.unknown_webhook()
        return handle

    def _webhook_message(self, req: ApiRequest) -> tuple[InteractionHandle, StoredMessage]:
        handle = self._handle(req)
        target = req.params.get("message_id")
        if target is None:
            message = handle.original
        else:
            wanted = req.id("message_id")
            message = next((m for m in handle.messages if m.id == wanted), None)
        if message is None or message.deleted:
            raise err.unknown_message()
        return handle, message

    async def followup(self, req: ApiRequest) -> Any:
        handle = self._handle(req)
        body = req.body()
        original = handle.original
        if (
            handle.callback_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.flags & LOADING
        ):
            # The first follow-up after a "thinking" defer replaces the loading message.
            body = {k: v for k, v in body.items() if k != "flags"}
            self.fake.messages.edit(original, body, req.files)
            message = original
        else:
            message = self.fake.messages.create(
                handle.channel_id,
                self.world.bot_id,
                body,
                req.files,
                origin="followup",
                interaction=self._metadata(handle),
                allow_ephemeral=True,
            )
        handle.followups.append(message)
        self.fake._bump()
        if req.record.query.get("wait") in ("1", "true", "True"):
            return message.payload
        return None

    async def get_webhook_message(self, req: ApiRequest) -> Any:
        return self._webhook_message(req)[1].payload

    async def edit_webhook_message(self, req: ApiRequest) -> Any:
        _, message = self._webhook_message(req)
        self.fake.messages.edit(message, req.body(), req.files)
        return message.payload

    async def delete_webhook_message(self, req: ApiRequest) -> Any:
        _, message = self._webhook_message(req)
        self.fake.messages.delete(message)
        return None
