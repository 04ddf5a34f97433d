"""Data catalogs of US local, regional and academic owners, from the Common Data Index
dataportals-registry (``catalogs.jsonl.zst``, CC BY 4.0), each linked to the organization that
runs it where the linking rules can tell (``pipelines/link/portals.py``)."""

from schemas.catalogue import HTTP_URL, Field, define
from schemas.published import INTERMEDIARIES  # noqa: F401  (defines portal_software first)
from schemas.table import Table

define(
    Field("portal_id", "string", "The data portals registry's id of the catalog (its 'id', "
          "the name of its entry file, e.g. dataohiogov).", required=True),
    Field("portal_uid", "string", "The registry's uid of the catalog (cdi00001872; 'temp…' "
          "until the registry gives it a permanent one)."),
    Field("portal_name", "string", "Name of the data catalog, as the registry gives it.",
          required=True),
    Field("portal_url", "string", "Address of the data catalog (the registry's 'link').",
          required=True, pattern=HTTP_URL),
    Field("catalog_type", "string", "What kind of catalog it is, in the registry's words: "
          "'Open data portal', 'Geoportal', 'Indicators catalog', 'Scientific data "
          "repository', ..."),
    Field("software_id", "string", "The registry's code of the software the catalog runs on "
          "(arcgisserver, arcgishub, socrata, ckan, dspace, custom, ...)."),
    Field("api_endpoint", "string", "The catalog's main machine-readable endpoint (by the "
          "order of schemas.codes.API_ENDPOINT_TYPES: an ArcGIS REST services directory, the "
          "Socrata views API, a DCAT feed, OAI-PMH, ...); empty when the registry lists "
          "none.", pattern=HTTP_URL),
    Field("api_endpoint_type", "string", "The registry's type of api_endpoint "
          "(arcgis:rest:services, socrata:views, dcatus11, oaipmh20, ...)."),
    Field("owner_name", "string", "Who runs the catalog, as the registry names it. Some names "
          "are generated from a host ('City of Daytonohio'): see owner_name_from_host."),
    Field("owner_type", "string", "The registry's type of owner: 'Local government', "
          "'Regional government' (counties, regional councils, state agencies) or 'Academy' "
          "(universities).", required=True),
    Field("owner_website", "string", "The owner's website as the registry gives it (the first "
          "one when it lists several).", pattern=HTTP_URL),
    Field("owner_name_from_host", "boolean", "True when the owner's name was generated from a "
          "web host rather than written by a person ('City of Daytonohio', 'City of Ohiodnr', "
          "'Arcgisweb'): such a name is never published as an organization's name, and the "
          "catalog is linked by its website only.", required=True),
    Field("portal_license", "string", "The licence of the catalog's data, when the registry "
          "names one."),
    Field("portal_license_url", "string", "Where the catalog's licence or terms of use are "
          "written.", pattern=HTTP_URL),
    Field("portal_rights", "string", "How the registry describes the catalog's rights: "
          "'global' (one licence for the whole catalog), 'granular' (per dataset), "
          "'inapplicable' or 'unknown'."),
    Field("portal_status", "string", "The registry's status of the catalog (active, "
          "inactive, ...)."),
)

DATA_PORTALS = Table(
    name="data_portals",
    description="Data catalogs (open data portals, GIS servers and hubs, indicator catalogs, "
    "research repositories) of US local governments, regional governments and universities, "
    "from the Common Data Index dataportals-registry (CC BY 4.0), one row per catalog. "
    "intermediary_id is the organization that runs it and link_reason says why "
    "(pipelines/link/portals.py): by its website, by its owner's name in its state, or a new "
    "organization made for an owner no other source lists; empty when the rules cannot tell "
    "(a name generated from a host with no known website, a university not in the directory). "
    "record_id is the listing in source_records it was linked through.",
    columns=("portal_id", "portal_uid", "portal_name", "portal_url", "catalog_type", "software_id",
             "portal_software", "api_endpoint", "api_endpoint_type", "owner_name", "owner_type",
             "owner_website", "owner_name_from_host", "state", "government_level",
             "portal_license", "portal_license_url", "portal_rights", "portal_status",
             "intermediary_id", "record_id", "link_reason", "source_url", "retrieved_at"),
    primary_key=("portal_id",),
    foreign_keys=(("intermediary_id", "intermediaries", "intermediary_id"),),
    optional=("intermediary_id", "record_id", "link_reason"),
)
