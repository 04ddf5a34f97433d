"""Every source the pipeline knows. Adding a source is one line here."""

from schemas.published import release_tables
from schemas.table import Table
from sources import (
    act,
    cfa,
    dotgov,
    eventbrite,
    ipeds,
    irs_bmf,
    meetup,
    meetup_search,
    nnip,
    portals,
    sdc,
)
from sources.base import Source

# Order matters: the first listing of an organization anchors its id and fills its columns,
# and a source that needs another (Meetup needs the brigades' events_url) comes after it.
SOURCES: tuple[Source, ...] = (
    nnip.SOURCE,
    sdc.SOURCE,
    cfa.SOURCE,
    meetup.SOURCE,
    meetup_search.SOURCE,
    eventbrite.SOURCE,
    irs_bmf.SOURCE,
    act.SOURCE,  # after cfa: a member that is a brigade keeps the brigade's id
    dotgov.SOURCE,
    ipeds.SOURCE,  # a university never links with another kind (see schemas.codes)
    portals.SOURCE,  # last: its catalogs link to the organizations of the others (link step)
)


def source_named(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"no source named {name!r}; known: {[s.name for s in SOURCES]}")


def published_tables(include_personal: bool = False) -> tuple[Table, ...]:
    """Every table a release of the registered sources publishes, in package order."""
    return release_tables((source.tables for source in SOURCES), include_personal)
