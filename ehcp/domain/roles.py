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


# Regs 8(1): "Where a local authority requests the co-operation of a body in securing an
# EHC needs assessment in accordance with section 31 of the Act, that body must comply
# with such a request within 6 weeks". It binds the bodies asked under s.31 (health
# through the ICB; social care, as this project's domain reference reads it), not the
# school, the council's own educational psychology service or the family, whose late
# advice is chased but is no Regs 8 breach.
BOUND_BY_REGS_8: frozenset[ContributorRole] = frozenset({ContributorRole.HEALTH, ContributorRole.SOCIAL_CARE})
