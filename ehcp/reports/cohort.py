"""A calendar year's requests, read from the case store as SEN2-shaped records.

The one query module behind `ehcp kpi` and `ehcp sen2`: a handful of queries (cases,
decisions, final-plan exceptions, the letters that reached the family), whatever the
number of cases, then each case is coded as SEN2 codes it (`RequestRecord`). Dates are
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
from datetime import date

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


def year_cohort(
    session: Session,
    *,
    year: int,
    as_at: date,
    directory: Mapping[str, DirectorySetting] | None = None,
) -> Cohort:
    """The year's cohort from the store. `directory` (the council's settings by URN)
    gives the named setting's URN where exactly one entry has its name."""
    end = date(year, 12, 31)
    cases = session.exec(select(Case).where(Case.received_on <= end).order_by(col(Case.ref))).all()
    decisions: dict[int, dict[str, Decision]] = defaultdict(dict)
    for decision in session.exec(
        select(Decision).join(Case, col(Case.id) == Decision.case_id).where(Case.received_on <= end)
    ):
        decisions[decision.case_id][decision.kind] = decision
    week20 = set(
        session.exec(
            select(StatutoryException.case_id)
            .join(Case, col(Case.id) == StatutoryException.case_id)
            .where(Case.received_on <= end, StatutoryException.limit_key == FINAL_PLAN_LIMIT)
        )
    )
    told = _told(session, end)
    urns = _urns_by_name(directory or {})
    records = (
        _record(case, decisions.get(_id(case), {}), told.get(_id(case), {}), _id(case) in week20, urns)
        for case in cases
    )
    return Cohort(year=year, as_at=as_at, records=tuple(r for r in records if in_year(r, year)))


def _id(case: Case) -> int:
    if case.id is None:
        raise RuntimeError("a stored case has an id")
    return case.id


def _told(session: Session, end: date) -> dict[int, dict[str, date]]:
    """For each case, the day the family was first told of each decision and of the final
    plan (crud._sent_to_family/_first_told, for every case at once; the day by crud.reached_family_on)."""
    rows = session.exec(
        select(OutboundMessage)
        .join(Case, col(Case.id) == OutboundMessage.case_id)
        .where(
            Case.received_on <= end,
            col(OutboundMessage.purpose).in_(TELLS_THE_FAMILY),
            OutboundMessage.recipient_role == "family",
            OutboundMessage.state == OutboxState.SENT,
        )
    )
    told: dict[int, dict[str, date]] = defaultdict(dict)
    for row in rows:
        day = reached_family_on(row)
        if day is None:
            continue
        seen = told[row.case_id].get(row.purpose)
        told[row.case_id][row.purpose] = min(day, seen) if seen else day
    return told


def _record(
    case: Case, decisions: dict[str, Decision], told: dict[str, date], week20: bool, urns: dict[str, str]
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


def _placement(case: Case, urns: dict[str, str]) -> Placement | None:
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
