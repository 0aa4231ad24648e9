"""Countries by code and name, from tzdata's iso3166.tab. Pure."""

import pytest

from bot.domain.countries import (
    country_label,
    country_name,
    find_country,
    in_country,
    is_code,
    suggest_countries,
)
from bot.errors import BadOption


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("KR", "KR"),
        ("kr", "KR"),
        ("South Korea", "KR"),
        ("korea (south)", "KR"),  # tzdata's own name
        ("  united   kingdom ", "GB"),
        ("UK", "GB"),
        ("Cote d'Ivoire", "CI"),  # accents and apostrophes don't matter
        ("Bosnia and Herzegovina", "BA"),  # tzdata writes "&"
        ("no", "NO"),  # a code: Norway
    ],
)
def test_find_country_by_code_name_or_alias(typed: str, code: str) -> None:
    assert find_country(typed) == code


def test_an_unknown_country_is_refused_with_the_nearest_name() -> None:
    with pytest.raises(BadOption, match="I don't know the country 'Germny'. Did you mean Germany?"):
        find_country("Germny")


def test_an_unknown_country_without_a_near_name_gets_an_example() -> None:
    with pytest.raises(BadOption, match="like `South Korea` or a two-letter code like `KR`"):
        find_country("Narnia")


def test_names_read_as_people_say_them() -> None:
    assert country_name("KR") == "South Korea"
    assert country_name("de") == "Germany"
    assert country_label("GB") == "United Kingdom (GB)"
    assert country_name("XX") == "XX"  # not a country tzdata knows: shown as it is


def test_is_code_knows_only_real_codes() -> None:
    assert is_code("se") and not is_code("XX") and not is_code("Sweden")


def test_suggestions_put_the_code_typed_first_then_names_starting_with_it() -> None:
    assert suggest_countries("de")[0] == "DE"
    assert suggest_countries("kor") == ["KP", "KR"]
    assert suggest_countries("united") == ["AE", "GB", "US"]


def test_an_empty_box_suggests_25_countries_alphabetically() -> None:
    shown = suggest_countries("")
    assert len(shown) == 25
    names = [country_name(code) for code in shown]
    assert names == sorted(names)


def test_in_a_country_reads_as_a_sentence() -> None:
    assert in_country("KR") == "in South Korea"
    assert in_country("us") == "in the United States"
