"""Draft documents into the document store (files under var/documents) and record them.

Plain text for now; the documents issue renders Word drafts and PDF letters
from the same call sites.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehcp.db.models import Case, Document
from ehcp.rendering import render_letter

FAMILY_FACING = {
    "acknowledgement_letter",
    "decision_not_to_assess_letter",
    "decision_not_to_issue_letter",
    "draft_plan",
    "final_plan",
}


def drafted_kinds(session: Session, *, case: Case) -> frozenset[str]:
    return frozenset(session.exec(select(Document.kind).where(Document.case_id == case.id)))


def draft(session: Session, *, case: Case, kind: str, context: dict, store: Path, now: datetime) -> bool:
    """Render and store one document; False if the case already has one of this kind."""
    text = render_letter(kind, context)
    folder = store / case.ref
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}.txt"
    path.write_text(text, encoding="utf-8")
    session.add(
        Document(
            case_id=case.id,
            kind=kind,
            audience="family" if kind in FAMILY_FACING else "professional",
            template=f"letters/{kind}.txt",
            storage_path=str(path),
            media_type="text/plain",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            created_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
