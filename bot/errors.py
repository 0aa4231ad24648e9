"""Mistakes a user can fix. Each carries the message shown to them (ephemeral).

No discord import here: the domain and storage layers raise these, the command tree's error
handler turns them into replies.
"""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """A mistake the user can fix; ``str(error)`` is the friendly message shown to them."""


class FilmNotFound(UserError):
    pass


class UnknownZone(UserError):
    pass


class BadTime(UserError):
    """A time that cannot be parsed, does not exist (DST gap) or is out of range."""


class TimeInPast(BadTime):
    pass


class BadOption(UserError):
    pass


class NotAllowed(UserError):
    """The member lacks the permission for this action."""


class LimitReached(UserError):
    pass


class DataError(Exception):
    """A film data file is invalid; names the file and the offending field. ``errors`` holds
    every problem found in that file, this one first: a file is checked whole, so its author
    sees all of them at once."""

    def __init__(self, path: str, field: str, problem: str, more: Sequence[DataError] = ()) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem
        self.errors: tuple[DataError, ...] = (self, *more)

    @classmethod
    def of(cls, errors: Sequence[DataError]) -> DataError:
        """One error that stands for ``errors`` (at least one), in their order."""
        first, *more = errors
        return cls(first.path, first.field, first.problem, more)
