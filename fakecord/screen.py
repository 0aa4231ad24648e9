"""What members would see of the fake Discord, written as text: the sandbox's screen.

Replies, the bot's posts in one server, the DMs it sends, native scheduled events, and times
in the reader's own zone when ``viewer_zone`` knows it (Discord's client shows ``<t:...>`` in
the reader's zone). Without a zone times are in UTC, and the screen says so once per member.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from .fake import FakeDiscord
from .interactions import Reply
from .state import ChannelType, StoredMessage
from .text import render_event, render_message, render_reply, shows_times

log = logging.getLogger(__name__)
Write = Callable[[str], None]
#: The time zone a member reads Discord in, if known (user id -> zone).
ViewerZone = Callable[[int], Awaitable[tzinfo | None]]
_EVENT_VERBS = {
    "GUILD_SCHEDULED_EVENT_CREATE": "created",
    "GUILD_SCHEDULED_EVENT_UPDATE": "updated",
    "GUILD_SCHEDULED_EVENT_DELETE": "deleted",
}


class Screen:
    """Writes what ``user_id`` (the member being played) sees in one server."""

    def __init__(
        self,
        fake: FakeDiscord,
        guild_id: int,
        user_id: int,
        write: Write,
        viewer_zone: ViewerZone | None = None,
    ) -> None:
        self.fake = fake
        self.world = fake.world
        self.guild_id = guild_id
        self.user_id = user_id
        self.write = write
        self.viewer_zone = viewer_zone
        self.zones: dict[int, tzinfo] = {}
        self._told_utc: set[int] = set()

    def name(self, user_id: int) -> str:
        return self.world.display_name(user_id, self.guild_id)

    def member_ids(self) -> list[int]:
        """The server's people: not the bot, not the fake's owner account."""
        guild = self.world.guild(self.guild_id)
        return [u for u in guild.members if u not in (self.world.bot_id, self.world.owner_id)]

    # ----------------------------------------------------------------- time zones
    async def refresh_zones(self) -> None:
        """Ask ``viewer_zone`` for every member's zone (a DM shows in its recipient's)."""
        if self.viewer_zone is None:
            return
        zones: dict[int, tzinfo] = {}
        try:
            for uid in self.member_ids():
                zone = await self.viewer_zone(uid)
                if zone is not None:
                    zones[uid] = zone
        except Exception:  # the bot's store went away (shutting down): keep what we knew
            log.debug("could not look up viewer zones", exc_info=True)
            return
        self.zones = zones

    def zone(self, viewer: int | None = None) -> tzinfo | None:
        return self.zones.get(self.user_id if viewer is None else viewer)

    # ----------------------------------------------------------------- writing
    def show(self, text: str, *, times: bool, viewer: int | None = None) -> None:
        """Write what ``viewer`` (default: the acting member) sees; the first time they see
        times without a known zone, say those are UTC."""
        viewer = self.user_id if viewer is None else viewer
        self.write(text)
        if times and self.zone(viewer) is None and viewer not in self._told_utc:
            self._told_utc.add(viewer)
            self.write(f"(Times are in UTC: no time zone known for {self.name(viewer)}.)")

    def render(self, message: StoredMessage, viewer: int | None = None) -> str:
        return render_message(message, world=self.world, now=self.fake.now(), tz=self.zone(viewer))

    def show_reply(self, reply: Reply) -> None:
        times = any(shows_times(m.payload) for m in (reply, *reply.followups))
        text = render_reply(reply, world=self.world, now=self.fake.now(), tz=self.zone())
        self.show(text, times=times)

    def show_messages(self, title: str, messages: list[StoredMessage]) -> None:
        self.write(title)
        for m in messages:
            body = indent(self.render(m))
            self.show(f"{self.name(m.author_id)}:\n{body}", times=shows_times(m.payload))

    def show_events(self) -> None:
        guild = self.world.guild(self.guild_id)
        events = self.fake.scheduled_events(self.guild_id)
        if not events:
            self.write(f"No scheduled events in {guild.name}.")
            return
        shown = "\n".join(indent(render_event(e, world=self.world, tz=self.zone())) for e in events)
        self.show(f"Scheduled events in {guild.name}:\n{shown}", times=True)

    # ----------------------------------------------------------------- as things happen
    def attach(self) -> None:
        """Show the bot's posts, DMs and scheduled events as they happen."""
        self.fake.messages.listeners.append(self.on_message)
        self.fake.gateway.listeners.append(self.on_dispatch)

    def detach(self) -> None:
        if self.on_message in self.fake.messages.listeners:
            self.fake.messages.listeners.remove(self.on_message)
        if self.on_dispatch in self.fake.gateway.listeners:
            self.fake.gateway.listeners.remove(self.on_dispatch)

    def on_message(self, message: StoredMessage, what: str) -> None:
        """A post by the bot in this server, or a DM it sent (as its recipient sees it)."""
        channel = self.world.channels.get(message.channel_id)
        if what != "create" or message.origin != "channel" or channel is None:
            return
        if channel.type == ChannelType.DM:
            viewer = channel.recipient_ids[0]
            where = f"DM to {self.name(viewer)}"
        elif message.guild_id == self.guild_id:
            viewer, where = self.user_id, f"#{channel.name}"
        else:
            return
        body = indent(self.render(message, viewer))
        author = self.world.display_name(message.author_id)
        self.show(f"[{where}] {author}:\n{body}", times=shows_times(message.payload), viewer=viewer)

    def on_dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        """A native scheduled event created, changed or deleted in this server."""
        verb = _EVENT_VERBS.get(event)
        if verb is None or guild_id != self.guild_id:
            return
        if verb == "deleted":
            self.write(f"[event deleted] **{data.get('name')}**")
            return
        text = render_event(data, world=self.world, tz=self.zone())
        self.show(f"[event {verb}] {text}", times=True)


def indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
