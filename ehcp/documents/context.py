"""What a document template is given: the family-safe view of the case and nothing else.

Every template, family-facing or not, renders from a `DocumentContext`: the
`FamilyView` (which never holds a note), the council's letterhead from config/,
the letter's own facts (title, date, appeal deadline), the one advice request or
exception the document is about, and for the plan the `EhcPlan` built from the
view. There is no path from here to the case store, so a template cannot reach an
internal note however it is written.
"""

from __future__ import annotations

from datetime import date

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr

from ehcp.council.config import Council, Service, Signatory
from ehcp.documents.family_safe import AdviceView, ExceptionView, FamilyView
from ehcp.documents.kinds import DocumentKind
from ehcp.domain.appeals import AFTER_MEDIATION_CERTIFICATE_MONTHS, APPEAL_MONTHS, appeal_by
from ehcp.domain.ehc_plan import EhcPlan, build_plan
from ehcp.domain.planner import parse_exception_subject
from ehcp.domain.young_person import is_young_person


class MissingSubject(LookupError):
    """The case has no advice request or exception matching the document's subject."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CouncilDetails(_Model):
    name: str
    address: tuple[str, ...]
    telephone: str
    email: EmailStr
    website: AnyHttpUrl
    logo_uri: str | None  # file:// address of the logo, for WeasyPrint
    signatory: Signatory
    local_offer: AnyHttpUrl
    iass: Service
    mediation: Service
    disagreement_resolution: Service
    # The ICB and social care as configured: who is told an assessment is considered (Regs 4(2)).
    notice_parties: tuple[str, ...] = ()


class LetterFacts(_Model):
    kind: str
    title: str
    dated_on: date
    # The Tribunal time limit, counted from this letter (see domain/appeals.py).
    appeal_by: date
    appeal_months: int = APPEAL_MONTHS
    mediation_certificate_months: int = AFTER_MEDIATION_CERTIFICATE_MONTHS
    # The case is about a young person on the letter's date (over compulsory school age,
    # under 25: CFA 2014 s.83(2)): the rights are theirs, so the letter speaks to them ("you",
    # "your draft EHC plan"), not to a parent about "your child".
    young_person: bool = False


class DocumentContext(_Model):
    case: FamilyView
    council: CouncilDetails
    letter: LetterFacts
    advice: AdviceView | None = None  # the request an advice_request_letter is
    exception: ExceptionView | None = None  # the exception an exception_notice_letter is about
    plan: EhcPlan | None = None  # the plan, for draft_plan and final_plan

    def variables(self) -> dict[str, object]:
        """The template's variables: the models themselves, so templates read attributes."""
        return {name: getattr(self, name) for name in type(self).model_fields}


def council_details(council: Council) -> CouncilDetails:
    head = council.letterhead
    if head is None:
        raise ValueError("the council has no letterhead: add one to council.yaml")
    logo = council.logo_path
    return CouncilDetails(
        name=council.name,
        address=tuple(head.address),
        telephone=head.telephone,
        email=head.email,
        website=head.website,
        logo_uri=logo.resolve().as_uri() if logo else None,
        signatory=head.signatory,
        local_offer=head.local_offer,
        iass=head.iass,
        mediation=head.mediation,
        disagreement_resolution=head.disagreement_resolution,
        notice_parties=tuple(
            council.considering_notice[party].organisation
            for party in ("health", "social_care")
            if party in council.considering_notice
        ),
    )


def document_context(
    view: FamilyView, *, council: CouncilDetails, kind: DocumentKind, subject: str | None, dated_on: date
) -> DocumentContext:
    advice = exception = plan = None
    if kind.subject == "advice":
        advice = next((item for item in view.advice if item.key == subject), None)
        if advice is None:
            raise MissingSubject(f"case {view.case_ref} has no advice request {subject!r}")
    if kind.subject == "exception":
        ground, starts, limit_key = parse_exception_subject(subject or "")
        exception = next(
            (
                item
                for item in view.exceptions
                if (item.code, str(item.starts_on), item.limit_key) == (ground, starts, limit_key)
            ),
            None,
        )
        if exception is None:
            raise MissingSubject(f"case {view.case_ref} has no exception {subject!r}")
    if kind.name in ("working_draft", "final_plan"):
        plan = build_plan(view, final=kind.name == "final_plan", on=dated_on)
    young_person = view.child is not None and is_young_person(view.child.date_of_birth, dated_on)
    return DocumentContext(
        case=view,
        council=council,
        letter=LetterFacts(
            kind=kind.name if subject is None else f"{kind.name}:{subject}",
            title=_title(kind.title, view, young_person=young_person),
            dated_on=dated_on,
            appeal_by=appeal_by(dated_on),
            young_person=young_person,
        ),
        advice=advice,
        exception=exception,
        plan=plan,
    )


def _title(title: str, view: FamilyView, *, young_person: bool) -> str:
    """The letter's heading as its reader should see it: a young person's own plan is
    "Your draft EHC plan" (s.83(2)); only a request the family made is "Your request"
    (s.36(1)), a school's is "A request", and a child brought to the council's attention
    (s.24) is told the council is considering whether an assessment is needed."""
    if young_person:
        title = title.replace("Your child's ", "Your ")
    if title.startswith("Your request for ") and not view.requested_by_family:
        if view.requested_by_setting:
            return "A request for " + title.removeprefix("Your request for ")
        return "Whether an EHC needs assessment is needed"
    return title
