"""Listing locations: source coordinates are checked, not trusted.

The records are real ones from Code for America's organizations.json (cfa_organizations_sample
and the full file): Helsinki's longitude equals its latitude there, Oxford's has lost its
minus sign, Poplus sits on null island and Code for Africa is a continent."""

import pandas as pd
import pytest

from geography import FLAGS, PRECISIONS, Location, is_region, locate_frame, locate_listing
from geography.index import GeoIndex


@pytest.fixture(autouse=True)
def _built(index: GeoIndex) -> None:
    """Build the index once before the first lookup."""


def test_good_us_point_is_kept_with_its_fips() -> None:
    # Code for Dayton: "city": "Dayton, OH", "latitude": "39.7589", "longitude": "-84.1916"
    location = locate_listing("Dayton", "OH", "US", "39.7589", "-84.1916")
    assert location == Location(39.7589, -84.1916, "source", None, "39", "39113")


def test_helsinki_latitude_equals_longitude_is_replaced() -> None:
    # City of Helsinki: "city": "Helsinki, Finland", "latitude": "60.1921", "longitude": "60.1921"
    location = locate_listing("Helsinki", None, "Finland", "60.1921", "60.1921")
    assert location.flag == "latitude_equals_longitude"
    assert location.precision == "city"  # Europe/Helsinki's point in the time zone table
    assert location.latitude == pytest.approx(60.17, abs=0.05)
    assert location.longitude == pytest.approx(24.97, abs=0.05)


def test_oxford_sign_flipped_is_flagged() -> None:
    # mySociety: "city": "Oxford, UK", "latitude": "51.7519", "longitude": "1.2578"
    location = locate_listing("Oxford", None, "UK", "51.7519", "1.2578")
    assert location.flag == "sign_flipped"
    assert (location.latitude, location.longitude, location.precision) == (None, None, "none")
    assert locate_listing("Oxford", None, "UK", 51.7519, -1.2578).precision == "source"


def test_us_point_in_the_wrong_state() -> None:
    location = locate_listing("Dayton", "OH", "US", 47.6062, -122.3321)  # Seattle
    assert location.flag == "outside_state"
    assert location.precision == "city"
    assert location.latitude == pytest.approx(39.75, abs=0.05)
    assert (location.state_fips, location.county_fips) == ("39", "39113")


@pytest.mark.parametrize(
    ("latitude", "longitude", "flag"),
    [(-84.1916, 39.7589, "swapped_axes"), (39.7589, 84.1916, "sign_flipped"),
     (84.1916, 39.7589, "swapped_axes")],
)
def test_swapped_and_sign_flipped_us_points(latitude: float, longitude: float,
                                            flag: str) -> None:
    location = locate_listing("Dayton", "OH", None, latitude, longitude)
    assert (location.flag, location.precision) == (flag, "city")


def test_null_island() -> None:
    # Poplus: "city": "", "latitude": "0.0000", "longitude": "0.0000"
    location = locate_listing(None, None, None, "0.0000", "0.0000")
    assert location == Location(None, None, "none", "null_island")
    assert locate_listing("Dayton", "OH", "US", 0, 0).precision == "city"


def test_region_only_listing() -> None:
    # Code for Africa: "city": "", continent "Africa", "latitude": "4.1651", "longitude": "25.4224"
    location = locate_listing(None, None, None, "4.1651", "25.4224", region="Africa")
    assert (location.latitude, location.longitude) == (4.1651, 25.4224)
    assert location.precision == "region" and is_region(location.precision)
    # Open Elections: continent "Global", no coordinates
    assert locate_listing(None, None, None, "", "", region="Global").precision == "region"
    assert not is_region("city")


def test_state_restricted_county_near_a_border() -> None:
    # Code for Kansas City: "Kansas City, KS & MO" at 39.1030, -94.5831 (downtown, Missouri)
    location = locate_listing("Kansas City", "KS", "US", 39.1030, -94.5831)
    assert location.precision == "source"
    assert location.state_fips == "20" and location.county_fips.startswith("20")


def test_international_points_in_their_country() -> None:
    assert locate_listing("Curitiba", None, "BR", -25.4952, -49.2874).precision == "source"
    assert locate_listing("Toronto", None, "CA", 43.653484, -79.384093).precision == "source"
    assert locate_listing("Helsinki", None, "FI", 52.52, 13.40).flag == "outside_country"


def test_territories_and_the_aleutians() -> None:
    assert locate_listing("San Juan", "PR", None, 18.4661, -66.1160).county_fips == "72127"
    guam = locate_listing("Hagatna", None, "Guam", None, None)
    assert (guam.precision, guam.state_fips, guam.county_fips) == ("city", "66", "66010")
    attu = locate_listing("Attu", "AK", "US", 52.93, 172.91)  # west of the antimeridian
    assert (attu.flag, attu.precision) == (None, "source")


def test_zip_then_city_county_state() -> None:
    assert locate_listing("Dayton", "OH", None, None, None, zip="45402-1234").precision == "zip"
    assert locate_listing("Cambridge", "MA", None, None, None, zip=2138).precision == "zip"
    assert locate_listing("San Mateo County", "CA", "US", None, None).county_fips == "06081"
    state = locate_listing("Hampton Roads", "VA", "US", None, None)
    assert (state.precision, state.state_fips, state.county_fips) == ("state", "51", None)
    assert locate_listing("Atlantis", None, None, None, None).precision == "none"


def test_locate_frame() -> None:
    frame = pd.DataFrame(
        {
            "name": ["Code for Dayton", "City of Helsinki", "mySociety", "Code for Africa",
                     "Poplus", "Code for Dayton again"],
            "city": ["Dayton", "Helsinki", "Oxford", None, None, "Dayton"],
            "state": ["OH", None, None, None, None, "OH"],
            "country": ["US", "FI", "GB", None, None, "US"],
            "region": [None, None, None, "Africa", None, None],
            "latitude": [39.7589, 60.1921, 51.7519, 4.1651, 0.0, 39.7589],
            "longitude": [-84.1916, 60.1921, 1.2578, 25.4224, 0.0, -84.1916],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = locate_frame(frame)
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert out["name"].tolist() == frame["name"].tolist()
    assert out["location_precision"].tolist() == ["source", "city", "none", "region", "none",
                                                  "source"]
    assert out["location_flag"].tolist()[1:3] == ["latitude_equals_longitude", "sign_flipped"]
    assert out["location_flag"].isna().tolist() == [True, False, False, True, False, True]
    assert out.loc[10, "county_fips"] == "39113" and out.loc[10, "state_fips"] == "39"
    assert out.loc[12, ["latitude", "longitude"]].isna().all()
    assert set(out["location_precision"]) <= set(PRECISIONS)
    assert set(out["location_flag"].dropna()) <= set(FLAGS)
    assert out["state_fips"].dropna().str.fullmatch(r"\d{2}").all()
    assert out["county_fips"].dropna().str.fullmatch(r"\d{5}").all()


def test_locate_frame_with_zip_and_missing_values() -> None:
    frame = pd.DataFrame({"city": ["Dayton", pd.NA], "state": ["OH", "OH"],
                          "country": [None, None], "region": [None, None],
                          "latitude": [float("nan"), None], "longitude": [None, None],
                          "zip": ["45402", None]})
    out = locate_frame(frame)
    assert out["location_precision"].tolist() == ["zip", "state"]
    assert out["county_fips"].tolist()[0] == "39113"
