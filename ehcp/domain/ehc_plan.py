"""The EHC plan as data: sections A to K, built from the family-safe view of a case.

The plan is the council's document (Regs 12(1): the LA "must set out" each
section): a caseworker writes every section in the council's words. What is built
here is what they draft from: under each section's canonical heading, the
advisers' text as labelled extracts (evidence, not the plan), and a visible gap
naming who owes advice that has not come: a missing piece of advice is never
silence. The Word working draft carries a banner and these labels so that the
caseworker's edited file can be checked (documents/plan_reading.py) before it
becomes a plan version. Section I (the placement) is blank in
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
from ehcp.text import words

# The canonical heading of each section, in the order Regs 12(1) sets them out
# (CoP 9.62). The Word working draft heads each section with exactly this text,
# and a caseworker's file is read back by it.
SECTION_HEADINGS = {
    "A": "Section A: Views, interests and aspirations",  # 12(1)(a)
    "B": "Section B: Special educational needs",  # 12(1)(b)
    "C": "Section C: Health needs related to special educational needs",  # 12(1)(c)
    "D": "Section D: Social care needs related to special educational needs or disability",  # 12(1)(d)
    "E": "Section E: Outcomes",  # 12(1)(e)
    "F": "Section F: Special educational provision",  # 12(1)(f)
    "G": "Section G: Health provision",  # 12(1)(g)
    "H1": (  # 12(1)(h)(i)
        "Section H1: Social care provision under section 2 of the "
        "Chronically Sick and Disabled Persons Act 1970"
    ),
    "H2": "Section H2: Other social care provision",  # 12(1)(h)(ii)
    "I": "Section I: Name and type of school or other institution",  # 12(1)(i)
    "J": "Section J: Personal budget, including direct payments",  # 12(1)(j)
    "K": "Section K: Advice and information",  # 12(1)(k): the appendices
}
PLAN_SECTIONS = tuple(SECTION_HEADINGS)
PFA_FROM_YEAR = 9  # CoP 8.9: preparation for adulthood in plans from Year 9

# What marks a working draft as unfinished. The caseworker deletes each of these;
# a file that still holds one is not a plan (plan_reading refuses it).
WORKING_DRAFT_BANNER = (
    "WORKING DRAFT - NOT FOR SERVICE: write each section in the council's words, "
    "then delete this banner and every extract from advice, gap and drafting note."
)
EXTRACT_LABEL_PREFIX = "Extract from advice:"
EXTRACT_LABEL_SUFFIX = "to draft from, not for service"
GAP_PREFIX = "GAP:"
DRAFTING_NOTE_PREFIX = "Drafting note:"
# Regs 12(1)(f) and CoP 9.69: provision is specific, detailed and quantified.
PROVISION_PROMPT = (
    f"{DRAFTING_NOTE_PREFIX} provision must be specific, detailed and quantified: who provides it, "
    "what it is, how often and for how long, for each need in section B (Regs 12(1)(f); SEND Code of "
    "Practice 9.69). Delete this note."
)
PLACEMENT_PROMPT = (
    f"{DRAFTING_NOTE_PREFIX} leave section I blank in the draft; the school or other institution is "
    "named in the final plan (Children and Families Act 2014 s38(5); SEND Code of Practice 9.79). "
    "Delete this note."
)
PERSONAL_BUDGET_PROMPT = (
    f"{DRAFTING_NOTE_PREFIX} set out any personal budget and direct payments: the needs and outcomes "
    "they meet (Regs 12(1)(j)); if none has been asked for, say how the family can ask for one. "
    "Delete this note."
)
NO_ADVICE_PROMPT = (
    f"{DRAFTING_NOTE_PREFIX} no adviser wrote to this section. Write it in the council's words from "
    "what is known of the child or young person, or say that there are none. Delete this note."
)
EXTRA_TITLES = {
    "I": "Placement: the school or other institution",
    "J": "Personal budget",
    "K": "Advice and information",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Model):
    """An adviser's text for one section: evidence to draft from, not the plan's words."""

    role: str
    organisation: str
    text: str
    received_on: date | None = None  # None: existing advice accepted (Regs 6(4))

    @property
    def label(self) -> str:
        """What the working draft shows above the extract (and plan_reading looks for)."""
        received = (
            f"received {self.received_on.day} {self.received_on:%B %Y}"
            if self.received_on
            else "existing advice accepted"
        )
        return (
            f"{EXTRACT_LABEL_PREFIX} {words(self.role)}, {self.organisation} ({received}) "
            f"- {EXTRACT_LABEL_SUFFIX}"
        )


class Gap(_Model):
    """Advice this section is waiting for: who owes it and since when it was due."""

    role: str
    organisation: str
    due_on: date


class PlanSection(_Model):
    code: str
    title: str
    heading: str  # the canonical heading, SECTION_HEADINGS[code]
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
    # The final plan is the caseworker's version (Regs 12(1): the council "must set out"
    # each section); its sections carry their text and no advisers' words.
    written_by_council: bool = False

    def section(self, code: str) -> PlanSection:
        return next(section for section in self.sections if section.code == code)

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(gap for section in self.sections for gap in section.gaps)

    @property
    def working_draft_banner(self) -> str:
        return WORKING_DRAFT_BANNER

    @property
    def provision_prompt(self) -> str:
        return PROVISION_PROMPT

    @property
    def placement_prompt(self) -> str:
        return PLACEMENT_PROMPT

    @property
    def personal_budget_prompt(self) -> str:
        return PERSONAL_BUDGET_PROMPT

    @property
    def no_advice_prompt(self) -> str:
        return NO_ADVICE_PROMPT


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
    @property
    def council_text(self) -> Mapping[str, str] | None: ...


def year_group(date_of_birth: date, on: date) -> int:
    """National Curriculum year on a date: Reception is 0; the school year starts 1 September."""
    cohort = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    school_year = on.year if on.month >= 9 else on.year - 1
    return school_year - cohort - 5


def build_plan(view: PlanSource, *, final: bool, on: date) -> EhcPlan:
    """`view` is a family_safe.FamilyView; `on` is the date the plan is drafted or issued.

    The final plan is the council's own text, section by section, from the caseworker's
    latest version; advisers' words appear only in the working draft, as extracts."""
    council_text = view.council_text if final else None
    sections = []
    for code in PLAN_SECTIONS:
        if council_text is not None:
            sections.append(
                PlanSection(
                    code=code,
                    title=SECTIONS[code].title if code in SECTIONS else EXTRA_TITLES[code],
                    heading=SECTION_HEADINGS[code],
                    text=council_text.get(code, ""),
                )
            )
            continue
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
                        role=advice.role,
                        organisation=advice.organisation,
                        text=advice.sections[code],
                        received_on=advice.received_on,
                    )
                )
        text = ""
        if code == "I":
            text = (view.named_setting or "") if final else ""
        sections.append(
            PlanSection(
                code=code,
                title=SECTIONS[code].title if code in SECTIONS else EXTRA_TITLES[code],
                heading=SECTION_HEADINGS[code],
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
        written_by_council=council_text is not None,
    )
