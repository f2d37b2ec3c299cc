"""What callers hand the case store: validated before anything is written.

These are the "create" layer over the tables in ehcp.db.models; the web app,
the CLI and the flows all build them, so the same rules apply everywhere.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from ehcp.domain.facts import AssessmentOutcome, IssueOutcome  # noqa: F401 (re-exported)
from ehcp.domain.grounds import ExceptionGround
from ehcp.domain.roles import ContributorRole, RequestSource


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChildIn(_Input):
    given_names: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    upn: str | None = Field(default=None, pattern=r"^[A-Z]\d{11}[0-9A-Z]$")
    address_line_1: str | None = Field(default=None, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=10)

    @field_validator("nhs_number")
    @classmethod
    def _nhs_check_digit(cls, value: str | None) -> str | None:
        """NHS numbers carry a modulus-11 check digit; a typo is caught here, not at the ICB."""
        if value is None:
            return value
        total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check == 10 or check != int(value[9]):
            raise ValueError("not a valid NHS number (check digit does not match)")
        return value


class FamilyContactIn(_Input):
    full_name: str = Field(min_length=1, max_length=200)
    relationship: Literal["parent", "carer", "young_person", "other"]
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    preferred_contact: Literal["email", "post", "phone"] = "email"
    is_primary: bool = False
    receives_copies: bool = True


class CaseOpen(_Input):
    received_on: date
    request_source: RequestSource
    setting_name: str | None = Field(default=None, max_length=200)
    setting_email: EmailStr | None = None
    setting_calendar: str | None = Field(default=None, max_length=60)
    child: ChildIn
    family: list[FamilyContactIn] = Field(min_length=1)
    # Regs 6(3): the educational advice is given after consulting a qualified teacher of
    # the deaf / of the visually impaired when the child is hearing / visually impaired.
    hearing_impairment: bool = False
    vision_impairment: bool = False
    # How the family must be written to and spoken with (intake's contact preferences).
    contact_language: str | None = Field(default=None, max_length=60)
    interpreter_needed: bool = False
    accessibility_needs: str | None = Field(default=None, max_length=1000)


class AdviceRequestIn(_Input):
    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    role: ContributorRole
    organisation: str = Field(min_length=1, max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: EmailStr | None = None
    setting_calendar: str | None = Field(default=None, max_length=60)
    requested_on: date
    existing_advice_accepted: bool = False
    # Regs 6(4): what the existing advice is (family-facing) and the day all three agreed.
    existing_advice_source: str | None = Field(default=None, min_length=1, max_length=300)
    existing_advice_agreed_on: date | None = None
    internal_note: str | None = None


class AdviceAdd(_Input):
    """Advice a coordinator adds while the council is assessing: someone the family
    reasonably asks for (Regs 6(1)(h)), anyone else the council thinks appropriate (f),
    the educational advice when the child has no setting (b)(ii)-(iii), or preparation for
    adulthood advice (g) where no service is configured for it."""

    role: Literal["family_requested", "other", "educational", "preparation_for_adulthood"]
    organisation: str = Field(min_length=1, max_length=200)
    contact_name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_email: EmailStr | None = None  # none: the request goes by post


class ExistingAdviceIn(_Input):
    """Regs 6(4): existing advice the council, the person who gave it and the family are
    all satisfied is sufficient. Both agreements are required, as statements of fact the
    coordinator records (the council's own is the recording)."""

    source: str = Field(min_length=1, max_length=300, description="What it is, in words the family reads.")
    agreed_on: date
    adviser_agrees: bool
    family_agrees: bool


class DecisionIn(_Input):
    kind: Literal["assessment", "issue"]
    outcome: AssessmentOutcome | IssueOutcome
    decided_on: date
    reasons: str | None = None
    internal_note: str | None = None

    @field_validator("outcome")
    @classmethod
    def _outcome_fits_kind(cls, value, info):
        kind = info.data.get("kind")
        allowed = AssessmentOutcome if kind == "assessment" else IssueOutcome
        if kind is not None and value not in allowed.__members__.values():
            choices = ", ".join(item.value for item in allowed)
            raise ValueError(f"a decision on {kind} is one of: {choices}")
        return allowed(value) if kind is not None else value


class PanelDecision(StrEnum):
    """The four decisions a panel records: the one mapping from what the CLI and the UI's
    form offer to the (kind, outcome) of a DecisionIn."""

    ASSESS = "assess"
    NOT_ASSESS = "not_assess"
    ISSUE = "issue"
    NOT_ISSUE = "not_issue"

    @property
    def kind(self) -> Literal["assessment", "issue"]:
        return "assessment" if self in (PanelDecision.ASSESS, PanelDecision.NOT_ASSESS) else "issue"

    def entry(self, *, decided_on: date, reasons: str | None = None) -> DecisionIn:
        return DecisionIn(kind=self.kind, outcome=self.value, decided_on=decided_on, reasons=reasons)


class ConsultationIn(_Input):
    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    setting_name: str = Field(min_length=1, max_length=200)
    contact_email: EmailStr
    sent_on: date


class ExceptionIn(_Input):
    """A ground recorded against one limit. The evidence is internal (a note, or a file kept
    in the document store); what the family reads is `family_explanation` and the ground's
    plain words."""

    ground: ExceptionGround
    limit_key: str = Field(
        max_length=80,
        pattern=r"^(decision_to_assess|decision_not_to_issue|final_plan|advice:[a-z0-9][a-z0-9-]*)$",
    )
    starts_on: date
    ends_on: date | None = None
    evidence_note: str | None = Field(default=None, max_length=5000)
    family_explanation: str | None = Field(default=None, max_length=2000)
