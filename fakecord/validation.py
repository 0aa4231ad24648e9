"""Discord's documented limits, enforced so the bot fails here before it fails in production.

Each check raises :class:`ApiError` with the body Discord sends (400 Invalid Form Body, 50035,
with the path of the offending field), so discord.py raises ``HTTPException`` exactly as it would.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, empty_message, form_error
from .mentions import AllowedMentionsError, validate_allowed_mentions
from .state import iter_components

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
NONCE_MAX = 25
COMPONENTS_V2 = 1 << 15
_EMBED_LIMITS = {"title": 256, "description": 4096}
_COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")


def _too_long(path: str, limit: int) -> ApiError:
    return form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _required(path: str) -> ApiError:
    return form_error(path, "BASE_TYPE_REQUIRED", "This field is required")


def validate_message_body(body: dict[str, Any], *, has_files: bool, creating: bool) -> None:
    """Check a message create/edit body (channel message, interaction reply or webhook)."""
    if not isinstance(body, dict):
        raise form_error(
            "_root", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
        )
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        raise _too_long("content", CONTENT_MAX)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        raise _too_long("embeds", EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        total += _check_embed(embed, f"embeds.{i}")
    if total > EMBED_TOTAL_MAX:
        raise form_error(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )
    _check_components(body.get("components") or [], int(body.get("flags") or 0))
    if "nonce" in body and body["nonce"] is not None:
        nonce = body["nonce"]
        if isinstance(nonce, str) and len(nonce) > NONCE_MAX:
            raise _too_long("nonce", NONCE_MAX)
        if not isinstance(nonce, str | int):
            raise form_error("nonce", "BASE_TYPE_BAD_TYPE", "Must be a string or an integer.")
    if body.get("allowed_mentions") is not None:
        try:
            validate_allowed_mentions(body["allowed_mentions"])
        except AllowedMentionsError as exc:
            raise form_error(exc.path, exc.code, exc.message) from None
    if creating and not (
        content
        or embeds
        or body.get("components")
        or has_files
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise empty_message()


def _check_embed(embed: dict[str, Any], path: str) -> int:
    size = 0
    for key, limit in _EMBED_LIMITS.items():
        value = embed.get(key)
        if value is not None:
            if len(str(value)) > limit:
                raise _too_long(f"{path}.{key}", limit)
            size += len(str(value))
    fields = embed.get("fields") or []
    if len(fields) > 25:
        raise _too_long(f"{path}.fields", 25)
    for j, fld in enumerate(fields):
        name, value = str(fld.get("name") or ""), str(fld.get("value") or "")
        if not name:
            raise _required(f"{path}.fields.{j}.name")
        if not value:
            raise _required(f"{path}.fields.{j}.value")
        if len(name) > 256:
            raise _too_long(f"{path}.fields.{j}.name", 256)
        if len(value) > 1024:
            raise _too_long(f"{path}.fields.{j}.value", 1024)
        size += len(name) + len(value)
    footer = (embed.get("footer") or {}).get("text")
    if footer is not None:
        if len(footer) > 2048:
            raise _too_long(f"{path}.footer.text", 2048)
        size += len(footer)
    author = (embed.get("author") or {}).get("name")
    if author is not None:
        if len(author) > 256:
            raise _too_long(f"{path}.author.name", 256)
        size += len(author)
    return size


def _check_components(components: list[dict[str, Any]], flags: int) -> None:
    if not flags & COMPONENTS_V2:
        if len(components) > 5:
            raise _too_long("components", 5)
        for i, row in enumerate(components):
            if row.get("type") != 1:
                raise form_error(
                    f"components.{i}",
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (1,).',
                )
            children = row.get("components") or []
            if not children or len(children) > 5:
                raise form_error(
                    f"components.{i}.components",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 5 in length.",
                )
    seen: set[str] = set()
    for comp in iter_components(components):
        custom_id = comp.get("custom_id")
        if comp.get("type") == 2:
            label = comp.get("label")
            if label is not None and len(label) > 80:
                raise _too_long("components.label", 80)
            if comp.get("style") == 5:
                if not comp.get("url") or custom_id:
                    raise form_error(
                        "components",
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "Link buttons need a url and no custom_id.",
                    )
                continue
            if comp.get("style") != 6 and not custom_id:
                raise _required("components.custom_id")
        if custom_id is not None:
            if len(custom_id) > 100:
                raise _too_long("components.custom_id", 100)
            if custom_id in seen:
                raise form_error(
                    "components",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)
        if comp.get("type") == 3 and len(comp.get("options") or []) > 25:
            raise _too_long("components.options", 25)


def validate_choices(choices: list[dict[str, Any]]) -> None:
    """Autocomplete results: at most 25, names 1-100 chars, string values up to 100 chars."""
    if len(choices) > 25:
        raise _too_long("data.choices", 25)
    for i, choice in enumerate(choices):
        name = str(choice.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error(
                f"data.choices.{i}.name",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            raise _too_long(f"data.choices.{i}.value", 100)


def validate_modal(data: dict[str, Any]) -> None:
    title = str(data.get("title") or "")
    if not 1 <= len(title) <= 45:
        raise form_error(
            "data.title", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length."
        )
    if not data.get("custom_id"):
        raise _required("data.custom_id")
    if not 1 <= len(data.get("components") or []) <= 5:
        raise form_error(
            "data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )


def validate_command(cmd: dict[str, Any], path: str) -> None:
    """An application command as registered by bulk PUT or POST."""
    ctype = int(cmd.get("type", 1))
    name = str(cmd.get("name") or "")
    if not _COMMAND_NAME.match(name) or (ctype == 1 and name != name.lower()):
        raise form_error(
            f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if ctype == 1:
        desc = str(cmd.get("description") or "")
        if not 1 <= len(desc) <= 100:
            raise form_error(
                f"{path}.description",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
    _check_options(cmd.get("options") or [], f"{path}.options")


def _check_options(options: list[dict[str, Any]], path: str) -> None:
    if len(options) > 25:
        raise _too_long(path, 25)
    seen_optional = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        where = f"{path}.{i}"
        name = str(opt.get("name") or "")
        if not _COMMAND_NAME.match(name) or name != name.lower():
            raise form_error(
                f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if name in names:
            raise form_error(
                f"{where}.name",
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(name)
        if not 1 <= len(str(opt.get("description") or "")) <= 100:
            raise form_error(
                f"{where}.description",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        if opt.get("type") in (1, 2):
            _check_options(opt.get("options") or [], f"{where}.options")
            continue
        if opt.get("required"):
            if seen_optional:
                raise form_error(
                    where,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if len(opt.get("choices") or []) > 25:
            raise _too_long(f"{where}.choices", 25)
        if opt.get("choices") and opt.get("autocomplete"):
            raise form_error(
                f"{where}.autocomplete",
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be set with choices",
            )
