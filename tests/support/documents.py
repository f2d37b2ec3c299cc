"""Read generated documents back as text, the way a reader would see them."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The PDF's text with whitespace collapsed (pypdf wraps lines where the page does)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def docx_text(content: bytes) -> str:
    """Every paragraph, table cell, header and footer of a Word file, whitespace collapsed."""
    document = docx.Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [paragraph.text for paragraph in section.header.paragraphs]
        parts += [paragraph.text for paragraph in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


def document_text(path: Path) -> str:
    content = path.read_bytes()
    if path.suffix == ".pdf":
        return pdf_text(content)
    if path.suffix == ".docx":
        return docx_text(content)
    raise ValueError(f"not a document this service writes: {path.name}")
