"""The intake payload, version 1: what an online form sends for one request.

Published in the web app's OpenAPI (`/docs`, `/openapi.json`). A form product
maps its fields to this once; `examples/intake-request.json` validates.
Unknown fields are refused (a typo must not silently drop information), and
every error names its field.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from ehcp.db.inputs import ChildIn
from ehcp.domain.roles import RequestSource

Text = Field(min_length=1, max_length=200)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Strict):
    line_1: str = Text
    line_2: str | None = Field(default=None, max_length=200)
    town: str = Text
    postcode: str = Field(min_length=5, max_length=10)


class Requester(_Strict):
    """Who is asking for the assessment."""

    kind: RequestSource
    name: str = Text
    organisation: str | None = Field(
        default=None, max_length=200, description="For a setting or professional."
    )
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)


class Child(_Strict):
    given_names: str = Text
    family_name: str = Text
    date_of_birth: date
    address: Address
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$", description="When known.")
    upn: str | None = Field(
        default=None, pattern=r"^[A-Z]\d{11}[0-9A-Z]$", description="Unique pupil number, when known."
    )
    hearing_impairment: bool = Field(
        default=False,
        description="The child or young person is deaf or hearing impaired: the educational advice is then "
        "given after consulting a qualified teacher of the deaf (SEND Regulations 2014, reg 6(3)).",
    )
    vision_impairment: bool = Field(
        default=False,
        description="The child or young person is blind or visually impaired: the educational advice is then "
        "given after consulting a qualified teacher of the visually impaired (reg 6(3)).",
    )


class ParentCarer(_Strict):
    full_name: str = Text
    relationship: Literal["parent", "carer", "young_person", "other"]
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    main_contact: bool = False
    receives_copies: bool = Field(
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
    name: str = Text
    kind: Literal["school", "college", "early_years"]
    email: EmailStr | None = Field(default=None, description="The SENCo's or the setting's inbox.")
    term_calendar: str | None = Field(
        default=None, max_length=60, description="The council's key for the setting's term dates, when known."
    )


class Professional(_Strict):
    """Someone already involved: the council may ask them for advice."""

    role: str = Field(min_length=1, max_length=100, description="e.g. speech and language therapist")
    organisation: str = Text
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None


class ContactPreferences(_Strict):
    method: Literal["email", "post", "phone"] = "email"
    language: str = Field(default="English", max_length=60)
    interpreter_needed: bool = False
    accessibility_needs: str | None = Field(default=None, max_length=1000)


class Consent(_Strict):
    share_with_professionals: bool = Field(
        description="The family agrees the council may share the request with those it asks for advice."
    )
    information_is_true: bool


class IntakeRequestV1(_Strict):
    """A request for an EHC needs assessment, as an online form submits it."""

    schema_version: Literal["1"] = "1"
    submission_id: str | None = Field(
        default=None,
        max_length=100,
        description="The form's own id for this submission; redeliveries repeat it.",
    )
    received_on: date = Field(
        description="The day the council received the request: the statutory clock starts here, "
        "which may be earlier than this delivery."
    )
    requester: Requester
    child: Child
    parents: list[ParentCarer] = Field(min_length=1, max_length=6)
    current_setting: CurrentSetting | None = None
    reasons: str = Field(min_length=1, max_length=20_000, description="Why the assessment is asked for.")
    needs: str = Field(min_length=1, max_length=20_000, description="The child's needs, as described.")
    professionals: list[Professional] = Field(default_factory=list, max_length=30)
    contact_preferences: ContactPreferences = ContactPreferences()
    consent: Consent

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
