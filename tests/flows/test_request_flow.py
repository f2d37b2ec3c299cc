"""Cases driven end to end through a real Prefect server, a served flow and an injected clock."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import ConsultationIn
from ehcp.db.models import AdviceRequest, OutboundMessage
from ehcp.domain.facts import SettingType
from ehcp.runtime import orchestration
from ehcp.runtime.signals import Wake
from ehcp.views.timeline import artifact_key
from tests.db.factories import CHILD_NAME, PARENT_EMAIL
from tests.support.stack import read_artifact_markdown, read_run, wait_until

pytestmark = pytest.mark.slow
CHILD_DOB = "2017-03-14"


def messages(ref: str) -> Counter:
    with database() as session:
        case = crud.require_case(session, ref=ref)
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).all()
    return Counter((row.purpose, row.recipient_role) for row in rows)


def advice_keys(ref: str) -> list[str]:
    with database() as session:
        case = crud.require_case(session, ref=ref)
        return sorted(session.exec(select(AdviceRequest.key).where(AdviceRequest.case_id == case.id)))


def start(system, received: date = date(2026, 1, 5)) -> str:
    system.today(received)
    ref = system.open_case(received_on=received)
    assert ref in system.sweep().started
    case = system.settled(ref)
    run = read_run(case.flow_run_id)
    assert run.name == f"ehc-{ref}"
    assert run.parameters == {"case_ref": ref}
    assert "stage:considering" in run.tags
    # The Runs list says what the case waits for and when, without opening the run.
    assert run.state.name == "Suspended"
    due = system.timeline(ref).limit("decision_to_assess").due_on
    assert run.state.message.startswith(f"Waiting for the panel's decision whether to assess (due {due})")
    assert f"next limit: Decision whether to assess, due {due}" in run.state.message
    return ref


def assert_prefect_holds_no_personal_data(stack, ref: str) -> None:
    """Search everything Prefect stored (its database, persisted results) and the services'
    logs for the child's name, date of birth and the family's email."""
    with sqlite3.connect(stack.prefect_home / "prefect.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(FULL)")
    stored = b"".join(path.read_bytes() for path in stack.prefect_home.glob("prefect.db*"))
    stored += b"".join(path.read_bytes() for path in stack.prefect_home.rglob("storage/*") if path.is_file())
    logs = stack.log_text()
    assert ref.encode() in stored and f"ehc-{ref}".encode() in stored  # we search the right place
    for personal in (CHILD_NAME, CHILD_DOB, PARENT_EMAIL):
        assert personal.encode() not in stored, f"{personal} found in Prefect's database or results"
        assert personal not in logs, f"{personal} found in the service logs"


def upload_caseworker_version(session, *, case, council, now, actor):
    from tests.db.factories import upload_plan

    upload_plan(session, council, case, now=now, actor=actor)


def test_a_request_runs_from_receipt_to_final_plan(system, stack):
    ref = start(system)
    assert messages(ref)[("acknowledgement", "family")] == 1
    assert messages(ref)[("considering_notice", "notice:health")] == 1

    system.today(date(2026, 2, 10))
    system.decide(ref, "assessment", "assess", date(2026, 2, 10))
    case = system.settled(ref)
    assert case.stage == "assessing"
    assert "stage:assessing" in read_run(case.flow_run_id).tags
    assert advice_keys(ref) == ["family", "health", "psychological", "setting", "social-care"]

    system.today(date(2026, 3, 20))
    for key in advice_keys(ref):
        system.write(ref, crud.record_advice_received, key=key, received_on=date(2026, 3, 20))
    system.decide(ref, "issue", "issue", date(2026, 3, 20))
    assert system.settled(ref).stage == "drafting"
    assert messages(ref)[("draft_ready", "send_team")] == 1

    system.today(date(2026, 4, 1))
    # The caseworker writes the plan from the working draft and uploads it; that is served.
    system.write(ref, upload_caseworker_version, wake=False)
    system.write(ref, crud.record_draft_served, served_on=date(2026, 4, 1))
    system.write(
        ref,
        crud.record_consultation,
        consultation=ConsultationIn(
            key="oak",
            setting_name="Oak Academy",
            contact_email="admissions@oak.sch.uk",
            sent_on=date(2026, 4, 1),
        ),
    )
    system.write(
        ref,
        crud.record_named_setting,
        setting_name="Oak Academy",
        setting_type=SettingType.MAINSTREAM_SCHOOL,
        on=date(2026, 4, 1),
    )
    case = system.settled(ref)
    assert case.stage == "draft_served" and case.final_issued_on is None  # the family's 15 days run

    # The sweep wakes the case when the family's window has ended, and nothing issues
    # itself: the final plan is the council's decision (s.39-40, Regs 13).
    system.today(date(2026, 4, 16))
    assert ref in system.sweep().woken
    case = system.settled(ref)
    assert case.stage == "draft_served" and case.final_issued_on is None
    system.write(
        ref, crud.record_consultation_answer, key="oak", answered_on=date(2026, 4, 16), outcome="agreed"
    )
    system.write(ref, crud.finalise_plan, on=date(2026, 4, 16))
    case = system.settled(ref)
    assert case.stage == "plan_issued" and case.final_issued_on == date(2026, 4, 16)
    assert read_run(case.flow_run_id).state.is_completed()

    sent = messages(ref)
    assert sent[("final_plan", "family")] == 1 and sent[("final_plan", "named_setting")] == 1
    assert sent[("draft_plan", "family")] == 1 and sent[("consultation", "consulted_setting")] == 1
    assert sent[("advice_received", "send_team")] == 5  # one per piece of advice
    twice = {key: count for key, count in sent.items() if key[0] != "advice_received" and count > 1}
    assert twice == {}
    # Every row went out through SMTP, each exactly once under its own Message-ID.
    with database() as session:
        case = crud.require_case(session, ref=ref)
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).all()
    assert {row.state for row in rows} == {"sent"}
    delivered = Counter(message["Message-ID"] for message in stack.mail.messages)
    assert all(delivered[row.smtp_message_id] == 1 for row in rows)
    assert attachments(stack, rows, "draft_plan", "family") == [
        (f"{ref}-draft-plan-letter.pdf", "application/pdf"),
        (f"{ref}-draft-plan.docx", DOCX),
    ]
    assert attachments(stack, rows, "consultation", "consulted_setting") == [(f"{ref}-draft-plan.docx", DOCX)]
    assert [name for name, _ in attachments(stack, rows, "final_plan", "family")] == [
        f"{ref}-final-plan-letter.pdf",
        f"{ref}-final-plan.pdf",
    ]
    assert [name for name, _ in attachments(stack, rows, "advice_request", "adviser:health")] == [
        f"{ref}-advice-request-letter-health.pdf"
    ]
    # The coordinator finds every document in the run's timeline artifact.
    # Each links to its download on the web app, never to a path on the server.
    timeline = read_artifact_markdown(artifact_key(ref))
    web = stack.settings.web_url
    link = rf"\[download\]\({re.escape(web)}/staff/cases/{ref}/documents/\d+\)"
    assert "## Documents" in timeline
    assert re.search(rf"\| Final plan \| pdf \| 2026-04-16 \| {link} \|", timeline)
    assert re.search(rf"\| Working draft[^|]* \| docx \| 2026-03-20 \| {link} \|", timeline)  # caseworker's
    assert re.search(rf"\| Draft plan[^|]* \| docx \| 2026-04-01 \| {link} \|", timeline)  # their version
    assert str(stack.settings.document_store) not in timeline
    assert_prefect_holds_no_personal_data(stack, ref)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachments(stack, rows, purpose: str, role: str) -> list[tuple[str, str]]:
    """(file name, type) of what the email of `purpose` to `role` carried, as received."""
    [row] = [row for row in rows if (row.purpose, row.recipient_role) == (purpose, role)]
    [message] = [m for m in stack.mail.messages if m["Message-ID"] == row.smtp_message_id]
    return [(part.get_filename(), part.get_content_type()) for part in message.iter_attachments()]


def test_a_refusal_to_assess_sends_the_notice_and_closes_the_run(system):
    ref = start(system, date(2026, 1, 6))
    system.today(date(2026, 2, 2))
    system.decide(ref, "assessment", "not_assess", date(2026, 2, 2))
    case = system.settled(ref)
    assert case.stage == "not_assessed" and case.closed_on == date(2026, 2, 2)
    assert read_run(case.flow_run_id).state.is_completed()
    assert messages(ref)[("decision_not_to_assess", "family")] == 1
    assert advice_keys(ref) == []


def test_a_decision_not_to_issue_closes_the_run(system):
    ref = start(system, date(2026, 1, 7))
    system.today(date(2026, 2, 11))
    system.decide(ref, "assessment", "assess", date(2026, 2, 11))
    system.settled(ref)
    system.today(date(2026, 4, 20))
    system.decide(ref, "issue", "not_issue", date(2026, 4, 20))
    case = system.settled(ref)
    assert case.stage == "not_issued"
    assert read_run(case.flow_run_id).state.is_completed()
    sent = messages(ref)
    assert sent[("decision_not_to_issue", "family")] == 1
    assert (
        sent[("decision_not_to_issue", "notice:health")] == 1
        and sent[("decision_not_to_issue", "setting")] == 1
    )


def test_a_withdrawal_closes_the_run_with_a_notice(system):
    ref = start(system, date(2026, 1, 8))
    system.today(date(2026, 2, 12))
    system.decide(ref, "assessment", "assess", date(2026, 2, 12))
    system.settled(ref)
    system.today(date(2026, 3, 1))
    system.write(ref, crud.withdraw, withdrawn_on=date(2026, 3, 1))
    case = system.settled(ref)
    assert case.stage == "withdrawn"
    assert read_run(case.flow_run_id).state.is_completed()
    assert messages(ref)[("withdrawal", "family")] == 1


def test_a_signal_written_before_the_run_suspends_is_not_lost(system):
    ref = start(system, date(2026, 1, 9))
    system.today(date(2026, 2, 13))
    # The decision lands while nobody can resume the run (it is not told at all here):
    # the write sets wake_at, and the sweep sees the case moved since its run looked.
    system.decide(ref, "assessment", "assess", date(2026, 2, 13), wake=False)
    assert system.case(ref).run_seen_version < system.case(ref).version
    assert ref in system.sweep().woken
    assert system.settled(ref).stage == "assessing"


def test_a_decision_that_closes_the_case_reaches_the_family_when_its_wake_was_lost(system):
    """Found by the fault drill: a decision not to assess closes the case as it is written,
    and the sweep read only open cases, so a run whose wake was lost (Prefect or the
    network down at that moment) never looked again and the family's letter (Regs 5(3):
    the decision and their right to appeal) never went."""
    ref = start(system, date(2026, 1, 12))
    system.today(date(2026, 2, 16))
    system.decide(ref, "assessment", "not_assess", date(2026, 2, 16), wake=False)
    assert system.case(ref).closed_on == date(2026, 2, 16)
    assert ref in system.sweep().woken
    case = system.settled(ref)
    assert read_run(case.flow_run_id).state.is_completed()
    assert messages(ref)[("decision_not_to_assess", "family")] == 1
    # Its run done and the case closed, the sweep lets it be.
    assert case.wake_at is None
    again = system.sweep()
    assert ref not in again.handled | set(again.waiting)


def test_a_worker_killed_mid_look_loses_nothing_and_repeats_nothing(system, stack):
    ref = start(system, date(2026, 1, 12))
    system.today(date(2026, 2, 16))
    system.decide(ref, "assessment", "assess", date(2026, 2, 16), wake=False)
    run_id = system.case(ref).flow_run_id
    assert orchestration.wake(run_id) is Wake.RESUMED
    wait_until(lambda: read_run(run_id).state.is_running(), timeout=60, what="the run to start its look")
    stack.kill("flows")  # the worker dies mid-look (or between its last save and its suspend)
    restarted_at = datetime.now(UTC)
    stack.start_flows()
    # Nobody signals: the sweep `ehcp up` asks for after a restart finds the stranded run
    # and requeues it at once, though it entered "Running" only seconds ago.
    assert read_run(run_id).state.is_running()
    report = system.sweep(stale_after_seconds=3600, runner_started_at=restarted_at)
    assert ref in report.rescheduled
    case = system.settled(ref, sweeping=True)
    assert case.stage == "assessing"
    assert advice_keys(ref) == ["family", "health", "psychological", "setting", "social-care"]
    assert max(messages(ref).values()) == 1


def test_the_prefect_server_going_down_loses_no_signal(system, stack):
    ref = start(system, date(2026, 1, 13))
    system.today(date(2026, 2, 17))
    stack.kill("prefect-server")
    assert system.decide(ref, "assessment", "assess", date(2026, 2, 17)) is Wake.UNREACHABLE
    stack.start_prefect()
    assert ref in system.sweep().woken
    assert system.settled(ref).stage == "assessing"


def test_a_run_suspended_without_its_resume_form_is_repaired_by_the_next_wake(system):
    """Prefect sets a run Suspended, then saves its resume form in a second call; a worker
    killed between the two (or a server error on the second, seen in the fault drill while
    PostgreSQL restarted) leaves a run that refuses every resume. The form is lost here
    as it would be there; the coordinator's decision must still move the case."""
    ref = start(system, date(2026, 1, 14))
    run_id = UUID(system.case(ref).flow_run_id)
    with get_client(sync_client=True) as client:
        keyset = client.read_flow_run(run_id).state.state_details.run_input_keyset
        client.delete_flow_run_input(run_id, keyset["schema"])
        with pytest.raises(RuntimeError, match="Run input schema not found"):
            resume_flow_run(run_id, run_input={})  # what every wake met before the repair
    system.today(date(2026, 2, 18))
    assert system.decide(ref, "assessment", "assess", date(2026, 2, 18)) is Wake.RESUMED
    assert system.settled(ref).stage == "assessing"
    assert max(messages(ref).values()) == 1
