"""Session-wide set-up: the test databases' engine (see tests/databases.py)."""

from __future__ import annotations

from tests.databases import ENGINE, drop_created


def pytest_report_header() -> str:
    return f"database engine: {ENGINE}"


def pytest_sessionfinish() -> None:
    drop_created()
