"""Members of the Alliance of Civic Technologists, as listed in the website's ``members.yml``."""

from schemas.table import Table

ACT_MEMBERS = Table(
    name="act_members",
    description="Civic tech groups that are members of the Alliance of Civic Technologists "
    "(the groups that carried on after Code for America ended its brigade network in 2023), "
    "from _data/members.yml of civictechnologists/website: name and website, no location.",
    columns=("record_id", "name", "website", "source_url", "retrieved_at"),
    primary_key=("record_id",),
)
