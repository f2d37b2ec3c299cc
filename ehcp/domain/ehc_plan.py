"""The EHC plan as data: sections A to K, built from the family-safe view of a case.

The plan is the council's document (Regs 12(1): the LA "must set out" each
section): a caseworker writes every section in the council's words. What is built
here is what they draft from: under each section's canonical heading, the
advisers' text as labelled extracts (evidence, not the plan), and a visible gap
naming who owes advice that has not come: a missing piece of advice is never
silence. The Word working draft carries a banner and these labels so that the
caseworker's edited file can be checked (documents/plan_reading.py) before it
becomes a plan version. Section I (the placement) is blank in
the draft and names the setting in the final plan; the draft's note says which
school the family asked for (s.38(2)(b)). Section J is worded from the personal-budget
record (s.49 CFA 2014; the Special Educational Needs (Personal Budgets) Regulations
2014). K lists every piece of advice with its date and what became of it, and the
final plan sets the advice itself out in appendices (Regs 12(1)(k)). Preparation for
adulthood is flagged from Year 9. Rendering to Word or PDF is the documents'
concern; this module only decides the content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from ehcp.domain.advice_sections import SECTIONS, sections_for
from ehcp.domain.finalising import ADVICE_GAP_WORDS
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


class AppendixSection(_Model):
    code: str
    title: str
    text: str


class Appendix(_Model):
    """One piece of advice received, set out after the plan (Regs 12(1)(k)): its text by
    section and, where the adviser sent a PDF the final plan can carry, that file's pages
    straight after it (`document_pages`; documents/store.py appends them)."""

    number: int
    key: str  # the advice request's key: how the store finds the file to append
    role: str
    organisation: str
    received_on: date
    sections: tuple[AppendixSection, ...]
    document_name: str | None = None
    document_format: str | None = None  # "pdf" or "docx"
    document_pages: int | None = None  # set: the PDF's pages follow this appendix
    has_document: bool = False

    @property
    def anchor(self) -> str:
        """The id the appendix carries in the PDF: the store finds its first page by it."""
        return f"appendix-{self.number}"

    @property
    def document_line(self) -> str:
        """What the appendix says about the adviser's own document, if they sent one."""
        if not self.has_document:
            return ""
        what = (
            f"{self.document_name}, the document {self.organisation} sent,"
            if self.document_name
            else f"The document {self.organisation} sent"
        )
        if self.document_pages:
            pages = "page" if self.document_pages == 1 else "pages"
            return f"{what} follows this appendix ({self.document_pages} {pages})."
        return f"{what} is enclosed separately."


class Gap(_Model):
    """Advice this section is waiting for: who owes it and when it is (or was) due."""

    role: str
    organisation: str
    due_on: date
    # Past its due date on the day the plan is drafted: "was due ... and has not been
    # received", not the same words on a day when it is not yet late.
    overdue: bool = False


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
    key: str = ""
    existing_advice_accepted: bool = False
    existing_advice_source: str | None = None
    existing_advice_agreed_on: date | None = None
    gap_reason: str | None = None  # a finalising.ADVICE_GAP_REASONS code
    appendix: int | None = None  # the appendix that sets it out, in the final plan
    document_enclosed: bool = False  # the adviser's document could not be appended
    document_name: str | None = None

    @property
    def summary(self) -> str:
        """Section K's line for this advice, in the family's words: received (and where it is
        set out), existing advice agreed sufficient (Regs 6(4)), or why the plan goes ahead
        without it."""
        who = f"{self.organisation} ({words(self.role)})"
        if self.existing_advice_accepted:
            agreed = f" on {_long(self.existing_advice_agreed_on)}" if self.existing_advice_agreed_on else ""
            source = f": {self.existing_advice_source}" if self.existing_advice_source else ""
            return (
                f"{who}: advice already given, which you, its author and the council agreed{agreed} "
                f"is sufficient, so it was not sought again{source}."
            )
        asked = f"{who}: requested {_long(self.requested_on)}, "
        if self.received_on is None:
            if self.gap_reason is not None and self.gap_reason in ADVICE_GAP_WORDS:
                because = ADVICE_GAP_WORDS[self.gap_reason]
                return f"{asked}not received. The plan goes ahead without it because {because}."
            return f"{asked}not received."
        line = f"{asked}received {_long(self.received_on)}"
        if self.appendix is not None:
            line += f": Appendix {self.appendix}"
        line += "."
        if self.document_enclosed:
            named = f", {self.document_name}," if self.document_name else ""
            line += f" Their document{named} is enclosed separately."
        if self.appendix is None and not self.document_enclosed:
            line += " It is held by the council: ask us for a copy."
        return line


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
    # Regs 12(1)(k): the advice received, set out in appendices to the final plan.
    appendices: tuple[Appendix, ...] = ()
    # Section J worded from the personal-budget record (paragraphs, family-facing).
    budget_text: tuple[str, ...] = ()
    # s.38(2)(b): the school the family asked for, shown to the caseworker in the draft.
    requested_school: str | None = None

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
        if not self.requested_school:
            return PLACEMENT_PROMPT
        return PLACEMENT_PROMPT.removesuffix(" Delete this note.") + (
            f" The family asked for {_one_line(self.requested_school)} to be named (Children and "
            "Families Act 2014 s38(2)(b)): consult it (s39(2)) before the plan is finalised. "
            "Delete this note."
        )

    @property
    def personal_budget_prompt(self) -> str:
        """The drafting note for section J: the record's wording to draft from."""
        if not self.budget_text:
            return PERSONAL_BUDGET_PROMPT
        return (
            f"{DRAFTING_NOTE_PREFIX} the personal budget record says: "
            f'"{_one_line(" ".join(self.budget_text))}" Write section J in the council\'s words from it: '
            "the amount, the provision it secures and the outcomes it supports, and any direct payments "
            "(Regs 12(1)(j)); if none has been asked for, say how the family can ask for one "
            "(Children and Families Act 2014 s49). Delete this note."
        )

    @property
    def no_advice_prompt(self) -> str:
        return NO_ADVICE_PROMPT


class BudgetSource(Protocol):
    """The personal-budget record as `build_plan` reads it (family_safe.PersonalBudgetView)."""

    @property
    def requested_on(self) -> date: ...
    @property
    def agreed(self) -> bool | None: ...
    @property
    def decided_on(self) -> date | None: ...
    @property
    def amount_per_year(self) -> int | None: ...
    @property
    def covers(self) -> str | None: ...
    @property
    def direct_payments_requested(self) -> bool: ...
    @property
    def direct_payments(self) -> bool: ...
    @property
    def reasons(self) -> str | None: ...


def personal_budget_words(budget: BudgetSource | None, *, final: bool) -> tuple[str, ...]:
    """Section J from the record, in plain words, one paragraph per item.

    Children and Families Act 2014 s49(1): a council "must prepare a personal budget" for a
    child or young person it maintains, or is securing the preparation of, an EHC plan for
    "if asked to do so by the child's parent or the young person"; s49(2): it does so "if it
    identifies an amount as available to secure particular provision that is specified, or
    proposed to be specified, in the EHC plan, with a view to the child's parent or the young
    person being involved in securing the provision". Regs 12(1)(j): the plan sets out "the
    personal budget (including arrangements for direct payments) which will be used to
    secure the provision". The Personal Budgets Regulations 2014: reg 4 says when a request
    may be made (while the plan is prepared, reviewed or re-assessed: its explanatory note
    and the DfE's summary; the regulation's own words were not reachable from here); reg 4A
    lets the council decline where the amount "cannot be disaggregated" from a block
    contract; where it refuses direct payments it must give its reasons and tell the family
    they may ask for a review (reg 7, as the regulation is summarised by counsel; the brief
    suggested reg 8, which is the notice of the provision direct payments are agreed for).
    No regulation number is put in the family's words for that reason.
    """
    if budget is None:
        when = (
            "when this plan is reviewed or re-assessed"
            if final
            else "now, while this plan is being prepared, or when it is reviewed or re-assessed"
        )
        return (
            "No personal budget has been requested.",
            "A personal budget is an amount of money we identify to secure particular provision in "
            "this plan, with you involved in securing it; some or all of it can be paid to you as "
            f"direct payments. You can ask us to prepare one {when} "
            "(Children and Families Act 2014, section 49).",
        )
    asked = f"You asked for a personal budget on {_long(budget.requested_on)}."
    if budget.agreed is None:
        return (
            asked,
            "We have not yet decided on it. We will tell you our decision in writing, with our "
            "reasons if we do not agree it.",
        )
    decided = f" on {_long(budget.decided_on)}" if budget.decided_on else ""
    if not budget.agreed:
        return (
            asked,
            f"We decided{decided} not to agree a personal budget, because: {budget.reasons or ''}",
            "If you disagree, you can ask us to reconsider; you can also ask again when this plan is "
            "reviewed or re-assessed.",
        )
    amount = f" of £{budget.amount_per_year:,} a year" if budget.amount_per_year else ""
    paragraphs = [
        asked,
        f"We agreed{decided} a personal budget{amount}. It will be used to secure: {budget.covers or ''}",
    ]
    if budget.direct_payments:
        paragraphs.append(
            "It will be paid to you as direct payments, so that you can arrange this provision yourselves."
        )
    elif budget.direct_payments_requested:
        paragraphs.append(
            f"You asked for direct payments. We decided not to make them, because: {budget.reasons or ''}"
        )
        paragraphs.append(
            "We arrange this provision with you. You can ask us to review our decision not to make "
            "direct payments."
        )
    else:
        paragraphs.append("No direct payments: we arrange this provision with you.")
    return tuple(paragraphs)


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
    @property
    def key(self) -> str: ...
    @property
    def has_document(self) -> bool: ...
    @property
    def gap_reason(self) -> str | None: ...
    @property
    def existing_advice_source(self) -> str | None: ...
    @property
    def existing_advice_agreed_on(self) -> date | None: ...
    @property
    def document_name(self) -> str | None: ...
    @property
    def document_format(self) -> str | None: ...
    @property
    def document_pages(self) -> int | None: ...


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
    @property
    def requested_school(self) -> str | None: ...
    @property
    def personal_budget(self) -> BudgetSource | None: ...


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
                gaps.append(
                    Gap(
                        role=advice.role,
                        organisation=advice.organisation,
                        due_on=advice.due_on,
                        overdue=on > advice.due_on,
                    )
                )
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
    appendices = _appendices(view.advice)
    numbers = {appendix.key: appendix.number for appendix in appendices}
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
                key=advice.key,
                role=advice.role,
                organisation=advice.organisation,
                requested_on=advice.requested_on,
                received_on=advice.received_on,
                existing_advice_accepted=advice.existing_advice_accepted,
                existing_advice_source=advice.existing_advice_source,
                existing_advice_agreed_on=advice.existing_advice_agreed_on,
                gap_reason=advice.gap_reason,
                appendix=numbers.get(advice.key),
                document_name=advice.document_name,
                document_enclosed=advice.received_on is not None
                and advice.has_document
                and not advice.document_pages,
            )
            for advice in view.advice
        ),
        written_by_council=council_text is not None,
        appendices=appendices,
        budget_text=personal_budget_words(view.personal_budget, final=final),
        requested_school=view.requested_school,
    )


def _appendices(advice: Sequence[AdviceSource]) -> tuple[Appendix, ...]:
    """An appendix for each piece of advice received with text or a document, in request
    order. Advice agreed sufficient under Regs 6(4), or not received, is listed in K only."""
    appendices: list[Appendix] = []
    for item in advice:
        texts = [
            AppendixSection(code=code, title=SECTIONS[code].title if code in SECTIONS else code, text=text)
            for code in PLAN_SECTIONS
            if (text := item.sections.get(code, "")).strip()
        ]
        if item.received_on is None or not (texts or item.has_document):
            continue
        appendices.append(
            Appendix(
                number=len(appendices) + 1,
                key=item.key,
                role=item.role,
                organisation=item.organisation,
                received_on=item.received_on,
                sections=tuple(texts),
                document_name=item.document_name,
                document_format=item.document_format,
                document_pages=item.document_pages,
                has_document=item.has_document,
            )
        )
    return tuple(appendices)


def _long(day: date | None) -> str:
    """5 January 2026, as GOV.UK writes dates (rendering.long_date, for pure code)."""
    return f"{day.day} {day:%B %Y}" if day else ""


def _one_line(text: str) -> str:
    """Word cannot take a newline inside a paragraph: the note is one line."""
    return " ".join(text.split())
