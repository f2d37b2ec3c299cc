"""The statutory letters: each carries what the law requires, as a tagged PDF.

Every letter is rendered from the sample case (ehcp/documents/sample.py) and its
text read back from the PDF, so the tests check what a family or adviser would
actually read, not the template source.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from ehcp.documents.context import council_details, document_context
from ehcp.documents.family_safe import FamilyView
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render, render_html
from ehcp.documents.sample import SAMPLE_DATED_ON, SAMPLE_REF, sample_context, sample_view

LETTERS = sorted(name for name, kind in KINDS.items() if kind.template.startswith("letters/"))
FAMILY_LETTERS = [name for name in LETTERS if KINDS[name].audience == "family"]
APPEALABLE = ["decision_not_to_assess_letter", "decision_not_to_issue_letter", "final_plan_letter"]
APPEAL_BY = "11 July 2026"  # 2 months from the sample letter's date, 11 May 2026
LOCAL_OFFER = "https://www.example-borough.gov.uk/local-offer"
NO_REASONS = "Please contact us for a full explanation of our reasons."


def text_of(pdf: bytes) -> str:
    """The PDF's text on one line: pypdf wraps lines where the layout does."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def squashed(text: str) -> str:
    """Text without spaces, to find web addresses that pypdf split at a line end."""
    return "".join(text.split())


def letter_text(name: str, council, view: FamilyView | None = None) -> str:
    return text_of(render(KINDS[name], sample_context(name, council, view)))


def with_decision(kind: str, **changes) -> FamilyView:
    """The sample case with its `kind` decision ("assessment" or "issue") changed."""
    view = sample_view()
    decisions = tuple(
        item.model_copy(update=changes) if item.kind == kind else item for item in view.decisions
    )
    return view.model_copy(update={"decisions": decisions})


@pytest.fixture(scope="module")
def pdfs(council) -> dict[str, bytes]:
    return {name: render(KINDS[name], sample_context(name, council)) for name in LETTERS}


@pytest.fixture(scope="module")
def texts(pdfs) -> dict[str, str]:
    return {name: text_of(pdf) for name, pdf in pdfs.items()}


def test_there_are_nine_letters():
    assert len(LETTERS) == 9


@pytest.mark.parametrize("name", LETTERS)
def test_every_letter_is_a_tagged_pdf_in_british_english_with_its_title(name, pdfs):
    reader = PdfReader(io.BytesIO(pdfs[name]))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == f"{KINDS[name].title} ({SAMPLE_REF})"


@pytest.mark.parametrize("name", LETTERS)
def test_every_letter_has_the_date_reference_child_title_and_signatory(name, texts, council):
    text = texts[name]
    assert "Date: 11 May 2026" in text
    assert f"Our reference: {SAMPLE_REF}" in text
    assert KINDS[name].title in text
    assert "About: Robin Example" in text
    assert council.letterhead.signatory.name in text


@pytest.mark.parametrize("name", FAMILY_LETTERS)
def test_every_family_letter_points_to_sendiass_and_the_local_offer(name, texts, council):
    text = texts[name]
    assert "Dear Jo Example and Sam Example-Smith" in text
    assert council.letterhead.iass.name in text
    assert LOCAL_OFFER in squashed(text)


@pytest.mark.parametrize("name", APPEALABLE)
def test_an_appealable_decision_gives_the_tribunal_time_limit_mediation_and_disagreement_resolution(
    name, texts, council
):
    text = texts[name]
    assert "SEND Tribunal" in text
    assert f"within 2 months of the date of this letter, that is by {APPEAL_BY}" in text
    assert "within 1 month of the date of a mediation certificate, whichever is later" in text
    assert council.letterhead.mediation.name in text
    assert council.letterhead.disagreement_resolution.name in text
    assert council.letterhead.iass.name in text


@pytest.mark.parametrize("name", sorted(set(LETTERS) - set(APPEALABLE)))
def test_a_letter_without_an_appealable_decision_does_not_set_an_appeal_deadline(name, texts):
    assert APPEAL_BY not in texts[name]
    assert "mediation certificate" not in texts[name]


def test_an_acknowledgement_gives_the_date_of_receipt_and_when_we_will_decide(texts):
    text = texts["acknowledgement_letter"]
    assert "which we received on 5 January 2026" in text
    assert "our decision by 16 February 2026" in text


def test_a_considering_notice_asks_the_icb_social_care_and_the_school_for_information(texts):
    text = texts["considering_notice_letter"]
    assert (
        "To: Example Integrated Care Board (SEND), Example Borough Children's Social Care "
        "and the head teacher" in text
    )
    assert "Exampleton Academy" in text
    assert "regulation 4(2)" in text
    assert "We received the request on 5 January 2026" in text
    assert "by 16 February 2026" in text
    assert "Please send it as soon as you can" in text
    assert "send.team@example-borough.gov.uk, quoting reference EHC-2026-000042" in text


def test_a_considering_notice_for_a_case_without_a_setting_addresses_the_school_in_general(council):
    view = sample_view().model_copy(update={"setting_name": None})
    text = letter_text("considering_notice_letter", council, view)
    assert "head teacher, early years lead or principal of the child's school" in text


def test_a_decision_to_assess_gives_reasons_and_names_each_adviser_with_their_six_weeks(texts):
    text = texts["decision_to_assess_letter"]
    assert "We have decided to carry out an EHC needs assessment." in text
    assert "Robin's progress has stalled despite SEN support over two years." in text
    assert "Example Integrated Care Board (health advice), by 23 March 2026" in text
    assert "Example Borough Children's Social Care (social care advice)" in text
    assert "Family (" not in text  # the family is asked for its views, not listed as an adviser
    assert "6 weeks" in text
    assert "final plan by 25 May 2026" in text
    assert "copy of this letter to the integrated care board, children's social care" in text


def test_a_decision_not_to_assess_gives_reasons_and_the_right_to_appeal(council):
    reasons = "Robin is making good progress with the support his school already gives."
    view = with_decision("assessment", outcome="do_not_assess", reasons=reasons)
    text = letter_text("decision_not_to_assess_letter", council, view)
    assert "We have decided not to carry out an EHC needs assessment." in text
    assert f"Our reasons {reasons}" in text
    assert "against our decision not to carry out an EHC needs assessment" in text
    assert APPEAL_BY in text


def test_a_decision_not_to_issue_gives_reasons_and_says_who_else_is_told(council):
    reasons = "Robin's needs can be met from the resources his school already has."
    view = with_decision("issue", outcome="do_not_issue", reasons=reasons)
    text = letter_text("decision_not_to_issue_letter", council, view)
    assert "We have decided not to issue an EHC plan." in text
    assert f"Our reasons {reasons}" in text
    assert "within 16 weeks" in text
    assert "We will share with you the advice and information we gathered" in text
    assert "telling Exampleton Academy and the integrated care board" in text
    assert "against our decision not to issue an EHC plan" in text


def test_an_advice_request_asks_for_specific_quantified_advice_by_the_due_date(texts):
    text = texts["advice_request_letter"]
    assert "Dear colleague at Example Integrated Care Board" in text
    assert "regulation 6(1)" in text
    assert "health advice and information" in text
    assert "Please give your advice by 23 March 2026" in text
    assert "Section C: Health needs related to special educational needs" in text
    assert "Section G: Health provision" in text
    assert "quantified" in text
    # The review: an adviser may say what kind of placement meets the needs.
    assert "Please do not say which school, college or other setting" not in text
    assert "send.team@example-borough.gov.uk, quoting reference EHC-2026-000042" in text


def test_an_advice_request_explains_the_exceptions_to_its_deadline(texts):
    text = texts["advice_request_letter"]
    assert "Tell us at once if you cannot give your advice by 23 March 2026" in text
    assert "regulation 8(2)" in text
    assert "fails to keep an appointment for an examination or a test" in text
    assert "a waiting list is not one of them" in text


def test_an_advice_request_to_the_family_asks_for_their_views_and_offers_support(council):
    context = document_context(
        sample_view(),
        council=council_details(council),
        kind=KINDS["advice_request_letter"],
        subject="family",
        dated_on=SAMPLE_DATED_ON,
    )
    text = text_of(render(KINDS["advice_request_letter"], context))
    assert "Dear Jo Example and Sam Example-Smith" in text
    assert "Dear colleague" not in text
    assert "Please give your views by 23 March 2026" in text
    assert council.letterhead.iass.name in text


def test_a_draft_plan_letter_gives_15_days_a_meeting_and_the_right_to_ask_for_a_school(texts):
    text = texts["draft_plan_letter"]
    assert "Section I" in text and "is left blank in the draft" in text
    assert "at least 15 days, beginning with the day you receive the draft" in text
    assert "ask for a meeting with one of our officers" in text
    assert "ask for a particular school or college to be named" in text
    assert "academy" in text and "section 41" in text
    assert "we must consult it" in text
    assert "efficient education of others or the efficient use of resources" in text
    assert "personal budget" in text
    assert "final plan by 25 May 2026" in text
    assert "You cannot appeal against a draft plan." in text


def test_a_draft_plan_letter_says_where_to_find_information_about_schools(texts):
    text = texts["draft_plan_letter"]
    assert "Information about the schools and colleges available" in text
    assert LOCAL_OFFER in squashed(text)


def test_a_final_plan_letter_names_the_setting_and_gives_the_right_to_appeal(texts):
    text = texts["final_plan_letter"]
    assert "Section I of the plan names Exampleton Academy" in text
    assert "section B" in text and "section F" in text and "or that no school is named" in text
    assert "You do not need a certificate if your appeal is only about the school" in text
    assert "within 12 months" in text


def test_a_final_plan_letter_without_a_named_setting_says_none_is_named(council):
    view = sample_view().model_copy(update={"named_setting": None})
    text = letter_text("final_plan_letter", council, view)
    assert "does not name a particular school or other institution" in text


def test_an_exception_notice_gives_the_ground_its_dates_and_the_explanation(texts):
    text = texts["exception_notice_letter"]
    assert "exceptional personal circumstances" in text
    assert "It applies from 2 March 2026 to 13 March 2026." in text
    assert "Robin was in hospital for two weeks." in text
    assert "act as soon as we can" in text


def test_an_exception_notice_during_the_assessment_names_the_limits_that_may_be_missed(council):
    view = sample_view()
    exception = view.exceptions[0].model_copy(update={"ends_on": None, "explanation": None})
    view = view.model_copy(
        update={"exceptions": (exception,), "decisions": (), "final_issued_on": None, "draft_served_on": None}
    )
    text = letter_text("exception_notice_letter", council, view)
    assert "It applies from 2 March 2026." in text
    assert "by 16 February 2026, the usual time limit" in text
    assert "by 25 May 2026, the usual time limit" in text


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("decision_to_assess_letter", "assessment"),
        ("decision_not_to_assess_letter", "assessment"),
        ("decision_not_to_issue_letter", "issue"),
    ],
)
def test_text_typed_into_reasons_is_printed_as_text_not_markup(name, kind, council):
    view = with_decision(kind, reasons="<b>x</b> & y")
    context = sample_context(name, council, view)
    html = render_html(KINDS[name], context)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert "<b>x" not in html
    assert "<b>x</b> & y" in text_of(render(KINDS[name], context))


def test_text_typed_into_an_exception_or_an_organisation_is_printed_as_text(council):
    view = sample_view()
    exception = view.exceptions[0].model_copy(update={"explanation": '<script>alert("x")</script>'})
    advice = tuple(
        item.model_copy(update={"organisation": "<i>Health</i> & Co"}) if item.key == "health" else item
        for item in view.advice
    )
    view = view.model_copy(update={"exceptions": (exception,), "advice": advice})
    exception_html = render_html(
        KINDS["exception_notice_letter"], sample_context("exception_notice_letter", council, view)
    )
    assert "&lt;script&gt;" in exception_html and "<script>" not in exception_html
    advice_html = render_html(
        KINDS["advice_request_letter"], sample_context("advice_request_letter", council, view)
    )
    assert "&lt;i&gt;Health&lt;/i&gt; &amp; Co" in advice_html and "<i>Health" not in advice_html


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("decision_to_assess_letter", "assessment"),
        ("decision_not_to_assess_letter", "assessment"),
        ("decision_not_to_issue_letter", "issue"),
    ],
)
def test_a_letter_for_a_decision_without_written_reasons_still_renders(name, kind, council):
    text = letter_text(name, council, with_decision(kind, reasons=None))
    assert "None" not in text
    if name != "decision_to_assess_letter":
        assert NO_REASONS in text


@pytest.mark.parametrize("name", LETTERS)
def test_every_letter_renders_for_a_case_with_little_on_record(name, council):
    view = sample_view()
    view = view.model_copy(
        update={
            "child": None,
            "family_names": (),
            "setting_name": None,
            "named_setting": None,
            "decide_by": None,
            "final_by": None,
            "draft_served_on": None,
            "final_issued_on": None,
            "decisions": (),
            "exceptions": (view.exceptions[0].model_copy(update={"ends_on": None, "explanation": None}),),
        }
    )
    text = letter_text(name, council, view)
    assert KINDS[name].title in text
    assert "None" not in text
    assert "Date: 11 May 2026" in text


@pytest.mark.parametrize("name", ["decision_not_to_assess_letter", "decision_not_to_issue_letter"])
def test_a_refusal_letter_does_not_mention_the_placement_only_exemption(name, texts):
    # There is no plan and no named school to appeal about: the sentence would mislead.
    assert "only about the school" not in texts[name]
