"""Place lookup: what a user may type for "near me", and the errors they get."""

import pytest

from geography import (
    AmbiguousPlace,
    PlaceError,
    PlaceNotFound,
    city_centroid,
    lookup_place,
)
from geography.index import GeoIndex


@pytest.fixture(autouse=True)
def _built(index: GeoIndex) -> None:
    """Build the index once before the first lookup."""


def test_zip_code() -> None:
    place = lookup_place("45402")
    assert place.precision == "zip"
    assert place.label == "45402 (Dayton, OH)"
    assert (place.city, place.state, place.state_fips) == ("Dayton", "OH", "39")
    assert (place.county_fips, place.county_name) == ("39113", "Montgomery County")
    assert place.latitude == pytest.approx(39.756, abs=0.01)
    assert place.longitude == pytest.approx(-84.19, abs=0.01)


def test_zip_plus_four_is_the_zip() -> None:
    assert lookup_place("45402-1234") == lookup_place("45402")


@pytest.mark.parametrize("text", ["Dayton, OH", "Dayton, Ohio", "dayton,oh", "Dayton OH"])
def test_city_and_state(text: str) -> None:
    place = lookup_place(text)
    assert place.label == "Dayton, OH"
    assert place.precision == "city"
    assert place.county_fips == "39113"
    assert "45402" in place.zips
    assert place.latitude == pytest.approx(39.75, abs=0.05)


def test_address_tails() -> None:
    assert lookup_place("Dayton, OH 45402").precision == "zip"
    assert lookup_place("Dayton, OH, USA") == lookup_place("Dayton, OH")


def test_saint_and_fort_are_spelled_either_way() -> None:
    assert lookup_place("St. Louis, MO") == lookup_place("Saint Louis, Missouri")
    assert lookup_place("Ft. Lauderdale, FL").label == "Fort Lauderdale, FL"


@pytest.mark.parametrize("text", ["Montgomery County, OH", "Montgomery County, Ohio"])
def test_county(text: str) -> None:
    place = lookup_place(text)
    assert place.precision == "county"
    assert place.label == "Montgomery County, OH"
    assert place.county_fips == "39113"


@pytest.mark.parametrize(
    ("text", "fips"),
    [("Orleans Parish, LA", "22071"), ("Kodiak Island Borough, AK", "02150"),
     ("Baltimore County, MD", "24005"), ("Baltimore city, MD", "24510")],
)
def test_parishes_boroughs_and_independent_cities(text: str, fips: str) -> None:
    assert lookup_place(text).county_fips == fips


@pytest.mark.parametrize("text", ["Hagatna, GU", "96910", "Hagåtña, Guam"])
def test_territory(text: str) -> None:
    place = lookup_place(text)
    assert (place.state, place.state_fips, place.county_fips) == ("GU", "66", "66010")
    assert place.latitude == pytest.approx(13.47, abs=0.05)
    assert place.longitude == pytest.approx(144.75, abs=0.05)


@pytest.mark.parametrize("text", ["Ohio", "OH", "39"])
def test_bare_state_is_state_precision(text: str) -> None:
    place = lookup_place(text)
    assert (place.label, place.precision, place.state) == ("Ohio", "state", "OH")
    assert 38.4 < place.latitude < 42.0 and -84.8 < place.longitude < -80.5


def test_ambiguous_name_lists_candidates() -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        lookup_place("Springfield")
    message = str(caught.value)
    assert message.startswith("Springfield: ")
    assert "add a state" in message
    assert "Springfield, IL" in message and "Springfield, MA" in message
    candidates = caught.value.candidates
    assert len(candidates) > 10
    assert len({c.state for c in candidates}) == len(candidates)
    assert lookup_place("Springfield, IL") in candidates


def test_unknown_place_says_what_was_understood() -> None:
    with pytest.raises(PlaceNotFound, match=r"no city or county named 'Atlantis' in Ohio"):
        lookup_place("Atlantis, OH")


def test_close_names_are_suggested() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        lookup_place("Springfeld, IL")
    assert caught.value.suggestions[0] == "Springfield, IL"
    with pytest.raises(PlaceNotFound, match="did you mean Texas"):
        lookup_place("Dayton, Taxes")


def test_errors_are_value_errors() -> None:
    assert issubclass(PlaceNotFound, PlaceError) and issubclass(AmbiguousPlace, PlaceError)
    assert issubclass(PlaceError, ValueError)
    with pytest.raises(PlaceError, match="country outside the US"):
        lookup_place("Helsinki, Finland")
    with pytest.raises(PlaceNotFound):
        lookup_place("   ")


def test_lat_lon() -> None:
    place = lookup_place("39.76,-84.19")
    assert (place.latitude, place.longitude, place.precision) == (39.76, -84.19, "source")
    assert (place.state, place.county_fips) == ("OH", "39113")
    assert place.label == "39.76, -84.19 (near Dayton, OH)"


def test_lat_lon_out_of_range() -> None:
    with pytest.raises(PlaceError, match="latitude must be between -90 and 90"):
        lookup_place("95, 10")


def test_lat_lon_outside_the_us_has_no_state() -> None:
    place = lookup_place("60.17, 24.94")  # Helsinki
    assert place.state is None and place.county_fips is None


def test_city_centroid_keeps_the_old_interface() -> None:
    assert city_centroid("Baltimore", "MD") == pytest.approx((39.30, -76.62), abs=0.05)
    assert city_centroid("Baltimore", "Maryland") == city_centroid("Baltimore", "MD")
    assert city_centroid("Atlantis", "OH") is None
    assert city_centroid(None, "OH") is None
