"""Census Bureau State Data Center agencies, as parsed from the member network's state pages."""

from schemas.catalogue import Field, define
from schemas.table import Table

EMAIL_LIST = r"^[^@\s;]+@[^@\s;]+\.[A-Za-z]{2,}(; [^@\s;]+@[^@\s;]+\.[A-Za-z]{2,})*$"

define(
    Field("address", "string", "Postal address as published, its lines joined with ', '."),
    Field("contact_person_name", "string", "Names of the people the source lists as contacts, "
          "separated by '; ' in the order published. Personal data: published only when "
          "INTERMEDIARIES_PUBLISH_PERSONAL_CONTACTS is on."),
    Field("contact_person_title", "string", "Job titles of the listed contact people, "
          "separated by '; ' in the order published. Personal data, like contact_person_name."),
    Field("contact_person_email", "string", "Email addresses of the listed contact people, "
          "separated by '; ' in the order published. Personal data, like contact_person_name.",
          pattern=EMAIL_LIST),
    Field("contact_person_phone", "string", "Phone numbers of the listed contact people as "
          "NNN-NNN-NNNN, separated by '; ' in the order published. Personal data, like "
          "contact_person_name."),
    Field("has_contact_person", "boolean", "True when the source names at least one contact "
          "person for the listing (whether or not their details are published here).",
          required=True),
)

SDC_AGENCIES = Table(
    name="sdc_agencies",
    description="Agencies in the U.S. Census Bureau's State Data Center network, one row per "
    "agency listed on a state or territory page: the lead agency, coordinating agencies and "
    "affiliates.",
    columns=("record_id", "name", "kind", "role", "department", "address", "city", "state",
             "country", "website", "contact_email", "contact_phone", "contact_person_name",
             "contact_person_title", "contact_person_email", "contact_person_phone",
             "has_contact_person", "source_url", "retrieved_at"),
    primary_key=("record_id",),
    personal=("contact_person_name", "contact_person_title", "contact_person_email",
              "contact_person_phone"),
)
