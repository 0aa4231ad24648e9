"""Test-only launcher: ``python -m tests.against_fake API_BASE GATEWAY_URL [bot args...]``.

Points discord.py at a loopback fake (the two URLs of a running FakeDiscord, usually in the
test process) and then runs the real command line, ``bot.__main__.main``, in this process. The
bot itself has no setting for another Discord address and needs none: this does what
``FakeDiscord.install()`` does, in a child process.
"""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m tests.against_fake API_BASE GATEWAY_URL [args...]", file=sys.stderr)
        return 64
    api_base, gateway, *args = argv
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    from bot.__main__ import main as bot_main

    return bot_main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
