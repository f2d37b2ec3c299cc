"""Turn a document context into bytes: letters and the final plan to tagged PDF, the
draft plan to an editable Word file.

HTML templates are autoescaped, so whatever a family or contributor typed is text,
never markup. The Word template is rendered by docxtpl with autoescaping on, so the
same text lands in the document as plain text. Both environments are strict: a
missing variable raises instead of leaving a blank in a letter.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from ehcp.documents.context import DocumentContext
from ehcp.documents.kinds import DocumentKind
from ehcp.rendering import TEMPLATES, add_filters, environment


def render(kind: DocumentKind, context: DocumentContext, *, templates: Path = TEMPLATES) -> bytes:
    if kind.format == "docx":
        return render_docx(kind, context, templates=templates)
    return html_to_pdf(render_html(kind, context, templates=templates), templates=templates)


def render_html(kind: DocumentKind, context: DocumentContext, *, templates: Path = TEMPLATES) -> str:
    return environment(templates).get_template(kind.template).render(context.variables())


def html_to_pdf(html: str, *, templates: Path = TEMPLATES) -> bytes:
    """PDF/UA-1: tagged structure, document language and title, so screen readers can
    read the letter (the title comes from the template's <title>)."""
    document = HTML(string=html, base_url=str(templates) + "/", url_fetcher=_local_files_only())
    return document.write_pdf(pdf_variant="pdf/ua-1")


def render_docx(kind: DocumentKind, context: DocumentContext, *, templates: Path = TEMPLATES) -> bytes:
    document = DocxTemplate(io.BytesIO(_template_bytes(templates / kind.template)))
    document.render(context.variables(), jinja_env=docx_environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@lru_cache
def docx_environment() -> Environment:
    """docxtpl's own environment, strict and autoescaping (docxtpl sets autoescape on the
    environment it is given, so this one is never shared with the HTML templates)."""
    return add_filters(Environment(undefined=StrictUndefined, autoescape=True))


@lru_cache(maxsize=8)
def _template_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _local_files_only() -> URLFetcher:
    """Letters may embed the council's logo and the templates' own files, nothing fetched
    from a network: an address typed into a form must never make the renderer call out.
    A file that cannot be read stops the render rather than leaving a hole."""
    return URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
