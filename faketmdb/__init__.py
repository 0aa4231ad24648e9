"""A loopback fake of TMDB's API v3 for tests, benchmarks and the sandbox (see server.py)."""

from .server import CATALOGUE, FakeTmdb, load_catalogue

__all__ = ["CATALOGUE", "FakeTmdb", "load_catalogue"]
