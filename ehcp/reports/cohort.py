"""A calendar year's requests, read from the case store as SEN2-shaped records.

The one query module behind `ehcp kpi` and `ehcp sen2`: a handful of queries (cases,
decisions, final-plan exceptions, the letters that reached the family), whatever the
number of cases (an imported case's own 20-week exception flag is a column of its
case), then each case is coded as SEN2 codes it (`RequestRecord`). Dates are
the store's: an outcome is dated the day the family was told, as the statutory limits
are met (Regs 5(1), 10(1), 13(2) are duties to notify or send): the decision letter or
final plan sent by email that London day, or by post on its deemed day of delivery.
This is the reading `crud.case_facts` makes (`crud._sent_to_family`); a test checks the
two agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, cast

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ehcp.council.config import DirectorySetting
from ehcp.db.crud import TELLS_THE_FAMILY, reached_family_on
from ehcp.db.models import Case, Decision, OutboundMessage, OutboxState, StatutoryException
from ehcp.domain.facts import AssessmentOutcome, IssueOutcome, SettingType
from ehcp.domain.roles import RequestSource
from ehcp.reports.kpi import Outcome, Placement, RequestRecord

# The limit a 20-week exception is recorded against (Regs 13(3); ehcp.domain.grounds).
FINAL_PLAN_LIMIT = "final_plan"


@dataclass(frozen=True)
class Cohort:
    """Every request open at some time during `year` (received by its end, not finished
    before it began): SEN2's "work completed in calendar year" and "ongoing work".
    Outcomes are as recorded on `as_at` (the day the report ran)."""

    year: int
    as_at: date
    records: tuple[RequestRecord, ...]


def in_year(record: RequestRecord, year: int) -> bool:
    """Received by the end of `year` and not finished before it began."""
    finished = record.finished_on
    return record.received_on <= date(year, 12, 31) and (finished is None or finished >= date(year, 1, 1))


# A request finished before the year began is not in its cohort, and its case was closed
# by then, give or take the time its last letter took to reach the family after the case
# closed (an outcome is dated the day the family was told: a letter may wait in the post
# tray). So cases closed more than a year before the year began are left out in SQL,
# unread: the bulk of a caseload's history.
CLOSED_BEFORE_MARGIN = timedelta(days=366)


class _CaseRow(Protocol):
    id: int
    ref: str
    received_on: date
    request_source: str
    withdrawn_on: date | None
    final_issued_on: date | None
    named_setting: str | None
    named_setting_type: str | None
    imported_week20_exception: bool


class _DecisionRow(Protocol):
    case_id: int
    kind: str
    outcome: str
    decided_on: date


def _in_scope(year: int) -> ColumnElement[bool]:
    """Cases that may be in `year`'s cohort: received by its end, not long closed before it."""
    return and_(
        col(Case.received_on) <= date(year, 12, 31),
        or_(col(Case.closed_on).is_(None), col(Case.closed_on) >= date(year, 1, 1) - CLOSED_BEFORE_MARGIN),
    )


def year_cohort(
    session: Session,
    *,
    year: int,
    as_at: date,
    directory: Mapping[str, DirectorySetting] | None = None,
) -> Cohort:
    """The year's cohort from the store. `directory` (the council's settings by URN)
    gives the named setting's URN where exactly one entry has its name.

    Four queries whatever the number of cases, each selecting only the columns coded:
    100,000 cases as whole rows (letters' text included) took half a minute."""
    scope = _in_scope(year)
    cases = cast(
        "list[_CaseRow]",
        session.execute(
            select_columns(
                col(Case.id),
                col(Case.ref),
                col(Case.received_on),
                col(Case.request_source),
                col(Case.withdrawn_on),
                col(Case.final_issued_on),
                col(Case.named_setting),
                col(Case.named_setting_type),
                col(Case.imported_week20_exception),
            )
            .where(scope)
            .order_by(col(Case.ref))
        ).all(),
    )
    decisions: dict[int, dict[str, _DecisionRow]] = defaultdict(dict)
    for decision in session.execute(
        select_columns(
            col(Decision.case_id), col(Decision.kind), col(Decision.outcome), col(Decision.decided_on)
        )
        .join(Case, col(Case.id) == Decision.case_id)
        .where(scope)
    ):
        decisions[decision.case_id][decision.kind] = cast("_DecisionRow", decision)
    week20 = set(
        session.exec(
            select(StatutoryException.case_id)
            .join(Case, col(Case.id) == StatutoryException.case_id)
            .where(scope, StatutoryException.limit_key == FINAL_PLAN_LIMIT)
        )
    )
    # An imported case whose file said a 20-week exception applied, with or without its
    # dates (`ehcp import`): read from the cases already loaded, no further query.
    week20 |= {case.id for case in cases if case.imported_week20_exception}
    told = _told(session, scope)
    urns = _urns_by_name(directory or {})
    records = (
        _record(case, decisions.get(case.id, {}), told.get(case.id, {}), case.id in week20, urns)
        for case in cases
    )
    return Cohort(year=year, as_at=as_at, records=tuple(r for r in records if in_year(r, year)))


def _told(session: Session, scope: ColumnElement[bool]) -> dict[int, dict[str, date]]:
    """For each case, the day the family was first told of each decision and of the final
    plan (crud._sent_to_family/_first_told, for every case at once; the day by crud.reached_family_on)."""
    rows = session.execute(
        select_columns(
            col(OutboundMessage.case_id),
            col(OutboundMessage.purpose),
            col(OutboundMessage.channel),
            col(OutboundMessage.posted_on),
            col(OutboundMessage.sent_at),
        )
        .join(Case, col(Case.id) == OutboundMessage.case_id)
        .where(
            scope,
            col(OutboundMessage.purpose).in_(TELLS_THE_FAMILY),
            col(OutboundMessage.recipient_role) == "family",
            col(OutboundMessage.state) == OutboxState.SENT,
        )
    )
    told: dict[int, dict[str, date]] = defaultdict(dict)
    for row in rows:
        day = reached_family_on(cast(OutboundMessage, row))
        if day is None:
            continue
        seen = told[row.case_id].get(row.purpose)
        told[row.case_id][row.purpose] = min(day, seen) if seen else day
    return told


def _record(
    case: _CaseRow,
    decisions: dict[str, _DecisionRow],
    told: dict[str, date],
    week20: bool,
    urns: dict[str, str],
) -> RequestRecord:
    assessment, issue = decisions.get("assessment"), decisions.get("issue")
    request_outcome, request_on = Outcome.PENDING, None
    outcome: Outcome | None = None
    outcome_on: date | None = None
    if assessment is None:
        if case.withdrawn_on is not None:
            request_outcome, request_on = Outcome.WITHDRAWN, case.withdrawn_on
    else:
        assessment_told = told.get("decision_to_assess") or told.get("decision_not_to_assess")
        request_on = assessment_told or assessment.decided_on
        if assessment.outcome == AssessmentOutcome.NOT_ASSESS:
            request_outcome = Outcome.NO
        else:
            request_outcome, outcome = Outcome.YES, Outcome.PENDING
            # The plan is issued the day it reached the family, once the council finalised it.
            plan_sent = told.get("final_plan") if case.final_issued_on else None
            if plan_sent is not None:
                outcome, outcome_on = Outcome.YES, plan_sent
            elif issue is not None and issue.outcome == IssueOutcome.NOT_ISSUE:
                outcome, outcome_on = Outcome.NO, told.get("decision_not_to_issue") or issue.decided_on
            elif case.withdrawn_on is not None:
                outcome, outcome_on = Outcome.WITHDRAWN, case.withdrawn_on
    return RequestRecord(
        ref=case.ref,
        received_on=case.received_on,
        request_source=RequestSource(case.request_source).sen2_code,
        request_outcome=request_outcome,
        request_outcome_on=request_on,
        assessment_outcome=outcome,
        assessment_outcome_on=outcome_on,
        week20_exception=week20 and outcome is not None,
        placement=_placement(case, urns) if outcome is Outcome.YES else None,
    )


def _placement(case: _CaseRow, urns: dict[str, str]) -> Placement | None:
    """Section I as SEN2's plan detail codes it: the institution's URN, or where there is
    none, SENsetting EYP (an early years provider with no URN) or OTH (a type of setting
    named without an institution)."""
    if case.named_setting is None and case.named_setting_type is None:
        return None
    urn = urns.get(_name_key(case.named_setting)) if case.named_setting else None
    sen_setting = None
    if urn is None:
        if case.named_setting is None:
            sen_setting = "OTH"
        elif case.named_setting_type == SettingType.EARLY_YEARS_PROVIDER:
            sen_setting = "EYP"
    return Placement(
        urn=urn, sen_setting=sen_setting, name=case.named_setting, setting_type=case.named_setting_type
    )


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _urns_by_name(directory: Mapping[str, DirectorySetting]) -> dict[str, str]:
    """The URN for each name exactly one directory entry has (a shared name gives none)."""
    found: dict[str, list[str]] = defaultdict(list)
    for urn, entry in directory.items():
        found[_name_key(entry.name)].append(urn)
    return {name: urns[0] for name, urns in found.items() if len(urns) == 1}
