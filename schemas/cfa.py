"""Code for America brigade records, as parsed from ``organizations.json``."""

from schemas.catalogue import HTTP_URL, Field, define
from schemas.published import LOCATION
from schemas.table import Table

define(
    Field("cfa_type", "string", "The record's 'type' text in organizations.json (tags joined by "
          "commas in older records).", ),
    Field("projects_list_url", "string", "Where the group lists its projects (often GitHub).",
          pattern=HTTP_URL),
)

CFA_BRIGADES = Table(
    name="cfa_brigades",
    description="Organizations listed in Code for America's brigade-information "
    "organizations.json: brigades, partners, government teams and Code for All members.",
    columns=("record_id", "name", "kind", "website", "events_url", "projects_list_url", *LOCATION,
             "tags", "cfa_type", "previous_names", "social_profiles", "source_url",
             "retrieved_at"),
    primary_key=("record_id",),
)
