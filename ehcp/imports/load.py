"""Store validated rows: every case whole or not at all, none twice.

Closed cases (the bulk of a caseload's history) are written in batches with one INSERT
per table per batch, in one transaction: a batch that fails (a concurrent import took a
reference) is done again one case per transaction, so one bad case never takes another
with it. Open cases go one by one through the same `ehcp.db.crud` writes a coordinator's
commands use (the case, its decisions, advice and exception, each validated against the
facts before it), in one unit of work with the history below.

What the family and others were sent before the import is not sent again: the letters a
case's history implies (acknowledgement, decision letters, advice requests, the final
plan...) are stored as outbox rows already `sent` on the day of their act, under the very
keys the run's planner gives them, so the run finds them done; the letters reaching the
family on those days is also what the statutory clock and the SEN2 report read
(`crud.case_facts`, `reports.cohort`). Warnings and breach alerts whose day came before
the import are stored `withdrawn` (never sent): they are history, not news. Everything
else (chasers on the ladder, advice not yet sought, the next letters) is what the run
does from now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import Connection, Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.inputs import AdviceRequestIn, CaseOpen, DecisionIn, ExceptionIn
from ehcp.db.models import (
    AdviceRequest,
    Case,
    CaseEvent,
    CaseRefCounter,
    Child,
    Decision,
    FamilyContact,
    OutboundMessage,
    OutboxState,
    StatutoryException,
    id_of,
)
from ehcp.db.unit_of_work import unit_of_work
from ehcp.domain.clock import Timeline
from ehcp.domain.facts import AssessmentOutcome, IssueOutcome
from ehcp.domain.planner import plan
from ehcp.domain.roles import ContributorRole, RequestSource
from ehcp.domain.stages import CaseStage
from ehcp.errors import InvalidInput
from ehcp.imports.validate import FINAL_PLAN, Imported, Reject
from ehcp.mail.outbox import message_id
from ehcp.text import words
from ehcp.timesource import london_date, london_instant

ACTOR = "import"
SENT_AT = time(12, 0)  # a letter of the history is dated noon London time on its day
BATCH = 1000
# A closed case whose file does not say who asked: SEN2's "other" (5), to complete in the return.
UNKNOWN_SOURCE = RequestSource.OTHER_PROFESSIONAL
HISTORY_SUBJECT = "Sent before this case was imported"
HISTORY_BODY = (
    "Sent by the council before this case was imported from its previous system (`ehcp import`). "
    "Its text is in that system; this row records that it went, and on which day."
)
# Letters and notices that record an act before the import: already sent.
HISTORY_PURPOSES = frozenset(
    {
        "acknowledgement",
        "considering_notice",
        "decision_to_assess",
        "decision_not_to_assess",
        "decision_not_to_issue",
        "advice_request",
        "advice_received",
        "advice_complete",
        "exception_applied",
        "final_plan",
        "withdrawal",
    }
)
# The SEND team's warnings and alerts: those whose day has passed are not sent late.
ALERT_PURPOSES = frozenset({"limit_warning", "limit_breached"})


@dataclass
class Outcome:
    """What one run of the import did."""

    imported_closed: int = 0
    imported_open: int = 0
    already_imported: int = 0
    rejects: list[Reject] = field(default_factory=list)
    open_refs: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({reject.line for reject in self.rejects})


def imported_refs(session: Session) -> set[str]:
    """Every previous-system reference already in the store (one query)."""
    return set(session.exec(select(Case.imported_ref).where(col(Case.imported_ref).is_not(None))))  # type: ignore[arg-type]


class Loader:
    """Takes validated rows in file order and stores them; `finish()` stores the last batch."""

    def __init__(self, session: Session, *, council: Council, now: datetime, batch: int = BATCH) -> None:
        self.session, self.council, self.now, self.batch_size = session, council, now, batch
        self.today = london_date(now)
        self.outcome = Outcome()
        self.pending: list[Imported] = []
        self.domain = council.send_team.email.split("@", 1)[1]

    def add(self, item: Imported) -> None:
        if item.is_open:
            self._open(item)
            return
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def finish(self) -> Outcome:
        self.flush()
        return self.outcome

    def flush(self) -> None:
        items, self.pending = self.pending, []
        if not items:
            return
        try:
            self._closed(items)
            self.session.commit()
            self.outcome.imported_closed += len(items)
            return
        except IntegrityError:
            self.session.rollback()
        for item in items:  # one case per transaction: find the one that conflicts
            try:
                self._closed([item])
                self.session.commit()
                self.outcome.imported_closed += 1
            except IntegrityError:
                self.session.rollback()
                self._conflict(item)

    def _conflict(self, item: Imported) -> None:
        """A case the store refused as a whole: imported meanwhile by someone else, or not."""
        if item.reference in imported_refs_of(self.session, [item.reference]):
            self.outcome.already_imported += 1
        else:
            self.outcome.rejects.append(
                Reject(
                    item.line, item.reference, "", "conflicts with what is already stored; nothing written"
                )
            )

    # -- closed cases: a batch at a time ------------------------------------------------

    def _closed(self, items: list[Imported]) -> None:
        session, now = self.session, self.now
        refs = self._refs([item.received_on.year for item in items])
        timelines = [self.council.timeline(item.facts, today=self.today) for item in items]
        rows = [
            self._case_row(item, ref, timeline)
            for item, ref, timeline in zip(items, refs, timelines, strict=True)
        ]
        # Core executemany (no ORM bookkeeping, no RETURNING); the ids by reference after.
        connection = session.connection()
        insert_many(connection, table_of(Case), rows)
        by_ref: dict[str, int] = dict(
            connection.execute(  # type: ignore[arg-type]
                select(col(Case.imported_ref), col(Case.id)).where(
                    col(Case.imported_ref).in_([item.reference for item in items])
                )
            ).all()
        )
        ids = [int(by_ref[item.reference]) for item in items]
        children: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        advice: list[dict[str, Any]] = []
        exceptions: list[dict[str, Any]] = []
        letters: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for item, ref, case_id, timeline in zip(items, refs, ids, timelines, strict=True):
            facts = item.facts
            if item.child is not None:
                children.append({"case_id": case_id, **item.child.model_dump()})
            if item.contact is not None:
                contacts.append({"case_id": case_id, **item.contact.model_dump()})
            event = _events(case_id, now)
            event("request_received", item.received_on, _received_summary(item))
            assessment, issue = facts.decision_to_assess, facts.decision_to_issue
            if assessment is not None:
                decisions.append(
                    _decision(case_id, "assessment", assessment.outcome, assessment.decided_on, now)
                )
                purpose = (
                    "decision_to_assess"
                    if assessment.outcome is AssessmentOutcome.ASSESS
                    else "decision_not_to_assess"
                )
                letters.append(
                    self._letter(
                        case_id, f"{ref}:{purpose}:family:imported", purpose, "family", assessment.decided_on
                    )
                )
                event(
                    "decision_assessment",
                    assessment.decided_on,
                    f"Decision on whether to assess: {words(assessment.outcome)} (imported).",
                    {"kind": "assessment", "outcome": assessment.outcome.value},
                )
            for row in item.advice:
                timeline_due = timeline.due_on(f"advice:{row.key}")
                advice.append(
                    {
                        "case_id": case_id,
                        "key": row.key,
                        "role": row.role.value,
                        "organisation": words(row.role.value).capitalize(),
                        "requested_on": row.requested_on,
                        "due_on": timeline_due or row.requested_on,
                        "received_on": row.received_on,
                        "existing_advice_accepted": False,
                    }
                )
                event(
                    "advice_requested",
                    row.requested_on,
                    f"Advice requested from {words(row.role.value)} ({row.key}) (imported).",
                    {"key": row.key, "role": row.role.value},
                )
                if row.received_on is not None:
                    event(
                        "advice_received",
                        row.received_on,
                        f"Advice received from {words(row.role.value)} ({row.key}) (imported).",
                        {"key": row.key, "role": row.role.value},
                    )
            if issue is not None:
                decisions.append(_decision(case_id, "issue", issue.outcome, issue.decided_on, now))
                if issue.outcome is IssueOutcome.NOT_ISSUE:
                    key = f"{ref}:decision_not_to_issue:family:imported"
                    letters.append(
                        self._letter(case_id, key, "decision_not_to_issue", "family", issue.decided_on)
                    )
                event(
                    "decision_issue",
                    issue.decided_on,
                    f"Decision on whether to issue a plan: {words(issue.outcome)} (imported).",
                    {"kind": "issue", "outcome": issue.outcome.value},
                )
            if facts.final_issued_on is not None:
                day = facts.final_issued_on
                letters.append(
                    self._letter(case_id, f"{ref}:final_plan:family:imported", "final_plan", "family", day)
                )
                event("final_plan_issued", day, "The final EHC plan was sent to the family (imported).", {})
            for exception in facts.exceptions:
                exceptions.append(
                    {
                        "case_id": case_id,
                        "ground": exception.ground.value,
                        "limit_key": exception.limit_key,
                        "starts_on": exception.starts_on,
                        "ends_on": exception.ends_on,
                        "evidence_note": IMPORTED_EVIDENCE,
                        "recorded_by": ACTOR,
                        "recorded_at": now,
                    }
                )
            if item.week20_exception:
                event(*_exception_event(item))
            if facts.withdrawn_on is not None:
                event("withdrawn", facts.withdrawn_on, "Request withdrawn (imported).", {})
            event("case_imported", self.today, _imported_summary(item), {"line": item.line})
            events += event.rows
        for table, values in (
            (Child, children),
            (FamilyContact, contacts),
            (Decision, decisions),
            (AdviceRequest, advice),
            (StatutoryException, exceptions),
            (OutboundMessage, letters),
            (CaseEvent, events),
        ):
            if values:
                insert_many(connection, table_of(table), values)

    def _case_row(self, item: Imported, ref: str, timeline: Timeline) -> dict[str, Any]:
        facts = item.facts
        ended = [day for day in (facts.final_sent_on, facts.ended_on) if day is not None]
        return {
            "ref": ref,
            "imported_ref": item.reference,
            "imported_week20_exception": item.week20_exception,
            "imported_exception_ground": item.exception_ground.value if item.exception_ground else None,
            "received_on": item.received_on,
            "request_source": (item.request_source or UNKNOWN_SOURCE).value,
            "stage": item.stage.value,
            "decide_to_assess_by": timeline.due_on("decision_to_assess"),
            "decide_not_to_issue_by": timeline.due_on("decision_not_to_issue"),
            "draft_target_by": timeline.due_on("draft_plan_target"),
            "final_plan_by": timeline.due_on("final_plan"),
            "draft_issued_on": facts.draft_issued_on,
            "final_issued_on": facts.final_issued_on,
            "withdrawn_on": facts.withdrawn_on,
            # The day the case ended in its history (not the day it was imported).
            "closed_on": min(ended) if ended else self.today,
            "next_due_on": timeline.next_due_on,
            "version": 1,
            "created_at": self.now,
            "updated_at": self.now,
            "wake_at": None,  # closed: no run, ever
        }

    def _refs(self, years: list[int]) -> list[str]:
        """The next case references, `EHC-<year of receipt>-<n>`, taken from the per-year
        counter as `crud.open_case` takes them (one UPDATE per year per batch)."""
        wanted: dict[int, int] = defaultdict(int)
        for year in years:
            wanted[year] += 1
        next_number: dict[int, int] = {}
        dialect = self.session.get_bind().dialect.name
        for year, count in sorted(wanted.items()):
            first = {"year": year, "last_number": 0}
            upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            self.session.execute(upsert(CaseRefCounter).values(first).on_conflict_do_nothing())
            last = self.session.execute(
                update(CaseRefCounter)
                .where(col(CaseRefCounter.year) == year)
                .values(last_number=col(CaseRefCounter.last_number) + count)
                .returning(col(CaseRefCounter.last_number))
            ).scalar_one()
            next_number[year] = last - count + 1
        refs = []
        for year in years:
            refs.append(f"EHC-{year}-{next_number[year]:06d}")
            next_number[year] += 1
        return refs

    def _letter(
        self, case_id: int, key: str, purpose: str, role: str, day: date, *, sent: bool = True
    ) -> dict[str, Any]:
        at = london_instant(day, SENT_AT)
        return {
            "key": key,
            "case_id": case_id,
            "purpose": purpose,
            "recipient_role": role,
            "channel": "email",
            "recipient_address": "(before import)",
            "subject": HISTORY_SUBJECT,
            "body_text": HISTORY_BODY,
            "state": OutboxState.SENT if sent else OutboxState.WITHDRAWN,
            "attempts": 0,
            "smtp_message_id": message_id(key, self.domain),
            "queued_at": at,
            "sent_at": at if sent else None,
        }

    # -- open cases: one at a time, through the live writers ------------------------------

    def _open(self, item: Imported) -> None:
        session, council, now = self.session, self.council, self.now
        if item.child is None or item.contact is None:
            raise ValueError("an open case is validated with its child and family contact")
        column = "reference"
        try:
            with unit_of_work(session):
                column = "setting_urn"
                case = crud.open_case(
                    session,
                    request=CaseOpen(
                        received_on=item.received_on,
                        request_source=item.request_source or UNKNOWN_SOURCE,
                        setting_urn=item.setting_urn,
                        child=item.child,
                        family=[item.contact],
                    ),
                    council=council,
                    now=now,
                    actor=ACTOR,
                    entered_by_staff=True,
                )
                case.imported_ref = item.reference
                case.imported_week20_exception = item.week20_exception
                case.imported_exception_ground = (
                    item.exception_ground.value if item.exception_ground else None
                )
                session.add(case)
                facts = item.facts
                if facts.decision_to_assess is not None:
                    column = "decision_to_assess_date"
                    self._decide(
                        case,
                        "assessment",
                        facts.decision_to_assess.outcome,
                        facts.decision_to_assess.decided_on,
                    )
                for advice in item.advice:
                    column = f"advice_{_word(advice.key)}_requested"
                    organisation, name, email = self._adviser(case, advice.key, advice.role, item)
                    crud.request_advice(
                        session,
                        case=case,
                        advice=AdviceRequestIn(
                            key=advice.key,
                            role=advice.role,
                            organisation=organisation,
                            contact_name=name,
                            contact_email=email,
                            requested_on=advice.requested_on,
                        ),
                        council=council,
                        now=now,
                        actor=ACTOR,
                    )
                    if advice.received_on is not None:
                        column = f"advice_{_word(advice.key)}_received"
                        crud.record_advice_received(
                            session,
                            case=case,
                            key=advice.key,
                            received_on=advice.received_on,
                            council=council,
                            now=now,
                            actor=ACTOR,
                        )
                if facts.decision_to_issue is not None:
                    column = "issue_decision_date"
                    self._decide(
                        case, "issue", facts.decision_to_issue.outcome, facts.decision_to_issue.decided_on
                    )
                for exception in facts.exceptions:
                    column = "exception_from"
                    crud.record_exception(
                        session,
                        case=case,
                        exception=ExceptionIn(
                            ground=exception.ground,
                            limit_key=exception.limit_key,
                            starts_on=exception.starts_on,
                            ends_on=exception.ends_on,
                            evidence_note=IMPORTED_EVIDENCE,
                        ),
                        council=council,
                        now=now,
                        actor=ACTOR,
                    )
                if item.week20_exception and not facts.exceptions:
                    kind, on, summary, detail = _exception_event(item)
                    crud.record_event(
                        session,
                        case=case,
                        kind=kind,
                        occurred_on=on,
                        actor=ACTOR,
                        now=now,
                        summary=summary,
                        detail=detail,
                    )
                column = ""
                self._history(case)
                crud.record_event(
                    session,
                    case=case,
                    kind="case_imported",
                    occurred_on=self.today,
                    actor=ACTOR,
                    now=now,
                    summary=_imported_summary(item),
                    detail={"line": item.line},
                )
        except InvalidInput as error:
            for problem in error.errors:
                self.outcome.rejects.append(Reject(item.line, item.reference, column, problem.message))
            return
        except IntegrityError:
            self._conflict(item)
            return
        self.outcome.imported_open += 1
        self.outcome.open_refs.append(case.ref)

    def _decide(self, case: Case, kind: str, outcome: Any, on: date) -> None:
        crud.record_decision(
            self.session,
            case=case,
            decision=DecisionIn(kind=kind, outcome=outcome, decided_on=on),  # type: ignore[arg-type]
            council=self.council,
            now=self.now,
            actor=ACTOR,
        )

    def _adviser(
        self, case: Case, key: str, role: ContributorRole, item: Imported
    ) -> tuple[str, str | None, str | None]:
        """Who the advice was asked of, as the run's own request would name them."""
        if role is ContributorRole.PARENT_OR_YOUNG_PERSON:
            contact = item.contact
            return (
                "Family",
                contact.full_name if contact else None,
                str(contact.email) if contact and contact.email else None,
            )
        if role is ContributorRole.EDUCATIONAL:
            return case.setting_name or "Current setting", None, case.setting_email
        service = self.council.advisers[role]
        return service.organisation, None, str(service.email)

    def _history(self, case: Case) -> None:
        """Mark what the case's history already sent as sent (see the module's docstring):
        the planner is asked what this case needs today, as the run will ask it."""
        from ehcp.runtime.case_runner import case_context  # the run's own view of who is written to

        session = self.session
        facts = crud.case_facts(session, case=case)
        timeline = self.council.timeline(facts, today=self.today)
        current = plan(
            facts,
            timeline=timeline,
            context=case_context(session, case, self.council, self.today),
            done_messages=frozenset(),
            done_documents=frozenset(),
            today=self.today,
        )
        requested = {advice.key: advice.requested_on for advice in facts.advice}
        for message in current.work.messages:
            day = _history_day(message.purpose, message.recipient, message.on, facts, requested)
            if message.purpose in ALERT_PURPOSES and message.on is not None and message.on < self.today:
                session.add(
                    OutboundMessage(
                        **self._letter(
                            id_of(case),
                            message.key(case.ref),
                            message.purpose,
                            _role(message.recipient, facts),
                            message.on,
                            sent=False,
                        )
                    )
                )
            elif message.purpose in HISTORY_PURPOSES and day is not None:
                session.add(
                    OutboundMessage(
                        **self._letter(
                            id_of(case),
                            message.key(case.ref),
                            message.purpose,
                            _role(message.recipient, facts),
                            day,
                        )
                    )
                )
        session.flush()


def table_of(model: Any) -> Table:
    return cast(Table, model.__table__)


def insert_many(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """One INSERT of many rows, run by the driver's own executemany: each column's values go
    through that column type's bind processor for this database (the same conversion
    SQLAlchemy makes), without SQLAlchemy's per-row bookkeeping, which cost most of the
    import's time (benchmarks/import.py). Every row has the first row's keys."""
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    marks = {
        "qmark": ["?"] * len(names),
        "format": ["%s"] * len(names),
        "numeric": [f":{number}" for number in range(1, len(names) + 1)],
        "named": [f":{name}" for name in names],
        "pyformat": [f"%({name})s" for name in names],
    }[dialect.paramstyle]
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES ({', '.join(marks)})"
    )
    converted: list[Any] = []
    positional = dialect.paramstyle in ("qmark", "format", "numeric")
    for row in rows:
        values = [
            row[name] if process is None or row[name] is None else process(row[name])
            for name, process in zip(names, processors, strict=True)
        ]
        converted.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
    connection.exec_driver_sql(statement, converted)


IMPORTED_EVIDENCE = "Recorded in the council's previous system; imported with `ehcp import`."


def imported_refs_of(session: Session, references: list[str]) -> set[str]:
    return set(session.exec(select(Case.imported_ref).where(col(Case.imported_ref).in_(references))))  # type: ignore[arg-type]


def _history_day(
    purpose: str, recipient: str, on: date | None, facts: Any, requested: dict[str, date]
) -> date | None:
    """The day a letter of the history went: the day of the act it tells of."""
    if purpose in ("acknowledgement", "considering_notice"):
        return facts.received_on
    if purpose in ("decision_to_assess", "decision_not_to_assess") and facts.decision_to_assess:
        return facts.decision_to_assess.decided_on
    if purpose == "decision_not_to_issue" and facts.decision_to_issue:
        return facts.decision_to_issue.decided_on
    if purpose == "advice_request":
        return requested.get(recipient.partition(":")[2])
    if purpose == "final_plan":
        return facts.final_issued_on
    if purpose == "withdrawal":
        return facts.withdrawn_on
    return on


def _role(recipient: str, facts: Any) -> str:
    """The outbox's recipient_role for a planner recipient key (as messages.address gives it)."""
    kind, _, which = recipient.partition(":")
    if kind == "family":
        return "family"
    if kind == "adviser":
        role = next((advice.role for advice in facts.advice if advice.key == which), which)
        return f"adviser:{role}"
    return recipient


def _word(key: str) -> str:
    from ehcp.imports.columns import ADVICE

    return next(word for word, (advice_key, _) in ADVICE.items() if advice_key == key)


class _events:
    """A case's chronology rows for one batch insert."""

    def __init__(self, case_id: int, now: datetime) -> None:
        self.case_id, self.now = case_id, now
        self.rows: list[dict[str, Any]] = []

    def __call__(self, kind: str, on: date, summary: str, detail: dict[str, Any] | None = None) -> None:
        self.rows.append(
            {
                "case_id": self.case_id,
                "kind": kind,
                "occurred_on": on,
                "recorded_at": self.now,
                "actor": ACTOR,
                "summary": summary,
                "detail": detail or {},
            }
        )


def _decision(case_id: int, kind: str, outcome: Any, on: date, now: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "kind": kind,
        "outcome": outcome.value,
        "decided_on": on,
        "recorded_by": ACTOR,
        "recorded_at": now,
    }


def _received_summary(item: Imported) -> str:
    source = item.request_source
    said = f"from the {words(source)}" if source else "(the import file does not say from whom: SEN2 'other')"
    return f"Request for an EHC needs assessment received {said} (imported)."


def _exception_event(item: Imported) -> tuple[str, date, str, dict[str, Any]]:
    ground = item.exception_ground
    dated = item.facts.exceptions
    when = (
        f" from {dated[0].starts_on}" + (f" to {dated[0].ends_on}" if dated[0].ends_on else " (continuing)")
        if dated
        else "; the file gives no dates"
    )
    return (
        "exception_recorded",
        dated[0].starts_on if dated else item.received_on,
        "Exception recorded against the 20-week limit for the final plan (Regs 13(3)): "
        f"{words(ground)}{when} (imported).",
        {"ground": ground.value if ground else None, "limit_key": FINAL_PLAN, "imported": True},
    )


def _imported_summary(item: Imported) -> str:
    stage = CaseStage(item.stage)
    return (
        f"Imported from the council's previous system (`ehcp import`, file line {item.line}) at stage "
        f"{words(stage)}: the dates above are that system's. Letters sent before the import are recorded as "
        "sent on the day of the act they tell of; their text is in that system."
    )
