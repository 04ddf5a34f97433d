"""Every source the pipeline knows. Adding a source is one line here."""

from sources import cfa, nnip, sdc
from sources.base import Source

SOURCES: tuple[Source, ...] = (nnip.SOURCE, sdc.SOURCE, cfa.SOURCE)


def source_named(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"no source named {name!r}; known: {[s.name for s in SOURCES]}")
