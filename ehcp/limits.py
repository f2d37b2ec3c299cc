"""One set of limits for text that comes from outside: the intake schema, the case store's
create layer, the case API and the resume forms all take their bounds from here, so
whatever the published schema accepts, the store accepts too (tests/db/test_inputs_limits.py
walks the schema against the store).

The bounds are the database's columns (ehcp.db.models) where a column has one, and a
generous page's worth of text where it does not: a 397 KB "reasons" made a 136-page
letter, and nothing a panel or a family writes needs more than 20,000 characters.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from ehcp.safe_text import Prose

# -- lengths, in characters ------------------------------------------------------------
NAME = 200  # a person's, a setting's or an organisation's name (child.given_names etc.)
ADDRESS_LINE = 200
TOWN = 100  # child.town is VARCHAR(100)
POSTCODE = 10
PHONE = 40
EMAIL = 320
ROLE = 100  # a professional's role, in the request's words
LANGUAGE = 60
KEY = 60  # a calendar key, an advice or consultation key, an advice-gap reason
LIMIT_KEY = 80
CONSULTATION_OUTCOME = 40  # setting_consultation.outcome is VARCHAR(40)
SUBMISSION_ID = 100
ADVICE_SOURCE = 300
ACCESSIBILITY_NEEDS = 1000
FAMILY_EXPLANATION = 2000
INTERNAL_NOTE = 5000
STATEMENT = 20_000  # reasons, needs, a decision's reasons, advice text for one plan section
SECTION_CODE = 10

# -- counts ------------------------------------------------------------------------------
FAMILY_CONTACTS = 4  # parents and carers on one request
PROFESSIONALS = 10  # professionals already involved, named on one request

# -- days --------------------------------------------------------------------------------
# Children and Families Act 2014 Part 3 came into force on 1 September 2014 (SI 2014/889):
# no request for an EHC needs assessment was received before it.
EHC_REGIME_BEGAN = date(2014, 9, 1)
# s.83(2): a young person is under 25; nobody older can be asked about.
AGE_LIMIT_YEARS = 25


# -- names: no web address ---------------------------------------------------------------
# Names are relayed to professionals and the family in the council's own emails and
# letters, where a web address would read as the council's. A name never holds "://",
# "www." or a domain: a label and a dot followed at once by a common top-level domain.
# "St. Mary's", "A.J. Cooper", "O'Neil" or "Co-op Academy" have no such token.
_TOP_LEVEL = (
    "com|net|org|uk|io|co|info|xyz|biz|me|app|dev|ru|cn|top|site|online|link|click|ly|gov|edu|"
    "eu|us|tk|ml|ga|cf|gq|club|shop|store|live|icu|vip|win|work|email|ai|tv|cc|ws|su|pw|zip|mov"
)
_WEB_ADDRESS = re.compile(
    rf"://|\bwww\.|(?<![\w.-])[a-z0-9-]{{2,}}(?:\.[a-z0-9-]+)*\.(?:{_TOP_LEVEL})(?![\w-])"
    rf"|[a-z0-9-]+\.(?:{_TOP_LEVEL})/",
    re.IGNORECASE,
)


def has_web_address(value: str) -> bool:
    return _WEB_ADDRESS.search(value) is not None


def no_web_address(value: str | None) -> str | None:
    if value is not None and has_web_address(value):
        raise ValueError("a name cannot contain a web address")
    return value


# -- dates that arrive as ISO text -------------------------------------------------------
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day_only(value: Any) -> Any:
    """A day is a `date` or the ISO text of one ("2026-01-05"): never a number (pydantic
    would read 20260101 as seconds since 1970) nor a timestamp."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value
    raise ValueError("give a date as YYYY-MM-DD")


# -- the bounded types -------------------------------------------------------------------
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME), AfterValidator(no_web_address)]
OrganisationName = Annotated[str, StringConstraints(min_length=1, max_length=NAME)]
AddressLine = Annotated[str, StringConstraints(min_length=1, max_length=ADDRESS_LINE)]
Town = Annotated[str, StringConstraints(min_length=1, max_length=TOWN)]
Postcode = Annotated[str, StringConstraints(min_length=5, max_length=POSTCODE)]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=PHONE)]
Language = Annotated[str, StringConstraints(min_length=1, max_length=LANGUAGE)]
CalendarKey = Annotated[str, StringConstraints(min_length=1, max_length=KEY)]
Statement = Annotated[str, StringConstraints(min_length=1, max_length=STATEMENT), Prose()]
# Prose up to a statement's length that may be empty: a decision's reasons, advice text for a section.
FreeText = Annotated[str, StringConstraints(max_length=STATEMENT), Prose()]
AccessibilityNeeds = Annotated[str, StringConstraints(max_length=ACCESSIBILITY_NEEDS), Prose()]
InternalNote = Annotated[str, StringConstraints(max_length=INTERNAL_NOTE), Prose()]
FamilyExplanation = Annotated[str, StringConstraints(max_length=FAMILY_EXPLANATION), Prose()]
NhsNumberText = Annotated[str, Field(pattern=r"^\d{10}$")]
Upn = Annotated[str, Field(pattern=r"^[A-Z]\d{11}[0-9A-Z]$")]
Urn = Annotated[str, Field(pattern=r"^\d{6,7}$")]
IsoDay = Annotated[date, BeforeValidator(_iso_day_only)]


def nhs_check_digit(value: str | None) -> str | None:
    """NHS numbers carry a modulus-11 check digit; a typo is caught here, not at the ICB."""
    if value is None:
        return value
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(value[9]):
        raise ValueError("not a valid NHS number (check digit does not match)")
    return value


NhsNumber = Annotated[NhsNumberText, AfterValidator(nhs_check_digit)]
