"""Write templates/plan/draft_plan.docx, the Word template of the working draft EHC plan.

The working draft is what a caseworker drafts the plan from (the plan is the
council's document, Regs 12(1)): a banner saying it is not for service, each
section under its canonical heading (Heading 2, ehcp.domain.ehc_plan.SECTION_HEADINGS),
the advisers' text as labelled extracts, gaps and drafting notes, and an empty
paragraph for the council's words. The caseworker's edited file is read back by
ehcp/documents/plan_reading.py, which refuses it while any of those remain.

The committed .docx is the template; councils may restyle or reword it in Word.
This script is how it was made, kept so the tags can be rebuilt from one readable
place. docxtpl rules the layout follows: each `{{ }}` lies inside one Word run, and
`{%p %}` tags sit alone in their own paragraph (docxtpl removes that paragraph).

Run: .venv/bin/python scripts/build_plan_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "templates" / "plan" / "draft_plan.docx"
NOTE_RED = RGBColor(0xD4, 0x35, 0x1C)
EXTRACT_GREY = RGBColor(0x50, 0x5A, 0x5F)
# Style names; ehcp/documents/plan_reading.py refuses a file still holding EXTRACT text.
WORKING_NOTE = "Working draft note"
EXTRACT = "Advice extract"


def build() -> Document:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    _styles(document)
    document.core_properties.title = "Draft EHC plan (working draft)"
    document.core_properties.author = "{{ council.name }}"

    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "Draft EHC plan {{ plan.case_ref }}: {{ council.name }}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_paragraph("{{ council.name }}").runs[0].bold = True
    document.add_heading("Draft Education, Health and Care (EHC) plan", level=0)
    document.add_paragraph("{{ plan.working_draft_banner }}", style=WORKING_NOTE)
    note = document.add_paragraph(
        "This is a draft for your comments. Section I, the school or other institution, is left "
        "blank until you have told us your preference and we have consulted it."
    )
    note.runs[0].italic = True

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (
        ("Name", "{{ plan.child_name }}"),
        ("Date of birth", "{{ plan.date_of_birth|long_date if plan.date_of_birth else '' }}"),
        ("Year group", "{{ plan.year_group if plan.year_group is not none else '' }}"),
        ("Reference", "{{ plan.case_ref }}"),
        ("Date of this draft", "{{ letter.dated_on|long_date }}"),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True

    tag(document, "{%p if plan.preparation_for_adulthood %}")
    document.add_heading("Preparing for adulthood", level=1)
    document.add_paragraph(
        "From Year 9 this plan must help prepare for adult life: higher education or employment, "
        "independent living, friends and community, and good health. Outcomes in section E and "
        "provision in sections F to H include these."
    )
    tag(document, "{%p endif %}")

    document.add_heading("The plan", level=1)
    tag(document, "{%p for section in plan.sections %}")
    # Exactly the canonical heading, as Heading 2: plan_reading finds each section by it.
    document.add_heading("{{ section.heading }}", level=2)

    tag(document, '{%p if section.code == "F" %}')
    document.add_paragraph("{{ plan.provision_prompt }}", style=WORKING_NOTE)
    tag(document, '{%p elif section.code == "I" %}')
    document.add_paragraph("{{ plan.placement_prompt }}", style=WORKING_NOTE)
    tag(document, '{%p elif section.code == "J" %}')
    document.add_paragraph("{{ plan.personal_budget_prompt }}", style=WORKING_NOTE)
    tag(document, "{%p endif %}")

    tag(document, "{%p for contribution in section.contributions %}")
    document.add_paragraph("{{ contribution.label }}", style=WORKING_NOTE)
    tag(document, "{%p for paragraph in contribution.text|paragraphs %}")
    document.add_paragraph("{{ paragraph }}", style=EXTRACT)
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")

    tag(document, "{%p for gap in section.gaps %}")
    document.add_paragraph(
        "GAP: advice from {{ gap.organisation }} ({{ gap.role|words }}) "
        "{% if gap.overdue %}was due by {{ gap.due_on|long_date }} and has not been received"
        "{% else %}is due by {{ gap.due_on|long_date }} and has not been received yet{% endif %}. "
        "This section is not complete until it is.",
        style=WORKING_NOTE,
    )
    tag(document, "{%p endfor %}")

    tag(document, '{%p if section.code == "K" %}')
    document.add_paragraph("The advice and information gathered for the assessment:")
    tag(document, "{%p for item in plan.advice %}")
    # The same line as the final plan's: received, agreed sufficient (Regs 6(4)), or why not.
    document.add_paragraph("{{ item.summary }}", style="List Bullet")
    tag(document, "{%p endfor %}")
    tag(
        document,
        '{%p elif not section.contributions and not section.gaps and section.code not in ("I", "J") %}',
    )
    document.add_paragraph("{{ plan.no_advice_prompt }}", style=WORKING_NOTE)
    tag(document, "{%p endif %}")
    document.add_paragraph()  # the caseworker writes the section here, in the council's words
    tag(document, "{%p endfor %}")
    return document


def _styles(document: Document) -> None:
    """Two paragraph styles the caseworker sees at once and deletes: working notes (the
    banner, extract labels, gaps, drafting notes) and the advisers' extracts themselves.
    Enter at the end of either starts a Normal paragraph, for the council's own words."""
    note = document.styles.add_style(WORKING_NOTE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = document.styles["Normal"]
    note.font.bold = True
    note.font.color.rgb = NOTE_RED
    note.next_paragraph_style = document.styles["Normal"]
    extract = document.styles.add_style(EXTRACT, WD_STYLE_TYPE.PARAGRAPH)
    extract.base_style = document.styles["Normal"]
    extract.font.italic = True
    extract.font.color.rgb = EXTRACT_GREY
    extract.paragraph_format.left_indent = Cm(1)
    extract.next_paragraph_style = document.styles["Normal"]


def tag(document: Document, text: str) -> None:
    document.add_paragraph(text)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    build().save(OUT)
    print(f"wrote {OUT}")
