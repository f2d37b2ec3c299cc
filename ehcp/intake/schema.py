"""The intake payload, version 1: what an online form sends for one request.

Published in the web app's OpenAPI (`/docs`, `/openapi.json`). A form product
maps its fields to this once; `examples/intake-request.json` validates.
Unknown fields are refused (a typo must not silently drop information), and
every error names its field.

Strict: true and false are JSON booleans (not "yes", 1 or "on"), a day is ISO text
("2026-01-05", never the number 20260105). Bounded: every text has a length limit,
shared with the case store (ehcp.limits), so what this schema accepts the store
accepts; no text holds a control, invisible or text-direction character
(ehcp.safe_text), and no name holds a web address. At most 4 parents or carers and
10 professionals, each email address once among them and the setting's.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, EmailStr, Field, StrictBool, ValidationError, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ehcp import timesource
from ehcp.db.inputs import ChildIn
from ehcp.domain.roles import RequestSource
from ehcp.limits import (
    AGE_LIMIT_YEARS,
    EHC_REGIME_BEGAN,
    FAMILY_CONTACTS,
    PROFESSIONALS,
    ROLE,
    SUBMISSION_ID,
    AccessibilityNeeds,
    AddressLine,
    CalendarKey,
    IsoDay,
    Language,
    Name,
    NhsNumber,
    OrganisationName,
    Phone,
    Postcode,
    Statement,
    Town,
    Upn,
    Urn,
)
from ehcp.safe_text import SafeTextModel


class _Strict(SafeTextModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Strict):
    line_1: AddressLine
    line_2: AddressLine | None = None
    town: Town
    postcode: Postcode


class Requester(_Strict):
    """Who is asking for the assessment."""

    kind: RequestSource
    name: Name
    organisation: OrganisationName | None = Field(default=None, description="For a setting or professional.")
    email: EmailStr | None = None
    phone: Phone | None = None


class Child(_Strict):
    given_names: Name
    family_name: Name
    date_of_birth: IsoDay = Field(
        description="Not in the future, nor after `received_on`; under 25 on `received_on` "
        "(CFA 2014 s.83(2)).",
    )
    address: Address
    nhs_number: NhsNumber | None = Field(default=None, description="When known; its check digit must match.")
    upn: Upn | None = Field(default=None, description="Unique pupil number, when known.")
    hearing_impairment: StrictBool = Field(
        default=False,
        description="The child or young person is deaf or hearing impaired: the educational advice is then "
        "given after consulting a qualified teacher of the deaf (SEND Regulations 2014, reg 6(3)).",
    )
    vision_impairment: StrictBool = Field(
        default=False,
        description="The child or young person is blind or visually impaired: the educational advice is then "
        "given after consulting a qualified teacher of the visually impaired (reg 6(3)).",
    )


class ParentCarer(_Strict):
    full_name: Name
    relationship: Literal["parent", "carer", "young_person", "other"]
    email: EmailStr | None = None
    phone: Phone | None = None
    main_contact: StrictBool = False
    receives_copies: StrictBool = Field(
        default=True,
        description="For a young person (over compulsory school age, CFA 2014 s.83(2)), whether they "
        "want this parent or carer to get copies of the council's letters. Ignored for a child, "
        "whose parents hold the rights and get every letter.",
    )

    @model_validator(mode="after")
    def _reachable(self) -> ParentCarer:
        if self.email is None and self.phone is None:
            raise ValueError("give an email address or a phone number")
        return self


class CurrentSetting(_Strict):
    name: Name
    kind: Literal["school", "college", "early_years"]
    urn: Urn | None = Field(
        default=None,
        description="The setting's unique reference number (Get Information about Schools), when known: "
        "the council's directory of settings gives its address for advice requests.",
    )
    email: EmailStr | None = Field(default=None, description="The SENCo's or the setting's inbox.")
    term_calendar: CalendarKey | None = Field(
        default=None, description="The council's key for the setting's term dates, when known."
    )


class Professional(_Strict):
    """Someone already involved: the council may ask them for advice."""

    role: str = Field(min_length=1, max_length=ROLE, description="e.g. speech and language therapist")
    organisation: OrganisationName
    name: Name | None = None
    email: EmailStr | None = None


class ContactPreferences(_Strict):
    method: Literal["email", "post", "phone"] = "email"
    language: Language = "English"
    interpreter_needed: StrictBool = False
    accessibility_needs: AccessibilityNeeds | None = None


class Consent(_Strict):
    share_with_professionals: StrictBool = Field(
        description="The family agrees the council may share the request with those it asks for advice."
    )
    information_is_true: StrictBool


class IntakeRequestV1(_Strict):
    """A request for an EHC needs assessment, as an online form submits it."""

    schema_version: Literal["1"] = "1"
    submission_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=SUBMISSION_ID,
        description="The form's own id for this submission; redeliveries repeat it.",
    )
    received_on: IsoDay = Field(
        description="The day the council received the request: the statutory clock starts here, "
        "which may be earlier than this delivery. Not in the future, nor before 1 September 2014 "
        "(when the EHC regime began: Children and Families Act 2014, Part 3).",
    )
    requester: Requester
    child: Child
    parents: list[ParentCarer] = Field(min_length=1, max_length=FAMILY_CONTACTS)
    current_setting: CurrentSetting | None = None
    reasons: Statement = Field(description="Why the assessment is asked for.")
    needs: Statement = Field(description="The child's needs, as described.")
    professionals: list[Professional] = Field(default_factory=list, max_length=PROFESSIONALS)
    contact_preferences: ContactPreferences = ContactPreferences()
    consent: Consent

    @model_validator(mode="after")
    def _dates_and_contacts(self, info: ValidationInfo) -> IntakeRequestV1:
        """Refuse, naming the field: days outside the possible, and an email address given
        twice among the contacts (the setting's, the parents', the professionals')."""
        today = (info.context or {}).get("today") or timesource.today()
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.received_on < EHC_REGIME_BEGAN:
            problems.append(
                (("received_on",), "is before 1 September 2014, when the EHC regime began (CFA 2014 Part 3)")
            )
        if self.received_on > today:
            problems.append((("received_on",), "is in the future"))
        born = self.child.date_of_birth
        if born > today:
            problems.append((("child", "date_of_birth"), "is in the future"))
        elif born > self.received_on:
            problems.append((("child", "date_of_birth"), "is after received_on"))
        elif _years_between(born, self.received_on) >= AGE_LIMIT_YEARS:
            problems.append(
                (
                    ("child", "date_of_birth"),
                    f"makes them {AGE_LIMIT_YEARS} or older on received_on: EHC plans are for "
                    f"children and young people under {AGE_LIMIT_YEARS} (CFA 2014 s.83(2))",
                )
            )
        seen: set[str] = set()
        for where, email in self._contact_emails():
            address = email.strip().lower()
            if address in seen:
                problems.append((where, "this email address is already given for another contact"))
            seen.add(address)
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type=PydanticCustomError("value_error", message), loc=loc, input=None)
                    for loc, message in problems
                ],
            )
        return self

    def _contact_emails(self) -> list[tuple[tuple[str | int, ...], str]]:
        found: list[tuple[tuple[str | int, ...], str]] = []
        if self.current_setting is not None and self.current_setting.email:
            found.append((("current_setting", "email"), self.current_setting.email))
        found += [(("parents", n, "email"), p.email) for n, p in enumerate(self.parents) if p.email]
        found += [
            (("professionals", n, "email"), p.email) for n, p in enumerate(self.professionals) if p.email
        ]
        return found

    def as_child(self) -> ChildIn:
        return ChildIn(
            given_names=self.child.given_names,
            family_name=self.child.family_name,
            date_of_birth=self.child.date_of_birth,
            nhs_number=self.child.nhs_number,
            upn=self.child.upn,
            address_line_1=self.child.address.line_1,
            address_line_2=self.child.address.line_2,
            town=self.child.address.town,
            postcode=self.child.address.postcode,
        )


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
