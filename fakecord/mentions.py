"""Who a message pings, by Discord's rules for content + ``allowed_mentions``.

Discord's semantics, as implemented here:

* ``allowed_mentions`` absent: everything mentioned in the content pings (users, roles,
  @everyone/@here) and a reply pings the replied-to author.
* present: only the kinds listed in ``parse`` ping, plus users/roles listed explicitly in
  ``users``/``roles`` (only if they are also mentioned in the content); ``replied_user``
  defaults to false. ``{"parse": []}`` or ``{}`` silences everything.
* ``parse`` containing ``"users"`` together with a ``users`` list (same for roles) is a 400, as
  is a list longer than 100 or an unknown ``parse`` value.
* Role pings only work for mentionable roles unless the author may mention everyone, and
  @everyone/@here only with MENTION_EVERYONE.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

USER_MENTION = re.compile(r"<@!?(\d{1,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{1,21})>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")
_PARSE_VALUES = {"users", "roles", "everyone"}
MAX_LISTED = 100


class AllowedMentionsError(ValueError):
    """``allowed_mentions`` that Discord would reject with 400 Invalid Form Body."""

    def __init__(self, path: str, code: str, message: str) -> None:
        super().__init__(f"allowed_mentions.{path}: {message}")
        self.path = f"allowed_mentions.{path}"
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Pings:
    """The outcome: which users and roles get a notification, and whether @everyone/@here does."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False

    @property
    def silent(self) -> bool:
        return not (self.users or self.roles or self.everyone)


def validate_allowed_mentions(allowed: Mapping[str, Any]) -> None:
    """Raise AllowedMentionsError for what Discord rejects."""
    parse = allowed.get("parse", [])
    if not isinstance(parse, list):
        raise AllowedMentionsError("parse", "LIST_TYPE_CONVERT", "Must be a list.")
    for i, value in enumerate(parse):
        if value not in _PARSE_VALUES:
            raise AllowedMentionsError(
                f"parse.{i}", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(_PARSE_VALUES)}."
            )
    for kind in ("users", "roles"):
        listed = allowed.get(kind)
        if listed is None:
            continue
        if not isinstance(listed, list):
            raise AllowedMentionsError(kind, "LIST_TYPE_CONVERT", "Must be a list.")
        if len(listed) > MAX_LISTED:
            raise AllowedMentionsError(
                kind, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_LISTED} or fewer in length."
            )
        if listed and kind in parse:
            raise AllowedMentionsError(
                "parse",
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def mentioned_ids(content: str) -> tuple[list[int], list[int], bool]:
    """User ids, role ids and whether @everyone/@here appear in the text (in order, unique)."""
    users = list(dict.fromkeys(int(m) for m in USER_MENTION.findall(content)))
    roles = list(dict.fromkeys(int(m) for m in ROLE_MENTION.findall(content)))
    return users, roles, EVERYONE_MENTION.search(content) is not None


def compute_pings(
    content: str,
    allowed_mentions: Mapping[str, Any] | None = None,
    *,
    replied_user_id: int | None = None,
    pingable_roles: Collection[int] | None = None,
    can_mention_everyone: bool = True,
) -> Pings:
    """Who ``content`` pings under ``allowed_mentions`` (None = the field was not sent).

    ``pingable_roles``: roles that are mentionable (None = every role); roles outside it still
    ping when ``can_mention_everyone``. Raises AllowedMentionsError for input Discord rejects.
    """
    users, roles, everyone = mentioned_ids(content or "")
    if allowed_mentions is None:
        parse: Collection[str] = _PARSE_VALUES
        listed_users: set[int] = set()
        listed_roles: set[int] = set()
        replied = True
    else:
        validate_allowed_mentions(allowed_mentions)
        parse = set(allowed_mentions.get("parse", []))
        listed_users = {int(u) for u in allowed_mentions.get("users") or []}
        listed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
        replied = bool(allowed_mentions.get("replied_user", False))

    pinged_users = {u for u in users if "users" in parse or u in listed_users}
    if replied and replied_user_id is not None:
        pinged_users.add(replied_user_id)
    pinged_roles = {r for r in roles if "roles" in parse or r in listed_roles}
    if not can_mention_everyone and pingable_roles is not None:
        pinged_roles &= set(pingable_roles)
    return Pings(
        users=frozenset(pinged_users),
        roles=frozenset(pinged_roles),
        everyone=everyone and "everyone" in parse and can_mention_everyone,
    )
