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
    # 2: films loaded from data/films/*.toml. The files are the truth; a row records which
    # version of a file was validated and loaded (content hash) and the names to search by.
    """
    CREATE TABLE films (
        film_no INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        label TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        -- JSON [[name, kind], ...] (kind: title, alias, person, character) for the search
        -- index; a column, not a table: 100,000 films have about a million names
        names TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    """,
    # 3: watch parties, RSVPs, delivery preferences and the outbox of future messages
    """
    CREATE TABLE parties (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        voice_channel_id INTEGER,
        host_id INTEGER NOT NULL,
        film_id TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT,
        zone TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        reminders TEXT NOT NULL DEFAULT '',
        message_id INTEGER,
        event_id INTEGER,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
        problem_reported INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX parties_by_guild ON parties(guild_id, status, starts_at);
    CREATE TABLE rsvps (
        party_id INTEGER NOT NULL REFERENCES parties(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'no')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (party_id, user_id)
    );
    CREATE TABLE user_prefs (
        user_id INTEGER PRIMARY KEY,
        dm_pings INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        ref_id INTEGER NOT NULL,
        due_at TEXT NOT NULL,
        next_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL DEFAULT '{}',
        sent_at TEXT,
        error TEXT
    );
    CREATE INDEX outbox_due ON outbox(next_at) WHERE state = 'pending';
    CREATE INDEX outbox_by_ref ON outbox(ref_id, kind) WHERE state = 'pending';
    ALTER TABLE guild_settings ADD COLUMN events_notice_shown INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: premiere follows, per-server premiere settings, members' quiet hours
    """
    CREATE TABLE premieres (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        film_id TEXT NOT NULL,
        channel_id INTEGER,
        first_channel_id INTEGER NOT NULL,
        heads_up_seconds INTEGER,
        UNIQUE (guild_id, film_id)
    );
    CREATE TABLE follows (
        premiere_id INTEGER NOT NULL REFERENCES premieres(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        dm INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        PRIMARY KEY (premiere_id, user_id)
    );
    CREATE INDEX follows_by_user ON follows(user_id);
    ALTER TABLE user_prefs ADD COLUMN quiet_start TEXT;
    ALTER TABLE user_prefs ADD COLUMN quiet_end TEXT;
    """,
    # 5: the films' name index as FilmIndex.dumps wrote it (in parts), for the films table it
    # was built from (fingerprint): start-up loads it instead of rebuilding it (seconds at
    # 100,000 films)
    """
    CREATE TABLE film_index (
        fingerprint TEXT NOT NULL,
        part INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (fingerprint, part)
    );
    """,
    # 6: who last chose a premiere's ping channel (/premiere channel), to tell them when pings
    # there can never be sent; and the channel such a failure was last reported for (once per
    # channel, until the premiere's channel is chosen again)
    """
    ALTER TABLE premieres ADD COLUMN channel_set_by INTEGER;
    ALTER TABLE premieres ADD COLUMN problem_channel_id INTEGER;
    """,
    # 7: films live in the database, whichever way they came: their facts (doc: a file's TOML
    # text, else filmcodec JSON), TMDB's record of them (tmdb_doc), films added in one server
    # (guild_id: seen only there). film_changes numbers every change, so every process
    # sharing the database can catch up with the films changed since it last looked.
    """
    ALTER TABLE films ADD COLUMN origin TEXT NOT NULL DEFAULT 'file';
    ALTER TABLE films ADD COLUMN guild_id INTEGER;
    ALTER TABLE films ADD COLUMN tmdb_id INTEGER;
    ALTER TABLE films ADD COLUMN doc TEXT;
    ALTER TABLE films ADD COLUMN tmdb_doc TEXT;
    ALTER TABLE films ADD COLUMN fetched_at TEXT;
    ALTER TABLE films ADD COLUMN added_by INTEGER;
    CREATE INDEX films_by_tmdb ON films(tmdb_id) WHERE tmdb_id IS NOT NULL;
    CREATE INDEX films_by_guild ON films(guild_id) WHERE guild_id IS NOT NULL;
    CREATE TABLE film_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        film_id TEXT NOT NULL,
        at TEXT NOT NULL
    );
    -- Each film's release dates by region (a country code or WORLDWIDE) and kind, for
    -- /film upcoming: written with the film, deleted with it.
    CREATE TABLE film_releases (
        film_id TEXT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
        region TEXT NOT NULL,
        kind TEXT NOT NULL,
        day TEXT NOT NULL
    );
    CREATE INDEX film_releases_by_day ON film_releases(day, region);
    CREATE INDEX film_releases_by_film ON film_releases(film_id);
    """,
    # 8: a member's country for release dates (/timezone country: None = their zone's), which
    # release a follow is for ('cinema', 'streaming', None = whichever comes first), and the
    # releases a premiere's plan was made from (a film that changes is re-planned when it
    # differs, even with no ping pending)
    """
    ALTER TABLE user_prefs ADD COLUMN country TEXT;
    ALTER TABLE follows ADD COLUMN release TEXT;
    ALTER TABLE premieres ADD COLUMN planned_rev TEXT;
    """,
    # 9: watch parties for a title no catalogue knows: the title as typed
    # (film_title), film_id '' (NOT NULL stays: SQLite can't drop it without rebuilding the table)
    """
    ALTER TABLE parties ADD COLUMN film_title TEXT;
    """,
    # 10: a film imported from TMDB that a curated file later named by its tmdb_id stands for
    # that curated film (alias_of): parties and follows that chose it keep working, and search
    # finds the film once
    """
    ALTER TABLE films ADD COLUMN alias_of TEXT;
    """,
    # 11: when each IDENTIFY bucket (shard_id % max_concurrency) last identified, in seconds
    # since the epoch by the database's clock: processes running shards of one bot take turns.
    # Used on PostgreSQL only (SQLite is one process and keeps the schedule in memory).
    """
    CREATE TABLE identify_buckets (
        bucket INTEGER NOT NULL PRIMARY KEY,
        identified_at DOUBLE PRECISION NOT NULL
    );
    """,
    # 12: the global request budget shared by the bot's processes (PostgreSQL only: SQLite has
    # one process, which paces itself): the next free send slot, in microseconds by the
    # database server's clock
    """
    CREATE TABLE rate_budget (
        name TEXT PRIMARY KEY,
        next_us INTEGER NOT NULL
    );
    """,
    # 13: several processes share the outbox: a claimed row names its claimant (host:pid:random)
    # and holds a lease until lease_until (milliseconds since 1970, the database's clock); a row
    # left 'sending' whose lease ran out (its process died) can be claimed again
    """
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
    CREATE INDEX outbox_leased ON outbox(lease_until) WHERE state = 'sending';
    """,
    # 14: the TMDB copies standing for a curated film (alias_of), found by it: without this index
    # every sync scanned the whole films table once per 500 films it loaded
    """
    CREATE INDEX films_by_alias ON films(alias_of) WHERE alias_of IS NOT NULL;
    """,
    # 15: who hears what. A member's choice about one party's reminders (wanted 1: on, which a
    # Maybe member needs; 0: off), and a member's own reminder lead times for every party
    # (user_prefs.reminder_leads: seconds, comma-separated; '' none; NULL each party's own).
    # Maybe members were reminded before: their answers to active parties keep that, as a choice
    """
    CREATE TABLE reminder_choices (
        party_id INTEGER NOT NULL REFERENCES parties(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        wanted INTEGER NOT NULL CHECK (wanted IN (0, 1)),
        PRIMARY KEY (party_id, user_id)
    );
    ALTER TABLE user_prefs ADD COLUMN reminder_leads TEXT;
    INSERT INTO reminder_choices (party_id, user_id, wanted)
        SELECT r.party_id, r.user_id, 1 FROM rsvps r JOIN parties p ON p.id = r.party_id
        WHERE r.status = 'maybe' AND p.status = 'active';
    """,
    # 16: film votes for a watch party (/watchparty vote): the films on offer as JSON
    # ([film_id, title] pairs in offered order), at most one open vote per party (the partial
    # unique index), the winner's index once closed; one ballot per member, changeable
    """
    CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        party_id INTEGER NOT NULL REFERENCES parties(id),
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        opened_by INTEGER NOT NULL,
        closes_at TEXT NOT NULL,
        choices TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        winner INTEGER,
        message_id INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX votes_one_open ON votes(party_id) WHERE status = 'open';
    CREATE TABLE ballots (
        vote_id INTEGER NOT NULL REFERENCES votes(id),
        user_id INTEGER NOT NULL,
        choice INTEGER NOT NULL,
        cast_at TEXT NOT NULL,
        PRIMARY KEY (vote_id, user_id)
    );
    """,
    # 17: recurring watch parties (series): the rule (repeat, anchor = the local wall time of a
    # date on the rule, zone, last day), what each new occurrence copies (channel, film, note,
    # reminders) and how long after an occurrence ends the next is announced. An occurrence is
    # an ordinary party row naming its series and its date on the rule (series_wall, unique per
    # series: a roll-over re-run after a crash can't make two) and what its card notes
    # (series_flags: moved by a DST gap, dates skipped while the bot was down, no event).
    """
    CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        host_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        voice_channel_id INTEGER,
        film_id TEXT NOT NULL,
        film_title TEXT,
        note TEXT NOT NULL DEFAULT '',
        reminders TEXT NOT NULL DEFAULT '',
        repeat TEXT NOT NULL,
        anchor TEXT NOT NULL,
        zone TEXT NOT NULL,
        until_day TEXT,
        times INTEGER,
        announce_s INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL
    );
    CREATE INDEX series_by_guild ON series(guild_id, status);
    ALTER TABLE parties ADD COLUMN series_id INTEGER REFERENCES series(id);
    ALTER TABLE parties ADD COLUMN series_wall TEXT;
    ALTER TABLE parties ADD COLUMN series_flags TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX parties_by_series ON parties(series_id, series_wall)
        WHERE series_id IS NOT NULL;
    """,
    # 18: a party's seat limit (capacity, NULL: no limit), the role pinged at its
    # announcement and start (role_id), the thread its pings go to (thread_id); what a series'
    # occurrences copy of these (capacity, role_id, thread 1: each card gets a thread); rsvps
    # gain the status 'waiting' (the CHECK lists the statuses, so the table is rebuilt; nothing
    # references rsvps: reminder_choices and votes reference parties) and queue_no, a waiting
    # member's place in line (taken under the party's row lock, so it never repeats)
    """
    ALTER TABLE parties ADD COLUMN capacity INTEGER;
    ALTER TABLE parties ADD COLUMN role_id INTEGER;
    ALTER TABLE parties ADD COLUMN thread_id INTEGER;
    ALTER TABLE series ADD COLUMN capacity INTEGER;
    ALTER TABLE series ADD COLUMN role_id INTEGER;
    ALTER TABLE series ADD COLUMN thread INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1));
    CREATE TABLE rsvps_seats (
        party_id INTEGER NOT NULL REFERENCES parties(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'no', 'waiting')),
        updated_at TEXT NOT NULL,
        queue_no INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (party_id, user_id)
    );
    INSERT INTO rsvps_seats (party_id, user_id, status, updated_at)
        SELECT party_id, user_id, status, updated_at FROM rsvps;
    DROP TABLE rsvps;
    ALTER TABLE rsvps_seats RENAME TO rsvps;
    """,
    # 19: who hears what, found without scanning: a re-plan reads a party's reminder rows in
    # every state (sent ones count as planned), which the pending-only outbox_by_ref could not
    # serve (the whole index replaces it), and a member's answered parties (a new default
    # lead time re-plans them). A rebuild of rsvps after this must create rsvps_by_user again
    """
    DROP INDEX outbox_by_ref;
    CREATE INDEX outbox_by_ref ON outbox(ref_id, kind);
    CREATE INDEX rsvps_by_user ON rsvps(user_id);
    """,
    # 20: a series' problem_reported (1: its host was told a roll-over couldn't
    # announce in the series' channel; a series edit that moves the channel clears it)
    """
    ALTER TABLE series ADD COLUMN problem_reported INTEGER NOT NULL DEFAULT 0;
    """,
]
