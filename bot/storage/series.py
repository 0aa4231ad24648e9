"""Recurring watch parties (series): SQL only. An occurrence is a party row naming its series;
the next one is made by a roll-over outbox row (:data:`recurrence.ROLL_OVER`, ref_id = the
series) written in the transaction that makes the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import recurrence
from bot.domain.parties import ASSUMED_RUNTIME, Party, Planned
from bot.domain.recurrence import ROLL_OVER, Rule, SeriesMark
from bot.storage import outbox
from bot.storage.db import Database, Queries, Row
from bot.storage.outbox import to_text
from bot.storage.parties import insert_party
from bot.storage.series_rows import read_rule


@dataclass(frozen=True)
class Series:
    """A series and what its next occurrence copies."""

    id: int
    guild_id: int
    host_id: int
    channel_id: int
    voice_channel_id: int | None
    film_id: str
    film_title: str | None
    note: str
    reminders: tuple[timedelta, ...]
    rule: Rule
    announce: timedelta
    status: str
    capacity: int | None = None
    role_id: int | None = None
    thread: bool = False  # each occurrence's card gets a thread for its pings


def _series(row: Row) -> Series:
    return Series(
        id=row["id"],
        guild_id=row["guild_id"],
        host_id=row["host_id"],
        channel_id=row["channel_id"],
        voice_channel_id=row["voice_channel_id"],
        film_id=row["film_id"],
        film_title=row["film_title"],
        note=row["note"],
        reminders=tuple(timedelta(seconds=int(s)) for s in row["reminders"].split(",") if s),
        rule=read_rule(row["repeat"], row["anchor"], row["zone"], row["until_day"], row["times"]),
        announce=timedelta(seconds=int(row["announce_s"])),
        status=row["status"],
        capacity=row["capacity"],
        role_id=row["role_id"],
        thread=bool(row["thread"]),
    )


def _seconds(reminders: tuple[timedelta, ...]) -> str:
    return ",".join(str(int(r.total_seconds())) for r in reminders)


def roll_over_due(party: Party, rule: Rule, wall: datetime, announce: timedelta) -> datetime:
    """When the occurrence after ``party`` (at ``wall`` on ``rule``) is announced: its end (a
    film without a runtime is assumed to run ASSUMED_RUNTIME) plus the series' delay, but
    early enough for the next date's largest reminder (and so before it starts)."""
    following = recurrence.following(rule, wall)
    return recurrence.announce_due(
        party.ends_at or party.starts_at + ASSUMED_RUNTIME,
        announce,
        following.starts_at if following is not None else None,
        max(party.reminders, default=timedelta(0)),
    )


class SeriesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, series_id: int, conn: Queries | None = None) -> Series | None:
        row = await (conn or self.db).fetchone("SELECT * FROM series WHERE id = ?", (series_id,))
        return _series(row) if row else None

    async def lock(self, conn: Queries, series_id: int) -> Series | None:
        """Read a series for a change, holding its row (a second roll-over or edit at once,
        in another process too, waits for this transaction)."""
        row = await conn.fetchone(
            "UPDATE series SET status = status WHERE id = ? RETURNING *", (series_id,)
        )
        return _series(row) if row else None

    async def start(
        self,
        conn: Queries,
        party: Party,
        rule: Rule,
        announce: timedelta,
        now: datetime,
        thread: bool = False,
    ) -> int:
        """Make ``party`` (just inserted, in ``conn``'s transaction) the first occurrence of a
        new series (``thread``: each card gets a thread); queue the roll-over to the next."""
        series_id = int(
            await conn.fetchval(
                "INSERT INTO series (guild_id, host_id, channel_id, voice_channel_id, film_id, "
                "film_title, note, reminders, repeat, anchor, zone, until_day, times, "
                "announce_s, created_at, capacity, role_id, thread) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    party.guild_id,
                    party.host_id,
                    party.channel_id,
                    party.voice_channel_id,
                    party.film_id,
                    party.film_title,
                    party.note,
                    _seconds(party.reminders),
                    rule.repeat,
                    rule.anchor.isoformat(),
                    rule.zone_key,
                    rule.until.isoformat() if rule.until else None,
                    rule.times,
                    int(announce.total_seconds()),
                    to_text(now),
                    party.capacity,
                    party.role_id,
                    int(thread),
                ),
            )
        )
        occurrence = recurrence.first(rule)
        await self.mark(conn, party.id, series_id, rule.anchor, recurrence.flags_of(occurrence))
        await self.queue_roll_over(conn, series_id, party, rule.anchor, rule, announce)
        return series_id

    async def mark(
        self,
        conn: Queries,
        party_id: int,
        series_id: int,
        wall: datetime,
        flags: frozenset[str],
        skipped: int = 0,
    ) -> None:
        """Tie a party to its series at its date on the rule."""
        await conn.execute(
            "UPDATE parties SET series_id = ?, series_wall = ?, series_flags = ? WHERE id = ?",
            (series_id, wall.isoformat(), recurrence.flags_text(flags, skipped), party_id),
        )

    async def add_flag(self, party_id: int, flag: str) -> None:
        """Note something on an occurrence's card (e.g. no event: the server is full)."""
        async with self.db.transaction() as conn:
            text = await conn.fetchval("SELECT series_flags FROM parties WHERE id = ?", (party_id,))
            flags, skipped = recurrence.read_flags(text or "")
            await conn.execute(
                "UPDATE parties SET series_flags = ? WHERE id = ?",
                (recurrence.flags_text(flags | {flag}, skipped), party_id),
            )

    async def queue_roll_over(
        self,
        conn: Queries,
        series_id: int,
        after: Party,
        wall: datetime,
        rule: Rule,
        announce: timedelta,
        due: datetime | None = None,
    ) -> None:
        """Replace the series' pending roll-over: the occurrence after the one at ``wall`` on
        ``rule``, announced as :func:`roll_over_due` says (or at ``due``)."""
        await outbox.cancel_pending(conn, (ROLL_OVER,), series_id)
        when = due if due is not None else roll_over_due(after, rule, wall, announce)
        await outbox.add(conn, ROLL_OVER, series_id, when, {"after": wall.isoformat()})

    async def latest_after(self, conn: Queries, series_id: int, wall: datetime) -> int | None:
        """The newest occurrence on a date after ``wall`` (None: there is none yet)."""
        found = await conn.fetchval(
            "SELECT id FROM parties WHERE series_id = ? AND series_wall > ? "
            "ORDER BY series_wall DESC LIMIT 1",
            (series_id, wall.isoformat()),
        )
        return int(found) if found is not None else None

    async def previous(
        self, conn: Queries, series_id: int, party_id: int
    ) -> tuple[int, datetime] | None:
        """The occurrence before ``party_id`` on the rule (cancelled ones too): (id, date)."""
        row = await conn.fetchone(
            "SELECT id, series_wall FROM parties WHERE series_id = ? AND id <> ? "
            "ORDER BY series_wall DESC LIMIT 1",
            (series_id, party_id),
        )
        return (int(row["id"]), datetime.fromisoformat(row["series_wall"])) if row else None

    async def current(self, series_id: int, conn: Queries | None = None) -> int | None:
        """The series' newest occurrence (the upcoming one, or the last one held)."""
        found = await (conn or self.db).fetchval(
            "SELECT id FROM parties WHERE series_id = ? ORDER BY series_wall DESC LIMIT 1",
            (series_id,),
        )
        return int(found) if found is not None else None

    async def pending(self, conn: Queries, series_id: int, now: datetime) -> list[int]:
        """The series' occurrences not cancelled and not over yet."""
        rows = await conn.fetchall(
            "SELECT id FROM parties WHERE series_id = ? AND status = 'active' "
            "AND COALESCE(ends_at, starts_at) > ? ORDER BY starts_at",
            (series_id, to_text(now)),
        )
        return [int(row["id"]) for row in rows]

    async def insert_occurrence(
        self,
        conn: Queries,
        series: Series,
        party: Party,
        planned: list[Planned],
        mark: SeriesMark,
        now: datetime,
    ) -> int | None:
        """Insert the next occurrence with its host's answer and deliveries; None if the series
        has one at that date already (a re-run)."""
        if await self.latest_after(conn, series.id, mark.wall - timedelta(microseconds=1)):
            return None
        party_id = await insert_party(conn, party, planned, now)
        await self.mark(conn, party_id, series.id, mark.wall, mark.flags, mark.skipped)
        return party_id

    async def set_status(self, conn: Queries, series_id: int, status: str) -> None:
        """End or cancel a series; a cancelled one's pending roll-over goes too."""
        await conn.execute("UPDATE series SET status = ? WHERE id = ?", (status, series_id))
        if status != recurrence.ACTIVE:
            await outbox.cancel_pending(conn, (ROLL_OVER,), series_id)

    async def update_template(
        self, conn: Queries, series_id: int, party: Party, rule: Rule
    ) -> None:
        """What later occurrences copy, after a series edit: the edited occurrence's fields."""
        await conn.execute(
            # A new channel gets a fresh chance to report a problem to the host.
            "UPDATE series SET problem_reported = "
            "CASE WHEN channel_id = ? THEN problem_reported ELSE 0 END, "
            "channel_id = ?, voice_channel_id = ?, film_id = ?, "
            "film_title = ?, note = ?, capacity = ?, role_id = ?, anchor = ?, repeat = ?, "
            "zone = ? WHERE id = ?",
            (
                party.channel_id,
                party.channel_id,
                party.voice_channel_id,
                party.film_id,
                party.film_title,
                party.note,
                party.capacity,
                party.role_id,
                rule.anchor.isoformat(),
                rule.repeat,
                rule.zone_key,
                series_id,
            ),
        )

    async def set_wall(self, conn: Queries, party_id: int, wall: datetime) -> None:
        """An occurrence's date on the rule, after a series edit re-anchored the rule on it."""
        await conn.execute(
            "UPDATE parties SET series_wall = ? WHERE id = ?", (wall.isoformat(), party_id)
        )

    async def mark_problem_reported(self, series_id: int) -> bool:
        """True the first time only: a roll-over that can't announce is reported once."""
        changed = await self.db.execute(
            "UPDATE series SET problem_reported = 1 WHERE id = ? AND problem_reported = 0",
            (series_id,),
        )
        return changed > 0
