"""Colleges and universities from the NCES IPEDS "Directory information" (HD) file: the columns
and the table. What the file's codes mean is in ``schemas.ipeds_codes``.
"""

from __future__ import annotations

from schemas.catalogue import Field, define
from schemas.ipeds_codes import CARNEGIE_2021, CARNEGIE_LEVELS, RESEARCH_ACTIVITY, SECTORS
from schemas.table import Table

# --- columns ----------------------------------------------------------------------------------

define(
    Field("unitid", "string", "IPEDS unit id (UNITID): NCES's six-digit identifier of the "
          "institution.", required=True, pattern=r"^\d{6}$"),
    Field("alias", "string", "Other names of the institution as IPEDS gives them (IALIAS), "
          "often an abbreviation."),
    Field("sector", "string", "IPEDS sector (SECTOR) in words: control (public, private "
          "not-for-profit) and level (4-year or above, 2-year, less-than 2-year).",
          enum=tuple(SECTORS.values())),
    Field("control", "string", "Who runs the institution: 'public' or 'private nonprofit' "
          "(from the IPEDS sector).", enum=("public", "private nonprofit")),
    Field("carnegie_basic", "integer", "Carnegie Classification 2021 basic class code "
          "(IPEDS C21BASIC, 1-33); empty when the institution is not classified.",
          minimum=1, maximum=33),
    Field("carnegie_class", "string", "For a college or university: its Carnegie "
          "Classification (2021 basic class) in words, e.g. 'Doctoral Universities: Very High "
          "Research Activity'; empty when not classified.",
          enum=tuple(c.words for c in CARNEGIE_2021)),
    Field("carnegie_level", "string", "For a college or university: the level of its Carnegie "
          "class: 'doctoral', 'masters', 'baccalaureate', 'associate', 'special_focus' or "
          "'tribal'; empty when not classified.", enum=CARNEGIE_LEVELS),
    Field("research_activity", "string", "For a doctoral university: its research activity, "
          "'very high' (Carnegie R1) or 'high' (R2); empty otherwise.", enum=RESEARCH_ACTIVITY),
    Field("land_grant", "boolean", "For a college or university: true for a land-grant "
          "institution (IPEDS LANDGRNT), whose cooperative extension service has an office in "
          "every county of its state."),
    Field("hbcu", "boolean", "For a college or university: true for a historically Black "
          "college or university (IPEDS HBCU)."),
    Field("tribal_college", "boolean", "For a college or university: true for a tribal "
          "college or university (IPEDS TRIBAL)."),
    Field("part_of", "string", "For a unit of a university (a centre, data repository or "
          "State Data Center agency whose website is on the university's registrable domain, "
          "e.g. pad.human.cornell.edu on cornell.edu): the intermediary_id of the university. "
          "A unit is its own row, never merged into its university; civic tech groups and "
          "governments are never units.", pattern=r"^im-[0-9a-f]{12}$"),
)

IPEDS_INSTITUTIONS = Table(
    name="ipeds_institutions",
    description="Active, degree-granting public and private not-for-profit colleges and "
    "universities in the NCES IPEDS Directory information (HD) file, one row per institution "
    "(UNITID). For-profit institutions, administrative units, closed institutions and "
    "institutions that grant no degree are left out. Code meanings are NCES's own; the "
    "website has https:// added where IPEDS gives none.",
    columns=("record_id", "unitid", "name", "alias", "kind", "sector", "control", "website",
             "city", "state", "country", "zip", "county_fips", "latitude", "longitude",
             "carnegie_basic", "carnegie_class", "carnegie_level", "research_activity",
             "land_grant", "hbcu", "tribal_college", "source_url", "retrieved_at"),
    primary_key=("unitid",),
)
