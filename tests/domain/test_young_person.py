"""A young person holds the rights (CFA 2014 s.83(2)): over compulsory school age (Education
Act 1996 s.8(3); the last Friday in June, Education (School Leaving Date) Order 1997) but
under 25. Tested at the edge days."""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.domain.young_person import (
    FamilyContactFacts,
    compulsory_school_age_ends,
    family_recipients,
    is_young_person,
    school_leaving_date,
)


@pytest.mark.parametrize(
    ("year", "last_friday"),
    [
        (2025, date(2025, 6, 27)),
        (2026, date(2026, 6, 26)),
        (2027, date(2027, 6, 25)),
        (2028, date(2028, 6, 30)),
    ],
)
def test_the_school_leaving_date_is_the_last_friday_in_june(year, last_friday):
    assert school_leaving_date(year) == last_friday


def test_a_child_who_turns_16_on_31_august_leaves_compulsory_school_age_that_june():
    # s.8(3)(a): 16 after the June leaving date but before the next school year begins.
    assert compulsory_school_age_ends(date(2010, 8, 31)) == date(2026, 6, 26)


def test_a_child_who_turns_16_on_1_september_stays_of_compulsory_school_age_until_the_next_june():
    # s.8(3)(c): the school leaving date next following their 16th birthday.
    assert compulsory_school_age_ends(date(2010, 9, 1)) == date(2027, 6, 25)


def test_a_child_who_turns_16_on_the_leaving_date_itself_leaves_that_day():
    # s.8(3)(b).
    assert compulsory_school_age_ends(date(2010, 6, 26)) == date(2026, 6, 26)


def test_a_child_who_turns_16_after_new_year_leaves_that_june():
    assert compulsory_school_age_ends(date(2011, 2, 14)) == date(2027, 6, 25)


def test_on_the_last_friday_in_june_they_are_still_a_child_and_the_next_day_a_young_person():
    # Compulsory school age ends "at the end of the day which is the school leaving date".
    born = date(2010, 8, 31)
    assert not is_young_person(born, on=date(2026, 6, 26))
    assert is_young_person(born, on=date(2026, 6, 27))


def test_a_1_september_birthday_is_a_child_for_a_whole_further_school_year():
    born = date(2010, 9, 1)
    assert not is_young_person(born, on=date(2026, 6, 27))
    assert not is_young_person(born, on=date(2027, 6, 25))
    assert is_young_person(born, on=date(2027, 6, 26))


def test_a_young_person_stops_being_one_on_their_25th_birthday():
    # s.83(2): "under 25".
    born = date(2001, 3, 10)
    assert is_young_person(born, on=date(2026, 3, 9))
    assert not is_young_person(born, on=date(2026, 3, 10))


def test_a_leap_day_birthday_counts_from_1_march_in_a_year_without_one():
    born = date(2000, 2, 29)
    assert is_young_person(born, on=date(2025, 2, 28))
    assert not is_young_person(born, on=date(2025, 3, 1))


def test_a_child_below_compulsory_school_age_is_not_a_young_person():
    assert not is_young_person(date(2023, 5, 1), on=date(2026, 1, 5))


PARENT = FamilyContactFacts(1, "parent", receives_copies=True, is_primary=False)
CARER_NO_COPIES = FamilyContactFacts(2, "carer", receives_copies=False, is_primary=True)
SELF = FamilyContactFacts(3, "young_person", receives_copies=True, is_primary=False)


def test_for_a_young_person_they_come_first_and_only_parents_they_chose_are_copied():
    assert family_recipients([PARENT, CARER_NO_COPIES, SELF], young_person=True) == (3, 1)


def test_for_a_child_every_parent_and_carer_is_written_to_the_main_contact_first():
    assert family_recipients([PARENT, CARER_NO_COPIES, SELF], young_person=False) == (2, 1)


def test_a_parent_who_does_not_receive_copies_of_a_childs_letters_still_gets_them():
    # receives_copies is the young person's choice; a child's parent holds the rights.
    assert family_recipients([CARER_NO_COPIES], young_person=False) == (2,)


def test_family_recipients_takes_plain_tuples():
    assert family_recipients(
        [(7, "young_person", False, True), (8, "parent", True, False)], young_person=True
    ) == (
        7,
        8,
    )


def test_a_young_person_without_a_contact_of_their_own_is_not_replaced_by_a_parent_who_was_not_chosen():
    assert family_recipients([CARER_NO_COPIES], young_person=True) == ()
