"""Watch parties: validate, write the party and its deliveries together, build the pings.

No discord calls here: the cog posts the announcement and the scheduled event; the scheduler
sends what :meth:`WatchParties.build_delivery` returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import render
from bot.clock import Clock
from bot.domain import parties as rules
from bot.domain import seats as seat_rules
from bot.domain import when as parse
from bot.domain import zones
from bot.domain.films import Film
from bot.domain.ics import party_ics
from bot.domain.parties import Party
from bot.domain.releases import for_country
from bot.domain.usertext import plain
from bot.errors import BadOption, BadTime, NotAllowed, TimeInPast, UserError
from bot.render import parties as party_render
from bot.render import seats as seat_render
from bot.scheduler import Outgoing, Scheduler
from bot.services.hearing import Hearing
from bot.services.seats import promoted_messages
from bot.services.settings import Preferences
from bot.storage import seats, settings
from bot.storage.db import Database, Queries
from bot.storage.filmstore import FilmStore
from bot.storage.outbox import Delivery
from bot.storage.parties import PartyRepo, Within, lock_party

MAX_AHEAD = timedelta(days=366)

#: Told of every edit and cancellation inside its transaction, with (conn, before, after), so
#: what hangs on a party (its open film vote) follows the change in the same commit.
PartyHook = Callable[[Queries, Party, Party], Awaitable[None]]


@dataclass(frozen=True)
class Interpreted:
    """A party with the reading of what the host typed, to show back to them."""

    party: Party
    film: Film | str  # a title as typed when no catalogue knows the film
    notes: tuple[str, ...]

    @property
    def title(self) -> str:
        """The film's title, or the title as typed."""
        return rules.title_of(self.film)


class PartyNotFound(UserError):
    pass


class PartyChanged(UserError):
    """An edit or cancel made from a copy of the party that someone else changed since."""


class NoZoneKnown(BadOption):
    """A clock time was given, but neither the member nor the server has a zone."""


class WatchParties:
    def __init__(
        self,
        db: Database,
        films: FilmStore,
        clock: Clock,
        scheduler: Scheduler,
        preferences: Preferences,
    ) -> None:
        self.db = db
        self.films = films
        self.clock = clock
        self.scheduler = scheduler
        self.preferences = preferences
        self.repo = PartyRepo(db)
        #: Work in the transaction of an edit that moves a party's start or end (a series'
        #: roll-over follows its occurrence's end); set by the series service.
        self.follow: Within | None = None
        self.hearing = Hearing(
            db, clock, scheduler, preferences, self.film_title, self.report_failure
        )
        for kind in rules.PARTY_KINDS:
            scheduler.register(kind, self.build_delivery, on_failure=self.report_failure)
        scheduler.register(seat_rules.PROMOTED, self.build_promoted, on_failure=self.report_failure)
        self.on_change: list[PartyHook] = []  # the votes service adds one

    async def zone_for(
        self, user_id: int, guild_id: int, explicit: zones.ZoneMatch | None
    ) -> tuple[str, list[str]] | None:
        """The zone to read a typed time in: the option, the member's, else the server's."""
        if explicit is not None:
            notes = [n for n in (explicit.note, explicit.warning) if n]
            return explicit.key, notes
        zone = await self.preferences.zone(user_id, guild_id)
        if zone.key is None:
            return None
        if zone.from_server:
            return zone.key, [
                f"Read in the server's zone, {zones.zone_label(zone.key)} (set yours with `/timezone set`)."
            ]
        return zone.key, []

    async def interpret(
        self, text: str, film: Film | str, zone: tuple[str, list[str]] | None
    ) -> tuple[datetime, str, list[str]]:
        """(start instant, zone key used, notes) for what the host typed."""
        now = self.clock.now()
        key, notes = zone if zone else (None, [])
        if text.strip().casefold() in rules.PREMIERE_WORDS:
            if not isinstance(film, Film):
                raise BadOption(
                    f"I have no details for {plain(film)}, so I don't know when it comes out. "
                    "Pick a time, like `fri 8pm`."
                )
            # The release where the party's zone is (its country's, else a worldwide one).
            tz = zones.zone_from_key(key) if key else None
            country = zones.country_of(key) if key else None
            release = for_country(film, country, tz).pick(None)
            if release is None:
                where = "" if not film.releases else " where this party's zone is"
                raise BadOption(
                    f"I don't know when {film.shown_title} comes out{where}, so `premiere` can't be "
                    "used. Pick a time, like `fri 8pm`."
                )
            start = release.instant(tz)
            if start <= now:
                raise TimeInPast(
                    f"{film.shown_title} came out {render.timestamp(start, 'R')} ({render.timestamp(start)}), "
                    "so `premiere` is in the past. Pick a time, like `fri 8pm`."
                )
            if start - now > MAX_AHEAD:
                raise BadTime(
                    "That premiere is more than a year ahead; schedule it closer to the date."
                )
            return start, key or "UTC", [*notes, "Starts at the film's release."]
        try:
            parsed = parse.parse_when(
                text,
                tz=zones.zone_from_key(key) if key else None,
                tz_key=key,
                now=now,
                max_ahead=MAX_AHEAD,
            )
        except BadOption:  # parse_when's only BadOption: a clock time and no zone to read it in
            if key is not None:
                raise
            raise NoZoneKnown(
                "I don't know which time zone that time is in. Set yours with `/timezone set` "
                "(e.g. `Seoul`), give the `timezone` option, add a zone to the time "
                "(`fri 8pm KST`), or ask a server manager to set a default with "
                "`/config timezone`."
            ) from None
        # Whole seconds: "in 2 hours" should not carry the milliseconds of the moment it was typed.
        return parsed.instant.replace(microsecond=0), parsed.zone_key, [*notes, *parsed.notes]

    async def create(
        self,
        *,
        guild_id: int,
        host_id: int,
        channel_id: int,
        film: Film | str,
        when: str,
        zone: zones.ZoneMatch | None,
        voice_channel_id: int | None = None,
        note: str | None = None,
        reminders: str | None = None,
        capacity: int | None = None,
        role_id: int | None = None,
        within: Within | None = None,
    ) -> Interpreted:
        """Schedule a party for a known film, or for a title no catalogue knows (``str``).
        ``within``: more work in the creating transaction (a series ties the party to itself)."""
        film_id, film_title = rules.subject(film)
        seat_rules.check_capacity(capacity)
        note_text = rules.check_note(note)
        leads = (
            parse.parse_reminders(reminders) if reminders is not None else rules.DEFAULT_REMINDERS
        )
        start, key, notes = await self.interpret(
            when, film, await self.zone_for(host_id, guild_id, zone)
        )
        now = self.clock.now()
        rules.check_limits(*await self.repo.active_counts(guild_id, host_id, now))
        party = Party(
            id=0,
            guild_id=guild_id,
            channel_id=channel_id,
            host_id=host_id,
            film_id=film_id,
            film_title=film_title,
            starts_at=start,
            ends_at=rules.end_of(film, start),
            zone_key=key,
            note=note_text,
            reminders=tuple(leads),
            voice_channel_id=voice_channel_id,
            capacity=capacity,
            role_id=role_id,
        )
        # The host is Going: their own lead times, if they set some, are planned too.
        plan = rules.plan(start, await self.hearing.own_leads_union(host_id, leads), now)
        skipped = sum(1 for lead in leads if start - lead <= now)
        if skipped:
            notes.append(f"{skipped} reminder(s) skipped: their time has already passed.")
        created = await self.repo.create(party, plan, now, within)
        self.scheduler.poke(plan[0].due)
        return Interpreted(created, film_title or film, tuple(notes))  # the title as checked

    async def attach_card(self, party_id: int, message_id: int) -> None:
        """Remember the announcement message, so its counts can be updated in place."""
        await self.repo.set_message(party_id, message_id, None)

    async def attach_event(self, party_id: int, event_id: int | None) -> None:
        """Remember (or with None, forget) the native scheduled event of a party."""
        if event_id is None:
            await self.repo.clear_event(party_id)
        else:
            await self.repo.set_message(party_id, None, event_id)

    async def upcoming(self, guild_id: int | None) -> list[tuple[Party, str]]:
        """Upcoming (or running) parties in a server, with their film titles."""
        if guild_id is None:
            return []
        parties = await self.repo.upcoming(guild_id, self.clock.now())
        return [(p, await self.film_title(p)) for p in parties]

    async def mine(
        self, guild_id: int | None, user_id: int
    ) -> list[tuple[Party, str, str, int | None]]:
        """(party, film title, 'host'|'going'|'maybe'|'waiting', place on the waitlist when
        waiting) for a member's upcoming parties."""
        if guild_id is None:
            return []
        rows = await self.repo.mine(guild_id, user_id, self.clock.now())
        return [(p, await self.film_title(p), answer, place) for p, answer, place in rows]

    async def film_title(self, party: Party) -> str:
        """The title of a party's film: as typed for a film no catalogue knows, else the
        store's; the film's id if it has since left the store."""
        if party.film_title is not None:
            return party.film_title
        try:
            return (await self.films.get(party.film_id)).title
        except UserError:
            return party.film_id

    async def calendar(self, party: Party) -> str:
        """The party as an iCalendar document."""
        return party_ics(party, await self.film_title(party), now=self.clock.now())

    async def get(self, party_id: int, guild_id: int | None) -> Party:
        party = await self.repo.get(party_id)
        if party is None or party.guild_id != guild_id:
            raise PartyNotFound(
                f"There's no watch party #{party_id} in this server. `/watchparty list` shows them."
            )
        return party

    async def active(self, party_id: int, guild_id: int | None) -> Party:
        party = await self.get(party_id, guild_id)
        if party.cancelled:
            raise PartyNotFound(f"Watch party #{party_id} was cancelled.")
        return party

    @staticmethod
    def check_may_change(party: Party, user_id: int, can_manage_events: bool) -> None:
        if user_id != party.host_id and not can_manage_events:
            raise NotAllowed(
                f"Only the host (<@{party.host_id}>) or a member with **Manage Events** can change "
                f"watch party #{party.id}."
            )

    async def edit(
        self,
        party: Party,
        *,
        when: str | None = None,
        zone: zones.ZoneMatch | None = None,
        editor_id: int,
        film: Film | str | None = None,
        channel_id: int | None = None,
        note: str | None = None,
        capacity: int | None = None,
        role_id: int | None = None,
        remove: str | None = None,
        series_has: bool = False,
        within: Within | None = None,
    ) -> Interpreted:
        """Change a party's time, film (or typed title), channel, note (``-`` clears it),
        capacity or role; None keeps a field. ``remove``: take away its role ping or seat
        limit (:data:`seat_rules.REMOVABLE`; ``series_has``: a series edit, whose template
        has it even if this occurrence doesn't). Seats a raised or removed capacity frees go
        to those in line, in order, told at once. ``within(conn, edited)``: more work in the
        editing transaction, first (a series edit holds the series' row and updates what
        later occurrences copy); without it, :attr:`follow` runs there when the start or end
        moves."""
        rules.check_edit(
            when, zone is not None, (when, film, channel_id, note, capacity, role_id, remove)
        )
        seat_rules.check_capacity(capacity)
        if remove is not None:
            if seat_rules.clashes(remove, capacity, role_id):
                raise BadOption(seat_render.removal_clash(remove))
            if not (seat_rules.has(party, remove) or series_has):
                raise BadOption(seat_render.nothing_to_remove(party.id, remove))
        if (party.ends_at or party.starts_at) <= self.clock.now():
            raise BadOption(f"Watch party #{party.id} is over, so it can't be edited.")
        if film is None:  # the party's film stays, known or typed
            film = party.film_title or await self.films.get(party.film_id)
        film_id, film_title = rules.subject(film)
        notes: list[str] = []
        start, key = party.starts_at, party.zone_key
        if when is not None:
            # Read in the party's zone unless another is named: an edit by a member elsewhere
            # (or of a series, whose rule keeps its zone) means the party's clock.
            zone_pick = (
                await self.zone_for(editor_id, party.guild_id, zone)
                if zone is not None
                else (party.zone_key, await self._party_zone_note(editor_id, party))
            )
            assert zone_pick is not None  # an explicit zone is always one
            start, key, notes = await self.interpret(when, film, zone_pick)
        kept = seat_rules.without(party, remove)  # what a field not given keeps
        edited = replace(
            party,
            film_id=film_id,
            film_title=film_title,
            starts_at=start,
            ends_at=rules.end_of(film, start),
            zone_key=key,
            channel_id=channel_id or party.channel_id,
            note=rules.edited_note(note, party.note),
            capacity=capacity if capacity is not None else kept.capacity,
            role_id=role_id or kept.role_id,
        )
        now = self.clock.now()
        replan = rules.plan(start, party.reminders, now) if when is not None else None
        async with self.db.transaction() as conn:
            await self._still(conn, party)
            moved = (edited.starts_at, edited.ends_at) != (party.starts_at, party.ends_at)
            if within is not None:
                await within(conn, edited)
            elif moved and self.follow is not None:
                await self.follow(conn, edited)
            promoted = await self.repo.update(edited, replan, conn, now=now)
            own = await self.hearing.replanned(conn, edited) if replan else None
            notice = await self.hearing.queue_change(conn, party, edited, changed_by=editor_id)
            seated = await self._answered(conn, edited, promoted)
            for hook in self.on_change:
                await hook(conn, party, edited)
        if replan:
            self.scheduler.poke(min(d for d in (replan[0].due, own) if d))
        elif moved:  # what follows the party's end may be sooner (a series' next)
            self.scheduler.poke()
        if promoted:
            self.scheduler.poke(now)
        self.hearing.wake(notice)
        self.hearing.wake(seated)
        if capacity is not None:
            notes.append(
                seat_render.capacity_note(capacity, len(promoted), await self.going(party))
            )
        if remove is not None:
            notes.append(seat_render.removed_note(remove, len(promoted)))
        return Interpreted(edited, film_title or film, tuple(notes))

    @staticmethod
    async def _still(conn: Queries, party: Party) -> None:
        """Hold the party's row for an edit or a cancel made from ``party``, and refuse it if
        someone changed or cancelled the party since it was read (two managers at once, in
        two processes too): one change wins, the other is told, nobody is notified twice."""
        current = await lock_party(conn, party.id)
        if current is None or current.cancelled:
            raise PartyNotFound(f"Watch party #{party.id} was cancelled.")
        if rules.plan_fields(current) != rules.plan_fields(party):
            raise PartyChanged(
                f"Watch party #{party.id} was changed a moment ago. Look at it again with "
                f"`/watchparty info id:{party.id}`, then make your change."
            )

    async def _party_zone_note(self, editor_id: int, party: Party) -> list[str]:
        """A word for an editor whose own zone isn't the party's: the time was read in the
        party's."""
        if (await self.preferences.zone(editor_id, party.guild_id)).key == party.zone_key:
            return []
        return [
            f"Read in the party's zone, {zones.zone_label(party.zone_key)} (give `timezone` "
            "for another)."
        ]

    async def going(self, party: Party) -> int:
        """How many hold a seat."""
        return list((await self.repo.rsvps(party.id)).values()).count(rules.GOING)

    async def cancel(self, party: Party, by: int | None = None, *, notify: bool = True) -> Party:
        """Cancel a party and its pending reminders, and tell everyone who answered Going or
        Maybe except ``by`` (one transaction; ``notify=False``: tell no one, as when its card
        could not be posted); returns it cancelled."""
        async with self.db.transaction() as conn:
            cancelled, notice = await self.cancel_within(conn, party, by, notify=notify)
        self.hearing.wake(notice)
        return cancelled

    async def cancel_within(
        self, conn: Queries, party: Party, by: int | None, *, notify: bool = True
    ) -> tuple[Party, datetime | None]:
        """:meth:`cancel` in the caller's transaction: (the party cancelled, the notice's due
        time, for :meth:`Hearing.wake` after the commit)."""
        await self._still(conn, party)
        cancelled = replace(party, cancelled=True)
        await self.repo.cancel(party.id, conn)
        notice = (
            await self.hearing.queue_change(conn, party, cancelled, changed_by=by)
            if notify
            else None
        )
        for hook in self.on_change:  # an open vote closes with its party
            await hook(conn, party, cancelled)
        return cancelled, notice

    async def rsvp(
        self, party_id: int, user_id: int, status: str
    ) -> tuple[Party, seat_rules.Answered]:
        """Record a click: "Going" on a full party joins the waitlist (the answer says the
        place); a seat given up goes to the first in line, who is told at once."""
        closed = PartyNotFound("This watch party was cancelled, so answers are closed.")
        party = await self.repo.get(party_id)
        if party is None or party.cancelled:
            raise closed
        now = self.clock.now()
        if (party.ends_at or party.starts_at) <= now:
            raise BadTime("This watch party is over, so answers are closed.")
        async with self.db.transaction() as conn:
            done = await seats.answer(conn, party_id, user_id, status, now)
            due = await self._answered(conn, party, [user_id, *done[1]]) if done else None
        if done is None:  # cancelled meanwhile
            raise closed
        answered, promoted = done
        if promoted:
            self.scheduler.poke(now)
        self.hearing.wake(due)
        return party, answered

    async def _answered(self, conn: Queries, party: Party, user_ids: list[int]) -> datetime | None:
        """In the caller's transaction: re-plan the reminders of members whose answer changed
        (a click, or a seat from the waitlist); the soonest row added, to wake for."""
        dues = [await self.hearing.answered(conn, party, u) for u in user_ids]
        return min((d for d in dues if d), default=None)

    async def attach_thread(self, party_id: int, thread_id: int) -> None:
        """Remember the thread started on the card: reminders, start pings and promotions
        go there."""
        await seats.set_thread(self.db, party_id, thread_id)

    async def build_promoted(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """Tell members promoted from the waitlist (those still seated), by DM if they chose
        it, else in one message mentioning exactly them."""
        party = await self.repo.get(delivery.ref_id)
        if party is None or party.cancelled:
            return []
        answers = await self.repo.rsvps(party.id)
        users = [u for u in delivery.data.get("users", []) if answers.get(u) == rules.GOING]
        by_dm = await settings.dm_preferring(self.db, users)
        return promoted_messages(party, await self.film_title(party), users, by_dm, late)

    async def card(self, party: Party) -> tuple[str, dict[int, str]]:
        """What the announcement shows: the film's title and everyone's answers."""
        return await self.film_title(party), await self.repo.rsvps(party.id)

    async def build_delivery(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """The reminder or start ping for a party, built from current data."""
        party = await self.repo.get(delivery.ref_id)
        if party is None or party.cancelled:
            return []
        title = await self.film_title(party)  # a film gone from the store still pings
        targets = await self.hearing.ping_targets(party, delivery)
        audience = await self.hearing.audience(party, targets, party.starts_at)
        header = party_render.ping_header(party, title, delivery.kind, late)
        role = party.role_id if delivery.kind == rules.START else None
        if role:  # one role mention, in the first message
            header = f"{header} {render.role_mention(role)}"
        messages = [
            Outgoing(
                content,
                channel_id=party.ping_channel_id,
                mention_ids=ids,
                role_ids=(role,) if role and n == 0 else (),
            )
            for n, (content, ids) in enumerate(render.grouped_pings(header, audience.groups))
            # no post that would mention no one (DMs still go); a role counts
            if audience.groups or role
        ]
        for user_id, line in audience.dms:
            messages.append(
                Outgoing(
                    party_render.dm(party, title, delivery.kind, line, late),
                    user_id=user_id,
                    optional=True,
                )
            )
        return messages

    async def report_failure(self, delivery: Delivery, reason: str) -> list[Outgoing]:
        """A DM for the host the first time a party's channel turns out to be unusable."""
        party = await self.repo.get(delivery.ref_id)
        if party is None or not await self.repo.mark_problem_reported(party.id):
            return []
        return [Outgoing(party_render.failure(party, reason), user_id=party.host_id)]
