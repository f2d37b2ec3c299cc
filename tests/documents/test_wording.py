"""The wording a statutory review asked for (issue 11, point 6), in the letters and emails.

Letters are rendered from the sample case (ehcp/documents/sample.py) and read back from
the PDF, as a family or adviser would read them. Emails are rendered from the start-up
check's sample variables (ehcp.rendering.sample_context), with the few that differ
between recipients set by each test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ehcp.documents.family_safe import AdviceView, ExceptionView, FamilyView
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import sample_context, sample_view
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole
from ehcp.rendering import render_email, render_email_html
from ehcp.rendering import sample_context as email_sample
from ehcp.text import words
from tests.support.documents import pdf_text

REFUSALS = ["decision_not_to_assess_letter", "decision_not_to_issue_letter"]
APPEALABLE = [*REFUSALS, "final_plan_letter"]
UNBOUND = sorted(set(ContributorRole) - BOUND_BY_REGS_8 - {ContributorRole.PARENT_OR_YOUNG_PERSON})

# Regs 8(1) and 8(2), as the request quotes them to a body they bind.
REGS_8_DUTY = "must comply with this request within 6 weeks of the date on which you receive it"
REGS_8_GROUNDS = (
    "exceptional circumstances affect the child, the child's parent or the young person "
    "during that 6 week period",
    "the child, the child's parent or the young person are absent from the area of the authority "
    "for a continuous period of not less than 4 weeks during that 6 week period",
    "the child or young person fails to keep an appointment for an examination or a test made by "
    "your organisation during that 6 week period",
)
NOT_AN_EXCEPTION = "These are the only exceptions: a waiting list is not one of them."
LIMIT = "the 20-week time limit for issuing the final EHC plan"


def letter(name: str, council, view: FamilyView | None = None) -> str:
    return pdf_text(render(KINDS[name], sample_context(name, council, view)))


def advice_letter(council, role: ContributorRole) -> str:
    """The sample's advice request letter (about its "health" request) sent to `role`."""
    view = sample_view()
    advice = tuple(
        item.model_copy(update={"role": role.value}) if item.key == "health" else item for item in view.advice
    )
    return letter("advice_request_letter", council, view.model_copy(update={"advice": advice}))


def email(purpose: str, **changes: Any) -> tuple[str, str]:
    """The email's plain text (subject first) and its HTML alternative."""
    context = email_sample() | changes
    subject, body = render_email(purpose, context)
    return f"{subject}\n{body}", render_email_html(purpose, context, subject=subject, text=body)


def one_line(text: str) -> str:
    return " ".join(text.split())


def squashed(text: str) -> str:
    """Without spaces: pypdf splits an email address where the page wrapped it."""
    return "".join(text.split())


def advice_request_email(role: ContributorRole) -> tuple[str, str]:
    """As ehcp.mail.messages addresses it: the family's request goes to the family's main
    contact by name, as "adviser:parent_or_young_person"; anyone else's to their organisation."""
    family = role is ContributorRole.PARENT_OR_YOUNG_PERSON
    text, html = email(
        "advice_request",
        role=words(role.value),
        recipient_name="Jo Example" if family else "Example Integrated Care Board",
        recipient_role=f"adviser:{role.value}",
    )
    return one_line(text), one_line(html)


# 1. Final plan: the named school must admit the child (CFA s.43(2)); the council secures the
# special educational provision (s.42(2)) and the ICB arranges the health care provision (s.42(3)).


def test_a_final_plan_letter_says_the_named_school_must_admit_the_child(council):
    text = letter("final_plan_letter", council)
    assert "Exampleton Academy must admit your child" in text


def test_a_final_plan_letter_says_the_council_secures_the_provision_not_the_school(council):
    text = letter("final_plan_letter", council)
    assert "We, the council, must secure the special educational provision in section F" in text
    assert "the integrated care board must arrange the health care provision in section G" in text
    assert "make the provision set out in the plan" not in text


def test_a_final_plan_email_says_who_admits_and_who_secures_the_provision():
    text, html = email("final_plan", named_setting="Exampleton Academy")
    text = one_line(text)
    assert "Exampleton Academy must admit the child" in text
    assert "It is the council that must secure the special educational provision in section F" in text
    assert "integrated care board must arrange the health care provision in section G" in text
    assert "must secure the special educational provision" in html


def test_a_final_plan_email_without_a_named_setting_does_not_print_a_blank_name():
    text, _ = email("final_plan", named_setting="")
    text = one_line(text)
    assert " must admit the child" not in text
    assert "It is the council that must secure the special educational provision in section F" in text


# 2. Advice requests: no bar on recommending a placement; the Regs 8 duty and its exceptions
# only to the bodies Regs 8(1) binds; the family is not addressed as a professional.


def test_the_regs_8_bodies_are_health_and_social_care():
    assert {ContributorRole.HEALTH, ContributorRole.SOCIAL_CARE} == BOUND_BY_REGS_8


@pytest.mark.parametrize("role", list(ContributorRole))
def test_an_advice_view_knows_whether_regs_8_binds_its_adviser(role):
    advice = sample_view().advice[0].model_copy(update={"role": role.value})
    assert isinstance(advice, AdviceView)
    assert advice.bound_by_regs8 is (role in BOUND_BY_REGS_8)


@pytest.mark.parametrize("role", [ContributorRole.HEALTH, ContributorRole.EDUCATIONAL])
def test_an_advice_request_does_not_tell_advisers_not_to_recommend_a_placement(council, role):
    text = advice_letter(council, role)
    assert "type of placement" not in text
    assert "Please do not say which school" not in text


@pytest.mark.parametrize("role", sorted(BOUND_BY_REGS_8))
def test_an_advice_request_to_a_regs_8_body_states_the_duty_and_the_regs_8_2_exceptions(council, role):
    text = advice_letter(council, role)
    assert "Please give your advice by 23 March 2026" in text
    assert REGS_8_DUTY in text and "regulation 8(1)" in text
    assert "regulation 8(2)" in text
    for ground in REGS_8_GROUNDS:
        assert ground in text
    assert NOT_AN_EXCEPTION in text


@pytest.mark.parametrize("role", UNBOUND)
def test_an_advice_request_to_the_school_or_another_adviser_does_not_claim_the_regs_8_duty(council, role):
    text = advice_letter(council, role)
    assert "Please give your advice by 23 March 2026" in text
    assert "8(1)" not in text and "8(2)" not in text
    assert "6 weeks" not in text
    assert "waiting list" not in text


def test_an_advice_request_letter_to_the_family_does_not_treat_them_as_a_professional(council):
    text = advice_letter(council, ContributorRole.PARENT_OR_YOUNG_PERSON)
    assert "Dear Jo Example and Sam Example-Smith" in text
    assert "colleague" not in text.lower()
    assert "8(1)" not in text and "8(2)" not in text
    assert "Please give your views by 23 March 2026" in text


@pytest.mark.parametrize("role", sorted(BOUND_BY_REGS_8))
def test_an_advice_request_email_to_a_regs_8_body_states_the_duty_and_its_exceptions(role):
    for body in advice_request_email(role):
        assert "Regulation 8(1)" in body and REGS_8_DUTY in body
        assert "Regulation 8(2)" in body
        assert NOT_AN_EXCEPTION in body


@pytest.mark.parametrize("role", UNBOUND)
def test_an_advice_request_email_to_the_school_or_another_adviser_does_not_claim_the_regs_8_duty(role):
    for body in advice_request_email(role):
        assert "Please send it by 24 March 2026" in body
        assert "Regulation 8" not in body
        assert "six weeks" not in body and "6 weeks" not in body


def test_an_advice_request_email_to_the_family_does_not_treat_them_as_a_professional():
    for body in advice_request_email(ContributorRole.PARENT_OR_YOUNG_PERSON):
        assert "colleague" not in body.lower()
        assert "Regulation 8" not in body and "Regulation 6(1)" not in body
        assert "your views" in body and "by 24 March 2026" in body


@pytest.mark.parametrize("role", list(ContributorRole))
def test_an_advice_request_email_claims_the_regs_8_duty_exactly_for_the_bodies_it_binds(role):
    # The email template knows the adviser only by its role in words: this keeps its list
    # of the Regs 8 bodies the same as BOUND_BY_REGS_8.
    text, html = advice_request_email(role)
    assert ("Regulation 8(1)" in text) is (role in BOUND_BY_REGS_8)
    assert ("Regulation 8(1)" in html) is (role in BOUND_BY_REGS_8)


# 3. Appealable decisions: before appealing, contact a mediation adviser and tell the council
# whether you will pursue mediation, about which issues, and how (CFA s.52-55; Regs 32, 33).


@pytest.mark.parametrize("name", APPEALABLE)
def test_an_appealable_decision_says_to_tell_the_council_whether_and_about_what_to_pursue_mediation(
    name, council
):
    text = letter(name, council)
    head = council.letterhead
    mediation = head.mediation
    assert "Before you appeal to the Tribunal you must contact the mediation adviser" in text
    assert "let us know whether you will pursue mediation and, if you will, which issues" in text
    assert f"{mediation.name} Telephone: {mediation.telephone} Email: {mediation.email}" in text
    tell_us = f"write to us at {', '.join(head.address)}, or email us at {head.email}"
    assert squashed(tell_us) in squashed(text)
    # The existing appeal time limits stay.
    assert "within 2 months of the date of this letter, that is by 11 July 2026" in text
    assert "within 1 month of the date of a mediation certificate, whichever is later" in text


def test_a_final_plan_letter_says_mediation_can_include_the_health_and_social_care_parts(council):
    text = letter("final_plan_letter", council)
    assert "The issues can include the health care and social care parts of the plan" in text
    assert "what health care provision you want the plan to specify" in text


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refusal_letter_does_not_talk_of_the_parts_of_a_plan_in_its_mediation_issues(name, council):
    assert "social care parts of the plan" not in letter(name, council)


# 4. Acknowledgement: the 6-, 16- and 20-week limits (Regs 5(1), 10(1), 13(2)) and that the
# exceptions in Regs 5(4), 10(4) and 13(3) may apply, in which case the family is told.


def test_an_acknowledgement_letter_gives_the_6_16_and_20_week_limits(council):
    text = letter("acknowledgement_letter", council)
    assert "our decision by 16 February 2026" in text
    assert "we must tell you by 27 April 2026" in text and "16 weeks" in text
    assert "by 25 May 2026" in text


def test_an_acknowledgement_letter_says_exceptions_may_apply_and_the_family_would_be_told(council):
    text = letter("acknowledgement_letter", council)
    assert "The regulations set out exceptions" in text
    assert "summer holidays" in text
    assert "exceptional personal circumstances" in text
    assert "away from the area for 4 weeks or more in a row" in text
    assert "If an exception applies, we will tell you" in text


def test_an_acknowledgement_email_gives_the_16_week_limit_and_the_exceptions():
    text, html = email("acknowledgement")
    text = one_line(text)
    assert "by 16 February 2026" in text and "by 25 May 2026" in text
    assert "within 16 weeks of receiving your request" in text
    assert "exceptions set out in the regulations" in text
    assert "summer holidays" in text and "If an exception applies, we will tell you" in text
    assert "within 16 weeks of receiving your request" in one_line(html)


# 5. Exception notices name the limit the exception affects.


def test_an_exception_notice_letter_names_the_limit_it_affects(council):
    view = sample_view()
    # Validated, so that the test needs the real field (model_copy would add any attribute).
    exception = ExceptionView.model_validate(view.exceptions[0].model_dump() | {"limit": LIMIT})
    text = letter("exception_notice_letter", council, view.model_copy(update={"exceptions": (exception,)}))
    assert f"It affects {LIMIT}." in text


def test_an_exception_applied_email_names_the_limit_it_affects():
    # ehcp.mail.messages does not pass `exception_limit` yet: the test gives it as it should.
    text, html = email("exception_applied", exception_limit=LIMIT)
    assert f"It affects {LIMIT}." in one_line(text)
    assert f"It affects {LIMIT}." in one_line(html)
