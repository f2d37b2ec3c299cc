"""The document store: render a document, keep its file under the store and its row in
the case store, and regenerate it on a coordinator's request.

Files are named after their kind and a prefix of their digest, so a regenerated
document sits beside the one it replaces (what was sent stays on disk for the
chronology) and the row always points at the latest. A letter keeps the date it was
first drafted when regenerated: its appeal deadline is counted from that date.

The final plan carries the advice as appendices (Regs 12(1)(k): "the advice and
information obtained in accordance with regulation 6(1) shall be set out in appendices
to the EHC plan"): the template sets out each piece of advice received, and here each
PDF an adviser sent is appended, page for page, straight after its appendix. A PDF that
cannot be read (damaged, or locked with a password) is not appended: the plan then says
it is enclosed separately, as it says of a Word file.
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, AdviceSubmission, Case, Document, id_of
from ehcp.documents.context import council_details, document_context
from ehcp.documents.family_safe import FamilyView, family_view
from ehcp.documents.kinds import parse
from ehcp.documents.render import render
from ehcp.domain.clock import Timeline
from ehcp.domain.ehc_plan import EhcPlan
from ehcp.files import write_whole
from ehcp.timesource import london_date

ACTOR = "system"
_log = logging.getLogger(__name__)


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
    documents: dict[str, bytes] = {}
    if found.name == "final_plan":
        documents = advice_pdfs(session, case=case)
        view = with_document_pages(view, documents)
    context = document_context(
        view, council=council_details(council), kind=found, subject=subject, dated_on=dated_on
    )
    content = render(found, context)
    if context.plan is not None and documents:
        content = append_advice_documents(content, context.plan, documents)
    return content


def advice_pdfs(session: Session, *, case: Case) -> dict[str, bytes]:
    """The PDFs advisers sent for this case that can be appended, by advice request key."""
    rows = session.exec(
        select(AdviceRequest.key, AdviceSubmission.file_path)
        .join(AdviceSubmission, col(AdviceSubmission.advice_request_id) == col(AdviceRequest.id))
        .where(AdviceRequest.case_id == case.id, AdviceSubmission.file_media_type == "application/pdf")
    ).all()
    found: dict[str, bytes] = {}
    for key, path in rows:
        if path is None:
            continue
        try:
            data = Path(path).read_bytes()
        except OSError:
            _log.warning("case %s: advice %s: its PDF is missing from the store", case.ref, key)
            continue
        if _readable(data) is None:
            _log.warning("case %s: advice %s: its PDF cannot be read to append", case.ref, key)
            continue
        found[key] = data
    return found


def separate_advice_files(session: Session, *, case: Case) -> list[tuple[str, str, bytes]]:
    """(file name, media type, bytes) of each adviser's file the final plan cannot carry as
    pages (a Word file, an unreadable PDF): the final plan's email encloses them, so its
    section K's "enclosed separately" is true (Regs 12(1)(k))."""
    rows = session.exec(
        select(AdviceRequest.key, AdviceSubmission.file_path, AdviceSubmission.file_media_type)
        .join(AdviceSubmission, col(AdviceSubmission.advice_request_id) == col(AdviceRequest.id))
        .where(AdviceRequest.case_id == case.id, col(AdviceSubmission.file_path).is_not(None))
        .order_by(col(AdviceRequest.id))
    ).all()
    appended = advice_pdfs(session, case=case)
    out = []
    for key, path, media_type in rows:
        if key in appended or path is None:
            continue
        try:
            data = Path(path).read_bytes()
        except OSError:
            _log.warning("case %s: advice %s: its file is missing from the store", case.ref, key)
            continue
        suffix = ".pdf" if media_type == "application/pdf" else ".docx"
        out.append((f"{case.ref}-advice-{key}{suffix}", media_type or "application/octet-stream", data))
    return out


def with_document_pages(view: FamilyView, documents: dict[str, bytes]) -> FamilyView:
    """The view with each appendable PDF's page count, so the plan says what follows."""
    advice = []
    for item in view.advice:
        reader = _readable(documents[item.key]) if item.key in documents else None
        pages = len(reader.pages) if reader is not None else None
        advice.append(item.model_copy(update={"document_pages": pages or None}))
    return view.model_copy(update={"advice": tuple(advice)})


def append_advice_documents(content: bytes, plan: EhcPlan, documents: dict[str, bytes]) -> bytes:
    """Insert each adviser's PDF after the last page of its appendix. Each appendix starts
    a page and carries an id, which WeasyPrint writes as a named destination: where the
    next appendix starts (or the plan ends) is where the file goes. The plan's own
    structure (tags, language, title) is kept; the appended pages are the adviser's as sent."""
    reader = PdfReader(io.BytesIO(content))
    starts: dict[str, int] = {}
    for name, destination in reader.named_destinations.items():
        number = reader.get_destination_page_number(destination)
        if number is not None:
            starts[str(name)] = number
    placed = [appendix for appendix in plan.appendices if appendix.anchor in starts]
    ends = {
        appendix.key: starts[placed[index + 1].anchor] if index + 1 < len(placed) else len(reader.pages)
        for index, appendix in enumerate(placed)
    }
    writer = PdfWriter(clone_from=reader)
    for appendix in reversed(placed):  # from the end, so earlier positions stay put
        source = _readable(documents[appendix.key]) if appendix.key in documents else None
        if not appendix.document_pages or source is None:
            continue
        at = ends[appendix.key]
        writer.merge(at, source, import_outline=False)
        for page in writer.pages[at : at + len(source.pages)]:
            # Their tags belong to their own structure tree, which is not carried over.
            if "/StructParents" in page:
                del page["/StructParents"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _readable(data: bytes) -> PdfReader | None:
    """A reader whose every page can be read, or None (damaged, or needs a password)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return reader if len(reader.pages) > 0 else None
    except Exception:  # noqa: BLE001 - any fault in an outside file means "not appendable"
        return None


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
        write_whole(path, content)
    return path, digest
