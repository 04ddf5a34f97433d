"""Stable ids, by example: an organization keeps its id across refreshes while any source lists
it, whatever its name becomes; ids are minted once and never given to another organization;
merges and splits are recorded in id_history."""

import pandas as pd

import pipelines.link.ids as identity
from pipelines.link.ids import IdMemory
from pipelines.link.merge import LISTING_COLUMNS, merge_listings
from schemas.published import ID_HISTORY
from schemas.table import pandera_schema

NO_OVERRIDES = pd.DataFrame(columns=["action", "source_key_a", "source_key_b", "field",
                                     "value", "reason", "line"])


def listing(source, key, name, **more):
    row = dict.fromkeys(LISTING_COLUMNS)
    row.update(record_id=f"{source}:{key}", source=source, source_key=key, name=name,
               kind="brigade", source_url="https://example.org/list",
               retrieved_at="2026-11-01T00:00:00Z")
    row.update(more)
    return row


class Directory:
    """Successive releases, each built on the memory the previous one left."""

    def __init__(self):
        self.memory = IdMemory.empty()

    def refresh(self, day, *rows):
        merged = merge_listings([pd.DataFrame(list(rows))], self.memory,
                                overrides=NO_OVERRIDES, today=day)
        self.memory = IdMemory(merged.crosswalk, merged.id_history)
        self.merged = merged
        return merged.source_records.set_index("record_id")["intermediary_id"].to_dict()

    def events(self, day=None):
        history = self.merged.id_history
        history = history[history["recorded_on"] == day] if day else history
        return history[["id_event", "intermediary_id", "other_intermediary_id"]].values.tolist()


def test_a_renamed_brigade_keeps_its_id():
    directory = Directory()
    before = directory.refresh("2026-11-01", listing(
        "cfa", "codeforphilly.org", "Code for Philly", website="https://codeforphilly.org"))
    after = directory.refresh("2026-11-08", listing(
        "cfa", "codeforphilly.org", "Code for Philly Brigade",
        website="https://www.codeforphilly.org/"))
    assert after == before
    organization = directory.merged.intermediaries.iloc[0]
    assert organization["name"] == "Code for Philly Brigade"
    assert (organization["first_seen"], organization["last_seen"]) == ("2026-11-01",
                                                                       "2026-11-08")
    assert directory.events("2026-11-08") == []  # nothing happened to any id


def test_a_listing_whose_key_changed_keeps_its_id_through_its_previous_name():
    directory = Directory()
    first = directory.refresh("2026-11-01", listing("cfa", "code-for-nowhere", "Code for Nowhere"))
    renamed = directory.refresh("2026-11-08", listing(
        "cfa", "code-for-somewhere", "Code for Somewhere", previous_names="Code for Nowhere"))
    assert renamed["cfa:code-for-somewhere"] == first["cfa:code-for-nowhere"]


def test_a_brigade_that_adds_a_website_keeps_its_id_through_its_old_key():
    directory = Directory()
    first = directory.refresh("2026-11-01", listing(
        "cfa", "meetup.com/code-for-x", "Code for X", events_url="https://www.meetup.com/code-for-x/"))
    later = directory.refresh("2026-11-08", listing(
        "cfa", "codeforx.org", "Code for X", website="https://codeforx.org",
        events_url="https://www.meetup.com/code-for-x/"))
    assert later["cfa:codeforx.org"] == first["cfa:meetup.com/code-for-x"]


def test_a_new_organization_gets_a_new_id_and_the_others_keep_theirs():
    directory = Directory()
    a = listing("cfa", "a.org", "Alpha Data", website="https://a.org")
    first = directory.refresh("2026-11-01", a)
    second = directory.refresh("2026-11-08", a, listing("cfa", "b.org", "Beta Data",
                                                        website="https://b.org"))
    assert second["cfa:a.org"] == first["cfa:a.org"] != second["cfa:b.org"]
    assert directory.events("2026-11-08") == [["minted", second["cfa:b.org"], None]]


def test_a_removed_organizations_id_is_never_given_to_another(monkeypatch):
    monkeypatch.setattr(identity, "_digest", lambda key, salt: f"{salt:012x}")  # all collide
    directory = Directory()
    gone = directory.refresh("2026-11-01", listing("cfa", "a.org", "Alpha Data"))["cfa:a.org"]
    directory.refresh("2026-11-08", listing("cfa", "b.org", "Beta Data"))
    new = directory.merged.source_records.loc[0, "intermediary_id"]
    assert gone == "im-000000000000" and new == "im-000000000001"
    assert directory.events("2026-11-08") == [["minted", new, None], ["retired", gone, None]]
    crosswalk = directory.memory.crosswalk.set_index("source_key")
    assert crosswalk.loc["a.org", ["intermediary_id", "status"]].tolist() == [gone, "retired"]
    # listed again under its own key, it is the same organization: its id comes back
    back = directory.refresh("2026-11-15", listing("cfa", "a.org", "Alpha Data"),
                             listing("cfa", "b.org", "Beta Data"))
    assert back == {"cfa:a.org": gone, "cfa:b.org": new}
    assert directory.events("2026-11-15") == [["revived", gone, None]]


def test_ids_do_not_depend_on_row_or_source_order():
    rows = [listing("cfa", "d3", "Data Driven Detroit", website="https://datadrivendetroit.org"),
            listing("nnip", "detroit", "Data Driven Detroit", kind="nnip_partner",
                    website="http://www.datadrivendetroit.org/"),
            listing("cfa", "other.org", "Other Org", website="https://other.org")]
    forward = Directory().refresh("2026-11-01", *rows)
    backward = Directory().refresh("2026-11-01", *reversed(rows))
    assert forward == backward
    assert forward["cfa:d3"] == forward["nnip:detroit"] != forward["cfa:other.org"]


def test_a_merge_keeps_the_oldest_id_and_records_the_other():
    directory = Directory()
    old = directory.refresh("2026-11-01", listing("nnip", "detroit", "Data Driven Detroit",
                                                  kind="nnip_partner"))["nnip:detroit"]
    young = directory.refresh(
        "2026-11-08", listing("nnip", "detroit", "Data Driven Detroit", kind="nnip_partner"),
        listing("cfa", "d3", "D3", website="https://d3.org"))["cfa:d3"]
    # the NNIP profile now gives the website the brigade lists: one organization
    merged = directory.refresh(
        "2026-11-15", listing("nnip", "detroit", "Data Driven Detroit", kind="nnip_partner",
                              website="https://www.d3.org"),
        listing("cfa", "d3", "D3", website="https://d3.org"))
    assert merged == {"nnip:detroit": old, "cfa:d3": old}
    assert directory.events("2026-11-15") == [["merged", young, old]]
    moved = directory.memory.crosswalk.query("status == 'moved'")
    assert moved[["source_key", "intermediary_id"]].values.tolist() == [["d3", young]]


def test_a_split_leaves_the_id_with_the_larger_part_and_mints_for_the_other():
    directory = Directory()
    linked = [listing("sdc", "oh:odo", "Ohio Data Office", website="https://data.ohio.gov"),
              listing("cfa", "odo", "Ohio Data Office", website="https://data.ohio.gov"),
              listing("act", "odo", "Ohio Data Office Club", website="https://data.ohio.gov")]
    first = directory.refresh("2026-11-01", *linked)
    assert len(set(first.values())) == 1
    shared = first["sdc:oh:odo"]
    linked[2] = listing("act", "odo", "Ohio Data Office Club", website="https://odoclub.org")
    second = directory.refresh("2026-11-08", *linked)
    assert second["sdc:oh:odo"] == second["cfa:odo"] == shared != second["act:odo"]
    assert directory.events("2026-11-08") == [["minted", second["act:odo"], None],
                                             ["split", second["act:odo"], shared]]


def test_the_history_is_a_valid_published_table():
    directory = Directory()
    directory.refresh("2026-11-01", listing("cfa", "a.org", "Alpha Data"))
    directory.refresh("2026-11-08", listing("cfa", "b.org", "Beta Data"))
    history = pandera_schema(ID_HISTORY).validate(directory.merged.id_history)
    assert history["id_event"].tolist() == ["minted", "minted", "retired"]
    assert history["id_event_reason"].tolist()[0] == "first listed as cfa:a.org"
