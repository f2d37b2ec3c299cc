"""`ehcp demo`: a few made-up requests so a newcomer sees live runs in the Prefect UI."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session

from ehcp import timesource
from ehcp.cli.common import council, settings, stdout
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import CaseOpen, ChildIn, DecisionIn, FamilyContactIn

ACTOR = "demo"
# (days since the request arrived, days since the panel decided to assess, or None)
SCENARIOS = [(0, None), (20, None), (50, 8)]


def demo(
    count: Annotated[int, typer.Option(min=1, max=50, help="How many example requests.")] = 3,
) -> None:
    """Submit example requests (made-up people) and start their runs. Needs `make run` going."""
    current, rules = settings(), council()
    refs = []
    with database() as session:
        for number in range(1, count + 1):
            refs.append(_open(session, number, rules))
        from ehcp.runtime.prefect_api import prefect_api

        with prefect_api():
            from ehcp.runtime import sweeper

            report = sweeper.sweep(
                session,
                now=timesource.now(),
                limit=count,
                stale_after_seconds=current.run_stale_after_seconds,
            )
    stdout.print(f"Opened {', '.join(refs)}; started {len(report.started)} run(s).")
    stdout.print(
        f"Open {current.prefect_ui_url}, go to Runs and search for 'ehc-' to see them. Each run's "
        "Artifacts tab has its timeline; a suspended run's menu (⋮) has Resume, which takes the "
        "panel's decision."
    )


def _open(session: Session, number: int, rules) -> str:
    today = timesource.today()
    received_days_ago, decided_days_ago = SCENARIOS[(number - 1) % len(SCENARIOS)]
    request = CaseOpen(
        received_on=today - timedelta(days=received_days_ago),
        request_source="parent",
        setting_name="Example Primary School",
        # Its address comes from the example council's directory (config/example/settings.yaml).
        setting_urn="100001",
        setting_calendar="la-maintained",
        child=ChildIn(
            given_names=f"Demo{number}", family_name="Child", date_of_birth=today - timedelta(days=8 * 365)
        ),
        family=[
            FamilyContactIn(
                full_name=f"Demo Parent {number}",
                relationship="parent",
                email=f"demo.parent{number}@example.org",
                is_primary=True,
            )
        ],
    )
    now = timesource.now()
    # Made-up requests typed in as the council's staff would: dated as their scenario says.
    case = crud.open_case(
        session, request=request, council=rules, now=now, actor=ACTOR, entered_by_staff=True
    )
    if decided_days_ago is not None:
        crud.record_decision(
            session,
            case=case,
            decision=DecisionIn(
                kind="assessment", outcome="assess", decided_on=today - timedelta(days=decided_days_ago)
            ),
            council=rules,
            now=now,
            actor=ACTOR,
        )
    return case.ref
