"""The caseload board: every open case, soonest limit first, as a table the Prefect UI shows.

The sweep publishes it every 15 minutes as the artifact `caseload`, and one per
coordinator, `caseload-<key>`, with only their cases (published even when empty, so a
bookmark always opens). A row says the case's reference, stage, next limit and its due
date, the days left or late, who owes what (by role) and the coordinator's key.

These reach Prefect, which has no login of its own: references, stages, roles, dates,
counts and coordinator keys only, never a name. `caseload_rows` and `table` are pure
(the store's data and `today` in, rows out); `read_caseload` is the one read from the
store, in a fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import Case, Channel, IntakeSubmission, OutboundMessage, OutboxState, id_of
from ehcp.domain.clock import Limit, LimitState, Timeline
from ehcp.domain.facts import CaseFacts
from ehcp.text import words
from ehcp.views.labels import limit_label
from ehcp.views.run_status import next_limit, owed_limits, when

BOARD_KEY = "caseload"

# Who acts on the council's own limits; an adviser's or a setting's limit names itself.
_OWNER = {
    "decision_to_assess": "the panel: decide whether to assess",
    "decision_not_to_issue": "the panel: decide whether to issue a plan",
    "draft_plan_target": "the coordinator: serve the draft plan",
    "final_plan": "the coordinator: finalise the plan",
}


# The limits each stage is working towards (what the planner says a case waits for):
# every limit runs from receipt, but the final plan is not owed by anyone while the
# panel considers whether to assess. A limit already passed is owed whatever the stage.
_STAGE_LIMITS = {
    "considering": ("decision_to_assess",),
    "assessing": ("advice:", "decision_not_to_issue"),
    # Advice still owed is chased through drafting (the planner's `_follow_ups`).
    "drafting": ("draft_plan_target", "advice:", "school_consultation:"),
    "draft_served": ("final_plan", "advice:", "school_consultation:"),
}


@dataclass(frozen=True)
class OpenCase:
    """One open case as the store holds it: its row's few columns the board shows or
    judges by, and its facts (the clock is computed from them for `today`)."""

    ref: str
    stage: str
    officer: str | None
    facts: CaseFacts
    received_on_to_confirm: bool = False
    setting_address_to_confirm: bool = False
    sharing_to_decide: bool = False
    letters_to_post: int = 0


@dataclass(frozen=True)
class CaseloadRow:
    ref: str
    stage: str
    officer: str | None
    next_limit: str | None  # its label (ehcp.views.labels)
    due_on: date | None
    when: str  # "11 days left", "due today", "3 days late", or "" with no limit
    owed: tuple[str, ...]  # who owes what, by role: "health advice (3 days late)"


def caseload_rows(cases: Iterable[OpenCase], *, council: Council, today: date) -> list[CaseloadRow]:
    """Each case's row, the soonest next limit first (cases with none last, by reference)."""
    rows = [_row(case, council.timeline(case.facts, today=today)) for case in cases]
    return sorted(rows, key=lambda row: (row.due_on is None, row.due_on or date.max, row.ref))


def _row(case: OpenCase, timeline: Timeline) -> CaseloadRow:
    soonest = next_limit(timeline)
    return CaseloadRow(
        ref=case.ref,
        stage=case.stage,
        officer=case.officer,
        next_limit=limit_label(soonest) if soonest else None,
        due_on=soonest.due_on if soonest else None,
        when=when(soonest) if soonest else "",
        owed=(*_coordinator_tasks(case), *(_owed(limit) for limit in _owed_now(timeline, case.stage))),
    )


def _owed_now(timeline: Timeline, stage: str) -> list[Limit]:
    """The limits the case's stage works towards, and any already passed, soonest first."""
    working_towards = _STAGE_LIMITS.get(stage, ())
    now = [
        limit
        for limit in owed_limits(timeline)
        if limit.due_on is not None
        and (limit.key.startswith(working_towards) or limit.state is not LimitState.DUE)
    ]
    return sorted(now, key=lambda limit: (limit.due_on, limit.key))


def _owed(limit: Limit) -> str:
    what = _OWNER.get(limit.key) or _lower_first(limit_label(limit))
    return f"{what} ({when(limit)})"


def _coordinator_tasks(case: OpenCase) -> list[str]:
    """What only a coordinator can settle (the planner's `_coordinator_tasks`, in short)."""
    tasks = []
    if case.received_on_to_confirm:
        tasks.append("the coordinator: confirm the date of receipt")
    if case.setting_address_to_confirm:
        tasks.append("the coordinator: confirm the setting's address")
    if case.sharing_to_decide:
        tasks.append("the coordinator: record what advisers may be sent")
    if case.letters_to_post:
        tasks.append(f"the coordinator: print and post {_count(case.letters_to_post, 'letter')}")
    return tasks


def for_officer(rows: Iterable[CaseloadRow], officer: str) -> list[CaseloadRow]:
    return [row for row in rows if row.officer == officer]


def artifact_key(officer: str | None = None) -> str:
    """`caseload`, or `caseload-<coordinator key>` (keys are already lower-case letters,
    digits and dashes: ehcp.council.config.CoordinatorKey)."""
    return BOARD_KEY if officer is None else f"{BOARD_KEY}-{officer}"


COLUMNS = ("Case", "Stage", "Next limit", "Due", "Days", "Who owes what", "Coordinator")


def table(rows: Iterable[CaseloadRow]) -> dict[str, list[str]]:
    """The rows as `create_table_artifact` takes them, by column: an empty board still
    shows its headings."""
    cells = [
        (
            row.ref,
            words(row.stage),
            row.next_limit or "none open",
            str(row.due_on or ""),
            row.when,
            "; ".join(row.owed) or "nothing is owed now",
            row.officer or "unassigned",
        )
        for row in rows
    ]
    return {column: [row[index] for row in cells] for index, column in enumerate(COLUMNS)}


def description(rows: list[CaseloadRow], *, today: date, officer: str | None = None) -> str:
    whose = f"assigned to {officer}" if officer else "open"
    return f"{_count(len(rows), 'case')} {whose}, soonest limit first, on {today}"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- the one read from the store ----------------------------------------------


def read_caseload(session: Session, *, council: Council, today: date) -> list[CaseloadRow]:
    """Every open case's row, in nine queries whatever the number of cases: the cases and
    their facts (crud.open_cases_facts), letters waiting in the post tray, and the intake
    consent of cases whose sharing decision is still to be made."""
    cases = crud.open_cases_facts(session)
    to_post = _letters_to_post(session)
    refused = _refused_sharing(session)
    return caseload_rows(
        (_open_case(case, facts, to_post, refused) for case, facts in cases), council=council, today=today
    )


def _open_case(case: Case, facts: CaseFacts, to_post: Mapping[int, int], refused: set[int]) -> OpenCase:
    return OpenCase(
        ref=case.ref,
        stage=case.stage,
        officer=case.officer,
        facts=facts,
        received_on_to_confirm=not case.received_on_confirmed,
        setting_address_to_confirm=case.setting_name is not None and not case.setting_address_confirmed,
        sharing_to_decide=id_of(case) in refused and case.share_decision is None,
        letters_to_post=to_post.get(id_of(case), 0),
    )


def _letters_to_post(session: Session) -> dict[int, int]:
    """Per open case, how many letters wait in the post tray (ehcp.mail.post_tray)."""
    rows = session.exec(
        select(OutboundMessage.case_id, func.count())
        .join(Case, col(Case.id) == col(OutboundMessage.case_id))
        .where(
            col(Case.closed_on).is_(None),
            OutboundMessage.channel == Channel.POST,
            OutboundMessage.state == OutboxState.QUEUED,
        )
        .group_by(col(OutboundMessage.case_id))
    )
    return {case_id: count for case_id, count in rows}


def _refused_sharing(session: Session) -> set[int]:
    """Open cases with no sharing decision yet whose family did not consent at intake to
    their request being shared (crud.family_agreed_to_share reads the same field)."""
    rows = session.exec(
        select(IntakeSubmission.case_id, IntakeSubmission.payload)
        .join(Case, col(Case.id) == col(IntakeSubmission.case_id))
        .where(col(Case.closed_on).is_(None), col(Case.share_decision).is_(None))
    )
    return {case_id for case_id, payload in rows if not crud.consent_to_share(payload)}
