"""A setting's address comes from the council's directory of settings, never from what a
request form says (issue 13): the webhook's signature proves the form provider sent the
request, not who filled it in, and the educational advice request (Regs 6(1)(b)) carries
the child's details. A setting the directory does not know is a coordinator's task, shown
where coordinators see what a case waits for, and settled with `ehcp advice setting-address`;
until then nothing goes to it, and the statutory clock runs on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, OutboundMessage
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from ehcp.views.run_status import state_message
from tests.db.factories import decide, open_case_by_intake
from tests.support.postgres import free_port

runner = CliRunner()
# In the example council's directory (config/example/settings.yaml).
DIRECTORY_URN, DIRECTORY_INBOX = "100001", "senco@example-primary.example.org"
OAK_URN, OAK_INBOX = "100002", "senco@oak-academy.example.org"
# What an attacker, or a mistaken parent, typed as the school's email.
FORM_EMAIL = "victim@elsewhere.example.org"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, case, day: date):
    return reconcile(session, ref=case.ref, council=council, now=at(day), document_store=tmp_path / "docs")


def setting(**changes) -> dict:
    return {"name": "Example Primary School", "kind": "school", "email": FORM_EMAIL, **changes}


def to_setting(session) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.recipient_role == "setting")))


def never_written_to(session, address: str) -> bool:
    rows = session.exec(select(OutboundMessage.recipient_address)).all()
    asked = session.exec(select(AdviceRequest.contact_email)).all()
    return address not in rows and address not in asked


def test_a_urn_in_the_directory_sends_to_the_directorys_inbox_and_ignores_the_forms(
    session, council, tmp_path
):
    case = open_case_by_intake(
        session, council, now=at(date(2026, 1, 5)), current_setting=setting(urn=DIRECTORY_URN)
    )
    first = look(session, council, tmp_path, case, date(2026, 1, 5))
    assert not any("setting's address" in wait for wait in first.waiting_for)
    [notice] = to_setting(session)
    assert notice.purpose == "considering_notice" and notice.recipient_address == DIRECTORY_INBOX
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    look(session, council, tmp_path, case, date(2026, 2, 10))
    school = session.exec(select(AdviceRequest).where(AdviceRequest.key == "setting")).one()
    assert school.contact_email == DIRECTORY_INBOX
    assert never_written_to(session, FORM_EMAIL)
    [event] = [e for e in crud.chronology(session, case=case) if e.kind == "setting_address_from_directory"]
    assert "not used" in event.summary and FORM_EMAIL not in event.summary


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(setting(), id="no-urn"),
        pytest.param(setting(urn="999999"), id="urn-not-in-directory"),
    ],
)
def test_a_setting_the_directory_does_not_know_waits_for_the_coordinator_and_the_clock_runs(
    session, council, tmp_path, monkeypatch, migrated_url, given
):
    case = open_case_by_intake(session, council, now=at(date(2026, 1, 5)), current_setting=given)
    first = look(session, council, tmp_path, case, date(2026, 1, 5))
    # Nothing to the setting, the health and social care notices as usual (Regs 4(2)).
    assert to_setting(session) == []
    assert {row.recipient_role for row in session.exec(select(OutboundMessage))} >= {
        "notice:health",
        "family",
    }
    # The coordinator sees it first, in the run's state message, by role only.
    assert first.waiting_for[0].startswith("the coordinator to confirm the setting's address")
    message = state_message(first)
    assert message.startswith("Waiting for the coordinator to confirm the setting's address")
    assert "Example Primary" not in message and "@" not in message
    # The statutory clock is not paused: the decision is due 6 weeks after receipt (Regs 5(1)).
    assert first.timeline.limit("decision_to_assess").due_on == date(2026, 2, 16)
    assert any(e.kind == "setting_address_to_confirm" for e in crud.chronology(session, case=case))

    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    assessing = look(session, council, tmp_path, case, date(2026, 2, 10))
    keys = {row.key for row in session.exec(select(AdviceRequest))}
    assert "setting" not in keys and {"family", "health"} <= keys  # the others are asked on time
    assert any("educational advice (Regs 6(1)(b)) waits" in wait for wait in assessing.waiting_for)
    assert to_setting(session) == []

    # The coordinator confirms it from the directory, through the CLI.
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", at(date(2026, 2, 17)).isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the sweep would wake it
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    result = runner.invoke(app, ["advice", "setting-address", case.ref, "--urn", OAK_URN])
    assert result.exit_code == 0, result.output

    confirmed = look(session, council, tmp_path, case, date(2026, 2, 17))
    assert not any("setting's address" in wait for wait in confirmed.waiting_for)
    school = session.exec(select(AdviceRequest).where(AdviceRequest.key == "setting")).one()
    assert (school.contact_email, school.requested_on) == (OAK_INBOX, date(2026, 2, 17))
    # Its 6 weeks run from the day it was asked; the council's own limits never moved.
    assert school.due_on == date(2026, 3, 31)
    assert confirmed.timeline.limit("final_plan").due_on == date(2026, 5, 25)
    sent_to_oak = session.exec(select(OutboundMessage).where(OutboundMessage.recipient_address == OAK_INBOX))
    assert {(row.purpose, row.recipient_role) for row in sent_to_oak} == {
        ("decision_to_assess", "setting"),
        ("advice_request", "adviser:educational"),
    }
    assert never_written_to(session, FORM_EMAIL)
    [event] = [e for e in crud.chronology(session, case=case) if e.kind == "setting_address_confirmed"]
    assert event.actor == "coordinator:cli" and f"URN {OAK_URN}" in event.summary


def test_the_forms_address_is_used_when_it_is_the_directorys_own_inbox(session, council, tmp_path):
    case = open_case_by_intake(
        session, council, now=at(date(2026, 1, 5)), current_setting=setting(email=DIRECTORY_INBOX.upper())
    )
    assert (case.setting_urn, case.setting_email, case.setting_address_confirmed) == (
        DIRECTORY_URN,
        DIRECTORY_INBOX,
        True,
    )


def test_confirming_is_refused_for_an_unknown_urn_and_once_confirmed(session, council, tmp_path):
    from ehcp.errors import InvalidInput

    case = open_case_by_intake(session, council, now=at(date(2026, 1, 5)), current_setting=setting())
    write = {"case": case, "council": council, "now": at(date(2026, 1, 6)), "actor": "coordinator:test"}
    with pytest.raises(InvalidInput, match="urn: URN '123456' is not in the council's directory"):
        crud.confirm_setting_address(session, urn="123456", **write)
    with pytest.raises(InvalidInput, match="exactly one"):
        crud.confirm_setting_address(session, urn=OAK_URN, by_post=True, **write)
    crud.confirm_setting_address(session, email="senco@checked.example.org", **write)
    with pytest.raises(InvalidInput, match="already confirmed"):
        crud.confirm_setting_address(session, urn=OAK_URN, **write)
    assert case.setting_email == "senco@checked.example.org"
