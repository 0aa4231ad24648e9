"""Numbered schema migrations. Append only: never edit a migration that has shipped.

Instants are stored as UTC ISO-8601 text ("2025-05-30T07:00:00+00:00"), zones as IANA names.
"""

MIGRATIONS: list[str] = [
    # 1: servers and members
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        zone TEXT,
        announce_channel_id INTEGER
    );
    -- A member's zone is personal: set once, used in every server.
    CREATE TABLE user_zones (
        user_id INTEGER PRIMARY KEY,
        zone TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    -- Servers where a member registered their zone: for per-server tables of local times.
    CREATE TABLE guild_members (
        guild_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL REFERENCES user_zones(user_id) ON DELETE CASCADE,
        PRIMARY KEY (guild_id, user_id)
    );
    """,
]
