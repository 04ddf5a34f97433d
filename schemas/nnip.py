"""NNIP partner organizations, as parsed from neighborhoodindicators.org partner profiles."""

from schemas.catalogue import Field, define
from schemas.table import Table

define(
    Field("partnership", "string", "The NNIP partnership (one partner profile, usually one metro) "
          "the organization belongs to, as the profile's key; the organizations of a joint "
          "partnership share it.", required=True, pattern=r"^[a-z0-9][a-z0-9-]*$"),
    Field("description", "string", "Short description of the organization (for NNIP, of the "
          "partnership) as published by the source."),
    Field("year_joined", "integer", "Year the organization joined the network the source "
          "describes (for NNIP: became a partner).", minimum=1990, maximum=2100),
)

NNIP_PARTNERS = Table(
    name="nnip_partners",
    description="Organizations in the National Neighborhood Indicators Partnership, one row per "
    "organization (a joint partnership of several organizations gives several rows).",
    columns=("record_id", "partnership", "name", "kind", "website", "city", "state",
             "description", "year_joined", "contact_email", "contact_phone", "source_url",
             "retrieved_at"),
    primary_key=("record_id",),
)
