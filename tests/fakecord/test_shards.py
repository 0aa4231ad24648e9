"""Discord's IDENTIFY rules in the gate, on a clock the tests step by hand (nothing sleeps)."""

from __future__ import annotations

from typing import Any

from fakecord.shards import IdentifyGate, ShardPolicy, parse_shard, recommended_shards
from fakecord.state import SnowflakeGenerator


class SteppedClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def gate(**policy: Any) -> tuple[IdentifyGate, SteppedClock]:
    clock = SteppedClock()
    return IdentifyGate(ShardPolicy(**policy), clock), clock


def no_guilds(shard_id: int, num_shards: int) -> int:
    return 0


def test_recommended_shards_is_one_per_thousand_guilds_and_at_least_one() -> None:
    counts = [0, 1, 1000, 1001, 2500]
    assert [recommended_shards(n) for n in counts] == [1, 1, 1, 2, 3]


def test_a_missing_shard_is_shard_0_of_1_and_junk_is_malformed() -> None:
    assert parse_shard(None) == (0, 1)
    assert parse_shard([1, 4]) == (1, 4)
    assert [parse_shard(v) for v in ([1], "0,1", [0, True], [0.0, 1])] == [None] * 4


def test_out_of_range_shards_are_invalid() -> None:
    g, _ = gate()
    outcomes = [g.decide(s, no_guilds) for s in [(2, 2), (-1, 2), (0, 0), None]]
    assert outcomes == ["invalid shard"] * 4


def test_one_identify_per_bucket_per_interval() -> None:
    g, clock = gate(identify_interval=5.0)
    assert g.decide((0, 2), no_guilds) == "ready"
    clock.now += 4.9
    assert g.decide((1, 2), no_guilds) == "rate limited"  # max_concurrency 1: one bucket
    clock.now += 0.1
    assert g.decide((1, 2), no_guilds) == "ready"
    assert [(i.shard, i.bucket, i.accepted) for i in g.identifies] == [
        ((0, 2), 0, True),
        ((1, 2), 0, False),
        ((1, 2), 0, True),
    ]


def test_a_refused_identify_does_not_hold_the_bucket() -> None:
    g, clock = gate(identify_interval=5.0)
    g.decide((0, 1), no_guilds)
    clock.now += 3.0
    g.decide((0, 1), no_guilds)  # refused
    clock.now += 2.0
    assert g.decide((0, 1), no_guilds) == "ready"  # 5 s after the last accepted one


def test_shards_of_different_buckets_identify_together() -> None:
    g, _ = gate(max_concurrency=2)
    outcomes = [g.decide((s, 4), no_guilds) for s in range(4)]
    assert outcomes == ["ready", "ready", "rate limited", "rate limited"]
    assert [i.bucket for i in g.identifies] == [0, 1, 0, 1]


def test_too_many_guilds_on_a_shard_requires_sharding() -> None:
    g, _ = gate(max_guilds_per_shard=2)

    def three_on_shard_0(shard_id: int, num_shards: int) -> int:
        return 3 if shard_id == 0 else 0

    assert g.decide((0, 2), three_on_shard_0) == "sharding required"
    assert g.decide((1, 2), three_on_shard_0) == "ready"


def test_session_starts_count_down_and_reset_after_the_window() -> None:
    g, clock = gate(identify_interval=1.0, session_start_total=2, session_start_reset=60.0)
    assert g.session_start_limit() == {
        "total": 2,
        "remaining": 2,
        "reset_after": 0,
        "max_concurrency": 1,
    }
    g.decide((0, 1), no_guilds)
    clock.now += 10.0
    g.decide((0, 1), no_guilds)
    limit = g.session_start_limit()
    assert (limit["remaining"], limit["reset_after"]) == (0, 50_000)
    clock.now += 1.0
    assert g.decide((0, 1), no_guilds) == "session starts exhausted"
    clock.now += 49.0
    assert g.session_start_limit()["remaining"] == 2
    assert g.decide((0, 1), no_guilds) == "ready"


def test_ids_can_be_made_for_a_chosen_shard_and_stay_increasing() -> None:
    ids = SnowflakeGenerator()
    made = [ids.next_on_shard(k % 3, 3) for k in range(6)] + [ids.next()]
    assert [(i >> 22) % 3 for i in made[:6]] == [0, 1, 2, 0, 1, 2]
    assert made == sorted(set(made))
