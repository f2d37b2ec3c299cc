"""`POST /webhooks/intake`: an online form's request becomes a case, exactly once.

Order of checks, each answering before the next is tried: size (413), content
type (415), Standard Webhooks signature and timestamp (401), payload (422,
naming every field at fault, never echoing a value). A rejected call writes
nothing but one security log line, which carries the reason and the webhook id
(truncated, quoted and escaped: a header cannot add a line), never the payload.
The case is committed before the answer; starting its Prefect run comes after
and may fail (Prefect down) without losing anything: the sweep starts runs for
cases that have none.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from ehcp import timesource
from ehcp.db.engine import database
from ehcp.errors import InvalidInput
from ehcp.intake import store
from ehcp.intake.schema import IntakeRequestV1
from ehcp.intake.signature import SignatureError, verify
from ehcp.runtime.signals import wake_case
from ehcp.web.deps import council, settings
from ehcp.web.validation_errors import problems

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
    webhook_id = request.headers.get("webhook-id", "-")[:LOGGED_ID_LENGTH]

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
        # From JSON, strictly: ISO text for days, JSON booleans for flags. "Today" is the
        # project's clock, as the case store's own checks read it.
        payload = IntakeRequestV1.model_validate_json(bytes(body), context={"today": timesource.today()})
    except ValidationError as invalid:
        detail = problems(invalid.errors(include_url=False), prefix=("body",))
        return _reject(422, f"{len(detail)} invalid field(s)", webhook_id, request, detail=detail)

    try:
        received = await run_in_threadpool(_store, webhook_id, payload)
    except InvalidInput as refused:
        detail = [
            {
                "loc": ["body", *_path(error.field)],
                "msg": _store_message(error.field, error.message),
                "type": "value_error",
            }
            for error in refused.errors
        ]
        return _reject(422, "refused by the case store", webhook_id, request, detail=detail)

    if received.created:
        background.add_task(wake_case, received.case_ref)  # starts its run
    code = status.HTTP_202_ACCEPTED if received.created else status.HTTP_200_OK
    security_log.info(
        "intake accepted: status=%s webhook_id=%s case=%s",
        code,
        _quoted(webhook_id),
        _quoted(received.case_ref),
    )
    return JSONResponse(
        status_code=code,
        content=Accepted(
            case_ref=received.case_ref, decide_by=received.decide_by, created=received.created
        ).model_dump(),
    )


def _store(webhook_id: str, payload: IntakeRequestV1) -> store.Received:
    with database() as db:
        return store.receive(
            db, webhook_id=webhook_id, request=payload, council=council(settings()), now=timesource.now()
        )


# Store errors name the case store's fields; map them to the payload's.
FIELD_IN_PAYLOAD = {
    "received_on": ("received_on",),
    "setting_calendar": ("current_setting", "term_calendar"),
}


def _path(field: str) -> tuple[str, ...]:
    return FIELD_IN_PAYLOAD.get(field, (field,) if field else ())


def _store_message(field: str, message: str) -> str:
    """A refusal the store made of the whole request (no field) may be pydantic's own text,
    which quotes values: say only that it was refused. The schema's limits are the
    store's (ehcp.limits), so this is not expected."""
    return message if field else "refused by the case store"


# The security log holds one line per delivery: every field is a JSON string (quoted, its
# control and non-ASCII characters escaped) and the id is cut to this length first.
LOGGED_ID_LENGTH = 200


def _quoted(value: str) -> str:
    return json.dumps(value[:LOGGED_ID_LENGTH])


def _reject(code: int, reason: str, webhook_id: str, request: Request, detail: Any = None) -> JSONResponse:
    client = request.client.host if request.client else "-"
    security_log.warning(
        "intake rejected: status=%s reason=%s webhook_id=%s client=%s",
        code,
        _quoted(reason),
        _quoted(webhook_id),
        _quoted(client),
    )
    return JSONResponse(status_code=code, content={"detail": detail if detail is not None else reason})


def openapi_components() -> dict[str, Any]:
    """The payload's schemas, for the app's OpenAPI components."""
    schema = IntakeRequestV1.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {**definitions, "IntakeRequestV1": schema}
