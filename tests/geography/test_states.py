"""States and countries by exact name or code: never by sound."""

import pytest

from geography import country_code, state_fips, state_name, usps_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("georgia", "GA"),
        ("Georgia", "GA"),
        (" new   york ", "NY"),
        ("oh", "OH"),
        ("72", "PR"),
        ("GU", "GU"),
        ("Virgin Islands", "VI"),
        ("American Samoa", "AS"),
        ("Northern Mariana Islands", "MP"),
        ("Washington DC", "DC"),
        ("District of Columbia", "DC"),
        ("D.C.", "DC"),
        ("Calif.", "CA"),
    ],
)
def test_exact_state_names_codes_and_fips(text: str, expected: str) -> None:
    assert usps_code(text) == expected


@pytest.mark.parametrize("text", ["Taxes", "Tbilisi", "Tbilisi, Georgia", "Ohio State", "",
                                  "   ", None, "99", "Europe"])
def test_anything_else_is_not_a_state(text: str | None) -> None:
    assert usps_code(text) is None


def test_state_fips_and_name() -> None:
    assert state_fips("OH") == "39"
    assert state_fips("pr") == "72"
    assert state_name("GU") == "Guam"
    assert state_fips("XX") is None and state_name(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("USA", "US"), ("United States", "US"), ("UK", "GB"), ("England", "GB"),
     ("Finland", "FI"), ("BR", "BR"), ("South Korea", "KR"), ("The Netherlands", "NL"),
     ("Atlantis", None), ("", None)],
)
def test_country_codes(text: str, expected: str | None) -> None:
    assert country_code(text) == expected
