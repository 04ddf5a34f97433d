"""Rough country shapes: good enough to catch a lost minus sign, not for borders."""

import pytest

from geography import in_country, outside_us, subdivision_country
from geography.countries import world_city

UK_TOWNS = {
    "London": (51.507, -0.128), "Oxford": (51.752, -1.258), "Norwich": (52.63, 1.30),
    "Clacton-on-Sea": (51.79, 1.155), "Great Yarmouth": (52.61, 1.73), "Margate": (51.39, 1.39),
    "Penzance": (50.12, -5.54), "Cardiff": (51.48, -3.18), "Holyhead": (53.31, -4.63),
    "Aberdeen": (57.15, -2.09), "Thurso": (58.59, -3.52), "Belfast": (54.60, -5.93),
    "Stornoway": (58.21, -6.39), "Lerwick": (60.15, -1.15),
}


@pytest.mark.parametrize(("town", "point"), UK_TOWNS.items())
def test_uk_towns_are_in_the_uk(town: str, point: tuple[float, float]) -> None:
    assert in_country("GB", *point), town


def test_oxford_with_its_sign_lost_is_in_the_north_sea() -> None:
    assert in_country("GB", 51.7519, 1.2578) is False
    assert in_country("GB", 53.35, -6.26) is False  # Dublin


def test_unknown_country_shape() -> None:
    assert in_country("FR", 48.86, 2.35) is None


def test_subdivision_country_and_outside_us() -> None:
    assert subdivision_country("ON", 43.65, -79.38) == "CA"
    assert subdivision_country("PR", -25.4952, -49.2874) == "BR"  # Curitiba, PR
    assert subdivision_country("SE", None, None) is None
    assert outside_us(-25.4952, -49.2874) and not outside_us(13.47, 144.75)


def test_world_cities_from_the_time_zone_table() -> None:
    assert world_city("Helsinki", "FI") == pytest.approx((60.1667, 24.9667))
    assert world_city("Mexico City", "MX") is not None
    assert world_city("Oxford", "GB") is None
