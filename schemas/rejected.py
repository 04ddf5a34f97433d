"""Records a source listed but that could not be parsed: published, never silently dropped."""

from schemas.catalogue import Field, define
from schemas.table import Table

define(
    Field("record_key", "string", "The rejected record's key or name as far as it could be read "
          "(its position when it has neither).", required=True),
    Field("position", "integer", "Position of the record in the page or file it came from "
          "(0-based).", required=True, minimum=0),
    Field("field", "string", "The field that could not be read ('record' when the whole record "
          "was unusable).", required=True),
)

REJECTED_RECORDS = Table(
    name="rejected_records",
    description="Listings a source gave that could not be parsed, one row per rejected record, "
    "with the field and what was wrong. The rest of the source is published; when rejects "
    "exceed the configured share of a source, the publish stops.",
    columns=("source", "record_key", "position", "field", "problem", "source_url",
             "retrieved_at"),
    primary_key=("source", "source_url", "position"),
    optional=(),
)
