"""Place names to codes, and city centres from the offline ZIP table."""

import pytest

from sources import places


@pytest.mark.parametrize("text, code", [("New York", "NY"), ("ny", "NY"), ("Puerto Rico", "PR"),
                                        ("Guam", "GU"), ("Ontario", None), ("", None),
                                        ("Taxes", None), ("Tbilisi", None), ("72", "PR"),
                                        ("District of Columbia", "DC")])
def test_usps_codes(text, code):
    """Exact names, codes and FIPS only: nothing that merely sounds like a state."""
    assert places.usps_code(text) == code


@pytest.mark.parametrize("text, code", [("USA", "US"), ("Canada", "CA"), ("UK", "GB"),
                                        ("Taiwan", "TW"), ("Atlantis", None)])
def test_country_codes(text, code):
    assert places.country_code(text) == code


def test_city_centres_are_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    places._city_centroids.cache_clear()
    built = places.city_centroid("St. Louis", "MO")
    assert built == pytest.approx((38.6, -90.3), abs=0.2)
    assert list((tmp_path / "civic-intermediaries").glob("city-centroids-zipcodes-*.json"))
    places._city_centroids.cache_clear()
    assert places.city_centroid("Saint Louis", "mo") == built  # now from the cache
    assert places.city_centroid("Nowhere", "MO") is None
    places._city_centroids.cache_clear()
