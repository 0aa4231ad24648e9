"""A loopback fake of Discord's REST API and gateway for tests, benchmarks and the sandbox.

The unmodified discord.py client connects to it on 127.0.0.1: ``FakeDiscord.install()`` points
``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` at the fake, and
:func:`running_bot` runs a client against it for the length of an ``async with``.
"""

from .demo import DemoWorld, build_demo_world
from .fake import FakeDiscord
from .faults import BucketRule, FaultRule, RateLimitPolicy
from .harness import logged_in, running_bot
from .interactions import InteractionError, InteractionHandle, Reply
from .mentions import AllowedMentionsError, Pings, compute_pings
from .permissions import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE, Perm
from .records import GatewayFrame, RequestRecord
from .repl import run_repl, stdin_lines
from .screen import ViewerZone
from .shards import IdentifyRecord, ShardPolicy
from .state import ChannelType, FileRecord, StoredMessage
from .text import format_timestamp, render_content, render_event, render_message, render_reply

__all__ = [
    "AllowedMentionsError",
    "BucketRule",
    "ChannelType",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE",
    "DemoWorld",
    "FakeDiscord",
    "FaultRule",
    "FileRecord",
    "GatewayFrame",
    "IdentifyRecord",
    "InteractionError",
    "InteractionHandle",
    "Perm",
    "Pings",
    "RateLimitPolicy",
    "Reply",
    "RequestRecord",
    "ShardPolicy",
    "StoredMessage",
    "ViewerZone",
    "build_demo_world",
    "compute_pings",
    "format_timestamp",
    "logged_in",
    "render_content",
    "render_event",
    "render_message",
    "render_reply",
    "run_repl",
    "running_bot",
    "stdin_lines",
]
