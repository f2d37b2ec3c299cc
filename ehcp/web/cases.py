"""The case API: what the CLI does, over HTTP, for the council's own systems.

Every write goes through the case store (validated; refused input answers 422
naming the field and changes nothing), then the case's run is woken after the
response is sent. A run that cannot be woken is left to the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from ehcp import timesource
from ehcp.db import crud
from ehcp.db.inputs import AdviceAdd, ConsultationIn, DecisionIn, ExceptionIn, ExistingAdviceIn
from ehcp.domain.facts import SettingType
from ehcp.domain.grounds import ExceptionGround
from ehcp.errors import InvalidInput
from ehcp.limits import EMAIL, KEY, LIMIT_KEY, SECTION_CODE, FreeText, Name
from ehcp.runtime.signals import wake_case
from ehcp.safe_text import SafeTextModel
from ehcp.views.timeline import CaseDetails, timeline_document
from ehcp.web.deps import CallerDep, CouncilDep, SessionDep

router = APIRouter(prefix="/api/cases", tags=["cases"])


class Recorded(BaseModel):
    case_ref: str
    stage: str
    version: int


class _Body(SafeTextModel):
    """A request body: unknown fields refused, every text bounded and free of control,
    invisible and text-direction characters (ehcp.safe_text)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AdviceReceived(_Body):
    received_on: date
    # The advice's text by plan section code (e.g. {"C": "...", "G": "..."}), if typed up.
    sections: dict[Annotated[str, Field(min_length=1, max_length=SECTION_CODE)], FreeText] | None = None


class DraftServed(_Body):
    # Today if given: a draft is served the day it is sent (its 15 days run from delivery).
    served_on: date | None = None


class NamedSetting(_Body):
    """Section I (s.40(2)): the institution and its type, or the type alone."""

    setting_type: SettingType
    setting_name: Name | None = None
    # Where the final plan's copy goes if the institution was not consulted by email.
    setting_email: str | None = Field(default=None, max_length=EMAIL)


class Finalise(_Body):
    on: date


class RequestedSchool(_Body):
    school: Name
    on: date


class Meeting(_Body):
    requested_on: date | None = None
    held_on: date | None = None


class AdviceGap(_Body):
    reason: str = Field(max_length=KEY)  # a finalising.ADVICE_GAP_REASONS code, checked by the store


class ExceptionEnd(_Body):
    ground: ExceptionGround
    limit_key: str = Field(max_length=LIMIT_KEY)
    ends_on: date


class ConsultationAnswer(_Body):
    answered_on: date
    outcome: Literal["agreed", "declined"]


class Withdrawal(_Body):
    withdrawn_on: date


class Officer(_Body):
    # A key of council.yaml's `coordinators` (the store lists them if it is not one), or
    # null to assign the case to nobody.
    officer: str | None = Field(max_length=KEY)


class CaseWriter:
    """One write to one case: through the store, then wake its run after the response."""

    def __init__(
        self, session: SessionDep, council: CouncilDep, caller: CallerDep, background: BackgroundTasks
    ) -> None:
        self.session, self.council, self.caller, self.background = session, council, caller, background

    def apply(self, ref: str, write: Callable[..., object]) -> Recorded:
        case = _case_or_404(self.session, ref)
        try:
            write(self.session, case=case, council=self.council, now=timesource.now(), actor=self.caller)
        except InvalidInput as refused:
            self.session.rollback()
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[
                    {"loc": ["body", error.field], "msg": error.message, "type": "value_error"}
                    for error in refused.errors
                ],
            ) from None
        self.background.add_task(wake_case, case.ref)
        self.session.refresh(case)
        return Recorded(case_ref=case.ref, stage=case.stage, version=case.version)


Writer = Annotated[CaseWriter, Depends()]


def _case_or_404(session, ref: str):
    try:
        return crud.require_case(session, ref=ref)
    except InvalidInput as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(missing)) from None


@router.post("/{ref}/decisions", response_model=Recorded)
def record_decision(ref: str, decision: DecisionIn, writer: Writer) -> Recorded:
    """Record a panel decision: `kind` assessment (assess / not_assess) or issue (issue / not_issue)."""
    return writer.apply(ref, lambda s, **kw: crud.record_decision(s, decision=decision, **kw))


@router.post("/{ref}/advice/{key}/received", response_model=Recorded)
def record_advice_received(ref: str, key: str, body: AdviceReceived, writer: Writer) -> Recorded:
    """Record advice received by post or email, with its text by plan section if given."""
    sections = body.sections
    if sections:
        from ehcp.portal.submit import record_by_coordinator
        from ehcp.settings import get_settings

        return writer.apply(
            ref,
            lambda s, **kw: record_by_coordinator(
                s,
                key=key,
                sections=sections,
                file=None,
                received_on=body.received_on,
                document_store=get_settings().document_store,
                **kw,
            ),
        )
    return writer.apply(
        ref, lambda s, **kw: crud.record_advice_received(s, key=key, received_on=body.received_on, **kw)
    )


class AdviceAdded(Recorded):
    key: str  # the new request's key, e.g. family-requested-1


@router.post("/{ref}/advice", response_model=AdviceAdded)
def add_advice(ref: str, body: AdviceAdd, writer: Writer) -> AdviceAdded:
    """Ask someone more for advice while the council is assessing: someone the family
    reasonably asks for (Regs 6(1)(h)) or anyone else the council thinks appropriate (f);
    also whoever gives the educational (b) or preparation for adulthood (g) advice when
    the case has nobody for it. Without an email the request goes by post."""
    keys: list[str] = []

    def write(session, **kw) -> None:
        keys.append(crud.add_advice(session, advice=body, **kw).key)

    recorded = writer.apply(ref, write)
    return AdviceAdded(**recorded.model_dump(), key=keys[0])


@router.post("/{ref}/advice/{key}/sufficient", response_model=Recorded)
def record_existing_advice_sufficient(ref: str, key: str, body: ExistingAdviceIn, writer: Writer) -> Recorded:
    """Regs 6(4): existing advice the council, the person who gave it and the family all
    agree is sufficient is not sought again (never sent if not yet requested; no longer
    chased if it was). Refused unless `adviser_agrees` and `family_agrees` are both true."""
    return writer.apply(
        ref, lambda s, **kw: crud.record_existing_advice_sufficient(s, key=key, existing=body, **kw)
    )


@router.post("/{ref}/draft-served", response_model=Recorded)
def record_draft_served(ref: str, body: DraftServed, writer: Writer) -> Recorded:
    """Serve the caseworker's newest version on the family today (again, after new advice)."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.record_draft_served(
            s, served_on=body.served_on or timesource.london_date(kw["now"]), **kw
        ),
    )


@router.post("/{ref}/consultations", response_model=Recorded)
def record_consultation(ref: str, body: ConsultationIn, writer: Writer) -> Recorded:
    """Record that a school or college is consulted about being named."""
    return writer.apply(ref, lambda s, **kw: crud.record_consultation(s, consultation=body, **kw))


@router.post("/{ref}/consultations/{key}/answer", response_model=Recorded)
def record_consultation_answer(ref: str, key: str, body: ConsultationAnswer, writer: Writer) -> Recorded:
    """Record a consulted setting's answer."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.record_consultation_answer(
            s, key=key, answered_on=body.answered_on, outcome=body.outcome, **kw
        ),
    )


@router.post("/{ref}/named-setting", response_model=Recorded)
def record_named_setting(ref: str, body: NamedSetting, writer: Writer) -> Recorded:
    """Record what section I will say: the institution and its type, or the type alone."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.record_named_setting(
            s,
            setting_name=body.setting_name,
            setting_type=body.setting_type,
            setting_email=body.setting_email,
            on=timesource.today(),
            **kw,
        ),
    )


@router.post("/{ref}/requested-school", response_model=Recorded)
def record_requested_school(ref: str, body: RequestedSchool, writer: Writer) -> Recorded:
    """Record the school the family asked to be named (s.38(2)(b)); it must be consulted."""
    return writer.apply(
        ref, lambda s, **kw: crud.record_requested_school(s, school=body.school, on=body.on, **kw)
    )


@router.post("/{ref}/meeting", response_model=Recorded)
def record_meeting(ref: str, body: Meeting, writer: Writer) -> Recorded:
    """Record the family's request for a meeting about the draft (Regs 13(1)(a)(ii)), or that it was held."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.record_meeting(s, requested_on=body.requested_on, held_on=body.held_on, **kw),
    )


@router.post("/{ref}/advice/{key}/gap", response_model=Recorded)
def record_advice_gap(ref: str, key: str, body: AdviceGap, writer: Writer) -> Recorded:
    """Record why the plan goes ahead without this advice (the family is told)."""
    return writer.apply(ref, lambda s, **kw: crud.record_advice_gap(s, key=key, reason=body.reason, **kw))


@router.post("/{ref}/exceptions", response_model=Recorded)
def record_exception(ref: str, body: ExceptionIn, writer: Writer) -> Recorded:
    """Record that a ground made one limit impractical to meet (Regs 5(4), 8(2), 10(4), 13(3))."""
    return writer.apply(ref, lambda s, **kw: crud.record_exception(s, exception=body, **kw))


@router.post("/{ref}/exceptions/end", response_model=Recorded)
def end_exception(ref: str, body: ExceptionEnd, writer: Writer) -> Recorded:
    """Record the day a continuing ground ended."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.end_exception(
            s, ground=body.ground, limit_key=body.limit_key, ends_on=body.ends_on, **kw
        ),
    )


@router.post("/{ref}/finalise", response_model=Recorded)
def finalise(ref: str, body: Finalise, writer: Writer) -> Recorded:
    """The council's decision to finalise the plan: refused (422, every reason) until the law allows it."""
    return writer.apply(ref, lambda s, **kw: crud.finalise_plan(s, on=body.on, **kw))


@router.post("/{ref}/withdrawal", response_model=Recorded)
def record_withdrawal(ref: str, body: Withdrawal, writer: Writer) -> Recorded:
    """Record that the family withdrew the request."""
    return writer.apply(ref, lambda s, **kw: crud.withdraw(s, withdrawn_on=body.withdrawn_on, **kw))


@router.put("/{ref}/officer", response_model=Recorded)
def assign_officer(ref: str, body: Officer, writer: Writer) -> Recorded:
    """Assign the case to a coordinator by key (`{"officer": "coord-a"}`), or to nobody
    (`{"officer": null}`): its run is tagged `officer:<key>` and they get its warnings.
    An unknown key answers 422 listing the council's coordinators; a closed case is refused."""
    return writer.apply(
        ref,
        lambda s, *, case, council, now, actor: crud.assign_officer(
            s, ref=case.ref, officer=body.officer, council=council, by=actor, now=now
        ),
    )


@router.get("/{ref}/timeline")
def read_timeline(ref: str, session: SessionDep, council: CouncilDep, caller: CallerDep) -> dict[str, Any]:
    """Every statutory date and each limit's state: the `ehcp timeline --json` document."""
    case = _case_or_404(session, ref)
    timeline = crud.case_timeline(session, case=case, council=council, today=timesource.today())
    return timeline_document(timeline, case_ref=case.ref, details=CaseDetails.of(case))
