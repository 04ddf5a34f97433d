"""Community foundations from the IRS Exempt Organizations Business Master File (EO BMF).

The BMF's in-care-of name (``ICO``) is a person's name and is never read into any table. The
street line is kept only for records without an in-care-of name (then it is the organization's
own address; with one, it is usually that person's mailing address).
"""

from schemas.catalogue import Field, define
from schemas.table import Table

define(
    Field("ein", "string", "Employer Identification Number given by the IRS: nine digits, "
          "leading zeros kept (shown elsewhere as NN-NNNNNNN).", required=True,
          pattern=r"^\d{9}$"),
    Field("street", "string", "Street line of the organization's address as the source gives "
          "it. The IRS BMF's is kept only when the record names no in-care-of person, whose "
          "own mailing address it would otherwise be."),
    Field("ntee_code", "string", "National Taxonomy of Exempt Entities code the IRS assigned "
          "(T31: community foundations; empty when the BMF gives none).",
          pattern=r"^[A-Z0-9]{3,5}$"),
    Field("ruling_year", "integer", "Year of the IRS ruling or determination letter that "
          "recognised the exemption (from RULING, YYYYMM); empty when the BMF gives none "
          "(000000).", minimum=1800, maximum=2100),
    Field("asset_amount", "integer", "Total assets in US dollars from the organization's most "
          "recent return, as the BMF gives it (ASSET_AMT); empty when not reported."),
    Field("income_amount", "integer", "Income in US dollars from the most recent return "
          "(INCOME_AMT; may be negative); empty when not reported."),
    Field("revenue_amount", "integer", "Revenue in US dollars from the most recent Form 990 "
          "(REVENUE_AMT); empty when not reported."),
    Field("sort_name", "string", "The BMF's secondary name line (SORT_NAME): often a chapter, "
          "fund or 'doing business as' name."),
)

IRS_BMF_FOUNDATIONS = Table(
    name="irs_bmf_foundations",
    description="Community foundations in the IRS Exempt Organizations Business Master File "
    "extract, one row per EIN across the four regional files: public charities whose codes, "
    "assets and name say they pool gifts to serve a place (NTEE T31 alone is not enough; see "
    "sources/community_foundation.py). Names, cities and codes are as the IRS gives them "
    "(upper case); the in-care-of name is never included.",
    columns=("record_id", "ein", "name", "sort_name", "kind", "street", "city", "state", "zip",
             "country", "service_area", "ntee_code", "ruling_year", "asset_amount",
             "income_amount", "revenue_amount", "source_url", "retrieved_at"),
    primary_key=("ein",),
)
