"""A terminal where a person talks to the bot through the fake, typing slash commands as text.

    /film info lost in starlight                      free text -> first required text option
    /film release title: lost in starlight timezone: Seoul     explicit ``name: value`` pairs
    click Going          as Bruno          channel          help          quit

``run_repl`` only needs a started FakeDiscord with a connected bot; ``build_demo_world`` makes
a small server to play in.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .fake import FakeDiscord
from .interactions import (
    ATTACHMENT,
    CHANNEL,
    OPTION_TYPE_NAMES,
    ROLE,
    STRING,
    USER,
    CommandPath,
    InteractionError,
    InteractionHandle,
    find_component,
    leaf_paths,
    resolve_command,
)
from .permissions import Perm
from .state import ChannelType, StoredMessage
from .text import render_message, render_reply

log = logging.getLogger(__name__)
Write = Callable[[str], None]

META_HELP = """Sandbox commands:
  /<command> ...            run a slash command; free text fills the first required text option,
                            or give options as name: value (e.g. /film release title: x timezone: Seoul)
  click <label|custom_id>   click a button on the latest message that has it
  submit name: value ...    fill in the form the bot opened
  as <member>               act as another member (who lists them)
  channel [name]            show what the bot posted here, or switch to channel <name>
  messages [n]              show the last n messages in this channel
  who                       list members
  help                      this text, plus the bot's commands
  quit                      leave"""


class ReplError(Exception):
    """A mistake in what the person typed; the message says how to fix it."""


@dataclass
class DemoWorld:
    """Ids of the demo server built by :func:`build_demo_world`."""

    guild_id: int
    general_id: int
    voice_id: int
    members: dict[str, int] = field(default_factory=dict)

    @property
    def default_user_id(self) -> int:
        return next(iter(self.members.values()))


def build_demo_world(fake: FakeDiscord) -> DemoWorld:
    """One guild "Movie Night" with #general, a voice channel and a few members."""
    guild = fake.add_guild("Movie Night")
    general = fake.add_channel(guild, "general", topic="Films, parties and premieres")
    voice = fake.add_channel(guild, "Watch Party", ChannelType.VOICE)
    fake.add_channel(guild, "announcements", bot_can_send=False)
    host = fake.add_role(
        guild, "Host", int(Perm.MANAGE_EVENTS | Perm.MENTION_EVERYONE), mentionable=True
    )
    members = {
        "Ada": fake.add_member(guild, "Ada", roles=[host]),
        "Bruno": fake.add_member(guild, "Bruno"),
        "Chiara": fake.add_member(guild, "Chiara"),
        "Dae-jung": fake.add_member(guild, "Dae-jung"),
    }
    return DemoWorld(guild, general, voice, members)


async def stdin_lines(prompt: str = "> ") -> AsyncIterator[str]:
    """Lines typed on stdin, read in a daemon thread so Ctrl-C never hangs on a blocked read."""
    loop = asyncio.get_running_loop()
    while True:
        future: asyncio.Future[str] = loop.create_future()

        def read(fut: asyncio.Future[str] = future) -> None:
            try:
                line = sys.stdin.readline()
            except Exception:  # closed stdin reads as end of input
                line = ""
            loop.call_soon_threadsafe(lambda: fut.done() or fut.set_result(line))

        if prompt:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
        line = await future
        if not line:
            return
        yield line.rstrip("\r\n")


async def run_repl(
    fake: FakeDiscord,
    *,
    guild_id: int,
    channel_id: int,
    user_id: int,
    lines: AsyncIterable[str] | Iterable[str],
    write: Write,
    reply_timeout: float = 5.0,
    show_posts: bool = True,
) -> None:
    """Read commands from ``lines`` until ``quit`` or the end; write every answer via ``write``.

    With ``show_posts`` the bot's own channel posts (scheduled pings) are written as they arrive.
    """
    repl = _Repl(fake, guild_id, channel_id, user_id, write, reply_timeout)
    listener = repl.on_message
    if show_posts:
        fake.messages.listeners.append(listener)
    write(
        f"You are {repl.me} in #{repl.channel_name} of {fake.world.guild(guild_id).name}. "
        "Type help for commands."
    )
    try:
        async for line in _aiter(lines):
            if not await repl.handle_line(line):
                break
    finally:
        if listener in fake.messages.listeners:
            fake.messages.listeners.remove(listener)


async def _aiter(lines: AsyncIterable[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


class _Repl:
    def __init__(
        self,
        fake: FakeDiscord,
        guild_id: int,
        channel_id: int,
        user_id: int,
        write: Write,
        timeout: float,
    ) -> None:
        self.fake = fake
        self.world = fake.world
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.user_id = user_id
        self.write = write
        self.timeout = timeout
        self.form: InteractionHandle | None = None

    @property
    def me(self) -> str:
        return self.world.display_name(self.user_id, self.guild_id)

    @property
    def channel_name(self) -> str:
        return self.world.channel(self.channel_id).name

    def on_message(self, message: StoredMessage, what: str) -> None:
        if what == "create" and message.origin == "channel" and message.guild_id == self.guild_id:
            name = self.world.channel(message.channel_id).name
            body = render_message(message, world=self.world)
            self.write(f"[#{name}] {self.world.display_name(message.author_id)}:\n{_indent(body)}")

    async def handle_line(self, line: str) -> bool:
        """Run one line; False means quit. Never raises for bad input."""
        text = line.strip()
        if not text:
            return True
        word, _, rest = text.partition(" ")
        word = word.lower()
        try:
            if word in ("quit", "exit", "q"):
                self.write("Bye!")
                return False
            if text.startswith("/"):
                await self.slash(text[1:])
            elif word == "help":
                self.help()
            elif word == "click":
                await self.click(rest.strip())
            elif word == "submit":
                await self.submit(rest.strip())
            elif word == "as":
                self.switch_user(rest.strip())
            elif word == "channel":
                self.channel(rest.strip())
            elif word == "messages":
                self.show_messages(int(rest) if rest.strip().isdigit() else 10)
            elif word in ("who", "members"):
                self.who()
            else:
                self.write(f"I don't know {word!r}. Slash commands start with '/'; type help.")
        except (ReplError, InteractionError) as exc:
            self.write(str(exc))
        except TimeoutError:
            self.write(f"The bot didn't answer within {self.timeout:g}s.")
        except Exception as exc:  # never a traceback in front of a person
            log.debug("sandbox command failed", exc_info=True)
            self.write(f"Something went wrong: {exc}")
        return True

    # ----------------------------------------------------------------- slash commands
    async def slash(self, text: str) -> None:
        path, rest = self._match_command(text)
        options = self._parse_options(path, rest)
        options = await self._autocomplete(path, options)
        handle = await self.fake.slash(
            self.guild_id, self.channel_id, self.user_id, path.qualified_name, options
        )
        await self._show(handle)

    def _match_command(self, text: str) -> tuple[CommandPath, str]:
        words = text.split()
        if not words:
            raise ReplError("Type a command after '/'. Type help to see them.")
        commands = self.world.commands_for(self.guild_id)
        error: InteractionError | None = None
        for n in range(min(3, len(words)), 0, -1):
            try:
                path = resolve_command(commands, words[:n])
            except InteractionError as exc:
                error = error or exc
                continue
            consumed = re.match(r"\s*" + r"\s+".join(map(re.escape, words[:n])), text)
            return path, text[consumed.end() :].strip() if consumed else ""
        raise ReplError(f"{error}. Type help to see the commands.")

    def _parse_options(self, path: CommandPath, rest: str) -> dict[str, Any]:
        schema = {o["name"]: o for o in path.leaf_options}
        values: dict[str, Any] = {}
        free = rest
        if schema and rest:
            names = "|".join(re.escape(n) for n in sorted(schema, key=len, reverse=True))
            marks = list(re.finditer(rf"(?:^|(?<=\s))({names}):", rest))
            if marks:
                free = rest[: marks[0].start()].strip()
                for i, m in enumerate(marks):
                    end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
                    values[m.group(1)] = rest[m.end() : end].strip()
        if free:
            target = _free_text_target(path, values)
            if target is None:
                raise ReplError(
                    f"/{path.qualified_name} doesn't take free text. Usage: {usage(path)}"
                )
            values[target["name"]] = free
        for name, value in list(values.items()):
            values[name] = _choice_value(schema[name], value)
        missing = [
            o["name"] for o in path.leaf_options if o.get("required") and o["name"] not in values
        ]
        if missing:
            raise ReplError(f"Missing {', '.join(missing)}. Usage: {usage(path)}")
        return values

    async def _autocomplete(self, path: CommandPath, values: dict[str, Any]) -> dict[str, Any]:
        """Swap typed text for the matching suggestion's value, like picking it from the list."""
        for opt in path.leaf_options:
            name = opt["name"]
            if not opt.get("autocomplete") or name not in values:
                continue
            others = {k: v for k, v in values.items() if k != name}
            try:
                handle = await self.fake.autocomplete(
                    self.guild_id,
                    self.channel_id,
                    self.user_id,
                    path.qualified_name,
                    focused=name,
                    value=str(values[name]),
                    options=others,
                )
                reply = await handle.response(timeout=self.timeout)
            except (InteractionError, TimeoutError):
                continue
            typed = str(values[name]).casefold()
            for choice in reply.choices:
                if typed in (str(choice["name"]).casefold(), str(choice["value"]).casefold()):
                    values[name] = choice["value"]
                    break
        return values

    async def _show(self, handle: InteractionHandle) -> None:
        reply = await handle.response(timeout=self.timeout)
        self.write(render_reply(reply, world=self.world))
        if reply.kind == "modal":
            self.form = handle
            self.write("Fill it in with: submit <field>: <value> ...")

    # ----------------------------------------------------------------- components and forms
    async def click(self, target: str) -> None:
        if not target:
            raise ReplError("Click what? For example: click Going")
        for message in reversed(self.fake.messages_in(self.channel_id, include_ephemeral=True)):
            if message.ephemeral and not self._mine(message):
                continue
            try:
                find_component(message, target)
            except InteractionError:
                continue
            handle = await self.fake.click(message, target, self.user_id)
            await self._show(handle)
            return
        raise ReplError(f"No recent message here has a button {target!r}.")

    def _mine(self, message: StoredMessage) -> bool:
        handle = self.fake.interactions.get(message.interaction_id or 0)
        return handle is not None and handle.user_id == self.user_id

    async def submit(self, rest: str) -> None:
        if self.form is None or self.form.modal is None:
            raise ReplError("There is no open form to submit.")
        from .state import iter_components

        fields = [
            c["custom_id"]
            for c in iter_components(self.form.modal["components"])
            if c.get("type") == 4
        ]
        names = "|".join(re.escape(f) for f in sorted(fields, key=len, reverse=True))
        marks = list(re.finditer(rf"(?:^|(?<=\s))({names}):", rest)) if fields else []
        values = {
            m.group(1): rest[
                m.end() : (marks[i + 1].start() if i + 1 < len(marks) else len(rest))
            ].strip()
            for i, m in enumerate(marks)
        }
        handle = await self.fake.submit_modal(self.form, values, user_id=self.user_id)
        self.form = None
        await self._show(handle)

    # ----------------------------------------------------------------- meta
    def switch_user(self, name: str) -> None:
        member = self.world.find_member(self.guild_id, name) if name else None
        if member is None:
            raise ReplError(f"No member called {name!r}. Members: {self._member_names()}")
        self.user_id = member.user_id
        self.write(f"You are now {self.me}.")

    def channel(self, name: str) -> None:
        if not name:
            self.show_messages(10, bot_only=True)
            return
        channel = self.world.find_channel(self.guild_id, name)
        if channel is None:
            names = ", ".join(
                "#" + self.world.channels[c].name
                for c in self.world.guild(self.guild_id).channel_ids
            )
            raise ReplError(f"No channel {name!r}. Channels: {names}")
        self.channel_id = channel.id
        self.write(f"Now in #{channel.name}.")

    def show_messages(self, count: int, *, bot_only: bool = False) -> None:
        msgs = [
            m
            for m in self.fake.messages_in(self.channel_id)
            if not bot_only or m.author_id == self.world.bot_id
        ][-count:]
        if not msgs:
            self.write(f"Nothing {'from the bot ' if bot_only else ''}in #{self.channel_name} yet.")
            return
        self.write(f"#{self.channel_name}, last {len(msgs)}:")
        for m in msgs:
            self.write(
                f"{self.world.display_name(m.author_id, self.guild_id)}:\n"
                f"{_indent(render_message(m, world=self.world))}"
            )

    def who(self) -> None:
        self.write(f"Members: {self._member_names()} (you are {self.me})")

    def _member_names(self) -> str:
        guild = self.world.guild(self.guild_id)
        return ", ".join(
            self.world.display_name(uid, self.guild_id)
            for uid in guild.members
            if uid not in (self.world.bot_id, self.world.owner_id)
        )

    def help(self) -> None:
        paths = [
            p for c in self.world.commands_for(self.guild_id) if c.type == 1 for p in leaf_paths(c)
        ]
        if paths:
            self.write("The bot's commands:")
            for p in paths:
                desc = _description(p)
                self.write(f"  {usage(p)}" + (f"\n      {desc}" if desc else ""))
        else:
            self.write("The bot has not registered any commands yet.")
        self.write(META_HELP)


def usage(path: CommandPath) -> str:
    """``/film release title:<text> [timezone:<text>]`` from the registered schema."""
    parts = [f"/{path.qualified_name}"]
    for opt in path.leaf_options:
        kind = OPTION_TYPE_NAMES.get(opt["type"], "value")
        if opt.get("choices"):
            kind = "|".join(str(c["name"]) for c in opt["choices"])
        elif opt.get("autocomplete"):
            kind += ", suggestions"
        text = f"{opt['name']}:<{kind}>"
        parts.append(text if opt.get("required") else f"[{text}]")
    return " ".join(parts)


def _description(path: CommandPath) -> str:
    options: list[dict[str, Any]] = [path.command.payload]
    current = path.command.payload
    for name in path.names[1:]:
        current = next(o for o in current.get("options") or [] if o["name"] == name)
        options.append(current)
    return str(options[-1].get("description") or "")


def _free_text_target(path: CommandPath, given: dict[str, Any]) -> dict[str, Any] | None:
    """Where free text goes: the first required text option, else any text option, else the
    first required option of another type (a user, a channel, ...)."""
    open_ = [o for o in path.leaf_options if o["name"] not in given]
    for ok in (
        lambda o: o["type"] == STRING and o.get("required"),
        lambda o: o["type"] == STRING,
        lambda o: o.get("required") and o["type"] != ATTACHMENT,
    ):
        found = next((o for o in open_ if ok(o)), None)
        if found is not None:
            return found
    return None


def _choice_value(opt: dict[str, Any], value: Any) -> Any:
    choices = opt.get("choices")
    if not choices:
        if opt["type"] in (USER, ROLE) and isinstance(value, str):
            return value.strip().lstrip("@")
        if opt["type"] == CHANNEL and isinstance(value, str):
            return value.strip().lstrip("#")
        return value
    typed = str(value).strip().casefold()
    for choice in choices:
        if typed in (str(choice["name"]).casefold(), str(choice["value"]).casefold()):
            return choice["value"]
    names = ", ".join(str(c["name"]) for c in choices)
    raise ReplError(f"{opt['name']} must be one of: {names}")


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
