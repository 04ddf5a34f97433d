"""Where a source listing is: its coordinates checked, replaced when wrong, with FIPS codes.

Sources give coordinates that are often wrong in recognisable ways (the real Code for America
file has Helsinki at 60.1921, 60.1921 and Oxford at 51.7519, +1.2578). A source point is kept
only when it lies where the listing says it is (the stated US state's box, the US, or a rough
shape of the stated country); otherwise the listing gets a point derived from its place (ZIP,
then city, county or state centre), or none, and a flag says why the source's was not used.

Precisions, from best to worst: 'source' (the source's point, checked), 'address', 'zip',
'city', 'county', 'state', 'region' (a continent or 'Global': never anyone's nearest
organization) and 'none'.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from geography.countries import has_shape, in_country, world_city
from geography.index import GeoIndex, get_index
from geography.states import TERRITORIES, country_code, state_fips, usps_code

if TYPE_CHECKING:  # pandas is imported only by locate_frame: the rest starts faster
    import pandas as pd

PRECISIONS = ("source", "address", "zip", "city", "county", "state", "region", "none")
FLAGS = ("null_island", "latitude_equals_longitude", "swapped_axes", "sign_flipped",
         "outside_country", "outside_state")
REGION = "region"
#: Precisions whose point stands for the organization's own place: usable for "near me".
LOCAL_PRECISIONS = frozenset({"source", "address", "zip", "city", "county", "state"})
#: A good US source point takes its county from the nearest ZIP point within this distance.
SOURCE_ZIP_KM = 25.0
_COUNTY_WORDS = re.compile(
    r"\s+(county|parish|borough|census area|municipality|municipio|city and borough)$", re.I
)


def is_region(precision: str | None) -> bool:
    """True for a region-wide listing (a continent, 'Global'): keep it out of distances."""
    return precision == REGION


@dataclass(frozen=True)
class Location:
    """A listing's checked point: precision says where it comes from, flag why the source's
    own point was not used (None when it was, or when there was none)."""

    latitude: float | None
    longitude: float | None
    precision: str
    flag: str | None = None
    state_fips: str | None = None
    county_fips: str | None = None


def locate_listing(
    city: str | None,
    state: str | None,
    country: str | None,
    latitude: float | str | None,
    longitude: float | str | None,
    zip: str | None = None,
    region: str | None = None,
) -> Location:
    """A listing's location from what the source said.

    ``state`` may be a USPS code or a name, ``country`` an ISO code or a name ("USA", "UK");
    a US state without a country means the US; a territory given as a country (PR, GU) is
    the US. ``region`` ('Africa', 'Global') matters only when neither country nor state is
    known. Memoised: sources repeat the same places."""
    return _locate(_text(city), _text(state), _text(country), _number(latitude),
                   _number(longitude), _zip5(zip), _text(region))


def locate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame (columns city, state, country, region, latitude, longitude and optionally
    zip) with latitude, longitude, location_precision, location_flag, state_fips and
    county_fips set. Each distinct place is located once."""
    import pandas as pd

    n = len(frame)

    def values(name: str) -> list[Any]:
        if name not in frame:
            return [None] * n
        column = frame[name]
        return column.astype(object).where(column.notna(), None).tolist()

    keys = list(zip(*(values(c) for c in (
        "city", "state", "country", "latitude", "longitude", "zip", "region")), strict=True))
    seen: dict[tuple[Any, ...], Location] = {}
    located = []
    for key in keys:
        location = seen.get(key)
        if location is None:
            location = seen[key] = locate_listing(*key)
        located.append(location)
    out = frame.copy()
    out["latitude"] = pd.Series([loc.latitude for loc in located], index=frame.index,
                                dtype="float64")
    out["longitude"] = pd.Series([loc.longitude for loc in located], index=frame.index,
                                 dtype="float64")
    for column, attribute in (("location_precision", "precision"), ("location_flag", "flag"),
                              ("state_fips", "state_fips"), ("county_fips", "county_fips")):
        out[column] = pd.Series([getattr(loc, attribute) for loc in located],
                                index=frame.index, dtype="string")
    return out


# ----------------------------------------------------------------------------- the rules


@lru_cache(maxsize=1 << 16)
def _locate(
    city: str | None, state: str | None, country: str | None, latitude: float | None,
    longitude: float | None, zip5: str | None, region: str | None,
) -> Location:
    index = get_index()
    cc = country_code(country) if country else None
    usps = usps_code(state) if state and cc in (None, "US", *TERRITORIES) else None
    if cc in TERRITORIES:
        usps, cc = usps or cc, "US"
    if cc is None and (usps or (zip5 and zip5 in index.zip_row)):
        cc = "US"
    region_only = cc is None and bool(region)
    derived = _derived_point(index, city, usps, cc, zip5)
    if usps is None and derived is not None:
        usps = derived[4]
    unplaced = Location(None, None, REGION if region_only else "none", None,
                        state_fips(usps), None)

    if latitude is None or longitude is None:
        return _from_derived(derived, None) or unplaced
    flag = _check_point(index, latitude, longitude, usps, cc)
    if flag is not None:
        found = _from_derived(derived, flag)
        return found or Location(None, None, unplaced.precision, flag, unplaced.state_fips)
    if region_only:
        return Location(latitude, longitude, REGION)
    if cc != "US":
        return Location(latitude, longitude, "source")
    near = index.nearest_row(latitude, longitude, SOURCE_ZIP_KM, usps)
    if near is None:
        return Location(latitude, longitude, "source", None, state_fips(usps))
    row = near[0]
    return Location(latitude, longitude, "source", None, state_fips(index.zip_state[row]),
                    index.zip_county[row])


def _check_point(
    index: GeoIndex, latitude: float, longitude: float, usps: str | None, cc: str | None
) -> str | None:
    """The flag of a source point that is not where the listing says it is, else None."""
    if latitude == 0 and longitude == 0:
        return "null_island"
    if round(latitude, 6) == round(longitude, 6):
        return "latitude_equals_longitude"
    contains: Callable[[float, float], bool]
    if cc == "US" and usps:
        def contains(lat: float, lon: float) -> bool:
            return index.in_state_box(usps, lat, lon)
        outside = "outside_state"
    elif cc == "US":
        contains, outside = index.in_us_box, "outside_country"
    elif cc is not None and has_shape(cc):
        def contains(lat: float, lon: float) -> bool:
            return bool(in_country(cc, lat, lon))
        outside = "outside_country"
    else:  # nothing to compare with: only the range can be checked
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return None
        if -90 <= longitude <= 90 and -180 <= latitude <= 180:
            return "swapped_axes"
        return "outside_country"
    if contains(latitude, longitude):
        return None
    if contains(longitude, latitude):
        return "swapped_axes"
    if any(contains(a, b) for a, b in (
            (latitude, -longitude), (-latitude, longitude), (-latitude, -longitude))):
        return "sign_flipped"
    if any(contains(a, b) for a, b in (
            (longitude, -latitude), (-longitude, latitude), (-longitude, -latitude))):
        return "swapped_axes"
    return outside


Derived = tuple[float, float, str, str | None, str | None]  # lat, lon, precision, county, state


def _derived_point(
    index: GeoIndex, city: str | None, usps: str | None, cc: str | None, zip5: str | None
) -> Derived | None:
    """The point a listing's place gives without its coordinates: ZIP, else city centre,
    else county centre, else state centre (a non-US city: its time zone city, if it is one)."""
    if cc != "US":
        found = world_city(city, cc) if cc else None
        return (found[0], found[1], "city", None, None) if found else None
    if zip5 and (row := index.zip_row.get(zip5)) is not None:
        zip_state = index.zip_state[row]
        point = index.zip_point(row)
        if usps is None or zip_state == usps:
            if point is not None:
                return point.latitude, point.longitude, "zip", point.county_fips, zip_state
            usps = zip_state
            city = city or index.zip_city(row)
    if usps is None:
        return None
    if city:
        found = None if _COUNTY_WORDS.search(city) else index.city(city, usps)
        if found is not None and found.latitude is not None and found.longitude is not None:
            return found.latitude, found.longitude, "city", found.county_fips, usps
        fips = index.county(city, usps) if found is None else None
        county = index.counties.get(fips or "")
        if county is not None and county.latitude is not None and county.longitude is not None:
            return county.latitude, county.longitude, "county", fips, usps
    centre = index.states.get(usps)
    if centre is None:
        return None
    return centre.latitude, centre.longitude, "state", None, usps


def _from_derived(derived: Derived | None, flag: str | None) -> Location | None:
    if derived is None:
        return None
    lat, lon, precision, county, usps = derived
    return Location(lat, lon, precision, flag, state_fips(usps), county)


# ----------------------------------------------------------------------------- inputs


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pandas = sys.modules.get("pandas")  # pd.NA can only come from an imported pandas
    return pandas is not None and value is pandas.NA


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    text = " ".join(str(value).split())
    return text or None


def _number(value: Any) -> float | None:
    if _missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _zip5(value: Any) -> str | None:
    """'45402', '45402-1234', and 2138 read as a number from a spreadsheet -> '02138'."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100000:
        return f"{value:05d}"
    text = _text(value)
    if text is None:
        return None
    match = re.match(r"^(\d{5})(?:-?\d{4})?$", text)
    return match[1] if match else None
