"""Intake keeps working while Prefect is down; the run starts once it is back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from ehcp.settings import PROJECT_ROOT, get_settings
from tests.support.stack import read_run
from tests.support.web import served_app

pytestmark = pytest.mark.slow


def test_a_request_sent_while_prefect_is_down_is_kept_and_its_run_starts_when_prefect_returns(system, stack):
    system.today(date(2026, 11, 20))
    body = json.loads((PROJECT_ROOT / "examples" / "intake-request.json").read_text())
    body["submission_id"] = f"form-{uuid.uuid4().hex[:8]}"
    raw = json.dumps(body).encode()
    webhook_id = f"msg_{uuid.uuid4().hex}"
    sent_at = datetime.now(UTC)
    secret = get_settings().intake_secrets[0]  # the install's own, generated under var/ on first start
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, raw.decode()),
    }
    stack.kill("prefect-server")
    with served_app() as url:
        response = httpx.post(f"{url}/webhooks/intake", content=raw, headers=headers, timeout=60)
    assert response.status_code == 202, response.text
    ref = response.json()["case_ref"]
    assert system.case(ref).flow_run_id is None  # nothing lost, nothing started

    stack.start_prefect()
    assert ref in system.sweep().started
    case = system.settled(ref)
    assert case.stage == "considering"
    assert read_run(case.flow_run_id).name == f"ehc-{ref}"
