"""Member-typed text echoed by the bot: shown exactly as typed, never as markup, never a ping."""

from __future__ import annotations

import re

import pytest

from bot.domain.usertext import plain

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation


def as_read(text: str) -> str:
    """What a reader sees of escaped text in Discord: the escapes and zero-width spaces vanish."""
    return _ESCAPED.sub(r"\1", text).replace("\u200b", "")


TYPED = [
    "[click](https://evil.example)",
    "# big",
    "## bigger\n### biggest",
    "-# small print",
    "> quoted\n>>> quoted to the end",
    "```py\nprint('hi')\n```",
    "**bold** *it* __under__ ~~gone~~ ||spoiler|| `code`",
    "- a list\n* another\n1. numbered",
    "bring snacks\nand tissues",
    "a backslash \\ and an escape \\*",
    "@everyone @here <@&7> <@12> come!",
    "who voices [Jay](https://evil.example)?",
    "when is it out in # big?",
]


@pytest.mark.parametrize("typed", TYPED)
def test_text_reads_exactly_as_typed(typed: str) -> None:
    assert as_read(plain(typed)) == typed


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[click](https://evil.example)", r"\[click](https://evil.example)"),
        ("# big", r"\# big"),
        ("-# small", r"\-# small"),
        ("> quote", r"\> quote"),
        ("1. first", r"1\. first"),
        ("```\ncode\n```", "\\`\\`\\`\ncode\n\\`\\`\\`"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
    ],
)
def test_markdown_is_escaped(typed: str, shown: str) -> None:
    assert plain(typed).startswith(shown)


def test_every_masked_link_is_escaped() -> None:
    text = plain("[a](https://a.example) then [b](https://b.example)")
    assert text.count(r"\[") == 2 and re.search(r"(?<!\\)\[", text) is None


def test_markdown_on_every_line_is_escaped() -> None:
    assert plain("fine\n# big\n> quote\n-# small") == "fine\n\\# big\n\\> quote\n\\-# small"


def test_links_and_custom_emoji_stay_whole() -> None:
    typed = "tickets: https://example.com/a_b?x=*y* <:party_parrot:123>"
    assert plain(typed) == typed


def test_runs_of_blank_lines_become_one() -> None:
    assert plain("\n  top\n\n\n\n\nbottom\n\n") == "top\n\nbottom"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("@everyone", "@\u200beveryone"),
        ("@here", "@\u200bhere"),
        ("<@12>", "<@\u200b12>"),
        ("<@!12>", "<@\u200b!12>"),
        ("<@&7>", "<@\u200b&7>"),
        ("@123456789012345678", "@\u200b123456789012345678"),
    ],
)
def test_mentions_are_broken_so_they_cannot_ping(typed: str, shown: str) -> None:
    assert plain(typed) == shown


def test_channel_links_and_plain_at_signs_stay_as_typed() -> None:
    typed = "see <#5>, mail me at ada@example.com"
    assert plain(typed) == typed
