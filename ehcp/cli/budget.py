"""`ehcp budget`: section J's record, the personal budget the family asked for (s.49 CFA 2014)
and the council's decision on it and on direct payments.

`record` keeps the record as it now stands (asked for; then agreed or refused); refused
input exits 2 naming the flag, and nothing is written. `show` prints it, the words section
J of the working draft and of a plan without the council's own text take from it, and
where the council's latest uploaded plan may not say what the record does.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from ehcp import timesource
from ehcp.cli.cases import ACTOR, Ref
from ehcp.cli.common import DATE_FORMATS, as_date, case_or_exit, checked_text, fail, stdout
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.personal_budget import personal_budget, record_personal_budget, section_j_checks, validated
from ehcp.documents.family_safe import PersonalBudgetView
from ehcp.domain.ehc_plan import personal_budget_words
from ehcp.errors import InvalidInput
from ehcp.limits import STATEMENT

app = typer.Typer(
    help="Section J: the personal budget the family asked for, and the council's decision.",
    no_args_is_help=True,
)
Day = Annotated[datetime | None, typer.Option(formats=DATE_FORMATS, help="YYYY-MM-DD", show_default=False)]

# The input's field names, as the flags that feed them.
FLAG_FOR_FIELD = {
    "requested_on": "--requested-on",
    "agreed": "--agreed/--refused",
    "decided_on": "--decided-on",
    "amount_per_year": "--amount",
    "covers": "--covers",
    "direct_payments_requested": "--direct-payments-requested",
    "direct_payments": "--direct-payments",
    "reasons": "--reasons",
}


@app.command("record")
def record(
    ref: Ref,
    requested_on: Annotated[
        datetime,
        typer.Option(formats=DATE_FORMATS, help="The day the family asked for a personal budget."),
    ],
    agreed: Annotated[
        bool | None,
        typer.Option(
            "--agreed/--refused", help="The council's decision (omit: not decided yet).", show_default=False
        ),
    ] = None,
    decided_on: Day = None,
    amount: Annotated[
        int | None, typer.Option(help="Whole pounds a year, if an amount was identified.")
    ] = None,
    covers: Annotated[
        str | None, typer.Option(help="The provision the budget secures (family-facing).")
    ] = None,
    direct_payments: Annotated[
        bool, typer.Option("--direct-payments", help="Direct payments agreed (paid to the family).")
    ] = False,
    direct_payments_requested: Annotated[
        bool,
        typer.Option(
            "--direct-payments-requested", help="The family asked for direct payments (agreed or not)."
        ),
    ] = False,
    reasons: Annotated[
        str | None, typer.Option(help="Why the budget, or direct payments, were refused (family-facing).")
    ] = None,
) -> None:
    """Record the personal budget the family asked for, and the council's decision on it."""
    checked_text("--covers", covers, max_length=STATEMENT, multiline=True)
    checked_text("--reasons", reasons, max_length=STATEMENT, multiline=True)
    try:
        budget = validated(
            requested_on=requested_on.date(),
            agreed=agreed,
            decided_on=as_date(decided_on),
            amount_per_year=amount,
            covers=covers,
            direct_payments=direct_payments,
            direct_payments_requested=direct_payments_requested,
            reasons=reasons,
        )
    except InvalidInput as refused:
        fail(_flags(refused))
    with database() as session:
        case = case_or_exit(session, ref)
        try:
            record_personal_budget(session, case=case, budget=budget, now=timesource.now(), actor=ACTOR)
        except InvalidInput as refused:
            fail(_flags(refused))
    state = "not decided yet" if agreed is None else "agreed" if agreed else "refused"
    stdout.print(f"Recorded: personal budget ({ref}), {state}.")


@app.command("show")
def show(
    ref: Ref, as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False
) -> None:
    """The record, section J's words from it, and what to check in the council's latest plan."""
    with database() as session:
        case = case_or_exit(session, ref)
        row = personal_budget(session, case=case)
        latest = crud.latest_plan_version(session, case=case)
        checks = section_j_checks(row, latest.sections.get("J")) if latest else []
        view = (
            PersonalBudgetView.model_validate(
                row.model_dump(exclude={"id", "case_id", "recorded_by", "recorded_at"})
            )
            if row
            else None
        )
        number = latest.number if latest else None
    if as_json:
        line = {
            "case_ref": ref,
            "personal_budget": view.model_dump(mode="json") if view else None,
            "plan_version": number,
            "section_j_checks": checks,
        }
        stdout.print(json.dumps(line), soft_wrap=True)
        return
    if view is None:
        stdout.print(f"No personal budget recorded for {ref}.")
    else:
        decision = "not decided yet" if view.agreed is None else "agreed" if view.agreed else "refused"
        stdout.print(f"Personal budget for {ref}: asked for on {view.requested_on}, {decision}.")
    stdout.print("Section J from the record:")
    for paragraph in personal_budget_words(view, final=False):
        stdout.print(f"  {paragraph}", soft_wrap=True)
    if number is None:
        return
    if checks:
        stdout.print(f"Check section J of plan version {number}:")
        for item in checks:
            stdout.print(f"  - {item}", soft_wrap=True)
    else:
        stdout.print(f"Section J of plan version {number}: nothing to check against the record.")


def _flags(refused: InvalidInput) -> str:
    return "; ".join(
        f"{FLAG_FOR_FIELD.get(error.field, error.field)}: {error.message}" for error in refused.errors
    )
