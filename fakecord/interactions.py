"""Building INTERACTION_CREATE payloads like Discord's client would, and tracking the answers."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .messages import ATTACHMENT_SIZE_LIMIT
from .payloads import channel_payload, member_payload, role_payload, user_payload
from .permissions import ALL_PERMISSIONS, Perm, display_names
from .state import AppCommand, ChannelType, PayloadFields, StoredMessage, World, iter_components

if TYPE_CHECKING:
    from .records import RequestRecord

# Interaction types
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback types
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Option types
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


class OptionType(NamedTuple):
    """How usage lines name an option type, and what a value that can't be one must be."""

    name: str
    expected: str


OPTION_TYPES = {
    STRING: OptionType("text", "text"),
    INTEGER: OptionType("integer", "an integer"),
    BOOLEAN: OptionType("true/false", "true or false"),
    USER: OptionType("user", "a user"),
    CHANNEL: OptionType("channel", "a channel"),
    ROLE: OptionType("role", "a role"),
    MENTIONABLE: OptionType("user or role", "a user or a role"),
    NUMBER: OptionType("number", "a number"),
    ATTACHMENT: OptionType("file", "a file"),
}
#: Discord's limit for integer and number option values: 2^53 either way.
MAX_SAFE_NUMBER = 2**53


class InteractionError(ValueError):
    """The interaction can't be sent: Discord's client would not let a person do this."""


@dataclass
class CommandPath:
    """A registered command resolved down to the leaf the user invokes."""

    command: AppCommand
    names: list[str]
    leaf_options: list[dict[str, Any]]

    @property
    def qualified_name(self) -> str:
        return " ".join(self.names)


def resolve_command(commands: list[AppCommand], words: list[str]) -> CommandPath:
    """Find ``["film", "schedule", "add"]`` among chat-input commands; raise if it isn't a leaf."""
    if not words:
        raise InteractionError("no command given")
    cmd = next((c for c in commands if c.name == words[0] and c.type == 1), None)
    if cmd is None:
        known = ", ".join(sorted("/" + c.name for c in commands if c.type == 1)) or "none"
        raise InteractionError(f"no registered command /{words[0]} (registered: {known})")
    options: list[dict[str, Any]] = list(cmd.payload.get("options") or [])
    names = [cmd.name]
    for word in words[1:]:
        sub = next((o for o in options if o.get("name") == word and o.get("type") in (1, 2)), None)
        if sub is None:
            raise InteractionError(f"/{' '.join(names)} has no subcommand {word!r}")
        names.append(word)
        options = list(sub.get("options") or [])
    if any(o.get("type") in (1, 2) for o in options):
        subs = ", ".join(o["name"] for o in options)
        raise InteractionError(f"/{' '.join(names)} needs a subcommand: {subs}")
    return CommandPath(cmd, names, options)


def leaf_paths(cmd: AppCommand) -> list[CommandPath]:
    """Every invocable path of a chat-input command (for help listings)."""
    out: list[CommandPath] = []

    def walk(names: list[str], options: list[dict[str, Any]]) -> None:
        subs = [o for o in options if o.get("type") in (1, 2)]
        if not subs:
            out.append(CommandPath(cmd, names, options))
        for sub in subs:
            walk([*names, sub["name"]], list(sub.get("options") or []))

    walk([cmd.name], list(cmd.payload.get("options") or []))
    return out


class OptionBuilder:
    """Turns ``{"title": "x"}`` into typed interaction options plus ``resolved`` data."""

    def __init__(self, world: World, guild_id: int | None) -> None:
        self.world = world
        self.guild_id = guild_id
        self.resolved: dict[str, dict[str, Any]] = {}

    def build(
        self,
        schema: list[dict[str, Any]],
        values: Mapping[str, Any],
        *,
        focused: str | None = None,
        check_required: bool = True,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        for name in values:
            if name not in by_name:
                known = ", ".join(by_name) or "none"
                raise InteractionError(f"unknown option {name!r} (options: {known})")
        out = []
        for opt in schema:
            name = opt["name"]
            if name not in values or values[name] is None:
                if check_required and opt.get("required") and name != focused:
                    raise InteractionError(f"missing required option {name!r}")
                continue
            if name == focused:
                out.append(
                    {"name": name, "type": opt["type"], "value": str(values[name]), "focused": True}
                )
            else:
                out.append(
                    {"name": name, "type": opt["type"], "value": self._convert(opt, values[name])}
                )
        return out

    def _convert(self, opt: dict[str, Any], value: Any) -> Any:
        kind = opt["type"]
        name = opt["name"]
        try:
            if kind == STRING:
                value = str(value)
                low, high = int(opt.get("min_length", 0)), int(opt.get("max_length", 6000))
                if not low <= len(value) <= high:
                    raise InteractionError(f"{name!r} must be {low} to {high} characters long")
            elif kind in (INTEGER, NUMBER):
                value = _to_number(kind, value)
                floor, ceiling = number_bounds(opt)
                if value < floor:
                    raise InteractionError(f"{name!r} must be at least {_plain(floor)}")
                if value > ceiling:
                    raise InteractionError(f"{name!r} must be at most {_plain(ceiling)}")
            elif kind == BOOLEAN:
                value = _to_bool(value)
            elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
                return str(self._resolve(kind, value))
            elif kind == ATTACHMENT:
                raise InteractionError("attachment options are not supported by the fake")
        except (TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, InteractionError):
                raise
            raise InteractionError(f"{name!r} must be {OPTION_TYPES[kind].expected}") from None
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            names = ", ".join(str(c["name"]) for c in choices)
            raise InteractionError(f"{name!r} must be one of: {names}")
        return value

    def _resolve(self, kind: int, value: Any) -> int:
        world = self.world
        ident = int(value) if isinstance(value, int) or str(value).isdigit() else None
        if kind in (USER, MENTIONABLE):
            if ident is None and self.guild_id is not None:
                member = world.find_member(self.guild_id, str(value))
                ident = member.user_id if member else None
            if ident is not None and ident in world.users:
                self._add_user(ident)
                return ident
        if kind in (ROLE, MENTIONABLE) and self.guild_id is not None:
            guild = world.guild(self.guild_id)
            role = guild.roles.get(ident) if ident else world.find_role(self.guild_id, str(value))
            if role is not None:
                self.resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
                return role.id
        if kind == CHANNEL:
            channel = (
                world.channels.get(ident)
                if ident
                else (world.find_channel(self.guild_id, str(value)) if self.guild_id else None)
            )
            if channel is not None:
                data = channel_payload(world, channel)
                data["permissions"] = str(world.channel_permissions(channel.id, world.bot_id))
                self.resolved.setdefault("channels", {})[str(channel.id)] = data
                return channel.id
        raise InteractionError(f"can't find {OPTION_TYPES[kind].name} {value!r}")

    def _add_user(self, user_id: int) -> None:
        world = self.world
        self.resolved.setdefault("users", {})[str(user_id)] = user_payload(world.users[user_id])
        if self.guild_id is not None and user_id in world.guild(self.guild_id).members:
            member = world.member(self.guild_id, user_id)
            self.resolved.setdefault("members", {})[str(user_id)] = member_payload(
                world,
                member,
                with_user=False,
                permissions=world.guild_permissions(self.guild_id, user_id),
            )


def number_bounds(opt: Mapping[str, Any]) -> tuple[int | float, int | float]:
    """The values Discord's client accepts for an integer or number option: its own
    min_value/max_value, never beyond +-2^53 (integers past that don't survive JSON doubles)."""
    low, high = opt.get("min_value"), opt.get("max_value")
    return (
        -MAX_SAFE_NUMBER if low is None else max(low, -MAX_SAFE_NUMBER),
        MAX_SAFE_NUMBER if high is None else min(high, MAX_SAFE_NUMBER),
    )


def _plain(number: int | float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _to_number(kind: int, value: Any) -> int | float:
    """An integer (no fraction) or a finite number, from a number or the text a person typed."""
    if isinstance(value, bool):
        raise ValueError(value)
    if kind == INTEGER:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value) if isinstance(value, int | float) else int(str(value).strip())
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "on"):
        return True
    if text in ("false", "no", "n", "0", "off"):
        return False
    raise ValueError(value)


def nest_options(path: CommandPath, leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap leaf options in their subcommand / subcommand-group options."""
    options = leaf
    cmd_opts: list[dict[str, Any]] = list(path.command.payload.get("options") or [])
    chain = []
    for name in path.names[1:]:
        sub = next(o for o in cmd_opts if o["name"] == name)
        chain.append(sub)
        cmd_opts = list(sub.get("options") or [])
    for sub in reversed(chain):
        options = [{"name": sub["name"], "type": sub["type"], "options": options}]
    return options


def base_payload(
    world: World,
    *,
    kind: int,
    guild_id: int | None,
    channel_id: int,
    user_id: int,
    locale: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The common INTERACTION_CREATE fields, for a guild channel or a DM."""
    channel = world.channel(channel_id)
    chan = channel_payload(world, channel)
    payload: dict[str, Any] = {
        "id": str(world.ids.next()),
        "application_id": str(world.application_id),
        "type": kind,
        "data": data,
        "channel": chan,
        "channel_id": str(channel_id),
        "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild_id is not None:
        if channel.guild_id != guild_id:
            raise InteractionError(f"channel {channel_id} is not in guild {guild_id}")
        guild = world.guild(guild_id)
        if user_id not in guild.members:
            raise InteractionError(f"user {user_id} is not a member of {guild.name!r}")
        perms = world.channel_permissions(channel_id, user_id)
        if not perms & Perm.VIEW_CHANNEL:
            raise InteractionError(f"{world.display_name(user_id)} can't see #{channel.name}")
        chan["permissions"] = str(perms)
        payload.update(
            guild_id=str(guild_id),
            guild={"id": str(guild_id), "locale": guild.preferred_locale, "features": []},
            guild_locale=guild.preferred_locale,
            member=member_payload(world, world.member(guild_id, user_id), permissions=perms),
            app_permissions=str(world.channel_permissions(channel_id, world.bot_id)),
            authorizing_integration_owners={"0": str(guild_id)},
            context=0,
        )
    else:
        if channel.type != ChannelType.DM or user_id not in channel.recipient_ids:
            raise InteractionError(f"channel {channel_id} is not a DM with user {user_id}")
        payload.update(
            user=user_payload(world.user(user_id)),
            app_permissions=str(
                int(
                    Perm.VIEW_CHANNEL
                    | Perm.SEND_MESSAGES
                    | Perm.EMBED_LINKS
                    | Perm.ATTACH_FILES
                    | Perm.READ_MESSAGE_HISTORY
                )
            ),
            authorizing_integration_owners={"0": str(world.owner_id)},
            context=1,
        )
    return payload


def check_command_allowed(
    world: World, cmd: AppCommand, guild_id: int | None, user_id: int
) -> None:
    """Discord hides commands a member may not use, or not here; refuse to send those."""
    data = cmd.payload
    contexts = data.get("contexts")
    if guild_id is None:
        if data.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise InteractionError(f"/{cmd.name} can't be used in DMs")
        return
    if contexts is not None and 0 not in contexts:
        raise InteractionError(f"/{cmd.name} can only be used outside servers")
    needed = data.get("default_member_permissions")
    if needed is not None:
        perms = world.guild_permissions(guild_id, user_id)
        # "0" means administrators only; guild_permissions() gives admins and the owner all bits.
        if perms != ALL_PERMISSIONS and (int(needed) == 0 or perms & int(needed) != int(needed)):
            names = display_names(int(needed) or int(Perm.ADMINISTRATOR))
            raise InteractionError(
                f"{world.display_name(user_id, guild_id)} lacks the permissions "
                f"/{cmd.name} requires ({names}), so Discord doesn't show it to them"
            )


def find_component(message: StoredMessage, target: str) -> dict[str, Any]:
    """A clickable component by custom_id, else by label (case-insensitive)."""
    comps = [c for c in iter_components(message.components) if c.get("type") in (2, 3, 5, 6, 7, 8)]
    for comp in comps:
        if comp.get("custom_id") == target:
            return comp
    wanted = target.strip().casefold()
    for comp in comps:
        label = str(comp.get("label") or comp.get("placeholder") or "").casefold()
        if label == wanted and comp.get("custom_id"):
            return comp
    labels = ", ".join(str(c.get("label") or c.get("custom_id")) for c in comps) or "none"
    raise InteractionError(f"no component {target!r} on message {message.id} (have: {labels})")


def modal_submit_components(
    modal: dict[str, Any], values: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The ``components`` of a MODAL_SUBMIT: the modal's inputs with the typed values."""

    def submitted(comp: dict[str, Any]) -> dict[str, Any] | None:
        if comp.get("type") == 1:
            children = [c for c in (submitted(x) for x in comp.get("components") or []) if c]
            return {"type": 1, "components": children}
        if comp.get("type") == 18:
            inner = submitted(comp["component"])
            return {"type": 18, "id": comp.get("id", 0), "component": inner} if inner else None
        if comp.get("type") == 4:
            custom_id = comp["custom_id"]
            if comp.get("required", True) and not values.get(custom_id, comp.get("value")):
                raise InteractionError(f"the form field {custom_id!r} is required")
            return {
                "type": 4,
                "custom_id": custom_id,
                "value": str(values.get(custom_id, comp.get("value") or "")),
            }
        return None

    unknown = set(values) - {c.get("custom_id") for c in iter_components(modal["components"])}
    if unknown:
        raise InteractionError(f"the form has no field(s) {', '.join(sorted(unknown))}")
    return [c for c in (submitted(c) for c in modal["components"]) if c]


@dataclass(frozen=True)
class Reply(PayloadFields):
    """The final visible answer to an interaction, as a person would see it."""

    kind: str  # "message", "update", "autocomplete", "modal" or "acknowledged"
    callback_type: int
    message: StoredMessage | None = None
    followups: tuple[StoredMessage, ...] = ()
    choices: tuple[dict[str, Any], ...] = ()
    modal: dict[str, Any] | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def choice_names(self) -> list[str]:
        return [str(c["name"]) for c in self.choices]

    def text(self) -> str:
        """The reply rendered as plain text (see :mod:`fakecord.text`)."""
        from .text import render_reply

        return render_reply(self)


class InteractionHandle:
    """One interaction sent to the bot, and everything the bot answered to it."""

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        waiter: Callable[..., Awaitable[Any]],
        records: Callable[[], list[RequestRecord]],
        component_message: StoredMessage | None = None,
        command: CommandPath | None = None,
    ) -> None:
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        self.channel_id = int(payload["channel_id"])
        self.user_id = int((payload.get("member") or {}).get("user", payload.get("user", {}))["id"])
        self.command = command
        self.created_at = time.monotonic()
        self.component_message = component_message
        self.callback: dict[str, Any] | None = None
        self.original: StoredMessage | None = None
        #: How many edits ``original`` had when the callback arrived (later ones are answers).
        self.edits_at_ack = 0
        self.followups: list[StoredMessage] = []
        self.choices: list[dict[str, Any]] | None = None
        self.modal: dict[str, Any] | None = None
        self._waiter = waiter
        self._records = records

    @property
    def callback_type(self) -> int | None:
        return None if self.callback is None else int(self.callback["type"])

    @property
    def records(self) -> list[RequestRecord]:
        """Every REST request that used this interaction's id or token."""
        return self._records()

    @property
    def messages(self) -> list[StoredMessage]:
        out = [self.original] if self.original is not None else []
        return out + [m for m in self.followups if m is not self.original]

    async def acknowledged(
        self,
        timeout: float = 3.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> dict[str, Any]:
        """Wait for the initial callback and return its body."""
        await self._waiter(
            lambda: self.callback is not None,
            timeout,
            f"the bot never responded to interaction {self.id}",
        )
        assert self.callback is not None
        return self.callback

    async def response(
        self,
        timeout: float = 3.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> Reply:
        """Wait for the final visible reply.

        Type 4 and 7 callbacks are final at once; after a type 5 defer the edited original or
        the first follow-up is; a type 6 defer waits for an edit or follow-up and, failing
        that, reports the untouched message as ``"acknowledged"``.
        """
        deadline = time.monotonic() + timeout
        await self.acknowledged(timeout)
        ctype = self.callback_type
        if ctype == AUTOCOMPLETE_RESULT:
            return Reply("autocomplete", ctype, choices=tuple(self.choices or ()))
        if ctype == MODAL:
            return Reply("modal", ctype, modal=self.modal)
        if ctype in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE):

            def settled() -> bool:
                return bool(self.followups) or self._edited_since_ack()

            remaining = max(0.0, deadline - time.monotonic())
            if ctype == DEFERRED_CHANNEL_MESSAGE:
                await self._waiter(
                    settled, remaining, f"interaction {self.id} was deferred but never answered"
                )
            else:
                try:
                    await self._waiter(settled, remaining, "")
                except TimeoutError:
                    return self._reply("acknowledged", ctype, self.original)
        message = self.original
        if (
            ctype in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE)
            and not self._edited_since_ack()
            and self.followups
        ):
            message = self.followups[0]
        kind = (
            "update"
            if ctype in (UPDATE_MESSAGE, DEFERRED_UPDATE) and message is self.original
            else "message"
        )
        return self._reply(kind, ctype or 0, message)

    def _edited_since_ack(self) -> bool:
        return self.original is not None and len(self.original.edits) > self.edits_at_ack

    def _reply(self, kind: str, ctype: int, message: StoredMessage | None) -> Reply:
        payload = dict(message.payload) if message is not None else {}
        return Reply(kind, ctype, message=message, followups=tuple(self.followups), payload=payload)

    async def followup(
        self,
        count: int = 1,
        timeout: float = 3.0,  # noqa: ASYNC109 - waiting helpers take a timeout by design
    ) -> list[StoredMessage]:
        """Wait until at least ``count`` follow-up messages exist."""
        await self._waiter(
            lambda: len(self.followups) >= count,
            timeout,
            f"interaction {self.id} got {len(self.followups)} follow-ups, wanted {count}",
        )
        return list(self.followups)

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} callback={self.callback_type}>"


def component_data(comp: dict[str, Any], values: list[str] | None) -> dict[str, Any]:
    """``data`` of a MESSAGE_COMPONENT interaction for a button or select."""
    data: dict[str, Any] = {"custom_id": comp["custom_id"], "component_type": comp["type"]}
    if comp.get("id") is not None:
        data["id"] = comp["id"]
    if comp["type"] != 2:
        data["values"] = list(values or [])
    elif values:
        raise InteractionError("buttons take no values")
    return data
