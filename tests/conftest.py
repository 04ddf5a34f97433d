"""Shared fixtures. Tests never touch the internet: HTTP goes to a local server (tests/support).

Hypothesis profiles: ``ci`` (the default) is reproducible (derandomized, no example database)
and sized so tests/fuzz runs 1,000 inputs per parser in a few minutes; ``thorough`` runs ten
times as many, randomly, for local runs: ``HYPOTHESIS_PROFILE=thorough pytest tests/fuzz``.
"""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from sources.http import HttpSettings

# Generating big pages is slow by design, and parsers (not Hypothesis) set the pace.
_SLOW_BY_DESIGN = [HealthCheck.too_slow, HealthCheck.data_too_large,
                   HealthCheck.large_base_example]
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          database=None, print_blob=True, suppress_health_check=_SLOW_BY_DESIGN)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, print_blob=True,
    suppress_health_check=_SLOW_BY_DESIGN,
    # outside the working tree: failures found are replayed on the next local run
    database=DirectoryBasedExampleDatabase(
        Path(tempfile.gettempdir()) / "civic-intermediaries-hypothesis"),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def fast_http() -> HttpSettings:
    """HTTP limits for tests: no politeness delay, short backoff, short timeouts."""
    return HttpSettings(per_host_delay=0, backoff_factor=0.01, retries=2, read_timeout=2,
                        connect_timeout=2)
