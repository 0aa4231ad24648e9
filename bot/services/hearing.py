"""Who hears what about a watch party (the rules: :mod:`bot.domain.hearing`).

Members turn one party's reminders on or off and set their own lead times; the party's reminder
rows are re-planned in the same transaction (one row per lead anyone hears). Changes to a party
(a new time, another film, a cancellation) queue one change notice, in the transaction of the
change, through :meth:`Hearing.queue_change`, which every part that changes a party calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain import hearing as rules
from bot.domain.hearing import CHANGED, Change, Listener, ReminderState
from bot.domain.parties import GOING, MAYBE, REMINDER, START, Party
from bot.domain.pings import LineKey, ZoneGroup, group, line_key
from bot.domain.seats import WAITING
from bot.errors import BadOption, BadTime
from bot.render import hearing as view
from bot.scheduler import FailureHandler, Outgoing, Scheduler
from bot.services.settings import Preferences
from bot.storage import hearing as store
from bot.storage import outbox
from bot.storage.db import Database, Queries
from bot.storage.outbox import Delivery
from bot.storage.parties import PartyRepo, lock_party

#: A party's film title (as typed, else the store's), given by the watch-party service.
TitleOf = Callable[[Party], Awaitable[str]]


@dataclass(frozen=True)
class Audience:
    """Whom a message about a party reaches: channel groups by clock, and DM lines."""

    groups: tuple[ZoneGroup, ...]
    dms: tuple[tuple[int, ZoneGroup], ...]  # (member, the line they read), by member


class Hearing:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: Scheduler,
        preferences: Preferences,
        title_of: TitleOf,
        on_failure: FailureHandler | None = None,
    ) -> None:
        """``title_of`` names a party's film; ``on_failure`` tells whom a change notice that
        can never be sent (a deleted channel) concerns, as for the party's other pings."""
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.preferences = preferences
        self.title_of = title_of
        scheduler.register(CHANGED, self.build_change, on_failure=on_failure)

    # ------------------------------------------------------------------ members' choices
    async def set_reminders(self, party_id: int, user_id: int, on: bool | None) -> ReminderState:
        """Turn one party's reminders on or off for a member (``None``: the other way round
        from now). Only for a member who answered Going or Maybe."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            party = await lock_party(conn, party_id)
            if party is None:
                raise BadOption(f"There's no watch party #{party_id} any more, so no reminders.")
            if party.cancelled:
                raise BadOption("This watch party was cancelled, so it has no reminders.")
            if party.starts_at <= now:
                raise BadTime("This watch party has started, so it has no reminders left.")
            status, choice = await store.answer(conn, party_id, user_id)
            if status == WAITING:
                raise BadOption(
                    f"You're on the waitlist for watch party #{party_id}: reminders start once "
                    "you get a seat (I'll tell you when)."
                )
            if status not in (GOING, MAYBE):
                raise BadOption(
                    f"Answer **Going** or **Maybe** on watch party #{party_id}'s card first: "
                    "reminders are for members who may come."
                )
            wanted = not rules.hears_reminders(status, choice) if on is None else on
            await store.set_choice(conn, party_id, user_id, wanted)
            own = await store.own_leads(conn, user_id)
            due = await self._replan(conn, party, now) if own else None
        self._poke(due)
        every = rules.leads_of(own, party)
        ahead = tuple(lead for lead in every if party.starts_at - lead > now)
        return ReminderState(
            party_id, wanted, status == GOING, ahead if wanted else (), every, own is not None
        )

    async def set_own_leads(self, user_id: int, leads: tuple[timedelta, ...] | None) -> None:
        """A member's own reminder lead times for every party (None: each party's own), then
        the upcoming parties they answered re-planned.

        Two transactions on purpose. The first writes the lead times under the member's lock
        (:func:`store.lock_leads`), which waits for any answer of theirs still open elsewhere
        (an answer holds it shared from before it reads their lead times until it commits).
        The second re-plans, so it finds every answer committed by then, and one committed
        later read the new lead times and re-planned itself. Holding the member's lock while
        waiting for a party's row could deadlock with an answer, which may hold that row (to
        count seats) before it takes the lock."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await store.lock_leads(conn, user_id, shared=False)
            await store.set_own_leads(conn, user_id, leads)
        dues: list[datetime | None] = []
        async with self.db.transaction() as conn:
            for party_id in await store.answered_parties(conn, user_id, now):  # in id order
                party = await lock_party(conn, party_id)
                if party is not None:
                    dues.append(await self._replan(conn, party, now))
        self._poke(min((d for d in dues if d), default=None))

    async def answered(self, conn: Queries, party: Party, user_id: int) -> datetime | None:
        """In the caller's transaction, after a member's RSVP changed: re-plan the party's
        reminders when the member has lead times of their own (else the plan already fits
        them). The soonest row added, for the caller to poke the scheduler with after commit.
        Holds the member's lock (shared) until the caller commits: see :meth:`set_own_leads`."""
        await store.lock_leads(conn, user_id, shared=True)
        if await store.own_leads(conn, user_id) is None:
            return None
        locked = await lock_party(conn, party.id)
        return await self._replan(conn, locked, self.clock.now()) if locked else None

    async def replanned(self, conn: Queries, party: Party) -> datetime | None:
        """In the caller's transaction, after the party's own rows were re-planned (an edit of
        its time): add the rows for the members' own lead times."""
        return await self._replan(conn, party, self.clock.now())

    async def own_leads_union(
        self, user_id: int, leads: Iterable[timedelta], conn: Queries | None = None
    ) -> set[timedelta]:
        """A new party's leads, with the lead times of its host if they set their own (read
        through ``conn`` inside a transaction)."""
        own = await store.own_leads(conn or self.db, user_id)
        return set(leads) | set(own or ())

    async def _replan(self, conn: Queries, party: Party, now: datetime) -> datetime | None:
        """Make the party's reminder rows one per lead anyone hears, still ahead; returns the
        soonest row added. The caller holds the party's row (:func:`lock_party`)."""
        wanted = rules.wanted_leads(party, await store.with_own_leads(conn, party.id))
        add, cancel = rules.replan(party, wanted, await store.queued_reminders(conn, party.id), now)
        await store.cancel_rows(conn, cancel)
        await outbox.add_many(conn, [(p.kind, party.id, p.due, p.data) for p in add])
        return min((p.due for p in add), default=None)

    def _poke(self, due: datetime | None) -> None:
        if due is not None:
            self.scheduler.poke(due)

    # ------------------------------------------------------------------ change notices
    async def queue_change(
        self, conn: Queries, before: Party, after: Party, *, changed_by: int | None
    ) -> datetime | None:
        """Queue the one change notice for a party that moved, changed film or was cancelled:
        an outbox row due now, in the caller's transaction (the one that saves ``after``, and
        holds the party's row). Everyone who answered Going or Maybe, and the waitlist (they answered Going too), is
        told, except
        ``changed_by``. A notice still pending from an earlier change is updated instead
        (:func:`rules.merged`: one ping, saying what it was before both). Returns the due time,
        to pass to :meth:`wake` after commit; None when nothing a member notices changed (a
        note, a channel) or the party is over."""
        now = self.clock.now()
        change = rules.change_of(before, after, now, changed_by)
        if change is None:
            return None
        pending = await store.pending_change(conn, after.id)
        if pending is not None:
            row_id, earlier = pending
            if await store.set_pending_change(conn, row_id, rules.merged(earlier, change)):
                return now
        await outbox.add(conn, CHANGED, after.id, now, change.data())
        return now

    def wake(self, due: datetime | None) -> None:
        """After the commit of a transaction that queued a row due at ``due`` (a
        :meth:`queue_change`, an :meth:`answered`): wake the scheduler for it."""
        self._poke(due)

    async def build_change(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """A change notice, built when it is sent: old values from the row, new ones current."""
        party = await PartyRepo.read(self.db, delivery.ref_id)
        if party is None:
            return []
        change = Change.from_data(delivery.data)
        was = replace(party, film_id=change.film_id, film_title=change.film_title)
        title, old_title = await self.title_of(party), await self.title_of(was)
        if not rules.still_news(change, party, title, old_title):
            return []
        listeners = rules.change_targets(await store.listeners(self.db, party.id), change.by)
        at = change.was if change.cancelled else party.starts_at
        audience = await self.audience(party, listeners, at)
        header = view.change_header(party, title, old_title, change)
        messages = [
            Outgoing(content, channel_id=party.ping_channel_id, mention_ids=ids)
            for content, ids in view.change_pings(header, audience.groups, change, late)
        ]
        messages += [
            Outgoing(
                view.change_dm(header, line, change, party.channel_id, late),
                user_id=user_id,
                optional=True,
            )
            for user_id, line in audience.dms
        ]
        return messages

    # ------------------------------------------------------------------ reminders and start
    async def ping_targets(self, party: Party, delivery: Delivery) -> list[Listener]:
        """Who a party's reminder or start ping reaches (see :mod:`bot.domain.hearing`)."""
        listeners = await store.listeners(self.db, party.id)
        if delivery.kind == START:
            return rules.start_targets(listeners)
        assert delivery.kind == REMINDER
        lead = timedelta(seconds=int(delivery.data["lead"]))
        return rules.reminder_targets(listeners, lead, party)

    async def audience(self, party: Party, members: list[Listener], at: datetime) -> Audience:
        """Members as channel groups by the clock they read ``at`` on (their zone, else the
        server's, said so, else UTC) and DM lines for those who chose DMs."""
        server_zone = (
            (await self.preferences.guild(party.guild_id)).zone
            if any(m.zone is None for m in members)
            else None
        )
        lines: dict[int, LineKey] = {m.user_id: line_key(m.zone, server_zone, at) for m in members}
        groups = group((lines[m.user_id], m.user_id) for m in members if not m.by_dm)
        dms = tuple(
            (m.user_id, group([(lines[m.user_id], m.user_id)])[0])
            for m in sorted(members, key=lambda m: m.user_id)
            if m.by_dm
        )
        return Audience(groups, dms)
