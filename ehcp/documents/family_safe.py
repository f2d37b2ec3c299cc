"""The family-safe view of a case: the only thing family-facing documents are given.

Built field by field from the case store, naming each field it copies, so a note
added to a table later is not in it unless someone adds it here on purpose. It
never reads `internal_note`, `evidence_note` or staff case notes; a test plants a
marked note in every one of those and searches the rendered view for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import (
    AdviceRequest,
    AdviceSubmission,
    Case,
    Child,
    Decision,
    FamilyContact,
    PersonalBudget,
    StatutoryException,
)
from ehcp.domain.advice_plan import ShareDecision, qualified_teachers
from ehcp.domain.advice_sections import Section, sections_for
from ehcp.domain.clock import Timeline
from ehcp.domain.grounds import (
    FAMILY_WORDS,
    GROUND_REGULATIONS,
    ExceptionGround,
    grounds_for_limit,
    limit_in_family_words,
)
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole, RequestSource
from ehcp.domain.young_person import is_young_person


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChildView(_View):
    given_names: str
    family_name: str
    date_of_birth: date

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class AdviceView(_View):
    key: str
    role: str
    organisation: str
    requested_on: date
    due_on: date
    received_on: date | None
    existing_advice_accepted: bool
    sections: dict[str, str]  # what the contributor wrote for each plan section
    has_document: bool
    # Why the plan goes ahead without it (a finalising.ADVICE_GAP_REASONS code; told to the family).
    gap_reason: str | None = None
    # Regs 6(4): existing advice the council, its author and the family agreed is sufficient.
    existing_advice_source: str | None = None
    existing_advice_agreed_on: date | None = None
    # The document the adviser sent, as named on upload, and its format. `document_pages`
    # is set only where the final plan appends that PDF's pages (documents/store.py).
    document_name: str | None = None
    document_format: Literal["pdf", "docx"] | None = None
    document_pages: int | None = None
    # Regs 6(3): whom educational advice is given after consulting (a qualified teacher of
    # the deaf / of the visually impaired), when the child is hearing / visually impaired.
    after_consulting: tuple[str, ...] = ()

    @property
    def informs(self) -> tuple[Section, ...]:
        """The plan sections this adviser's role informs."""
        return sections_for(self.role)

    @property
    def bound_by_regs8(self) -> bool:
        """Whether Regs 8(1)'s 6 weeks binds this adviser (health, social care), so its
        request may state that duty and the Regs 8(2) exceptions; the school, the EP
        service, the family and other advisers are asked for a date, not told of a duty."""
        return ContributorRole(self.role) in BOUND_BY_REGS_8


class PersonalBudgetView(_View):
    """Section J's record (ehcp/db/personal_budget.py); every field is family-facing."""

    requested_on: date
    agreed: bool | None  # None: not decided yet
    decided_on: date | None
    amount_per_year: int | None  # whole pounds
    covers: str | None
    direct_payments_requested: bool
    direct_payments: bool
    reasons: str | None


class RepresentationsView(_View):
    """What the request for the assessment said (the intake form's reasons and needs):
    Regs 6(2) has the council give each adviser copies of, or extracts from, the family's
    representations and evidence. Family-facing: the family wrote or saw it."""

    made_by: str  # who made the request, in words ("parent", "setting"...)
    by_family: bool  # the parent or young person made it: their own representations
    reasons: str
    needs: str
    # Advisers may be sent copies: the family consented at intake, or a coordinator recorded
    # that they agreed when spoken to (ShareDecision.FAMILY_AGREED). Otherwise letters carry
    # none of the request's text (nor the family's own advice) and say the SEND team sends
    # the extracts agreed with the family (Regs 6(2): "copies of (or, if appropriate,
    # extracts from)").
    share_agreed: bool


class DecisionView(_View):
    kind: str
    outcome: str
    decided_on: date
    reasons: str | None  # written for the family; the internal note is not here


class ExceptionView(_View):
    code: str  # the ground's key, as in the exception_notice_letter kind
    ground: str  # the ground in plain words, for a family
    regulations: str  # where the law provides the ground, e.g. "Regs 8(2)"
    limit_key: str  # the one time limit it affects
    limit: str  # and that limit in plain words
    starts_on: date
    ends_on: date | None
    explanation: str | None  # written for the family; the evidence note is not here


class FamilyView(_View):
    case_ref: str
    council: str
    send_team_email: str
    received_on: date
    child: ChildView | None
    family_names: tuple[str, ...]
    setting_name: str | None
    named_setting: str | None
    decide_by: date | None  # week 6: the decision whether to assess
    decide_issue_by: date | None  # week 16: a decision not to issue a plan
    final_by: date | None  # week 20: the final plan
    comments_by: date | None  # the last of the family's 15 days on the draft, once served
    draft_served_on: date | None
    final_issued_on: date | None
    decisions: tuple[DecisionView, ...]
    advice: tuple[AdviceView, ...]
    exceptions: tuple[ExceptionView, ...]
    # Who asked for the assessment (s.36(1)) or told the council about the child (s.24): a
    # RequestSource value. Letters say "your request" only when the family made it, and
    # never name the professional who told the council.
    request_source: str = RequestSource.PARENT.value
    # The caseworker's latest version of the plan, section by section (the council's words).
    council_text: dict[str, str] | None = None
    plan_version: int | None = None
    # s.38(2)(b): the school the family asked to be named (the caseworker must consult it).
    requested_school: str | None = None
    # Section J: the personal budget asked for (s.49 CFA 2014), if any.
    personal_budget: PersonalBudgetView | None = None
    # The request's own words, for advisers (Regs 6(2)); None when not made through the form.
    representations: RepresentationsView | None = None

    @property
    def family_advice(self) -> AdviceView | None:
        """The family's own views and advice (Regs 6(1)(a)), once received."""
        return next(
            (
                item
                for item in self.advice
                if item.role == ContributorRole.PARENT_OR_YOUNG_PERSON and item.received_on is not None
            ),
            None,
        )

    @property
    def requested_by_family(self) -> bool:
        """The parent or the young person asked for the assessment (s.36(1))."""
        return self.request_source in (RequestSource.PARENT, RequestSource.YOUNG_PERSON)

    @property
    def requested_by_setting(self) -> bool:
        """A school, early years setting or college asked for it on the child's behalf (s.36(1))."""
        return self.request_source == RequestSource.SETTING

    @property
    def brought_to_attention_by(self) -> str | None:
        """Who told the council about the child (s.24), in words that name no one ("a health
        professional"); None when the assessment was asked for under s.36(1)."""
        return RequestSource(self.request_source).family_words

    @property
    def assessment_decision(self) -> DecisionView | None:
        """The decision whether to assess, once made."""
        return next((item for item in self.decisions if item.kind == "assessment"), None)

    @property
    def issue_decision(self) -> DecisionView | None:
        """The decision whether to issue a plan, once made."""
        return next((item for item in self.decisions if item.kind == "issue"), None)


def family_view(session: Session, *, case: Case, council: Council, timeline: Timeline) -> FamilyView:
    child = session.exec(select(Child).where(Child.case_id == case.id)).first()
    family = session.exec(
        select(FamilyContact.full_name)
        .where(FamilyContact.case_id == case.id)
        .order_by(col(FamilyContact.id))
    ).all()
    submissions = {
        row.advice_request_id: row
        for row in session.exec(select(AdviceSubmission).where(AdviceSubmission.case_id == case.id))
    }
    advice = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id).order_by(col(AdviceRequest.id))
    ).all()
    decisions = session.exec(
        select(Decision).where(Decision.case_id == case.id).order_by(col(Decision.id))
    ).all()
    exceptions = session.exec(
        select(StatutoryException)
        .where(StatutoryException.case_id == case.id)
        .order_by(col(StatutoryException.id))
    ).all()
    latest = crud.latest_plan_version(session, case=case)
    budget = session.exec(select(PersonalBudget).where(PersonalBudget.case_id == case.id)).first()
    return FamilyView(
        request_source=case.request_source,
        requested_school=case.requested_school,
        personal_budget=PersonalBudgetView(
            requested_on=budget.requested_on,
            agreed=budget.agreed,
            decided_on=budget.decided_on,
            amount_per_year=budget.amount_per_year,
            covers=budget.covers,
            direct_payments_requested=budget.direct_payments_requested,
            direct_payments=budget.direct_payments,
            reasons=budget.reasons,
        )
        if budget
        else None,
        council_text=dict(latest.sections) if latest else None,
        plan_version=latest.number if latest else None,
        case_ref=case.ref,
        council=council.name,
        send_team_email=str(council.send_team.email),
        received_on=case.received_on,
        child=ChildView(
            given_names=child.given_names, family_name=child.family_name, date_of_birth=child.date_of_birth
        )
        if child
        else None,
        family_names=tuple(family),
        setting_name=case.setting_name,
        named_setting=case.named_setting,
        decide_by=timeline.limit("decision_to_assess").due_on,
        decide_issue_by=timeline.limit("decision_not_to_issue").due_on,
        final_by=timeline.limit("final_plan").due_on,
        comments_by=timeline.limit("family_comments").due_on,
        draft_served_on=case.draft_issued_on,
        final_issued_on=case.final_issued_on,
        decisions=tuple(
            DecisionView(kind=row.kind, outcome=row.outcome, decided_on=row.decided_on, reasons=row.reasons)
            for row in decisions
        ),
        advice=tuple(
            AdviceView(
                key=row.key,
                role=row.role,
                organisation=row.organisation,
                requested_on=row.requested_on,
                due_on=row.due_on,
                received_on=row.received_on,
                existing_advice_accepted=row.existing_advice_accepted,
                sections=dict(submissions[row.id].sections) if row.id in submissions else {},
                has_document=row.id in submissions and submissions[row.id].file_path is not None,
                gap_reason=row.gap_reason,
                existing_advice_source=row.existing_advice_source,
                existing_advice_agreed_on=row.existing_advice_agreed_on,
                document_name=submissions[row.id].file_name if row.id in submissions else None,
                document_format=_format(submissions[row.id]) if row.id in submissions else None,
                after_consulting=qualified_teachers(
                    hearing_impairment=case.hearing_impairment, vision_impairment=case.vision_impairment
                )
                if row.role == ContributorRole.EDUCATIONAL
                else (),
            )
            for row in advice
        ),
        representations=_representations(session, case),
        exceptions=tuple(
            ExceptionView(
                code=row.ground,
                ground=FAMILY_WORDS[ExceptionGround(row.ground)],
                regulations=_regulation(row.limit_key, ExceptionGround(row.ground)),
                limit_key=row.limit_key,
                limit=limit_in_family_words(row.limit_key, _adviser_name(advice, row.advice_request_id)),
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                explanation=row.family_explanation,
            )
            for row in exceptions
        ),
    )


def _format(submission: AdviceSubmission) -> Literal["pdf", "docx"] | None:
    """The kind of file an adviser sent (uploads are typed by their bytes: portal/uploads.py)."""
    if submission.file_path is None:
        return None
    if submission.file_media_type == "application/pdf":
        return "pdf"
    return "docx" if submission.file_media_type else None


def about_young_person(case: Case, *, on: date) -> bool:
    """Whether the case is about a young person on `on` (the day a letter or email is
    written): they then hold the rights and are written to as "you" (s.83(2)). Reads the
    child's date of birth through the session the case belongs to."""
    session = object_session(case)
    if session is None:
        raise ValueError(f"case {case.ref} is not attached to a session")
    born = session.scalars(select(col(Child.date_of_birth)).where(Child.case_id == case.id)).first()
    return born is not None and is_young_person(born, on)


def _representations(session: Session, case: Case) -> RepresentationsView | None:
    """The intake form's reasons and needs (the family's representations when they asked)."""
    payload = crud.intake_payload(session, case=case)
    if payload is None:
        return None
    source = str(payload.get("requester", {}).get("kind", case.request_source))
    return RepresentationsView(
        made_by=source.replace("_", " "),
        by_family=source in ("parent", "young_person"),
        reasons=str(payload.get("reasons", "")),
        needs=str(payload.get("needs", "")),
        share_agreed=bool(payload.get("consent", {}).get("share_with_professionals", False))
        or crud.share_decision(case) is ShareDecision.FAMILY_AGREED,
    )


def _adviser_name(advice: Sequence[AdviceRequest], advice_request_id: int | None) -> str | None:
    return next((row.organisation for row in advice if row.id == advice_request_id), None)


def _regulation(limit_key: str, ground: ExceptionGround) -> str:
    """The regulation that lists the ground for the limit it was recorded against."""
    listed = grounds_for_limit(limit_key)
    return listed[1] if listed is not None else GROUND_REGULATIONS[ground]
