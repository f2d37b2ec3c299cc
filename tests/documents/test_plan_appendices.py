"""The final plan's section K and its appendices (Regs 12(1)(k): "the advice and information
obtained in accordance with regulation 6(1) shall be set out in appendices to the EHC plan"),
section J worded from the personal-budget record, and the family's requested school in the
working draft, rendered through the real store and read back as the family would read them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import docx
import pytest
from pypdf import PdfReader
from sqlmodel import select
from weasyprint import HTML

from ehcp.db import crud
from ehcp.db.models import AdviceRequest
from ehcp.db.personal_budget import record_personal_budget, validated
from ehcp.documents import produce
from ehcp.documents.family_safe import PersonalBudgetView
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import sample_context, sample_view
from ehcp.portal.submit import record_submission
from ehcp.portal.uploads import check_upload
from tests.db.factories import decide, open_case, record_advice_gap, request_advice, upload_plan
from tests.support.documents import docx_text, pdf_text

MARK = "INTERNAL-ONLY-5c1e"
ON = date(2026, 4, 20)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def adviser_pdf(*pages: str) -> bytes:
    html = "".join(f'<p style="break-before: page">{text}</p>' for text in pages)
    return HTML(string=f"<html><body>{html}</body></html>").write_pdf()


def adviser_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Psychology report.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def submit(session, council, store, case, key, *, sections, file=None, name=None, on):
    advice = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).one()
    checked = check_upload(name, file, max_bytes=10_000_000) if file is not None else None
    return record_submission(
        session,
        advice=advice,
        sections=sections,
        file=checked,
        via="portal",
        council=council,
        document_store=store,
        now=at(on),
        actor="test",
    )


@pytest.fixture
def case(session, council, tmp_path):
    """Advice of every kind: health's text and a 2-page PDF, the EP's text and a Word file,
    the school's text only, social care never received (a gap recorded), and the family's
    views already given and agreed sufficient (Regs 6(4)). A note planted in each request."""
    store = tmp_path / "documents"
    case = open_case(session, council, now=at(date(2026, 1, 5)))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 2)))
    for key, role, organisation in (
        ("family", "parent_or_young_person", "Family"),
        ("setting", "educational", "Example Primary School"),
        ("health", "health", "Example ICB"),
        ("psychological", "psychological", "Example EP Service"),
        ("social-care", "social_care", "Example Social Care"),
    ):
        request_advice(
            session, council, case, key=key, role=role, organisation=organisation, now=at(date(2026, 2, 2))
        )
    submit(session, council, store, case, "setting", sections={"B": "Reads below age."}, on=date(2026, 3, 2))
    submit(
        session,
        council,
        store,
        case,
        "health",
        sections={"C": "Dyspraxia.", "G": "Occupational therapy."},
        file=adviser_pdf("ADVISER-PAGE-ONE", "ADVISER-PAGE-TWO"),
        name="ICB report.pdf",
        on=date(2026, 3, 5),
    )
    submit(
        session,
        council,
        store,
        case,
        "psychological",
        sections={"F": "Visual supports."},
        file=adviser_docx(),
        name="EP report.docx",
        on=date(2026, 3, 6),
    )
    record_advice_gap(session, council, case, key="social-care", now=at(date(2026, 4, 1)))
    for row in session.exec(select(AdviceRequest).where(AdviceRequest.case_id == case.id)):
        row.internal_note = f"{MARK} {row.key}"
        if row.key == "family":
            row.existing_advice_accepted = True
            row.existing_advice_source = "The family's views given at the review in December 2025"
            row.existing_advice_agreed_on = date(2026, 2, 10)
        session.add(row)
    session.commit()
    return case


def final_plan(session, council, case) -> bytes:
    timeline = crud.case_timeline(session, case=case, council=council, today=ON)
    return produce(session, case=case, kind="final_plan", council=council, timeline=timeline, dated_on=ON)


def page_texts(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def test_an_advisers_pdf_is_appended_page_for_page_straight_after_its_appendix(session, council, case):
    content = final_plan(session, council, case)
    pages = page_texts(content)
    starts = {
        number: next(i for i, text in enumerate(pages) if f"Appendix {number}: advice from" in text)
        for number in (1, 2, 3)
    }
    # Appendices in request order: the school's, health's, the EP's (the family's views were
    # agreed sufficient, social care's never came: neither has an appendix).
    assert "Example Primary School" in pages[starts[1]] and "Example ICB" in pages[starts[2]]
    assert "Example EP Service" in pages[starts[3]]
    health = pages[starts[2] : starts[3]]
    assert [text for text in health if "ADVISER-PAGE" in text] == ["ADVISER-PAGE-ONE", "ADVISER-PAGE-TWO"]
    assert health[-2:] == ["ADVISER-PAGE-ONE", "ADVISER-PAGE-TWO"]  # after its text, before the next
    assert "ICB report.pdf, the document Example ICB sent, follows this appendix (2 pages)." in health[0]
    assert "For section C: Health needs related to special educational needs Dyspraxia." in health[0]
    # Still the tagged, titled PDF the plan is (PDF/UA-1): the adviser's pages are added to it.
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("EHC plan for")


def test_k_says_what_became_of_each_piece_of_advice(session, council, case):
    text = pdf_text(final_plan(session, council, case))
    section_k = squashed(text.split("Section K:")[1].split("Signed on behalf")[0])
    for line in (
        "Example Primary School (educational): requested 2 February 2026, received 2 March 2026: Appendix 1.",
        "Example ICB (health): requested 2 February 2026, received 5 March 2026: Appendix 2.",
        "Example EP Service (psychological): requested 2 February 2026, received 6 March 2026: Appendix 3. "
        "Their document, EP report.docx, is enclosed separately.",
        "Example Social Care (social care): requested 2 February 2026, not received. The plan goes ahead "
        "without it because the advice has not arrived although we asked for it, reminded and escalated.",
        "Family (parent or young person): advice already given, which you, its author and the council "
        "agreed on 10 February 2026 is sufficient, so it was not sought again: The family's views given "
        "at the review in December 2025.",
    ):
        assert squashed(line) in section_k, line
    assert squashed(
        "EP report.docx, the document Example EP Service sent, is enclosed separately."
    ) in squashed(text)
    assert MARK not in text  # no internal note reaches the plan


def test_a_pdf_that_cannot_be_read_is_said_to_be_enclosed_separately_not_appended(
    session, council, case, tmp_path
):
    submission_path = next((tmp_path / "documents").rglob("health-*.pdf"))
    submission_path.write_bytes(b"%PDF-1.7 damaged in the store")
    text = squashed(pdf_text(final_plan(session, council, case)))
    assert "ADVISER-PAGE" not in text
    assert squashed("ICB report.pdf, the document Example ICB sent, is enclosed separately.") in text
    assert (
        squashed("5 March 2026: Appendix 2. Their document, ICB report.pdf, is enclosed separately.") in text
    )


def squashed(text: str) -> str:
    """Without whitespace: the PDF's text breaks lines where the page does ("re- assessed")."""
    return "".join(text.split())


def budget(**values) -> PersonalBudgetView:
    base = {
        "requested_on": date(2026, 4, 1),
        "agreed": None,
        "decided_on": None,
        "amount_per_year": None,
        "covers": None,
        "direct_payments_requested": False,
        "direct_payments": False,
        "reasons": None,
    }
    return PersonalBudgetView(**{**base, **values})


def section_j(council, view, kind="final_plan") -> str:
    content = render(KINDS[kind], sample_context(kind, council, view))
    text = pdf_text(content) if kind == "final_plan" else docx_text(content)
    return text.split("Section J:")[1].split("Section K:")[0]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            None,
            [
                "No personal budget has been requested.",
                "You can ask us to prepare one when this plan is reviewed or re-assessed "
                "(Children and Families Act 2014, section 49).",
            ],
        ),
        (
            budget(),
            [
                "You asked for a personal budget on 1 April 2026.",
                "We have not yet decided on it. We will tell you our decision in writing",
            ],
        ),
        (
            budget(
                agreed=True,
                decided_on=date(2026, 4, 20),
                amount_per_year=4800,
                covers="Speech and language therapy at home.",
                direct_payments=True,
                direct_payments_requested=True,
            ),
            [
                "We agreed on 20 April 2026 a personal budget of £4,800 a year. It will be used to secure: "
                "Speech and language therapy at home.",
                "It will be paid to you as direct payments, so that you can arrange this provision "
                "yourselves.",
            ],
        ),
        (
            budget(
                agreed=True,
                decided_on=date(2026, 4, 20),
                covers="Speech and language therapy at home.",
                direct_payments_requested=True,
                reasons="The therapy is bought in a block contract.",
            ),
            [
                "You asked for direct payments. We decided not to make them, because: The therapy is "
                "bought in a block contract.",
                "You can ask us to review our decision not to make direct payments.",
            ],
        ),
        (
            budget(agreed=False, decided_on=date(2026, 4, 20), reasons="No amount can be separated out."),
            [
                "We decided on 20 April 2026 not to agree a personal budget, because: No amount can be "
                "separated out.",
                "If you disagree, you can ask us to reconsider",
            ],
        ),
    ],
    ids=["none", "asked", "agreed-with-direct-payments", "direct-payments-refused", "refused"],
)
def test_section_j_says_what_the_personal_budget_record_says(council, record, expected):
    text = squashed(section_j(council, sample_view().model_copy(update={"personal_budget": record})))
    for words in expected:
        assert squashed(words) in text


def test_the_working_draft_gives_section_j_from_the_record_as_a_drafting_note(council):
    record = budget(agreed=False, decided_on=date(2026, 4, 20), reasons="No amount can be separated out.")
    text = section_j(council, sample_view().model_copy(update={"personal_budget": record}), "working_draft")
    assert text.strip().startswith(
        "Personal budget, including direct payments Drafting note: the personal budget"
    )
    assert "because: No amount can be separated out." in text and text.strip().endswith("Delete this note.")


def test_the_working_draft_names_the_school_the_family_asked_for_in_section_i(council):
    view = sample_view().model_copy(update={"requested_school": "Oak\nAcademy"})
    text = docx_text(render(KINDS["working_draft"], sample_context("working_draft", council, view)))
    section_i = text.split("Section I:")[1].split("Section J:")[0]
    assert "leave section I blank in the draft" in section_i
    assert (
        "The family asked for Oak Academy to be named (Children and Families Act 2014 s38(2)(b))" in section_i
    )


def test_the_final_plan_reads_section_j_from_the_stored_record(session, council, case):
    record_personal_budget(
        session,
        case=case,
        budget=validated(requested_on=date(2026, 4, 1)),
        now=at(date(2026, 4, 2)),
        actor="test",
    )
    text = squashed(pdf_text(final_plan(session, council, case)))
    assert squashed("You asked for a personal budget on 1 April 2026. We have not yet decided on it.") in text


def test_a_final_plan_in_the_councils_words_still_carries_the_advice_as_appendices(session, council, case):
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 30)))
    upload_plan(session, council, case, now=at(date(2026, 4, 1)))
    pages = page_texts(final_plan(session, council, case))
    text = squashed(" ".join(pages))
    assert squashed("Section J: Personal budget The council sets out section J in its own words.") in text
    assert squashed("received 5 March 2026: Appendix 2.") in text
    two, three = (next(i for i, page in enumerate(pages) if f"Appendix {n}: advice" in page) for n in (2, 3))
    assert pages[three - 2 : three] == ["ADVISER-PAGE-ONE", "ADVISER-PAGE-TWO"] and two < three - 2
    # The plan itself is the council's words: the adviser's are only in their appendix.
    assert "Dyspraxia." not in text.split("Appendix2:advicefrom")[0]


def test_the_word_file_the_plan_says_is_enclosed_goes_with_the_final_plan(session, council, case):
    from ehcp.documents.store import separate_advice_files

    enclosed = separate_advice_files(session, case=case)
    # The EP's Word file is enclosed; the ICB's readable PDF is pages of the plan instead.
    assert [name for name, _type, _data in enclosed] == [f"{case.ref}-advice-psychological.docx"]
    assert docx.Document(io.BytesIO(enclosed[0][2])).paragraphs[0].text == "Psychology report."


def test_the_final_plans_email_carries_the_word_file_its_section_k_says_is_enclosed(
    session, council, case, tmp_path
):
    from ehcp.mail.delivery import enclosures
    from tests.mail.rows import draft_letter, queue_one

    draft_letter(session, case, council, tmp_path / "store", kind="final_plan")
    row = queue_one(session, case, purpose="acknowledgement", attach=("final_plan",))
    row.purpose = "final_plan"  # the final plan's email, as the planner queues it
    found = enclosures(session, row)
    assert found is not None
    assert [item.file_name for item in found] == [
        f"{case.ref}-final-plan.pdf",
        f"{case.ref}-advice-psychological.docx",
    ]
    assert [item.ours for item in found] == [True, False]
