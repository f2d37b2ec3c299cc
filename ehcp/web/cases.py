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
from ehcp.db.inputs import ConsultationIn, DecisionIn
from ehcp.errors import InvalidInput
from ehcp.runtime.signals import wake_case
from ehcp.views.timeline import timeline_document
from ehcp.web.deps import CallerDep, CouncilDep, SessionDep

router = APIRouter(prefix="/api/cases", tags=["cases"])


class Recorded(BaseModel):
    case_ref: str
    stage: str
    version: int


class AdviceReceived(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received_on: date
    # The advice's text by plan section code (e.g. {"C": "...", "G": "..."}), if typed up.
    sections: dict[str, Annotated[str, Field(max_length=20_000)]] | None = None


class DraftServed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    served_on: date


class NamedSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    setting_name: str = Field(min_length=1, max_length=200)


class ConsultationAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answered_on: date
    outcome: Literal["agreed", "declined"]


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    withdrawn_on: date


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


@router.post("/{ref}/draft-served", response_model=Recorded)
def record_draft_served(ref: str, body: DraftServed, writer: Writer) -> Recorded:
    """Record the day the draft plan was served on the family."""
    return writer.apply(ref, lambda s, **kw: crud.record_draft_served(s, served_on=body.served_on, **kw))


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
    """Record the school or setting to be named in section I."""
    return writer.apply(
        ref,
        lambda s, **kw: crud.record_named_setting(
            s, setting_name=body.setting_name, on=timesource.today(), **kw
        ),
    )


@router.post("/{ref}/withdrawal", response_model=Recorded)
def record_withdrawal(ref: str, body: Withdrawal, writer: Writer) -> Recorded:
    """Record that the family withdrew the request."""
    return writer.apply(ref, lambda s, **kw: crud.withdraw(s, withdrawn_on=body.withdrawn_on, **kw))


@router.get("/{ref}/timeline")
def read_timeline(ref: str, session: SessionDep, council: CouncilDep, caller: CallerDep) -> dict[str, Any]:
    """Every statutory date and each limit's state: the `ehcp timeline --json` document."""
    case = _case_or_404(session, ref)
    timeline = crud.case_timeline(session, case=case, council=council, today=timesource.today())
    return timeline_document(timeline, case_ref=case.ref)
