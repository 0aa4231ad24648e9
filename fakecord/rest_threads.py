"""Threads: POST /channels/{channel.id}/messages/{message.id}/threads (Start Thread from
Message), in Discord's documented shapes. A thread is a channel messages can be posted to; it
takes the starter message's id, its permissions are its parent's, and posting in it needs
SEND_MESSAGES_IN_THREADS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors as err
from .errors import ApiError, form_error
from .payloads import thread_payload
from .permissions import Perm
from .state import ChannelType

if TYPE_CHECKING:
    from .rest import ApiRequest, Handler, RestApi

#: The auto-archive durations Discord accepts, in minutes.
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
HAS_THREAD = 1 << 5


def thread_routes(api: RestApi) -> list[tuple[str, str, Handler, bool]]:
    async def start_from_message(req: ApiRequest) -> Any:
        world = api.world
        cid = api.visible_channel(req)
        channel = world.channel(cid)
        if channel.type not in (ChannelType.TEXT, ChannelType.ANNOUNCEMENT):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        message = world.channel_messages.get(cid, {}).get(req.id("message_id"))
        if message is None or message.deleted or message.ephemeral:
            raise err.unknown_message()
        if not world.can(cid, world.bot_id, Perm.CREATE_PUBLIC_THREADS):
            raise err.missing_permissions()
        if message.id in world.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        body = req.body()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        duration = body.get("auto_archive_duration", 1440)
        if duration not in ARCHIVE_DURATIONS:
            raise form_error(
                "auto_archive_duration",
                "BASE_TYPE_CHOICES",
                f"Value must be one of {set(ARCHIVE_DURATIONS)}.",
            )
        thread = world.add_thread(
            cid, name, world.bot_id, thread_id=message.id, auto_archive_duration=duration
        )
        data = thread_payload(thread)
        message.payload["flags"] = message.flags | HAS_THREAD
        message.payload["thread"] = data
        world.emit("THREAD_CREATE", {**data, "newly_created": True}, thread.guild_id)
        return data

    return [
        (
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            start_from_message,
            True,
        )
    ]
