"""Who a message pings under Discord's allowed_mentions rules (pure, no server)."""

from __future__ import annotations

import pytest

from fakecord import AllowedMentionsError, Pings, compute_pings

ADA, BRUNO, ROLE = 111111111111111111, 222222222222222222, 333333333333333333
TEXT = f"<@{ADA}> <@!{BRUNO}> <@&{ROLE}> @everyone"


def test_absent_allowed_mentions_pings_everything_mentioned() -> None:
    assert compute_pings(TEXT) == Pings(frozenset({ADA, BRUNO}), frozenset({ROLE}), True)


def test_empty_allowed_mentions_silences_everything() -> None:
    assert compute_pings(TEXT, {}).silent
    assert compute_pings(TEXT, {"parse": []}).silent


def test_parse_kinds_are_independent() -> None:
    assert compute_pings(TEXT, {"parse": ["users"]}) == Pings(frozenset({ADA, BRUNO}))
    assert compute_pings(TEXT, {"parse": ["roles"]}) == Pings(roles=frozenset({ROLE}))
    assert compute_pings(TEXT, {"parse": ["everyone"]}) == Pings(everyone=True)


def test_explicit_users_only_ping_if_also_in_content() -> None:
    pings = compute_pings(f"<@{ADA}> hello", {"users": [str(ADA), str(BRUNO)]})
    assert pings.users == {ADA}


def test_explicit_lists_accept_ints_or_strings() -> None:
    assert compute_pings(TEXT, {"parse": [], "users": [BRUNO], "roles": [str(ROLE)]}) == Pings(
        frozenset({BRUNO}), frozenset({ROLE})
    )


def test_everyone_needs_the_permission() -> None:
    assert not compute_pings("@here film!", None, can_mention_everyone=False).everyone
    assert compute_pings("@here film!").everyone


def test_unmentionable_roles_need_mention_everyone() -> None:
    assert compute_pings(TEXT, pingable_roles=[], can_mention_everyone=False).roles == frozenset()
    assert compute_pings(TEXT, pingable_roles=[ROLE], can_mention_everyone=False).roles == {ROLE}
    assert compute_pings(TEXT, pingable_roles=[], can_mention_everyone=True).roles == {ROLE}


def test_replied_user_defaults() -> None:
    assert compute_pings("thanks", None, replied_user_id=ADA).users == {ADA}
    assert compute_pings("thanks", {"parse": []}, replied_user_id=ADA).users == frozenset()
    assert compute_pings("thanks", {"replied_user": True}, replied_user_id=ADA).users == {ADA}


@pytest.mark.parametrize(
    ("allowed", "fragment"),
    [
        ({"parse": ["users"], "users": [str(ADA)]}, "mutually exclusive"),
        ({"users": [str(i) for i in range(101)]}, "100 or fewer"),
        ({"parse": ["people"]}, "must be one of"),
        ({"parse": "users"}, "list"),
    ],
)
def test_invalid_allowed_mentions_are_rejected(allowed: dict, fragment: str) -> None:
    with pytest.raises(AllowedMentionsError, match=fragment):
        compute_pings(TEXT, allowed)


def test_exactly_100_users_is_fine() -> None:
    ids = [str(10**17 + i) for i in range(100)]
    content = " ".join(f"<@{i}>" for i in ids)
    assert len(compute_pings(content, {"users": ids}).users) == 100
