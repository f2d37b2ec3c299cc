"""Apply what a coordinator entered in the Prefect UI's resume form.

The form (flows/inputs.py) becomes a `CoordinatorEntry`; each field maps to a case
store write, validated exactly as the CLI's and the API's are. An entry is applied
whole or not at all: its writes run in one unit of work, each validating the facts
as the earlier fields left them, and the first refusal rolls back every field.

Applying is keyed by the run's wait number, moved on in the same transaction by a
compare-and-set: a replay after a crash, or a second worker resuming the same run,
finds the wait already moved on and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict

from pydantic import ConfigDict, Field, ValidationError
from sqlmodel import Session

from ehcp.council.config import Council
from ehcp.db import crud, runs
from ehcp.db.inputs import ExceptionIn, PanelDecision
from ehcp.db.models import Case
from ehcp.db.unit_of_work import unit_of_work
from ehcp.domain.facts import SettingType
from ehcp.domain.grounds import ExceptionGround
from ehcp.errors import FieldError, InvalidInput
from ehcp.limits import EMAIL, KEY, LIMIT_KEY, NAME
from ehcp.safe_text import SafeTextModel
from ehcp.text import words
from ehcp.timesource import london_date

ACTOR = "coordinator:prefect-ui"
ALREADY_APPLIED = "already applied"


class CoordinatorEntry(SafeTextModel):
    """What a resume form can carry, whichever stage's form it was. Empty: look again.
    Its text is bounded and free of control, invisible and text-direction characters;
    `refused` carries why a form's entry could not become one (`entry_from`), and
    applying it records that refusal and nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: PanelDecision | None = None
    decided_on: date | None = None
    serve_draft: bool = False
    serve_again: bool = False
    requested_school: str | None = Field(default=None, max_length=NAME)
    meeting_requested_on: date | None = None
    meeting_held_on: date | None = None
    named_setting: str | None = Field(default=None, max_length=NAME)
    setting_type: SettingType | None = None
    setting_email: str | None = Field(default=None, max_length=EMAIL)  # checked by the store
    advice_gap_key: str | None = Field(default=None, max_length=KEY)
    advice_gap_reason: str | None = Field(default=None, max_length=KEY)
    exception_ground: ExceptionGround | None = None
    exception_limit: str | None = Field(default=None, max_length=LIMIT_KEY)
    exception_from: date | None = None
    exception_to: date | None = None
    finalise_on: date | None = None
    withdrawn_on: date | None = None
    refused: tuple[tuple[str, str], ...] = ()  # (field, what is wrong), never the value

    @classmethod
    def refusing(cls, error: ValidationError) -> CoordinatorEntry:
        """The entry for a form whose values no entry may hold: applying it records why."""
        return cls(
            refused=tuple((item.field, item.message) for item in InvalidInput.from_validation(error).errors)
        )


def apply(
    session: Session,
    *,
    ref: str,
    wait_number: int,
    entry: CoordinatorEntry,
    council: Council,
    now: datetime,
) -> str:
    """Record the entry; return what happened, in words that name no person."""
    try:
        with unit_of_work(session):
            case = crud.require_case(session, ref=ref)
            if not runs.advance_wait(session, case=case, from_number=wait_number):
                return ALREADY_APPLIED
            if entry.refused:
                raise InvalidInput([FieldError(field, message) for field, message in entry.refused])
            return _record(session, case, entry, council, now)
    except InvalidInput as refused:
        return _refuse(session, ref=ref, wait_number=wait_number, refused=refused, now=now)


class _Write(TypedDict):
    """What every case store write takes besides its own fields."""

    case: Case
    council: Council
    now: datetime
    actor: str


def _record(session: Session, case: Case, entry: CoordinatorEntry, council: Council, now: datetime) -> str:
    done = []
    today = london_date(now)
    write = _Write(case=case, council=council, now=now, actor=ACTOR)
    if entry.decision is not None:
        if entry.decided_on is None:
            raise InvalidInput.one("decided_on", "give the date of the decision")
        crud.record_decision(session, decision=entry.decision.entry(decided_on=entry.decided_on), **write)
        done.append(f"recorded decision: {words(entry.decision)}")
    if entry.serve_draft or entry.serve_again:
        crud.record_draft_served(session, served_on=today, **write)
        done.append("served the draft plan")
    if entry.requested_school and entry.requested_school.strip():
        crud.record_requested_school(session, school=entry.requested_school, on=today, **write)
        done.append("recorded the school the family asked for")
    if entry.meeting_requested_on is not None or entry.meeting_held_on is not None:
        crud.record_meeting(
            session, requested_on=entry.meeting_requested_on, held_on=entry.meeting_held_on, **write
        )
        done.append("recorded the meeting")
    if entry.setting_type is not None or (entry.named_setting and entry.named_setting.strip()):
        if entry.setting_type is None:
            raise InvalidInput.one("setting_type", "choose the type of school or institution (s.40(2))")
        crud.record_named_setting(
            session,
            setting_name=entry.named_setting,
            setting_type=entry.setting_type,
            setting_email=entry.setting_email,
            on=today,
            **write,
        )
        done.append("recorded section I")
    if entry.advice_gap_key:
        if entry.advice_gap_reason is None:
            raise InvalidInput.one("advice_gap_reason", "choose why the plan goes ahead without it")
        crud.record_advice_gap(session, key=entry.advice_gap_key, reason=entry.advice_gap_reason, **write)
        done.append("recorded going ahead without advice")
    if entry.exception_ground is not None:
        if entry.exception_limit is None or entry.exception_from is None:
            raise InvalidInput.one("exception_limit", "give the limit it affects and the day it began")
        crud.record_exception(session, exception=_exception(entry), **write)
        done.append("recorded an exception")
    if entry.finalise_on is not None:
        crud.finalise_plan(session, on=entry.finalise_on, **write)
        done.append("finalised the plan")
    if entry.withdrawn_on is not None:
        crud.withdraw(session, withdrawn_on=entry.withdrawn_on, **write)
        done.append("recorded withdrawal")
    return "; ".join(done) or "nothing entered: looked again"


def _exception(entry: CoordinatorEntry) -> ExceptionIn:
    try:
        return ExceptionIn(
            ground=entry.exception_ground,
            limit_key=entry.exception_limit,
            starts_on=entry.exception_from,
            ends_on=entry.exception_to,
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from error


def _refuse(session: Session, *, ref: str, wait_number: int, refused: InvalidInput, now: datetime) -> str:
    """Nothing of the entry stands; the chronology says it was refused, and the run moves
    on to its next wait so that the form is offered again."""
    with unit_of_work(session):
        case = crud.require_case(session, ref=ref)
        if not runs.advance_wait(session, case=case, from_number=wait_number):
            return ALREADY_APPLIED
        crud.record_event(
            session,
            case=case,
            kind="input_refused",
            occurred_on=london_date(now),
            actor=ACTOR,
            now=now,
            summary=f"Entry in the Prefect UI refused: {refused}",
            detail={"fields": [error.field for error in refused.errors]},
        )
    return f"refused: {refused}"
