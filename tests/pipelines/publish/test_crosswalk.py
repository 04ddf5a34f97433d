"""The id memory beside the releases: the crosswalk is written with a published release and
only then, read back as it was written, and a damaged one stops the build rather than minting
new ids for everyone."""

import pandas as pd
import pytest

from pipelines.link.merge import LISTING_COLUMNS, merge_listings
from pipelines.publish.crosswalk import CROSSWALK_FILE, CrosswalkError, read_memory, write_crosswalk

NO_OVERRIDES = pd.DataFrame(columns=["action", "source_key_a", "source_key_b", "field",
                                     "value", "reason", "line"])


def listing(source, key, name):
    row = dict.fromkeys(LISTING_COLUMNS)
    row.update(record_id=f"{source}:{key}", source=source, source_key=key, name=name,
               kind="brigade", source_url="https://example.org/list",
               retrieved_at="2026-11-01T00:00:00Z")
    return row


def test_the_crosswalk_is_kept_beside_the_release_and_read_back(tmp_path):
    alpha = pd.DataFrame([listing("cfa", "a.org", "Alpha Data")])
    first = merge_listings([alpha], overrides=NO_OVERRIDES, today="2026-11-01")
    write_crosswalk(first.crosswalk, tmp_path / CROSSWALK_FILE)
    first.id_history.to_csv(tmp_path / "id_history.csv", index=False)
    memory = read_memory(tmp_path)
    again = merge_listings([alpha], memory, overrides=NO_OVERRIDES, today="2026-11-08")
    assert (again.source_records["intermediary_id"].tolist()
            == first.source_records["intermediary_id"].tolist())
    assert read_memory(tmp_path / "nothing-yet").crosswalk.empty


def test_a_damaged_crosswalk_stops_the_build_instead_of_minting_new_ids(tmp_path):
    (tmp_path / CROSSWALK_FILE).write_text(
        "source,source_key,intermediary_id,name,first_seen,last_seen,status\n"
        "cfa,a.org,im-xyz,Alpha,2026-11-01,2026-11-01,active\n", encoding="utf-8")
    with pytest.raises(CrosswalkError, match="line 2"):
        read_memory(tmp_path)


def test_the_crosswalk_is_written_with_the_published_release_and_only_then(tmp_path):

    from pipelines.fetch.records import SourceRecords
    from pipelines.link.tables import build_release
    from pipelines.publish.release import publish
    from sources import cfa
    from sources.snapshot import SAMPLE_SNAPSHOTS, latest_snapshot

    records = cfa.parse(latest_snapshot(SAMPLE_SNAPSHOTS, "cfa")).records

    def run(fingerprint, day):
        result = SourceRecords(source="cfa", url=cfa.URL, status="fresh", records=records,
                               snapshot=None, fingerprint=fingerprint,
                               retrieved_at="2026-11-01T12:00:00Z", sample=False,
                               replayed=False)
        release = build_release([result], memory=read_memory(tmp_path), today=day)
        return release, publish(release, tmp_path, f"{day}T06:00:00Z")

    first, outcome = run("f1", "2026-11-01")
    assert outcome.published and (tmp_path / CROSSWALK_FILE).is_file()
    written = (tmp_path / CROSSWALK_FILE).read_bytes()
    assert len(read_memory(tmp_path).crosswalk) == len(records)
    same, outcome = run("f1", "2026-11-08")  # unchanged inputs: nothing is published
    assert not outcome.published and (tmp_path / CROSSWALK_FILE).read_bytes() == written
    again, outcome = run("f2", "2026-11-15")
    assert outcome.published
    ids = first.table("intermediaries").set_index("name")["intermediary_id"]
    later = again.table("intermediaries").set_index("name")
    assert later["intermediary_id"].equals(ids)
    assert set(later["first_seen"]) == {"2026-11-01"} and set(later["last_seen"]) == {
        "2026-11-15"}
