"""The caseload board: every open case soonest limit first, who owes what by role, and the
coordinator's key; read from the store in a fixed number of queries. No Prefect here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from ehcp.db import crud
from ehcp.domain.facts import CaseFacts
from ehcp.views.caseload import (
    COLUMNS,
    OpenCase,
    artifact_key,
    caseload_rows,
    for_officer,
    read_caseload,
    table,
)
from tests.db import factories

RECEIVED = date(2026, 1, 5)  # the decision whether to assess is due 16 February 2026
ASSESSED = {"decided_on": date(2026, 2, 2), "outcome": "assess", "notified_on": date(2026, 2, 2)}


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def considering(ref: str, received_on: date = RECEIVED, **more) -> OpenCase:
    return OpenCase(
        ref=ref, stage="considering", officer=None, facts=CaseFacts(received_on=received_on), **more
    )


def assessing(ref: str, officer: str | None = None) -> OpenCase:
    facts = CaseFacts(
        received_on=RECEIVED,
        decision_to_assess=ASSESSED,
        advice=[
            {"key": "psychological", "role": "psychological", "requested_on": date(2026, 2, 3)},
            {
                "key": "health",
                "role": "health",
                "requested_on": date(2026, 2, 3),
                "received_on": date(2026, 3, 2),
            },
        ],
    )
    return OpenCase(ref=ref, stage="assessing", officer=officer, facts=facts)


def test_each_row_says_the_stage_the_next_limit_its_due_date_and_the_days_left(council):
    [row] = caseload_rows([considering("EHC-2026-000001")], council=council, today=date(2026, 2, 5))
    assert (row.ref, row.stage, row.next_limit, row.due_on, row.when) == (
        "EHC-2026-000001",
        "considering",
        "Decision whether to assess",
        date(2026, 2, 16),
        "11 days left",
    )
    assert row.owed == ("the panel: decide whether to assess (11 days left)",)


def test_a_row_moves_with_the_clock_to_days_late(council):
    [row] = caseload_rows([considering("EHC-2026-000001")], council=council, today=date(2026, 2, 19))
    assert row.when == "3 days late"
    assert row.owed == ("the panel: decide whether to assess (3 days late)",)


def test_who_owes_what_names_roles_soonest_first_and_leaves_out_what_came_in(council):
    [row] = caseload_rows([assessing("EHC-2026-000002")], council=council, today=date(2026, 3, 31))
    # Psychological advice was due 17 March (6 weeks from 3 February); health's came in.
    assert row.next_limit == "Educational psychology advice"
    assert row.owed[0] == "educational psychology advice (14 days late)"
    assert not any("health" in owed for owed in row.owed)
    assert "the panel: decide whether to issue a plan (27 days left)" in row.owed


def test_the_coordinators_own_tasks_come_first(council):
    case = considering(
        "EHC-2026-000003",
        setting_address_to_confirm=True,
        received_on_to_confirm=True,
        sharing_to_decide=True,
        letters_to_post=2,
    )
    [row] = caseload_rows([case], council=council, today=date(2026, 2, 5))
    assert row.owed[:4] == (
        "the coordinator: confirm the date of receipt",
        "the coordinator: confirm the setting's address",
        "the coordinator: record what advisers may be sent",
        "the coordinator: print and post 2 letters",
    )


def test_the_board_is_sorted_soonest_limit_first(council):
    cases = [
        considering("EHC-2026-000001", received_on=date(2026, 1, 20)),
        assessing("EHC-2026-000002"),
        considering("EHC-2026-000003", received_on=date(2026, 1, 12)),
    ]
    rows = caseload_rows(cases, council=council, today=date(2026, 2, 5))
    assert [(row.ref, row.due_on) for row in rows] == [
        ("EHC-2026-000003", date(2026, 2, 23)),
        ("EHC-2026-000001", date(2026, 3, 3)),
        ("EHC-2026-000002", date(2026, 3, 17)),
    ]


def test_the_table_has_a_column_each_and_a_coordinator_key_or_unassigned(council):
    rows = caseload_rows(
        [assessing("EHC-2026-000002", officer="coord-a"), considering("EHC-2026-000001")],
        council=council,
        today=date(2026, 2, 5),
    )
    cells = table(rows)
    assert tuple(cells) == COLUMNS
    assert cells["Case"] == ["EHC-2026-000001", "EHC-2026-000002"]
    assert cells["Stage"] == ["considering", "assessing"]
    assert cells["Due"] == ["2026-02-16", "2026-03-17"]
    assert cells["Coordinator"] == ["unassigned", "coord-a"]
    assert [row.ref for row in for_officer(rows, "coord-a")] == ["EHC-2026-000002"]


def test_an_empty_board_still_has_its_headings():
    assert table([]) == {column: [] for column in COLUMNS}


def test_artifact_keys_are_lower_case_letters_digits_and_dashes():
    assert (artifact_key(), artifact_key("coord-a")) == ("caseload", "caseload-coord-a")


# -- the read from the store -------------------------------------------------------


def rich_case(session, council, **changes):
    """A case with a row in every table its facts come from."""
    case = factories.open_case(session, council, now=at(RECEIVED), **changes)
    factories.decide(session, council, case, now=at(date(2026, 2, 2)))
    factories.tell_family(session, case, purpose="decision_to_assess", on=date(2026, 2, 3))
    factories.request_advice(session, council, case, key="health", now=at(date(2026, 2, 3)))
    factories.request_advice(
        session, council, case, key="psychological", role="psychological", now=at(date(2026, 2, 3))
    )
    factories.receive_advice(session, council, case, key="health", now=at(date(2026, 3, 2)))
    factories.record_exception(
        session, council, case, ground="exceptional_personal_circumstances", now=at(date(2026, 3, 2))
    )
    return case


def test_the_board_reads_each_cases_facts_as_its_run_does(session, council):
    cases = [rich_case(session, council), factories.open_case(session, council, now=at(RECEIVED))]
    today = date(2026, 3, 31)
    rows = {row.ref: row for row in read_caseload(session, council=council, today=today)}
    for case, facts in crud.open_cases_facts(session):
        assert facts == crud.case_facts(session, case=case)
    for case in cases:
        timeline = crud.case_timeline(session, case=case, council=council, today=today)
        row = rows[case.ref]
        assert row.stage == case.stage
        assert row.due_on == min(
            limit.due_on for limit in timeline.open_limits if limit.due_on and limit.duty != "family"
        )


def test_closed_cases_are_not_on_the_board(session, council):
    case = factories.open_case(session, council, now=at(RECEIVED))
    factories.withdraw(session, council, case, now=at(date(2026, 1, 20)))
    open_ = factories.open_case(session, council, now=at(RECEIVED))
    assert [row.ref for row in read_caseload(session, council=council, today=date(2026, 1, 21))] == [
        open_.ref
    ]


def test_what_intake_left_for_the_coordinator_is_on_the_board(session, council):
    case = factories.open_case_by_intake(
        session,
        council,
        now=at(RECEIVED),
        current_setting={"name": "Unlisted School", "kind": "school"},
        consent={"share_with_professionals": False, "information_is_true": True},
    )
    [row] = read_caseload(session, council=council, today=RECEIVED)
    assert row.ref == case.ref
    assert "the coordinator: confirm the setting's address" in row.owed
    assert "the coordinator: record what advisers may be sent" in row.owed


def test_the_read_takes_the_same_number_of_queries_for_one_case_as_for_many(session, council):
    rich_case(session, council)
    one = count_queries(session, council)
    for _ in range(5):
        rich_case(session, council)
    assert count_queries(session, council) == one <= 10


def count_queries(session, council) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        session.expire_all()
        read_caseload(session, council=council, today=date(2026, 3, 31))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)
