"""Shared fixtures. Tests never touch the internet: HTTP goes to a local server (tests/support)."""

import pytest

from sources.http import HttpSettings


@pytest.fixture
def fast_http() -> HttpSettings:
    """HTTP limits for tests: no politeness delay, short backoff, short timeouts."""
    return HttpSettings(per_host_delay=0, backoff_factor=0.01, retries=2, read_timeout=2,
                        connect_timeout=2)
