"""Staff pages: open cases, one case's limits and documents, and a document's download.

For the SEND team in a browser, signed in with HTTP Basic (deps.staff). The timeline
artifact in the Prefect UI links each document here, so a coordinator reading a run
can open its letters without a server path; Prefect itself holds no personal data,
so the link carries only the case reference and the document's number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from sqlmodel import col, select

from ehcp import timesource
from ehcp.db import crud
from ehcp.db.models import Case, Document
from ehcp.documents.store import documents_of
from ehcp.domain.clock import Limit
from ehcp.errors import InvalidInput
from ehcp.text import words
from ehcp.views.run_status import next_limit
from ehcp.views.timeline import CaseDetails, document_path
from ehcp.web.deps import CouncilDep, SessionDep, StaffDep, settings
from ehcp.web.pages import pages

router = APIRouter(prefix="/staff", include_in_schema=False)
security = logging.getLogger("ehcp.security")
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
SERVICE = "EHC needs assessments: SEND team"
MAX_LISTED = 1000  # the caseboard (issue 14) will page; a council's open cases fit


@dataclass(frozen=True)
class OpenCase:
    ref: str
    stage: str
    received_on: date
    next_limit: Limit | None


@router.get("/cases", response_class=HTMLResponse)
def open_cases(session: SessionDep, council: CouncilDep, caller: StaffDep) -> HTMLResponse:
    today = timesource.today()
    cases = session.exec(
        select(Case)
        .where(col(Case.closed_on).is_(None))
        .order_by(col(Case.received_on), col(Case.id))
        .limit(MAX_LISTED)
    ).all()
    rows = []
    for case in cases:
        timeline = crud.case_timeline(session, case=case, council=council, today=today)
        rows.append(OpenCase(case.ref, case.stage, case.received_on, next_limit(timeline)))
    rows.sort(
        key=lambda row: (
            row.next_limit is None,
            row.next_limit.due_on if row.next_limit else date.max,
            row.ref,
        )
    )
    return _page("web/staff_cases.html", council=council.name, cases=rows, today=today, words=words)


@router.get("/cases/{ref}", response_class=HTMLResponse)
def one_case(ref: str, session: SessionDep, council: CouncilDep, caller: StaffDep) -> HTMLResponse:
    case = _case_or_404(session, ref)
    timeline = crud.case_timeline(session, case=case, council=council, today=timesource.today())
    return _page(
        "web/staff_case.html",
        council=council.name,
        case=case,
        timeline=timeline,
        details=CaseDetails.of(case).lines(),
        documents=[
            (row, document_path(case.ref, row.id or 0), timesource.london_date(row.created_at))
            for row in documents_of(session, case=case)
        ],
        words=words,
    )


@router.get("/cases/{ref}/documents/{document_id}")
def download(ref: str, document_id: int, session: SessionDep, caller: StaffDep) -> FileResponse:
    case = _case_or_404(session, ref)
    document = session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        raise HTTPException(status_code=404, detail="no such document on this case")
    path = Path(document.storage_path).resolve()
    store = settings().document_store.resolve()
    if not path.is_relative_to(store) or not path.is_file():
        # Only the store's own files are served, whatever a row says.
        raise HTTPException(status_code=404, detail="the document's file is not in the document store")
    security.info("staff download: case %s document %d", case.ref, document_id)
    return FileResponse(
        path,
        media_type=document.media_type,
        filename=f"{case.ref}-{_file_stem(document.kind)}{path.suffix}",
        headers=HEADERS,
    )


def _case_or_404(session, ref: str) -> Case:
    try:
        return crud.require_case(session, ref=ref)
    except InvalidInput:
        raise HTTPException(status_code=404, detail="no case with that reference") from None


def _file_stem(kind: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")


def _page(template: str, **values) -> HTMLResponse:
    html = pages.get_template(template).render(service=SERVICE, **values)
    return HTMLResponse(html, headers=HEADERS)
