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
    """Who asked for the assessment, or brought the child to the council's attention.

    CFA 2014 s.36(1): "A request for a local authority in England to secure an EHC needs
    assessment for a child or young person may be made to the authority by the child's
    parent, the young person or a person acting on behalf of a school or post-16
    institution." Anyone else (a health or social care professional, say) brings the child
    or young person to the council's attention (s.24), and the council "otherwise becomes
    responsible" for them (s.36(3)): it must then decide whether an assessment is needed,
    within the same 6 weeks, counted from "becoming responsible for the child or young
    person in accordance with section 24" (Regs 5(1)(b); likewise Regs 4(1), 10(1)). So the
    clock is the same; the case's `received_on` is the day the council was told.
    """

    PARENT = "parent"
    YOUNG_PERSON = "young_person"
    SETTING = "setting"  # a school, early years setting or post-16 institution
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    OTHER_PROFESSIONAL = "other_professional"

    @property
    def is_request(self) -> bool:
        """A request under s.36(1), as opposed to a child brought to the council's attention."""
        return self in S36_REQUESTERS

    @property
    def sen2_code(self) -> int:
        """The SEN2 return's request source code."""
        return SEN2_REQUEST_SOURCE[self]

    @property
    def family_words(self) -> str | None:
        """Who told the council, in a family's words, never naming the professional; None for
        a request made under s.36(1)."""
        return BROUGHT_TO_ATTENTION_BY.get(self)


S36_REQUESTERS = frozenset({RequestSource.PARENT, RequestSource.YOUNG_PERSON, RequestSource.SETTING})

# SEN2 (person-level return, module 2, "RequestSource"): 1 parent or young person, 2 school
# or other education setting, 3 health, 4 social care, 5 other. Taken from this project's
# domain reference (../shared/domain/ehc-process.md); the DfE's guide to the person-level
# SEN2 return could not be read here to verify the codes.
SEN2_REQUEST_SOURCE: dict[RequestSource, int] = {
    RequestSource.PARENT: 1,
    RequestSource.YOUNG_PERSON: 1,
    RequestSource.SETTING: 2,
    RequestSource.HEALTH: 3,
    RequestSource.SOCIAL_CARE: 4,
    RequestSource.OTHER_PROFESSIONAL: 5,
}

BROUGHT_TO_ATTENTION_BY: dict[RequestSource, str] = {
    RequestSource.HEALTH: "a health professional",
    RequestSource.SOCIAL_CARE: "a social care professional",
    RequestSource.OTHER_PROFESSIONAL: "a professional",
}


# Regs 8(1): "Where a local authority requests the co-operation of a body in securing an
# EHC needs assessment in accordance with section 31 of the Act, that body must comply
# with such a request within 6 weeks". It binds the bodies asked under s.31 (health
# through the ICB; social care, as this project's domain reference reads it), not the
# school, the council's own educational psychology service or the family, whose late
# advice is chased but is no Regs 8 breach.
BOUND_BY_REGS_8: frozenset[ContributorRole] = frozenset({ContributorRole.HEALTH, ContributorRole.SOCIAL_CARE})
