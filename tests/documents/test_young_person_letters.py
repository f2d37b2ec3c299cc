"""A young person holds the rights (CFA 2014 s.83(2)): letters are addressed to them ("you",
"your draft EHC plan"), not to a parent about "your child". And the letters say who asked
(s.36(1)) or that the child was brought to the council's attention (s.24), naming no one.

Letters are rendered from the sample case (ehcp/documents/sample.py), changed only where
the test says, and read back from the PDF.
"""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.documents.context import council_details, document_context
from ehcp.documents.family_safe import FamilyView, family_view
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import SAMPLE_DATED_ON, sample_context, sample_subject, sample_view
from ehcp.domain.young_person import compulsory_school_age_ends
from tests.db import factories
from tests.support.documents import pdf_text

# Every letter the family gets (the advice request is another helper's: see its own tests).
FAMILY_LETTERS = [
    "acknowledgement_letter",
    "decision_to_assess_letter",
    "decision_not_to_assess_letter",
    "decision_not_to_issue_letter",
    "draft_plan_letter",
    "exception_notice_letter",
    "final_plan_letter",
]
OPENING_LETTERS = ["acknowledgement_letter", "decision_to_assess_letter", "decision_not_to_assess_letter"]
# Turned 16 in January 2024, so over compulsory school age from 29 June 2024: a young
# person on the sample letters' date (11 May 2026).
YOUNG_PERSON_BORN = date(2008, 1, 15)


def view_of(**changes) -> FamilyView:
    """The sample view, changed and validated again (so a misspelt field fails the test)."""
    view = sample_view()
    if "date_of_birth" in changes:
        child = view.child.model_copy(update={"date_of_birth": changes.pop("date_of_birth")})
        changes["child"] = child
    return FamilyView.model_validate(view.model_dump() | changes)


def letter(name: str, council, view: FamilyView | None = None) -> str:
    return pdf_text(render(KINDS[name], sample_context(name, council, view)))


@pytest.mark.parametrize("name", FAMILY_LETTERS)
def test_a_letter_about_a_young_person_is_addressed_to_them_and_never_says_your_child(name, council):
    text = letter(name, council, view_of(date_of_birth=YOUNG_PERSON_BORN))
    assert "Dear Robin Example" in text
    assert "Dear Jo Example" not in text
    assert "your child" not in text.lower()


@pytest.mark.parametrize("name", FAMILY_LETTERS)
def test_a_letter_about_a_child_is_addressed_to_the_parents(name, council):
    text = letter(name, council)
    assert "Dear Jo Example and Sam Example-Smith" in text
    assert "your child" in text.lower()


def test_a_young_persons_draft_plan_letter_speaks_of_your_draft_ehc_plan(council):
    text = letter("draft_plan_letter", council, view_of(date_of_birth=YOUNG_PERSON_BORN))
    assert "Your draft EHC plan is attached" in text
    assert "It sets out your needs, the outcomes you are working towards and the support you will get" in text
    assert "You can ask for your plan to name a school or college" in text


def test_a_young_persons_final_plan_letter_says_the_named_college_must_admit_them(council):
    text = letter("final_plan_letter", council, view_of(date_of_birth=YOUNG_PERSON_BORN))
    assert "By law, Exampleton Academy must admit you." in text
    assert "special educational provision in section F of the plan for you." in text


def test_the_young_person_flag_turns_the_day_after_the_last_friday_in_june(council):
    born = date(2010, 8, 31)  # compulsory school age ends on Friday 26 June 2026
    view = view_of(date_of_birth=born)
    assert compulsory_school_age_ends(born) == date(2026, 6, 26)

    def flag(on: date) -> bool:
        kind = KINDS["acknowledgement_letter"]
        return document_context(
            view, council=council_details(council), kind=kind, subject=None, dated_on=on
        ).letter.young_person

    assert flag(date(2026, 6, 26)) is False
    assert flag(date(2026, 6, 27)) is True


def test_the_sample_childs_letters_are_not_young_person_letters(council):
    context = sample_context("acknowledgement_letter", council)
    assert context.letter.dated_on == SAMPLE_DATED_ON and context.letter.young_person is False


# Who asked (s.36(1)), or who told the council (s.24).


def test_the_familys_own_request_is_thanked_as_their_request(council):
    text = letter("acknowledgement_letter", council)
    assert "Thank you for your request for an education, health and care (EHC) needs assessment" in text


@pytest.mark.parametrize("name", OPENING_LETTERS)
def test_a_child_brought_to_attention_by_health_is_not_called_the_familys_request(name, council):
    text = letter(name, council, view_of(request_source="health"))
    if name == "acknowledgement_letter":
        assert "Whether an EHC needs assessment is needed" in text
    assert "your request" not in text.lower()
    assert "A health professional told us about your child on 5 January 2026" in text
    assert "considering whether an education, health and care (EHC) needs assessment is needed" in text


def test_a_school_request_says_the_school_asked(council):
    text = letter("acknowledgement_letter", council, view_of(request_source="setting"))
    assert (
        "Exampleton Academy asked us to carry out an education, health and care (EHC) needs assessment"
        in text
    )
    assert "Thank you for your request" not in text
    assert "A request for an EHC needs assessment" in text


def test_a_young_person_told_about_by_social_care_is_told_so_in_their_own_words(council):
    text = letter(
        "acknowledgement_letter",
        council,
        view_of(request_source="social_care", date_of_birth=YOUNG_PERSON_BORN),
    )
    assert "A social care professional told us about you on 5 January 2026, and that you may have" in text


def test_a_decision_not_to_issue_for_a_child_brought_to_attention_counts_from_the_day_the_council_was_told(
    council,
):
    # Regs 10(1): 16 weeks of receiving a request "or of the local authority becoming
    # responsible for the child or young person in accordance with section 24".
    text = letter("decision_not_to_issue_letter", council, view_of(request_source="other_professional"))
    assert "within 16 weeks of the day we were told about your child" in text
    assert "receiving the request" not in text


def test_the_family_view_carries_the_cases_request_source(session, council, now):
    case = factories.open_case(session, council, now=now, request_source="health")
    timeline = factories.crud.case_timeline(session, case=case, council=council, today=date(2026, 1, 6))
    view = family_view(session, case=case, council=council, timeline=timeline)
    assert view.request_source == "health"
    assert view.brought_to_attention_by == "a health professional"
    assert not view.requested_by_family


# Regs 8(1) binds only the bodies asked under s.31 (health, social care).


def test_the_decision_to_assess_letter_gives_the_6_week_duty_only_to_the_bodies_regs_8_binds(council):
    text = letter("decision_to_assess_letter", council)
    assert "Each adviser has 6 weeks" not in text
    assert (
        "By law, Example Integrated Care Board and Example Borough Children's Social Care must give "
        "their advice within 6 weeks of the day they receive our request (regulation 8(1)" in text
    )
    assert "We have asked the others to give their advice by the date shown" in text


def test_a_decision_to_assess_letter_asking_only_the_school_claims_no_6_week_duty(council):
    view = sample_view()
    school_only = tuple(
        item for item in view.advice if item.role in ("educational", "parent_or_young_person")
    )
    text = letter(
        "decision_to_assess_letter", council, view_of(advice=[item.model_dump() for item in school_only])
    )
    assert "6 weeks" not in text and "regulation 8" not in text
    assert "We have asked each of them to give their advice by the date shown" in text


def test_sample_subjects_are_unchanged_for_the_letters_tested_here():
    # The exception notice renders its sample exception; the others have no subject.
    assert [sample_subject(name) for name in FAMILY_LETTERS if name != "exception_notice_letter"] == [
        None
    ] * 6
