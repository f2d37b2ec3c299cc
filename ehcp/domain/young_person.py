"""Who holds the rights: the child's parent, or the young person themselves.

Children and Families Act 2014 s.83(2): "'young person' means a person over compulsory
school age but under 25". Once a person is over compulsory school age the rights in
Part 3 are theirs: the council writes to them, and copies to a parent only as they choose.

Compulsory school age ends under the Education Act 1996 s.8(3): "A person ceases to be
of compulsory school age at the end of the day which is the school leaving date for any
calendar year— (a) if he attains the age of 16 after that day but before the beginning of
the school year next following, (b) if he attains that age on that day, or (c) (unless
paragraph (a) applies) if that day is the school leaving date next following his attaining
that age." The Education (School Leaving Date) Order 1997, made under s.8(4), makes the
school leaving date the last Friday in June. Put together: compulsory school age ends at
the end of the last Friday in June of the school year in which the person turns 16.

"School year" (s.579(1)) runs from the first term to begin after July; this module takes
it to begin on 1 September, the convention year groups are counted by. A 16th birthday in
the first days of September before a school's autumn term begins is the one case where
the two could differ (s.8(3)(a) would end compulsory school age in that June): a
coordinator who knows the school's term dates can see it.

Pure: no dates are read from a clock; `on` is always the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

FRIDAY = 4  # date.weekday()
SCHOOL_YEAR_STARTS = (9, 1)  # 1 September: see the module's note on s.579(1)
YOUNG_PERSON_UNTIL = 25  # s.83(2): "under 25"
YOUNG_PERSON = "young_person"  # a family contact's relationship when it is the young person


def _birthday(date_of_birth: date, age: int) -> date:
    """The day a person attains `age`: the anniversary of their birth (1 March for a
    29 February birthday in a year that has none)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


def school_leaving_date(year: int) -> date:
    """The Education (School Leaving Date) Order 1997: the last Friday in June."""
    last = date(year, 6, 30)
    return last - timedelta(days=(last.weekday() - FRIDAY) % 7)


def compulsory_school_age_ends(date_of_birth: date) -> date:
    """The last day of compulsory school age (s.8(3)): the school leaving date of the
    school year in which the person turns 16. They are over compulsory school age from
    the next day."""
    sixteenth = _birthday(date_of_birth, 16)
    year = sixteenth.year
    if sixteenth >= date(year, *SCHOOL_YEAR_STARTS):
        # Turned 16 in the autumn: the next June's leaving date (s.8(3)(c)).
        return school_leaving_date(year + 1)
    # Turned 16 by the end of August: this June's leaving date, whether the birthday was
    # before it (s.8(3)(c)), on it (s.8(3)(b)) or after it in the summer (s.8(3)(a)).
    return school_leaving_date(year)


def is_young_person(date_of_birth: date, on: date) -> bool:
    """Whether the person is a young person on `on` (s.83(2)): over compulsory school age
    but under 25."""
    return compulsory_school_age_ends(date_of_birth) < on < _birthday(date_of_birth, YOUNG_PERSON_UNTIL)


class FamilyContactFacts(NamedTuple):
    """What choosing the family's recipients needs to know of one contact."""

    contact_id: int
    relationship: str  # parent, carer, young_person or other (the intake's words)
    receives_copies: bool  # a parent or carer the young person agrees should get copies
    is_primary: bool


def family_recipients(
    contacts: Iterable[tuple[int, str, bool, bool]], *, young_person: bool
) -> tuple[int, ...]:
    """The family contacts to write to, in order.

    For a young person the rights are theirs (s.83(2)): the young person's own contact
    first, then each parent or carer they have agreed may have copies (`receives_copies`).
    For a child the rights are the parent's: every parent, carer or other family contact,
    the main contact first; a contact recorded as the young person is not written to
    while the person is still a child (the letters speak to a parent about "your child").

    A young person with no contact of their own still holds the rights: the caller must
    reach them another way (by post) rather than write only to a parent.
    """
    facts = [FamilyContactFacts(*contact) for contact in contacts]
    own = [item for item in facts if item.relationship == YOUNG_PERSON]
    others = sorted(
        (item for item in facts if item.relationship != YOUNG_PERSON),
        key=lambda item: not item.is_primary,  # stable: the given order otherwise
    )
    chosen = [*own, *(item for item in others if item.receives_copies)] if young_person else others
    return tuple(item.contact_id for item in chosen)
