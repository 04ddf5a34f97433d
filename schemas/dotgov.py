""".gov registry domains (CISA's ``current-full.csv``) of local, state and tribal governments.

The registry's security contact email is never read into any table: many are personal.
"""

from schemas.catalogue import Field, define
from schemas.table import Table

KEPT_DOMAIN_TYPES = ("City", "County", "State or territory", "Tribal", "Special district",
                     "School district")

define(
    Field("domain", "string", "A .gov domain name, lowercased (the registry's 'Domain name').",
          required=True, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*"
          r"[a-z0-9])?)*\.gov$"),
    Field("domain_type", "string", "The registry's 'Domain type': the kind of government that "
          "registered the domain; '<type> - Election' marks a domain used for elections.",
          required=True,
          enum=(*KEPT_DOMAIN_TYPES, *(f"{t} - Election" for t in KEPT_DOMAIN_TYPES))),
    Field("organization_name", "string", "The registry's 'Organization name': who registered "
          "the domain, as written there.", required=True),
    Field("suborganization_name", "string", "The registry's 'Suborganization name' (a "
          "department or office within the organization), where given."),
    Field("is_intermediary", "boolean", "True when the domain belongs to a listing of this "
          "directory: a general-purpose government or a data-relevant department (planning, "
          "GIS, IT, open data, statistics). Courts, police, clerks, schools, utilities and "
          "other departments are False: kept here, not listed.", required=True),
    Field("is_primary_domain", "boolean", "True for the domain used as its listing's website "
          "(the first by: no vote or election word; most words of the organization's name; "
          "shortest; alphabetical).", required=True),
    Field("websites", "string", "Every website of the organization (for a .gov listing: each "
          "of its domains as https://<domain>, its primary one first), separated by '; '."),
)

DOTGOV_DOMAINS = Table(
    name="dotgov_domains",
    description="Domains in the .gov registry (CISA dotgov-data current-full.csv) registered by "
    "city, county, state, tribal governments, special and school districts, one row per domain, "
    "with the government level and unit read from the organization's name. Federal and "
    "interstate domains are left out; the registry's security contact email is never included. "
    "record_id links a domain to the organization's listing in source_records (empty for "
    "domains of organizations that are not listed, such as courts and police).",
    columns=("domain", "record_id", "domain_type", "organization_name", "suborganization_name",
             "city", "state", "government_level", "government_unit", "is_intermediary",
             "is_primary_domain", "source_url", "retrieved_at"),
    primary_key=("domain",),
    optional=("record_id",),
)
