"""Caseworkers' Word files for tests: the working draft as the service renders it, and
the same file finished the way a caseworker finishes it in Word (banner, extracts, gaps
and drafting notes deleted; each section written in the council's words)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import docx
from docx.document import Document
from docx.text.paragraph import Paragraph

from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import sample_context
from ehcp.domain.ehc_plan import SECTION_HEADINGS

WORKING_STYLES = ("Working draft note", "Advice extract")
CODE_OF = {heading: code for code, heading in SECTION_HEADINGS.items()}


def council_words(code: str) -> str:
    return f"The council sets out section {code} in its own words."


def working_draft(council, view=None) -> bytes:
    return render(KINDS["working_draft"], sample_context("working_draft", council, view))


def finished(draft: bytes, texts: Mapping[str, str] | None = None) -> bytes:
    """The draft with every working note and extract deleted and each section's empty
    paragraph filled with `texts[code]` (default: council_words(code); I left blank)."""
    given = dict(texts or {})
    return edited(draft, lambda document: _finish(document, given))


def edited(content: bytes, change: Callable[[Document], object]) -> bytes:
    document = docx.Document(io.BytesIO(content))
    change(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def delete(paragraph: Paragraph) -> None:
    paragraph._element.getparent().remove(paragraph._element)


def heading(document: Document, code: str) -> Paragraph:
    return next(p for p in document.paragraphs if p.text == SECTION_HEADINGS[code])


def _finish(document: Document, texts: dict[str, str]) -> None:
    current, filled = None, False
    for paragraph in list(document.paragraphs):
        style = paragraph.style.name if paragraph.style is not None else ""
        if style == "Heading 2":
            current, filled = CODE_OF[paragraph.text], False
        elif style in WORKING_STYLES:
            delete(paragraph)
        elif current and not paragraph.text and not filled:
            text = texts.get(current, "" if current == "I" else council_words(current))
            paragraph.text = text
            filled = True
