"""Premiere ping text: labels per clock, headers, DMs, the failure notice."""

from datetime import UTC, date, datetime, time

from bot.domain.films import Film, Name, Release
from bot.domain.pings import ZoneGroup
from bot.domain.premieres import HEADS_UP, PREMIERE
from bot.render import LATE_NOTE, grouped_pings
from bot.render import premieres as view

OUT = datetime(2025, 5, 30, 7, 0, tzinfo=UTC)
FILM = Film(
    id="lost-in-starlight",
    path="x.toml",
    sources=(),
    titles=(Name("Lost in Starlight", "english", ()),),
    releases=(
        Release(
            "Netflix",
            ("worldwide",),
            "global",
            date(2025, 5, 30),
            time(0),
            "America/Los_Angeles",
            (),
        ),
    ),
)


def test_a_held_ping_says_its_quiet_hours_are_over():
    line = ZoneGroup("America/New_York", OUT, (1,), delayed=True)
    assert "quiet hours are over" in view.header(FILM, PREMIERE, [line], late=False)
    assert view.dm(FILM, PREMIERE, [line], late=False) == (
        "🍿 **Lost in Starlight** is out on Netflix since 3:00 AM Friday your time "
        "(America/New_York); your quiet hours are over."
    )


def test_one_message_for_a_small_server_naming_exactly_its_members():
    lines = [ZoneGroup("America/New_York", OUT, (1, 2)), ZoneGroup("Asia/Seoul", OUT, (3,))]
    [(content, ids)] = grouped_pings(view.header(FILM, PREMIERE, lines, late=False), lines)
    assert ids == (1, 2, 3)
    assert content.splitlines()[1:] == [
        "3:00 AM Friday your time (America/New_York): <@1> <@2>",
        "4:00 PM Friday your time (Asia/Seoul): <@3>",
    ]
    assert content.startswith("🍿 **Lost in Starlight** is out now on Netflix!")


def test_heads_up_and_late_headers():
    line = [ZoneGroup("Asia/Seoul", OUT, (1,))]
    assert "comes out <t:1748588400:R>" in view.header(FILM, HEADS_UP, line, late=False)
    assert "Sent late" in view.header(FILM, PREMIERE, line, late=True)


def test_late_pings_and_dms_end_with_the_one_late_note() -> None:
    line = [ZoneGroup("Asia/Seoul", OUT, (1,))]
    for text in (
        view.header(FILM, PREMIERE, line, late=True),
        view.header(FILM, HEADS_UP, line, late=True),
        view.dm(FILM, PREMIERE, line, late=True),
    ):
        assert text.endswith(LATE_NOTE)
    assert LATE_NOTE not in view.dm(FILM, PREMIERE, line, late=False)


def test_a_failure_notice_names_the_film_the_channel_the_reason_and_the_fix() -> None:
    text = view.failure("Lost in Starlight", 42, "Forbidden: 403 Missing Permissions")
    assert "**Lost in Starlight**" in text and "<#42>" in text
    assert "403 Missing Permissions" in text
    assert "`/premiere channel`" in text and "**Manage Server**" in text
    assert len(text) <= 2000


def test_a_platform_that_only_names_the_kind_is_not_said():
    cinemas = Release(
        "Cinemas", ("KR",), "local_midnight", date(2025, 6, 5), None, None, (), kind="theatrical"
    )
    film = Film("f", "f.toml", (), (Name("Parasite", "english", ()),), releases=(cinemas,))
    line = ZoneGroup("Asia/Seoul", OUT, (1,))
    assert view.header(film, PREMIERE, [line], late=False) == "🍿 **Parasite** is out now!"
    assert view.header(FILM, PREMIERE, [line], late=False).endswith("is out now on Netflix!")


#: A TMDB title someone vandalised, on a platform from a TMDB release note.
FORGED = Film(
    "tmdb-1",
    "tmdb:1",
    (),
    (Name("M*A*S*H [x](http://evil.example)", "english", ()),),
    releases=(
        Release(
            "@everyone [y](http://evil.example)",
            ("KR",),
            "local_midnight",
            date(2025, 6, 5),
            None,
            None,
            (),
        ),
    ),
)
SHOWN = "**M\\*A\\*S\\*H \\[x](http://evil.example)**"


def test_a_catalogue_title_and_platform_read_as_text_in_a_channel_ping():
    line = [ZoneGroup("Asia/Seoul", OUT, (1,))]
    for kind in (PREMIERE, HEADS_UP):
        text = view.header(FORGED, kind, line, late=False)
        assert SHOWN in text
        assert "on @\u200beveryone \\[y](http://evil.example)" in text


def test_a_catalogue_title_reads_as_text_in_a_dm():
    text = view.dm(FORGED, PREMIERE, [ZoneGroup("Asia/Seoul", OUT, (1,))], late=False)
    assert text.startswith(f"🍿 {SHOWN} is out now on @\u200beveryone \\[y]")


def test_a_listed_premiere_and_a_failure_notice_show_the_title_as_text():
    listed = view.Listed(FORGED.title, 2, 42, None, None)
    assert SHOWN in view.server_list([listed])
    assert SHOWN in view.failure(FORGED.title, 42, "Forbidden")
