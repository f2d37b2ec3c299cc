"""Versions of the EHC plan as the caseworker wrote it. Keyword-only, like crud.

The plan is the council's document (Regs 12(1)): a caseworker drafts it in Word from
the working draft and uploads it. Each upload is read back section by section
(documents/plan_reading.py), refused with the section at fault while it is still a
working draft, and otherwise kept as the next numbered version: its file in the
document store, its text by section in the case store, a chronology entry naming the
version. Refused uploads write nothing. Serving a version (`served_on`) is the
serving step's concern, not this module's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.db import crud
from ehcp.db.models import Case, PlanVersion, id_of
from ehcp.db.unit_of_work import unit_of_work
from ehcp.documents.plan_reading import PlanText, read_plan, substantive_change
from ehcp.domain.facts import IssueOutcome
from ehcp.domain.stages import CaseStage
from ehcp.errors import InvalidInput
from ehcp.files import write_whole
from ehcp.timesource import london_date

__all__ = [
    "latest_plan_version",
    "plan_versions",
    "substantive_change",
    "upload_plan_version",
]

EVENT_KIND = "plan_version_uploaded"
PLAN_FOLDER = "plan"  # under the case's folder in the document store


def plan_versions(session: Session, *, case: Case) -> list[PlanVersion]:
    """The case's plan versions, oldest first."""
    return list(
        session.exec(
            select(PlanVersion).where(PlanVersion.case_id == case.id).order_by(col(PlanVersion.number))
        )
    )


latest_plan_version = crud.latest_plan_version


def upload_plan_version(
    session: Session, *, case: Case, data: bytes, filename: str, store: Path, now: datetime, actor: str
) -> PlanVersion:
    """Read the caseworker's Word file and keep it as the case's next plan version.

    Refused (InvalidInput, nothing written) when the case has no decision to issue a
    plan, its final plan is issued, it is closed, or the file is not yet a plan.
    """
    _may_draft(session, case)
    text = read_plan(data)
    with unit_of_work(session):
        _lock(session, case)
        previous = latest_plan_version(session, case=case)
        number = previous.number + 1 if previous else 1
        path, digest, created = _write(store, case, number, data)
        try:
            row = PlanVersion(
                case_id=id_of(case),
                number=number,
                sections=dict(text.sections),
                sha256=digest,
                storage_path=str(path),
                file_name=_safe_name(filename),
                uploaded_by=actor,
                uploaded_at=now,
            )
            session.add(row)
            session.flush()
            changed = substantive_change(previous.sections, text) if previous else text_codes(text)
            crud.record_event(
                session,
                case=case,
                kind=EVENT_KIND,
                occurred_on=london_date(now),
                actor=actor,
                now=now,
                summary=f"EHC plan version {number} uploaded.",
                detail={"number": number, "sha256": digest, "changed_sections": list(changed)},
            )
            # A write like any other: the case's run looks again.
            case.version += 1
            case.updated_at = now
            case.wake_at = now
            session.add(case)
            session.flush()
        except IntegrityError as error:
            if created:
                path.unlink(missing_ok=True)
            raise InvalidInput.one(
                "file", "another plan version was uploaded at the same moment: upload again"
            ) from error
        except BaseException:
            if created:
                path.unlink(missing_ok=True)
            raise
    session.refresh(row)
    return row


def text_codes(text: PlanText) -> tuple[str, ...]:
    """The sections a first version sets out (every one with text)."""
    return tuple(code for code, value in text.sections.items() if value.strip())


def _may_draft(session: Session, case: Case) -> None:
    facts = crud.case_facts(session, case=case)
    issue = facts.decision_to_issue
    if issue is None or issue.outcome is not IssueOutcome.ISSUE:
        raise InvalidInput.one(
            "case_ref",
            f"case {case.ref} has no decision to issue a plan: a plan is drafted after that decision",
        )
    if facts.final_issued_on is not None:
        raise InvalidInput.one(
            "case_ref",
            f"the final plan of {case.ref} was issued on {facts.final_issued_on}: "
            "it is changed by review, not by a new draft",
        )
    if CaseStage(case.stage).is_closed:
        raise InvalidInput.one("case_ref", f"case {case.ref} is closed ({case.stage})")


def _lock(session: Session, case: Case) -> None:
    """Hold the case row until commit, so two uploads cannot take the same number
    (PostgreSQL; SQLite serialises writers anyway, and the unique key is the backstop)."""
    session.exec(select(Case.id).where(Case.id == case.id).with_for_update()).first()


def _write(store: Path, case: Case, number: int, data: bytes) -> tuple[Path, str, bool]:
    digest = hashlib.sha256(data).hexdigest()
    folder = store / case.ref / PLAN_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"plan_version-{number}-{digest[:12]}.docx"
    if path.exists():
        return path, digest, False
    write_whole(path, data)
    return path, digest, True


def _safe_name(name: str) -> str:
    """A readable name for the coordinator, without paths or odd characters."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".docx")
    stem = "".join(char if char.isalnum() or char in " -_." else "_" for char in stem).strip()[:80]
    return f"{stem or 'plan'}.docx"
