from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE, ConfigError, load_settings


def test_missing_token_names_the_variable_and_example_file():
    with pytest.raises(ConfigError) as err:
        load_settings({}, env_file=None)
    assert "DISCORD_TOKEN" in str(err.value)
    assert ".env.example" in str(err.value)


def test_defaults():
    s = load_settings({"DISCORD_TOKEN": "abc"}, env_file=None)
    assert s.database == DEFAULT_DATABASE
    assert s.dev_guild_id is None
    assert s.log_level == "INFO"
    assert s.late_grace == timedelta(minutes=10)
    assert s.connect_retry == 2.0
    assert s.global_rate_limit == 50  # Discord's global limit for most bots


def test_env_file_is_read_and_environment_wins(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text('# comment\nDISCORD_TOKEN="from-file"\nDEV_GUILD_ID=42\nLOG_LEVEL=debug\n')
    s = load_settings({"LOG_LEVEL": "warning"}, env_file=env)
    assert s.token == "from-file"
    assert s.dev_guild_id == 42
    assert s.log_level == "WARNING"


def test_token_never_in_repr():
    s = load_settings({"DISCORD_TOKEN": "very-secret-token"}, env_file=None)
    assert "very-secret-token" not in repr(s)
    assert "very-secret-token" not in str(s)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEV_GUILD_ID", "abc"),
        ("LOG_LEVEL", "LOUD"),
        ("LATE_GRACE_MINUTES", "soon"),
        ("LATE_GRACE_MINUTES", "-1"),
        ("LATE_GRACE_MINUTES", "inf"),
        ("LATE_GRACE_MINUTES", "nan"),
        ("CONNECT_RETRY_SECONDS", "soon"),
        ("CONNECT_RETRY_SECONDS", "0"),
        ("CONNECT_RETRY_SECONDS", "nan"),
        ("CONNECT_RETRY_SECONDS", "inf"),
        ("TMDB_API_URL", "api.themoviedb.org/3"),
        ("TMDB_API_URL", "ftp://api.themoviedb.org/3"),
        ("GLOBAL_RATE_LIMIT", "0"),
        ("GLOBAL_RATE_LIMIT", "49.5"),
        ("GLOBAL_RATE_LIMIT", "fast"),
        ("GLOBAL_RATE_LIMIT", "²"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError) as err:
        load_settings({"DISCORD_TOKEN": "x", name: value}, env_file=None)
    assert name in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:s3cr/et@db.example/watch",  # "s3cr" would be taken for the port
        "postgresql://bot:s3cr#et@db.example/watch",
        "postgresql://bot:1234/et@db.example/watch",  # parses, with "@" left in the path
        "postgresql://bot:1234#et@db.example/watch",
    ],
)
def test_an_unparseable_database_url_hints_at_encoding_and_hides_the_password(url):
    with pytest.raises(ConfigError) as err:
        load_settings({"DISCORD_TOKEN": "x", "DATABASE_URL": url}, env_file=None)
    message = str(err.value)
    assert "DATABASE_URL" in message and "percent-encode" in message
    assert "et@" not in message and "s3cr" not in message and "1234" not in message


def test_a_percent_encoded_password_is_accepted():
    url = "postgresql://bot:s3cr%2Fet%23x@db.example/watch"
    assert load_settings({"DISCORD_TOKEN": "x", "DATABASE_URL": url}, env_file=None).database == url


def test_token_not_required_for_offline_commands():
    assert load_settings({}, env_file=None, require_token=False).token == ""


def test_the_first_wait_to_reach_discord_again_is_configurable():
    s = load_settings({"DISCORD_TOKEN": "x", "CONNECT_RETRY_SECONDS": "0.5"}, env_file=None)
    assert s.connect_retry == 0.5


def test_a_late_grace_of_zero_is_allowed():
    s = load_settings({"DISCORD_TOKEN": "x", "LATE_GRACE_MINUTES": "0"}, env_file=None)
    assert s.late_grace == timedelta(0)


def test_a_bad_number_says_what_it_must_be():
    with pytest.raises(ConfigError) as err:
        load_settings({"DISCORD_TOKEN": "x", "CONNECT_RETRY_SECONDS": "0"}, env_file=None)
    assert str(err.value) == "CONNECT_RETRY_SECONDS must be a number above 0, not '0'."


def test_tmdb_is_off_by_default_and_points_at_tmdb():
    s = load_settings({"DISCORD_TOKEN": "x"}, env_file=None)
    assert s.tmdb_token is None
    assert s.tmdb_api_url == "https://api.themoviedb.org/3"


def test_tmdb_token_and_address_are_read(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=x\nTMDB_TOKEN=eyJhbGciOi.read-token\n")
    s = load_settings({"TMDB_API_URL": "http://127.0.0.1:8080/3/"}, env_file=env)
    assert s.tmdb_token == "eyJhbGciOi.read-token"
    assert s.tmdb_api_url == "http://127.0.0.1:8080/3"  # no trailing slash: paths are appended


def test_tmdb_token_never_in_repr():
    s = load_settings({"DISCORD_TOKEN": "x", "TMDB_TOKEN": "tmdb-secret-token"}, env_file=None)
    assert "tmdb-secret-token" not in repr(s)
    assert "tmdb_token=<hidden>" in str(s)


def test_a_bad_tmdb_address_says_what_it_must_start_with():
    with pytest.raises(ConfigError) as err:
        load_settings({"DISCORD_TOKEN": "x", "TMDB_API_URL": "themoviedb.org"}, env_file=None)
    assert str(err.value) == (
        "TMDB_API_URL must start with http:// or https://, not 'themoviedb.org'."
    )


PG = "postgresql://bot@db/watchparty"


def shard_settings(**env: str):
    return load_settings({"DISCORD_TOKEN": "x", **env}, env_file=None)


def test_shards_default_to_auto_all_in_this_process():
    s = shard_settings()
    assert (s.shard_count, s.shard_ids) == (None, None)


def test_shard_count_auto_in_any_case():
    assert shard_settings(SHARD_COUNT="auto").shard_count is None


def test_shard_count_alone_runs_every_shard_here():
    s = shard_settings(SHARD_COUNT="4")
    assert (s.shard_count, s.shard_ids) == (4, None)


@pytest.mark.parametrize(
    ("text", "ids"),
    [("0-3", (0, 1, 2, 3)), ("0,2", (0, 2)), ("5", (5,)), (" 6 , 0-1 ", (0, 1, 6))],
)
def test_shard_ids_lists_and_ranges(text, ids):
    assert shard_settings(DATABASE_URL=PG, SHARD_COUNT="8", SHARD_IDS=text).shard_ids == ids


@pytest.mark.parametrize("count", ["0", "-1", "two", "1.5"])
def test_bad_shard_count(count):
    with pytest.raises(ConfigError, match="SHARD_COUNT must be a number of shards"):
        shard_settings(SHARD_COUNT=count)


@pytest.mark.parametrize("ids", ["a", "0-", "-3", "0,,1", "1-x", "0;1"])
def test_bad_shard_ids(ids):
    with pytest.raises(ConfigError, match="SHARD_IDS must be shard numbers and ranges"):
        shard_settings(DATABASE_URL=PG, SHARD_COUNT="4", SHARD_IDS=ids)


def test_shard_ids_outside_the_count():
    with pytest.raises(
        ConfigError, match="names shard 4, but with SHARD_COUNT=4 the shards are 0 to 3"
    ):
        shard_settings(DATABASE_URL=PG, SHARD_COUNT="4", SHARD_IDS="2-4")


def test_shard_range_backwards():
    with pytest.raises(ConfigError, match="range 3-1 runs backwards"):
        shard_settings(DATABASE_URL=PG, SHARD_COUNT="4", SHARD_IDS="3-1")


def test_shard_named_twice():
    with pytest.raises(ConfigError, match="more than once"):
        shard_settings(DATABASE_URL=PG, SHARD_COUNT="4", SHARD_IDS="0-2,1")


@pytest.mark.parametrize("count", [None, "AUTO"])
def test_shard_ids_need_a_numeric_count(count):
    env = {"SHARD_IDS": "0"} | ({"SHARD_COUNT": count} if count else {})
    with pytest.raises(ConfigError, match="SHARD_IDS needs SHARD_COUNT set to a number"):
        shard_settings(DATABASE_URL=PG, **env)


def test_some_shards_here_need_postgresql():
    with pytest.raises(ConfigError, match="need PostgreSQL"):
        shard_settings(SHARD_COUNT="2", SHARD_IDS="0")


def test_every_shard_named_works_on_sqlite():
    assert shard_settings(SHARD_COUNT="2", SHARD_IDS="0-1").shard_ids == (0, 1)


def test_a_bot_granted_a_higher_global_limit_can_say_so():
    s = load_settings({"DISCORD_TOKEN": "x", "GLOBAL_RATE_LIMIT": "1200"}, env_file=None)
    assert s.global_rate_limit == 1200
