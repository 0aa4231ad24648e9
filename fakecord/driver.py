"""Driving the bot like Discord does: slash commands, autocomplete, clicks and form submits.

A mixin of :class:`~fakecord.fake.FakeDiscord`; each method builds the INTERACTION_CREATE a
person's Discord client would cause, dispatches it and returns an :class:`InteractionHandle`.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .gateway import GatewayServer
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    CommandPath,
    InteractionError,
    InteractionHandle,
    OptionBuilder,
    base_payload,
    check_command_allowed,
    component_data,
    find_component,
    modal_submit_components,
    nest_options,
    resolve_command,
)
from .records import RequestRecord
from .state import StoredMessage, World


class BotDriver:
    """Methods that play the person in front of Discord."""

    world: World
    gateway: GatewayServer
    requests: list[RequestRecord]
    interactions: dict[int, InteractionHandle]
    _interactions_by_token: dict[str, InteractionHandle]
    wait_until: Callable[..., Awaitable[None]]

    async def slash(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Invoke ``/command [group] [sub]`` as a person would (INTERACTION_CREATE type 2)."""
        world = self.world
        path = self._allowed_command(command, guild_id, user_id)
        builder = OptionBuilder(world, guild_id)
        leaf = builder.build(path.leaf_options, options or {})
        data = self._command_data(path, nest_options(path, leaf), builder.resolved)
        return self._invoke(APPLICATION_COMMAND, path, data, guild_id, channel_id, user_id, locale)

    async def autocomplete(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        command: str,
        *,
        focused: str,
        value: str = "",
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Type ``value`` into option ``focused`` of a command (INTERACTION_CREATE type 4)."""
        world = self.world
        path = self._allowed_command(command, guild_id, user_id)
        schema = next((o for o in path.leaf_options if o["name"] == focused), None)
        if schema is None or not schema.get("autocomplete"):
            raise InteractionError(f"/{path.qualified_name} has no autocomplete option {focused!r}")
        builder = OptionBuilder(world, guild_id)
        leaf = builder.build(
            path.leaf_options,
            {**(options or {}), focused: value},
            focused=focused,
            check_required=False,
        )
        data = self._command_data(path, nest_options(path, leaf), builder.resolved)
        return self._invoke(AUTOCOMPLETE, path, data, guild_id, channel_id, user_id, locale)

    def _allowed_command(self, command: str, guild_id: int | None, user_id: int):
        """The registered command path for ``/command [group] [sub]``, if this member may use it."""
        world = self.world
        path = resolve_command(world.commands_for(guild_id), command.strip().lstrip("/").split())
        check_command_allowed(world, path.command, guild_id, user_id)
        return path

    def _invoke(self, kind, path, data, guild_id, channel_id, user_id, locale) -> InteractionHandle:
        payload = base_payload(
            self.world,
            kind=kind,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
            data=data,
        )
        return self._send_interaction(payload, command=path)

    async def click(
        self,
        message: StoredMessage | int,
        target: str,
        user_id: int,
        *,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Click a button (or pick ``values`` in a select) by custom_id or label."""
        msg = message if isinstance(message, StoredMessage) else self.world.messages[message]
        if msg.deleted:
            raise InteractionError(f"message {msg.id} was deleted")
        comp = find_component(msg, target)
        if comp.get("disabled"):
            raise InteractionError(f"{comp.get('label') or comp['custom_id']!r} is disabled")
        payload = base_payload(
            self.world,
            kind=MESSAGE_COMPONENT,
            guild_id=msg.guild_id,
            channel_id=msg.channel_id,
            user_id=user_id,
            locale=locale,
            data=component_data(comp, values),
        )
        payload["message"] = copy.deepcopy(msg.payload)
        return self._send_interaction(payload, component_message=msg)

    async def submit_modal(
        self,
        handle: InteractionHandle,
        values: Mapping[str, str],
        *,
        user_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Fill in and submit the form (modal) the bot opened in answer to ``handle``."""
        if handle.modal is None:
            raise InteractionError(f"interaction {handle.id} did not open a form")
        data = {
            "custom_id": handle.modal["custom_id"],
            "components": modal_submit_components(handle.modal, values),
        }
        payload = base_payload(
            self.world,
            kind=MODAL_SUBMIT,
            guild_id=handle.guild_id,
            channel_id=handle.channel_id,
            user_id=user_id or handle.user_id,
            locale=locale,
            data=data,
        )
        if handle.component_message is not None:
            payload["message"] = copy.deepcopy(handle.component_message.payload)
        return self._send_interaction(payload, component_message=handle.component_message)

    def _command_data(
        self, path: CommandPath, options: list[dict[str, Any]], resolved: dict[str, Any]
    ) -> dict[str, Any]:
        cmd = path.command
        data: dict[str, Any] = {"id": str(cmd.id), "name": cmd.name, "type": 1}
        if options:
            data["options"] = options
        if cmd.guild_id is not None:
            data["guild_id"] = str(cmd.guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def _send_interaction(
        self,
        payload: dict[str, Any],
        *,
        command: CommandPath | None = None,
        component_message: StoredMessage | None = None,
    ) -> InteractionHandle:
        guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        if not self.gateway.sessions:
            raise InteractionError("no bot is connected to the fake gateway")
        if not any(s.wants("INTERACTION_CREATE", guild_id) for s in self.gateway.sessions.values()):
            # Discord would show "This interaction failed"; saying why helps a sharded test.
            where = f"the shard of guild {guild_id}" if guild_id is not None else "shard 0 (DMs)"
            raise InteractionError(f"no bot session runs {where}")
        token = payload["token"]
        iid = payload["id"]

        def records() -> list[RequestRecord]:
            return [
                r for r in self.requests if token in r.path or f"/interactions/{iid}/" in r.path
            ]

        handle = InteractionHandle(
            payload,
            waiter=self.wait_until,
            records=records,
            component_message=component_message,
            command=command,
        )
        self.interactions[handle.id] = handle
        self._interactions_by_token[handle.token] = handle
        self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id)
        return handle
