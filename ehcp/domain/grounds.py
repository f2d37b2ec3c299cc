"""The exceptions that disapply a time limit (Regs 5(4), 8(2), 10(4), 13(3)).

An exception never pauses a clock or moves a date: it only means a limit
"need not be met", so a late act is reported as disapplied rather than breached.
"""

from enum import StrEnum


class Duty(StrEnum):
    """Whose time limit it is: the grounds differ between the LA and an adviser."""

    LOCAL_AUTHORITY = "local_authority"
    ADVISER = "adviser"
    FAMILY = "family"
    SETTING = "setting"


class ExceptionGround(StrEnum):
    SCHOOL_CLOSURE = "school_closure"
    EARLY_YEARS_CLOSURE = "early_years_closure"
    EXCEPTIONAL_PERSONAL_CIRCUMSTANCES = "exceptional_personal_circumstances"
    ABSENCE_FROM_AREA = "absence_from_area"
    MISSED_APPOINTMENT = "missed_appointment"


# Which grounds the law allows for whose limit. There is no school-closure
# ground for an adviser, and the missed-appointment ground exists only there.
GROUNDS_FOR: dict[Duty, frozenset[ExceptionGround]] = {
    Duty.LOCAL_AUTHORITY: frozenset(
        {
            ExceptionGround.SCHOOL_CLOSURE,
            ExceptionGround.EARLY_YEARS_CLOSURE,
            ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES,
            ExceptionGround.ABSENCE_FROM_AREA,
        }
    ),
    Duty.ADVISER: frozenset(
        {
            ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES,
            ExceptionGround.ABSENCE_FROM_AREA,
            ExceptionGround.MISSED_APPOINTMENT,
        }
    ),
    Duty.FAMILY: frozenset(),
    Duty.SETTING: frozenset(),
}

# "absent from the area ... for a continuous period of not less than 4 weeks"
MINIMUM_ABSENCE_DAYS = 28

LA_REGS = "Regs 5(4), 10(4), 13(3)"
ADVISER_REGS = "Regs 8(2)"

GROUND_BASIS: dict[ExceptionGround, str] = {
    ExceptionGround.SCHOOL_CLOSURE: f"school or college closed for 4+ weeks ({LA_REGS})",
    ExceptionGround.EARLY_YEARS_CLOSURE: f"early years provider closed for 4+ weeks ({LA_REGS})",
    ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES: (
        f"exceptional personal circumstances ({LA_REGS}; {ADVISER_REGS})"
    ),
    ExceptionGround.ABSENCE_FROM_AREA: (
        f"absent from the area for 4+ continuous weeks ({LA_REGS}; {ADVISER_REGS})"
    ),
    ExceptionGround.MISSED_APPOINTMENT: (
        f"failure to keep an appointment for an examination or test ({ADVISER_REGS})"
    ),
}

# The regulations of the SEND Regulations 2014 that provide each ground.
GROUND_REGULATIONS: dict[ExceptionGround, str] = {
    ExceptionGround.SCHOOL_CLOSURE: LA_REGS,
    ExceptionGround.EARLY_YEARS_CLOSURE: LA_REGS,
    ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES: f"{LA_REGS}; {ADVISER_REGS}",
    ExceptionGround.ABSENCE_FROM_AREA: f"{LA_REGS}; {ADVISER_REGS}",
    ExceptionGround.MISSED_APPOINTMENT: ADVISER_REGS,
}

# How a letter tells a family which ground applies: plain words, no regulation numbers.
FAMILY_WORDS: dict[ExceptionGround, str] = {
    ExceptionGround.SCHOOL_CLOSURE: "your child's school or college was closed for at least 4 weeks in a row",
    ExceptionGround.EARLY_YEARS_CLOSURE: (
        "your child's early years setting was closed for at least 4 weeks in a row"
    ),
    ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES: (
        "exceptional personal circumstances affecting your child or your family"
    ),
    ExceptionGround.ABSENCE_FROM_AREA: (
        "your child or your family was away from the area for at least 4 weeks in a row"
    ),
    ExceptionGround.MISSED_APPOINTMENT: "an appointment for an examination or test was not kept",
}
