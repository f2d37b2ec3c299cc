"""The EHC plan: an editable Word working draft and a tagged PDF final, sections A to K, with
a visible gap wherever advice is missing, read back as the family and the Tribunal would."""

from __future__ import annotations

import io
from datetime import date

import docx
from pypdf import PdfReader

from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import UNSAFE_TEXT, sample_context, sample_view
from ehcp.domain.ehc_plan import PLAN_SECTIONS, SECTION_HEADINGS, WORKING_DRAFT_BANNER
from tests.support.documents import docx_text, pdf_text

SOCIAL_CARE_GAP = (
    "advice from Example Borough Children's Social Care (social care) was due by 23 March 2026 "
    "and has not been received"
)


def draft_document(council, view=None) -> docx.document.Document:
    return docx.Document(
        io.BytesIO(render(KINDS["working_draft"], sample_context("working_draft", council, view)))
    )


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def test_the_word_draft_opens_as_a_working_draft_with_each_canonical_heading_in_order(council):
    document = draft_document(council)
    assert headings(document, 2) == list(SECTION_HEADINGS.values())
    assert [heading.split(":")[0].removeprefix("Section ") for heading in headings(document, 2)] == list(
        PLAN_SECTIONS
    )
    assert document.paragraphs[1].style.name == "Title" and "Draft" in document.paragraphs[1].text
    banner = document.paragraphs[2]
    assert banner.text == WORKING_DRAFT_BANNER and "NOT FOR SERVICE" in banner.text
    assert banner.style.font.bold  # it stands out on the page


def test_the_working_draft_shows_each_contributors_words_as_labelled_extracts(council):
    document = draft_document(council)
    texts = [p.text for p in document.paragraphs]
    at = texts.index(SECTION_HEADINGS["F"])
    section_f = document.paragraphs[at : texts.index(SECTION_HEADINGS["G"])]
    labels = [p.text for p in section_f if p.text.startswith("Extract from advice:")]
    assert labels == [
        "Extract from advice: educational, Exampleton Academy (received 16 March 2026) "
        "- to draft from, not for service",
        "Extract from advice: psychological, Example Educational Psychology Service (received 18 March 2026) "
        "- to draft from, not for service",
    ]
    extracts = [p.text for p in section_f if p.style.name == "Advice extract"]
    assert extracts == [
        "Daily 20-minute reading intervention with a trained teaching assistant.",
        "Visual supports in every lesson.",
    ]
    prompt = next(p.text for p in section_f if p.text.startswith("Drafting note:"))
    assert "specific, detailed and quantified" in prompt and "9.69" in prompt
    # The last paragraph of each section is empty: the caseworker writes there.
    assert section_f[-1].text == "" and section_f[-1].style.name == "Normal"


def test_missing_advice_is_a_visible_gap_naming_who_owes_it_in_every_section_it_informs(council):
    document = draft_document(council)
    texts = [p.text for p in document.paragraphs]
    gaps = [(i, text) for i, text in enumerate(texts) if SOCIAL_CARE_GAP in text]
    assert len(gaps) == 3  # sections D, H1 and H2
    owners = [
        next(texts[j] for j in range(i, -1, -1) if texts[j].startswith("Section ")).split(":")[0]
        for i, _ in gaps
    ]
    assert owners == ["Section D", "Section H1", "Section H2"]
    gap = document.paragraphs[gaps[0][0]]
    assert gap.style.font.bold  # it stands out on the page, not only in the words


def test_the_draft_leaves_section_i_blank_and_lists_every_piece_of_advice_in_k(council):
    text = docx_text(render(KINDS["working_draft"], sample_context("working_draft", council)))
    section_i = text.split("Section I:")[1].split("Section J:")[0]
    assert "leave section I blank in the draft" in section_i and "Exampleton Academy" not in section_i
    section_k = text.split("Section K:")[1]
    for advice in sample_view().advice:
        assert (
            f"{advice.organisation} ({advice.role.replace('_', ' ')}): requested 9 February 2026" in section_k
        )
    # The same line as the final plan's K: received, or not received (and why, if recorded).
    assert (
        "received 20 March 2026" in section_k
        and "(social care): requested 9 February 2026, not received." in section_k
    )


def test_preparation_for_adulthood_appears_from_year_9_only(council):
    view = sample_view()  # born October 2011: Year 9 in May 2026
    assert "Preparing for adulthood" in headings(draft_document(council, view), 1)
    younger = view.model_copy(
        update={"child": view.child.model_copy(update={"date_of_birth": date(2013, 10, 3)})}
    )
    assert "Preparing for adulthood" not in headings(draft_document(council, younger), 1)


def test_text_a_contributor_typed_is_plain_text_in_word(council):
    text = docx_text(render(KINDS["working_draft"], sample_context("working_draft", council)))
    assert UNSAFE_TEXT in text  # markup characters kept as typed, not interpreted or dropped


def test_the_final_plan_is_a_tagged_pdf_naming_the_setting_with_every_section(council):
    pdf = render(KINDS["final_plan"], sample_context("final_plan", council))
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
    text = pdf_text(pdf)
    positions = [text.index(f"Section {code}:") for code in PLAN_SECTIONS]
    assert positions == sorted(positions)
    section_i = text.split("Section I:")[1].split("Section J:")[0]
    assert "Exampleton Academy" in section_i
    assert SOCIAL_CARE_GAP in " ".join(text.split())
    assert UNSAFE_TEXT in text
    assert "Signed on behalf of Example Borough Council by Priya Shah, Head of SEND Services" in text


def test_a_final_plan_with_no_setting_named_shows_the_gap(council):
    view = sample_view().model_copy(update={"named_setting": None})
    text = pdf_text(render(KINDS["final_plan"], sample_context("final_plan", council, view)))
    assert "Gap: no school or other institution has been named." in text
