"""Who gives advice (Regs 6(1)) and who may ask for an assessment."""

from enum import StrEnum


class ContributorRole(StrEnum):
    """The kinds of advice the LA must seek, in the order of Regs 6(1)."""

    PARENT_OR_YOUNG_PERSON = "parent_or_young_person"  # (a)
    EDUCATIONAL = "educational"  # (b) head teacher / principal / early-years lead
    HEALTH = "health"  # (c) via the ICB
    PSYCHOLOGICAL = "psychological"  # (d) educational psychologist
    SOCIAL_CARE = "social_care"  # (e)
    OTHER = "other"  # (f) anyone else the LA thinks appropriate
    PREPARATION_FOR_ADULTHOOD = "preparation_for_adulthood"  # (g) from Year 9
    FAMILY_REQUESTED = "family_requested"  # (h) anyone the family reasonably asks for


class RequestSource(StrEnum):
    """Who asked for the assessment (SEN2 records this)."""

    PARENT = "parent"
    YOUNG_PERSON = "young_person"
    SETTING = "setting"
    HEALTH = "health"
    OTHER_PROFESSIONAL = "other_professional"
