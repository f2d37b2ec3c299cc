"""Apply what a coordinator entered in the Prefect UI's resume form.

The form's fields are plain values (see flows/inputs.py); each maps to a case
store operation, so it is validated exactly like the CLI and the API. Applying
is keyed by the run's wait number: the first application moves the case to the
next wait, and a replay after a crash finds the decision already recorded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.inputs import DecisionIn
from ehcp.errors import InvalidInput

ACTOR = "coordinator:prefect-ui"
NOT_DECIDED = "not decided yet"
DECISIONS = {
    "assess": ("assessment", "assess"),
    "do not assess": ("assessment", "not_assess"),
    "issue a plan": ("issue", "issue"),
    "do not issue a plan": ("issue", "not_issue"),
}


def apply(
    session: Session, *, ref: str, wait_number: int, entered: dict, council: Council, now: datetime
) -> str:
    """Record the entered values; return what happened, in words that name no person."""
    case = crud.require_case(session, ref=ref)
    if case.run_wait_number != wait_number:
        return "already applied"
    try:
        outcome = _record(session, case, entered, council, now)
    except InvalidInput as refused:
        session.rollback()
        case = crud.require_case(session, ref=ref)
        crud.record_event(
            session,
            case=case,
            kind="input_refused",
            occurred_on=now.date(),
            actor=ACTOR,
            now=now,
            summary=f"Entry in the Prefect UI refused: {refused}",
            detail={"fields": [error.field for error in refused.errors]},
        )
        outcome = f"refused: {refused}"
    crud.advance_wait(session, case=crud.require_case(session, ref=ref), from_number=wait_number)
    return outcome


def _record(session: Session, case, entered: dict, council: Council, now: datetime) -> str:
    done = []
    decision = entered.get("decision") or NOT_DECIDED
    if decision != NOT_DECIDED:
        if decision not in DECISIONS:
            raise InvalidInput.one("decision", f"unknown decision {decision!r}")
        decided_on = _date(entered, "decided_on")
        if decided_on is None:
            raise InvalidInput.one("decided_on", "give the date of the decision")
        kind, outcome = DECISIONS[decision]
        crud.record_decision(
            session,
            case=case,
            decision=DecisionIn(kind=kind, outcome=outcome, decided_on=decided_on),
            council=council,
            now=now,
            actor=ACTOR,
        )
        done.append(f"recorded decision: {decision}")
    served_on = _date(entered, "draft_served_on")
    if served_on is not None:
        crud.record_draft_served(
            session, case=case, served_on=served_on, council=council, now=now, actor=ACTOR
        )
        done.append("recorded draft served")
    named = (entered.get("named_setting") or "").strip()
    if named:
        crud.record_named_setting(
            session, case=case, setting_name=named, on=now.date(), council=council, now=now, actor=ACTOR
        )
        done.append("recorded the named setting")
    withdrawn_on = _date(entered, "withdrawn_on")
    if withdrawn_on is not None:
        crud.withdraw(session, case=case, withdrawn_on=withdrawn_on, council=council, now=now, actor=ACTOR)
        done.append("recorded withdrawal")
    return "; ".join(done) or "nothing entered: looked again"


def _date(entered: dict, field: str) -> date | None:
    value = entered.get(field)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInput.one(field, f"not a date: {value!r}") from error
