"""`ehcp timeline`: every statutory date of a request and the state of each limit."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from ehcp import timesource
from ehcp.cli.common import DATE_FORMATS, as_date, council, fail, settings, stdout
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.domain.clock import LimitState, Timeline
from ehcp.domain.facts import AdviceFacts, CaseFacts
from ehcp.domain.roles import ContributorRole
from ehcp.errors import InvalidInput
from ehcp.text import words
from ehcp.views.timeline import CaseDetails, timeline_document

# The facts' field names, as the flags that feed them.
FLAG_FOR_FIELD = {
    "received_on": "--received",
    "decision_to_assess": "--decided-to-assess",
    "advice": "--advice-requested",
    "draft_served_on": "--draft-served",
    # A draft given as served was issued that day: a fault with it is the same flag's.
    "draft_issued_on": "--draft-served",
    "draft_first_issued_on": "--draft-served",
    "final_issued_on": "--final-issued",
}

STATE_STYLE = {
    LimitState.MET: "green",
    LimitState.DUE: "yellow",
    LimitState.BREACHED: "bold red",
    LimitState.DISAPPLIED: "magenta",
    LimitState.NOT_STARTED: "dim",
    LimitState.NOT_APPLICABLE: "dim",
}


def timeline(
    received: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS,
            help="Day the council received the request (day 0).",
            show_default=False,
        ),
    ] = None,
    advice_requested: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS,
            help="Day advice was requested from the contributors.",
            show_default=False,
        ),
    ] = None,
    decided_to_assess: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Day the decision to assess was made.", show_default=False),
    ] = None,
    draft_served: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS,
            help="Day the draft plan was served on the family.",
            show_default=False,
        ),
    ] = None,
    final_issued: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Day the final plan was issued.", show_default=False),
    ] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="A stored case's reference, e.g. EHC-2026-000123.")
    ] = None,
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS,
            help="Judge the limits as of this day (default: today).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stable JSON document.")] = False,
) -> None:
    """Print every due date of a request and whether each limit is met, due, breached or
    disapplied by an exception."""
    as_of = as_date(today) or timesource.today()
    current = settings()
    rules = council(current)
    if case is not None:
        given = [
            flag
            for flag, value in _fact_flags(
                received, advice_requested, decided_to_assess, draft_served, final_issued
            )
            if value
        ]
        if given:
            fail(f"--case reads the stored facts; do not combine it with {', '.join(given)}")
        (result, details), ref = _stored_timeline(case, rules, as_of), case
    else:
        if received is None:
            fail("--received: give the day the request was received (YYYY-MM-DD), or --case REF")
        facts = _facts_from_flags(
            received.date(),
            as_date(advice_requested),
            as_date(decided_to_assess),
            as_date(draft_served),
            as_date(final_issued),
        )
        result, ref, details = rules.timeline(facts, today=as_of), None, None
    if as_json:
        stdout.print_json(json.dumps(timeline_document(result, case_ref=ref, details=details)))
    else:
        _print_table(result, ref)
        for line in details.lines() if details else []:
            stdout.print(line)


FACT_FLAGS = ("--received", "--decided-to-assess", "--advice-requested", "--draft-served", "--final-issued")


def _fact_flags(*values):
    return zip(FACT_FLAGS, values, strict=True)


def _facts_from_flags(
    received: date,
    advice_requested: date | None,
    decided: date | None,
    draft: date | None,
    final: date | None,
) -> CaseFacts:
    values: dict = {"received_on": received}
    if decided is not None:
        values["decision_to_assess"] = {"decided_on": decided, "outcome": "assess"}
    if advice_requested is not None:
        values["advice"] = [
            AdviceFacts(key="advice", role=ContributorRole.OTHER, requested_on=advice_requested).model_dump()
        ]
    values["draft_served_on"] = draft
    values["final_issued_on"] = final
    try:
        return CaseFacts.model_validate(values)
    except ValidationError as error:
        problems = InvalidInput.from_validation(error).errors
        fail("; ".join(f"{_flag(problem.field)}: {problem.message}" for problem in problems))


def _flag(field: str) -> str:
    return FLAG_FOR_FIELD.get(field.split(".")[0], field)


def _stored_timeline(ref: str, rules, as_of: date) -> tuple[Timeline, CaseDetails]:
    """The stored case's timeline, and what the coordinator must see with it (the school
    the family asked for, their contact needs): local views only, never Prefect."""
    with database() as session:
        stored = crud.get_case(session, ref=ref)
        if stored is None:
            fail(f"--case: no case with reference {ref!r}")
        timeline = crud.case_timeline(session, case=stored, council=rules, today=as_of)
        return timeline, CaseDetails.of(stored)


def _print_table(result: Timeline, ref: str | None) -> None:
    subject = f" for {ref}" if ref else ""
    title = f"Statutory timeline{subject} (received {result.received_on}, as of {result.today})"
    table = Table(title=title, title_justify="left")
    table.add_column("Limit", ratio=3)
    table.add_column("Basis", ratio=2)
    for column in ("Starts", "Due", "Done", "State"):
        table.add_column(column, no_wrap=True)
    table.add_column("", ratio=2)
    for limit in result.limits:
        extra = []
        if limit.days_remaining is not None:
            extra.append(f"{limit.days_remaining} days left")
        if limit.days_late is not None:
            extra.append(f"{limit.days_late} days late")
        extra += [f"exception: {words(item.ground.value)}" for item in limit.exceptions]
        table.add_row(
            limit.title,
            limit.basis,
            _show(limit.starts_on),
            _show(limit.due_on),
            _show(limit.done_on),
            f"[{STATE_STYLE[limit.state]}]{words(limit.state.value)}[/]",
            "; ".join(extra),
        )
    stdout.print(table)
    for note in result.notes:
        stdout.print(f"[yellow]Note:[/] {note}")


def _show(value: date | None) -> str:
    return value.isoformat() if value else "-"
