"""The contributor portal: a signed link opens one advice request; the contributor
types their advice for the plan sections they inform and/or uploads it, checks their
answers and sends it. GOV.UK Design System pages, no JavaScript needed.

The link's token is the capability: it names one advice request and expires. Each
form also carries a signed value tied to that request, so a form cannot be replayed
against another request (CSRF needs the token from the URL, which only the
recipient of the email has). Responses are never cached and send no Referer, since
the URL holds the token.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile  # what request.form() gives (not fastapi's subclass)

from ehcp import timesource
from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, Child
from ehcp.domain.advice_sections import sections_for
from ehcp.portal import tokens
from ehcp.portal.submit import AlreadyReceived, record_submission
from ehcp.portal.uploads import CheckedFile, UploadRefused, check_upload
from ehcp.runtime.signals import wake_case
from ehcp.settings import Settings
from ehcp.text import words
from ehcp.web.deps import council, session, settings
from ehcp.web.pages import pages

router = APIRouter(prefix="/portal", include_in_schema=False)
security = logging.getLogger("ehcp.security")
MAX_SECTION_CHARACTERS = 20_000
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


class Portal:
    """The request a token opens, with what every page needs."""

    def __init__(
        self,
        token: str,
        request: Request,
        background: BackgroundTasks,
        db: Annotated[Session, Depends(session)],
        current: Annotated[Settings, Depends(settings)],
        loaded: Annotated[Council, Depends(council)],
    ) -> None:
        self.token, self.request, self.background = token, request, background
        self.db, self.settings, self.council = db, current, loaded
        self._advice: AdviceRequest | None = None
        self.refusal: HTMLResponse | None = None
        try:
            advice_id = tokens.read_token(
                token, today=timesource.today(), secret=current.secret_key.get_secret_value()
            )
        except tokens.TokenError as error:
            security.warning("portal link refused: %s", type(error).__name__)
            status = 410 if isinstance(error, tokens.TokenExpired) else 404
            self.refusal = self.page(
                "portal/problem.html", status, title="This link cannot be used", reason=error.reason
            )
            return
        self._advice = db.get(AdviceRequest, advice_id)
        if self._advice is None:
            security.warning("portal link refused: no such advice request")
            self.refusal = self.page(
                "portal/problem.html",
                404,
                title="This link cannot be used",
                reason=tokens.TokenInvalid.reason,
            )
        elif self._advice.received_on is not None:
            self.refusal = self.already()

    @property
    def advice(self) -> AdviceRequest:
        """The advice request the link opens: routes read it only when `refusal` is None."""
        if self._advice is None:
            raise LookupError("the link opens no advice request")
        return self._advice

    # -- pages ---------------------------------------------------------------

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = pages.get_template(template).render(council=self.council.name, **values)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def already(self) -> HTMLResponse:
        return self.page(
            "portal/problem.html",
            409,
            title="We already have this advice",
            reason=f"We received this advice on {self.advice.received_on:%-d %B %Y}. "
            "If you need to add to it, email the SEND team quoting the case reference.",
        )

    def about(self) -> dict[str, Any]:
        case = crud.case_by_id(self.db, case_id=self.advice.case_id)
        child = self.db.exec(select(Child).where(col(Child.case_id) == case.id)).first()
        return {
            "case_ref": case.ref,
            "child_name": f"{child.given_names} {child.family_name}" if child else "",
            "child_dob": f"{child.date_of_birth:%-d %B %Y}" if child else "",
            "role": words(self.advice.role),
            "due_on": f"{self.advice.due_on:%-d %B %Y}",
            "sections": sections_for(self.advice.role),
            "send_team_email": self.council.send_team.email,
            "action": f"/portal/advice/{self.token}",
            "max_mb": self.settings.portal_max_upload_bytes // (1024 * 1024),
        }

    # -- the draft between "Continue" and "Send" --------------------------------

    def _signer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.settings.secret_key.get_secret_value(), salt="ehcp.portal.draft")

    def sign_draft(self, sections: dict[str, str], file: dict[str, Any] | None) -> str:
        return self._signer().dumps({"a": self.advice.id, "sections": sections, "file": file})

    def read_draft(self, value: str) -> dict[str, Any] | None:
        try:
            draft = self._signer().loads(value)
        except BadSignature:
            return None
        return draft if draft.get("a") == self.advice.id else None

    @property
    def pending(self) -> Path:
        return self.settings.var_dir / "uploads" / "pending"


PortalDep = Annotated[Portal, Depends()]


@router.get("/advice/{token}", response_class=HTMLResponse)
def start(portal: PortalDep) -> HTMLResponse:
    if portal.refusal:
        return portal.refusal
    return portal.page("portal/form.html", **portal.about(), values={}, errors={})


@router.post("/advice/{token}", response_class=HTMLResponse)
async def check_answers(portal: PortalDep) -> HTMLResponse:
    if portal.refusal:
        return portal.refusal
    form = await portal.request.form(max_files=1, max_fields=20)
    about = portal.about()
    values = {section.code: str(form.get(f"section-{section.code}", "")) for section in about["sections"]}
    errors: dict[str, str] = {}
    for code, text in values.items():
        if len(text) > MAX_SECTION_CHARACTERS:
            errors[f"section-{code}"] = (
                f"Section {code} must be {MAX_SECTION_CHARACTERS:,} characters or fewer"
            )
    upload = form.get("advice-file")
    file_info = None
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(portal.settings.portal_max_upload_bytes + 1)
        try:
            checked = check_upload(
                upload.filename, content, max_bytes=portal.settings.portal_max_upload_bytes
            )
        except UploadRefused as refused:
            errors["advice-file"] = str(refused)
        else:
            file_info = _park(portal, checked)
    if not errors and not any(text.strip() for text in values.values()) and file_info is None:
        first = about["sections"][0].code
        errors[f"section-{first}"] = "Enter your advice in at least one section, or upload a file"
    if errors:
        return portal.page("portal/form.html", 400, **about, values=values, errors=errors)
    draft = portal.sign_draft(values, file_info)
    return portal.page("portal/check.html", **about, values=values, file=file_info, draft=draft)


@router.post("/advice/{token}/confirm", response_class=HTMLResponse)
async def confirm(portal: PortalDep) -> HTMLResponse:
    if portal.refusal:
        return portal.refusal
    form = await portal.request.form(max_files=0, max_fields=5)
    draft = portal.read_draft(str(form.get("draft", "")))
    if draft is None:
        security.warning("portal confirmation refused: bad draft signature")
        return portal.page(
            "portal/problem.html",
            400,
            title="Sorry, there is a problem",
            reason="Your answers could not be read. Go back to the link in the email and start again.",
        )
    file = _unpark(portal, draft["file"]) if draft["file"] else None
    try:
        record_submission(
            portal.db,
            advice=portal.advice,
            sections=draft["sections"],
            file=file,
            via="portal",
            council=portal.council,
            document_store=portal.settings.document_store,
            now=timesource.now(),
            actor=f"contributor:{portal.advice.role}",
        )
    except AlreadyReceived:
        portal.db.refresh(portal.advice)
        return portal.already()
    case = crud.case_by_id(portal.db, case_id=portal.advice.case_id)
    portal.background.add_task(wake_case, case.ref)
    return portal.page("portal/done.html", case_ref=case.ref, role=words(portal.advice.role))


def _park(portal: Portal, checked: CheckedFile) -> dict[str, Any]:
    """Keep an upload between the check-your-answers page and "Send" (named by a random id)."""
    portal.pending.mkdir(parents=True, exist_ok=True)
    parked = uuid.uuid4().hex
    (portal.pending / parked).write_bytes(checked.content)
    return {"id": parked, "name": checked.name, "type": checked.media_type, "bytes": len(checked.content)}


def _unpark(portal: Portal, info: dict[str, Any]) -> CheckedFile | None:
    path = portal.pending / info["id"]
    if not path.is_file():
        return None
    return CheckedFile(name=info["name"], media_type=info["type"], content=path.read_bytes())
