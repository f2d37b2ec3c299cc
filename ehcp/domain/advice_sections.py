"""Which sections of the EHC plan each contributor's advice informs (CoP 9.62).

The portal asks each contributor for text under these sections only, and the
plan (issue 6) is built from what they wrote there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ehcp.domain.roles import ContributorRole


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    hint: str


SECTIONS = {
    "A": Section(
        "A",
        "The views, interests and aspirations of the child and their parents, or the young person",
        "What matters to the child or young person, their history and what they hope for.",
    ),
    "B": Section("B", "Special educational needs", "Each need, described in enough detail to plan for it."),
    "C": Section(
        "C",
        "Health needs related to special educational needs",
        "Diagnoses and health needs that affect learning, with dates of assessments.",
    ),
    "D": Section(
        "D",
        "Social care needs related to special educational needs or disability",
        "Needs assessed by social care, including under the Children Act 1989.",
    ),
    "E": Section("E", "Outcomes", "What the child or young person should achieve, with steps towards each."),
    "F": Section(
        "F",
        "Special educational provision",
        "Specific, detailed and quantified provision for each need (who, what, how often).",
    ),
    "G": Section(
        "G", "Health provision", "Health provision reasonably required by the learning difficulties."
    ),
    "H1": Section(
        "H1",
        "Social care provision under section 2 of the Chronically Sick and Disabled Persons Act 1970",
        "Provision the council must make under the CSDPA.",
    ),
    "H2": Section("H2", "Other social care provision", "Any other social care provision the child needs."),
}

_BY_ROLE = {
    ContributorRole.PARENT_OR_YOUNG_PERSON: ("A",),
    ContributorRole.EDUCATIONAL: ("B", "E", "F"),
    ContributorRole.HEALTH: ("C", "G"),
    ContributorRole.SOCIAL_CARE: ("D", "H1", "H2"),
    ContributorRole.PSYCHOLOGICAL: ("B", "F"),
    ContributorRole.PREPARATION_FOR_ADULTHOOD: ("B", "E"),
}


def sections_for(role: ContributorRole | str) -> tuple[Section, ...]:
    """`role` is a ContributorRole or its value (views carry it as a string)."""
    return tuple(SECTIONS[code] for code in _BY_ROLE.get(ContributorRole(role), ("B",)))
