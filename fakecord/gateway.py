"""The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay.

discord.py 2.7 dials ``?v=10&encoding=json&compress=zlib-stream`` (``zstd-stream`` when a zstd
module is installed). For zlib-stream the fake compresses every payload with one shared zlib
context flushed with Z_SYNC_FLUSH, as Discord does. The client also accepts plain text frames
(it only decompresses binary frames), which the fake sends for ``zstd-stream`` or when
compression is turned off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .payloads import guild_create_payload, self_user_payload
from .records import GatewayFrame
from .shards import INVALID_SHARD, SHARDING_REQUIRED, IdentifyGate, parse_shard

if TYPE_CHECKING:
    from .state import World

log = logging.getLogger(__name__)

# Intent bits the fake filters on.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

_EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}

# Close codes after which discord.py resumes; 4004 etc. are fatal for it.
RESUMABLE_CLOSE = 4000
#: Dispatches kept per session for replay on RESUME; a client further behind must re-identify.
RESUME_BUFFER = 50_000
#: Seconds before a heartbeat is acknowledged: a short round trip, as from Discord.
HEARTBEAT_ACK_DELAY = 0.05


@dataclass
class Session:
    """One identified gateway session; outlives connections so it can be resumed."""

    session_id: str
    intents: int
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=RESUME_BUFFER))
    connection: Connection | None = None
    resumes: int = 0

    def wants(self, event: str, guild_id: int | None) -> bool:
        if guild_id is None:
            if self.shard[0] != 0:
                return False  # events without a guild (DMs) go to shard 0 only
        elif (guild_id >> 22) % self.shard[1] != self.shard[0]:
            return False
        if event in _MESSAGE_EVENTS:
            return bool(self.intents & (GUILD_MESSAGES if guild_id else DIRECT_MESSAGES))
        needed = _EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)


class Connection:
    """One websocket; a single writer task keeps frames (and the zlib stream) in order."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.closed_by_server = False
        self._zlib = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write(), name="fake-gateway-writer")

    def send(self, text: str) -> None:
        self._queue.put_nowait(text)

    def send_json(self, payload: dict[str, Any]) -> None:
        self.send(json.dumps(payload, separators=(",", ":")))

    async def _write(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return  # the socket went away; the session buffer keeps what was not sent

    async def close(self, code: int, message: str = "") -> None:
        self.closed_by_server = True
        self._queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, message=message.encode())
        await self.stop()

    async def stop(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


class GatewayServer:
    """Serves the websocket and fans events out to sessions."""

    def __init__(
        self,
        world: World,
        *,
        token: Callable[[], str],
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int = 41_250,
        heartbeat_ack_delay: float = HEARTBEAT_ACK_DELAY,
        compression: bool = True,
        allow_privileged: bool = False,
        gate: IdentifyGate | None = None,
        reset_token: Callable[[], None] = lambda: None,
    ) -> None:
        self.world = world
        self._token = token
        self._resume_url = resume_url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_ack_delay = heartbeat_ack_delay
        self.compression = compression
        self.allow_privileged = allow_privileged
        #: Discord's IDENTIFY rules (shards, buckets, session starts) and the record of each.
        self.gate = gate if gate is not None else IdentifyGate()
        self._reset_token = reset_token
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.frames: list[GatewayFrame] = []
        #: One entry per websocket opened: path, query and whether frames were zlib-compressed.
        self.connects: list[dict[str, Any]] = []
        #: Called with every dispatch, whoever receives it (the sandbox shows events with it).
        self.listeners: list[Callable[[str, dict[str, Any], int | None], None]] = []
        self.changed: Callable[[], None] = lambda: None
        world.emit = self.dispatch

    # ----------------------------------------------------------------- fan-out
    def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> int:
        """Send a DISPATCH to every session that subscribed to it; returns how many got it.

        Events for a disconnected session are buffered and replayed when it resumes.
        """
        for listener in self.listeners:
            listener(event, data, guild_id)
        count = 0
        stripped: dict[str, Any] | None = None
        for session in self.sessions.values():
            if not session.wants(event, guild_id):
                continue
            if (
                event in _MESSAGE_EVENTS
                and guild_id is not None
                and not session.intents & MESSAGE_CONTENT
                and self._content_gated(data)
            ):
                if stripped is None:
                    stripped = {
                        **data,
                        "content": "",
                        "embeds": [],
                        "attachments": [],
                        "components": [],
                    }
                self._send_dispatch(session, event, stripped)
            else:
                self._send_dispatch(session, event, data)
            count += 1
        return count

    def _content_gated(self, data: dict[str, Any]) -> bool:
        """Without MESSAGE_CONTENT, bots see content only of their own messages and mentions."""
        bot = str(self.world.bot_id)
        author = (data.get("author") or {}).get("id")
        mentioned = any(u.get("id") == bot for u in data.get("mentions") or [])
        return "content" in data and author != bot and not mentioned

    def _send_dispatch(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}, separators=(",", ":"))
        session.buffer.append((session.seq, text))
        if session.connection is not None:
            session.connection.send(text)

    @property
    def connected(self) -> bool:
        return any(s.connection is not None for s in self.sessions.values())

    async def drop(self, code: int = RESUMABLE_CLOSE, reason: str = "dropped by the fake") -> int:
        """Close every live websocket; sessions stay resumable. Returns how many were closed."""
        conns = list(self.connections)
        for conn in conns:
            await conn.close(code, reason)
        return len(conns)

    def send_op(self, op: int, data: Any = None) -> None:
        """Send a raw non-dispatch opcode (7 RECONNECT, 9 INVALID_SESSION, ...) to everyone."""
        for conn in list(self.connections):
            conn.send_json({"op": op, "d": data})
        if op == 9 and not data:
            self.sessions.clear()

    async def close_all(self) -> None:
        await self.drop(1001, "fake shutting down")
        self.sessions.clear()

    # ----------------------------------------------------------------- the websocket
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Only json encoding is supported by the fake")
            return ws
        compress = self.compression and request.query.get("compress") == "zlib-stream"
        self.connects.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "compressed": compress,
                "at": time.time(),
            }
        )
        conn = Connection(ws, compress)
        self.connections.add(conn)
        conn.send_json(
            {
                "op": 10,
                "d": {
                    "heartbeat_interval": self.heartbeat_interval_ms,
                    "_trace": ['["fake-gateway"]'],
                },
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(conn, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await conn.close(4002, "Decode error")
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.closed_by_server and ws.close_code in (1000, 1001):
                    # Discord ends the session when the client closes cleanly (bot shutdown).
                    self.sessions.pop(session.session_id, None)
            await conn.stop()
            self.changed()
        return ws

    async def _on_frame(self, conn: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = int(payload["op"])
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Decode error")
            return
        data = payload.get("d")
        self.frames.append(
            GatewayFrame(
                op, _redact(data), time.time(), conn.session.session_id if conn.session else None
            )
        )
        if op == 1:
            # Discord's ACK comes a network round trip later. discord.py's keep-alive thread
            # notes when it sent a beat only after the loop has sent it; an ACK that beats the
            # thread to it is measured against the previous beat ("Can't keep up, websocket
            # is 41.2s behind").
            asyncio.get_running_loop().call_later(
                self.heartbeat_ack_delay, conn.send_json, {"op": 11}
            )
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op in (3, 4, 8):
            if conn.session is None:
                await conn.close(4003, "Not authenticated.")
        else:
            await conn.close(4001, "Unknown opcode.")
        self.changed()

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self._token():
            await conn.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED and not self.allow_privileged:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard = parse_shard(data.get("shard"))
        outcome = self.gate.decide(shard, self._guilds_on)
        if outcome == "invalid shard":
            await conn.close(INVALID_SHARD, "Invalid shard.")
            return
        if outcome == "sharding required":
            await conn.close(SHARDING_REQUIRED, "Sharding required.")
            return
        if outcome == "rate limited":
            # Discord's answer to an IDENTIFY over max_concurrency: op 9, not resumable.
            conn.send_json({"op": 9, "d": False})
            return
        if outcome == "session starts exhausted":
            await self._token_reset()
            return
        assert shard is not None  # decide() accepted it
        # A new IDENTIFY for a shard replaces its disconnected sessions (a restarted bot);
        # otherwise they would buffer events forever. discord.py closes with 4000 on shutdown,
        # so the 1000/1001 rule in handle() rarely applies to it.
        for old in list(self.sessions.values()):
            if old.connection is None and old.shard == shard:
                del self.sessions[old.session_id]
        session = Session(session_id=secrets.token_hex(16), intents=intents, shard=shard)
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        world = self.world
        guilds = [
            g for g in world.guilds.values() if (g.id >> 22) % session.shard[1] == session.shard[0]
        ]
        ready: dict[str, Any] = {
            "v": 10,
            "user": self_user_payload(world.users[world.bot_id]),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ['["fake-gateway"]'],
        }
        if "shard" in data:
            ready["shard"] = list(session.shard)
        self._send_dispatch(session, "READY", ready)
        for guild in guilds:
            self._send_dispatch(session, "GUILD_CREATE", guild_create_payload(world, guild))

    def _guilds_on(self, shard_id: int, num_shards: int) -> int:
        return sum(1 for gid in self.world.guilds if (gid >> 22) % num_shards == shard_id)

    async def _token_reset(self) -> None:
        """Past the daily session starts Discord ends every session and resets the bot's token."""
        self._reset_token()
        await self.drop(4004, "Authentication failed.")
        self.sessions.clear()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self._token():
            conn.send_json({"op": 9, "d": False})
            return
        seq = int(data.get("seq") or 0)
        if session.buffer and seq < session.buffer[0][0] - 1:
            conn.send_json({"op": 9, "d": False})  # too far behind to replay
            del self.sessions[session.session_id]
            return
        old = session.connection
        if old is not None and old is not conn:
            await old.close(RESUMABLE_CLOSE, "Session resumed elsewhere")
        session.connection = conn
        session.resumes += 1
        conn.session = session
        for s, text in list(session.buffer):
            if s > seq:
                conn.send(text)
        self._send_dispatch(session, "RESUMED", {"_trace": ['["fake-gateway"]']})


def _redact(data: Any) -> Any:
    if isinstance(data, dict) and "token" in data:
        return {**data, "token": "<redacted>"}
    return data
