"""The exceptions that disapply a time limit (Regs 5(4), 8(2), 10(4), 13(3)).

An exception never pauses a clock or moves a date: it only means a limit
"need not be met", so a late act is reported as disapplied rather than breached.
Each regulation has its own list of grounds, and a ground excuses a limit only
where it made that limit "impractical" to meet: the coordinator's judgement,
recorded against one named limit (see `grounds_for_limit`), never inferred from
dates that overlap.
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

# Each regulation's own list, from its text (SEND Regulations 2014, as made):
# Regs 5(4) (the 6-week decision whether to assess): (a) advice asked of a school or
#   post-16 head in the week before a 4+ week closure, (b) exceptional personal
#   circumstances, (c) absence from the area for 4+ weeks. No early-years ground.
# Regs 10(4) (a decision not to issue, 16 weeks): (a) school or post-16 closure, (b) the
#   same for a provider of relevant early years education, (c) exceptional personal
#   circumstances, (d) absence from the area.
# Regs 13(3) (the final plan, 20 weeks): "any of the reasons set out in regulation
#   10(4)(a) to (d)".
# Regs 8(2) (a body asked under s.31, 6 weeks): (a) exceptional circumstances, (b) absence
#   from the area, (c) the child or young person fails to keep an appointment for an
#   examination or test made by the body. A waiting list is none of them.
REGS_5_4 = frozenset(
    {
        ExceptionGround.SCHOOL_CLOSURE,
        ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES,
        ExceptionGround.ABSENCE_FROM_AREA,
    }
)
REGS_10_4 = GROUNDS_FOR[Duty.LOCAL_AUTHORITY]
REGS_13_3 = REGS_10_4
REGS_8_2 = GROUNDS_FOR[Duty.ADVISER]

# The statutory limits an exception can be recorded against, with the regulation that
# lists its grounds. Advice limits are "advice:<key>" and exist only for the advisers
# Regs 8(1) binds (see roles.BOUND_BY_REGS_8).
LIMIT_GROUNDS: dict[str, tuple[frozenset[ExceptionGround], str]] = {
    "decision_to_assess": (REGS_5_4, "Regs 5(4)"),
    "decision_not_to_issue": (REGS_10_4, "Regs 10(4)"),
    "final_plan": (REGS_13_3, "Regs 13(3)"),
}
ADVICE_LIMIT_GROUNDS = (REGS_8_2, "Regs 8(2)")


def grounds_for_limit(limit_key: str) -> tuple[frozenset[ExceptionGround], str] | None:
    """The grounds the law allows for this limit and where it lists them; None when no
    regulation lets this limit be disapplied (targets, the family's window, consultations)."""
    if limit_key.startswith("advice:"):
        return ADVICE_LIMIT_GROUNDS
    return LIMIT_GROUNDS.get(limit_key)


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


# How a letter names the limit an exception affects (the exception notice, Regs 5(4),
# 8(2), 10(4), 13(3) read with the duty to tell the family).
LIMIT_FAMILY_WORDS: dict[str, str] = {
    "decision_to_assess": (
        "the 6-week time limit for telling you our decision whether to carry out an EHC needs assessment"
    ),
    "decision_not_to_issue": "the 16-week time limit for telling you if we decide not to issue an EHC plan",
    "final_plan": "the 20-week time limit for issuing the final EHC plan",
}


def limit_in_family_words(limit_key: str, adviser: str | None = None) -> str:
    if limit_key.startswith("advice:"):
        return f"the 6-week time limit for advice from {adviser or 'an adviser'}"
    return LIMIT_FAMILY_WORDS[limit_key]
