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

import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, Headers, UploadFile  # what request.form() gives
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehcp import timesource
from ehcp.council.config import Council, cached_council
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, Child
from ehcp.domain.advice_sections import sections_for
from ehcp.domain.stages import ENDED_WITHOUT_A_PLAN, CaseStage
from ehcp.errors import InvalidInput
from ehcp.portal import tokens, uploads
from ehcp.portal.submit import AlreadyReceived, record_submission
from ehcp.portal.uploads import UploadRefused, check_upload
from ehcp.runtime.signals import wake_case
from ehcp.safe_text import unsafe_character
from ehcp.settings import Settings, get_settings
from ehcp.text import words
from ehcp.web.deps import council, session, settings
from ehcp.web.pages import pages

router = APIRouter(prefix="/portal", include_in_schema=False)
security = logging.getLogger("ehcp.security")
MAX_SECTION_CHARACTERS = 20_000
# A form's body may exceed the upload limit by this much: the typed sections (up to
# 20,000 characters each, several bytes a character once encoded, or signed in the
# draft) and the multipart framing.
FORM_ALLOWANCE = 2 * 1024 * 1024
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
        elif self._assessment_ended():
            self.refusal = self.page(
                "portal/problem.html",
                410,
                title="This advice is no longer needed",
                reason="The assessment this advice was asked for has ended, so we no longer need it. "
                f"If you have a question, email {loaded.send_team.email}.",
            )

    def _assessment_ended(self) -> bool:
        """The case ended without a plan: its advisers were told the advice is no longer
        needed (ehcp/domain/planner.py `_stood_down`), and the link takes nothing more."""
        case = crud.case_by_id(self.db, case_id=self.advice.case_id)
        return CaseStage(case.stage) in ENDED_WITHOUT_A_PLAN

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
            "max_size": uploads.size_in_words(self.settings.portal_max_upload_bytes),
        }

    # -- the draft between "Continue" and "Send" --------------------------------

    def _signer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.settings.secret_key.get_secret_value(), salt="ehcp.portal.draft")

    def sign_draft(self, sections: dict[str, str], file: dict[str, Any] | None) -> str:
        return self._signer().dumps({"a": self.advice.id, "sections": sections, "file": file})

    def read_draft(self, value: str) -> dict[str, Any] | None:
        """The draft `sign_draft` made for this request, or None. Its shape is checked
        again, though signed: section codes must be this contributor's, texts strings
        within the limit, and a file's parked id the random form `park` gives."""
        try:
            draft = self._signer().loads(value)
        except BadSignature:
            return None
        if not isinstance(draft, dict) or set(draft) != {"a", "sections", "file"}:
            return None
        if draft["a"] != self.advice.id:
            return None
        sections, file = draft.get("sections"), draft.get("file")
        allowed = {section.code for section in sections_for(self.advice.role)}
        if not isinstance(sections, dict) or not set(sections) <= allowed:
            return None
        if not all(
            isinstance(text, str) and len(text) <= MAX_SECTION_CHARACTERS for text in sections.values()
        ):
            return None
        if file is not None:
            if not isinstance(file, dict):
                return None
            try:
                uploads.parked_path(self.pending, file.get("id"))
            except UploadRefused:
                return None
        return {"sections": sections, "file": file}

    @property
    def pending(self) -> Path:
        return uploads.pending_dir(self.settings.var_dir)


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
    form = await _read_form(portal, max_files=1, max_fields=20)
    if form is None:
        return _unreadable(portal)
    about = portal.about()
    values = {section.code: _text(form.get(f"section-{section.code}")) for section in about["sections"]}
    errors: dict[str, str] = {}
    for code, text in values.items():
        if len(text) > MAX_SECTION_CHARACTERS:
            errors[f"section-{code}"] = (
                f"Section {code} must be {MAX_SECTION_CHARACTERS:,} characters or fewer"
            )
        elif (problem := unsafe_character(text, multiline=True)) is not None:
            # Pasted text can carry invisible or direction-changing characters that would
            # show the plan's reader something other than what is stored.
            errors[f"section-{code}"] = f"Section {code} {problem}: remove it and try again"
    upload = form.get("advice-file")
    file_info = None
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(portal.settings.portal_max_upload_bytes + 1)
        try:  # opening a PDF or inflating a Word document takes CPU: not on the event loop
            checked = await run_in_threadpool(
                check_upload, upload.filename, content, max_bytes=portal.settings.portal_max_upload_bytes
            )
        except UploadRefused as refused:
            errors["advice-file"] = str(refused)
        else:
            file_info = uploads.park(portal.pending, checked, now=timesource.now())
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
    form = await _read_form(portal, max_files=0, max_fields=5)
    draft = portal.read_draft(str(form.get("draft", ""))) if form is not None else None
    if draft is None:
        security.warning("portal confirmation refused: bad or malformed draft")
        return _unreadable(portal)
    file = None
    if draft["file"] is not None:
        try:
            file = await run_in_threadpool(
                uploads.unpark,
                portal.pending,
                draft["file"],
                max_bytes=portal.settings.portal_max_upload_bytes,
            )
        except UploadRefused:
            return portal.page(
                "portal/problem.html",
                400,
                title="Sorry, there is a problem",
                reason="The document you uploaded is no longer available (uploads are kept for a day). "
                "Go back to the link in the email and upload it again.",
            )
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
        _discard(portal, draft)
        return portal.already()
    except InvalidInput:
        security.warning("portal confirmation refused: the draft's answers were not accepted")
        return _unreadable(portal)
    _discard(portal, draft)
    case = crud.case_by_id(portal.db, case_id=portal.advice.case_id)
    portal.background.add_task(wake_case, case.ref)
    return portal.page("portal/done.html", case_ref=case.ref, role=words(portal.advice.role))


async def _read_form(portal: Portal, *, max_files: int, max_fields: int) -> FormData | None:
    """The posted form, or None if it cannot be parsed (a broken multipart body, more
    files or fields than the form has): then the contributor gets the portal's own page,
    uncached like every other, not the framework's bare JSON error."""
    try:
        return await portal.request.form(max_files=max_files, max_fields=max_fields)
    except (HTTPException, MultiPartException) as error:
        security.warning("portal form refused: %s", type(error).__name__)
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _unreadable(portal: Portal) -> HTMLResponse:
    return portal.page(
        "portal/problem.html",
        400,
        title="Sorry, there is a problem",
        reason="Your answers could not be read. Go back to the link in the email and start again.",
    )


def _discard(portal: Portal, draft: dict[str, Any]) -> None:
    """The parked copy of a sent (or already received) file is not kept."""
    if draft["file"] is not None:
        uploads.discard(portal.pending, draft["file"].get("id"))


# -- the body limit: refused before it is read -------------------------------------


class _BodyTooLarge(Exception):
    pass


class PortalBodyLimit:
    """ASGI middleware: a POST to the portal whose body is over the upload limit (plus
    FORM_ALLOWANCE) is answered 413 before the form is parsed. A declared Content-Length
    over it is refused at once, reading nothing; a chunked body is counted as it arrives
    and refused the moment it passes the limit, so at most the limit reaches the disk."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or not scope["path"].startswith(router.prefix + "/")
        ):
            await self.app(scope, receive, send)
            return
        current = get_settings()
        limit = current.portal_max_upload_bytes + FORM_ALLOWANCE
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(current, scope, send)
            return
        received = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    # Answered here, before the app sees more: whatever the app (or a
                    # middleware inside this one) makes of the exception is dropped.
                    refused = True
                    if not started:
                        await _too_large(current, scope, send)
                    raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooLarge):  # already answered 413
            await self.app(scope, counted, watched)


async def _too_large(current: Settings, scope: Scope, send: Send) -> None:
    security.warning("portal upload refused: body over the size limit")
    limit = uploads.size_in_words(current.portal_max_upload_bytes)
    values = {
        "title": "The selected file is too large",
        "reason": f"The selected file must be smaller than {limit}. Go back, choose a smaller file "
        "(or save it as a PDF) and send it again.",
    }
    try:
        html = pages.get_template("portal/problem.html").render(
            council=cached_council(current.council_dir).name, **values
        )
    except Exception:  # the council's configuration is not this answer's business
        html = f"<!DOCTYPE html><title>{values['title']}</title><p>{values['reason']}</p>"
    # Connection: close, so the server stops reading the rest of the body.
    response = HTMLResponse(html, status_code=413, headers={**HEADERS, "Connection": "close"})
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
