"""The geography index is built (or read from the user cache) once for the whole folder."""

import pytest

from geography.index import GeoIndex, get_index


@pytest.fixture(scope="session")
def index() -> GeoIndex:
    return get_index()
