"""What the fake saw: one record per HTTP request and per gateway frame from the client."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .state import FileRecord


@dataclass
class RequestRecord:
    """One REST request as received, and how the fake answered it.

    ``path`` is relative to the API base (``/channels/1/messages``); ``route`` is the matched
    template (``POST /channels/{channel_id}/messages``) or None for an unknown route. ``json`` is
    the JSON body, or the parsed ``payload_json`` part of a multipart body.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[FileRecord]
    received_at: float
    authorized: bool
    reason: str | None = None
    route: str | None = None
    status: int = 0
    fault: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str | None = None, path: str | re.Pattern[str] | None = None) -> bool:
        """Whether method (case-insensitive) and path pattern (full match) both fit."""
        if method is not None and self.method != method.upper():
            return False
        return path is None or compile_path(path).fullmatch(self.path) is not None


@dataclass
class GatewayFrame:
    """One payload the client sent over the gateway (tokens are blanked)."""

    op: int
    data: Any
    received_at: float
    session_id: str | None


_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")
_compiled: dict[str, re.Pattern[str]] = {}


def compile_path(path: str | re.Pattern[str]) -> re.Pattern[str]:
    """A regex for a path pattern; ``{name}`` placeholders match one path segment."""
    if isinstance(path, re.Pattern):
        return path
    pattern = _compiled.get(path)
    if pattern is None:
        pattern = re.compile(_PLACEHOLDER.sub(r"[^/]+", path))
        _compiled[path] = pattern
    return pattern
