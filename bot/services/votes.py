"""Film votes: open one for a party, take members' ballots, close it at the deadline.

No discord calls here: the cog posts the vote message; at the deadline the scheduler runs
:meth:`Votes.build_close`, which closes the vote, makes the winner the party's film through
:meth:`WatchParties.edit` (the same path as `/watchparty edit film:`), tells the
:attr:`Votes.on_close` listeners (the cog edits the vote message, the card and the event) and
returns the message that tells the voters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot import render
from bot.clock import Clock
from bot.domain import parties as party_rules
from bot.domain import votes as rules
from bot.domain import when as parse
from bot.domain import zones
from bot.domain.films import Film
from bot.domain.parties import Party
from bot.domain.votes import Closed, Vote
from bot.errors import BadOption, BadTime, UserError
from bot.render import votes as view
from bot.scheduler import Outgoing, Scheduler
from bot.services.watchparty import MAX_AHEAD, PartyNotFound, WatchParties
from bot.storage.db import Database, Queries
from bot.storage.outbox import Delivery
from bot.storage.votes import VoteRepo

log = logging.getLogger(__name__)

CloseListener = Callable[[Closed], Awaitable[None]]
#: (the vote as stored now, its counts): its message is brought up to date
ShowListener = Callable[[Vote, tuple[int, ...]], Awaitable[None]]


class VoteClosed(UserError):
    """A ballot for a vote that is closed (its deadline passed) or whose party is gone."""


@dataclass(frozen=True)
class Ballot:
    """A member's ballot as recorded, and the counts after it."""

    vote: Vote
    counts: tuple[int, ...]
    choice: int
    before: int | None  # their previous choice (None: first vote)


class Votes:
    def __init__(
        self, db: Database, clock: Clock, scheduler: Scheduler, parties: WatchParties
    ) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self.parties = parties
        self.repo = VoteRepo(db)
        #: Called with every close (also a repeated one, after a crash): update what shows it.
        self.on_close: list[CloseListener] = []
        #: Called when the vote's party moved its deadline or called it off.
        self.on_show: list[ShowListener] = []
        # A close is never "missed": a vote that fell due while the bot was down still closes.
        scheduler.register(rules.CLOSE, self.build_close, expires=False)
        scheduler.register(rules.SHOW, self.build_show, expires=False)
        parties.on_change.append(self.party_changed)

    async def open(
        self, party: Party, *, films: Sequence[Film | str], closes: str, user_id: int
    ) -> tuple[Vote, tuple[str, ...]]:
        """Open a vote on ``films`` for ``party`` closing at ``closes`` (typed, read in the
        member's zone, else the server's, else the party's); with notes on how it was read."""
        now = self.clock.now()
        if party.starts_at <= now:
            raise BadOption(f"Watch party #{party.id} has started, so its film can't be voted on.")
        choices = rules.check_choices(films)
        key, notes = await self.parties.zone_for(user_id, party.guild_id, None) or (
            party.zone_key,
            [],
        )
        parsed = parse.parse_when(
            closes, tz=zones.zone_from_key(key), tz_key=key, now=now, max_ahead=MAX_AHEAD
        )
        closes_at = parsed.instant.replace(microsecond=0)
        try:
            rules.check_deadline(closes_at, now, party.starts_at)
        except rules.DeadlineTooLate as late:
            raise BadTime(view.deadline_too_late(late.latest, parsed.zone_key)) from None
        draft = Vote(0, party.id, party.guild_id, party.channel_id, user_id, closes_at, choices)
        # The repository refuses a second open vote too (two hosts at once): one check, twice.
        vote = None if await self.repo.open_for(party.id) else await self.repo.create(draft, now)
        if vote is None:
            raise BadOption(
                f"Watch party #{party.id} already has a vote open. Wait until it closes."
            )
        self.scheduler.poke(closes_at)
        return vote, (*notes, *parsed.notes)

    async def attach_message(self, vote_id: int, message_id: int) -> None:
        """Remember the vote message, so its counts can be updated in place."""
        await self.repo.set_message(vote_id, message_id)

    async def withdraw(self, vote: Vote) -> None:
        """Drop a vote whose message could not be posted (and its close)."""
        await self.repo.cancel(vote.id)

    async def cast(self, vote_id: int, user_id: int, choice: int) -> Ballot:
        """Record a member's vote (or change it) until the deadline."""
        vote = await self.repo.get(vote_id)
        party = await self.parties.repo.get(vote.party_id) if vote is not None else None
        if vote is not None and (party is None or party.cancelled):
            raise VoteClosed("This watch party was cancelled, so the vote is closed.")
        if vote is None or vote.status == rules.CANCELLED:
            raise VoteClosed("This vote was called off.")
        if not 0 <= choice < len(vote.choices):
            raise BadOption("That film isn't on this vote.")
        cast = await self.repo.cast(vote_id, user_id, choice, self.clock.now())
        if cast is None:
            raise VoteClosed(view.closed_answer(await self.repo.get(vote_id) or vote))
        before, per_choice = cast
        counts = tuple(rules.counted(len(vote.choices), per_choice))
        return Ballot(vote, counts, choice, before)

    async def counts(self, vote: Vote) -> tuple[int, ...]:
        """Votes per film, counted by the database (not every ballot read)."""
        return tuple(rules.counted(len(vote.choices), await self.repo.counts(vote.id)))

    async def taking_ballots(self, vote_id: int) -> tuple[Vote, tuple[int, ...]] | None:
        """The vote as stored now with its counts, while it still takes ballots (None once
        its deadline passed or it closed: then the close shows the final counts)."""
        vote = await self.repo.get(vote_id)
        if vote is None or not vote.open or vote.closes_at <= self.clock.now():
            return None
        return vote, await self.counts(vote)

    async def film_title(self, party: Party) -> str:
        """The title the party shows now."""
        return await self.parties.film_title(party)

    # ------------------------------------------------------------------ party changes
    async def party_changed(self, conn: Queries, before: Party, after: Party) -> None:
        """The :attr:`WatchParties.on_change` hook, inside every edit's and cancellation's
        transaction: a cancelled party's open vote is called off (quietly: the cancellation
        notice told everyone); a party moved earlier has its vote close no later than
        :data:`rules.CLOSE_MARGIN` before the new start, at once if that has passed, so the
        start ping names the winner (:data:`rules.MOVED_RULE`). The vote message follows."""
        now = self.clock.now()
        if after.cancelled:
            moved = await self.repo.call_off(conn, after.id, now)
        elif after.starts_at < before.starts_at:
            deadline = rules.pulled_deadline(after.starts_at, now)
            moved = await self.repo.close_by(conn, after.id, deadline, now)
        else:
            return
        if moved is not None:
            # Before the commit, and that is fine: on SQLite the claim waits for it (one
            # writer); on PostgreSQL the commit's NOTIFY wakes the scheduler again.
            self.scheduler.poke(now)

    async def build_show(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """Bring the vote message up to date (a new deadline, or called off); no new message."""
        vote = await self.repo.get(delivery.ref_id)
        if vote is None or vote.message_id is None:
            return []
        counts = await self.counts(vote)
        for listener in self.on_show:
            await listener(vote, counts)
        return []

    # ------------------------------------------------------------------ the close
    async def close(self, vote: Vote) -> Closed:
        """Close the vote (once: a repeat finds it closed and reads the stored result) and make
        the winner the party's film, unless it is already, or the party is cancelled or over."""
        size = len(vote.choices)
        done = await self.repo.close(vote.id, lambda b: rules.winner(rules.tally(size, b)))
        done = done or await self.repo.get(vote.id) or vote
        ballots = await self.repo.ballots(vote.id)
        party = await self.parties.get(vote.party_id, vote.guild_id)
        kept: str | None = None
        won = done.choices[done.winner] if done.winner is not None else None
        if party.cancelled:
            kept = rules.PARTY_CANCELLED
        elif won is not None and not rules.same_film(won, party.film_id, party.film_title):
            if (party.ends_at or party.starts_at) <= self.clock.now():
                kept = rules.PARTY_OVER
            else:
                # The edit path: the end follows the film's runtime (and a film change notice
                # goes wherever an edit sends one).
                edited = await self.parties.edit(
                    party, editor_id=done.opened_by, film=await self._film(won)
                )
                party = edited.party
        return Closed(done, party, tuple(rules.tally(size, ballots)), tuple(ballots), kept)

    async def _film(self, choice: rules.Choice) -> Film | str:
        """The film a choice stands for; a film gone from the store since, by its title."""
        if choice.typed:
            return party_rules.TypedTitle(choice.title)
        try:
            return await self.parties.films.get(choice.film_id)
        except UserError:
            log.info("Vote winner %s left the store; using its title", choice.film_id)
            return party_rules.TypedTitle(choice.title)

    async def build_close(self, delivery: Delivery, late: bool) -> list[Outgoing]:
        """At the deadline (or on start-up, however late): close the vote, update what shows
        it, and tell the voters in one message that pings exactly them."""
        vote = await self.repo.get(delivery.ref_id)
        if vote is None or vote.status == rules.CANCELLED:
            return []
        try:
            closed = await self.close(vote)
        except PartyNotFound:
            return []
        for listener in self.on_close:
            await listener(closed)
        if closed.kept_because == rules.PARTY_CANCELLED:
            return []  # the cancellation told them; the vote message says it is closed
        title = await self.parties.film_title(closed.party)
        header = view.result_notice(closed, title, late)
        voters = [("Voted", sorted(closed.voters))] if closed.voters else []
        # A party ping: in the party's thread if it has one (the vote message itself stays in
        # the channel it was posted in).
        return [
            Outgoing(content, channel_id=closed.party.ping_channel_id, mention_ids=ids)
            for content, ids in render.split_mentions(header, voters)
        ]
