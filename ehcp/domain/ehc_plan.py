"""The EHC plan as data: sections A to K, built from the family-safe view of a case.

Each section holds what the contributors who inform it wrote (see
advice_sections), and a visible gap naming who owes advice that has not come:
a missing piece of advice is never silence. Section I (the placement) is blank in
the draft and names the setting in the final plan; K lists every piece of advice
with its date. Preparation for adulthood is flagged from Year 9. Rendering to
Word or PDF is the documents' concern; this module only decides the content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from ehcp.domain.advice_sections import SECTIONS, sections_for

PLAN_SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K")
PFA_FROM_YEAR = 9  # CoP 8.9: preparation for adulthood in plans from Year 9
EXTRA_TITLES = {
    "I": "Placement: the school or other institution",
    "J": "Personal budget",
    "K": "Advice and information",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Model):
    role: str
    organisation: str
    text: str


class Gap(_Model):
    """Advice this section is waiting for: who owes it and since when it was due."""

    role: str
    organisation: str
    due_on: date


class PlanSection(_Model):
    code: str
    title: str
    contributions: tuple[Contribution, ...] = ()
    gaps: tuple[Gap, ...] = ()
    text: str = ""  # for sections the council writes itself (I, J)


class AdviceEntry(_Model):
    role: str
    organisation: str
    requested_on: date
    received_on: date | None


class EhcPlan(_Model):
    case_ref: str
    final: bool
    child_name: str
    date_of_birth: date | None
    year_group: int | None
    preparation_for_adulthood: bool
    sections: tuple[PlanSection, ...]
    advice: tuple[AdviceEntry, ...]  # section K

    def section(self, code: str) -> PlanSection:
        return next(section for section in self.sections if section.code == code)

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(gap for section in self.sections for gap in section.gaps)


class ChildSource(Protocol):
    """The child as `build_plan` reads it (family_safe.ChildView)."""

    @property
    def full_name(self) -> str: ...
    @property
    def date_of_birth(self) -> date: ...


class AdviceSource(Protocol):
    """One advice request as `build_plan` reads it (family_safe.AdviceView)."""

    @property
    def role(self) -> str: ...
    @property
    def organisation(self) -> str: ...
    @property
    def requested_on(self) -> date: ...
    @property
    def due_on(self) -> date: ...
    @property
    def received_on(self) -> date | None: ...
    @property
    def existing_advice_accepted(self) -> bool: ...
    @property
    def sections(self) -> Mapping[str, str]: ...


class PlanSource(Protocol):
    """What `build_plan` reads of a case (family_safe.FamilyView): family-safe fields only."""

    @property
    def case_ref(self) -> str: ...
    @property
    def named_setting(self) -> str | None: ...
    @property
    def child(self) -> ChildSource | None: ...
    @property
    def advice(self) -> Sequence[AdviceSource]: ...


def year_group(date_of_birth: date, on: date) -> int:
    """National Curriculum year on a date: Reception is 0; the school year starts 1 September."""
    cohort = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    school_year = on.year if on.month >= 9 else on.year - 1
    return school_year - cohort - 5


def build_plan(view: PlanSource, *, final: bool, on: date) -> EhcPlan:
    """`view` is a family_safe.FamilyView; `on` is the date the plan is drafted or issued."""
    sections = []
    for code in PLAN_SECTIONS:
        contributions: list[Contribution] = []
        gaps: list[Gap] = []
        for advice in view.advice:
            if code not in {section.code for section in sections_for(advice.role)}:
                continue
            if advice.received_on is None and not advice.existing_advice_accepted:
                gaps.append(Gap(role=advice.role, organisation=advice.organisation, due_on=advice.due_on))
            elif advice.sections.get(code):
                contributions.append(
                    Contribution(
                        role=advice.role, organisation=advice.organisation, text=advice.sections[code]
                    )
                )
        text = ""
        if code == "I":
            text = (view.named_setting or "") if final else ""
        sections.append(
            PlanSection(
                code=code,
                title=SECTIONS[code].title if code in SECTIONS else EXTRA_TITLES[code],
                contributions=tuple(contributions),
                gaps=tuple(gaps),
                text=text,
            )
        )
    child = view.child
    year = year_group(child.date_of_birth, on) if child else None
    return EhcPlan(
        case_ref=view.case_ref,
        final=final,
        child_name=child.full_name if child else "",
        date_of_birth=child.date_of_birth if child else None,
        year_group=year,
        preparation_for_adulthood=year is not None and year >= PFA_FROM_YEAR,
        sections=tuple(sections),
        advice=tuple(
            AdviceEntry(
                role=advice.role,
                organisation=advice.organisation,
                requested_on=advice.requested_on,
                received_on=advice.received_on,
            )
            for advice in view.advice
        ),
    )
