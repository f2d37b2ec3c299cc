"""Plan versions: the caseworker's Word plan kept as numbered versions per case, each read
back by section; a refused upload writes nothing (no row, no file, no chronology entry)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import PlanVersion
from ehcp.db.plan_versions import (
    latest_plan_version,
    plan_versions,
    substantive_change,
    upload_plan_version,
)
from ehcp.domain.ehc_plan import PLAN_SECTIONS
from ehcp.errors import InvalidInput
from ehcp.timesource import london_date
from tests.db.factories import decide, open_case, serve_draft
from tests.support.plan_files import council_words, finished, working_draft


@pytest.fixture(scope="module")
def draft(council) -> bytes:
    return working_draft(council)


@pytest.fixture(scope="module")
def plan(draft) -> bytes:
    return finished(draft)


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "store"


def issuing_case(session, council, now, **changes):
    """A case the panel decided to assess (9 February) and to issue a plan for (30 March)."""
    case = open_case(session, council, now=now, **changes)
    decide(session, council, case, decision="assess", now=now, on=date(2026, 2, 9))
    decide(session, council, case, decision="issue", now=now, on=date(2026, 3, 30))
    return case


def upload(session, case, data, store, now, name="plan.docx"):
    return upload_plan_version(
        session, case=case, data=data, filename=name, store=store, now=now, actor="caseworker:test"
    )


def test_versions_are_numbered_per_case_with_their_text_file_and_chronology(
    session, council, now, plan, draft, store
):
    first_case = issuing_case(session, council, now)
    other_case = issuing_case(session, council, now)
    version_before = first_case.version

    one = upload(session, first_case, plan, store, now, name="../Robin plan v1.docx")
    two = upload(session, first_case, finished(draft, {"F": "Speech therapy weekly."}), store, now)
    elsewhere = upload(session, other_case, plan, store, now)

    assert (one.number, two.number, elsewhere.number) == (1, 2, 1)
    assert list(one.sections) == list(PLAN_SECTIONS) and one.sections["B"] == council_words("B")
    assert two.sections["F"] == "Speech therapy weekly."
    assert one.file_name == "Robin plan v1.docx" and one.served_on is None
    assert one.uploaded_by == "caseworker:test" and one.uploaded_at == now
    for row in (one, two, elsewhere):
        path = Path(row.storage_path)
        assert path.is_file() and path.is_relative_to(
            store / crud.case_by_id(session, case_id=row.case_id).ref
        )
    assert Path(one.storage_path).read_bytes() == plan

    assert [row.number for row in plan_versions(session, case=first_case)] == [1, 2]
    assert latest_plan_version(session, case=first_case).number == 2
    assert latest_plan_version(session, case=other_case).number == 1

    events = [e for e in crud.chronology(session, case=first_case) if e.kind == "plan_version_uploaded"]
    assert [e.summary for e in events] == ["EHC plan version 1 uploaded.", "EHC plan version 2 uploaded."]
    assert events[1].detail["changed_sections"] == ["F"]
    session.refresh(first_case)
    assert first_case.version == version_before + 2 and first_case.wake_at == now  # the run looks again


def test_a_refused_upload_writes_nothing(session, council, now, draft, plan, store):
    case = issuing_case(session, council, now)
    events_before = len(crud.chronology(session, case=case))

    with pytest.raises(InvalidInput) as refused:
        upload(session, case, draft, store, now)  # still a working draft
    assert refused.value.errors[0].field == "file"

    with pytest.raises(InvalidInput) as refused:
        upload(session, case, finished(draft, {"E": ""}), store, now)
    assert refused.value.errors[0].field == "sections.E"

    assert session.exec(select(PlanVersion)).all() == []
    assert not store.exists() or not any(store.rglob("*.docx"))
    assert len(crud.chronology(session, case=case)) == events_before

    assert upload(session, case, plan, store, now).number == 1  # and the next good one is version 1


def test_an_upload_before_the_decision_to_issue_is_refused(session, council, now, plan, store):
    case = open_case(session, council, now=now)
    decide(session, council, case, decision="assess", now=now, on=date(2026, 2, 9))
    with pytest.raises(InvalidInput) as refused:
        upload(session, case, plan, store, now)
    [error] = refused.value.errors
    assert error.field == "case_ref" and "no decision to issue a plan" in error.message
    assert session.exec(select(PlanVersion)).all() == []


def test_an_upload_after_the_final_plan_is_issued_is_refused(session, council, now, plan, store):
    case = issuing_case(session, council, now)
    upload(session, case, plan, store, now)
    serve_draft(session, council, case, now=now)
    case.final_issued_on = london_date(now)  # the council's decision to finalise, as its step records it
    session.add(case)
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        upload(session, case, plan, store, now)
    assert "final plan" in refused.value.errors[0].message
    assert [row.number for row in plan_versions(session, case=case)] == [1]


def test_substantive_change_ignores_whitespace_and_names_changed_sections(
    session, council, now, draft, store
):
    case = issuing_case(session, council, now)
    one = upload(session, case, finished(draft, {"B": "Reads two years below age."}), store, now)
    respaced = finished(draft, {"B": "Reads  two years\tbelow age. ", "G": "Occupational therapy termly."})
    two = upload(session, case, respaced, store, now)
    assert substantive_change(one.sections, two.sections) == ("G",)
    assert substantive_change(one.sections, one.sections) == ()
