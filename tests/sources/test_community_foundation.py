"""The community-foundation rule on the real Rhode Island and Delaware BMF rows and their hand
labels (tests/fixtures/irs_bmf/labelled/), and each part of the rule on its own."""

import csv

import pytest

from sources.community_foundation import (
    MIN_ASSETS_WITHOUT_T31,
    classify,
    is_candidate,
    ntee_group,
)
from tests.support import FIXTURES

LABELLED = FIXTURES / "irs_bmf" / "labelled"


def real_rows() -> list[dict[str, str]]:
    with (LABELLED / "eo_ri_de_2020-07_candidates.csv").open(newline="", encoding="ascii") as f:
        return list(csv.DictReader(f))


def labels() -> dict[str, bool]:
    with (LABELLED / "community_foundation_labels.csv").open(newline="") as f:
        return {r["EIN"]: r["community_foundation"] == "yes" for r in csv.DictReader(f)}


def verdict(row: dict[str, str]) -> bool:
    assets = row["ASSET_AMT"]
    return classify(name=row["NAME"], subsection=row["SUBSECTION"],
                    foundation=row["FOUNDATION"], ntee=row["NTEE_CD"],
                    assets=int(assets) if assets else None, city=row["CITY"],
                    state=row["STATE"]).is_community_foundation


def test_the_hand_labels_of_the_real_files_hold():
    truth = labels()
    rows = {r["EIN"]: r for r in real_rows()}
    assert set(truth) <= set(rows) and (sum(truth.values()), len(truth)) == (2, 39)
    predicted = {ein: verdict(rows[ein]) for ein in truth}
    true_pos = sum(predicted[e] and truth[e] for e in truth)
    precision = true_pos / max(1, sum(predicted.values()))
    recall = true_pos / sum(truth.values())
    print(f"\ncommunity foundations on the RI+DE labels: precision {precision:.2f}, "
          f"recall {recall:.2f} ({true_pos} of {sum(truth.values())} found, "
          f"{sum(predicted.values()) - true_pos} false)")
    wrong = {e: rows[e]["NAME"] for e in truth if predicted[e] != truth[e]}
    assert wrong == {}
    assert (precision, recall) == (1.0, 1.0)


def test_no_other_row_of_the_real_files_is_taken_for_one():
    accepted = {r["EIN"] for r in real_rows() if verdict(r)}
    assert accepted == {ein for ein, yes in labels().items() if yes}


def test_t31_alone_is_not_enough_on_the_real_files():
    t31 = [r for r in real_rows() if ntee_group(r["NTEE_CD"]) == "T31" and r["STATE"] == "RI"]
    assert len(t31) == 18 and sum(verdict(r) for r in t31) == 1


def rule(name="COMMUNITY FOUNDATION OF GREATER DAYTON", subsection="03", foundation="15",
         ntee="T31", assets=50_000_000, city="DAYTON", state="OH"):
    return classify(name=name, subsection=subsection, foundation=foundation, ntee=ntee,
                    assets=assets, city=city, state=state)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"subsection": "04"}, "not a 501(c)(3)"),
    ({"foundation": "04"}, "not a public charity"),  # a private (family, corporate) foundation
    ({"foundation": "10"}, "not a public charity"),  # a church
    ({"ntee": "P20"}, "not one of"),
    ({"ntee": "S20", "assets": 311}, "assets 311 under"),
    ({"ntee": "", "assets": None}, "assets 0 under"),
    ({"name": "ACME WIDGETS COMMUNITY FOUNDATION"}, "does not say"),
    ({"name": "DAYTON POLICE COMMUNITY FOUNDATION"}, "does not say"),
    ({"name": "COMMUNITY FOUNDATION OF MILLSBORO SOCIETY", "city": "MILLSBORO",
      "state": "DE"}, "does not say"),
    ({"name": "NATIONAL COMMUNITY FOUNDATION"}, "does not say"),
    ({"name": "ALLIANCE COMMUNITY FOUNDATION", "city": "WILMINGTON", "state": "DE"},
     "does not say"),  # Alliance is a city of Ohio, not of Delaware
    ({"name": "THE DAYTON FOUNDATION", "ntee": "T20"}, "does not say"),  # only with T31
    ({"name": "JOHN SMITH FOUNDATION FOR PERSONS WITH DISABILITIES"}, "does not say"),
])
def test_each_part_of_the_rule(changes, reason):
    result = rule(**changes)
    assert not result.is_community_foundation and reason in result.reason


@pytest.mark.parametrize("changes", [
    {},
    {"ntee": "T310"}, {"ntee": "T31Z"},
    {"ntee": "T30"}, {"ntee": "S20"}, {"ntee": ""},  # other codes, with an endowment
    {"ntee": "S20", "assets": MIN_ASSETS_WITHOUT_T31},
    {"ntee": "T31", "assets": None},  # T31: any amount
    {"foundation": "21"},  # a supporting organization of one
    {"name": "THE DAYTON FOUNDATION"},
    {"name": "GREATER DAYTON AREA COMMUNITY FOUNDATION INC"},
    {"name": "MONTGOMERY COUNTY COMMUNITY FOUNDATION"},
    {"name": "TRI-COUNTY COMMUNITY TRUST"},
    {"name": "COMMUNITY FOUNDATION MONTGOMERY COUNTY"},  # no OF
    {"name": "THE DAYTON COMMUNITY TRUST"},
    {"name": "FOUNDATION FOR THE CAROLINAS", "city": "CHARLOTTE", "state": "NC"},
    {"name": "COMMUNITY FOUNDATION OF THE OHIO VALLEY"},
    {"name": "FOUNDATION FOR APPALACHIAN OHIO"},
    {"name": "MIAMI VALLEY COMMUNITY FOUNDATION SUPPORTING ORGANIZATION INC",
     "foundation": "21"},
    {"name": "FUNDACION COMUNITARIA DE PUERTO RICO", "city": "SAN JUAN", "state": "PR"},
    {"name": "COMMUNITY FOUNDATION OF LONDON", "city": "LONDON", "state": ""},  # its own city
    {"name": "RHODE ISLAND COMMUNITY FOUNDATION", "city": "PROVIDENCE", "state": "RI"},
])
def test_community_foundations_of_a_place_are_kept(changes):
    assert rule(**changes).is_community_foundation, rule(**changes).reason


def test_the_pre_filter_never_drops_what_the_rule_keeps():
    groups = frozenset({"T31", "T30", "T20", "S20"})
    assert is_candidate("03", "15", "T310", "DELAWARE COMMUNITY FOUNDATION", groups)
    assert is_candidate("03", "15", "", "FUNDACION COMUNITARIA DE PR", groups)
    assert not is_candidate("03", "04", "T31", "X COMMUNITY FOUNDATION", groups)
    assert not is_candidate("03", "15", "P20", "X COMMUNITY FOUNDATION", groups)
    assert not is_candidate("03", "15", "T31", "TIVERTON LIONS CLUB CHARITIES INC", groups)
