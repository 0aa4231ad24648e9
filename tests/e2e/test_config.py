"""/config through the loopback Discord: the server's default zone and announce channel."""

from __future__ import annotations

import pytest

from bot.sandbox import InteractionError
from tests.e2e.conftest import Harness


async def test_config_show_set_and_refusals(e2e: Harness) -> None:
    owner = e2e.server.owner
    shown = await e2e.run(owner, "config show")
    assert shown.ephemeral and "not set (`/config timezone`)" in shown.content
    await e2e.run(owner, "config timezone", {"zone": "KST"})
    await e2e.run(owner, "config announce", {"channel": e2e.server.general})
    shown = await e2e.run(owner, "config show")
    assert "**Default time zone:** Asia/Seoul" in shown.content
    assert f"**Announce channel:** <#{e2e.server.general}>" in shown.content
    refused = await e2e.run(owner, "config announce", {"channel": e2e.server.announcements})
    assert refused.ephemeral and "I can't post in" in refused.content
    # Discord hides /config from members without Manage Server, like the fake does
    with pytest.raises(InteractionError, match="lacks the permissions"):
        await e2e.slash("Bruno", "config show")
