"""The reconcile step alone (no Prefect): each look does what is due, once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from ehcp.db import crud, runs
from ehcp.db.models import AdviceRequest, Document, OutboundMessage
from ehcp.errors import InvalidInput
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import (
    consult,
    consult_answer,
    decide,
    finalise,
    name_setting,
    open_case,
    receive_advice,
    record_advice_gap,
    send_queued,
    serve_draft,
    tell_family,
)

SETTING_EMAIL = "head@example-primary.sch.uk"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


@pytest.fixture
def case(session, council):
    return open_case(session, council, now=at(date(2026, 1, 5)), setting_email=SETTING_EMAIL)


def look(session, council, tmp_path, day: date):
    return reconcile(
        session, ref="EHC-2026-000001", council=council, now=at(day), document_store=tmp_path / "docs"
    )


def purposes(session) -> Counter:
    return Counter((m.purpose, m.recipient_role) for m in session.exec(select(OutboundMessage)))


def test_the_first_look_acknowledges_the_family_and_tells_the_regs_4_2_parties(
    session, council, tmp_path, case
):
    first = look(session, council, tmp_path, date(2026, 1, 5))
    assert first.stage == "considering" and not first.closed
    assert purposes(session) == Counter(
        {
            ("acknowledgement", "family"): 1,
            ("considering_notice", "notice:health"): 1,
            ("considering_notice", "notice:social_care"): 1,
            ("considering_notice", "setting"): 1,
        }
    )
    # The ladder warns the coordinator 7 days before the 6-week decision is due.
    assert first.wake_at.astimezone(UTC).date() == date(2026, 2, 9)
    ack = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "acknowledgement")).one()
    assert "16 February 2026" in ack.body_text and ack.due_on == date(2026, 2, 16)


def test_looking_again_does_nothing_twice(session, council, tmp_path, case):
    look(session, council, tmp_path, date(2026, 1, 5))
    before = purposes(session)
    again = look(session, council, tmp_path, date(2026, 1, 6))
    assert again.did == ()
    assert purposes(session) == before


def test_a_whole_case_from_request_to_final_plan(session, council, tmp_path, case):
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    assessing = look(session, council, tmp_path, date(2026, 2, 10))
    assert assessing.stage == "assessing"
    advice = session.exec(select(AdviceRequest).order_by(AdviceRequest.key)).all()
    assert [(a.key, a.requested_on, a.due_on) for a in advice] == [
        ("family", date(2026, 2, 10), date(2026, 3, 24)),
        ("health", date(2026, 2, 10), date(2026, 3, 24)),
        ("psychological", date(2026, 2, 10), date(2026, 3, 24)),
        ("setting", date(2026, 2, 10), date(2026, 3, 24)),
        ("social-care", date(2026, 2, 10), date(2026, 3, 24)),
    ]
    assert purposes(session)[("advice_request", "adviser:health")] == 1
    for item in advice:
        receive_advice(session, council, case, key=item.key, now=at(date(2026, 3, 20)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    drafting = look(session, council, tmp_path, date(2026, 3, 27))
    assert drafting.stage == "drafting"
    assert purposes(session)[("draft_ready", "send_team")] == 1
    serve_draft(session, council, case, now=at(date(2026, 4, 1)))
    served = look(session, council, tmp_path, date(2026, 4, 1))
    # Sent, not yet delivered: the family's 15 days have not begun.
    assert any("has not reached the family yet" in item for item in served.waiting_for)
    send_queued(session, case, purpose="draft_plan", on=date(2026, 4, 1))
    consult(session, council, case, key="oak", setting_name="Oak Academy", now=at(date(2026, 4, 2)))
    name_setting(session, council, case, setting_name="Oak Academy", now=at(date(2026, 4, 10)))
    waiting = look(session, council, tmp_path, date(2026, 4, 10))
    assert waiting.stage == "draft_served" and not waiting.closed
    # The ladder warns the coordinator 3 days before the school's 15 days end.
    assert waiting.wake_at.astimezone(UTC).date() == date(2026, 4, 14)
    assert any("run to 2026-04-15 (Regs 13(1)(a))" in item for item in waiting.waiting_for)
    # The family's window ends and nothing issues itself: the plan is the council's decision.
    after = look(session, council, tmp_path, date(2026, 4, 16))
    assert not after.closed and after.stage == "draft_served"
    assert purposes(session)[("final_plan", "family")] == 0
    consult_answer(session, council, case, key="oak", now=at(date(2026, 4, 17)))
    finalise(session, council, case, now=at(date(2026, 4, 20)))
    final = look(session, council, tmp_path, date(2026, 4, 20))
    assert final.closed and final.stage == "plan_issued"
    # Met on the day it reaches the family, not when the council decided (Regs 13(2)).
    assert final.timeline.limit("final_plan").state.value == "due"
    sent = purposes(session)
    assert sent[("final_plan", "family")] == 1 and sent[("final_plan", "named_setting")] == 1
    assert sent[("final_plan", "notice:health")] == 1 and sent[("draft_plan", "family")] == 1
    assert sent[("consultation", "consulted_setting")] == 1
    tell_family(session, case, purpose="final_plan", on=date(2026, 4, 21))
    met = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 21)).limit("final_plan")
    assert (met.state.value, met.done_on) == ("met", date(2026, 4, 21))
    kinds = set(session.exec(select(Document.kind)))
    assert {"acknowledgement_letter", "working_draft", "draft_plan", "final_plan"} <= kinds
    assert crud.require_case(session, ref=case.ref).closed_on == date(2026, 4, 20)


def test_health_advice_never_received_reaches_week_20_with_alerts_and_no_plan_until_finalised(
    session, council, tmp_path, case
):
    """The issue's "done when": a case whose health advice never came runs past week 20
    with warnings and escalations, and no final plan until a coordinator finalises it
    with the gap recorded (and the family told)."""
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    look(session, council, tmp_path, date(2026, 2, 10))
    for item in session.exec(select(AdviceRequest)).all():
        if item.key != "health":
            receive_advice(session, council, case, key=item.key, now=at(date(2026, 3, 20)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    look(session, council, tmp_path, date(2026, 3, 27))
    serve_draft(session, council, case, now=at(date(2026, 4, 1)))
    look(session, council, tmp_path, date(2026, 4, 1))
    send_queued(session, case, purpose="draft_plan", on=date(2026, 4, 1))
    consult(session, council, case, key="oak", setting_name="Oak Academy", now=at(date(2026, 4, 2)))
    consult_answer(session, council, case, key="oak", now=at(date(2026, 4, 9)))
    name_setting(session, council, case, setting_name="Oak Academy", now=at(date(2026, 4, 10)))
    day = date(2026, 4, 10)
    while day <= date(2026, 6, 15):  # past week 20 (25 May)
        looked = look(session, council, tmp_path, day)
        assert looked.stage == "draft_served", day
        day += timedelta(days=1)
    sent = purposes(session)
    assert sent[("final_plan", "family")] == 0
    alerts = session.exec(
        select(OutboundMessage.purpose, OutboundMessage.due_on).where(
            OutboundMessage.key.contains(":final_plan")
        )
    ).all()
    assert {purpose for purpose, _ in alerts} >= {"limit_warning", "limit_breached"}
    assert any(purpose == "advice_escalation" for purpose, _ in sent)
    with pytest.raises(InvalidInput) as refused:
        finalise(session, council, case, now=at(date(2026, 6, 15)))
    assert [error.field for error in refused.value.errors] == ["advice:health"]
    record_advice_gap(session, council, case, key="health", now=at(date(2026, 6, 15)))
    finalise(session, council, case, now=at(date(2026, 6, 15)))
    final = look(session, council, tmp_path, date(2026, 6, 15))
    assert final.closed
    sent = purposes(session)
    assert sent[("proceeding_without_advice", "family")] == 1 and sent[("final_plan", "family")] == 1


def test_a_decision_not_to_assess_sends_the_notice_and_closes(session, council, tmp_path, case):
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="not_assess", now=at(date(2026, 2, 1)))
    closed = look(session, council, tmp_path, date(2026, 2, 1))
    assert closed.closed and closed.stage == "not_assessed"
    sent = purposes(session)
    assert (
        sent[("decision_not_to_assess", "family")] == 1 and sent[("decision_not_to_assess", "setting")] == 1
    )
    assert session.exec(select(AdviceRequest)).all() == []


def test_a_change_made_while_looking_is_seen_before_the_look_ends(
    session, council, tmp_path, case, monkeypatch
):
    """The compare-and-set at the end of a look fails if the case moved; the look goes round again."""
    original = runs.mark_looked
    calls = []

    def change_case_first(session_, **kwargs):
        if not calls:
            calls.append(1)
            decide(session_, council, case, decision="assess", now=at(date(2026, 1, 20)))
        return original(session_, **kwargs)

    monkeypatch.setattr(runs, "mark_looked", change_case_first)
    result = look(session, council, tmp_path, date(2026, 1, 20))
    assert result.stage == "assessing"
    assert purposes(session)[("advice_request", "adviser:health")] == 1


def test_advice_is_sought_per_case_and_existing_advice_agreed_sufficient_is_not_requested(
    session, council, tmp_path
):
    """Regs 6: a Year 9 child who is deaf, with a speech and language therapist named at
    intake, whose educational psychology report everyone agreed is sufficient before the
    council decided to assess (Regs 6(4))."""
    from dataclasses import replace

    from ehcp.council.config import Contact
    from ehcp.db.models import Document
    from ehcp.domain.roles import ContributorRole
    from tests.db.factories import INTAKE_PROFESSIONAL_EMAIL, agree_existing_advice, open_case_by_intake
    from tests.support.documents import document_text

    pfa = Contact(organisation="Example Preparing for Adulthood Team", email="pfa@example-borough.gov.uk")
    council = replace(council, advisers={**council.advisers, ContributorRole.PREPARATION_FOR_ADULTHOOD: pfa})
    salt = {
        "role": "speech and language therapist",
        "organisation": "Example NHS Trust",
        "name": "Testname Therapist",
        "email": INTAKE_PROFESSIONAL_EMAIL,
    }
    case = open_case_by_intake(
        session,
        council,
        now=at(date(2026, 1, 5)),
        child={"date_of_birth": "2012-03-14", "hearing_impairment": True},  # Year 9 in 2025/26
        professionals=[salt],
    )
    look(session, council, tmp_path, date(2026, 1, 5))
    agree_existing_advice(session, council, case, key="psychological", now=at(date(2026, 1, 20)))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    assessing = look(session, council, tmp_path, date(2026, 2, 10))

    rows = {row.key: row for row in session.exec(select(AdviceRequest))}
    assert set(rows) == {
        "family",
        "setting",
        "health",
        "social-care",
        "psychological",
        "preparation-for-adulthood",
        "professional-1",
    }
    assert (rows["professional-1"].role, rows["professional-1"].contact_email) == (
        "other",
        INTAKE_PROFESSIONAL_EMAIL,
    )
    assert rows["preparation-for-adulthood"].organisation == "Example Preparing for Adulthood Team"
    ep = rows["psychological"]
    assert (
        ep.existing_advice_accepted
        and ep.existing_advice_source == "Educational psychology report, November 2025"
    )
    sent = purposes(session)
    assert sent[("advice_request", "adviser:other")] == 1
    assert sent[("advice_request", "adviser:preparation_for_adulthood")] == 1
    assert sent[("advice_request", "adviser:psychological")] == 0
    assert "advice_request_letter:psychological" not in set(session.exec(select(Document.kind)))
    assert "recorded existing advice as sufficient (psychological)" in assessing.did
    assert not any(
        "Testname" in item or "Example NHS Trust" in item for item in assessing.did + assessing.waiting_for
    )
    assert any(
        wait.startswith("educational advice (setting)")
        and "a qualified teacher of the deaf (Regs 6(3))" in wait
        for wait in assessing.waiting_for
    )
    assert not any("(psychological)" in wait for wait in assessing.waiting_for)

    # Regs 6(3) and 6(2) in the setting's letter: the qualified teacher, and the family's request.
    letter = session.exec(select(Document).where(Document.kind == "advice_request_letter:setting")).one()
    text = " ".join(document_text(tmp_path / "docs" / letter.storage_path).split())
    assert "must be given after consulting a qualified teacher of the deaf" in text
    assert "Testreason: needs not met" in text and "Testneeds: speech" in text

    # Nothing chases the existing advice, ever.
    later = look(session, council, tmp_path, date(2026, 4, 1))
    assert not any(m.recipient_role == "adviser:psychological" for m in session.exec(select(OutboundMessage)))
    assert later.timeline.limit("advice:psychological").state.value == "not_applicable"


def _letter_text(session, tmp_path, kind: str) -> str:
    from ehcp.db.models import Document
    from tests.support.documents import document_text

    letter = session.exec(select(Document).where(Document.kind == kind)).one()
    return " ".join(document_text(tmp_path / "docs" / letter.storage_path).split())


def test_without_the_familys_consent_letters_carry_none_of_their_request_and_the_coordinator_is_told(
    session, council, tmp_path
):
    from tests.db.factories import open_case_by_intake

    open_case_by_intake(
        session,
        council,
        now=at(date(2026, 1, 5)),
        consent={"share_with_professionals": False, "information_is_true": True},
    )
    from ehcp.domain.advice_plan import ShareDecision

    case = crud.require_case(session, ref="EHC-2026-000001")
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    assessing = look(session, council, tmp_path, date(2026, 2, 10))
    assert any("did not consent at intake" in wait for wait in assessing.waiting_for)
    # Nobody but the family is asked until the coordinator decides what may be shared.
    assert {row.key for row in session.exec(select(AdviceRequest))} == {"family"}
    crud.record_share_decision(
        session,
        case=case,
        decision=ShareDecision.EXTRACTS_ONLY,
        spoke_on=None,
        council=council,
        now=at(date(2026, 2, 12)),
        actor="coordinator:test",
    )
    decided = look(session, council, tmp_path, date(2026, 2, 12))
    assert not any("did not consent at intake" in wait for wait in decided.waiting_for)
    text = _letter_text(session, tmp_path, "advice_request_letter:health")
    assert "Testreason" not in text and "Testneeds" not in text
    assert (
        "extracts from the family's representations and evidence that we have agreed with the family" in text
    )


def test_requests_made_after_the_familys_advice_arrives_carry_it(session, council, tmp_path):
    from ehcp.portal.submit import record_by_coordinator
    from tests.db.factories import add_advice, open_case_by_intake

    case = open_case_by_intake(session, council, now=at(date(2026, 1, 5)))
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    look(session, council, tmp_path, date(2026, 2, 10))
    assert "Testfamilyviews" not in _letter_text(session, tmp_path, "advice_request_letter:health")
    record_by_coordinator(
        session,
        case=case,
        key="family",
        sections={"A": "Testfamilyviews: Sam loves trains and finds noise hard."},
        file=None,
        received_on=date(2026, 2, 20),
        council=council,
        document_store=tmp_path / "docs",
        now=at(date(2026, 2, 20)),
        actor="test",
    )
    added = add_advice(session, council, case, email="ot@example.org", now=at(date(2026, 2, 23)))
    look(session, council, tmp_path, date(2026, 2, 23))
    text = _letter_text(session, tmp_path, f"advice_request_letter:{added.key}")
    assert "The family gave us their views and advice on 20 February 2026" in text
    assert "Testfamilyviews: Sam loves trains" in text
    assert purposes(session)[("advice_request", "adviser:family_requested")] == 1
