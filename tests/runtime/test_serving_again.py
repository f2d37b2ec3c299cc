"""Serving the draft (Regs 13(1)): the family's 15 days begin when it reaches them, and a
plan changed with advice that arrived after service is served again, with a new 15 days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import AdviceRequest, OutboundMessage
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
    send_queued,
    serve_draft,
    upload_plan,
)
from tests.support.plan_files import council_words, finished, working_draft

SETTING_EMAIL = "head@example-primary.sch.uk"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, day: date):
    return reconcile(
        session, ref="EHC-2026-000001", council=council, now=at(day), document_store=tmp_path / "docs"
    )


@pytest.fixture
def served_without_health(session, council, tmp_path):
    """Draft served by email on 1 April with the health advice still to come."""
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email=SETTING_EMAIL)
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
    return case


def health_rewritten(council) -> bytes:
    texts = {code: council_words(code) for code in ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "J", "K")}
    texts["C"] = "Hearing loss, as the health advice received on 14 April sets out."
    texts["G"] = "Audiology review every six months by the paediatric audiology service."
    return finished(working_draft(council), texts)


def test_a_plan_changed_with_advice_that_came_after_service_must_be_served_again(
    session, council, tmp_path, served_without_health
):
    case = served_without_health
    receive_advice(session, council, case, key="health", now=at(date(2026, 4, 14)))
    upload_plan(session, council, case, now=at(date(2026, 4, 15)), data=health_rewritten(council))
    with pytest.raises(InvalidInput) as refused:
        finalise(session, council, case, now=at(date(2026, 4, 20)))
    [blocker] = refused.value.errors
    assert blocker.field == "draft_served_on" and "sections C, G" in blocker.message
    # Served again: a new draft email, a new 15 days from the day it is sent.
    serve_draft(session, council, case, now=at(date(2026, 4, 20)))
    look(session, council, tmp_path, date(2026, 4, 20))
    drafts = session.exec(
        select(OutboundMessage).where(
            OutboundMessage.purpose == "draft_plan", OutboundMessage.recipient_role == "family"
        )
    ).all()
    assert len(drafts) == 2
    send_queued(session, case, purpose="draft_plan", on=date(2026, 4, 20))
    facts = crud.case_facts(session, case=case)
    assert (facts.draft_issued_on, facts.draft_served_on, facts.changed_since_service) == (
        date(2026, 4, 20),
        date(2026, 4, 20),
        (),
    )
    with pytest.raises(InvalidInput) as refused:
        finalise(session, council, case, now=at(date(2026, 5, 4)))  # the 15th day
    assert [error.field for error in refused.value.errors] == ["on"]
    finalise(session, council, case, now=at(date(2026, 5, 5)))


def test_amending_the_plan_after_representations_alone_needs_no_new_service(
    session, council, tmp_path, served_without_health
):
    case = served_without_health
    receive_advice(session, council, case, key="health", now=at(date(2026, 3, 31)), on=date(2026, 3, 31))
    upload_plan(session, council, case, now=at(date(2026, 4, 15)), data=health_rewritten(council))
    assert crud.case_facts(session, case=case).changed_since_service == ()
    finalise(session, council, case, now=at(date(2026, 4, 20)))


def test_serving_again_needs_a_new_version_and_is_refused_after_finalising(
    session, council, tmp_path, served_without_health
):
    case = served_without_health
    with pytest.raises(InvalidInput, match="already served"):
        serve_draft(session, council, case, now=at(date(2026, 4, 16)))
    receive_advice(session, council, case, key="health", now=at(date(2026, 4, 14)))
    finalise(session, council, case, now=at(date(2026, 4, 16)))
    with pytest.raises(InvalidInput, match="finalised"):
        serve_draft(session, council, case, now=at(date(2026, 4, 17)))
