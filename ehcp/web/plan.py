"""The case API for the EHC plan as the caseworker wrote it: upload their Word file as
the next plan version, and list the versions; and section J's record, the personal
budget the family asked for (`/api/cases/{ref}/personal-budget`, as `ehcp budget`).

Same rules as `ehcp plan`: the file is read back section by section; one that is
still a working draft, or has a section missing or renamed, answers 422 naming the
section (`loc` ["body", "sections.C"]) or the file, and nothing is stored. A stored
version wakes the case's run after the response.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, HTTPException, UploadFile, status
from pydantic import BaseModel

from ehcp import timesource
from ehcp.db import crud
from ehcp.db.models import PlanVersion
from ehcp.db.personal_budget import (
    PersonalBudgetFields,
    personal_budget,
    record_personal_budget,
    section_j_checks,
    validated,
)
from ehcp.db.plan_versions import plan_versions, upload_plan_version
from ehcp.documents.family_safe import PersonalBudgetView
from ehcp.documents.plan_reading import MAX_FILE_BYTES
from ehcp.errors import FieldError, InvalidInput
from ehcp.runtime.signals import wake_case
from ehcp.safe_text import unsafe_character
from ehcp.web.cases import _case_or_404
from ehcp.web.deps import CallerDep, SessionDep, settings

router = APIRouter(prefix="/api/cases", tags=["plan"])


class PlanVersionOut(BaseModel):
    case_ref: str
    number: int
    sections: list[str]  # the section codes with text, in plan order
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    served_on: date | None


@router.post("/{ref}/plan", response_model=PlanVersionOut, status_code=status.HTTP_201_CREATED)
def upload_plan(
    ref: str,
    file: Annotated[UploadFile, File(description="The caseworker's plan, a Word file (.docx).")],
    session: SessionDep,
    caller: CallerDep,
    background: BackgroundTasks,
) -> PlanVersionOut:
    """Keep the caseworker's Word plan as the case's next version (multipart field `file`)."""
    case = _case_or_404(session, ref)
    data = file.file.read(MAX_FILE_BYTES + 1)  # read_plan refuses anything longer
    try:
        row = upload_plan_version(
            session,
            case=case,
            data=data,
            filename=file.filename or "plan.docx",
            store=settings().document_store,
            now=timesource.now(),
            actor=caller,
        )
    except InvalidInput as refused:
        session.rollback()
        raise _unprocessable(refused) from None
    background.add_task(wake_case, case.ref)
    return _out(case.ref, row)


@router.get("/{ref}/plan/versions", response_model=list[PlanVersionOut])
def list_plan_versions(ref: str, session: SessionDep, caller: CallerDep) -> list[PlanVersionOut]:
    """The case's plan versions, oldest first."""
    case = _case_or_404(session, ref)
    return [_out(case.ref, row) for row in plan_versions(session, case=case)]


class PersonalBudgetOut(BaseModel):
    case_ref: str
    personal_budget: PersonalBudgetView | None  # None: no personal budget asked for
    # The council's latest uploaded plan, and where its section J may not say what the record does.
    plan_version: int | None
    section_j_checks: list[str]


@router.post("/{ref}/personal-budget", response_model=PersonalBudgetOut)
def record_budget(
    ref: str, body: PersonalBudgetFields, session: SessionDep, caller: CallerDep
) -> PersonalBudgetOut:
    """Record the personal budget the family asked for (s.49 CFA 2014) and the council's
    decision on it and on direct payments, replacing the case's record. Impossible
    combinations (direct payments without an agreed budget, a decision before the request,
    a refusal without reasons, a day in the future) answer 422 naming the field; nothing is
    written. It changes no time limit, so the case's run is not woken."""
    case = _case_or_404(session, ref)
    unsafe = [
        FieldError(name, problem)
        for name in ("covers", "reasons")
        if (text := getattr(body, name)) is not None
        and (problem := unsafe_character(text, multiline=True)) is not None
    ]
    if unsafe:  # family-facing prose: no control, invisible or text-direction characters
        raise _unprocessable(InvalidInput(unsafe))
    try:
        budget = validated(**body.model_dump())
        record_personal_budget(session, case=case, budget=budget, now=timesource.now(), actor=caller)
    except InvalidInput as refused:
        session.rollback()
        raise _unprocessable(refused) from None
    return read_budget(ref, session, caller)


@router.get("/{ref}/personal-budget", response_model=PersonalBudgetOut)
def read_budget(ref: str, session: SessionDep, caller: CallerDep) -> PersonalBudgetOut:
    """The case's personal-budget record, and what to check in the latest plan's section J."""
    case = _case_or_404(session, ref)
    row = personal_budget(session, case=case)
    latest = crud.latest_plan_version(session, case=case)
    return PersonalBudgetOut(
        case_ref=case.ref,
        personal_budget=PersonalBudgetView.model_validate(
            row.model_dump(exclude={"id", "case_id", "recorded_by", "recorded_at"})
        )
        if row
        else None,
        plan_version=latest.number if latest else None,
        section_j_checks=section_j_checks(row, latest.sections.get("J")) if latest else [],
    )


def _unprocessable(refused: InvalidInput) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[
            {"loc": ["body", error.field], "msg": error.message, "type": "value_error"}
            for error in refused.errors
        ],
    )


def _out(ref: str, row: PlanVersion) -> PlanVersionOut:
    return PlanVersionOut(
        case_ref=ref,
        number=row.number,
        sections=[code for code, text in row.sections.items() if text],
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        served_on=row.served_on,
    )
