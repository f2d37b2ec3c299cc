"""Record a contributor's advice: the text per plan section, the file, and the receipt.

One transaction: the AdviceSubmission row and the advice's receipt (with its
chronology entry, and wake_at set so the case's run looks again) commit together
or not at all. One submission per advice request: a second one, a double click or
a reused link, is refused with `AlreadyReceived` and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, AdviceSubmission, Case, id_of
from ehcp.domain.advice_sections import sections_for
from ehcp.errors import InvalidInput
from ehcp.files import write_whole
from ehcp.portal.uploads import CheckedFile
from ehcp.timesource import london_date


class AlreadyReceived(Exception):
    def __init__(self, received_on) -> None:
        self.received_on = received_on
        super().__init__(f"advice already received on {received_on}")


def store_file(file: CheckedFile, *, case: Case, advice: AdviceRequest, document_store: Path) -> Path:
    """The file in the case's folder, named by its advice request and its content's hash
    (never by the upload's name). Two submissions racing for one request (two tabs, or
    the portal and a coordinator at once) each write their own file, so the one whose row
    commits keeps exactly the content its recorded hash describes."""
    folder = document_store / case.ref / "advice"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{advice.key}-{file.sha256[:16]}.{file.extension}"
    write_whole(path, file.content)
    return path


def record_submission(
    session: Session,
    *,
    advice: AdviceRequest,
    sections: dict[str, str],
    file: CheckedFile | None,
    via: str,
    council: Council,
    document_store: Path,
    now: datetime,
    actor: str,
    received_on: date | None = None,
) -> AdviceSubmission:
    """`received_on` defaults to today; a coordinator recording post or email gives the day it came."""
    sections = {code: text.strip() for code, text in sections.items() if text and text.strip()}
    allowed = {section.code for section in sections_for(advice.role)}
    unknown = sorted(set(sections) - allowed)
    if unknown:
        raise InvalidInput.one(
            "sections",
            f"{advice.role} advice informs sections {', '.join(sorted(allowed))}, not {', '.join(unknown)}",
        )
    if not sections and file is None:
        raise InvalidInput.one("sections", "give the advice as text, as a file, or both")
    if advice.received_on is not None or _existing(session, advice) is not None:
        raise AlreadyReceived(advice.received_on)
    case = crud.case_by_id(session, case_id=advice.case_id)
    submission = AdviceSubmission(
        case_id=id_of(case),
        advice_request_id=id_of(advice),
        sections=sections,
        submitted_via=via,
        submitted_at=now,
    )
    path = None
    if file is not None:
        path = store_file(file, case=case, advice=advice, document_store=document_store)
        submission.file_name, submission.file_media_type = file.name, file.media_type
        submission.file_path, submission.file_sha256 = str(path), file.sha256
        submission.file_bytes = len(file.content)
    session.add(submission)
    try:
        # One submission per request (a unique key): a concurrent one that committed first
        # is found here, by the flush, rather than mid-query inside the receipt's write.
        session.flush()
        # Commits the submission with the receipt, its chronology entry and the wake-up.
        crud.record_advice_received(
            session,
            case=case,
            key=advice.key,
            received_on=received_on or london_date(now),
            council=council,
            now=now,
            actor=actor,
        )
    except (InvalidInput, IntegrityError):
        session.rollback()
        session.refresh(advice)
        recorded = _existing(session, advice)
        # The file written for this submission goes, unless the one that did commit has
        # the same content (and so the same name).
        if path is not None and (recorded is None or recorded.file_path != str(path)):
            path.unlink(missing_ok=True)
        if advice.received_on is not None or recorded is not None:
            raise AlreadyReceived(advice.received_on) from None  # a concurrent submission won
        raise
    session.refresh(submission)
    return submission


def _existing(session: Session, advice: AdviceRequest) -> AdviceSubmission | None:
    return session.exec(
        select(AdviceSubmission).where(AdviceSubmission.advice_request_id == advice.id)
    ).first()


def record_by_coordinator(
    session: Session,
    *,
    case: Case,
    key: str,
    sections: dict[str, str],
    file: CheckedFile | None,
    received_on: date,
    council: Council,
    document_store: Path,
    now: datetime,
    actor: str,
) -> AdviceSubmission:
    """Advice that came by post or email, typed up and/or scanned by a coordinator
    (`ehcp advice record --section/--file` and the case API)."""
    advice = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).first()
    if advice is None:
        raise InvalidInput.one("key", f"no advice request {key!r} on case {case.ref}")
    try:
        return record_submission(
            session,
            advice=advice,
            sections=sections,
            file=file,
            via="coordinator",
            council=council,
            document_store=document_store,
            now=now,
            actor=actor,
            received_on=received_on,
        )
    except AlreadyReceived as already:
        message = f"advice {key!r} was already recorded as received on {already.received_on}"
        raise InvalidInput.one("key", message) from None
