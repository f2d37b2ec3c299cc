"""`ehcp timeline`: every statutory date of a request and the state of each limit."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from ehcp import timesource
from ehcp.cli.common import DATE_FORMATS, as_date, council, fail, settings, stdout
from ehcp.cli.common import table as common_table
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.models import CaseEvent
from ehcp.domain.clock import Limit, LimitState, Timeline
from ehcp.domain.facts import AdviceFacts, CaseFacts
from ehcp.domain.roles import ContributorRole
from ehcp.errors import InvalidInput
from ehcp.text import words
from ehcp.views.labels import (
    GENERIC_ADVICE_KEY,
    actor_label,
    advice_roles_of,
    event_summary,
    limit_label,
    limit_subject,
)
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
            AdviceFacts(
                key=GENERIC_ADVICE_KEY, role=ContributorRole.OTHER, requested_on=advice_requested
            ).model_dump()
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
    table = common_table(title, lines=True)
    table.add_column("Time limit", ratio=1, min_width=20, overflow="fold")
    for column in ("Starts", "Due", "Done"):
        table.add_column(column, no_wrap=True, min_width=10)
    table.add_column("State", min_width=12, overflow="fold")
    for limit in result.limits:
        table.add_row(
            _limit_cell(limit, keys=ref is not None),
            _show(limit.starts_on),
            _show(limit.due_on),
            _show(limit.done_on),
            _state_cell(limit),
        )
    stdout.print(table)
    for note in result.notes:
        stdout.print(f"[yellow]Note:[/] {note}")


def _limit_cell(limit: Limit, *, keys: bool) -> str:
    """The limit in words, with its legal basis and, for a stored case's advice or
    consultation, the key the commands take (`ehcp advice record CASE KEY`), dimmed beneath."""
    lines = [escape(limit_label(limit, with_key=False)), f"[dim]{escape(limit.basis)}[/]"]
    key = limit_subject(limit) if keys else None
    if key:
        lines.append(f"[dim]key: {escape(key)}[/]")
    return "\n".join(lines)


def _state_cell(limit: Limit) -> str:
    lines = [f"[{STATE_STYLE[limit.state]}]{words(limit.state.value)}[/]"]
    if limit.days_remaining is not None:
        lines.append(_days(limit.days_remaining, "left"))
    if limit.days_late is not None:
        lines.append(_days(limit.days_late, "late"))
    lines += [f"exception: {words(item.ground.value)}" for item in limit.exceptions]
    return "\n".join(lines)


def _days(count: int, how: str) -> str:
    return f"{count} day{'' if count == 1 else 's'} {how}"


def chronology_table(ref: str, events: Iterable[CaseEvent]) -> Table:
    """`ehcp chronology`'s table: each entry's day, when it was recorded, by whom and what
    happened, with recipients, advisers and actors in words rather than keys."""
    table = common_table(f"Chronology of {ref}")
    table.add_column("Date", no_wrap=True, min_width=10)
    table.add_column("Recorded", min_width=10, max_width=10)
    table.add_column("By", ratio=1, min_width=12, overflow="fold")
    table.add_column("What happened", ratio=3, min_width=24, overflow="fold")
    events = list(events)
    roles = advice_roles_of((event.kind, event.detail or {}) for event in events)
    for event in events:
        table.add_row(
            str(event.occurred_on),
            f"{event.recorded_at:%Y-%m-%d %H:%M}",
            escape(actor_label(event.actor)),
            escape(event_summary(event.kind, event.summary, event.detail or {}, advice_roles=roles)),
        )
    return table


def _show(value: date | None) -> str:
    return value.isoformat() if value else "-"
