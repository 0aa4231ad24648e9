"""Movie night every week (issue 11): 50 weekly series and 2,000 members in one server.

The real bot (create_bot, its scheduler, discord.py) in this process against the loopback
Discord in a child process (bench/fake_process.py: the fake's work and heap are not the bot's,
as Discord's are not), their clocks kept together (a ShiftedClock here, its offset sent there):

* 2,000 members in 8 zones; 10% take their pings by DM, 5% set their own lead times
  (``/watchparty remind-me`` through the service: half 1d,1h,10m, half 30m).
* 50 weekly series made with ``/watchparty create … repeat:weekly`` through the fake (card,
  native event), five at each of ten evening slots, Monday to Friday, two slots a day (19:00 and
  22:00 in the day's zone, so the 19:00 roll-over falls on the 22:00 one-hour reminders).
* Each member answers 12 series (70% Going, 30% Maybe), again on each new occurrence: ~480
  answers, ~340 Going per party. Members with own lead times answer through
  ``WatchParties.rsvp`` (which re-plans the reminders as the bot does); the rest in bulk
  through the repository (their answer changes no plan). A few Going members turn that party's
  reminders off, a few Maybe turn them on (``Hearing.set_reminders``).

Then the clock moves through a week and a bit: before each due row the bench sets it to
:data:`LEAD` real seconds before, and waits until the scheduler has finished everything due
(idle hours are skipped). That covers occurrence 1's reminders and start pings, every roll-over
(card and event of occurrence 2) and occurrence 2's reminders and start pings.

Measured from what the fake received, on the shared clock: per kind (reminder, start,
roll-over card) the lateness of each row's first message and of its last (when its fan-out was
done), p50/p99/max; missing and duplicate pings per (row, member) against the audience the
bench expects from the answers it gave; when each roll-over row's work started
(``roll_over_start_ms``: the scheduler runs this background work once the pings claimed with it
have sent their first message) and its own duration (the service's transaction, and the whole
handler with card and event).

The target (``ok``): the first message of every reminder and start ping p99 ≤ 100 ms, those
due beside a roll-over included, and every roll-over started p99 ≤ 100 ms; 0 missing, 0
duplicates, every card posted once. The roll-over's card is reported (``roll_over_first_ms``),
not a target: it pings no member, and comes after the occurrence's transaction.

The fake does not rate-limit and the bot's own global throttle is lifted (as in
bench_scheduler): this measures the bot, not Discord's 50 requests/s (``busiest_instant`` says
how many messages one instant sends: at 50/s that takes ``busiest_instant_floor_s``).

Run ``python -m bench.bench_series [--quick]``; ``python -m bench series`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import database, env_for, outbox_counts
from bench.bench_premiere import ZONES as MEMBER_ZONES  # the same eight zones
from bench.fake_process import FakeProcess
from bench.premiere_bot import install
from bot.app import WatchpartyBot, create_bot
from bot.config import load_settings
from bot.domain import hearing, recurrence
from bot.domain import parties as party_rules
from bot.domain.parties import GOING, MAYBE, REMINDER, START
from bot.storage.outbox import from_text, to_text
from bot.storage.settings import write_user_zone
from fakecord import logged_in
from fakecord.clock import ShiftedClock

TOKEN = "bench-series-token"
#: Saturday 7 June 2025, 12:00 UTC: the first parties are Monday 9 to Friday 13 June.
T0 = datetime(2025, 6, 7, 12, 0, tzinfo=UTC)
FIRST_DAY = "2025-06-09"
#: The zone of each day's two slots (Monday first).
DAY_ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "America/Los_Angeles",
    "Australia/Sydney",
)
SLOT_TIMES = ("19:00", "22:00")  # a typed title runs 2 h: the 19:00 roll-over is 22:00's -1h
PER_SLOT = 5
OWN_LEADS = ("1d,1h,10m", "30m")
#: Real seconds between the clock's jump and the soonest due row.
LEAD = 0.3
KINDS = {REMINDER: "reminder", START: "start", recurrence.ROLL_OVER: "roll_over"}
NONCE = re.compile(r"^wp(\d+)(?:\.(\d+))?$")


def by_row(sent: list[list[Any]]) -> dict[int, list[tuple[datetime, tuple[int, ...]]]]:
    """The fake's record of every message with a nonce, per outbox row: when, and to whom."""
    rows: dict[int, list[tuple[datetime, tuple[int, ...]]]] = defaultdict(list)
    for nonce, at, who in sent:
        if found := NONCE.match(nonce):
            rows[int(found.group(1))].append((datetime.fromisoformat(at), tuple(who)))
    return rows


class GcPauses:
    """gc.callbacks hook: how long each full (generation 2) collection stopped the process."""

    def __init__(self) -> None:
        self.full_ms: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif info["generation"] == 2:
            self.full_ms.append((time.perf_counter() - self._began) * 1000)


@dataclass
class Plan:
    """Who answered what, as the bench decided (the expected audience comes from this)."""

    members: list[int]
    hosts: list[int]
    picks: dict[int, dict[int, str]]  # series index -> member -> status
    own: dict[int, tuple[timedelta, ...]]  # members with their own lead times
    dm: set[int]
    off: set[tuple[int, int]] = field(default_factory=set)  # (party, member) reminders off
    on: set[tuple[int, int]] = field(default_factory=set)  # (party, member) Maybe turned on


def make_plan(members: list[int], series: int, picks_per_member: int) -> Plan:
    rng = random.Random(11)
    hosts = members[:series]
    picks: dict[int, dict[int, str]] = {s: {hosts[s]: GOING} for s in range(series)}
    for m in members:
        for s in rng.sample(range(series), picks_per_member):
            if m != hosts[s]:
                picks[s][m] = GOING if rng.random() < 0.7 else MAYBE
    own = {
        m: hearing.parse_own_leads(OWN_LEADS[i % 2]) or ()
        for i, m in enumerate(members[::20])  # 5%
    }
    dm = set(members[3::10])  # 10%
    return Plan(members, hosts, picks, own, dm)


def expected(plan: Plan, s: int, party_id: int) -> Counter[tuple[str, int, int]]:
    """(kind, lead seconds, member) pings a party's rows must deliver, once each."""
    default = party_rules.DEFAULT_REMINDERS
    want: Counter[tuple[str, int, int]] = Counter()
    for m, status in plan.picks[s].items():
        if status == GOING:
            want[(START, 0, m)] = 1
        hears = (party_id, m) not in plan.off if status == GOING else (party_id, m) in plan.on
        if hears:
            for lead in plan.own.get(m, default):
                want[(REMINDER, int(lead.total_seconds()), m)] = 1
    return want


def slot_of(s: int) -> tuple[str, str]:
    """Series ``s``'s first wall time and zone (its host's zone, so the time is read in it)."""
    slot = s // PER_SLOT
    day = slot // len(SLOT_TIMES)
    first = datetime.fromisoformat(FIRST_DAY) + timedelta(days=day)
    return f"{first:%Y-%m-%d} {SLOT_TIMES[slot % len(SLOT_TIMES)]}", DAY_ZONES[day % len(DAY_ZONES)]


async def seed_members(bot: WatchpartyBot, guild: int, plan: Plan) -> None:
    """Zones in bulk (storage), DM choices and own lead times through the services."""
    hosts = {m: s for s, m in enumerate(plan.hosts)}
    async with bot.db.transaction() as conn:
        for i, m in enumerate(plan.members):
            zone = slot_of(hosts[m])[1] if m in hosts else MEMBER_ZONES[i % len(MEMBER_ZONES)]
            await write_user_zone(conn, m, zone, guild, T0)
    for m in plan.dm:
        await bot.preferences.set_dm_pings(m, True)
    for m, leads in plan.own.items():
        await bot.hearing.set_own_leads(m, leads)


async def answer(bot: WatchpartyBot, plan: Plan, s: int, party_id: int) -> None:
    """Series ``s``'s members answer occurrence ``party_id``: through the service when their
    answer changes the plan (own lead times), else in bulk; then the 🔔 choices."""
    now = bot.parties.clock.now()
    bulk = [(m, st) for m, st in plan.picks[s].items() if m not in plan.own and m != plan.hosts[s]]
    async with bot.db.transaction() as conn:
        for m, status in bulk:
            await bot.parties.repo.set_rsvp(party_id, m, status, now, conn)
    for m, status in plan.picks[s].items():
        if m in plan.own and m != plan.hosts[s]:
            await bot.parties.rsvp(party_id, m, status)
    for n, (m, status) in enumerate(sorted(plan.picks[s].items())):
        if status == GOING and m != plan.hosts[s] and n % 33 == 0:
            plan.off.add((party_id, m))
            await bot.hearing.set_reminders(party_id, m, False)
        elif status == MAYBE and n % 10 == 0:
            plan.on.add((party_id, m))
            await bot.hearing.set_reminders(party_id, m, True)


async def create_series(
    fake: FakeProcess, guild: int, channels: list[int], plan: Plan, series: int
) -> list[int]:
    """``/watchparty create repeat:weekly`` as each series' host; the first occurrences' ids."""
    made = []
    for s in range(series):
        when, _ = slot_of(s)
        reply = await fake.call(
            "slash",
            guild=guild,
            channel=channels[s % len(channels)],
            user=plan.hosts[s],
            command="watchparty create",
            options={"film": f"Movie night {s + 1}", "when": when, "repeat": recurrence.WEEKLY},
        )
        found = re.search(r"watch party #(\d+)", reply)
        assert found, f"series {s} not created: {reply}"
        made.append(int(found.group(1)))
    return made


async def busy_until_done(bot: WatchpartyBot, due: datetime, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Wait until no row due by ``due`` is pending or being sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = await bot.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') AND next_at <= ?",
            (to_text(due),),
        )
        if not left:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"rows due by {due} still unsent after {timeout} s")


def timed(call: Callable[..., Awaitable[Any]], into: list[float]) -> Callable[..., Awaitable[Any]]:
    """``call``, recording each run's duration in ms."""

    async def run(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call(*args)
        finally:
            into.append((time.perf_counter() - started) * 1000)

    return run


def started_at(
    clock: ShiftedClock, call: Callable[..., Awaitable[Any]], into: list[float]
) -> Callable[..., Awaitable[Any]]:
    """A handler ``(delivery, late)``, recording how late after its row's due time it began."""

    async def run(delivery: Any, late: bool) -> Any:
        into.append((clock.now() - delivery.due_at).total_seconds() * 1000)
        return await call(delivery, late)

    return run


def stats(values: list[float], name: str) -> dict[str, float | None]:
    ordered = sorted(values)
    if not ordered:
        return {f"{name}_p50": None, f"{name}_p99": None, f"{name}_max": None}
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        f"{name}_p50": round(statistics.median(ordered), 1),
        f"{name}_p99": round(p99, 1),
        f"{name}_max": round(ordered[-1], 1),
    }


async def measure(
    tmp: Path, members: int, series: int, picks: int, channels: int
) -> dict[str, Any]:
    began = time.perf_counter()
    clock = ShiftedClock(T0)
    async with FakeProcess(TOKEN, clock) as fake:
        world = await fake.call(
            "world",
            guild="Movie Night Club",
            channels=[f"movie-night-{n + 1}" for n in range(channels)],
            members=members,
        )
        guild, channel_ids, member_ids = world["guild"], world["channels"], world["members"]
        install(fake.api_base, fake.gateway)
        plan = make_plan(member_ids, series, picks)
        target = database(tmp / "db.sqlite3")
        settings = load_settings(
            {"DISCORD_TOKEN": TOKEN, **env_for(target), "GLOBAL_RATE_LIMIT": "1000000"},
            env_file=None,
        )
        bot = await create_bot(settings, clock)
        await seed_members(bot, guild, plan)
        async with logged_in(bot, TOKEN, ready_timeout=60):
            started = time.perf_counter()
            first = await create_series(fake, guild, channel_ids, plan, series)
            create_s = time.perf_counter() - started
            started = time.perf_counter()
            occurrences = {pid: s for s, pid in enumerate(first)}
            for s, pid in enumerate(first):
                await answer(bot, plan, s, pid)
            answer_s = time.perf_counter() - started
            made = [await bot.parties.repo.get(p) for p in first]
            series_ids = [p.series.series_id for p in made if p and p.series]
            span_end = max(p.starts_at for p in made if p) + timedelta(days=7)

            service_ms: list[float] = []
            handler_ms: list[float] = []
            start_ms: list[float] = []
            bot.series.roll_over = timed(bot.series.roll_over, service_ms)  # type: ignore[method-assign]
            handlers = bot.scheduler.handlers
            handlers[recurrence.ROLL_OVER] = started_at(
                clock, timed(handlers[recurrence.ROLL_OVER], handler_ms), start_ms
            )

            pauses = GcPauses()
            gc.callbacks.append(pauses)
            started = time.perf_counter()
            steps = rolled = 0
            while (due := await bot.scheduler.next_due()) is not None and due <= span_end:
                if due - clock.now() > timedelta(seconds=LEAD):
                    await fake.set_clock(due - timedelta(seconds=LEAD))
                steps += 1
                await busy_until_done(bot, due)
                await fake.call("end_past_events", guild=guild)
                if len(handler_ms) > rolled:  # new occurrences: the second ones are answered
                    rolled = len(handler_ms)
                    for s, series_id in enumerate(series_ids):
                        pid = await bot.series.repo.current(series_id)
                        if pid is not None and pid not in occurrences and pid > first[s]:
                            if sum(1 for v in occurrences.values() if v == s) < 2:
                                occurrences[pid] = s
                                await answer(bot, plan, s, pid)
            run_s = time.perf_counter() - started
            gc.callbacks.remove(pauses)
            await asyncio.sleep(0.5)  # anything arriving now would be a duplicate
            rows = await bot.db.fetchall("SELECT id, kind, ref_id, due_at, state, data FROM outbox")
            counts = await outbox_counts(bot.db)
            events = await fake.call("events", guild=guild)
            received = by_row(await fake.call("sent"))

    # ---- what arrived, against what should have
    first_ms: dict[str, list[float]] = defaultdict(list)
    last_ms: dict[str, list[float]] = defaultdict(list)
    got: Counter[tuple[int, str, int, int]] = Counter()  # (party, kind, lead, member)
    cards: Counter[int] = Counter()  # roll-over row -> card posts
    unsent = 0
    busiest = Counter[datetime]()
    # Pings due at the same instant as a roll-over, apart: does the roll-over slow them?
    roll_dues = {from_text(r["due_at"]) for r in rows if r["kind"] == recurrence.ROLL_OVER}
    pings_ms: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        kind = KINDS.get(row["kind"])
        if kind is None:
            continue
        due = from_text(row["due_at"])
        if due > span_end + timedelta(seconds=1):
            continue  # the roll-overs after occurrence 2: outside the span
        arrivals = received.get(row["id"], [])
        unsent += row["state"] not in ("sent", "cancelled")
        if kind == "roll_over":
            cards[row["id"]] = len(arrivals)
        if not arrivals:
            continue
        late = [(at - due).total_seconds() * 1000 for at, _ in arrivals]
        first_ms[kind].append(min(late))
        last_ms[kind].append(max(late))
        busiest[due] += len(arrivals)
        if kind == "roll_over":
            continue
        pings_ms["beside_roll_over" if due in roll_dues else "alone"].append(min(late))
        data = row["data"]
        data = json.loads(data or "{}") if isinstance(data, str) else data
        lead = data.get("lead", 0) if kind == "reminder" else 0
        for _, who in arrivals:
            for m in who:
                got[(row["ref_id"], row["kind"], int(lead), m)] += 1
    want: Counter[tuple[int, str, int, int]] = Counter()
    for pid, s in occurrences.items():
        for (kind, lead, m), n in expected(plan, s, pid).items():
            want[(pid, kind, lead, m)] = n
    missing = {k: n for k, n in want.items() if got[k] < n}
    extra = {k: got[k] - want[k] for k in got if got[k] > want[k]}
    result: dict[str, Any] = {
        "members": members,
        "series": series,
        "answers_per_party": round(sum(len(p) for p in plan.picks.values()) / series),
        "dm_members": len(plan.dm),
        "own_lead_members": len(plan.own),
        "fake_rate_limits": "off (bot throttle lifted)",
        "create_s": round(create_s, 1),
        "answer_s": round(answer_s, 1),
        "run_s": round(run_s, 1),
        # The fake keeps every message it got in this process (the bot's loop): Python's full
        # collections of that heap pause the bot too. Beside the lateness, to read it by.
        "gc_full_collections": len(pauses.full_ms),
        "gc_full_pause_ms_max": round(max(pauses.full_ms, default=0.0), 1),
        "clock_steps": steps,
        "parties": len(occurrences),
        "messages": sum(len(v) for v in received.values()),
        "busiest_instant": max(busiest.values(), default=0),
        "busiest_instant_floor_s": round(max(busiest.values(), default=0) / 50, 1),
    }
    for kind in ("reminder", "start", "roll_over"):
        result[f"{kind}_rows"] = len(first_ms[kind])
        result |= stats(first_ms[kind], f"{kind}_first_ms")
        if kind != "roll_over":  # one message: the card
            result |= stats(last_ms[kind], f"{kind}_last_ms")
    for where in ("alone", "beside_roll_over"):
        result |= stats(pings_ms[where], f"pings_{where}_first_ms")
    result |= {
        "pings_expected": sum(want.values()),
        "missing": sum(want[k] - got[k] for k in missing) + sum(1 for n in cards.values() if not n),
        "duplicates": sum(extra.values()) + sum(n - 1 for n in cards.values() if n > 1),
        "rows_not_sent": unsent,
        "roll_over_cards": sum(cards.values()),
        **stats(start_ms, "roll_over_start_ms"),
        **stats(service_ms, "roll_over_service_ms"),
        **stats(handler_ms, "roll_over_handler_ms"),
        "events": events,
        "outbox": counts,
        "wall_s": round(time.perf_counter() - began, 1),
    }
    p99s = [result[f"{k}_first_ms_p99"] for k in ("reminder", "start")]
    p99s += [result["pings_beside_roll_over_first_ms_p99"], result["roll_over_start_ms_p99"]]
    result["ok"] = (
        all(p is not None and p <= 100 for p in p99s)
        and result["missing"] == 0
        and result["duplicates"] == 0
        and result["roll_over_cards"] >= series
        and result["rows_not_sent"] == 0
    )
    return result


def run(members: int = 2000, series: int = 50, picks: int = 12, channels: int = 5) -> dict:
    """The benchmark at the issue's size (or smaller); its measurements."""
    logging.getLogger("discord").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-series-") as tmp:
        result = asyncio.run(measure(Path(tmp), members, series, picks, channels))
    return {"cpu_count": os.cpu_count(), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 members, 10 series")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = run(200, 10, 5, 2) if args.quick else run()
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
