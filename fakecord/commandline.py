"""What a person types after ``/``, read against the registered command schema.

film info lost in starlight                       free text -> first required text option
film release title: lost in starlight timezone: Seoul     explicit ``name: value`` pairs
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .interactions import (
    ATTACHMENT,
    CHANNEL,
    OPTION_TYPES,
    ROLE,
    STRING,
    USER,
    CommandPath,
    InteractionError,
    resolve_command,
)
from .state import AppCommand


class ReplError(Exception):
    """A mistake in what the person typed; the message says how to fix it."""


def match_command(commands: list[AppCommand], text: str) -> tuple[CommandPath, str]:
    """The longest registered command path ``text`` starts with, and the rest of the line."""
    words = text.split()
    if not words:
        raise ReplError("Type a command after '/'. Type help to see them.")
    error: InteractionError | None = None
    for n in range(min(3, len(words)), 0, -1):
        try:
            path = resolve_command(commands, words[:n])
        except InteractionError as exc:
            error = error or exc
            continue
        consumed = re.match(r"\s*" + r"\s+".join(map(re.escape, words[:n])), text)
        return path, text[consumed.end() :].strip() if consumed else ""
    raise ReplError(f"{error}. Type help to see the commands.")


def parse_options(path: CommandPath, rest: str) -> dict[str, Any]:
    """``title: x timezone: Seoul`` (or free text for one option) as option values."""
    schema = {o["name"]: o for o in path.leaf_options}
    free, named = split_named(rest, schema)
    values: dict[str, Any] = dict(named)
    if free:
        target = _free_text_target(path, values)
        if target is None:
            raise ReplError(f"/{path.qualified_name} doesn't take free text. Usage: {usage(path)}")
        values[target["name"]] = free
    for name, value in list(values.items()):
        values[name] = _choice_value(schema[name], value)
    missing = [
        o["name"] for o in path.leaf_options if o.get("required") and o["name"] not in values
    ]
    if missing:
        raise ReplError(f"Missing {', '.join(missing)}. Usage: {usage(path)}")
    return values


def split_named(text: str, names: Iterable[str]) -> tuple[str, dict[str, str]]:
    """``Dune seats: 4 note: hi`` -> ``("Dune", {"seats": "4", "note": "hi"})``: the text before
    the first ``name:`` and each name's value, up to the next one (command options and form
    fields alike)."""
    ordered = sorted(names, key=len, reverse=True)  # where two names match, the longer one
    if not ordered:
        return text, {}
    pattern = "|".join(re.escape(n) for n in ordered)
    marks = list(re.finditer(rf"(?:^|(?<=\s))({pattern}):", text))
    if not marks:
        return text, {}
    values = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        values[m.group(1)] = text[m.end() : end].strip()
    return text[: marks[0].start()].strip(), values


def drivable(path: CommandPath) -> bool:
    """Whether a person can run it here: the fake can't upload files for attachment options."""
    return not any(o["type"] == ATTACHMENT and o.get("required") for o in path.leaf_options)


def usage(path: CommandPath) -> str:
    """``/film release title:<text> [timezone:<text>]`` from the registered schema."""
    parts = [f"/{path.qualified_name}"]
    for opt in path.leaf_options:
        if opt["type"] == ATTACHMENT:
            continue  # can't be given here (see drivable)
        kind = OPTION_TYPES[opt["type"]].name if opt["type"] in OPTION_TYPES else "value"
        low, high = opt.get("min_value"), opt.get("max_value")
        if opt.get("choices"):
            kind = "|".join(str(c["name"]) for c in opt["choices"])
        elif opt.get("autocomplete"):
            kind += ", suggestions"
        elif low is not None and high is not None:
            kind += f" {low}..{high}"
        elif low is not None or high is not None:
            kind += f" >= {low}" if low is not None else f" <= {high}"
        text = f"{opt['name']}:<{kind}>"
        parts.append(text if opt.get("required") else f"[{text}]")
    return " ".join(parts)


def description(path: CommandPath) -> str:
    """The registered description of the leaf command."""
    current = path.command.payload
    for name in path.names[1:]:
        current = next(o for o in current.get("options") or [] if o["name"] == name)
    return str(current.get("description") or "")


def _free_text_target(path: CommandPath, given: dict[str, Any]) -> dict[str, Any] | None:
    """Where free text goes: the first required text option, else any text option, else the
    first required option of another type (a user, a channel, ...)."""
    open_ = [o for o in path.leaf_options if o["name"] not in given]
    for ok in (
        lambda o: o["type"] == STRING and o.get("required"),
        lambda o: o["type"] == STRING,
        lambda o: o.get("required") and o["type"] != ATTACHMENT,
    ):
        found = next((o for o in open_ if ok(o)), None)
        if found is not None:
            return found
    return None


def _choice_value(opt: dict[str, Any], value: Any) -> Any:
    choices = opt.get("choices")
    if not choices:
        if opt["type"] in (USER, ROLE) and isinstance(value, str):
            return value.strip().lstrip("@")
        if opt["type"] == CHANNEL and isinstance(value, str):
            return value.strip().lstrip("#")
        return value
    typed = str(value).strip().casefold()
    for choice in choices:
        if typed in (str(choice["name"]).casefold(), str(choice["value"]).casefold()):
            return choice["value"]
    names = ", ".join(str(c["name"]) for c in choices)
    raise ReplError(f"{opt['name']} must be one of: {names}")
