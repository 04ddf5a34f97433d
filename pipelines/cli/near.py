"""``intermediaries near``: from the place a user typed to the answer (``pipelines.answer``),
read from the release's DuckDB file and shown as rich tables, one per section, or as JSON.

Start-up is what a user waits for: Dagster and the settings are never imported, and the
place lookup, the answer and rich only when the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.cli.console import Refused
from pipelines.cli.release_reader import connect, release_info, resolve_release


def answer_near(place: str, kinds: list[str] | None, within: float, limit: int,
                release: Path | None) -> Any:
    """The answer for ``place``. Refused (exit 2) for an unknown kind, no release, or a place
    that is unknown or ambiguous (with candidates or suggestions)."""
    from pipelines.answer.sections import UnknownKind, section_keys

    try:
        section_keys(kinds)
    except UnknownKind as error:
        raise Refused(str(error)) from None
    path = resolve_release(release)
    from geography import PlaceError, lookup_place

    try:
        found = lookup_place(place)
    except PlaceError as error:
        raise Refused(place_error(error)) from None
    return compute_answer(origin(found), path, within, limit, kinds)


def origin(place: Any) -> Any:
    """The answer's starting point; a point gets the city of its nearest ZIP."""
    from pipelines.answer.sections import Origin

    city = place.city
    if city is None and place.precision == "source":
        from geography import nearest_zip_point

        found = nearest_zip_point(place.latitude, place.longitude, 25.0, place.state)
        city = found.city if found else None
    from geography import state_name

    return Origin(place.label, place.latitude, place.longitude, place.precision, place.state,
                  place.county_fips, place.county_name, city, state_name(place.state))


def place_error(error: Exception) -> str:
    """What the lookup said, with the candidates of an ambiguous place or suggestions."""
    from geography import AmbiguousPlace

    message = str(error)
    if isinstance(error, AmbiguousPlace) and error.candidates:
        shown = "\n".join(f"  {c.label}" for c in error.candidates[:12])
        more = (f"\n  ... and {len(error.candidates) - 12} more"
                if len(error.candidates) > 12 else "")
        return f"{message}\nCandidates:\n{shown}{more}\nTry, e.g.: intermediaries near " \
               f"\"{error.candidates[0].label}\""
    suggestions = getattr(error, "suggestions", ())
    if suggestions:
        message += "\nDid you mean: " + "; ".join(suggestions)
    return message


def compute_answer(origin: Any, path: Path, within: float, limit: int,
                   kinds: list[str] | None) -> Any:
    """Read the candidates from the release and build the answer."""
    from pipelines.answer.sections import answer
    from pipelines.answer.sql import ReleaseUnreadable, fetch_candidates

    con = connect(path)
    try:
        info = release_info(con, path)
        rows = fetch_candidates(con, origin.latitude, origin.longitude, origin.state,
                                origin.county_fips, origin.city, origin.county_stem,
                                per_group=limit + 3)
    except ReleaseUnreadable as error:
        raise Refused(f"{path}: {error}") from None
    except Exception as error:  # a DuckDB catalog error: not a release of this project
        if "intermediaries" in str(error) and "does not exist" in str(error):
            raise Refused(f"{path}: no intermediaries table; is this a release?") from None
        raise
    finally:
        con.close()
    return answer(origin, rows, within, limit, kinds, info)


def answer_json(result: Any) -> str:
    """``--json``: the same content as the tables, full URLs kept."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str)


def short_url(url: str | None) -> str | None:
    """'https://www.daytonohio.gov/' -> 'daytonohio.gov': what a reader types (``--json``
    keeps the full URL)."""
    if not url:
        return None
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url.rstrip("/")


def render_answer(result: Any, console: Any) -> None:
    """The answer as rich tables, one per section, in the guide's order."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    place = result.place
    console.print(f"[bold]Who can I call about data near {place.label}?[/]")
    facts = [f"within {result.within_km:g} km", f"point precision: {place.precision}"]
    if place.county_name:
        facts.insert(0, place.county_name)
    console.print("[dim]" + "; ".join(facts) + "[/]")
    info = result.release
    if info.get("sample"):
        console.print(f"[yellow]Sample release ({info['path']}): built from recorded sample "
                      "data, not a live refresh.[/]")
    for number, section in enumerate(result.sections, 1):
        console.print()
        console.print(f"[bold]{number}. {section.title}[/]")
        if section.note:  # "No ... within 100 km; the nearest:"
            console.print(f"[italic]{section.note}[/]")
        if not section.matches:
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        for header in ("Name", "What it is", "Why listed", "Activity", "Source"):
            table.add_column(header, overflow="fold")
        for m in section.matches:
            portal = (f"publishes data: {m.publishes}"
                      if m.publishes and m.publishes not in m.why else None)
            details = "\n".join(p for p in (m.location, short_url(m.website), portal) if p)
            name = f"[bold]{escape(m.name)}[/]" + (f"\n[dim]{escape(details)}[/]"
                                                    if details else "")
            table.add_row(name, escape(m.what), escape(m.why), escape(m.activity),
                          escape(m.source or ""))
        console.print(table)
    if result.start_something:
        console.print()
        console.print("[bold]Little is happening nearby: start something[/]")
        ideas = Table.grid(padding=(0, 1))
        ideas.add_column(width=3, justify="right")
        ideas.add_column()
        for suggestion in result.start_something.suggestions:
            ideas.add_row("•", escape(suggestion))
        console.print(ideas)
