"""Fuzz every parser of every registered source with generated pages (hypothesis).

Per source, the ``ci`` profile runs 1,000 inputs across the strategies below (weights x the
profile's ``max_examples``: 100 in ``ci``, 1,000 in ``thorough``); each input replaces one page
of the source's replay snapshot. ``tests/fuzz/harness.py`` says what outcomes are allowed.
Reproduce a failure with the printed example, or run more with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import SOURCE_NAMES, fuzz_page, replay
from tests.fuzz.strategies import malformed, mutated, odd_encoding, random_bytes

# Share of the profile's max_examples each strategy gets, per source (10 x in all).
WEIGHTS = {"random bytes": 1.5, "mutated recorded pages": 4.5, "malformed documents": 2.5,
           "odd encodings": 1.5}


def examples(strategy: str) -> int:
    return max(1, round(settings.default.max_examples * WEIGHTS[strategy]))


def test_every_registered_source_is_fuzzed():
    """A source without a replay snapshot could not be fuzzed: say so rather than skip it."""
    for name in SOURCE_NAMES:
        assert replay(name).pages, f"the replay snapshot of {name} holds no pages"


def _page(data: st.DataObject, name: str) -> int:
    return data.draw(st.integers(0, len(replay(name).pages) - 1), label="page index")


@pytest.mark.parametrize("name", SOURCE_NAMES)
@settings(max_examples=examples("random bytes"))
@given(data=st.data())
def test_random_bytes(name, data):
    target = _page(data, name)
    fuzz_page(name, "random bytes", target, data.draw(random_bytes, label="body"))


@pytest.mark.parametrize("name", SOURCE_NAMES)
@settings(max_examples=examples("mutated recorded pages"))
@given(data=st.data())
def test_mutated_recorded_pages(name, data):
    target = _page(data, name)
    body = data.draw(mutated(replay(name).pages[target]), label="body")
    fuzz_page(name, "mutated recorded pages", target, body)


@pytest.mark.parametrize("name", SOURCE_NAMES)
@settings(max_examples=examples("malformed documents"))
@given(data=st.data())
def test_malformed_documents(name, data):
    target = _page(data, name)
    body = data.draw(malformed(replay(name).pages[target]), label="body")
    fuzz_page(name, "malformed documents", target, body)


@pytest.mark.parametrize("name", SOURCE_NAMES)
@settings(max_examples=examples("odd encodings"))
@given(data=st.data())
def test_odd_encodings(name, data):
    target = _page(data, name)
    body = data.draw(odd_encoding(replay(name).pages[target]), label="body")
    fuzz_page(name, "odd encodings", target, body)
