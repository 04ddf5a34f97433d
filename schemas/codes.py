"""Code tables: the values of a coded column, each written once with everything that goes with it.

The column catalogue (``schemas.catalogue``) says what a column is; a code table says what
each of its values means. :data:`KINDS` is the one home of the ``kind`` vocabulary: the
column's enum, the label a person reads, the colour on the release page's map, the section
of the "who can I call?" answer that lists the kind, the area it serves when its source does
not say, and the class linking keeps apart. :data:`CHANGE_KINDS` is the one order of the
change log's kinds. Everything else imports these.

No pandas, no Dagster: the ``near`` command imports this on its fast start-up path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One value of ``kind``."""

    code: str  # the published value
    label: str  # what a person reads ("NNIP partner")
    colour: str  # its colour on the release page's map (Tableau 10)
    #: The section of the answer that lists it (a key of ``pipelines.answer.sections.SECTIONS``);
    #: None: the answer never lists it.
    section: str | None = None
    #: The area it serves when its source does not say (a ``service_area`` value); None: read
    #: from where it is.
    service_area: str | None = None
    #: Linking never joins two listings of different classes (None joins any).
    link_class: str | None = None
    #: A listing of this kind whose website is on a university's registrable domain is a unit
    #: of that university (``part_of``): a research centre, a State Data Center agency.
    university_unit: bool = False


#: Every kind, in the users' guide's order (the answer's sections; ``project`` has no place).
KINDS: tuple[Kind, ...] = (
    Kind("nnip_partner", "NNIP partner", "#4e79a7", section="nnip",
         service_area="metro",  # a partnership serves its metropolitan area
         university_unit=True),
    Kind("local_government", "local government", "#59a14f", section="government",
         service_area="city",  # refined by the listing's government level
         link_class="government"),
    # Code for America's government teams (18F, USDS, ...): no city's government, so linked
    # like any organization
    Kind("government", "government team", "#76b7b2", section="government",
         service_area="national"),
    # a college or university (IPEDS): linked only with other listings of universities, so
    # a brigade named after the campus it meets at is never merged into one
    Kind("university", "college or university", "#2f4b7c", section="university",
         service_area="metro", link_class="university"),
    Kind("brigade", "Code for America brigade", "#e15759", section="civic_tech",
         link_class="civic_tech"),
    Kind("civic_tech_group", "civic tech group", "#b07aa1", section="civic_tech",
         link_class="civic_tech"),
    Kind("civic_tech_network", "civic tech network", "#ff9da7", section="civic_tech",
         link_class="civic_tech"),
    Kind("project", "project", "#9c755f"),
    Kind("state_data_center", "State Data Center", "#f28e2b", section="sdc",
         service_area="state",  # an SDC agency serves its state
         university_unit=True),
    Kind("community_foundation", "community foundation", "#edc948", section="foundation",
         service_area="county"),
)

KIND_CODES: tuple[str, ...] = tuple(k.code for k in KINDS)
KIND_LABELS: dict[str, str] = {k.code: k.label for k in KINDS}
KIND_COLOURS: dict[str, str] = {k.code: k.colour for k in KINDS}
KIND_SERVICE_AREA: dict[str, str] = {k.code: k.service_area for k in KINDS if k.service_area}
#: Kinds the answer can list (those with a section: not ``project``, which has no place).
ANSWER_KINDS: tuple[str, ...] = tuple(k.code for k in KINDS if k.section)


def kinds_in_section(*sections: str) -> tuple[str, ...]:
    """The kinds the answer lists in these sections, in the guide's order."""
    return tuple(k.code for k in KINDS if k.section in sections)


#: Kinds that can be a unit of a university (``part_of``); never civic tech or governments.
UNIVERSITY_UNIT_KINDS: frozenset[str] = frozenset(k.code for k in KINDS if k.university_unit)


def kinds_in_link_class(link_class: str) -> frozenset[str]:
    """The kinds of one linking class."""
    return frozenset(k.code for k in KINDS if k.link_class == link_class)


#: What ``changes`` can say of an organization, in the order the change log, its counts and
#: the reports list them: new ids (added, split off), ids gone (removed, merged away), then the
#: per-field changes, which can be many, last.
CHANGE_KINDS: tuple[str, ...] = ("added", "split", "removed", "merged", "changed")


# --- data portals (sources/portals.py, pipelines/link/portals.py) -----------------------------

#: The data portals registry's software codes, in words (``portal_software``). A code not here
#: takes the registry's own name for it; 'custom' is no software name: its words are empty.
PORTAL_SOFTWARE: dict[str, str | None] = {
    "arcgisserver": "ArcGIS Server", "arcgishub": "ArcGIS Hub", "arcgisportal": "ArcGIS Portal",
    "socrata": "Socrata", "ckan": "CKAN", "dkan": "DKAN", "opendatasoft": "OpenDataSoft",
    "junar": "Junar", "geonode": "GeoNode", "geonetwork": "GeoNetwork",
    "geoserver": "GeoServer", "mapstore": "MapStore", "mangomap": "MangoMap",
    "dspace": "DSpace", "dataverse": "Dataverse", "elsevierdigitalcommons":
    "Elsevier Digital Commons", "islandora": "Islandora", "hyrax": "Hyrax",
    "eprints": "EPrints", "invenio": "Invenio", "figshare": "Figshare", "thredds": "THREDDS",
    "erddap": "ERDDAP", "drupal": "Drupal", "nada": "NADA", "pxweb": "PxWeb",
    "custom": None,
}

#: Which catalog is an organization's main data portal (``open_data_portal``): earlier types
#: first, any other type after them.
CATALOG_TYPE_ORDER: tuple[str, ...] = ("Open data portal", "Geoportal", "Indicators catalog",
                                       "Scientific data repository")

#: Which of a catalog's endpoints is its API (``api_endpoint``): the first type here it has.
#: Sitemaps, feeds, search descriptions and service metadata are never the API.
API_ENDPOINT_TYPES: tuple[str, ...] = (
    "arcgis:rest:services", "socrata:views", "ckan:api", "ckan", "opendatasoft",
    "dataverseapi", "dcatus11", "dcatap201", "ogcrecordsapi", "oaipmh20", "erddap:datasets",
    "thredds:catalog", "hyrax:catalog", "wfs200", "wms130", "mangomap:catalog",
    "mapstore:catalog", "drupal:catalog",
)
