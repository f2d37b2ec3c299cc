"""Who the council asks for advice on one case (Regs 6(1)-(4)): decided per case, not
from one fixed list.

The Special Educational Needs and Disability Regulations 2014, regulation 6(1):
"Where the local authority secures an EHC needs assessment for a child or young
person, it must seek the following advice and information, on the needs of the child
or young person, and what provision may be required to meet such needs and the
outcomes that are intended to be achieved by the child or young person receiving that
provision", from (a) the child's parent or the young person; (b) educational advice
(the head teacher or principal of the school, post-16 or other institution the child
is attending, or failing that someone the council is satisfied has experience of
teaching children with special educational needs, or who is responsible for their
education); (c) medical advice from a health care professional identified by the
responsible commissioning body; (d) psychological advice from an educational
psychologist; (e) social care; (f) "any other person the local authority thinks is
appropriate"; (g) "where the child or young person is in or beyond year 9", advice on
provision to assist in preparation for adulthood and independent living; and (h) "any
person the child's parent or young person reasonably requests that the local
authority seek advice from".

Regs 6(3): where the child or young person is hearing and/or visually impaired, the
educational advice is given after consultation with a person qualified to teach pupils
who are so impaired (a qualified teacher of the deaf or of the visually impaired).
This module models that as a requirement *on the educational advice request*: the
setting (or whoever gives the educational advice) is asked to give it after
consulting such a teacher, and its letter says so. It is not a separate piece of
advice: the regulation qualifies (b), it does not add a ninth head.

Regs 6(4): the council "must not seek any of the advice referred to in paragraphs
(1)(b) to (h) if such advice has previously been provided for any purpose and the
person providing that advice, the local authority and the child's parent or the young
person are satisfied that it is sufficient". It covers (b) to (h) only: the family's
own advice (a) is always sought. Existing advice agreed sufficient is recorded against
the item's key (crud.record_existing_advice_sufficient) and the planner never asks
for it, chases it or waits for it.

Regs 6(2): the council "must provide the person from whom advice is being sought with
copies of (or, if appropriate, extracts from)" the family's representations and evidence.
When the family did not agree at intake that their request may be shared, nobody but the
family is asked until a coordinator records what the council may share (`ShareDecision`):
see `planner._advice_to_request` for what is held and why.

Pure: no database, no clock. `on` is the day the advice is planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ehcp.domain.ehc_plan import PFA_FROM_YEAR
from ehcp.domain.roles import ContributorRole
from ehcp.domain.school_years import school_year

FAMILY_ADVICE_KEY = "family"
SETTING_ADVICE_KEY = "setting"
PROFESSIONAL_KEY_PREFIX = "professional"
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

# Regs 6(4) lets the council not seek advice under (1)(b) to (h): never the family's own.
EXISTING_ADVICE_ROLES = frozenset(ContributorRole) - {ContributorRole.PARENT_OR_YOUNG_PERSON}

# The heads of Regs 6(1) each role is asked under.
HEAD = {
    ContributorRole.PARENT_OR_YOUNG_PERSON: "Regs 6(1)(a)",
    ContributorRole.EDUCATIONAL: "Regs 6(1)(b)",
    ContributorRole.HEALTH: "Regs 6(1)(c)",
    ContributorRole.PSYCHOLOGICAL: "Regs 6(1)(d)",
    ContributorRole.SOCIAL_CARE: "Regs 6(1)(e)",
    ContributorRole.OTHER: "Regs 6(1)(f)",
    ContributorRole.PREPARATION_FOR_ADULTHOOD: "Regs 6(1)(g)",
    ContributorRole.FAMILY_REQUESTED: "Regs 6(1)(h)",
}


class ShareDecision(StrEnum):
    """What of the family's request the council sends advisers, decided by a coordinator
    when the family did not consent at intake (Regs 6(2): "copies of (or, if appropriate,
    extracts from)" their representations and evidence)."""

    # The coordinator spoke with the family and they agreed: advisers get copies.
    FAMILY_AGREED = "family_agreed"
    # Only the minimum the law requires: advisers are asked (Regs 6(1)) with none of the
    # family's words; the SEND team sends each the extracts agreed with the family.
    EXTRACTS_ONLY = "extracts_only"

    @property
    def sends_copies(self) -> bool:
        """Advice request letters carry the request's text and the family's own advice."""
        return self is ShareDecision.FAMILY_AGREED


SHARE_DECISION_WORDS = {
    ShareDecision.FAMILY_AGREED: "the family agreed, when the coordinator spoke with them, that their "
    "request and views may be shared with the advisers: advisers are sent copies (Regs 6(2))",
    ShareDecision.EXTRACTS_ONLY: "share only the minimum the law requires: advisers are asked for advice "
    "(Regs 6(1)) without the family's words, and the SEND team sends each the extracts agreed with the "
    "family (Regs 6(2))",
}


QUALIFIED_TEACHER_OF_THE_DEAF = "a qualified teacher of the deaf"
QUALIFIED_TEACHER_OF_THE_VISUALLY_IMPAIRED = "a qualified teacher of the visually impaired"


def role_key(role: ContributorRole) -> str:
    """The key of a council service's request: its role in kebab case (`social-care`)."""
    return role.value.replace("_", "-")


@dataclass(frozen=True)
class Service:
    """A service the council configures to give one kind of advice (council.yaml advisers)."""

    role: ContributorRole
    organisation: str
    email: str | None = None


@dataclass(frozen=True)
class Professional:
    """Someone already involved, named in the request (IntakeRequestV1.professionals)."""

    role: str  # what they do, in the request's words, e.g. "speech and language therapist"
    organisation: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AdviceCase:
    """What decides who is asked, for one case."""

    date_of_birth: date | None = None
    has_family: bool = True  # a case always has a parent, carer or the young person
    setting_name: str | None = None  # the current setting, with or without an email
    setting_email: str | None = None
    # The setting's address is the council directory's or a coordinator's. Until it is,
    # the educational advice is not asked of it (nothing goes to an address a form gave).
    setting_confirmed: bool = True
    hearing_impairment: bool = False
    vision_impairment: bool = False
    services: tuple[Service, ...] = ()
    professionals: tuple[Professional, ...] = ()


@dataclass(frozen=True)
class AdviceItem:
    """One piece of advice to seek: a stable key, the role it is asked under, who is
    asked, and why, in words a coordinator can read."""

    key: str
    role: ContributorRole
    organisation: str
    why: str
    name: str | None = None
    email: str | None = None  # None: the request goes by post (the post tray)
    # Regs 6(3): whom the educational advice must be given after consulting.
    after_consulting: tuple[str, ...] = ()

    @property
    def head(self) -> str:
        return HEAD[self.role]


@dataclass(frozen=True)
class ExistingAdvice:
    """Regs 6(4): advice already given that the council, its author and the family agreed
    is sufficient, so it is not sought again. `source` says what it is, for the family and
    section K (e.g. "Educational psychology report, March 2026")."""

    key: str
    source: str
    agreed_on: date


@dataclass(frozen=True)
class AdvicePlan:
    items: tuple[AdviceItem, ...]
    # Advice the law requires that nobody is set up to give: each is a coordinator matter,
    # in words without personal data (they reach the run's timeline artifact).
    unresolved: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def item(self, key: str) -> AdviceItem | None:
        return next((item for item in self.items if item.key == key), None)


def qualified_teachers(*, hearing_impairment: bool, vision_impairment: bool) -> tuple[str, ...]:
    """Regs 6(3): whom the educational advice is given after consulting."""
    return tuple(
        teacher
        for teacher, applies in (
            (QUALIFIED_TEACHER_OF_THE_DEAF, hearing_impairment),
            (QUALIFIED_TEACHER_OF_THE_VISUALLY_IMPAIRED, vision_impairment),
        )
        if applies
    )


def advice_plan(case: AdviceCase, *, on: date) -> AdvicePlan:
    """The advice to seek for `case` if it were sought on `on`, in the order of Regs 6(1)."""
    items: list[AdviceItem] = []
    unresolved: list[str] = []
    services = {service.role: service for service in case.services}
    teachers = qualified_teachers(
        hearing_impairment=case.hearing_impairment, vision_impairment=case.vision_impairment
    )

    if case.has_family:
        items.append(
            AdviceItem(
                FAMILY_ADVICE_KEY,
                ContributorRole.PARENT_OR_YOUNG_PERSON,
                "Family",
                "The family's own views and advice (Regs 6(1)(a)): always sought.",
            )
        )

    if case.setting_name is not None and not case.setting_confirmed:
        unresolved.append(
            "educational advice (Regs 6(1)(b)) from the child's current setting: it waits until the "
            "coordinator confirms the setting's address (`ehcp advice setting-address`), since nothing "
            "goes to an address a request form gave"
            + (f", given after consulting {' and '.join(teachers)} (Regs 6(3))" if teachers else "")
        )
    elif case.setting_name is not None:
        why = (
            "Educational advice from the head of the child's current setting, "
            f"{case.setting_name} (Regs 6(1)(b))"
        )
        if teachers:
            why += f", given after consulting {' and '.join(teachers)} (Regs 6(3))"
        why += "." if case.setting_email else "; the setting has no email, so the request goes by post."
        items.append(
            AdviceItem(
                SETTING_ADVICE_KEY,
                ContributorRole.EDUCATIONAL,
                case.setting_name,
                why,
                email=case.setting_email,
                after_consulting=teachers,
            )
        )
    else:
        unresolved.append(
            "educational advice (Regs 6(1)(b)): no current setting is recorded; ask someone the council is "
            "satisfied has experience of teaching children with special educational needs, or who is "
            "responsible for the child's education (`ehcp advice add --role educational`)"
            + (f", given after consulting {' and '.join(teachers)} (Regs 6(3))" if teachers else "")
        )

    for role, reason in (
        (ContributorRole.HEALTH, "Medical advice through the ICB (Regs 6(1)(c))."),
        (
            ContributorRole.PSYCHOLOGICAL,
            "Psychological advice from an educational psychologist (Regs 6(1)(d)).",
        ),
        (ContributorRole.SOCIAL_CARE, "Advice in relation to social care (Regs 6(1)(e))."),
        (ContributorRole.OTHER, "Asked for every child by the council's configuration (Regs 6(1)(f))."),
    ):
        if role in services:
            items.append(_service_item(services[role], reason))

    year = school_year(case.date_of_birth, on) if case.date_of_birth is not None else None
    if year is None or year >= PFA_FROM_YEAR:
        reason = (
            f"Preparation for adulthood and independent living: the child is in year {year} (Regs 6(1)(g))."
            if year is not None
            else "Preparation for adulthood: the child's school year is not known (Regs 6(1)(g))."
        )
        service = services.get(ContributorRole.PREPARATION_FOR_ADULTHOOD)
        if service is not None:
            items.append(_service_item(service, reason))
        elif year is not None:
            unresolved.append(
                f"preparation for adulthood advice (Regs 6(1)(g)): the child is in year {year} and the "
                "council has no preparation_for_adulthood adviser configured "
                "(`ehcp advice add --role preparation_for_adulthood`)"
            )

    known = {_email(item.email) for item in items} - {None}
    for number, professional in enumerate(case.professionals, start=1):
        if _email(professional.email) in known:
            continue  # already asked under another head (the setting, a configured service)
        named = f"{professional.name}, " if professional.name else ""
        items.append(
            AdviceItem(
                f"{PROFESSIONAL_KEY_PREFIX}-{number}",
                ContributorRole.OTHER,
                professional.organisation,
                f"{named}{professional.role} at {professional.organisation}, named in the request as "
                "already involved: a person the council thinks appropriate (Regs 6(1)(f))"
                + ("." if professional.email else "; no email given, so the request goes by post."),
                name=professional.name,
                email=professional.email,
            )
        )
    return AdvicePlan(items=tuple(items), unresolved=tuple(unresolved))


def added_key(role: ContributorRole, taken: Sequence[str]) -> str:
    """The key of advice a coordinator adds (Regs 6(1)(b), (f) or (h)): its role and the
    next free number, e.g. `family-requested-1`. Names never go in a key: keys reach
    Prefect and the timeline artifact."""
    prefix = role_key(role)
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def _service_item(service: Service, why: str) -> AdviceItem:
    return AdviceItem(role_key(service.role), service.role, service.organisation, why, email=service.email)


def _email(address: str | None) -> str | None:
    return address.strip().lower() if address else None
