"""Member-typed text echoed back by the bot (party notes, search queries, questions): shown as
typed, never as markup and never as a ping.

Pure: no discord import, so the domain's answers and the renderers share this one escaper.
Not ``discord.utils.escape_markdown``: it escapes only the first masked link on a line.
"""

from __future__ import annotations

import re

# What typed text could restyle a message with: bold, italics, strike-through, code, spoilers
# and masked links anywhere; headings, quotes, subtext (-#) and lists at the start of a line.
# Links and custom emoji are kept whole: a backslash inside one would break it.
_MARKDOWN = re.compile(
    r"(?P<keep>https?://[^\s<>]+|<a?:\w+:\d+>)"
    r"|(?P<inline>[\\*_~`|\[])"
    r"|^(?P<indent>[ \t]*)(?P<block>[#>-]|\d+\.)",
    re.MULTILINE,
)
# @everyone, @here, <@member>, <@!member>, <@&role> and bare @snowflakes (what
# discord.utils.escape_mentions catches, plus short ids): a zero-width space after the @ leaves
# the text readable but unable to ping, whatever allowed_mentions a message is sent with.
_MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


def _escape(match: re.Match[str]) -> str:
    if match["keep"]:
        return match["keep"]
    if match["inline"]:
        return "\\" + match["inline"]
    block = match["block"]
    return match["indent"] + (block[:-1] + "\\." if block.endswith(".") else "\\" + block)


def plain(text: str) -> str:
    """User text shown as typed: markdown reads literally (a backslash before each marker), so
    ``[click](https://evil.example)`` shows its real address and ``# big`` stays small; runs of
    blank lines become one. @everyone, @here, member and role mentions read literally too (a
    zero-width space breaks them) and can never ping. Links and channel links stay links.
    Clip the raw text before calling this, so no cut falls inside an escape."""
    text = _BLANK_LINES.sub("\n\n", text.strip())
    return _MENTION.sub("@\u200b", _MARKDOWN.sub(_escape, text))
