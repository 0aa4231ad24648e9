"""The premiere ping plan: who is pinged when, grouped by the clock they read. Pure."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain import premieres as rules
from bot.domain.films import Film, Name, Release
from bot.domain.pings import ZoneGroup
from bot.domain.premieres import HEADS_UP, PREMIERE, Follower
from bot.errors import BadOption

NY, SEOUL, LONDON, TOKYO = "America/New_York", "Asia/Seoul", "Europe/London", "Asia/Tokyo"
CHANNEL = 500
OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)  # Lost in Starlight: 00:00 Los Angeles
EARLIER = OUT - timedelta(days=3)


def film(*releases: Release) -> Film:
    return Film(
        id="test-film",
        path="test-film.toml",
        sources=(),
        titles=(Name("Test Film", "english", ()),),
        releases=releases,
    )


def global_release(regions=("worldwide",), when=time(0), zone="America/Los_Angeles") -> Release:
    return Release("Netflix", tuple(regions), "global", date(2025, 5, 30), when, zone, ())


def rolling_release(regions=("worldwide",), day=date(2025, 6, 6)) -> Release:
    return Release("Netflix", tuple(regions), "local_midnight", day, None, None, ())


STARLIGHT = film(global_release())
ROLLING = film(rolling_release())


def plan(f: Film, followers, *, now=EARLIER, default_zone=None, heads_up=None):
    return rules.plan(
        f, followers, channel_id=CHANNEL, default_zone=default_zone, now=now, heads_up=heads_up
    )


# --- which release applies --------------------------------------------------------------------


def test_a_country_release_wins_over_the_worldwide_one():
    korea = global_release(regions=("KR",), when=time(16), zone=SEOUL)
    worldwide = global_release()
    f = film(worldwide, korea)
    assert rules.place(f, SEOUL, None).release is korea
    assert rules.place(f, LONDON, None).release is worldwide
    assert rules.place(f, None, None).release is worldwide


def test_a_follower_in_a_country_without_a_date_has_no_ping_yet():
    f = film(global_release(regions=("KR",), zone=SEOUL))
    assert rules.place(f, LONDON, None) is None
    assert rules.plan(f, [Follower(1, LONDON)], channel_id=1, default_zone=None, now=EARLIER) == []


def cinema(regions: tuple[str, ...], day: date) -> Release:
    return Release("Cinemas", regions, "local_midnight", day, None, None, (), kind="theatrical")


def test_the_country_a_follower_chose_wins_over_their_zones():
    # Europe/Berlin is Germany's zone, and also Sweden's: a Swede there sees Sweden's date.
    f = film(cinema(("DE",), date(2025, 6, 5)), cinema(("SE",), date(2025, 6, 12)))
    berlin = "Europe/Berlin"
    [german] = plan(f, [Follower(1, berlin)])
    [swede] = plan(f, [Follower(2, berlin, country="SE")])
    assert german.due == datetime(2025, 6, 4, 22, tzinfo=UTC)
    assert swede.due == datetime(2025, 6, 11, 22, tzinfo=UTC)


def test_followers_are_pinged_for_the_release_they_chose():
    f = film(cinema(("KR",), date(2025, 6, 5)), rolling_release(day=date(2025, 7, 1)))
    followers = [Follower(1, SEOUL), Follower(2, SEOUL, release="streaming")]
    followers.append(Follower(3, SEOUL, release="cinema"))
    pings = plan(f, followers)
    assert [(p.due, p.user_ids) for p in pings] == [
        (datetime(2025, 6, 4, 15, tzinfo=UTC), (1, 3)),  # 00:00 on the 5th in Seoul
        (datetime(2025, 6, 30, 15, tzinfo=UTC), (2,)),
    ]


def test_a_follower_who_chose_cinemas_waits_when_there_are_none():
    assert plan(ROLLING, [Follower(1, SEOUL, release="cinema")]) == []


def test_a_local_midnight_that_dst_skips_pings_when_the_clocks_jump():
    # Chile's clocks jump from 00:00 to 01:00 on 6 September 2026: the ping comes at 01:00.
    f = film(cinema(("CL",), date(2026, 9, 6)))
    [ping] = plan(f, [Follower(1, "America/Santiago")])
    assert ping.due == datetime(2026, 9, 6, 4, tzinfo=UTC)  # 01:00 in Santiago (UTC-3)


def test_a_release_kind_joins_the_fingerprint_only_when_it_is_not_the_default():
    digital = film(rolling_release())
    # What the version before release kinds computed: plans it queued are not stale.
    assert rules.release_fingerprint(digital) == "9f08f60bad74"
    cinemas = film(replace(rolling_release(), kind="theatrical"))
    assert rules.release_fingerprint(cinemas) != rules.release_fingerprint(digital)


# --- global releases ----------------------------------------------------------------------------


def test_global_release_is_one_ping_with_a_line_per_zone_in_clock_order():
    followers = [Follower(1, SEOUL), Follower(2, NY), Follower(3, LONDON), Follower(4, NY)]
    [ping] = plan(STARLIGHT, followers)
    assert (ping.kind, ping.due, ping.channel_id, ping.user_id) == (PREMIERE, OUT, CHANNEL, None)
    assert [(line.zone_key, line.user_ids) for line in ping.lines] == [
        (NY, (2, 4)),
        (LONDON, (3,)),
        (SEOUL, (1,)),
    ]
    assert all(line.at == OUT and not line.delayed for line in ping.lines)


def test_member_without_zone_reads_the_servers_zone_at_the_instant():
    [ping] = plan(STARLIGHT, [Follower(1, None), Follower(2, SEOUL)], default_zone=TOKYO)
    assert ping.due == OUT
    assert [(line.zone_key, line.assumed_zone, line.user_ids) for line in ping.lines] == [
        (SEOUL, False, (2,)),
        (TOKYO, True, (1,)),
    ]


def test_member_without_zone_is_pinged_at_the_instant_shown_in_utc_last_without_a_server_zone():
    [ping] = plan(STARLIGHT, [Follower(1, None), Follower(2, SEOUL)])
    assert ping.due == OUT
    assert [(line.zone_key, line.assumed_zone) for line in ping.lines] == [
        (SEOUL, False),
        (None, False),
    ]


# --- rolling and regional releases --------------------------------------------------------------


def test_rolling_release_pings_each_zone_at_its_local_midnight():
    followers = [Follower(1, SEOUL), Follower(2, LONDON), Follower(3, NY)]
    pings = plan(ROLLING, followers)
    assert [(p.due, p.user_ids) for p in pings] == [
        (datetime(2025, 6, 5, 15, 0, tzinfo=UTC), (1,)),  # 00:00 KST
        (datetime(2025, 6, 5, 23, 0, tzinfo=UTC), (2,)),  # 00:00 BST
        (datetime(2025, 6, 6, 4, 0, tzinfo=UTC), (3,)),  # 00:00 EDT
    ]
    assert all(p.channel_id == CHANNEL for p in pings)


def test_followers_sharing_an_instant_share_a_message():
    [ping] = plan(ROLLING, [Follower(1, SEOUL), Follower(2, TOKYO)])
    assert [line.zone_key for line in ping.lines] == [SEOUL, TOKYO]  # same offset: by name


def test_rolling_release_uses_the_server_zone_for_members_without_one_and_says_so():
    [ping] = plan(ROLLING, [Follower(1, None)], default_zone=SEOUL)
    assert ping.due == datetime(2025, 6, 5, 15, 0, tzinfo=UTC)
    assert ping.lines[0].zone_key == SEOUL and ping.lines[0].assumed_zone


def test_rolling_release_without_any_zone_falls_back_to_midnight_utc():
    [ping] = plan(ROLLING, [Follower(1, None)])
    assert ping.due == datetime(2025, 6, 6, 0, 0, tzinfo=UTC)
    assert ping.lines[0].zone_key is None and not ping.lines[0].assumed_zone


def test_regional_releases_ping_each_region_at_its_own_instant():
    korea = global_release(regions=("KR",), when=time(9), zone=SEOUL)  # 00:00 UTC on the 30th
    f = film(global_release(), korea)
    pings = plan(f, [Follower(1, SEOUL), Follower(2, LONDON), Follower(3, NY)])
    assert [(p.due, p.user_ids) for p in pings] == [
        (datetime(2025, 5, 30, 0, 0, tzinfo=UTC), (1,)),
        (OUT, (3, 2)),  # one message, New York's line first
    ]


# --- quiet hours ----------------------------------------------------------------------------------


def test_quiet_hours_hold_the_ping_until_the_window_ends_and_remember_when_it_came_out():
    night = (time(23), time(8))
    followers = [Follower(1, NY, quiet=night), Follower(2, SEOUL, quiet=night)]
    [on_time, held] = plan(STARLIGHT, followers)
    assert on_time.due == OUT and on_time.user_ids == (2,)  # 4 PM in Seoul: not quiet
    assert held.due == datetime(2025, 5, 30, 12, 0, tzinfo=UTC)  # 8:00 AM in New York
    assert held.lines == (ZoneGroup(NY, OUT, (1,), delayed=True),)


def test_followers_in_one_zone_are_held_only_by_their_own_quiet_hours():
    followers = [Follower(3, NY, quiet=(time(23), time(8))), Follower(1, NY), Follower(2, NY)]
    [on_time, held] = plan(STARLIGHT, followers)
    assert on_time.lines == (ZoneGroup(NY, OUT, (1, 2)),)
    assert held.lines == (ZoneGroup(NY, OUT, (3,), delayed=True),)


def test_quiet_hours_outside_the_release_change_nothing():
    [ping] = plan(STARLIGHT, [Follower(1, NY, quiet=(time(1), time(2)))])
    assert ping.due == OUT and not ping.lines[0].delayed


def test_quiet_hours_without_a_zone_are_read_in_utc():
    [ping] = plan(STARLIGHT, [Follower(1, None, quiet=(time(6), time(9)))])
    assert ping.due == datetime(2025, 5, 30, 9, 0, tzinfo=UTC) and ping.lines[0].delayed


def test_a_held_ping_is_still_planned_after_the_release_itself():
    after_release = OUT + timedelta(hours=1)
    [ping] = plan(STARLIGHT, [Follower(1, NY, quiet=(time(23), time(8)))], now=after_release)
    assert ping.due == datetime(2025, 5, 30, 12, 0, tzinfo=UTC)


# --- what is still ahead ------------------------------------------------------------------------


def test_pings_already_due_are_left_out():
    pings = plan(
        ROLLING, [Follower(1, SEOUL), Follower(2, NY)], now=datetime(2025, 6, 5, 20, tzinfo=UTC)
    )
    assert [p.user_ids for p in pings] == [(2,)]
    assert plan(STARLIGHT, [Follower(1, NY)], now=OUT) == []


# --- DMs and heads-ups --------------------------------------------------------------------------


def test_dm_followers_get_their_own_ping():
    pings = plan(
        STARLIGHT, [Follower(1, NY, dm=True), Follower(2, NY), Follower(3, SEOUL, dm=True)]
    )
    assert [(p.channel_id, p.user_id, p.user_ids) for p in pings] == [
        (None, 1, (1,)),
        (None, 3, (3,)),
        (CHANNEL, None, (2,)),
    ]


def test_heads_up_before_the_release():
    pings = plan(STARLIGHT, [Follower(1, NY), Follower(2, SEOUL)], heads_up=timedelta(hours=1))
    assert [(p.kind, p.due) for p in pings] == [
        (HEADS_UP, OUT - timedelta(hours=1)),
        (PREMIERE, OUT),
    ]
    assert pings[0].lines[0].at == OUT


def test_heads_up_in_quiet_hours_moves_to_their_end_or_is_dropped():
    lead = timedelta(hours=1)  # 2:00 AM in New York, for a 3:00 AM release
    dropped = plan(STARLIGHT, [Follower(1, NY, quiet=(time(23), time(8)))], heads_up=lead)
    assert [p.kind for p in dropped] == [PREMIERE]
    moved = plan(STARLIGHT, [Follower(1, NY, quiet=(time(1), time(2, 30)))], heads_up=lead)
    assert [(p.kind, p.due) for p in moved] == [
        (HEADS_UP, OUT - timedelta(minutes=30)),
        (PREMIERE, OUT),
    ]


def test_no_heads_up_once_its_time_has_passed():
    pings = plan(STARLIGHT, [Follower(1, NY)], heads_up=timedelta(days=5))
    assert [p.kind for p in pings] == [PREMIERE]


# --- data round trip and late changes -----------------------------------------------------------


def test_outbox_data_round_trip():
    [held, ping] = sorted(
        plan(STARLIGHT, [Follower(1, None), Follower(2, NY, quiet=(time(23), time(8)))]),
        key=lambda p: p.due,
        reverse=True,
    )
    for p in (held, ping):
        assert rules.from_data(rules.to_data(p)) == (p.channel_id, p.user_id, p.lines)


@pytest.mark.parametrize(
    ("text", "lead"),
    [("1h", timedelta(hours=1)), ("30m", timedelta(minutes=30)), ("30d", rules.MAX_HEADS_UP)],
)
def test_a_heads_up_is_a_duration(text, lead):
    assert rules.parse_heads_up(text) == lead


def test_a_heads_up_is_at_most_thirty_days_ahead():
    with pytest.raises(BadOption, match="at most 30 days"):
        rules.parse_heads_up("31d")


def test_pings_go_to_the_films_channel_else_the_announce_channel_else_the_first():
    assert rules.ping_channel(1, 2, 3) == 1
    assert rules.ping_channel(None, 2, 3) == 2
    assert rules.ping_channel(None, None, 3) == 3


def test_outbox_data_keeps_the_format_of_rows_already_queued() -> None:
    queued = {  # as an earlier version wrote it: rows like this may still be pending
        "rev": "0f3c2a1b9d8e",
        "lines": [["America/New_York", "2025-05-30T07:00:00+00:00", [2], True, False]],
        "channel": CHANNEL,
        "user": None,
    }
    lines = (ZoneGroup(NY, OUT, (2,), delayed=True),)
    assert rules.from_data(queued) == (CHANNEL, None, lines)
    planned = rules.Planned(PREMIERE, OUT + timedelta(hours=5), CHANNEL, None, lines)
    assert rules.to_data(planned, "0f3c2a1b9d8e") == queued
