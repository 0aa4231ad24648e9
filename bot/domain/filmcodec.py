"""Films to JSON and back: how a film's facts are kept in the database. Pure.

Every field of the film model round-trips (``from_json(to_json(film)) == film``); fields at
their default are left out, so a stored film stays small and a field added later (with a
default) reads old documents unchanged. The shape follows the dataclasses in
:mod:`bot.domain.filmmodel`: an object per dataclass, a list per tuple, ISO text for dates and
times.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from datetime import date, time
from functools import cache
from typing import Any

from bot.domain.filmmodel import Film

FORMAT = 1  # bump when a stored document can no longer be read by from_json

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def to_json(film: Film) -> str:
    """The film as one compact JSON document."""
    return _encode({"format": FORMAT, "film": _plain(film)})


def from_json(text: str | bytes) -> Film:
    """The film a :func:`to_json` document holds; ValueError if it is not one."""
    try:
        doc = json.loads(text)
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown film document format {doc.get('format')!r}")
        film = _reader(Film)(doc["film"])
    except (KeyError, TypeError, AttributeError) as problem:
        raise ValueError(f"not a film document: {problem!r}") from None
    assert isinstance(film, Film)
    return film


_REQUIRED = object()  # a field without a default: always written
_PLAIN = (str, int, float, bool, type(None))


@cache
def _shape(kind: type) -> tuple[tuple[str, Any], ...]:
    """(name, default or _REQUIRED) of each field of a model dataclass."""
    shape = []
    for f in dataclasses.fields(kind):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = _REQUIRED
        shape.append((f.name, default))
    return tuple(shape)


def _plain(value: Any) -> Any:
    # Dispatch on the exact class: this runs for every title, claim and name of every film.
    kind = value.__class__
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return [_plain(v) for v in value]
    if kind is date or kind is time:
        return value.isoformat()
    out = {}
    for name, default in _shape(kind):
        item = getattr(value, name)
        if default is _REQUIRED or item != default:
            out[name] = _plain(item)
    return out


Reader = Callable[[Any], Any]


@cache
def _reader(kind: Any) -> Reader:
    """A function reading the JSON form of ``kind`` (a type hint of the film model)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        (inner,) = options  # the model only has "X | None" unions
        read_inner = _reader(inner)
        return lambda v: None if v is None else read_inner(v)
    if origin is tuple:
        read_item = _reader(typing.get_args(kind)[0])
        return lambda v: tuple(read_item(x) for x in v)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {f.name: _reader(hints[f.name]) for f in dataclasses.fields(kind)}

        def read_object(v: dict[str, Any]) -> Any:
            return kind(**{name: fields[name](item) for name, item in v.items()})

        return read_object
    if kind is date:
        return date.fromisoformat
    if kind is time:
        return time.fromisoformat
    if kind in (str, int):
        return lambda v: _checked(v, kind)
    raise TypeError(f"the film codec can't read {kind!r}")


def _checked(value: Any, kind: type) -> Any:
    if value.__class__ is not kind:
        raise TypeError(f"{value!r} is not {kind.__name__}")
    return value
