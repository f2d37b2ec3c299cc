"""Emails as the system writes them, for the tests that read them back.

`written()` runs real cases through a case's run (ehcp.runtime.case_runner.reconcile), so
the planner chooses who gets what, ehcp.mail.messages.address names them,
ehcp.mail.messages.context fills the template and ehcp.mail.outbox.queue renders the row:
each `Email` with `by_run` set is an outbox row exactly as delivery would send it. Then,
through the same three functions, it queues each purpose to each kind of recipient the
planner can send it to, about each adviser's role (`by_run` unset): the combinations a run
on the example council's ladder does not reach, but another council's ladder may.

Every case is run twice, about a child (the parent is written to) and about a young person
(CFA 2014 s.83(2): they are written to themselves). Built once per test process, on its own
SQLite database; what it returns is plain data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlmodel import Session, col, select

from ehcp.council.config import Council, load_council
from ehcp.db import crud, migrate
from ehcp.db.engine import make_engine, session_for
from ehcp.db.inputs import ChildIn, FamilyContactIn
from ehcp.db.models import (
    AdviceRequest,
    Case,
    FamilyContact,
    OutboundMessage,
    OutboxState,
    StatutoryException,
)
from ehcp.domain.planner import Message
from ehcp.domain.roles import ContributorRole
from ehcp.mail import messages, outbox
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import PROJECT_ROOT, get_settings
from tests.db import factories

PARENT = "Pat Example"
YOUNG_PERSON = "Robin Example"
# A professional the family asked for, named, with no email: their request goes by post.
NAMED_PROFESSIONAL = "Alex Therapist"
NAMED_PROFESSIONALS_SERVICE = "Example Occupational Therapy Service"
SETTING_EMAIL = "head@example-primary.sch.uk"
# Marks the combinations queued directly, so their keys never meet a run's.
DIRECT = date(2030, 1, 1)
NOW_STOPPED = datetime(2026, 4, 28, 9, 0, tzinfo=UTC)  # when a run stopped (run_stopped)


@dataclass(frozen=True)
class Email:
    purpose: str
    role: str  # the recipient's role, as the outbox row keeps it (ehcp.mail.messages.Address.role)
    name: str  # who it greets (the row's address, or the name on the envelope)
    young_person: bool
    by_run: bool
    # For a message about one piece of advice: the advice's role (None otherwise, and
    # for rows a run queued, whose advice is in the key only).
    about_role: str | None
    channel: str
    subject: str
    text: str
    html: str

    @property
    def kind(self) -> str:
        return kind_of(self.role)


def kind_of(role: str) -> str:
    """A recipient's kind, as tests name them: the family's own advice is `family_adviser`."""
    if role == f"adviser:{ContributorRole.PARENT_OR_YOUNG_PERSON.value}":
        return "family_adviser"
    return role.partition(":")[0]


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@cache
def written() -> tuple[Email, ...]:
    """Every email the scenarios wrote: those their runs queued, then the direct ones."""
    council = load_council(PROJECT_ROOT / "config" / "example")
    with tempfile.TemporaryDirectory(prefix="ehcp-emails-") as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'cases.sqlite3'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with session_for(engine) as session:
                return _write(_Scenario(session, council, root / "documents"))
        finally:
            engine.dispose()


class _Scenario:
    def __init__(self, session: Session, council: Council, store: Path) -> None:
        self.session, self.council, self.store = session, council, store

    def open(self, *, young_person: bool) -> Case:
        if young_person:
            child = ChildIn(
                given_names="Robin",
                family_name="Example",
                date_of_birth=date(2008, 3, 14),
                postcode="ZZ1 1ZZ",
            )
            family = [
                FamilyContactIn(
                    full_name=YOUNG_PERSON,
                    relationship="young_person",
                    email="robin.testfamily@example.org",
                    is_primary=True,
                ),
                FamilyContactIn(full_name=PARENT, relationship="parent", email=factories.PARENT_EMAIL),
            ]
        else:
            child = ChildIn(
                given_names="Robin",
                family_name="Example",
                date_of_birth=date(2017, 3, 14),
                postcode="ZZ1 1ZZ",
            )
            family = [
                FamilyContactIn(
                    full_name=PARENT, relationship="parent", email=factories.PARENT_EMAIL, is_primary=True
                )
            ]
        return factories.open_case(
            self.session,
            self.council,
            now=at(date(2026, 1, 5)),
            setting_email=SETTING_EMAIL,
            child=child,
            family=family,
        )

    def look(self, case: Case, day: date) -> None:
        reconcile(self.session, ref=case.ref, council=self.council, now=at(day), document_store=self.store)

    def looks(self, case: Case, first: date, last: date) -> None:
        for day in days(first, last):
            self.look(case, day)

    def act(self, case: Case, day: date, action: Callable[..., object], **values: object) -> None:
        action(self.session, self.council, case, now=at(day), **values)
        self.look(case, day)


def _write(scenario: _Scenario) -> tuple[Email, ...]:
    session = scenario.session
    whole = {young_person: _whole_case(scenario, young_person=young_person) for young_person in (False, True)}
    others = []
    for young_person in (False, True):
        others += [
            _not_assessed_late(scenario, young_person=young_person),
            _not_issued(scenario, young_person=young_person),
            _withdrawn(scenario, young_person=young_person),
            _withdrawn_while_assessing(scenario, young_person=young_person),
        ]
    cases = {case.id: young_person for young_person, case in whole.items()}
    cases |= {case.id: young_person for case, young_person in others}
    run_rows = session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()
    emails = [_email(row, young_person=cases[row.case_id], by_run=True, about_role=None) for row in run_rows]
    for young_person, case in whole.items():
        emails += _queued_directly(scenario, case, young_person=young_person)
    return tuple(emails)


def _whole_case(scenario: _Scenario, *, young_person: bool) -> Case:
    """From request to final plan: warnings, every adviser asked (one named professional by
    post), an exception, the ladder climbed for the advice that does not come, the family
    told where the advice has got to, a gap recorded, the draft served, a school consulted
    and named, the final plan issued."""
    s = scenario
    case = s.open(young_person=young_person)
    s.look(case, date(2026, 1, 5))
    s.look(case, date(2026, 2, 9))  # 7 days before the decision is due: a warning
    s.act(case, date(2026, 2, 10), factories.decide, decision="assess")
    for role, organisation, name, email in (
        ("family_requested", NAMED_PROFESSIONALS_SERVICE, NAMED_PROFESSIONAL, None),
        ("other", "Example Sensory Support Service", None, "sensory.support@example-borough.gov.uk"),
        ("preparation_for_adulthood", "Example Pathways Service", None, "pathways@example-borough.gov.uk"),
    ):
        factories.add_advice(
            s.session,
            s.council,
            case,
            role=role,
            organisation=organisation,
            name=name,
            email=email,
            now=at(date(2026, 2, 10)),
        )
    s.look(case, date(2026, 2, 10))
    s.act(
        case,
        date(2026, 2, 20),
        factories.record_exception,
        ground="exceptional_personal_circumstances",
        starts_on=date(2026, 2, 20),
        family_explanation="A family bereavement.",
    )
    for key in ("setting", "psychological"):
        factories.receive_advice(s.session, s.council, case, key=key, now=at(date(2026, 3, 10)))
    # The ladder: reminders a week before the due day (24 March), chasers on it,
    # escalations 5 and 10 days after; the family told where the advice has got to.
    s.looks(case, date(2026, 3, 10), date(2026, 4, 3))
    outstanding = s.session.exec(
        select(AdviceRequest).where(
            AdviceRequest.case_id == case.id, col(AdviceRequest.received_on).is_(None)
        )
    ).all()
    # Going ahead without three: health's, the family's own and one the service says it
    # cannot give; the rest come late.
    gaps = {
        ContributorRole.HEALTH: "not_received_after_escalation",
        ContributorRole.PARENT_OR_YOUNG_PERSON: "not_received_after_escalation",
        ContributorRole.OTHER: "adviser_has_no_involvement",
    }
    for advice in outstanding:
        if advice.role in gaps:
            factories.record_advice_gap(
                s.session, s.council, case, key=advice.key, reason=gaps[advice.role], now=at(date(2026, 4, 6))
            )
        else:
            factories.receive_advice(s.session, s.council, case, key=advice.key, now=at(date(2026, 4, 6)))
    s.look(case, date(2026, 4, 6))
    s.act(case, date(2026, 4, 8), factories.decide, decision="issue")
    s.act(case, date(2026, 4, 13), factories.serve_draft)
    factories.send_queued(s.session, case, on=date(2026, 4, 13), purpose="draft_plan")
    s.act(case, date(2026, 4, 14), factories.consult)
    s.act(case, date(2026, 4, 20), factories.consult_answer)
    s.act(case, date(2026, 4, 21), factories.name_setting)
    s.act(case, date(2026, 4, 28), factories.finalise)
    return case


def _not_assessed_late(scenario: _Scenario, *, young_person: bool) -> tuple[Case, bool]:
    """The decision comes after its 6 weeks (a breach alert), the acknowledgement was refused
    by the relay (the coordinator is told), and the answer is no."""
    s = scenario
    case = s.open(young_person=young_person)
    s.look(case, date(2026, 1, 5))
    ack = s.session.exec(
        select(OutboundMessage).where(
            OutboundMessage.case_id == case.id, OutboundMessage.purpose == "acknowledgement"
        )
    ).first()
    assert ack is not None
    ack.state, ack.failed_at = OutboxState.FAILED, at(date(2026, 1, 5))
    ack.last_error = "550 5.1.1 mailbox unavailable"
    s.session.add(ack)
    s.session.commit()
    s.look(case, date(2026, 1, 5))
    s.look(case, date(2026, 2, 17))
    s.act(case, date(2026, 2, 18), factories.decide, decision="not_assess")
    return case, young_person


def _not_issued(scenario: _Scenario, *, young_person: bool) -> tuple[Case, bool]:
    """Every piece of advice in on time, then a decision not to issue a plan."""
    s = scenario
    case = s.open(young_person=young_person)
    s.look(case, date(2026, 1, 5))
    s.act(case, date(2026, 2, 2), factories.decide, decision="assess")
    for advice in s.session.exec(select(AdviceRequest).where(AdviceRequest.case_id == case.id)).all():
        factories.receive_advice(s.session, s.council, case, key=advice.key, now=at(date(2026, 3, 2)))
    s.look(case, date(2026, 3, 2))
    s.act(case, date(2026, 3, 9), factories.decide, decision="not_issue")
    return case, young_person


def _withdrawn(scenario: _Scenario, *, young_person: bool) -> tuple[Case, bool]:
    s = scenario
    case = s.open(young_person=young_person)
    s.look(case, date(2026, 1, 5))
    s.act(case, date(2026, 1, 20), factories.withdraw)
    return case, young_person


def _withdrawn_while_assessing(scenario: _Scenario, *, young_person: bool) -> tuple[Case, bool]:
    """Withdrawn with the school's advice in and the rest still owed: each professional
    still owing it is told it is no longer needed."""
    s = scenario
    case = s.open(young_person=young_person)
    s.look(case, date(2026, 1, 5))
    s.act(case, date(2026, 2, 2), factories.decide, decision="assess")
    factories.receive_advice(s.session, s.council, case, key="setting", now=at(date(2026, 2, 20)))
    s.look(case, date(2026, 2, 20))
    s.act(case, date(2026, 3, 2), factories.withdraw)
    return case, young_person


def _email(row: OutboundMessage, *, young_person: bool, by_run: bool, about_role: str | None) -> Email:
    return Email(
        purpose=row.purpose,
        role=row.recipient_role,
        name=row.recipient_address,
        young_person=young_person,
        by_run=by_run,
        about_role=about_role,
        channel=row.channel,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html or "",
    )


# Each purpose and the kinds of recipient the planner (ehcp/domain/planner.py: `plan`, the
# ladder's rungs, `_follow_ups`) can send it to; tests/documents/test_salutations.py checks
# this against what the runs above queued.
TOLD_OF_DECISIONS = ("family", "notice", "setting")
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "acknowledgement": ("family",),
    "considering_notice": ("notice", "setting"),
    "decision_to_assess": TOLD_OF_DECISIONS,
    "decision_not_to_assess": TOLD_OF_DECISIONS,
    "decision_not_to_issue": TOLD_OF_DECISIONS,
    "withdrawal": TOLD_OF_DECISIONS,
    "advice_not_needed": ("adviser",),
    "advice_request": ("adviser", "family_adviser"),
    "advice_reminder": ("adviser", "family_adviser"),
    "advice_chaser": ("adviser", "family_adviser"),
    "advice_escalation": ("adviser", "family_adviser", "manager", "contact"),
    "advice_status": ("family",),
    "advice_complete": ("family",),
    "advice_received": ("send_team",),
    "draft_ready": ("send_team",),
    "draft_plan": ("family",),
    "consultation": ("consulted_setting",),
    "proceeding_without_advice": ("family",),
    "final_plan": ("family", "named_setting", "notice"),
    "exception_applied": ("family",),
    "limit_warning": ("send_team",),
    "limit_breached": ("contact",),
    "message_failed": ("send_team",),
    "run_stopped": ("send_team",),
}
# Sent by the sweep, never by a case's run: the run is the thing that stopped.
BY_THE_SWEEP = {("run_stopped", "send_team")}
# Sent only on a ladder other than the example council's (its rungs for the family's
# advice are a reminder alone; no rung escalates to the one asked).
OTHER_LADDERS_ONLY = {
    ("advice_chaser", "family_adviser"),
    ("advice_escalation", "family_adviser"),
    ("advice_escalation", "adviser"),
}
ABOUT_ADVICE = {
    "advice_request",
    "advice_not_needed",
    "advice_reminder",
    "advice_chaser",
    "advice_escalation",
    "advice_received",
    "proceeding_without_advice",
}
TO_THE_ONE_ASKED = {"adviser", "family_adviser"}


def _queued_directly(scenario: _Scenario, case: Case, *, young_person: bool) -> list[Email]:
    """Each purpose to each kind of recipient, about each adviser's role, queued as a run
    queues it (messages.address, messages.context, outbox.queue) on the finished case."""
    session, council = scenario.session, scenario.council
    today = date(2026, 4, 28)
    timeline = crud.case_timeline(session, case=case, council=council, today=today)
    base = messages.base_context(case, council, timeline)
    advice = {
        row.role: row
        for row in session.exec(
            select(AdviceRequest).where(AdviceRequest.case_id == case.id).order_by(col(AdviceRequest.id))
        )
    }
    exception = session.exec(select(StatutoryException).where(StatutoryException.case_id == case.id)).one()
    family = session.exec(
        select(FamilyContact).where(FamilyContact.case_id == case.id, col(FamilyContact.is_primary))
    ).one()
    failed = session.exec(select(OutboundMessage.key).where(OutboundMessage.case_id == case.id)).first()
    limit_due = timeline.limit("final_plan").due_on
    exception_about = f"{exception.ground}:{exception.starts_on}:{exception.limit_key}"
    about: dict[str, str | None] = {
        "limit_warning": "final_plan",
        "limit_breached": "final_plan",
        "exception_applied": exception_about,
        "message_failed": failed,
        "run_stopped": messages.run_stopped_about(
            attempts=6, error_id="0123456789ab", stopped_at=NOW_STOPPED
        ),
    }
    recipients = {
        "family": f"family:{family.id}",
        "notice": "notice:health",
        "setting": "setting",
        "send_team": "send_team",
        "contact": "contact:head_of_service",
        "consulted_setting": "consultation:oak",
        "named_setting": "named_setting",
    }
    settings = get_settings()
    out = []
    for purpose, kinds in RECIPIENTS.items():
        for kind in kinds:
            for role in ContributorRole if purpose in ABOUT_ADVICE else [None]:
                row = advice.get(role.value) if role is not None else None
                if role is not None and row is None:
                    continue
                if purpose == "proceeding_without_advice" and row is not None and row.gap_reason is None:
                    # The family is told only of advice the council goes ahead without: as
                    # if it went ahead without this one too (the runs are over).
                    row.gap_reason = "adviser_has_no_involvement"
                    session.add(row)
                    session.commit()
                if kind == "family_adviser" and role is not ContributorRole.PARENT_OR_YOUNG_PERSON:
                    continue
                if kind == "adviser" and role is ContributorRole.PARENT_OR_YOUNG_PERSON:
                    continue
                if kind in TO_THE_ONE_ASKED and row is not None:
                    recipient = f"adviser:{row.key}"
                elif kind == "manager" and role is not None:
                    if role not in council.managers:
                        continue  # no manager to escalate to: the rung is never sent
                    recipient = f"manager:{role.value}"
                else:
                    recipient = recipients[kind]
                due = row.due_on if row is not None else limit_due
                message = Message(
                    purpose,
                    recipient,
                    due,
                    about=row.key if row is not None else about.get(purpose),
                    on=DIRECT,
                )
                address = messages.address(session, case, council, recipient)
                assert address is not None, (purpose, recipient)
                context = messages.context(
                    session, case=case, message=message, base=base, timeline=timeline, settings=settings
                )
                assert outbox.queue(
                    session,
                    case=case,
                    message=message,
                    address=address,
                    context=context,
                    domain="example-borough.gov.uk",
                    now=at(today),
                ), message
                queued = session.exec(
                    select(OutboundMessage).where(OutboundMessage.key == message.key(case.ref))
                ).one()
                out.append(
                    _email(
                        queued,
                        young_person=young_person,
                        by_run=False,
                        about_role=role.value if role is not None else None,
                    )
                )
    return out
