"""Code tables of the NCES IPEDS "Directory information" (HD) file: what its coded columns mean.

The codes are NCES's own, from the HD file's data dictionary (``SECTOR``, ``DEGGRANT``,
``CYACTIVE``, ``LANDGRNT``, ``HBCU``, ``TRIBAL``) and the Carnegie Classification's 2021 basic
classification (``C21BASIC``). They are written here once; the parser (``sources.ipeds``), the
column catalogue (``schemas.ipeds``) and the answer read them from here, never as bare numbers.

No pandas, no Dagster: the ``near`` command imports this on its fast start-up path.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- code tables ------------------------------------------------------------------------------

#: HD ``SECTOR``: control and level of the institution.
SECTORS: dict[int, str] = {
    0: "Administrative Unit",
    1: "Public, 4-year or above",
    2: "Private not-for-profit, 4-year or above",
    3: "Private for-profit, 4-year or above",
    4: "Public, 2-year",
    5: "Private not-for-profit, 2-year",
    6: "Private for-profit, 2-year",
    7: "Public, less-than 2-year",
    8: "Private not-for-profit, less-than 2-year",
    9: "Private for-profit, less-than 2-year",
    99: "Sector unknown (not active)",
}
#: The sectors listed: public and private not-for-profit institutions. For-profit colleges
#: (3, 6, 9) are left out: a resident looking for a civic data partner rarely finds one there,
#: and they are half the file. Administrative units (0) teach nobody.
LISTED_SECTORS: frozenset[int] = frozenset({1, 2, 4, 5, 7, 8})
#: HD ``CONTROL`` words per listed sector, for ``control``.
SECTOR_CONTROL: dict[int, str] = {1: "public", 4: "public", 7: "public",
                                  2: "private nonprofit", 5: "private nonprofit",
                                  8: "private nonprofit"}

#: HD ``DEGGRANT``: degree-granting status.
DEGREE_GRANTING = 1
DEGGRANT: dict[int, str] = {1: "Degree-granting", 2: "Nondegree-granting, primarily postsecondary",
                            -3: "Not available"}

#: HD ``CYACTIVE``: is the institution active in the current year.
ACTIVE = 1
CYACTIVE: dict[int, str] = {1: "Yes", 2: "No", 3: "Closed in current year (active has data)"}

#: HD ``LANDGRNT``, ``HBCU``, ``TRIBAL``: 1 = yes, 2 = no (-1/-2: not reported / applicable).
YES, NO = 1, 2
YES_NO: dict[int, str] = {1: "Yes", 2: "No", -1: "Not reported", -2: "Not applicable"}


@dataclass(frozen=True)
class CarnegieClass:
    """One value of the Carnegie Classification's 2021 basic classification (``C21BASIC``)."""

    code: int
    words: str  # the classification's own name, published as ``carnegie_class``
    level: str  # ``carnegie_level``: doctoral, masters, baccalaureate, associate, ...
    research_activity: str | None = None  # 'very high' (R1), 'high' (R2)


_ASSOCIATE = "Associate's Colleges: "
_SPECIAL_2 = "Special Focus Two-Year: "
_SPECIAL_4 = "Special Focus Four-Year: "
#: C21BASIC, 1-33; -2 is "not applicable, not in Carnegie universe" (no class: NULL).
CARNEGIE_2021: tuple[CarnegieClass, ...] = (
    CarnegieClass(1, _ASSOCIATE + "High Transfer-High Traditional", "associate"),
    CarnegieClass(2, _ASSOCIATE + "High Transfer-Mixed Traditional/Nontraditional",
                  "associate"),
    CarnegieClass(3, _ASSOCIATE + "High Transfer-High Nontraditional", "associate"),
    CarnegieClass(4, _ASSOCIATE + "Mixed Transfer/Career & Technical-High Traditional",
                  "associate"),
    CarnegieClass(5, _ASSOCIATE + "Mixed Transfer/Career & Technical-Mixed "
                  "Traditional/Nontraditional", "associate"),
    CarnegieClass(6, _ASSOCIATE + "Mixed Transfer/Career & Technical-High Nontraditional",
                  "associate"),
    CarnegieClass(7, _ASSOCIATE + "High Career & Technical-High Traditional", "associate"),
    CarnegieClass(8, _ASSOCIATE + "High Career & Technical-Mixed Traditional/Nontraditional",
                  "associate"),
    CarnegieClass(9, _ASSOCIATE + "High Career & Technical-High Nontraditional", "associate"),
    CarnegieClass(10, _SPECIAL_2 + "Health Professions", "special_focus"),
    CarnegieClass(11, _SPECIAL_2 + "Technical Professions", "special_focus"),
    CarnegieClass(12, _SPECIAL_2 + "Arts & Design", "special_focus"),
    CarnegieClass(13, _SPECIAL_2 + "Other Fields", "special_focus"),
    CarnegieClass(14, "Baccalaureate/Associate's Colleges: Associate's Dominant", "associate"),
    CarnegieClass(15, "Doctoral Universities: Very High Research Activity", "doctoral",
                  "very high"),
    CarnegieClass(16, "Doctoral Universities: High Research Activity", "doctoral", "high"),
    CarnegieClass(17, "Doctoral/Professional Universities", "doctoral"),
    CarnegieClass(18, "Master's Colleges & Universities: Larger Programs", "masters"),
    CarnegieClass(19, "Master's Colleges & Universities: Medium Programs", "masters"),
    CarnegieClass(20, "Master's Colleges & Universities: Small Programs", "masters"),
    CarnegieClass(21, "Baccalaureate Colleges: Arts & Sciences Focus", "baccalaureate"),
    CarnegieClass(22, "Baccalaureate Colleges: Diverse Fields", "baccalaureate"),
    CarnegieClass(23, "Baccalaureate/Associate's Colleges: Mixed Baccalaureate/Associate's",
                  "baccalaureate"),
    CarnegieClass(24, _SPECIAL_4 + "Faith-Related Institutions", "special_focus"),
    CarnegieClass(25, _SPECIAL_4 + "Medical Schools & Centers", "special_focus"),
    CarnegieClass(26, _SPECIAL_4 + "Other Health Professions Schools", "special_focus"),
    CarnegieClass(27, _SPECIAL_4 + "Research Institution", "special_focus"),
    CarnegieClass(28, _SPECIAL_4 + "Engineering and Other Technology-Related Schools",
                  "special_focus"),
    CarnegieClass(29, _SPECIAL_4 + "Business & Management Schools", "special_focus"),
    CarnegieClass(30, _SPECIAL_4 + "Arts, Music & Design Schools", "special_focus"),
    CarnegieClass(31, _SPECIAL_4 + "Law Schools", "special_focus"),
    CarnegieClass(32, _SPECIAL_4 + "Other Special Focus Institutions", "special_focus"),
    CarnegieClass(33, "Tribal Colleges and Universities", "tribal"),
)
CARNEGIE_BY_CODE: dict[int, CarnegieClass] = {c.code: c for c in CARNEGIE_2021}
CARNEGIE_LEVELS = ("doctoral", "masters", "baccalaureate", "associate", "special_focus",
                   "tribal")
RESEARCH_ACTIVITY = ("very high", "high")
#: Levels the answer lists first with the units of universities: research universities.
RESEARCH_LEVELS = ("doctoral", "masters")
