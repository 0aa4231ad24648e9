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


class TmdbError(UserError):
    """TMDB could not answer a question; catch this to handle every kind below at once."""


class TmdbUnavailable(TmdbError):
    """Timeouts, connection errors, 5xx, a 429 not worth waiting out, a garbled answer."""

    def __init__(
        self, message: str = "TMDB is not answering right now. Try again in a minute."
    ) -> None:
        super().__init__(message)


class TmdbBadDocument(TmdbUnavailable):
    """TMDB's document for one movie can't be read (wrong shape, no title): asking again soon
    won't help, so the background refresh puts that film aside for a while."""


class TmdbBadToken(TmdbError):
    """TMDB answered 401: the configured token is wrong, revoked or not a read access token."""

    def __init__(
        self,
        message: str = (
            "TMDB refused the bot's token, so online film look-ups are off. "
            "Please tell the bot's operator to check TMDB_TOKEN."
        ),
    ) -> None:
        super().__init__(message)


class TmdbNotFound(TmdbError, FilmNotFound):
    """TMDB has no movie with that id (404)."""

    def __init__(self, tmdb_id: int) -> None:
        super().__init__(f"TMDB has no film with the id {tmdb_id}. Pick one from the suggestions.")
        self.tmdb_id = tmdb_id
