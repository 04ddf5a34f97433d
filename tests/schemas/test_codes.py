"""The code tables (schemas.codes) are the one source of the kind vocabulary and of the order
of change kinds: the schema, the answer, linking, the page and the reports all read them, and
every kind has everything they need."""

import re

import duckdb
import pandas as pd

from pipelines.answer import sections, sql
from pipelines.cli.release_reader import change_counts
from pipelines.link import location, match
from pipelines.publish import changes, page
from schemas.catalogue import FIELDS
from schemas.codes import (
    ANSWER_KINDS,
    CHANGE_KINDS,
    KIND_CODES,
    KIND_COLOURS,
    KIND_LABELS,
    KINDS,
    kinds_in_link_class,
    kinds_in_section,
)
from schemas.published import CHANGES


def test_every_kind_is_written_once_with_a_label_and_a_distinct_colour():
    assert len(set(KIND_CODES)) == len(KINDS) == 10
    assert all(re.fullmatch(r"[a-z_]+", k.code) and k.label for k in KINDS)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", k.colour) for k in KINDS)
    assert len({k.colour for k in KINDS} | {page.OTHER_COLOUR}) == len(KINDS) + 1


def test_the_schema_enum_is_the_table_in_the_guides_order():
    assert FIELDS["kind"].enum == KIND_CODES
    assert KIND_CODES[0] == "nnip_partner" and KIND_CODES[-1] == "community_foundation"


def test_every_kind_with_a_section_names_a_section_of_the_answer():
    assert {k.section for k in KINDS} - {None} <= set(sections.SECTIONS)
    assert ANSWER_KINDS == tuple(k.code for k in KINDS if k.section)
    assert "project" not in ANSWER_KINDS  # no place to be near
    for kind in ANSWER_KINDS:  # ``--kind brigade`` keeps the brigade's section
        assert sections.section_keys([kind]) == [KINDS[KIND_CODES.index(kind)].section]


def test_the_answer_reads_labels_and_sections_from_the_table():
    assert sections.KIND_LABELS is KIND_LABELS
    assert sections.GOVERNMENT_KINDS == ("local_government", "government")
    assert sections.CIVIC_TECH_KINDS == ("brigade", "civic_tech_group", "civic_tech_network")
    assert (sections.NNIP_KINDS, sections.SDC_KINDS, sections.FOUNDATION_KINDS) == (
        ("nnip_partner",), ("state_data_center",), ("community_foundation",))
    assert sql.ANSWER_KINDS is ANSWER_KINDS
    assert sql.UNIVERSITY_KINDS == sections.UNIVERSITY_KINDS == kinds_in_section("university")
    for kind in KIND_CODES:
        if kind not in sections.GOVERNMENT_KINDS:  # a government says its level instead
            assert sections.what_it_is({"kind": kind, "name": "X"}).startswith(
                KIND_LABELS[kind])


def test_the_page_shows_every_kind_with_the_tables_label_and_colour_in_its_order():
    frame = pd.DataFrame({"name": [f"Org {i}" for i in range(len(KINDS) + 1)],
                          "kind": [*reversed(KIND_CODES), "bakery"]})
    _, kinds = page.organization_rows(frame)
    assert kinds == [*({"key": k.code, "label": k.label, "colour": k.colour} for k in KINDS),
                     {"key": "bakery", "label": "bakery", "colour": page.OTHER_COLOUR}]
    assert page.KIND_COLOURS is KIND_COLOURS and page.KIND_LABELS is KIND_LABELS


def test_linking_and_locating_read_their_classes_and_areas_from_the_table():
    assert match.LOCAL_GOVERNMENT == kinds_in_link_class("government") == {"local_government"}
    assert match.CIVIC_TECH == kinds_in_link_class("civic_tech") == set(
        kinds_in_section("civic_tech"))
    areas = FIELDS["service_area"].enum
    for kind in KINDS:
        area = location.service_area(kind.code, "Dayton", "OH", "US")
        assert area == (kind.service_area or "city") and area in areas


def test_one_order_of_change_kinds_everywhere():
    assert FIELDS["change"].enum is CHANGE_KINDS
    assert CHANGES.columns[0] == "change"
    assert list(changes.ORDER) == list(CHANGE_KINDS)
    empty = pd.DataFrame(columns=list(CHANGES.columns), dtype="string")
    assert list(changes.summarise(empty, None))[: len(CHANGE_KINDS)] == list(CHANGE_KINDS)
    assert list(page._summary({})["counts"]) == list(CHANGE_KINDS)
    con = duckdb.connect()
    con.execute("CREATE TABLE changes AS SELECT * FROM (VALUES ('changed', 'a'), "
                "('merged', 'b'), ('removed', 'c'), ('split', 'd'), ('added', 'e')) "
                "AS t(change, intermediary_id)")
    assert list(change_counts(con)) == list(CHANGE_KINDS)
