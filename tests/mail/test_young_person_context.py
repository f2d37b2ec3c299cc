"""Emails to the family know whether the case is about a young person (CFA 2014 s.83(2)) on
the day they are written: the base context every template gets says so."""

from __future__ import annotations

from datetime import date

from ehcp.db import crud
from ehcp.db.inputs import ChildIn
from ehcp.mail.messages import base_context
from tests.db import factories
from tests.mail.rows import NOW


def context_on(session, council, case, today: date) -> dict:
    timeline = crud.case_timeline(session, case=case, council=council, today=today)
    return base_context(case, council, timeline)


def test_a_case_about_a_young_person_says_so_to_its_emails(session, council):
    child = ChildIn(given_names="Testchild", family_name="Example", date_of_birth=date(2008, 1, 15))
    case = factories.open_case(session, council, now=NOW, child=child)
    assert context_on(session, council, case, date(2026, 1, 6))["young_person"] is True


def test_a_case_about_a_child_is_not_a_young_persons(session, council, case):
    assert context_on(session, council, case, date(2026, 1, 6))["young_person"] is False


def test_the_flag_turns_the_day_after_the_last_friday_in_june_of_the_year_they_turn_16(session, council):
    # Born 31 August 2010: compulsory school age ends on Friday 26 June 2026 (Education Act
    # 1996 s.8(3)(a)).
    child = ChildIn(given_names="Testchild", family_name="Example", date_of_birth=date(2010, 8, 31))
    case = factories.open_case(session, council, now=NOW, child=child)
    assert context_on(session, council, case, date(2026, 6, 26))["young_person"] is False
    assert context_on(session, council, case, date(2026, 6, 27))["young_person"] is True
