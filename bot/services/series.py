"""Recurring watch parties: start a series, make its next occurrence, edit or cancel one
occurrence or the whole series.

Each occurrence is an ordinary party (its own card, answers, reminders, start ping and event);
only the next one exists. The one after is made by a roll-over outbox row (kind
:data:`recurrence.ROLL_OVER`, ref_id = the series), written in the transaction that made the
one before: :meth:`SeriesService.roll_over` makes the occurrence in one transaction that holds
the series' row and finds an occurrence already made by an earlier run, so a re-run after a
crash makes none twice. No discord calls here: the cog posts the card and the event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain import parties as rules
from bot.domain import recurrence, zones
from bot.domain import seats as seat_rules
from bot.domain.films import Film
from bot.domain.parties import Party
from bot.domain.recurrence import ACTIVE, CANCELLED, ENDED, SeriesMark
from bot.domain.when import is_off, parse_duration
from bot.errors import BadOption, UserError
from bot.render import series as series_view
from bot.scheduler import Outgoing, Scheduler
from bot.services.watchparty import Interpreted, WatchParties
from bot.storage.db import Database, Queries
from bot.storage.outbox import Delivery
from bot.storage.parties import PartyRepo
from bot.storage.series import Series, SeriesRepo

NOT_ANNOUNCED = (
    "This series' next party isn't announced yet, so there's nothing to change. "
    "Try again once it is."
)

#: The longest wait after an occurrence ends before the next is announced.
ANNOUNCE_MAX = timedelta(days=7)


def parse_announce(text: str | None) -> timedelta:
    """The `announce:` delay after an occurrence ends: none given, `0` or `now` is at once."""
    if text is None or text.strip().casefold() in {"", "0", "now", "at once"} or is_off(text):
        return timedelta(0)
    delay = parse_duration(text)
    if delay > ANNOUNCE_MAX:
        raise BadOption("`announce` goes up to 7 days after a party ends, like `1d` or `2h`.")
    return delay


def _wall(party: Party, zone_key: str | None = None) -> datetime:
    """A party's start on the wall clock of its zone (or ``zone_key``'s), naive."""
    tz = zones.zone_from_key(zone_key or party.zone_key)
    return party.starts_at.astimezone(tz).replace(tzinfo=None)


class SeriesService:
    def __init__(
        self, db: Database, clock: Clock, scheduler: Scheduler, parties: WatchParties
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.parties = parties
        self.repo = SeriesRepo(db)
        parties.follow = self._follow

    async def create(
        self,
        *,
        repeat: str,
        until: str | None = None,
        times: int | None = None,
        announce: str | None = None,
        thread: bool = False,
        **party: object,
    ) -> Interpreted:
        """Start a series: its first occurrence is the party :meth:`WatchParties.create` makes
        from ``party`` (the same options, capacity and role too: every occurrence copies them),
        tied to the series in the same transaction. ``thread``: every occurrence's card gets a
        thread (the cog starts the first one's)."""
        when = str(party["when"])
        if when.strip().casefold() in rules.PREMIERE_WORDS:
            raise BadOption(
                "A premiere happens once, so it can't repeat. Give the first date and time, "
                "like `fri 8pm`."
            )
        last_day = recurrence.parse_until(until) if until is not None else None
        delay = parse_announce(announce)
        now = self.clock.now()

        async def start(conn: Queries, first: Party) -> None:
            tz = zones.zone_from_key(first.zone_key)
            rule = recurrence.make_rule(
                repeat,
                _wall(first),
                first.zone_key,
                until=last_day,
                times=times,
                today=now.astimezone(tz).date(),
            )
            await self.repo.start(conn, first, rule, delay, now, thread)

        result = await self.parties.create(**party, within=start)  # type: ignore[arg-type]
        self.scheduler.poke()
        return result

    async def _film(self, series: Series, conn: Queries) -> Film | str | None:
        """The film the next occurrence shows; None if it has left the store (the party still
        happens, its end unknown)."""
        if series.film_title is not None:
            return series.film_title
        try:
            return await self.parties.films.get(series.film_id, conn)
        except UserError:
            return None

    async def roll_over(self, delivery: Delivery) -> Party | None:
        """Make the series' next occurrence (the roll-over row's work); None when there is
        none (the series ended or was cancelled). Safe to run again: an occurrence an earlier
        run made is returned, not made twice."""
        series_id = delivery.ref_id
        after = datetime.fromisoformat(delivery.data["after"])
        now = self.clock.now()
        async with self.db.transaction() as conn:
            series = await self.repo.lock(conn, series_id)
            if series is None or series.status != ACTIVE:
                return None
            made = await self.repo.latest_after(conn, series_id, after)
            if made is None:
                occurrence, skipped = recurrence.next_after(series.rule, after, now)
                if occurrence is None:
                    await self.repo.set_status(conn, series_id, ENDED)
                    return None
                film = await self._film(series, conn)
                start = occurrence.starts_at
                party = Party(
                    id=0,
                    guild_id=series.guild_id,
                    channel_id=series.channel_id,
                    host_id=series.host_id,
                    film_id=series.film_id,
                    film_title=series.film_title,
                    starts_at=start,
                    ends_at=rules.end_of(film, start) if film is not None else None,
                    zone_key=series.rule.zone_key,
                    note=series.note,
                    reminders=series.reminders,
                    voice_channel_id=series.voice_channel_id,
                    capacity=series.capacity,
                    role_id=series.role_id,
                )
                # The host is Going: their own lead times too, as for a party they create.
                leads = await self.parties.hearing.own_leads_union(
                    series.host_id, series.reminders, conn
                )
                plan = rules.plan(start, leads, now)
                mark = SeriesMark(
                    series_id,
                    series.rule,
                    occurrence.wall,
                    recurrence.flags_of(occurrence),
                    skipped,
                )
                made = await self.repo.insert_occurrence(conn, series, party, plan, mark, now)
                assert made is not None  # the series' row is held, and none was made after
                await self.repo.queue_roll_over(
                    conn,
                    series_id,
                    replace(party, id=made),
                    occurrence.wall,
                    series.rule,
                    series.announce,
                )
        self.scheduler.poke()
        return await self.parties.repo.get(made)

    async def report_failure(self, delivery: Delivery, reason: str) -> list[Outgoing]:
        """A DM for the host the first time a roll-over can never announce (its channel is
        gone or closed to the bot): later occurrences have no card either until it's fixed."""
        series = await self.repo.get(delivery.ref_id)
        if series is None or not await self.repo.mark_problem_reported(series.id):
            return []
        newest = await self.repo.current(series.id)
        if newest is not None:  # its own pings' failure would tell the host again
            await self.parties.repo.mark_problem_reported(newest)
        text = series_view.roll_over_failed(series.id, series.channel_id, newest, reason)
        return [Outgoing(text, user_id=series.host_id)]

    async def wants_thread(self, party: Party) -> bool:
        """Whether an occurrence's card gets a thread (the series was started with one)."""
        if party.series is None:
            return False
        series = await self.repo.get(party.series.series_id)
        return series is not None and series.thread

    async def note(self, party: Party, flag: str) -> Party:
        """Note something on an occurrence's card; the party as it is now."""
        await self.repo.add_flag(party.id, flag)
        updated = await self.parties.repo.get(party.id)
        assert updated is not None
        return updated

    async def current(self, party: Party) -> Party:
        """The series' newest occurrence (the one a series edit or cancel applies to)."""
        assert party.series is not None
        newest = await self.repo.current(party.series.series_id)
        found = await self.parties.repo.get(newest) if newest is not None else None
        return found or party

    async def _follow(self, conn: Queries, party: Party) -> None:
        """In the transaction of an edit that moved an occurrence's start or end (a new time,
        a film with another runtime): the next is announced after its new end."""
        if party.series is None:
            return
        series = await self.repo.lock(conn, party.series.series_id)
        if series is None or series.status != ACTIVE:
            return
        if await self.repo.current(series.id, conn) == party.id:
            await self.repo.queue_roll_over(
                conn, series.id, party, party.series.wall, series.rule, series.announce
            )

    async def cancel_one(self, party: Party, by: int | None) -> Party:
        """Cancel one occurrence (``by``: the member who did, not told of their own change);
        the series goes on: its next occurrence is announced now. One transaction, holding the
        series' row."""
        assert party.series is not None
        async with self.db.transaction() as conn:
            series = await self.repo.lock(conn, party.series.series_id)
            newest = await self.repo.current(party.series.series_id, conn)
            cancelled, notice = await self.parties.cancel_within(conn, party, by)
            if series is not None and series.status == ACTIVE and newest == party.id:
                await self.repo.queue_roll_over(
                    conn,
                    series.id,
                    party,
                    party.series.wall,
                    series.rule,
                    series.announce,
                    due=self.clock.now(),
                )
        self.parties.hearing.wake(notice)
        self.scheduler.poke()
        [fresh] = await self._as_committed([cancelled])
        return fresh

    async def cancel_series(self, party: Party, by: int | None) -> list[Party]:
        """End the series: no more occurrences, and its pending ones are cancelled (returned,
        for their cards and events), ``by`` not told of their own change. One transaction
        holding the series' row, so a roll-over waits for it and then finds it cancelled."""
        assert party.series is not None
        now = self.clock.now()
        cancelled: list[Party] = []
        notices: list[datetime | None] = []
        async with self.db.transaction() as conn:
            if await self.repo.lock(conn, party.series.series_id) is None:
                return []
            await self.repo.set_status(conn, party.series.series_id, CANCELLED)
            for party_id in await self.repo.pending(conn, party.series.series_id, now):
                pending = await PartyRepo.read(conn, party_id)
                assert pending is not None
                done, notice = await self.parties.cancel_within(conn, pending, by)
                cancelled.append(done)
                notices.append(notice)
        for notice in notices:
            self.parties.hearing.wake(notice)
        return await self._as_committed(cancelled)

    async def _as_committed(self, cancelled: list[Party]) -> list[Party]:
        """Cancelled occurrences read again after the commit, for the cog to retire their cards
        and events: a roll-over under way may have remembered a card or event after the cancel
        read the party (PostgreSQL lets it), and seeing the party not cancelled yet, left it
        live. Whatever it remembers after this read, it then finds the party cancelled and
        retires itself."""
        fresh = [await self.parties.repo.get(party.id) for party in cancelled]
        return [now or party for now, party in zip(fresh, cancelled, strict=True)]

    async def edit_series(self, party: Party, **changes: object) -> tuple[Party, Interpreted]:
        """Edit the series from its upcoming occurrence on: (the occurrence before the edit,
        the edit). ``changes`` are :meth:`WatchParties.edit`'s. One transaction holding the
        series' row: the occurrence, what later ones copy and the roll-over change together
        (a roll-over waits for it, then copies the new template)."""
        current = await self.current(party)
        assert current.series is not None
        series_id, was = current.series.series_id, current.series.wall
        if current.cancelled or (current.ends_at or current.starts_at) <= self.clock.now():
            raise BadOption(NOT_ANNOUNCED)
        remove = changes.get("remove")
        if isinstance(remove, str):  # later parties copy the series' role and seats
            template = await self.repo.get(series_id)
            changes["series_has"] = template is not None and seat_rules.has(template, remove)

        async def retemplate(conn: Queries, edited: Party) -> None:
            series = await self.repo.lock(conn, series_id)
            assert series is not None
            if await self.repo.current(series_id, conn) != current.id:
                raise BadOption(NOT_ANNOUNCED)  # a roll-over made a newer one meanwhile
            rule, wall = series.rule, was
            if changes.get("when") is not None:
                wall = _wall(edited, rule.zone_key)  # the series keeps its zone
                # Dates on the rule only move forward: the newest occurrence is the one with
                # the latest date, and a roll-over makes the one after it.
                previous = await self.repo.previous(conn, series_id, current.id)
                if previous is not None and wall <= previous[1]:
                    raise BadOption(series_view.before_previous(*previous))
                rule = recurrence.moved_to(rule, was, wall)
                await self.repo.set_wall(conn, edited.id, wall)
            await self.repo.update_template(conn, series.id, edited, rule)
            if series.status == ACTIVE:
                await self.repo.queue_roll_over(
                    conn, series.id, edited, wall, rule, series.announce
                )

        result = await self.parties.edit(current, within=retemplate, **changes)  # type: ignore[arg-type]
        self.scheduler.poke()
        fresh = await self.parties.repo.get(result.party.id)
        assert fresh is not None
        notes = result.notes
        if isinstance(remove, str):
            notes = (*notes, series_view.later_removed(remove))
        return current, replace(result, party=fresh, notes=notes)
