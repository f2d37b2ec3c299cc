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
from sqlmodel import col, select

from ehcp import timesource
from ehcp.cli.common import DATE_FORMATS, case_or_exit, checked_text, council, fail, settings, stdout
from ehcp.cli.common import table as cli_table
from ehcp.cli.timeline import chronology_table
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import AdviceAdd, ConsultationIn, ExistingAdviceIn, PanelDecision
from ehcp.db.models import Case
from ehcp.errors import InvalidInput
from ehcp.limits import CONSULTATION_OUTCOME, SECTION_CODE, STATEMENT
from ehcp.runtime.signals import Wake, wake_case
from ehcp.timesource import london_date
from ehcp.views.ombudsman import pack_for_case, render_pack_pdf

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
    reasons = _reasons(reasons_file) if reasons_file is not None else None
    try:
        entry = PanelDecision[decision.name].entry(decided_on=on.date(), reasons=reasons)
    except ValidationError as error:
        fail(f"--reasons-file: {InvalidInput.from_validation(error)}")
    _record(
        ref, lambda session, **kw: crud.record_decision(session, decision=entry, **kw), f"decision {decision}"
    )


def _reasons(path: Path) -> str | None:
    """The reasons file's text: UTF-8, at most STATEMENT characters (the file is not read
    whole when it is plainly longer than that)."""
    try:
        with path.open("rb") as file:
            data = file.read(4 * STATEMENT + 1)  # UTF-8 takes at most 4 bytes a character
    except OSError as error:
        fail(f"--reasons-file: cannot read {path}: {error.strerror}")
    if len(data) > 4 * STATEMENT:
        fail(f"--reasons-file: reasons: longer than {STATEMENT:,} characters")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail("--reasons-file: not UTF-8 text")
    return text.strip() or None


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
            fail("--section: expected CODE=TEXT")
        checked_text("--section", code, max_length=SECTION_CODE)
        texts[code.strip().upper()] = checked_text("--section", text, max_length=STATEMENT, multiline=True)
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
    checked_text("--outcome", outcome, max_length=CONSULTATION_OUTCOME)
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
    # Fits an 80-column terminal: the officer is a coordinator's key (`ehcp assign`).
    table = cli_table("Cases")
    for column in ("Reference", "Received", "Stage", "Next due", "Final plan", "Officer"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(
            row.ref,
            str(row.received_on),
            row.stage,
            str(row.next_due_on or "-"),
            str(row.final_plan_by),
            row.officer or "-",
        )
    stdout.print(table)


def assign(
    ref: Ref,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The coordinator's key, as council.yaml's `coordinators` names them."),
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="Assign the case to nobody.")] = False,
) -> None:
    """Assign a case to a coordinator: its run is tagged officer:<key>, it is on their caseload
    board (caseload-<key>), and they get its warnings as well as the SEND team inbox."""
    if (to is None) == (not none):
        fail("--to: give a coordinator's key, or --none to unassign")
    rules = council()
    with database() as session:
        try:
            crud.assign_officer(session, ref=ref, officer=to, council=rules, by=ACTOR, now=timesource.now())
        except InvalidInput as refused:
            fail(str(refused))
    stdout.print(f"Assigned {ref} to {to}." if to else f"{ref} is assigned to nobody.")
    wake(ref)


def chronology(
    ref: Ref,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    pdf: Annotated[
        Path | None,
        typer.Option(
            "--pdf",
            help="Write the Ombudsman pack to this file instead: the chronology, every statutory "
            "limit met, breached or disapplied, and the letters and emails sent (tagged PDF).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """The case's dated chronology, oldest first: what the Ombudsman asks for."""
    if pdf is not None:
        _write_ombudsman_pack(ref, pdf)
        return
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


# -- coordinator tasks raised at intake (issue 13) ------------------------------------
# What a request from outside cannot settle by itself: where the council writes to the
# child's setting, what of the family's request advisers may be sent (Regs 6(2)), and an
# old date of receipt. Each is the coordinator's act, recorded in the chronology by role.


class ShareChoice(StrEnum):
    FAMILY_AGREED = "family-agreed"
    EXTRACTS_ONLY = "extracts-only"


@advice_app.command("share")
def advice_share(
    ref: Ref,
    decision: Annotated[
        ShareChoice,
        typer.Argument(
            help="family-agreed: you spoke with the family and they agreed advisers may be sent copies of "
            "their request and views. extracts-only: share only the minimum the law requires: advisers are "
            "asked without the family's words, and you send each the extracts agreed with the family."
        ),
    ],
    spoke_on: Annotated[
        datetime | None,
        typer.Option(
            "--spoke-on",
            formats=DATE_FORMATS,
            help="The day you spoke with the family (family-agreed needs it).",
        ),
    ] = None,
) -> None:
    """Record what of the family's request advisers may be sent, when the family did not consent
    at intake (Regs 6(2)). Until then nobody but the family is asked for advice."""
    from ehcp.domain.advice_plan import ShareDecision

    choice = ShareDecision(decision.value.replace("-", "_"))
    _record(
        ref,
        lambda session, **kw: crud.record_share_decision(
            session, decision=choice, spoke_on=spoke_on.date() if spoke_on else None, **kw
        ),
        f"what advisers may be sent: {decision.value}",
    )


@advice_app.command("setting-address")
def advice_setting_address(
    ref: Ref,
    urn: Annotated[
        str | None, typer.Option(help="The setting's URN in the council's directory of settings.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="An SEN inbox you have checked with the setting itself.")
    ] = None,
    by_post: Annotated[bool, typer.Option("--by-post", help="Write to the setting by post.")] = False,
) -> None:
    """Confirm where the council writes to the child's setting, when the directory of settings
    did not give it at intake. Until then nothing goes to the setting and its educational advice
    waits (the statutory clock runs)."""
    if urn is not None:
        urn = checked_text("--urn", urn, max_length=7)
    if email is not None:
        email = checked_text("--email", email, max_length=320)
    _record(
        ref,
        lambda session, **kw: crud.confirm_setting_address(
            session, urn=urn, email=email, by_post=by_post, **kw
        ),
        "the setting's address",
    )


def confirm_received(
    ref: Ref,
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on", formats=DATE_FORMATS, help="The date actually received, if the one recorded is wrong."
        ),
    ] = None,
) -> None:
    """Confirm (or correct) the date the request was received: every statutory limit runs from it.
    Asked for when a request arrives more than 4 weeks after the date it gives."""
    _record(
        ref,
        lambda session, **kw: crud.confirm_received_on(session, received_on=on.date() if on else None, **kw),
        "the date of receipt",
    )


def _write_ombudsman_pack(ref: str, out: Path) -> None:
    if not out.parent.is_dir():
        fail(f"--pdf: the folder {out.parent} does not exist")
    rules = council()
    with database() as session:
        case = case_or_exit(session, ref)
        pack = pack_for_case(session, case=case, council=rules, today=timesource.today())
    try:
        out.write_bytes(render_pack_pdf(pack))
    except OSError as error:
        fail(f"--pdf: cannot write {out} ({error.strerror})")
    stdout.print(
        f"Wrote the Ombudsman pack of {ref} to {out}: {len(pack.events)} events, "
        f"{len(pack.limits)} statutory limits ({pack.breaches} breached), "
        f"{len(pack.messages)} letters and emails.",
        soft_wrap=True,
    )
