"""Fixtures shared by the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.db import Database, open_database
from tests.databases import fresh_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated SQLite database in the test's temporary folder."""
    database = await open_database(fresh_database(tmp_path, "db.sqlite3"))
    yield database
    await database.close()
