"""Moved: place names and codes now live in the shared ``geography`` package.

Kept as a re-export for the source modules until each imports ``geography`` directly.
"""

from geography import city_centroid, country_code, usps_code

__all__ = ["city_centroid", "country_code", "usps_code"]
