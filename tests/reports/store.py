"""A year of requests built through the real case store, for the cohort, SEN2 and CLI tests.

Every case goes through `tests.db.factories` (so through `ehcp.db.crud`, validated as the
app validates); a letter reaches the family as delivery leaves it (`tell_family`), or by
post, marked posted (deemed delivered two working days later)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from ehcp.council.config import Council
from ehcp.db.models import Case, Channel, OutboundMessage, OutboxState, id_of
from ehcp.domain.facts import SettingType
from ehcp.timesource import london_instant
from tests.db.factories import (
    consult,
    consult_answer,
    decide,
    finalise,
    name_setting,
    open_case,
    record_exception,
    serve_draft,
    tell_family,
    withdraw,
)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def posted(session: Session, case: Case, *, purpose: str, on: date) -> None:
    """A letter to the family marked posted on `on` (first class: deemed delivered two
    working days later)."""
    session.add(
        OutboundMessage(
            key=f"{case.ref}:{purpose}:family:post:{on}",
            case_id=id_of(case),
            purpose=purpose,
            recipient_role="family",
            channel=Channel.POST,
            recipient_address="Pat Example",
            postal_address="1 Example Street",
            posted_on=on,
            subject="test",
            body_text="test",
            state=OutboxState.SENT,
            smtp_message_id=f"<{case.ref}.{purpose}.post@test>",
            queued_at=london_instant(on, time(7)),
        )
    )
    session.commit()


def issued(
    session: Session,
    council: Council,
    received: date,
    sent: date,
    *,
    named: str | None = "Oak Academy",
    setting_type: SettingType = SettingType.MAINSTREAM_SCHOOL,
    exception: bool = False,
    source: str = "parent",
) -> Case:
    """A request whose plan was finalised 101 days in and reached the family on `sent`."""
    case = open_case(session, council, now=at(received), received_on=received, request_source=source)
    assessed = received + timedelta(days=36)
    decide(session, council, case, decision="assess", now=at(assessed))
    tell_family(session, case, purpose="decision_to_assess", on=assessed)
    if exception:
        record_exception(
            session,
            council,
            case,
            ground="exceptional_personal_circumstances",
            starts_on=received + timedelta(days=40),
            now=at(received + timedelta(days=41)),
        )
    decide(session, council, case, decision="issue", now=at(received + timedelta(days=81)))
    served = received + timedelta(days=86)
    serve_draft(session, council, case, now=at(served))
    tell_family(session, case, purpose="draft_plan", on=served)
    if named:
        consult(session, council, case, setting_name=named, now=at(served + timedelta(days=1)))
        consult_answer(session, council, case, now=at(served + timedelta(days=3)))
    name_setting(
        session,
        council,
        case,
        setting_name=named,
        setting_type=setting_type,
        now=at(served + timedelta(days=4)),
    )
    finalise(session, council, case, now=at(served + timedelta(days=15)))
    tell_family(session, case, purpose="final_plan", on=sent)
    return case


def build_year(session: Session, council: Council) -> dict[str, str]:
    """The 2026 example, by what each case shows; refs by name."""
    refs = {}
    # A plan sent on day 140 (5 January + 140 days = 25 May), naming a school the directory knows.
    refs["day_140"] = issued(session, council, date(2026, 1, 5), date(2026, 5, 25)).ref
    # A plan sent on day 141, its type of setting named without an institution.
    refs["day_141"] = issued(
        session,
        council,
        date(2026, 1, 5),
        date(2026, 5, 26),
        named=None,
        setting_type=SettingType.SPECIAL_SCHOOL,
    ).ref
    # Late, with an exception recorded against the final plan's limit.
    refs["exception"] = issued(session, council, date(2026, 1, 5), date(2026, 6, 10), exception=True).ref
    # A 2025 request whose plan reached the family in January 2026 (day 133).
    refs["january"] = issued(session, council, date(2025, 9, 1), date(2026, 1, 12), source="setting").ref
    # A 2025 request finished in 2025: not in 2026's cohort.
    old = open_case(session, council, now=at(date(2025, 8, 1)), received_on=date(2025, 8, 1))
    decide(session, council, old, decision="not_assess", now=at(date(2025, 9, 1)))
    tell_family(session, old, purpose="decision_not_to_assess", on=date(2025, 9, 1))
    refs["finished_2025"] = old.ref
    # Not assessed: decided on Friday 13 February, posted that day, deemed delivered Tuesday 17th.
    refused = open_case(
        session, council, now=at(date(2026, 2, 2)), received_on=date(2026, 2, 2), request_source="health"
    )
    decide(session, council, refused, decision="not_assess", now=at(date(2026, 2, 13)))
    posted(session, refused, purpose="decision_not_to_assess", on=date(2026, 2, 13))
    refs["not_assessed"] = refused.ref
    # Withdrawn before a decision.
    gone = open_case(session, council, now=at(date(2026, 3, 2)), received_on=date(2026, 3, 2))
    withdraw(session, council, gone, now=at(date(2026, 3, 20)))
    refs["withdrawn"] = gone.ref
    # Assessing, then withdrawn.
    stopped = open_case(session, council, now=at(date(2026, 4, 1)), received_on=date(2026, 4, 1))
    decide(session, council, stopped, decision="assess", now=at(date(2026, 5, 1)))
    withdraw(session, council, stopped, now=at(date(2026, 6, 1)))
    refs["assessment_withdrawn"] = stopped.ref
    # Assessed, then a decision not to issue, its letter not sent yet.
    no_plan = open_case(session, council, now=at(date(2026, 4, 1)), received_on=date(2026, 4, 1))
    decide(session, council, no_plan, decision="assess", now=at(date(2026, 5, 1)))
    tell_family(session, no_plan, purpose="decision_to_assess", on=date(2026, 5, 4))
    decide(session, council, no_plan, decision="not_issue", now=at(date(2026, 7, 20)))
    refs["not_issued"] = no_plan.ref
    # Not decided yet.
    refs["pending"] = open_case(
        session,
        council,
        now=at(date(2026, 11, 20)),
        received_on=date(2026, 11, 20),
        request_source="social_care",
    ).ref
    return refs
