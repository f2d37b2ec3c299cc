"""Section J's record: the personal budget the family asked for, and the council's decision.
Keyword-only, like crud.

Children and Families Act 2014 s49(1): a council that "maintains an EHC plan, or is
securing the preparation of an EHC plan" for a child or young person "must prepare a
personal budget for him or her if asked to do so by the child's parent or the young
person". The Special Educational Needs (Personal Budgets) Regulations 2014 (SI 2014/1652)
fill it in: reg 3, information the family must be given; reg 4, when a request may be
made (while the plan is prepared, reviewed or re-assessed); reg 4A (added by SI
2014/2096), provision the council need not include where its "notional amount cannot be
disaggregated" from a block contract; regs 5 and 6, to whom and on what conditions
direct payments may be made (only on request, so direct payments are never recorded
without one); a refusal of direct payments is given with reasons and the family may ask
for it to be reviewed (reg 7 as summarised by counsel: the regulation's own text was not
reachable from here). SEND Regs 12(1)(j): the plan sets out "the personal budget
(including arrangements for direct payments) which will be used to secure the provision".

One row per case, replaced as the request moves on (asked, then agreed or refused); each
write appends a chronology entry saying what was recorded. Refused input (InvalidInput,
naming the field) writes nothing. The record feeds the plan only: it changes no date the
planner watches, so it does not wake the case's run.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session, select

from ehcp.db import crud
from ehcp.db.models import Case, PersonalBudget, id_of
from ehcp.db.unit_of_work import unit_of_work
from ehcp.errors import FieldError, InvalidInput
from ehcp.timesource import london_date

__all__ = [
    "EVENT_KIND",
    "PersonalBudgetFields",
    "PersonalBudgetIn",
    "personal_budget",
    "record_personal_budget",
    "section_j_checks",
]

EVENT_KIND = "personal_budget_recorded"
MAX_AMOUNT = 10_000_000  # pounds a year: anything larger is a typo


def _no_control(value: str | None) -> str | None:
    """Family-facing text: no control characters (PostgreSQL refuses NUL; a plan shows none)."""
    if value is not None and any(ord(char) < 32 and char not in "\n\t" for char in value):
        raise ValueError("remove the control character")
    return value


class PersonalBudgetFields(BaseModel):
    """What a coordinator records, field by field (the API's body). `agreed` None: asked
    for, not decided yet. `validated()` then checks the fields make sense together."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requested_on: date
    agreed: bool | None = None
    decided_on: date | None = None
    amount_per_year: int | None = Field(default=None, ge=1, le=MAX_AMOUNT)  # whole pounds
    covers: str | None = Field(default=None, min_length=1, max_length=1000)
    direct_payments_requested: bool = False
    direct_payments: bool = False
    reasons: str | None = Field(default=None, min_length=1, max_length=2000)


class PersonalBudgetIn(PersonalBudgetFields):
    """A record whose fields make sense together: refused naming each field that does not."""

    @model_validator(mode="after")
    def _possible(self) -> PersonalBudgetIn:
        problems: list[FieldError] = []
        for name in ("covers", "reasons"):
            try:
                _no_control(getattr(self, name))
            except ValueError as error:
                problems.append(FieldError(name, str(error)))
        if self.direct_payments:
            # Direct payments are made only on request (Personal Budgets Regs 5): asking is implied.
            self.direct_payments_requested = True
        if self.agreed is None:
            for name in ("decided_on", "amount_per_year", "covers", "reasons"):
                if getattr(self, name) is not None:
                    problems.append(
                        FieldError(name, "nothing is decided yet: give it with --agreed or --refused")
                    )
            if self.direct_payments:
                problems.append(
                    FieldError("direct_payments", "direct payments are made only once a budget is agreed")
                )
        else:
            if self.decided_on is None:
                problems.append(FieldError("decided_on", "give the day the council decided"))
            elif self.decided_on < self.requested_on:
                problems.append(
                    FieldError("decided_on", f"{self.decided_on} is before the request ({self.requested_on})")
                )
        if self.agreed is True:
            if self.covers is None:
                # Regs 12(1)(j): the budget "which will be used to secure the provision".
                problems.append(FieldError("covers", "say what provision the budget secures"))
            refused_payments = self.direct_payments_requested and not self.direct_payments
            if refused_payments and self.reasons is None:
                problems.append(
                    FieldError("reasons", "direct payments were asked for and not agreed: give the reasons")
                )
            if not refused_payments and self.reasons is not None:
                problems.append(FieldError("reasons", "reasons are given only for a refusal"))
        if self.agreed is False:
            if self.reasons is None:
                problems.append(FieldError("reasons", "a refused budget is told to the family with reasons"))
            for name in ("amount_per_year", "covers"):
                if getattr(self, name) is not None:
                    problems.append(
                        FieldError(name, "the budget was refused: there is no amount or provision")
                    )
            if self.direct_payments:
                problems.append(
                    FieldError("direct_payments", "direct payments are made only from an agreed budget")
                )
        if problems:
            raise _Refused(problems)
        return self


class _Refused(ValueError):
    def __init__(self, problems: list[FieldError]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def validated(**values: object) -> PersonalBudgetIn:
    """Build the input, refusing with every field at fault named (InvalidInput)."""
    try:
        return PersonalBudgetIn.model_validate(values)
    except _Refused as refused:
        raise InvalidInput(refused.problems) from refused
    except ValidationError as error:
        nested = [item.get("ctx", {}).get("error") for item in error.errors()]
        found = [problem for item in nested if isinstance(item, _Refused) for problem in item.problems]
        if found:
            raise InvalidInput(found) from error
        raise InvalidInput.from_validation(error) from error


def personal_budget(session: Session, *, case: Case) -> PersonalBudget | None:
    return session.exec(select(PersonalBudget).where(PersonalBudget.case_id == case.id)).first()


def record_personal_budget(
    session: Session, *, case: Case, budget: PersonalBudgetIn, now: datetime, actor: str
) -> PersonalBudget:
    """Keep the case's personal-budget record as `budget` says it now stands.

    Refused (InvalidInput, nothing written): a date in the future or before the request
    for assessment was received, or a record that goes back on what is stored (a
    different request date once decided)."""
    today = london_date(now)
    for name in ("requested_on", "decided_on"):
        day = getattr(budget, name)
        if day is not None and day > today:
            raise InvalidInput.one(name, f"{day} is in the future")
    if budget.requested_on < case.received_on:
        raise InvalidInput.one(
            "requested_on",
            f"{budget.requested_on} is before the request for assessment was received ({case.received_on})",
        )
    with unit_of_work(session):
        row = personal_budget(session, case=case)
        if row is None:
            row = PersonalBudget(case_id=id_of(case), requested_on=budget.requested_on, recorded_by=actor)
        for name, value in budget.model_dump().items():
            setattr(row, name, value)
        row.recorded_by, row.recorded_at = actor, now
        session.add(row)
        session.flush()
        crud.record_event(
            session,
            case=case,
            kind=EVENT_KIND,
            occurred_on=budget.decided_on or budget.requested_on,
            actor=actor,
            now=now,
            summary=_summary(budget),
            detail={
                "requested_on": budget.requested_on.isoformat(),
                "agreed": budget.agreed,
                "decided_on": budget.decided_on.isoformat() if budget.decided_on else None,
                "amount_per_year": budget.amount_per_year,
                "direct_payments_requested": budget.direct_payments_requested,
                "direct_payments": budget.direct_payments,
            },
        )
    session.refresh(row)
    return row


def _summary(budget: PersonalBudgetIn) -> str:
    """The chronology's words: what was decided, never the family's own text."""
    asked = "The family asked for a personal budget (s.49 CFA 2014)"
    if budget.direct_payments_requested:
        asked += ", with direct payments"
    if budget.agreed is None:
        return asked + "; not decided yet."
    if not budget.agreed:
        return asked + f". Refused on {budget.decided_on}, with reasons."
    amount = f" of £{budget.amount_per_year:,} a year" if budget.amount_per_year else ""
    payments = (
        "direct payments agreed"
        if budget.direct_payments
        else "direct payments refused, with reasons"
        if budget.direct_payments_requested
        else "no direct payments"
    )
    return asked + f". Agreed on {budget.decided_on}{amount}; {payments}."


def section_j_checks(budget: PersonalBudget | None, section_j: str | None) -> list[str]:
    """Where the council's section J (its uploaded plan) may not say what the record does:
    for the coordinator to look at before serving or finalising, never a refusal (the words
    are the council's, and a plain text search cannot judge them)."""
    text = " ".join((section_j or "").split())
    lower = text.lower()
    if not text:
        return ["section J is empty: it must say whether there is a personal budget (Regs 12(1)(j))"]
    checks: list[str] = []
    if budget is None:
        if "personal budget" not in lower:
            checks.append(
                "no budget was asked for: section J should say so, and how the family can ask (s.49)"
            )
    elif budget.agreed is True:
        if budget.amount_per_year and not _mentions_amount(text, budget.amount_per_year):
            checks.append(f"the record's amount (£{budget.amount_per_year:,} a year) is not in section J")
        if budget.direct_payments and "direct payment" not in lower:
            checks.append("direct payments were agreed but section J does not mention them")
        if "no personal budget" in lower:
            checks.append("a budget was agreed but section J says there is no personal budget")
    elif budget.agreed is False and "reason" not in lower and "because" not in lower:
        checks.append("the budget was refused: section J should give the reasons")
    return checks


def _mentions_amount(text: str, amount: int) -> bool:
    digits = "".join(char if char.isdigit() else " " for char in text.replace(",", ""))
    return str(amount) in digits.split()
