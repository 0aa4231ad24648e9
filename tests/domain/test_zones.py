"""Zone resolution, suggestions, labels and wall-time localisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain import zones
from bot.domain.zones import (
    DEFAULT_ZONES,
    abbreviation,
    find_zone,
    localize,
    resolve_zone,
    suggest_zones,
    utc_offset_label,
    zone_from_key,
    zone_key,
    zone_label,
)
from bot.errors import BadTime, UnknownZone

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


# --- IANA names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Asia/Seoul", "Asia/Seoul"),
        ("asia/seoul", "Asia/Seoul"),
        ("ASIA/SEOUL", "Asia/Seoul"),
        ("America/New_York", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("  America/New_York  ", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("America/Port-au-Prince", "America/Port-au-Prince"),
    ],
)
def test_iana_names_resolve_case_insensitively(text: str, key: str) -> None:
    assert resolve_zone(text).key == key


def test_iana_name_has_no_note_or_warning() -> None:
    match = resolve_zone("Asia/Seoul")
    assert (match.note, match.warning) == (None, None)


def test_iana_match_carries_a_working_tzinfo() -> None:
    match = resolve_zone("Asia/Seoul")
    assert NOW.astimezone(match.tz).utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    ("text", "key"),
    [("Asia/Calcutta", "Asia/Kolkata"), ("US/Pacific", "America/Los_Angeles"),
     ("Europe/Kiev", "Europe/Kyiv"), ("Asia/Saigon", "Asia/Ho_Chi_Minh")],
)  # fmt: skip
def test_old_link_names_resolve_to_current_names(text: str, key: str) -> None:
    match = resolve_zone(text)
    assert match.key == key
    assert match.note is not None and "old name" in match.note


def test_country_zone_that_tzdata_links_elsewhere_keeps_its_own_name() -> None:
    # tzdata links Europe/Amsterdam to Europe/Brussels; Dutch users should still see Amsterdam.
    assert resolve_zone("Europe/Amsterdam").key == "Europe/Amsterdam"


# --- cities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Seoul", "Asia/Seoul"),
        ("seoul", "Asia/Seoul"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("Los Angeles", "America/Los_Angeles"),
        ("london", "Europe/London"),
        ("Toronto", "America/Toronto"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("Calcutta", "Asia/Kolkata"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_city_names_from_the_zone_database(text: str, key: str) -> None:
    assert resolve_zone(text).key == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("San Francisco", "America/Los_Angeles"),
        ("Seattle", "America/Los_Angeles"),
        ("Mumbai", "Asia/Kolkata"),
        ("Bombay", "Asia/Kolkata"),
        ("Delhi", "Asia/Kolkata"),
        ("Bangalore", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("Washington", "America/New_York"),
        ("Washington DC", "America/New_York"),
        ("Washington, D.C.", "America/New_York"),
        ("Boston", "America/New_York"),
        ("Miami", "America/New_York"),
        ("Atlanta", "America/New_York"),
        ("Dallas", "America/Chicago"),
        ("Houston", "America/Chicago"),
        ("Busan", "Asia/Seoul"),
        ("Osaka", "Asia/Tokyo"),
        ("Kyoto", "Asia/Tokyo"),
        ("Barcelona", "Europe/Madrid"),
        ("Munich", "Europe/Berlin"),
        ("Frankfurt", "Europe/Berlin"),
        ("Milan", "Europe/Rome"),
        ("Rio de Janeiro", "America/Sao_Paulo"),
        ("Montréal", "America/Toronto"),
        ("Salt Lake City", "America/Denver"),
        ("UK", "Europe/London"),
    ],
)
def test_curated_cities(text: str, key: str) -> None:
    assert resolve_zone(text).key == key


def test_curated_city_note_names_the_zone() -> None:
    assert resolve_zone("Busan").note == "Busan → Asia/Seoul"


def test_city_note_explains_a_homonym() -> None:
    note = resolve_zone("Portland").note
    assert note is not None and "Oregon" in note and "Maine" in note


def test_city_with_a_trailing_time_word() -> None:
    assert resolve_zone("New York time").key == "America/New_York"


# --- abbreviations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("PT", "America/Los_Angeles"),
        ("PST", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("Pacific", "America/Los_Angeles"),
        ("Pacific Time", "America/Los_Angeles"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("MT", "America/Denver"),
        ("MST", "America/Denver"),
        ("MDT", "America/Denver"),
        ("CT", "America/Chicago"),
        ("CST", "America/Chicago"),
        ("CDT", "America/Chicago"),
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("Eastern", "America/New_York"),
        ("Eastern Time", "America/New_York"),
        ("KST", "Asia/Seoul"),
        ("JST", "Asia/Tokyo"),
        ("BST", "Europe/London"),
        ("CET", "Europe/Paris"),
        ("CEST", "Europe/Paris"),
        ("IST", "Asia/Kolkata"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
        ("HKT", "Asia/Hong_Kong"),
        ("SGT", "Asia/Singapore"),
        ("Korea Standard Time", "Asia/Seoul"),
    ],
)
def test_abbreviations_map_to_real_zones(text: str, key: str) -> None:
    assert resolve_zone(text).key == key


def test_abbreviation_note_shows_the_choice() -> None:
    assert resolve_zone("KST").note == "KST → Asia/Seoul (Korea Standard Time)"


def test_abbreviation_note_is_shown_in_capitals() -> None:
    note = resolve_zone("kst").note
    assert note is not None and note.startswith("KST → ")


def test_bst_note_mentions_daylight_saving() -> None:
    note = resolve_zone("BST").note
    assert note is not None
    assert note.startswith("BST → Europe/London (British Summer Time")
    assert "daylight saving" in note


def test_cet_note_says_it_picked_paris() -> None:
    note = resolve_zone("CET").note
    assert note is not None and "picked Paris" in note


def test_ist_note_mentions_the_ambiguity() -> None:
    note = resolve_zone("IST").note
    assert note is not None and "Irish" in note and "Israel" in note


def test_cst_note_points_china_to_shanghai() -> None:
    note = resolve_zone("CST").note
    assert note is not None and "Shanghai" in note


def test_est_is_not_the_fixed_tzdata_zone() -> None:
    # tzdata's "EST" is a fixed UTC-5; people mean New York time, daylight saving included.
    assert SUMMER.astimezone(resolve_zone("EST").tz).utcoffset() == timedelta(hours=-4)


def test_phrase_note_keeps_the_words_typed() -> None:
    note = resolve_zone("Pacific Time").note
    assert note is not None and note.startswith("Pacific Time → America/Los_Angeles")


# --- UTC and offsets -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["UTC", "utc", "GMT", "gmt", "Z", "Zulu", "Etc/UTC", "UTC+0"])
def test_utc_words_mean_utc(text: str) -> None:
    match = resolve_zone(text)
    assert match.key == "UTC"
    assert match.warning is None
    assert match.tz.utcoffset(None) == timedelta(0)


def test_gmt_note_points_uk_users_to_london() -> None:
    note = resolve_zone("GMT").note
    assert note is not None and "London" in note


@pytest.mark.parametrize(
    ("text", "key", "hours"),
    [
        ("UTC+9", "UTC+09:00", 9),
        ("utc+09:00", "UTC+09:00", 9),
        ("UTC +9", "UTC+09:00", 9),
        ("+0530", "UTC+05:30", 5.5),
        ("+05:30", "UTC+05:30", 5.5),
        ("GMT-5", "UTC-05:00", -5),
        ("UTC\u22123", "UTC-03:00", -3),
        ("UTC-03:30", "UTC-03:30", -3.5),
        ("UTC+5:45", "UTC+05:45", 5.75),
        ("UTC+14", "UTC+14:00", 14),
        ("UTC-14", "UTC-14:00", -14),
    ],
)
def test_offsets_become_fixed_zones_with_the_right_sign(text: str, key: str, hours: float) -> None:
    match = resolve_zone(text)
    assert match.key == key
    assert match.tz.utcoffset(None) == timedelta(hours=hours)


def test_gmt_plus_nine_means_utc_plus_nine() -> None:
    match = resolve_zone("GMT+9")
    assert match.key == "UTC+09:00"
    assert match.tz.utcoffset(None) == timedelta(hours=9)
    assert match.note == "GMT+9 means UTC+09:00 (9 hours ahead of GMT)."


def test_offset_warning_suggests_a_city() -> None:
    assert resolve_zone("UTC+9").warning == (
        "UTC+09:00 is a fixed offset: it won't follow daylight saving. "
        "A city like `Seoul` is usually better."
    )


def test_unusual_offset_warning_without_a_city() -> None:
    warning = resolve_zone("UTC+14").warning
    assert warning is not None and "fixed offset" in warning


@pytest.mark.parametrize(("text", "key"), [("Etc/GMT-9", "UTC+09:00"), ("etc/gmt+5", "UTC-05:00")])
def test_etc_gmt_names_have_inverted_signs(text: str, key: str) -> None:
    match = resolve_zone(text)
    assert match.key == key
    assert match.note is not None and "inverted" in match.note
    assert match.warning is not None


def test_etc_gmt_minus_nine_is_nine_hours_ahead() -> None:
    assert NOW.astimezone(resolve_zone("Etc/GMT-9").tz).hour == 21


@pytest.mark.parametrize("text", ["UTC+15", "UTC-14:30", "+1500", "GMT+20"])
def test_offsets_beyond_fourteen_hours_are_refused(text: str) -> None:
    with pytest.raises(UnknownZone, match="out of range"):
        resolve_zone(text)


# --- unknown text ----------------------------------------------------------------------------


def test_unknown_zone_message() -> None:
    with pytest.raises(UnknownZone) as error:
        resolve_zone("Mars/Olympus")
    assert str(error.value).startswith(
        "I don't know the zone 'Mars/Olympus'. Try a city, like `Seoul`, or an IANA name "
        "like `Asia/Seoul`."
    )


@pytest.mark.parametrize(
    ("text", "suggestion"), [("Londn", "`London`"), ("Nwe York", "`New York`"),
                             ("asia/seol", "`Asia/Seoul`"), ("Seol", "`Seoul`")]
)  # fmt: skip
def test_unknown_zone_suggests_close_names(text: str, suggestion: str) -> None:
    with pytest.raises(UnknownZone, match="Did you mean") as error:
        resolve_zone(text)
    assert suggestion in str(error.value)


def test_unknown_zone_suggests_at_most_three() -> None:
    with pytest.raises(UnknownZone) as error:
        resolve_zone("Lon")
    suggestions = str(error.value).split("Did you mean")[-1]
    assert 1 <= suggestions.count("`") // 2 <= 3


def test_empty_zone_asks_for_one() -> None:
    with pytest.raises(UnknownZone, match="Tell me a time zone"):
        resolve_zone("   ")


def test_country_with_several_zones_asks_for_a_city() -> None:
    with pytest.raises(UnknownZone, match="several time zones"):
        resolve_zone("USA")


def test_find_zone_returns_none_for_non_zones() -> None:
    assert find_zone("8pm") is None
    assert find_zone("tomorrow") is None


@pytest.mark.parametrize("text", ["localtime", "Factory", "posixrules"])
def test_host_dependent_database_entries_are_not_zones(text: str) -> None:
    with pytest.raises(UnknownZone):
        resolve_zone(text)


# --- keys ------------------------------------------------------------------------------------


def test_zone_from_key_iana() -> None:
    assert zone_from_key("Asia/Seoul") == ZoneInfo("Asia/Seoul")


def test_zone_from_key_offset() -> None:
    assert zone_from_key("UTC-05:30").utcoffset(None) == timedelta(hours=-5, minutes=-30)


def test_zone_from_key_utc() -> None:
    assert zone_from_key("UTC") is UTC


def test_zone_from_key_is_cached() -> None:
    assert zone_from_key("UTC+09:00") is zone_from_key("UTC+09:00")


@pytest.mark.parametrize("key", ["Mars/Olympus", "localtime", "UTC+15:00", "../etc/passwd"])
def test_zone_from_key_rejects_bad_keys(key: str) -> None:
    with pytest.raises(UnknownZone):
        zone_from_key(key)


@pytest.mark.parametrize("text", ["Seoul", "KST", "UTC+9", "UTC", "Asia/Calcutta", "Etc/GMT-9"])
def test_every_resolved_key_round_trips(text: str) -> None:
    match = resolve_zone(text)
    assert zone_from_key(match.key).utcoffset(NOW.replace(tzinfo=None)) == match.tz.utcoffset(
        NOW.replace(tzinfo=None)
    )
    assert zone_key(match.tz) == match.key


def test_default_zones_all_resolve() -> None:
    assert len(DEFAULT_ZONES) == 8
    assert [resolve_zone(key).key for key in DEFAULT_ZONES] == list(DEFAULT_ZONES)


# --- suggestions -----------------------------------------------------------------------------


def test_suggestions_for_empty_text_start_with_the_default_zones() -> None:
    values = [value for _, value in suggest_zones("", now=NOW)]
    assert values[: len(DEFAULT_ZONES)] == list(DEFAULT_ZONES)


def test_suggestion_label_shows_city_zone_and_offset() -> None:
    assert suggest_zones("Seoul", now=NOW)[0] == ("Seoul — Asia/Seoul (UTC+09:00)", "Asia/Seoul")


def test_suggestions_rank_prefix_matches_first() -> None:
    assert suggest_zones("seo", now=NOW)[0][1] == "Asia/Seoul"
    assert suggest_zones("new y", now=NOW)[0][1] == "America/New_York"


def test_suggestions_include_abbreviations() -> None:
    assert suggest_zones("kst", now=NOW)[0] == ("KST — Asia/Seoul (UTC+09:00)", "Asia/Seoul")


def test_suggestions_include_curated_cities() -> None:
    assert suggest_zones("busan", now=NOW)[0][1] == "Asia/Seoul"


def test_suggestions_for_iana_prefix() -> None:
    label, value = suggest_zones("asia/se", now=NOW)[0]
    assert (label, value) == ("Asia/Seoul (UTC+09:00)", "Asia/Seoul")


def test_suggestions_offer_typed_offsets() -> None:
    assert suggest_zones("utc+9", now=NOW)[0][1] == "UTC+09:00"


def test_suggestion_offsets_follow_daylight_saving() -> None:
    assert "(UTC-04:00)" in suggest_zones("New York", now=SUMMER)[0][0]
    assert "(UTC-05:00)" in suggest_zones("New York", now=NOW)[0][0]


def test_suggestions_do_not_repeat_a_zone() -> None:
    values = [value for _, value in suggest_zones("a", now=NOW)]
    assert len(values) == len(set(values))


@pytest.mark.parametrize("text", ["", "a", "an", "america/", "pac", "x" * 300])
def test_suggestions_respect_discord_limits(text: str) -> None:
    choices = suggest_zones(text, now=NOW)
    assert len(choices) <= 25
    assert all(0 < len(label) <= 100 and 0 < len(value) <= 100 for label, value in choices)


def test_suggestion_values_resolve() -> None:
    for _, value in suggest_zones("a", now=NOW):
        assert resolve_zone(value).key == value


def test_suggestions_respect_limit() -> None:
    assert len(suggest_zones("a", limit=5, now=NOW)) == 5


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label"),
    [("Asia/Seoul", "Asia/Seoul"), ("UTC+09:00", "UTC+09:00"), ("UTC", "UTC"),
     ("Etc/GMT-9", "UTC+09:00 (Etc/GMT-9)"), ("Etc/GMT+5", "UTC-05:00 (Etc/GMT+5)")],
)  # fmt: skip
def test_zone_label(key: str, label: str) -> None:
    assert zone_label(key) == label


@pytest.mark.parametrize(
    ("key", "label"),
    [("Asia/Seoul", "UTC+09:00"), ("America/St_Johns", "UTC-03:30"), ("UTC", "UTC+00:00"),
     ("Asia/Kathmandu", "UTC+05:45")],
)  # fmt: skip
def test_utc_offset_label(key: str, label: str) -> None:
    assert utc_offset_label(NOW, zone_from_key(key)) == label


def test_utc_offset_label_follows_daylight_saving() -> None:
    assert utc_offset_label(SUMMER, ZoneInfo("Europe/London")) == "UTC+01:00"


@pytest.mark.parametrize(
    ("key", "when", "abbr"),
    [("Asia/Seoul", NOW, "KST"), ("America/New_York", SUMMER, "EDT"),
     ("America/New_York", NOW, "EST"), ("America/Sao_Paulo", NOW, None),
     ("UTC+09:00", NOW, None), ("UTC", NOW, "UTC")],
)  # fmt: skip
def test_abbreviation(key: str, when: datetime, abbr: str | None) -> None:
    assert abbreviation(when, zone_from_key(key)) == abbr


# --- localize --------------------------------------------------------------------------------


def test_localize_ordinary_time() -> None:
    result = localize(datetime(2026, 5, 30, 21, 0), ZoneInfo("Asia/Seoul"))
    assert result.instant_utc == datetime(2026, 5, 30, 12, 0, tzinfo=UTC)
    assert result.local.hour == 21
    assert result.note is None


def test_localize_fixed_offset() -> None:
    result = localize(datetime(2026, 5, 30, 21, 0), timezone(timedelta(hours=9)))
    assert result.instant_utc == datetime(2026, 5, 30, 12, 0, tzinfo=UTC)


def test_localize_refuses_aware_input() -> None:
    with pytest.raises(ValueError):
        localize(NOW, ZoneInfo("Asia/Seoul"))


def test_localize_gap_new_york() -> None:
    with pytest.raises(BadTime) as error:
        localize(datetime(2026, 3, 8, 2, 30), ZoneInfo("America/New_York"))
    assert str(error.value) == (
        "2:30 AM on 8 March 2026 doesn't exist in America/New_York "
        "(clocks jump from 2:00 to 3:00 AM). Try 3:00 AM."
    )


def test_localize_gap_london() -> None:
    with pytest.raises(BadTime, match=r"clocks jump from 1:00 to 2:00 AM\). Try 2:00 AM\."):
        localize(datetime(2026, 3, 29, 1, 30), ZoneInfo("Europe/London"))


def test_localize_gap_lord_howe_half_hour() -> None:
    with pytest.raises(BadTime, match=r"from 2:00 to 2:30 AM\). Try 2:30 AM\."):
        localize(datetime(2026, 10, 4, 2, 15), ZoneInfo("Australia/Lord_Howe"))


def test_localize_gap_can_shift_forward() -> None:
    result = localize(datetime(2026, 3, 8, 2, 30), ZoneInfo("America/New_York"), shift_gap=True)
    assert result.instant_utc == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert result.note is not None and "3:00 AM" in result.note


def test_localize_edges_of_a_gap_exist() -> None:
    tz = ZoneInfo("America/New_York")
    assert localize(datetime(2026, 3, 8, 1, 59), tz).instant_utc.hour == 6
    assert localize(datetime(2026, 3, 8, 3, 0), tz).instant_utc.hour == 7


def test_localize_overlap_new_york_takes_first() -> None:
    result = localize(datetime(2026, 11, 1, 1, 30), ZoneInfo("America/New_York"))
    assert result.instant_utc == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert result.note == (
        "1:30 AM on 1 November 2026 happens twice in America/New_York (clocks go back "
        "from 2:00 to 1:00 AM); I used the first one (EDT, UTC-04:00)."
    )


def test_localize_overlap_london_takes_first() -> None:
    result = localize(datetime(2026, 10, 25, 1, 30), ZoneInfo("Europe/London"))
    assert result.instant_utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert result.note is not None and "happens twice" in result.note and "BST" in result.note


def test_localize_overlap_lord_howe_half_hour() -> None:
    result = localize(datetime(2026, 4, 5, 1, 45), ZoneInfo("Australia/Lord_Howe"))
    assert result.note is not None and "from 2:00 to 1:30 AM" in result.note
    assert result.instant_utc == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)


def test_localize_can_refuse_an_overlap() -> None:
    with pytest.raises(BadTime) as error:
        localize(datetime(2026, 11, 1, 1, 30), ZoneInfo("America/New_York"), refuse_fold=True)
    assert str(error.value) == (
        "1:30 AM on 1 November 2026 happens twice in America/New_York (clocks go back "
        "from 2:00 to 1:00 AM). Try 2:00 AM, or give the time in UTC."
    )


def test_localize_refusing_overlaps_keeps_ordinary_times() -> None:
    result = localize(datetime(2026, 11, 1, 2, 0), ZoneInfo("America/New_York"), refuse_fold=True)
    assert result.instant_utc == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def test_module_exports_are_importable() -> None:
    for name in zones.__all__:
        assert hasattr(zones, name)


# --- countries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "country"),
    [
        ("Asia/Seoul", "KR"),
        ("Europe/London", "GB"),
        ("America/New_York", "US"),
        ("Europe/Oslo", "NO"),  # its own country, though tzdata links it to Berlin's rules
        ("Asia/Calcutta", "IN"),  # an old name reads as the zone it links to
        ("UTC", None),
        ("UTC+09:00", None),
    ],
)
def test_country_of_a_zone(key: str, country: str | None) -> None:
    assert zones.country_of(key) == country


def test_every_zone_in_zone1970_tab_has_its_first_country() -> None:
    rows = [
        line.split("\t")
        for line in zones.read_tzdata_file("zone1970.tab").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(rows) > 300
    for codes, _, zone, *_ in rows:
        assert zones.country_of(zone) in codes.split(","), zone
