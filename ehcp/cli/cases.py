"""Coordinator commands: record what happened on a case, then wake its run.

Every command writes to the case database first (validated, nothing written on
error, exit status 2 naming the field) and then resumes the case's Prefect run.
If the run cannot be resumed just now (it is busy, or Prefect is down) the
write still stands and the sweep wakes the run within 15 minutes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlmodel import col, select

from ehcp import timesource
from ehcp.cli.common import DATE_FORMATS, case_or_exit, council, fail, settings, stdout
from ehcp.cli.timeline import chronology_table
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import AdviceAdd, ConsultationIn, ExistingAdviceIn, PanelDecision
from ehcp.db.models import Case
from ehcp.errors import InvalidInput
from ehcp.runtime.signals import Wake, wake_case
from ehcp.timesource import london_date

ACTOR = "coordinator:cli"
Ref = Annotated[str, typer.Argument(help="The case reference, e.g. EHC-2026-000123.")]
On = Annotated[datetime, typer.Option("--on", formats=DATE_FORMATS, help="The day it happened (YYYY-MM-DD).")]


class Decision(StrEnum):
    ASSESS = "assess"
    NOT_ASSESS = "not-assess"
    ISSUE = "issue"
    NOT_ISSUE = "not-issue"


def _record(ref: str, write: Callable[..., object], what: str) -> None:
    """Write through the case store, then wake the run; exit 2 on refused input."""
    rules = council()
    with database() as session:
        try:
            case = crud.require_case(session, ref=ref)
            write(session, case=case, council=rules, now=timesource.now(), actor=ACTOR)
        except InvalidInput as refused:
            fail(str(refused))
    stdout.print(f"Recorded: {what} ({ref}).")
    wake(ref)


def wake(ref: str) -> None:
    """Wake the case's run and say what became of it."""
    outcome = wake_case(ref)
    if outcome in (Wake.RESUMED, Wake.STARTED):
        stdout.print("The case's run is looking at it now.")
    else:
        stdout.print(f"The case's run was not resumed ({outcome}); the sweep will wake it within 15 minutes.")


def _checked_file(path: Path):
    from ehcp.portal.uploads import UploadRefused, check_upload

    try:
        content = path.read_bytes()
    except OSError as error:
        fail(f"--file: cannot read {path}: {error.strerror}")
    try:
        return check_upload(path.name, content, max_bytes=settings().portal_max_upload_bytes)
    except UploadRefused as refused:
        fail(f"--file: {refused}")


def _submission(session, *, key, texts, file, received, **kw) -> None:
    from ehcp.portal.submit import record_by_coordinator

    record_by_coordinator(
        session,
        key=key,
        sections=texts,
        file=file,
        received_on=received.date(),
        document_store=settings().document_store,
        **kw,
    )


def decide(
    ref: Ref,
    decision: Annotated[Decision, typer.Argument(help="assess, not-assess, issue or not-issue.")],
    on: On,
    reasons_file: Annotated[
        Path | None, typer.Option(help="A text file with the reasons, for the decision letter.")
    ] = None,
) -> None:
    """Record a panel decision: whether to assess (week 6) or whether to issue a plan."""
    reasons = None
    if reasons_file is not None:
        try:
            reasons = reasons_file.read_text(encoding="utf-8").strip() or None
        except OSError as error:
            fail(f"--reasons-file: cannot read {reasons_file}: {error.strerror}")
    entry = PanelDecision[decision.name].entry(decided_on=on.date(), reasons=reasons)
    _record(
        ref, lambda session, **kw: crud.record_decision(session, decision=entry, **kw), f"decision {decision}"
    )


advice_app = typer.Typer(help="Advice from contributors.", no_args_is_help=True)


@advice_app.command("record")
def advice_record(
    ref: Ref,
    key: Annotated[
        str, typer.Argument(help="The advice request's key, e.g. health (see `ehcp timeline --case`).")
    ],
    received: Annotated[datetime, typer.Option(formats=DATE_FORMATS, help="The day the advice arrived.")],
    file: Annotated[
        Path | None, typer.Option(help="The advice document (PDF or Word) to keep with it.")
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(help='Advice text for a plan section, as CODE=TEXT (e.g. C="..."); repeatable.'),
    ] = None,
) -> None:
    """Record advice received by post or email, optionally with its document and text per plan section."""
    if file is None and not section:
        _record(
            ref,
            lambda session, **kw: crud.record_advice_received(
                session, key=key, received_on=received.date(), **kw
            ),
            f"advice {key} received",
        )
        return
    checked = _checked_file(file) if file is not None else None
    texts = {}
    for item in section or []:
        code, sep, text = item.partition("=")
        if not sep or not code.strip():
            fail(f"--section: expected CODE=TEXT, got {item!r}")
        texts[code.strip().upper()] = text
    _record(
        ref,
        lambda session, **kw: _submission(
            session, key=key, texts=texts, file=checked, received=received, **kw
        ),
        f"advice {key} received",
    )


class AddRole(StrEnum):
    """Under which head of Regs 6(1) a coordinator asks someone more."""

    FAMILY_REQUESTED = "family_requested"  # (h) anyone the family reasonably asks for
    OTHER = "other"  # (f) anyone else the council thinks appropriate
    EDUCATIONAL = "educational"  # (b)(ii)-(iii) when the child has no current setting
    PREPARATION_FOR_ADULTHOOD = "preparation_for_adulthood"  # (g) where no service is configured


@advice_app.command("add")
def advice_add(
    ref: Ref,
    role: Annotated[
        AddRole,
        typer.Option(
            help="family_requested (Regs 6(1)(h)) or other (6(1)(f)); also educational, "
            "preparation_for_adulthood where the case has nobody for it."
        ),
    ],
    organisation: Annotated[str, typer.Option(help="Who is asked: the organisation or service.")],
    name: Annotated[str | None, typer.Option(help="The person, if a named professional.")] = None,
    email: Annotated[
        str | None, typer.Option(help="Their email; without one the request goes by post.")
    ] = None,
) -> None:
    """Ask someone more for advice while the council is assessing: someone the family
    reasonably asks for, or anyone else the council thinks appropriate. Their request,
    letter and due date follow as for every adviser."""
    try:
        entry = AdviceAdd(role=role.value, organisation=organisation, contact_name=name, contact_email=email)
    except ValidationError as error:
        fail(str(InvalidInput.from_validation(error)))
    keys: list[str] = []

    def write(session, **kw) -> None:
        keys.append(crud.add_advice(session, advice=entry, **kw).key)

    _record(ref, write, f"advice asked for under {role.value}")
    stdout.print(f"Its key is {keys[0]}.")


@advice_app.command("sufficient")
def advice_sufficient(
    ref: Ref,
    key: Annotated[
        str, typer.Argument(help="The advice's key, e.g. psychological (`ehcp timeline --case`).")
    ],
    source: Annotated[
        str,
        typer.Option(help='What it is, as the family reads it: "Educational psychology report, March 2026".'),
    ],
    agreed_on: Annotated[
        datetime, typer.Option(formats=DATE_FORMATS, help="The day all three agreed it is sufficient.")
    ],
    adviser_agrees: Annotated[
        bool, typer.Option("--adviser-agrees", help="The person who gave it agrees it is sufficient.")
    ] = False,
    family_agrees: Annotated[
        bool, typer.Option("--family-agrees", help="The family agrees it is sufficient.")
    ] = False,
) -> None:
    """Regs 6(4): existing advice the council, the person who gave it and the family all agree
    is sufficient is not sought again. Before the request it is never sent; after, it is no
    longer chased. Refused unless both --adviser-agrees and --family-agrees are given."""
    try:
        entry = ExistingAdviceIn(
            source=source,
            agreed_on=agreed_on.date(),
            adviser_agrees=adviser_agrees,
            family_agrees=family_agrees,
        )
    except ValidationError as error:
        fail(str(InvalidInput.from_validation(error)))
    _record(
        ref,
        lambda session, **kw: crud.record_existing_advice_sufficient(session, key=key, existing=entry, **kw),
        f"existing advice {key} agreed sufficient",
    )


def draft_served(
    ref: Ref,
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on", formats=DATE_FORMATS, help="Today, if given: a draft is served the day it is sent."
        ),
    ] = None,
) -> None:
    """Serve the caseworker's newest version on the family today (again, after new advice).
    It goes by email or into the post tray; their 15 days begin when it reaches them."""
    _record(
        ref,
        lambda session, **kw: crud.record_draft_served(
            session, served_on=on.date() if on else london_date(kw["now"]), **kw
        ),
        "draft served",
    )


def consult(
    ref: Ref,
    key: Annotated[str, typer.Argument(help="A short key for this consultation, e.g. oak-academy.")],
    setting: Annotated[str, typer.Option(help="The school or college's name.")],
    email: Annotated[str, typer.Option(help="Its admissions or SEN inbox.")],
    on: On,
) -> None:
    """Record that a school or college is being consulted about being named (it answers in 15 days)."""
    try:
        entry = ConsultationIn(key=key, setting_name=setting, contact_email=email, sent_on=on.date())
    except ValidationError as error:
        fail(str(InvalidInput.from_validation(error)))
    _record(
        ref, lambda session, **kw: crud.record_consultation(session, consultation=entry, **kw), "consultation"
    )


def consult_answer(
    ref: Ref,
    key: Annotated[str, typer.Argument(help="The consultation's key.")],
    on: On,
    outcome: Annotated[str, typer.Option(help="What the setting said, e.g. agreed or declined.")] = "agreed",
) -> None:
    """Record a consulted school or college's answer."""
    _record(
        ref,
        lambda session, **kw: crud.record_consultation_answer(
            session, key=key, answered_on=on.date(), outcome=outcome, **kw
        ),
        "consultation answer",
    )


def withdraw(ref: Ref, on: On) -> None:
    """Record that the family withdrew the request; the case closes with a notice."""
    _record(ref, lambda session, **kw: crud.withdraw(session, withdrawn_on=on.date(), **kw), "withdrawal")


def nudge(ref: Ref) -> None:
    """Make the case's run look at the case now."""
    with database() as session:
        case_or_exit(session, ref)
    wake(ref)


def cases(
    all_cases: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
) -> None:
    """The caseload: every open case, its stage and its next due date, soonest first."""
    with database() as session:
        query = select(Case).order_by(col(Case.next_due_on), col(Case.ref))
        if not all_cases:
            query = query.where(col(Case.closed_on).is_(None))
        rows = session.exec(query).all()
    table = Table(title="Cases", title_justify="left")
    for column in ("Reference", "Received", "Stage", "Next due", "Final plan due"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(
            row.ref, str(row.received_on), row.stage, str(row.next_due_on or "-"), str(row.final_plan_by)
        )
    stdout.print(table)


def chronology(
    ref: Ref, as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False
) -> None:
    """The case's dated chronology, oldest first: what the Ombudsman asks for."""
    with database() as session:
        case = case_or_exit(session, ref)
        events = crud.chronology(session, case=case)
    if as_json:
        for event in events:
            stdout.print(
                json.dumps(
                    {
                        "occurred_on": event.occurred_on.isoformat(),
                        "recorded_at": event.recorded_at.isoformat(),
                        "kind": event.kind,
                        "actor": event.actor,
                        "summary": event.summary,
                    }
                ),
                soft_wrap=True,
            )
        return
    stdout.print(chronology_table(ref, events))
