"""`POST /webhooks/intake`: an online form's request becomes a case, exactly once.

Order of checks, each answering before the next is tried: size (413), content
type (415), Standard Webhooks signature and timestamp (401), payload (422,
naming every field at fault). A rejected call writes nothing but one security
log line, which carries the reason and the webhook id, never the payload.
The case is committed before the answer; starting its Prefect run comes after
and may fail (Prefect down) without losing anything: the sweep starts runs for
cases that have none.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from ehcp import timesource
from ehcp.errors import InvalidInput
from ehcp.intake import store
from ehcp.intake.schema import IntakeRequestV1
from ehcp.intake.signature import SignatureError, verify
from ehcp.web.deps import council, session, settings

router = APIRouter(tags=["intake"])
security_log = logging.getLogger("ehcp.security")


class Accepted(BaseModel):
    case_ref: str
    decide_by: str
    created: bool


class Problem(BaseModel):
    detail: Any


# The body is read raw (the signature covers the exact bytes), so FastAPI cannot
# infer its schema: declare it, and `openapi_components` publishes the models.
REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntakeRequestV1"}}},
    }
}


@router.post(
    "/webhooks/intake",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        200: {"model": Accepted, "description": "A redelivery: the case this delivery already made."},
        401: {"model": Problem, "description": "Missing or bad signature, or timestamp outside tolerance."},
        413: {"model": Problem, "description": "Body over the size limit."},
        415: {"model": Problem, "description": "Not application/json."},
        422: {"model": Problem, "description": "The payload is invalid; `detail` names every field."},
    },
    openapi_extra=REQUEST_BODY,
    summary="Receive a request for an EHC needs assessment from an online form",
)
async def receive_intake(request: Request, background: BackgroundTasks) -> JSONResponse:
    current = settings()
    webhook_id = request.headers.get("webhook-id", "-")[:200]

    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > current.intake_max_bytes:
        return _reject(413, "body over the size limit", webhook_id, request)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > current.intake_max_bytes:
            return _reject(413, "body over the size limit", webhook_id, request)

    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _reject(415, "content type must be application/json", webhook_id, request)

    try:
        webhook_id = verify(
            request.headers,
            bytes(body),
            secrets=current.intake_secrets,
            tolerance_seconds=current.intake_tolerance_seconds,
            now=timesource.wall_clock(),
        )
    except SignatureError as refused:
        return _reject(401, str(refused), webhook_id, request)

    try:
        payload = IntakeRequestV1.model_validate_json(bytes(body))
    except ValidationError as invalid:
        detail = [
            {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
            for item in invalid.errors(include_url=False, include_input=False)
        ]
        return _reject(422, f"{len(detail)} invalid field(s)", webhook_id, request, detail=detail)

    try:
        received = await run_in_threadpool(_store, webhook_id, payload)
    except InvalidInput as refused:
        detail = [
            {"loc": ["body", *_path(error.field)], "msg": error.message, "type": "value_error"}
            for error in refused.errors
        ]
        return _reject(422, "refused by the case store", webhook_id, request, detail=detail)

    if received.created:
        background.add_task(_start_run, received.case_ref)
    code = status.HTTP_202_ACCEPTED if received.created else status.HTTP_200_OK
    security_log.info("intake accepted: status=%s webhook_id=%s case=%s", code, webhook_id, received.case_ref)
    return JSONResponse(
        status_code=code,
        content=Accepted(
            case_ref=received.case_ref, decide_by=received.decide_by, created=received.created
        ).model_dump(),
    )


def _store(webhook_id: str, payload: IntakeRequestV1) -> store.Received:
    current = settings()
    rules = council(current)
    for db in session(current):
        return store.receive(db, webhook_id=webhook_id, request=payload, council=rules, now=timesource.now())
    raise RuntimeError("no database session")


# Store errors name the case store's fields; map them to the payload's.
FIELD_IN_PAYLOAD = {
    "received_on": ("received_on",),
    "setting_calendar": ("current_setting", "term_calendar"),
}


def _path(field: str) -> tuple[str, ...]:
    return FIELD_IN_PAYLOAD.get(field, (field,) if field else ())


# After Prefect fails to answer, stop trying for a while: a failed attempt costs about
# 1.5 s of client retries (measured), and the sweep starts the runs once it is back.
PREFECT_RETRY_AFTER_SECONDS = 30.0
_prefect_down_until = 0.0


def _start_run(case_ref: str) -> None:
    """Start the case's run now, so it is live within seconds; if Prefect is down the
    sweep starts it when it is back (the case's wake_at is already due)."""
    global _prefect_down_until
    from ehcp import orchestration
    from ehcp.db import crud
    from ehcp.prefect_api import prefect_api

    if time.monotonic() < _prefect_down_until:
        return
    try:
        with prefect_api():
            flow_run_id = orchestration.start_run(case_ref)
    except Exception as error:  # noqa: BLE001 - Prefect unreachable: the sweep will do it
        _prefect_down_until = time.monotonic() + PREFECT_RETRY_AFTER_SECONDS
        security_log.warning(
            "run for %s not started now (%s); the sweep will start it", case_ref, type(error).__name__
        )
        return
    for db in session(settings()):
        crud.attach_run(db, case=crud.require_case(db, ref=case_ref), flow_run_id=flow_run_id)


def _reject(code: int, reason: str, webhook_id: str, request: Request, detail: Any = None) -> JSONResponse:
    client = request.client.host if request.client else "-"
    security_log.warning(
        "intake rejected: status=%s reason=%s webhook_id=%s client=%s", code, reason, webhook_id, client
    )
    return JSONResponse(status_code=code, content={"detail": detail if detail is not None else reason})


def openapi_components() -> dict[str, Any]:
    """The payload's schemas, for the app's OpenAPI components."""
    schema = IntakeRequestV1.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {**definitions, "IntakeRequestV1": schema}
