"""Reading a caseworker's Word plan back: each section's text by its canonical heading,
and a file refused, naming the section, while it is still a working draft or its
structure is broken."""

from __future__ import annotations

import io
import zipfile

import pytest

from ehcp.documents.plan_reading import (
    MAX_FILE_BYTES,
    MAX_SECTION_CHARS,
    PlanText,
    read_plan,
    substantive_change,
)
from ehcp.domain.ehc_plan import PLAN_SECTIONS, SECTION_HEADINGS, WORKING_DRAFT_BANNER
from ehcp.errors import InvalidInput
from tests.support.plan_files import council_words, delete, edited, finished, heading, working_draft


@pytest.fixture(scope="module")
def draft(council) -> bytes:
    return working_draft(council)


@pytest.fixture(scope="module")
def plan(draft) -> bytes:
    return finished(draft)


def refusal(content: bytes) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as refused:
        read_plan(content)
    [error] = refused.value.errors
    return error.field, error.message


def test_the_working_draft_as_generated_is_refused_while_its_banner_and_extracts_remain(draft):
    field, message = refusal(draft)
    assert field == "file" and "working-draft banner" in message

    without_banner = edited(
        draft, lambda document: delete(next(p for p in document.paragraphs if p.text == WORKING_DRAFT_BANNER))
    )
    field, message = refusal(without_banner)
    assert field == "sections.A"
    assert "extracts from advice are still in section A" in message


def test_the_draft_with_extracts_replaced_by_council_text_reads_back_every_section(plan):
    text = read_plan(plan)
    assert list(text.sections) == list(PLAN_SECTIONS)
    for code in ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "J"):
        assert text[code] == council_words(code)
    assert text["I"] == ""  # blank in a draft by law
    assert text["K"].startswith("The advice and information gathered for the assessment:\n")
    assert "Example Integrated Care Board (health): requested 9 February 2026" in text["K"]
    assert text["K"].endswith(council_words("K"))


def test_tables_and_several_paragraphs_are_read_in_order(draft):
    def add_table(document):
        anchor = heading(document, "G")._element
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Who", "Occupational therapist"
        anchor.addprevious(table._tbl)  # at the end of section F

    plan = edited(finished(draft, {"F": "First line.\nSecond line."}), add_table)
    assert read_plan(plan)["F"] == "First line.\nSecond line.\nWho\nOccupational therapist"


def test_an_extract_left_without_its_label_is_refused(plan):
    def keep_an_extract(document):
        extract = document.add_paragraph("Diagnosed with dyspraxia in 2021.", style="Advice extract")
        heading(document, "C")._element.addnext(extract._element)

    field, message = refusal(edited(plan, keep_an_extract))
    assert field == "sections.C" and "'Advice extract' style" in message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda document: setattr(heading(document, "C"), "text", "Section C: Health"),
            "sections.C",
            "must read exactly 'Section C: Health needs related to special educational needs'",
        ),
        (
            lambda document: document.add_paragraph("Communication and interaction", style="Heading 2"),
            "sections.K",
            "is a Heading 2 but not a section heading",
        ),
        (lambda document: delete(heading(document, "G")), "sections.G", "section G is missing"),
        (
            lambda document: document.add_paragraph(SECTION_HEADINGS["B"], style="Heading 2"),
            "sections.B",
            "section B appears twice",
        ),
        (
            lambda document: _swap(heading(document, "B"), heading(document, "C")),
            "sections.B",
            "section B comes after section C",
        ),
    ],
    ids=["renamed heading", "unknown heading", "missing section", "duplicated section", "out of order"],
)
def test_a_broken_structure_is_refused_naming_the_section(plan, change, field, words):
    assert _names(refusal(edited(plan, change)), field, words)


def _names(result: tuple[str, str], field: str, words: str) -> bool:
    assert result[0] == field, result
    assert words in result[1], result
    return True


def _swap(first, second) -> None:
    first.text, second.text = second.text, first.text


@pytest.mark.parametrize("code", ["B", "E", "F"])
def test_an_empty_section_b_e_or_f_is_refused(draft, code):
    assert _names(refusal(finished(draft, {code: ""})), f"sections.{code}", f"section {code} is empty")


def test_a_drafting_note_or_gap_left_in_is_refused(draft):
    def keep_f_prompt(document):
        for paragraph in list(document.paragraphs):
            if paragraph.style.name in (
                "Working draft note",
                "Advice extract",
            ) and not paragraph.text.startswith("Drafting note: provision must be specific"):
                delete(paragraph)

    content = edited(draft, keep_f_prompt)
    assert _names(refusal(content), "sections.F", "a drafting note is still in section F")


def test_an_overlong_section_is_refused(draft):
    long = "x" * (MAX_SECTION_CHARS + 1)
    assert _names(refusal(finished(draft, {"D": long})), "sections.D", "at most 50,000")


def test_a_control_character_is_refused(plan):
    with zipfile.ZipFile(io.BytesIO(plan)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    body = parts["word/document.xml"].decode()
    body = body.replace(council_words("E"), "Outcome&#13;one", 1)
    parts["word/document.xml"] = body.encode()
    assert _names(refusal(_zip(parts)), "sections.E", "control character (U+000D)")


def test_a_file_that_is_not_a_word_document_is_refused():
    assert refusal(b"%PDF-1.7 not a plan") == ("file", "the file must be a Word document (.docx)")
    assert refusal(b"") == ("file", "the file is empty")
    assert refusal(_zip({"notes.txt": b"hello"})) == ("file", "the file must be a Word document (.docx)")
    truncated = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})[:-30]
    assert refusal(truncated)[0] == "file"
    not_xml = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"not xml"})
    assert refusal(not_xml) == ("file", "the Word document cannot be read (it may be damaged)")


def test_a_zip_that_unpacks_too_large_is_refused_before_parsing():
    bomb = _zip(
        {
            "[Content_Types].xml": b"<x/>",
            "word/document.xml": b"<x/>",
            "word/media/padding.bin": b"\0" * (21 * 1024 * 1024),
        }
    )
    assert len(bomb) < 1024 * 1024  # small on the wire
    field, message = refusal(bomb)
    assert field == "file" and "unpacks to more than 20MB" in message


def test_a_file_over_the_size_limit_is_refused():
    assert _names(refusal(b"PK\x03\x04" + b"\0" * MAX_FILE_BYTES), "file", "smaller than 10MB")


def test_substantive_change_names_sections_whose_words_differ():
    before = PlanText(sections={"A": "Robin likes drawing.", "B": "Reads below age.", "F": "Daily reading."})
    after = {"A": "Robin  likes\ndrawing. ", "B": "Reads two years below age.", "F": "Daily reading."}
    assert substantive_change(before, after) == ("B",)
    assert substantive_change(after, {**after, "K": "Advice list"}) == ("K",)
    assert substantive_change(before, before) == ()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()
