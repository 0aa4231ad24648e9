"""A terminal where a person talks to the bot through the fake, typing slash commands as text.

    /film info lost in starlight                      free text -> first required text option
    /film release title: lost in starlight timezone: Seoul     explicit ``name: value`` pairs
    click Going      click #2 Going      as Mina      dms      events      help      quit

What it prints is what the member being played would see (:mod:`fakecord.screen`): replies,
the bot's posts, DMs, attachments' text, scheduled events, times in the member's zone.
``run_repl`` only needs a started FakeDiscord with a connected bot; ``build_demo_world``
(:mod:`fakecord.demo`) makes a small server to play in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from .commandline import (
    ReplError,
    description,
    drivable,
    match_command,
    parse_options,
    split_named,
    usage,
)
from .fake import FakeDiscord
from .interactions import (
    InteractionError,
    InteractionHandle,
    check_command_allowed,
    find_component,
    leaf_paths,
)
from .permissions import Perm
from .screen import Screen, ViewerZone, Write
from .state import AppCommand, StoredMessage, iter_components
from .text import format_timestamp

log = logging.getLogger(__name__)
_CARD_NUMBER = re.compile(r"#\d+")
#: How long a click waits for a private follow-up after its card update (a waitlist place).
CLICK_SETTLE = 0.3


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
            loop.call_soon_threadsafe(_deliver, fut, line)

        if prompt:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
        line = await future
        if not line:
            return
        yield line.rstrip("\r\n")


def _deliver(future: asyncio.Future[str], line: str) -> None:
    if not future.done():  # cancelled when the sandbox stops while a read is pending
        future.set_result(line)


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
    viewer_zone: ViewerZone | None = None,
    clock: TimeMachine | None = None,
) -> None:
    """Read commands from ``lines`` until ``quit`` or the end; write every answer via ``write``.

    With ``show_posts`` the bot's own posts (scheduled pings, DMs) and scheduled events are
    written as they arrive. ``viewer_zone`` gives a member's zone for showing times; without
    one (or for a member it returns None for) times are in UTC, and the REPL says so once.
    With a ``clock`` the person can move time (``time``, ``wait``) to see reminders and pings.
    """
    screen = Screen(fake, guild_id, user_id, write, viewer_zone)
    repl = _Repl(fake, screen, channel_id, reply_timeout, clock)
    if show_posts:
        screen.attach()
    await screen.refresh_zones()
    write(
        f"You are {repl.me} in #{repl.channel_name} of {fake.world.guild(guild_id).name}. "
        "Type help for commands."
    )
    try:
        async for line in _aiter(lines):
            if not await repl.handle_line(line):
                break
    finally:
        screen.detach()


async def _aiter(lines: AsyncIterable[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


@dataclass(frozen=True)
class MetaCommand:
    """A sandbox command; ``help`` lists exactly these, so it stays in step with what works."""

    usage: str
    about: str
    run: Callable[[_Repl, str], Awaitable[bool | None]]  # False: leave the sandbox
    aliases: tuple[str, ...] = ()
    needs_clock: bool = False  # only where the sandbox can move time

    @property
    def names(self) -> tuple[str, ...]:
        return (self.usage.split()[0], *self.aliases)


class _Repl:
    """Reads what the person types; ``screen`` writes what the member they play sees."""

    def __init__(
        self,
        fake: FakeDiscord,
        screen: Screen,
        channel_id: int,
        timeout: float,
        clock: TimeMachine | None = None,
    ) -> None:
        self.clock = clock
        self.fake = fake
        self.world = fake.world
        self.screen = screen
        self.guild_id = screen.guild_id
        self.channel_id = channel_id
        self.write = screen.write
        self.timeout = timeout
        self.form: InteractionHandle | None = None

    @property
    def user_id(self) -> int:
        return self.screen.user_id

    @property
    def me(self) -> str:
        return self.screen.name(self.user_id)

    @property
    def channel_name(self) -> str:
        return self.world.channel(self.channel_id).name

    async def handle_line(self, line: str) -> bool:
        """Run one line; False means quit. Never raises for bad input."""
        text = line.strip()
        if not text:
            return True
        word, _, rest = text.partition(" ")
        try:
            if text.startswith("/"):
                await self.slash(text[1:])
            elif (meta := self._meta(word)) is None:
                self.write(f"I don't know {word!r}. Slash commands start with '/'; type help.")
            elif await meta.run(self, rest.strip()) is False:
                return False
        except (ReplError, InteractionError) as exc:
            self.write(str(exc))
        except TimeoutError:
            self.write(f"The bot didn't answer within {self.timeout:g}s.")
        except Exception as exc:  # never a traceback in front of a person
            log.debug("sandbox command failed", exc_info=True)
            self.write(f"Something went wrong: {exc}")
        await self.screen.refresh_zones()  # the command may have changed someone's zone
        return True

    def _meta(self, word: str) -> MetaCommand | None:
        meta = COMMANDS.get(word.lower())
        return None if meta is None or (meta.needs_clock and self.clock is None) else meta

    # ----------------------------------------------------------------- slash commands
    async def slash(self, text: str) -> None:
        path, rest = match_command(self.world.commands_for(self.guild_id), text)
        self._check_allowed(path.command)
        options = parse_options(path, rest)
        options = await self._autocomplete(path.qualified_name, path.leaf_options, options)
        handle = await self.fake.slash(
            self.guild_id, self.channel_id, self.user_id, path.qualified_name, options
        )
        await self._show_reply(handle)

    def _check_allowed(self, command: AppCommand) -> None:
        """Discord hides the command from this member: say so, and who could use it."""
        try:
            check_command_allowed(self.world, command, self.guild_id, self.user_id)
        except InteractionError as exc:
            able = self._members_allowed(command)
            hint = f" {able[0]} can use it: type `as {able[0]}`." if able else ""
            raise ReplError(f"{exc}.{hint}") from None

    def _members_allowed(self, command: AppCommand) -> list[str]:
        out = []
        for uid in self.screen.member_ids():
            try:
                check_command_allowed(self.world, command, self.guild_id, uid)
            except InteractionError:
                continue
            out.append(self.screen.name(uid))
        return out

    async def _autocomplete(
        self, command: str, schema: list[dict[str, Any]], values: dict[str, Any]
    ) -> dict[str, Any]:
        """Swap typed text for the matching suggestion's value, like picking it from the list."""
        for opt in schema:
            name = opt["name"]
            if not opt.get("autocomplete") or name not in values:
                continue
            others = {k: v for k, v in values.items() if k != name}
            try:
                handle = await self.fake.autocomplete(
                    self.guild_id,
                    self.channel_id,
                    self.user_id,
                    command,
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

    async def _show_reply(self, handle: InteractionHandle, settle: float = 0.0) -> None:
        """The interaction's reply; ``settle``: seconds to wait for a private follow-up after
        it (a button updates its card, then may tell the clicker something of their own)."""
        reply = await handle.response(timeout=self.timeout)
        if settle and reply.kind == "update":
            with contextlib.suppress(TimeoutError):
                await handle.followup(len(reply.followups) + 1, timeout=settle)
            reply = await handle.response(timeout=self.timeout)
        self.screen.show_reply(reply)
        if reply.kind == "modal":
            self.form = handle
            self.write("Fill it in with: submit <field>: <value> ...")

    # ----------------------------------------------------------------- components and forms
    async def click(self, rest: str) -> None:
        words = rest.split()
        number = next((w for w in (words[:1] + words[-1:]) if _CARD_NUMBER.fullmatch(w)), None)
        if number is not None:
            words.remove(number)
        target = " ".join(words)
        if not target:
            raise ReplError("Click what? For example: click Going, or click #2 Going")
        for message in self._clickable(number):
            try:
                find_component(message, target)
            except InteractionError:
                continue
            handle = await self.fake.click(message, target, self.user_id)
            await self._show_reply(handle, settle=CLICK_SETTLE)
            return
        if number is not None:
            raise ReplError(f"No message showing {number} has a button {target!r}.")
        raise ReplError(f"No recent message here has a button {target!r}.")

    def _clickable(self, number: str | None) -> list[StoredMessage]:
        """Latest first: this channel's messages (and own ephemeral replies), or with ``#n``
        every message in the server whose text shows ``#n`` (a card's "Party #2")."""
        if number is None:
            here = self.fake.messages_in(self.channel_id, include_ephemeral=True)
            return [m for m in reversed(here) if not m.ephemeral or self._mine(m)]
        shows = re.compile(rf"(?<![\w#]){re.escape(number)}(?!\d)")
        found = [
            m
            for cid in self.world.guild(self.guild_id).channel_ids
            if self.world.can(cid, self.user_id, Perm.VIEW_CHANNEL)
            for m in self.fake.messages_in(cid, include_ephemeral=True)
            if (not m.ephemeral or self._mine(m)) and shows.search(self.screen.render(m))
        ]
        return sorted(found, key=lambda m: m.id, reverse=True)

    def _mine(self, message: StoredMessage) -> bool:
        handle = self.fake.interactions.get(message.interaction_id or 0)
        return handle is not None and handle.user_id == self.user_id

    async def submit(self, rest: str) -> None:
        if self.form is None or self.form.modal is None:
            raise ReplError("There is no open form to submit.")
        fields = [
            c["custom_id"]
            for c in iter_components(self.form.modal["components"])
            if c.get("type") == 4
        ]
        _, values = split_named(rest, fields)
        handle = await self.fake.submit_modal(self.form, values, user_id=self.user_id)
        self.form = None
        await self._show_reply(handle)

    # ----------------------------------------------------------------- meta
    async def switch_user(self, name: str) -> None:
        member = self.world.find_member(self.guild_id, name) if name else None
        if member is None:
            raise ReplError(f"No member called {name!r}. Members: {self._member_names()}")
        self.screen.user_id = member.user_id
        zone = self.screen.zone()
        self.write(f"You are now {self.me}." + (f" Times show in {zone}." if zone else ""))

    async def channel(self, name: str) -> None:
        if not name:
            await self.show_messages("", bot_only=True)
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

    async def show_messages(self, count: str, *, bot_only: bool = False) -> None:
        msgs = [
            m
            for m in self.fake.messages_in(self.channel_id)
            if not bot_only or m.author_id == self.world.bot_id
        ][-_count(count) :]
        if not msgs:
            self.write(f"Nothing {'from the bot ' if bot_only else ''}in #{self.channel_name} yet.")
            return
        self.screen.show_messages(f"#{self.channel_name}, last {len(msgs)}:", msgs)

    async def dms(self, count: str) -> None:
        dm = self.world.dm_by_user.get(self.user_id)
        msgs = self.fake.messages_in(dm)[-_count(count) :] if dm is not None else []
        if not msgs:
            self.write(f"The bot hasn't sent {self.me} a DM yet.")
            return
        self.screen.show_messages(f"DMs to {self.me}, last {len(msgs)}:", msgs)

    async def events(self, _: str) -> None:
        self.screen.show_events()

    async def who(self, _: str) -> None:
        self.write(f"Members: {self._member_names()} (you are {self.me})")

    def _member_names(self) -> str:
        return ", ".join(self.screen.name(uid) for uid in self.screen.member_ids())

    async def help(self, _: str) -> None:
        """The bot's commands this member can run here, then the sandbox's own."""
        usable: list[str] = []
        hidden: list[str] = []
        for command in self.world.commands_for(self.guild_id):
            if command.type != 1:
                continue
            try:
                check_command_allowed(self.world, command, self.guild_id, self.user_id)
            except InteractionError:
                able = self._members_allowed(command)
                if able:  # else nobody can use it here (a DM-only command)
                    hidden.append(f"/{command.name} (`as {able[0]}` can use it)")
                continue
            for path in filter(drivable, leaf_paths(command)):
                about = description(path)
                usable.append(f"  {usage(path)}" + (f"\n      {about}" if about else ""))
        if usable:
            self.write(f"The bot's commands for {self.me}:\n" + "\n".join(usable))
            self.write(
                "Give options as name: value (/film release title: x timezone: Seoul); "
                "free text fills the first required text option."
            )
        else:
            self.write(f"The bot has no commands {self.me} can use here yet.")
        if hidden:
            self.write(
                f"Hidden from {self.me} (Discord shows them only to members with the permission "
                f"they need): {', '.join(hidden)}"
            )
        self.write("Sandbox commands:")
        for meta in META:
            if self._meta(meta.names[0]) is None:
                continue
            first, *more = meta.about.splitlines()
            also = f" (also: {', '.join(meta.aliases)})" if meta.aliases else ""
            self.write(f"  {meta.usage:<30}{first}{also}")
            for line in more:
                self.write(f"  {'':<30}{line}")

    # ----------------------------------------------------------------- time
    async def time(self, text: str) -> None:
        assert self.clock is not None
        if text:
            await self._move(parse_instant(text, self.screen.zone()))
        self._say_time()

    async def wait(self, text: str) -> None:
        assert self.clock is not None
        await self._move(self.clock.now() + parse_duration(text))
        self._say_time()

    async def _move(self, instant: datetime) -> None:
        assert self.clock is not None
        ahead = instant > self.clock.now()
        self.write("Moving ahead in time…" if ahead else "Going back in time.")
        await self.clock.move_to(instant)

    def _say_time(self) -> None:
        assert self.clock is not None
        now = int(self.clock.now().timestamp())
        self.screen.show(
            f"It's {format_timestamp(now, 'F', tz=self.screen.zone())} in the sandbox.", times=True
        )

    async def quit(self, _: str) -> bool:
        self.write("Bye!")
        return False


META = (
    MetaCommand(
        "click [#n] <label>",
        "press a button on the latest message here that has it,\n"
        "or on the message that shows #n (a card's Party #2)",
        _Repl.click,
    ),
    MetaCommand("submit <field>: <value> ...", "fill in the form the bot opened", _Repl.submit),
    MetaCommand("as <member>", "act as another member (who lists them)", _Repl.switch_user),
    MetaCommand("who", "list members", _Repl.who, ("members",)),
    MetaCommand(
        "channel [name]", "show what the bot posted here, or switch channel", _Repl.channel
    ),
    MetaCommand("messages [n]", "show the last n messages here", _Repl.show_messages),
    MetaCommand("dms [n]", "show the last n DMs the bot sent you", _Repl.dms),
    MetaCommand("events", "list the server's scheduled events", _Repl.events),
    MetaCommand(
        "time [when]",
        "show the sandbox's time, or move it: 2025-05-29 20:00\n"
        "(in your zone if you set one, else UTC; or add an offset: 20:00+09:00)",
        _Repl.time,
        needs_clock=True,
    ),
    MetaCommand(
        "wait <duration>",
        "move time ahead (30m, 2h, 1d12h): what falls due meanwhile is sent on time",
        _Repl.wait,
        needs_clock=True,
    ),
    MetaCommand("help", "this text", _Repl.help),
    MetaCommand("quit", "leave", _Repl.quit, ("exit", "q")),
)
COMMANDS = {name: meta for meta in META for name in meta.names}


class TimeMachine(Protocol):
    """The sandbox's movable "now", shared by the bot and the fake."""

    def now(self) -> datetime: ...

    async def move_to(self, instant: datetime) -> None:
        """Set "now"; moving ahead, whatever falls due on the way happens at its own time."""
        ...


_DURATION = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?")


def parse_duration(text: str) -> timedelta:
    """'30m', '2h', '1d12h', '90s' as a duration; ReplError for anything else."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ReplError(f"Give a duration like 30m, 2h or 1d12h, not {text!r}.")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    if days > 3660:
        raise ReplError("That's more than ten years: pick a shorter wait.")
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def parse_instant(text: str, zone: tzinfo | None) -> datetime:
    """'2025-05-29 20:00' (in ``zone``, else UTC) or with an offset ('…T20:00+09:00', '…Z')."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReplError(
            f"Give a date and time like 2025-05-29 20:00 (optionally +09:00), not {text!r}."
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone or UTC)
    return instant.astimezone(UTC)


def _count(text: str, default: int = 10) -> int:
    return int(text) if text.strip().isdigit() else default
