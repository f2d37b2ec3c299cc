"""`ehcp import`'s rows: each refused with its line, column and reason; each case stored
whole or not at all; none twice."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import func, select

from ehcp.db import crud
from ehcp.db.models import Case, CaseEvent, Child, Decision, FamilyContact, OutboundMessage
from ehcp.errors import InvalidInput
from ehcp.imports.columns import FileError
from ehcp.imports.run import import_rows
from tests.imports.files import NOW, closed, csv_text, open_assessing


def run(session, council, rows, **options):
    return import_rows(io.StringIO(csv_text(rows)), session=session, council=council, now=NOW, **options)


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


BAD_ROWS = [
    (closed("R1", received_date="06/01/2025"), "received_date", "give a date as YYYY-MM-DD"),
    (closed("R1", received_date="2025-02-30"), "received_date", "not a date in the calendar"),
    (closed("R1", received_date="2014-08-31"), "received_date", "before 1 September 2014"),
    (closed("R1", received_date="2026-06-02"), "received_date", "in the future"),
    (closed("R1", received_date=""), "received_date", "required"),
    (closed("R1", assess="y"), "assess", "give yes or no"),
    (closed("R1", exception=""), "exception", "required"),
    (closed("R1", decision_to_assess_date="2025-01-05"), "decision_to_assess_date", "before the request"),
    (closed("R1", issue_decision_date="2025-02-09"), "issue_decision_date", "before the decision to assess"),
    (closed("R1", final_plan_date="2025-03-31"), "final_plan_date", "before the decision to issue"),
    (closed("R1", assess="no", issue="", issue_decision_date=""), "final_plan_date", "needs issue = yes"),
    (closed("R1", issue="no", final_plan_date="2025-05-20"), "final_plan_date", "needs issue = yes"),
    (closed("R1", decision_to_assess_date=""), "decision_to_assess_date", "required when assess"),
    (closed("R1", exception="yes"), "exception_ground", "required when exception is yes"),
    (closed("R1", exception="yes", exception_ground="waiting_list"), "exception_ground", "Regs 13(3)"),
    (closed("R1", exception="yes", exception_ground="missed_appointment"), "exception_ground", "Regs 13(3)"),
    (closed("R1", exception_ground="school_closure"), "exception_ground", "only when exception is yes"),
    (closed("R1", withdrawn_date="2025-06-01"), "withdrawn_date", "already ended"),
    (closed("R1", request_source="neighbour"), "request_source", "one of: parent"),
    (closed("R1", setting_urn="100001"), "setting_urn", "only for an open case"),
    (
        closed(
            "R1", child_given_names="Ann\u202eX", child_family_name="Ex", child_date_of_birth="2017-01-01"
        ),
        "child_given_names",
        "text-direction override",
    ),
    (closed("R 1"), "reference", "letters, digits"),
    (closed(""), "reference", "required"),
    (open_assessing("R1", setting_urn="999999"), "setting_urn", "not in the council's directory"),
    (open_assessing("R1", setting_urn=""), "setting_urn", "required for an open case"),
    (open_assessing("R1", child_date_of_birth=""), "child_date_of_birth", "required for an open case"),
    (open_assessing("R1", contact_email=""), "contact_email", "email, or the child's address"),
    (open_assessing("R1", contact_email="not-an-address"), "contact_email", "not a valid email address"),
    (open_assessing("R1", request_source=""), "request_source", "required for an open case"),
    (open_assessing("R1", child_date_of_birth="1990-01-01"), "child_date_of_birth", "25 or older"),
    (open_assessing("R1", advice_health_received="2026-05-20"), "advice_health_requested", "required when"),
    (
        open_assessing("R1", advice_health_requested="2026-05-12", advice_health_received="2026-05-11"),
        "advice_health_received",
        "before it was requested",
    ),
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_ROWS)
def test_a_bad_row_is_refused_with_its_line_column_and_reason_and_nothing_stored(
    session, council, row, column, reason
):
    outcome = run(session, council, [closed("GOOD-1"), row])
    assert outcome.imported_closed == 1 and outcome.imported_open == 0
    assert {(reject.line, reject.column) for reject in outcome.rejects} >= {(3, column)}
    found = next(reject for reject in outcome.rejects if reject.column == column)
    assert reason in found.reason
    assert count(session, Case) == 1


def test_a_reason_never_repeats_what_the_cell_said(session, council):
    outcome = run(
        session,
        council,
        [open_assessing("R1", contact_email="zanzibar-secret@@nowhere", child_given_names="Zanzibar\u200bQ")],
    )
    assert outcome.rejects and not any("anzibar" in reject.reason for reject in outcome.rejects)


def test_a_reference_given_twice_in_a_file_is_refused_on_its_second_line(session, council):
    outcome = run(
        session, council, [closed("DUP-1"), closed("OTHER"), closed("DUP-1", final_plan_date="2025-05-21")]
    )
    assert outcome.imported_closed == 2
    assert [(reject.line, reject.reference, reject.column) for reject in outcome.rejects] == [
        (4, "DUP-1", "reference")
    ]
    assert "line 2" in outcome.rejects[0].reason
    case = session.exec(select(Case).where(Case.imported_ref == "DUP-1")).one()
    assert case.final_issued_on == date(2025, 5, 20)  # the first line's


def test_importing_the_same_file_again_imports_nothing_twice(session, council):
    rows = [
        closed("A-1"),
        closed("A-2", assess="no", issue_decision_date="", issue="", final_plan_date=""),
        open_assessing("A-3"),
    ]
    first = run(session, council, rows)
    assert (first.imported_closed, first.imported_open, first.already_imported) == (2, 1, 0)
    tables = {model: count(session, model) for model in (Case, Decision, OutboundMessage, CaseEvent, Child)}
    again = run(session, council, [*rows, closed("A-4")])
    assert (again.imported_closed, again.imported_open, again.already_imported, again.rejects) == (
        1,
        0,
        3,
        [],
    )
    assert count(session, Case) == 4
    assert count(session, Decision) == tables[Decision] + 2  # A-4's two decisions only


def test_an_already_imported_case_is_never_overwritten(session, council):
    run(session, council, [closed("KEEP-1")])
    run(session, council, [closed("KEEP-1", final_plan_date="2025-06-30")])
    case = session.exec(select(Case).where(Case.imported_ref == "KEEP-1")).one()
    assert case.final_issued_on == date(2025, 5, 20)


def test_check_validates_every_row_and_writes_nothing(session, council):
    outcome = run(
        session, council, [closed("C-1"), open_assessing("C-2"), closed("C-3", assess="maybe")], check=True
    )
    assert (outcome.imported_closed, outcome.imported_open, outcome.rejected_rows) == (1, 1, 1)
    assert count(session, Case) == 0


def test_an_open_case_that_fails_mid_way_leaves_nothing_of_itself(session, council, monkeypatch):
    """The case, its child and family are written before its decision: the decision's
    refusal takes them all back, and the other rows still import."""
    real = crud.record_decision

    def refuse_second(session, *, case, **kwargs):
        if case.imported_ref == "HALF-1":
            raise InvalidInput.one("decided_on", "refused by the test")
        return real(session, case=case, **kwargs)

    monkeypatch.setattr(crud, "record_decision", refuse_second)
    outcome = run(session, council, [open_assessing("WHOLE-1"), open_assessing("HALF-1"), closed("WHOLE-2")])
    assert (outcome.imported_open, outcome.imported_closed) == (1, 1)
    assert [(r.line, r.reference, r.column) for r in outcome.rejects] == [
        (3, "HALF-1", "decision_to_assess_date")
    ]
    assert session.exec(select(Case).where(Case.imported_ref == "HALF-1")).first() is None
    assert count(session, Case) == 2 and count(session, Child) == 1 and count(session, FamilyContact) == 1
    # Its case number was given back with it: the next case takes it.
    assert sorted(session.exec(select(Case.ref))) == ["EHC-2025-000001", "EHC-2026-000001"]


def test_a_batch_that_conflicts_is_stored_case_by_case(session, council):
    """Another import stored one of this batch's references meanwhile: the rest of the
    batch still goes in, that one counts as already imported."""
    from ehcp.imports.columns import Row
    from ehcp.imports.load import Loader
    from ehcp.imports.validate import Imported, validate

    run(session, council, [closed("RACE-2")])
    loader = Loader(session, council=council, now=NOW)
    for line, reference in enumerate(("RACE-1", "RACE-2", "RACE-3"), start=2):
        item = validate(Row(line, closed(reference)), council=council, today=date(2026, 6, 1))
        assert isinstance(item, Imported)
        loader.add(item)
    outcome = loader.finish()
    assert (outcome.imported_closed, outcome.already_imported, outcome.rejects) == (2, 1, [])
    assert count(session, Case) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("reference,received_date\nX,2025-01-01\n", "required column(s) missing: decision_to_assess_date"),
        (csv_text([], header=["reference", "surname", *closed("x").keys()]), "unknown column(s): surname"),
    ],
)
def test_a_file_that_cannot_be_read_stops_before_anything_is_written(session, council, text, message):
    with pytest.raises(FileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_rows(io.StringIO(text), session=session, council=council, now=NOW)
    assert count(session, Case) == 0


def test_a_row_with_the_wrong_number_of_cells_is_refused_by_its_line(session, council):
    text = csv_text([closed("W-1")]) + "W-2,2025-01-06\n"
    outcome = import_rows(io.StringIO(text), session=session, council=council, now=NOW)
    assert outcome.imported_closed == 1
    assert [(r.line, r.column) for r in outcome.rejects] == [(3, "")]
    assert "cells" in outcome.rejects[0].reason


# Edge days of the rules the live writers share: the EHC regime began on 1 September 2014
# (CFA 2014 Part 3); a child or young person must be under 25 on the day the request was
# received (CFA 2014 s.83(2)). The open row is received on 6 April 2026.
@pytest.mark.parametrize(
    ("row", "imported"),
    [
        (closed("R1", received_date="2014-09-01"), True),  # the regime's first day
        (open_assessing("R1", child_date_of_birth="2001-04-07"), True),  # 25 the day after receipt
        (open_assessing("R1", child_date_of_birth="2001-04-06"), False),  # 25 on the day of receipt
    ],
)
def test_the_edge_days_of_the_regime_and_the_age_limit(session, council, row, imported):
    outcome = run(session, council, [row])
    assert (outcome.imported_closed + outcome.imported_open == 1) is imported
    assert (len(outcome.rejects) == 0) is imported
