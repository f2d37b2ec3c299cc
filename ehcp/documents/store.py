"""The document store: render a document, keep its file under the store and its row in
the case store, and regenerate it on a coordinator's request.

Files are named after their kind and a prefix of their digest, so a regenerated
document sits beside the one it replaces (what was sent stays on disk for the
chronology) and the row always points at the latest. A letter keeps the date it was
first drafted when regenerated: its appeal deadline is counted from that date.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import Case, Document, id_of
from ehcp.documents.context import council_details, document_context
from ehcp.documents.family_safe import family_view
from ehcp.documents.kinds import parse
from ehcp.documents.render import render
from ehcp.domain.clock import Timeline
from ehcp.timesource import london_date

ACTOR = "system"


def drafted_kinds(session: Session, *, case: Case) -> frozenset[str]:
    return frozenset(session.exec(select(Document.kind).where(Document.case_id == case.id)))


def documents_of(session: Session, *, case: Case) -> list[Document]:
    return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(col(Document.id))))


def produce(
    session: Session, *, case: Case, kind: str, council: Council, timeline: Timeline, dated_on: date
) -> bytes:
    """The document's bytes, rendered from the family-safe view of the case as it is now.
    The served draft is the caseworker's own served version, byte for byte."""
    found, subject = parse(kind)
    if found.name == "draft_plan":
        return served_version_bytes(session, case=case)
    view = family_view(session, case=case, council=council, timeline=timeline)
    context = document_context(
        view, council=council_details(council), kind=found, subject=subject, dated_on=dated_on
    )
    return render(found, context)


def served_version_bytes(session: Session, *, case: Case) -> bytes:
    version = crud.served_plan_version(session, case=case)
    if version is None:
        raise LookupError(f"case {case.ref} has no served version of the plan")
    return Path(version.storage_path).read_bytes()


def draft(
    session: Session,
    *,
    case: Case,
    kind: str,
    council: Council,
    timeline: Timeline,
    store: Path,
    now: datetime,
) -> bool:
    """Render and store one document; False if the case already has one of this kind."""
    if session.exec(select(Document.id).where(Document.case_id == case.id, Document.kind == kind)).first():
        return False
    today = london_date(now)
    content = produce(session, case=case, kind=kind, council=council, timeline=timeline, dated_on=today)
    found, _ = parse(kind)
    path, digest = _write(store, case, kind, found.suffix, content)
    session.add(
        Document(
            case_id=id_of(case),
            kind=kind,
            audience=found.audience,
            template=found.template,
            storage_path=str(path),
            media_type=found.media_type,
            sha256=digest,
            created_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # drafted by a concurrent look; theirs stands
        session.rollback()
        return False
    crud.record_event(
        session,
        case=case,
        kind="document_drafted",
        occurred_on=today,
        actor=ACTOR,
        now=now,
        summary=f"{found.title} drafted ({found.format}).",
        detail={"document": kind, "sha256": digest},
    )
    return True


def regenerate(
    session: Session, *, case: Case, kind: str, council: Council, store: Path, now: datetime, actor: str
) -> Document:
    """Render a drafted document again from the case as it is now (a coordinator corrected
    a detail, or a template changed). A letter keeps its original date, so its appeal
    deadline does not move; the file that was sent stays beside the new one."""
    found, _ = parse(kind)
    row = session.exec(select(Document).where(Document.case_id == case.id, Document.kind == kind)).one()
    today = london_date(now)
    content = produce(
        session,
        case=case,
        kind=kind,
        council=council,
        timeline=crud.case_timeline(session, case=case, council=council, today=today),
        dated_on=london_date(row.created_at),
    )
    path, digest = _write(store, case, kind, found.suffix, content)
    previous = row.sha256
    row.storage_path, row.sha256 = str(path), digest
    session.add(row)
    session.commit()
    crud.record_event(
        session,
        case=case,
        kind="document_regenerated",
        occurred_on=today,
        actor=actor,
        now=now,
        summary=f"{found.title} regenerated" + (" (unchanged)." if previous == digest else "."),
        detail={"document": kind, "sha256": digest, "previous_sha256": previous},
    )
    session.refresh(row)
    return row


def attachment_name(case_ref: str, kind: str) -> str:
    """What the file is called in an email: the reference and the kind, no names."""
    found, subject = parse(kind)
    stem = found.name.replace("_", "-") + (f"-{subject.split(':')[0]}" if subject else "")
    return f"{case_ref}-{stem}{found.suffix}"


def _write(store: Path, case: Case, kind: str, suffix: str, content: bytes) -> tuple[Path, str]:
    digest = hashlib.sha256(content).hexdigest()
    folder = store / case.ref
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind.replace(':', '--')}-{digest[:12]}{suffix}"
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)  # a reader never sees half a file
    return path, digest
