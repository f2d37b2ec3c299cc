"""Letters and the EHC plan: which documents exist (kinds), what their templates are
given (context: the family-safe view only), how they become PDF and Word (render),
the start-up check of every template against its models (checks), and the document
store (store)."""

from ehcp.documents.kinds import KINDS, DocumentKind, UnknownDocumentKind, parse
from ehcp.documents.store import (
    attachment_name,
    documents_of,
    draft,
    drafted_kinds,
    produce,
    regenerate,
)

__all__ = [
    "KINDS",
    "DocumentKind",
    "UnknownDocumentKind",
    "attachment_name",
    "documents_of",
    "draft",
    "drafted_kinds",
    "parse",
    "produce",
    "regenerate",
]
