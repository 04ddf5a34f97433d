"""Report how many fuzzed inputs each parser ran, per strategy (the CI log shows coverage)."""

from __future__ import annotations

from tests.fuzz.harness import EXAMPLES, OUTCOMES


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    if not EXAMPLES:
        return
    strategies = sorted({strategy for _, strategy in EXAMPLES})
    sources = sorted({source for source, _ in EXAMPLES})
    terminalreporter.section("fuzzed inputs per parser")
    width = max(len(s) for s in strategies)
    header = (f"{'source':<14}" + "".join(f"{s:>{width + 2}}" for s in strategies)
              + "     total   records  typed error")
    terminalreporter.write_line(header)
    for source in sources:
        counts = [EXAMPLES[source, s] for s in strategies]
        terminalreporter.write_line(
            f"{source:<14}" + "".join(f"{c:>{width + 2}}" for c in counts) + f"{sum(counts):>10}"
            + f"{OUTCOMES[source, 'records']:>10}{OUTCOMES[source, 'error']:>13}")
