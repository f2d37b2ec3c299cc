"""What callers hand the case store: validated before anything is written.

These are the "create" layer over the tables in ehcp.db.models; the web app,
the CLI and the flows all build them, so the same rules apply everywhere. Every
text field is bounded (ehcp.limits: the intake schema takes the same bounds) and
free of characters that hide or rewrite what a reader sees (ehcp.safe_text).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, EmailStr, Field, field_validator

from ehcp import limits
from ehcp.domain.facts import AssessmentOutcome, IssueOutcome  # noqa: F401 (re-exported)
from ehcp.domain.grounds import ExceptionGround
from ehcp.domain.roles import ContributorRole, RequestSource
from ehcp.limits import (
    ADVICE_SOURCE,
    EHC_REGIME_BEGAN,
    FAMILY_CONTACTS,
    KEY,
    LIMIT_KEY,
    AccessibilityNeeds,
    CalendarKey,
    FamilyExplanation,
    FreeText,
    InternalNote,
    Language,
    Name,
    NhsNumber,
    OrganisationName,
    Phone,
    Upn,
    Urn,
)
from ehcp.safe_text import SafeTextModel


class _Input(SafeTextModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChildIn(_Input):
    given_names: Name
    family_name: Name
    date_of_birth: date
    nhs_number: NhsNumber | None = None
    upn: Upn | None = None
    address_line_1: str | None = Field(default=None, max_length=limits.ADDRESS_LINE)
    address_line_2: str | None = Field(default=None, max_length=limits.ADDRESS_LINE)
    town: str | None = Field(default=None, max_length=limits.TOWN)
    postcode: str | None = Field(default=None, max_length=limits.POSTCODE)


class FamilyContactIn(_Input):
    full_name: Name
    relationship: Literal["parent", "carer", "young_person", "other"]
    email: EmailStr | None = None
    phone: Phone | None = None
    preferred_contact: Literal["email", "post", "phone"] = "email"
    is_primary: bool = False
    receives_copies: bool = True


class CaseOpen(_Input):
    received_on: date = Field(ge=EHC_REGIME_BEGAN)
    request_source: RequestSource
    setting_name: Name | None = None
    setting_urn: Urn | None = None
    setting_email: EmailStr | None = None
    setting_calendar: CalendarKey | None = None
    child: ChildIn
    family: list[FamilyContactIn] = Field(min_length=1, max_length=FAMILY_CONTACTS)
    # Regs 6(3): the educational advice is given after consulting a qualified teacher of
    # the deaf / of the visually impaired when the child is hearing / visually impaired.
    hearing_impairment: bool = False
    vision_impairment: bool = False
    # How the family must be written to and spoken with (intake's contact preferences).
    contact_language: Language | None = None
    interpreter_needed: bool = False
    accessibility_needs: AccessibilityNeeds | None = None


class AdviceRequestIn(_Input):
    key: str = Field(min_length=1, max_length=KEY, pattern=r"^[a-z0-9][a-z0-9-]*$")
    role: ContributorRole
    organisation: OrganisationName
    contact_name: Name | None = None
    contact_email: EmailStr | None = None
    setting_calendar: CalendarKey | None = None
    requested_on: date
    existing_advice_accepted: bool = False
    # Regs 6(4): what the existing advice is (family-facing) and the day all three agreed.
    existing_advice_source: str | None = Field(default=None, min_length=1, max_length=ADVICE_SOURCE)
    existing_advice_agreed_on: date | None = None
    internal_note: InternalNote | None = None


class AdviceAdd(_Input):
    """Advice a coordinator adds while the council is assessing: someone the family
    reasonably asks for (Regs 6(1)(h)), anyone else the council thinks appropriate (f),
    the educational advice when the child has no setting (b)(ii)-(iii), or preparation for
    adulthood advice (g) where no service is configured for it."""

    role: Literal["family_requested", "other", "educational", "preparation_for_adulthood"]
    organisation: OrganisationName
    contact_name: Name | None = None
    contact_email: EmailStr | None = None  # none: the request goes by post


class ExistingAdviceIn(_Input):
    """Regs 6(4): existing advice the council, the person who gave it and the family are
    all satisfied is sufficient. Both agreements are required, as statements of fact the
    coordinator records (the council's own is the recording)."""

    source: str = Field(
        min_length=1, max_length=ADVICE_SOURCE, description="What it is, in words the family reads."
    )
    agreed_on: date
    adviser_agrees: bool
    family_agrees: bool


class DecisionIn(_Input):
    kind: Literal["assessment", "issue"]
    outcome: AssessmentOutcome | IssueOutcome
    decided_on: date
    # Family-facing: the decision letter quotes them.
    reasons: FreeText | None = None
    internal_note: InternalNote | None = None

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
    key: str = Field(min_length=1, max_length=KEY, pattern=r"^[a-z0-9][a-z0-9-]*$")
    setting_name: Name
    contact_email: EmailStr
    sent_on: date


class ExceptionIn(_Input):
    """A ground recorded against one limit. The evidence is internal (a note, or a file kept
    in the document store); what the family reads is `family_explanation` and the ground's
    plain words."""

    ground: ExceptionGround
    limit_key: str = Field(
        max_length=LIMIT_KEY,
        pattern=r"^(decision_to_assess|decision_not_to_issue|final_plan|advice:[a-z0-9][a-z0-9-]*)$",
    )
    starts_on: date
    ends_on: date | None = None
    evidence_note: InternalNote | None = None
    family_explanation: FamilyExplanation | None = None
