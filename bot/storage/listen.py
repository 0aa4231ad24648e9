"""Wake-ups between processes: one PostgreSQL LISTEN connection per process.

A writer NOTIFYs in its own transaction (:func:`bot.storage.outbox.notify`); PostgreSQL hands the
notification to every listening connection when the transaction commits. The connection is the
listener's own (not the pool's: a pooled connection is reset, which UNLISTENs, and would take a
slot from the pool for good). Notifications sent while it is disconnected are lost, so after
every (re)connection it calls ``on_connect``, which re-checks whatever it listens for. A lost
connection is noticed at once when the server closes it, and within ``keepalive`` seconds when
the network silently drops it. On SQLite there is one process and nothing to listen to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.storage.db import POSTGRESQL, Database, describe

log = logging.getLogger(__name__)

FIRST_WAIT = 0.5
MAX_WAIT = 5.0  # the outbox's wake-ups depend on it: back soon after the database is


def scoped(channel_sql: str) -> str:
    """SQL naming ``channel_sql``'s channel in the connection's own schema. NOTIFY reaches the
    whole database; deployments (or test runs) sharing one database in schemas of their own
    must not wake each other, so both sides name the channel through this."""
    return f"{channel_sql} || '_' || left(md5(current_schema()), 12)"


class Listener:
    """LISTEN on ``channel``; ``on_notify(payload)`` per notification, ``on_connect()`` after
    each (re)connection. Call :meth:`start` once and :meth:`stop` at shutdown."""

    def __init__(
        self,
        db: Database,
        channel: str,
        on_notify: Callable[[str], None],
        on_connect: Callable[[], None],
        *,
        keepalive: float = 30.0,
    ) -> None:
        self.db = db
        self.channel = channel
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.keepalive = keepalive
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.db.engine == POSTGRESQL and self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"listen-{self.channel}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        import asyncpg

        wait = FIRST_WAIT
        lost = False
        while True:
            try:
                conn = await asyncpg.connect(str(self.db.target))
            except Exception as error:  # any failure to connect: try again, one line each
                log.warning(
                    "Can't listen for outbox changes on %s (%s); trying again in %g s",
                    describe(self.db.target),
                    error or type(error).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)
                continue
            try:
                closed = await self._listen(conn)
                if lost:
                    log.info("Listening for outbox changes again")
                wait = FIRST_WAIT
                await self._until_closed(conn, closed)
            except Exception as error:
                if conn.is_closed():  # lost while subscribing: the next connection subscribes
                    log.debug("Listener connection lost: %s", error)
                else:
                    log.exception("The outbox listener crashed; reconnecting")
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    conn.terminate()
            lost = True
            log.warning("Lost the outbox listener's connection; reconnecting in %g s", wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_WAIT)

    async def _listen(self, conn: Any) -> asyncio.Event:
        """Subscribe; the event is set when the connection closes."""
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _conn: closed.set())
        name = await conn.fetchval(f"SELECT {scoped('$1::text')}", self.channel)
        await conn.add_listener(name, self._notified)
        self.connected.set()
        self.on_connect()  # whatever was sent while we weren't listening is lost: re-check
        return closed

    async def _until_closed(self, conn: Any, closed: asyncio.Event) -> None:
        """Return when the connection is gone: the server closed it, or a ping went
        unanswered (a network that drops packets closes nothing)."""
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.keepalive):
                    await closed.wait()
                return
            try:
                async with asyncio.timeout(min(self.keepalive, 10.0)):
                    await conn.execute("SELECT 1")
            except Exception:
                return

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.on_notify(payload)
        except Exception:
            log.exception("Handling an outbox notification failed")
