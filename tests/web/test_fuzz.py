"""Fuzz every operation in the published OpenAPI (schemathesis): no input makes a server error.

Webhook calls are signed and API calls carry the token, so generated payloads
get past authentication and exercise validation and the case store.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ehcp.intake.signature import sign
from tests.support.postgres import free_port
from tests.support.web import served_app

SECRET = "whsec_" + "ZnV6ei1zZWNyZXQtZnV6ei1zZWNyZXQtZnV6ei0xMjM0"
TOKEN = "fuzz-token-" + "f" * 30


@pytest.fixture
def web_schema(tmp_path, monkeypatch) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    from ehcp.db import migrate

    # One backend is enough to fuzz the HTTP layer (and schemathesis's plugin does not
    # combine with the parametrised database fixture).
    database_url = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    migrate.upgrade(database_url)
    monkeypatch.setenv("EHC_DATABASE_URL", database_url)
    monkeypatch.setenv("EHC_INTAKE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-11-22T09:00:00+00:00")
    with served_app() as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json"), _a_real_case(url)


def _a_real_case(url: str) -> str:
    """Case routes get a real reference, so fuzzed bodies reach the case store's rules."""
    from ehcp.settings import PROJECT_ROOT

    body = (PROJECT_ROOT / "examples" / "intake-request.json").read_bytes()
    webhook_id, timestamp = "msg_fuzz_seed", int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, webhook_id, timestamp, body),
    }
    return httpx.post(f"{url}/webhooks/intake", content=body, headers=headers, timeout=30).json()["case_ref"]


def test_no_generated_request_causes_a_server_error(web_schema):
    web_schema, ref = web_schema
    # schemathesis's own pytest plugin reads a private pytest attribute that pytest 9 removed,
    # so each operation's Hypothesis strategy is driven directly.
    operations = [result.ok() for result in web_schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def no_server_error(case):
            if "ref" in (case.path_parameters or {}):
                case.path_parameters["ref"] = ref
            _send(case)

        no_server_error()


def _send(case) -> None:
    request = case.as_transport_kwargs()
    body = json.dumps(request.pop("json")).encode() if "json" in request else b""
    headers = {key: value for key, value in (request.get("headers") or {}).items() if isinstance(value, str)}
    headers["content-type"] = "application/json"
    headers["authorization"] = f"Bearer {TOKEN}"
    if case.path == "/webhooks/intake":
        webhook_id = f"msg_{uuid.uuid4().hex}"
        timestamp = int(time.time())
        headers |= {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(SECRET, webhook_id, timestamp, body),
        }
    response = httpx.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        content=body,
        headers=headers,
        timeout=30,
    )
    documented = {int(code) for code in case.operation.definition.raw["responses"] if code.isdigit()}
    assert response.status_code < 500, (case.method, case.path, response.text)
    assert response.status_code in documented | {401, 404, 422}, (
        case.path,
        response.status_code,
        response.text,
    )
