"""Offline geography for every source and for the "near me" answer.

Place lookup (ZIP, "City, ST", county, state, "lat,lon"), exact state and country codes,
county FIPS, checked source coordinates with a precision label, and distances. Everything comes
from data that ships in packages (zipcodes, addfips, us, pycountry, tzdata): no network.
"""

from geography.countries import COUNTRY_BOXES, in_country, outside_us, subdivision_country
from geography.distance import haversine_km, haversine_km_array
from geography.index import ZipPoint, get_index, nearest_zip_point
from geography.locate import (
    FLAGS,
    LOCAL_PRECISIONS,
    PRECISIONS,
    REGION,
    Location,
    is_region,
    locate_frame,
    locate_listing,
)
from geography.places import (
    AmbiguousPlace,
    Place,
    PlaceError,
    PlaceNotFound,
    city_centroid,
    lookup_place,
    point_place,
)
from geography.states import country_code, state_fips, state_name, usps_code

__all__ = [
    "COUNTRY_BOXES", "FLAGS", "LOCAL_PRECISIONS", "PRECISIONS", "REGION",
    "AmbiguousPlace", "Location", "Place", "PlaceError", "PlaceNotFound", "ZipPoint",
    "city_centroid", "country_code", "get_index", "haversine_km", "haversine_km_array",
    "in_country", "is_region", "locate_frame", "locate_listing", "lookup_place",
    "nearest_zip_point", "outside_us", "point_place", "state_fips", "state_name",
    "subdivision_country", "usps_code",
]
