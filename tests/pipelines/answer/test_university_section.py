"""The university section (answer_spec rule 3): land-grant universities of the state always
first, research universities and units before other colleges, units say whose they are, a
brigade named after a campus is never listed, nothing farther than MAX_NEAREST_KM is offered.

Real places and institutions (coordinates as IPEDS gives them, rounded)."""

from __future__ import annotations

import pytest

from pipelines.answer.sections import MAX_NEAREST_KM, Origin
from tests.pipelines.answer.test_sections import (
    DAYTON,
    MISSOULA,
    ask,
    names,
    org,
    reference_km,
    section,
    write_release,
)


def university(name: str, at: tuple[float, float], city: str, state: str, level: str | None,
               **extra: object) -> dict:
    return org(name, "university", at, city, state, carnegie_level=level,
               land_grant=extra.pop("land_grant", False), **extra)


OSU = university("Ohio State University-Main Campus", (40.0061, -83.0283), "Columbus", "OH",
                 "doctoral", research_activity="very high", land_grant=True)
CENTRAL_STATE = university("Central State University", (39.7085, -83.8869), "Wilberforce",
                           "OH", "baccalaureate", land_grant=True, hbcu=True)
DAYTON_U = university("University of Dayton", (39.7406, -84.1794), "Dayton", "OH", "doctoral",
                      research_activity="high")
WRIGHT_STATE = university("Wright State University-Main Campus", (39.7811, -84.0625),
                          "Dayton", "OH", "doctoral", research_activity="high")
SINCLAIR = university("Sinclair Community College", (39.7575, -84.1990), "Dayton", "OH",
                      "associate")
BDRG = org("University of Dayton Business Research Group", "state_data_center",
           (39.7406, -84.1794), "Dayton", "OH", role="affiliate",
           part_of=DAYTON_U["intermediary_id"])
# a brigade meeting on a campus, even one wrongly given part_of, is never a unit
TECH_BARK = org("Northern Illinois University (Tech Bark)", "brigade", (41.9342, -88.7737),
                "DeKalb", "IL")
CAMPUS_HACKERS = org("University of Dayton Hack Night", "civic_tech_group",
                     (39.7400, -84.1790), "Dayton", "OH", part_of=DAYTON_U["intermediary_id"])
MONTANA = university("University of Montana", (46.8600, -113.9852), "Missoula", "MT",
                     "doctoral", research_activity="very high")
MONTANA_STATE = university("Montana State University", (45.6673, -111.0546), "Bozeman", "MT",
                           "doctoral", research_activity="very high", land_grant=True)
ORGS = [OSU, CENTRAL_STATE, DAYTON_U, WRIGHT_STATE, SINCLAIR, BDRG, TECH_BARK, CAMPUS_HACKERS,
        MONTANA, MONTANA_STATE]
DEKALB = Origin("60115 (DeKalb, IL)", 41.9295, -88.7504, "zip", "IL", "17037", "DeKalb County",
                "DeKalb")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return write_release(tmp_path_factory.mktemp("universities"), ORGS)


def test_the_states_land_grant_universities_come_first_with_why(release):
    universities = section(ask(release, DAYTON), "university")
    assert names(universities)[:2] == ["Central State University",
                                       "Ohio State University-Main Campus"]  # nearest first
    km = reference_km(DAYTON.latitude, DAYTON.longitude, 40.0061, -83.0283)
    assert universities.matches[1].why == (
        f"land-grant university of Ohio: extension office in your county; {km:.0f} km away")
    assert universities.note is None


def test_research_universities_and_units_before_nearer_colleges(release):
    universities = section(ask(release, DAYTON), "university")
    # not counted in the limit: the two land-grants, then three within 100 km; Sinclair
    # (0.9 km, a community college) comes after the research tier
    assert names(universities)[2:] == ["University of Dayton",
                                       "University of Dayton Business Research Group",
                                       "Wright State University-Main Campus"]
    unit = universities.matches[3]
    assert unit.part_of == "University of Dayton" and unit.what.startswith("State Data Center")
    assert unit.why.startswith("part of University of Dayton; ") and unit.why.endswith(" away")
    assert universities.matches[2].part_of is None
    wider = section(ask(release, DAYTON, limit=10), "university")
    assert names(wider)[-1] == "Sinclair Community College"


def test_a_brigade_named_after_a_campus_is_never_in_the_section(release):
    for place in (DAYTON, DEKALB):
        listed = names(section(ask(release, place, limit=10), "university"))
        assert "Northern Illinois University (Tech Bark)" not in listed
        assert "University of Dayton Hack Night" not in listed


def test_missoula_starts_with_its_land_grant_then_the_university_of_montana(release):
    universities = section(ask(release, MISSOULA), "university")
    assert names(universities) == ["Montana State University", "University of Montana"]
    assert universities.matches[0].why.startswith(
        "land-grant university of Montana: extension office in your county; ")
    assert universities.matches[1].distance_km < 5


def test_nothing_near_names_the_nearest_within_the_cap_only(release):
    dekalb = section(ask(release, DEKALB), "university")  # Ohio is 400+ km away
    assert reference_km(DEKALB.latitude, DEKALB.longitude, 39.7575, -84.1990) > MAX_NEAREST_KM
    assert names(dekalb) == [] and dekalb.note == "No university within 100 km in this release."
    indianapolis = Origin("46204 (Indianapolis, IN)", 39.7684, -86.1581, "zip", "IN")
    nearest = section(ask(release, indianapolis), "university")
    assert nearest.note == "No university within 100 km; the nearest:"
    assert names(nearest) == ["Sinclair Community College", "University of Dayton",
                              "University of Dayton Business Research Group"]
    assert not any(m.within for m in nearest.matches)
    assert nearest.matches[2].why.startswith("part of University of Dayton; ")
    assert all(m.distance_km <= MAX_NEAREST_KM for m in nearest.matches)


def test_the_json_answer_carries_part_of(release):
    matches = ask(release, DAYTON).to_dict()["sections"][2]["matches"]
    assert {m["name"]: m["part_of"] for m in matches}[
        "University of Dayton Business Research Group"] == "University of Dayton"
