"""Write templates/plan/draft_plan.docx, the Word template of the draft EHC plan.

The committed .docx is the template; councils may restyle or reword it in Word.
This script is how it was made, kept so the tags can be rebuilt from one readable
place. docxtpl rules the layout follows: each `{{ }}` lies inside one Word run, and
`{%p %}` tags sit alone in their own paragraph (docxtpl removes that paragraph).

Run: .venv/bin/python scripts/build_plan_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "templates" / "plan" / "draft_plan.docx"
GAP_RED = RGBColor(0xD4, 0x35, 0x1C)


def build() -> Document:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    document.core_properties.title = "Draft EHC plan"
    document.core_properties.author = "{{ council.name }}"

    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "Draft EHC plan {{ plan.case_ref }}: {{ council.name }}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_paragraph("{{ council.name }}").runs[0].bold = True
    document.add_heading("Draft Education, Health and Care (EHC) plan", level=0)
    note = document.add_paragraph(
        "This is a draft for your comments. Section I, the school or other institution, is left "
        "blank until you have told us your preference and we have consulted it. Text in the sections "
        "below is what each adviser told us; the council will agree the final wording with you."
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

    tag(document, "{%p for section in plan.sections %}")
    document.add_heading("Section {{ section.code }}: {{ section.title }}", level=1)

    tag(document, "{%p for contribution in section.contributions %}")
    document.add_heading("From {{ contribution.organisation }} ({{ contribution.role|words }})", level=2)
    tag(document, "{%p for paragraph in contribution.text|paragraphs %}")
    document.add_paragraph("{{ paragraph }}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")

    tag(document, "{%p for gap in section.gaps %}")
    gap = document.add_paragraph().add_run(
        "GAP: advice from {{ gap.organisation }} ({{ gap.role|words }}) was due by "
        "{{ gap.due_on|long_date }} and has not been received. This section is not complete until it is."
    )
    gap.bold, gap.font.color.rgb = True, GAP_RED
    tag(document, "{%p endfor %}")

    tag(document, '{%p if section.code == "I" %}')
    document.add_paragraph(
        "Left blank in the draft. The school or other institution will be named in the final plan."
    )
    tag(document, '{%p elif section.code == "J" %}')
    document.add_paragraph(
        "You can ask for a personal budget for some of the provision in this plan. Tell us if you "
        "would like one and we will discuss it with you before the plan is finalised."
    )
    tag(document, '{%p elif section.code == "K" %}')
    document.add_paragraph("The advice and information gathered for the assessment:")
    tag(document, "{%p for item in plan.advice %}")
    document.add_paragraph(
        "{{ item.organisation }} ({{ item.role|words }}): requested {{ item.requested_on|long_date }}, "
        "{{ 'received ' ~ item.received_on|long_date if item.received_on else 'NOT YET RECEIVED' }}",
        style="List Bullet",
    )
    tag(document, "{%p endfor %}")
    tag(document, "{%p elif not section.contributions and not section.gaps %}")
    document.add_paragraph(
        "No adviser wrote to this section. The council will complete it with you and your advisers."
    )
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")
    return document


def tag(document: Document, text: str) -> None:
    document.add_paragraph(text)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    build().save(OUT)
    print(f"wrote {OUT}")
