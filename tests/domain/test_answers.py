"""Plain questions answered from the seed film's stored facts, always with sources."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.domain.answers import answer
from bot.domain.films import Film, parse_film
from bot.storage.films import read_toml

SEED = Path(__file__).resolve().parents[2] / "data" / "films" / "lost-in-starlight.toml"
RELEASE_UNIX = 1748588400  # 2025-05-30 00:00 America/Los_Angeles
ARTICLE_1 = "release date and time, story, voice cast"
ARTICLE_2 = "plot, cast and characters, direction"


@pytest.fixture(scope="module")
def film() -> Film:
    return parse_film(read_toml(SEED.read_text(encoding="utf-8")), str(SEED))


def ask(film: Film, question: str, zone: str | None = None, country: str | None = None):
    return answer(question, film, caller_zone_key=zone, country=country)


def test_when_is_it_out_in_seoul(film):
    a = ask(film, "When is Lost in Starlight out in Seoul?")
    assert a.known
    assert "4:00 PM Friday, 30 May 2025 in Asia/Seoul" in a.text
    assert f"<t:{RELEASE_UNIX}:F>" in a.text
    assert "Netflix" in a.text and "worldwide" in a.text
    assert "12:00 AM Friday, 30 May 2025 in America/Los_Angeles" in a.text
    assert {s.key for s in a.sources} == {"release-guide", "plot-explainer"}
    assert ARTICLE_1 in a.text  # the answer names its sources


def test_when_is_it_out_in_new_york_time(film):
    a = ask(film, "when is it out in New York time?")
    assert "3:00 AM Friday, 30 May 2025 in America/New_York" in a.text


def test_when_is_it_out_uses_the_callers_zone(film):
    a = ask(film, "when does it come out?", zone="Europe/London")
    assert "8:00 AM Friday, 30 May 2025 in your zone (Europe/London)" in a.text
    assert f"<t:{RELEASE_UNIX}:F>" in a.text


def test_when_is_it_out_without_any_zone_gives_the_release_zone_and_a_timestamp(film):
    a = ask(film, "when is it out?")
    assert "12:00 AM Friday, 30 May 2025 in America/Los_Angeles" in a.text
    assert f"<t:{RELEASE_UNIX}:F> in your own time" in a.text


def test_every_place_named_gets_its_line(film):
    a = ask(film, "when is it out in Mumbai and New York?")
    assert "12:30 PM Friday, 30 May 2025 in Asia/Kolkata" in a.text
    assert "3:00 AM Friday, 30 May 2025 in America/New_York" in a.text
    assert "(Mumbai → Asia/Kolkata)" in a.text
    assert a.text.count("It's one global release") == 1


def test_the_callers_country_picks_the_worldwide_release(film):
    a = ask(film, "when is it out here?", zone="Asia/Seoul", country="KR")
    assert "4:00 PM Friday, 30 May 2025 in your zone (Asia/Seoul)" in a.text


def test_a_zone_it_cannot_read_is_said_and_the_callers_zone_used(film):
    a = ask(film, "when is it out in Mars/Olympus?", zone="Asia/Seoul")
    assert "couldn't read 'Mars/Olympus'" in a.text
    assert "in your zone (Asia/Seoul)" in a.text


def test_the_misspelled_title_is_not_taken_for_a_zone(film):
    a = ask(film, "when is lost is starlight out in seoul?")
    assert "in Asia/Seoul" in a.text and "couldn't read" not in a.text


def test_local_midnight_release_without_a_zone(film):
    release = dataclasses.replace(film.releases[0], model="local_midnight", time=None, zone=None)
    local = dataclasses.replace(film, releases=(release,))
    a = ask(local, "when is it out?")
    assert "midnight local time on Friday, 30 May 2025, wherever you are" in a.text
    assert "<t:" not in a.text
    seoul = ask(local, "when is it out in Seoul?")
    assert "12:00 AM Friday, 30 May 2025 in Asia/Seoul" in seoul.text


def test_how_long_is_it(film):
    a = ask(film, "How long is it?")
    assert "1h 36m (96 minutes)" in a.text
    assert [s.key for s in a.sources] == ["plot-explainer"]


def test_who_directed_it(film):
    a = ask(film, "who directed it?")
    assert "directed by Han Ji-won" in a.text
    assert len(a.sources) == 4


def test_who_wrote_it_shows_the_disagreement_with_each_source(film):
    a = ask(film, "Who wrote it?")
    assert "disagree" in a.text
    line_1, line_2 = [line for line in a.text.splitlines() if line.startswith("•")]
    assert "Han Ji-won and Kang Hyun-joo" in line_1 and ARTICLE_1 in line_1
    assert "Han Ji-won alone" in line_2 and ARTICLE_2 in line_2
    assert {s.key for s in a.sources} == {"release-guide", "plot-explainer"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who voices Jay?", "Jay is voiced by Hong Kyung"),
        ("Who plays Nan-young?", "Nan-young is voiced by Kim Tae-ri"),
        ("who voices Na Young", "Nan-young (also spelled Na Young) is voiced by Kim Tae-ri"),
        ("who voices nanyoung?", "Nan-young is voiced by Kim Tae-ri"),
    ],
)
def test_who_voices_a_character(film, question, expected):
    a = ask(film, question)
    assert expected in a.text
    assert "busan-ilbo" in {s.key for s in a.sources}


@pytest.mark.parametrize(
    "question",
    ["Who does Kim Tae-ri voice?", "who does kim tae ri play", "what role does Kim Tae-Ri have?"],
)
def test_who_does_a_person_voice(film, question):
    assert "Kim Tae-ri voices Nan-young" in ask(film, question).text


@pytest.mark.parametrize("question", ["who is Han Ji-won?", "what did Han Ji-won direct?"])
def test_a_name_with_a_keyword_in_it_is_a_question_about_that_person(film, question):
    """The "won" of Han Ji-won is not about awards: the answer is his credits, with sources."""
    a = ask(film, question)
    assert a.known and "awards" not in a.text
    assert a.text.splitlines()[:2] == [
        "Han Ji-won in **Lost in Starlight**:",
        "• directed it — per " + "; ".join(s.cite() for s in film.sources),
    ]


def test_who_is_a_person_in_another_spelling_names_their_credits(film):
    a = ask(film, "who is 한지원?")
    assert a.known and not a.text.startswith("I don't know")
    lines = a.text.splitlines()
    assert lines[0] == "Han Ji-won (also spelled 한지원) in **Lost in Starlight**:"
    assert lines[1].startswith("• directed it — per ")
    # The writers' sources disagree: each version, with its source.
    assert (
        lines[2].startswith("• wrote it with Kang Hyun-joo — per News article")
        and ARTICLE_1 in lines[2]
    )
    assert lines[3].startswith("• wrote it alone — per News article") and ARTICLE_2 in lines[3]
    assert len(a.sources) == 4


def test_who_is_a_cowriter_one_source_leaves_out(film):
    a = ask(film, "who is Kang Hyun-joo?")
    assert "• wrote it with Han Ji-won — per" in a.text
    line = next(line for line in a.text.splitlines() if "not credited" in line)
    assert line.startswith("• not credited as a writer — per ") and ARTICLE_2 in line


def test_who_is_an_actor_names_their_role(film):
    a = ask(film, "who is Kim Tae-ri?")
    assert "• voices Nan-young — per " in a.text and "busan-ilbo" in {s.key for s in a.sources}


def test_a_job_a_person_does_not_hold_is_said_first(film):
    a = ask(film, "did Kim Tae-ri direct it?")
    first, second, third = a.text.splitlines()
    assert first == "The store has no facts about Kim Tae-ri directing **Lost in Starlight**."
    assert second == "Kim Tae-ri in **Lost in Starlight**:" and third.startswith(
        "• voices Nan-young"
    )


def test_the_role_of_someone_behind_the_camera_is_their_credits(film):
    a = ask(film, "what role does Han Ji-won have?")
    assert a.known and "• directed it" in a.text


def test_a_person_the_store_has_no_credits_for(film):
    bare = dataclasses.replace(film, directors=(), writers=(), cast=())
    a = ask(bare, "who is Hong Kyung?")
    assert not a.known and a.sources == ()
    assert a.text == (
        "I don't know that — the store has no facts about what Hong Kyung did in Lost in Starlight."
    )


def test_whole_cast(film):
    a = ask(film, "who is in it?")
    assert "Kim Tae-ri as Nan-young; Hong Kyung as Jay" in a.text


def test_who_is_a_character_describes_them(film):
    a = ask(film, "Who is Jay?")
    assert "vintage audio equipment shop" in a.text and "voiced by Hong Kyung" in a.text


def test_what_is_it_about(film):
    a = ask(film, "What is it about?")
    assert "fourth Mars Expedition Project" in a.text
    assert {s.key for s in a.sources} == {"release-guide", "plot-explainer"}


@pytest.mark.parametrize(
    "question", ["where is it set?", "when is it set?", "Where does it take place?"]
)
def test_setting(film, question):
    a = ask(film, question)
    assert "set in a near-future Seoul, in 2050" in a.text


def test_set_to_premiere_is_about_the_release(film):
    assert "<t:" in ask(film, "when is it set to premiere?").text


def test_genres(film):
    assert "animation, romance, science fiction" in ask(film, "what genre is it?").text


@pytest.mark.parametrize(
    "question",
    [
        "Is it on Netflix?",
        "what platform is it on?",
        "where can I watch it?",
        "where can I watch lost in starlight?",
        "where is lost in starlight streaming?",
    ],
)
def test_platform(film, question):
    a = ask(film, question)
    assert a.known and "Netflix (worldwide, from Friday, 30 May 2025)" in a.text


def test_another_platform_is_a_no_naming_where_it_streams(film):
    a = ask(film, "is it on Disney+?")
    assert a.known
    assert a.text.startswith(
        "No — **Lost in Starlight** streams on Netflix (worldwide, from Friday, 30 May 2025). "
        "The store has no facts about Lost in Starlight on Disney+."
    )
    assert {s.key for s in a.sources} == {"release-guide", "plot-explainer"}


def test_titles_and_quotes(film):
    assert "이 별에 필요한" in ask(film, "what's the Korean title?").text
    quote = ask(film, "what did Bong Joon-ho say about it?")
    assert "Bong Joon-ho: “visual masterpiece" in quote.text


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("who composed the music?", "Lost in Starlight's music"),
        ("what was its budget?", "budget"),
        ("who voices Mars?", "called 'Mars'"),
    ],
)
def test_unknown_facts_are_admitted_not_invented(film, question, topic):
    a = ask(film, question)
    assert not a.known and a.sources == ()
    assert a.text.startswith("I don't know that — the store has no facts about")
    assert topic in a.text


def test_missing_topics_say_so(film):
    bare = dataclasses.replace(film, runtime=(), writers=(), releases=())
    for question in ("how long is it?", "who wrote it?", "when is it out?"):
        a = ask(bare, question)
        assert not a.known and "I don't know that" in a.text


def test_a_question_it_cannot_place(film):
    a = ask(film, "does the cat survive?")
    assert not a.known and "I can tell you" in a.text


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("# does [it](https://evil.example) end well?", r"“\# does \[it](https://evil.example)"),
        ("does @everyone <@123> survive?", "“does @\u200beveryone <@\u200b123> survive?”"),
        ("who voices [Zed](https://evil.example)?", r"called '\[Zed](https://evil.example)'"),
        ("is it on __Disney__?", r"on \_\_Disney\_\_."),
        ("when is it out in __Mars__?", r"couldn't read '\_\_Mars\_\_'"),
    ],
)
def test_the_question_is_quoted_back_as_typed_never_as_markup(film, question, quoted):
    """Words of the question an answer repeats can't post a masked link, a heading or a ping."""
    assert quoted in ask(film, question).text


def test_a_catalogue_title_is_shown_as_text_in_every_answer(film):
    """A vandalised TMDB title can't break the bold or post a masked link in a shared answer."""
    forged = dataclasses.replace(
        film,
        titles=(
            dataclasses.replace(film.titles[0], text="M*A*S*H", kind="english"),
            dataclasses.replace(film.titles[0], text="[x](http://evil.example)", kind="alias"),
        ),
    )
    assert ask(forged, "who directed it?").text.startswith("**M\\*A\\*S\\*H** was directed by")
    assert "also known as: \\[x](http://evil.example)" in ask(forged, "other titles?").text
    assert "M\\*A\\*S\\*H's music" in ask(forged, "who composed the music?").text


def test_catalogue_names_and_texts_in_answers_show_as_text():
    from bot.domain.films import (
        CastCredit,
        Character,
        CreditClaim,
        Film,
        Name,
        Person,
        Source,
        TextClaim,
    )

    cites = ("tmdb",)
    film = Film(
        "tmdb-9",
        "tmdb:9",
        (Source("tmdb", "TMDB"),),
        (Name("Forged", "english", cites),),
        synopsis=(TextClaim("See [this](http://evil.example)", cites),),
        people=(Person("p1", "[Boss](http://evil.example)", cites),),
        characters=(Character("c1", "[Hero](http://evil.example)", cites),),
        directors=(CreditClaim(("p1",), cites),),
        cast=(CastCredit("p1", "c1", "actor", cites),),
    )
    asked = {
        "who directed forged?": "\\[Boss](http",
        "what is forged about?": "\\[this](http",
        "who plays [Hero](http://evil.example) in forged?": "\\[Hero](http",
    }
    for question, escaped in asked.items():
        text = answer(question, film, caller_zone_key=None).text
        assert escaped in text, (question, text)
        assert not re.search(r"(?<!\\)\[[^\]]*\]\(http", text)  # no masked link left
