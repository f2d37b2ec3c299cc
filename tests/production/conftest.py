"""One production-profile stack per module: PostgreSQL, Prefect behind basic auth, the
deployments on the `ehcp` process pool, two workers, the web app and an SMTP server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from standardwebhooks.webhooks import Webhook

from ehcp.council.config import cached_council
from ehcp.settings import PROJECT_ROOT, get_settings
from tests.support.production import ProductionStack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def production(tmp_path_factory, postgres_admin_url) -> Iterator[ProductionStack]:
    """Module-scoped: the two-API stack (test_two_api_servers.py) runs after this one has
    stopped, never beside it on a 2-core machine."""
    stack = ProductionStack.create_production(tmp_path_factory.mktemp("production"), postgres_admin_url)
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def as_production(production, monkeypatch) -> Iterator[ProductionStack]:
    """This test process sees the install's settings (production) and Prefect's client
    settings, as a council's own script on the network would."""
    for key, value in production.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    cached_council.cache_clear()
    with temporary_settings(
        updates={PREFECT_API_URL: production.api_url, PREFECT_API_AUTH_STRING: production.auth_string}
    ):
        yield production
    get_settings.cache_clear()


def send_intake(stack: ProductionStack, received_on: str) -> httpx.Response:
    """The example request, signed as the council's form provider signs it."""
    body = json.loads((PROJECT_ROOT / "examples" / "intake-request.json").read_text())
    body["submission_id"] = f"form-{uuid.uuid4().hex[:8]}"
    body["received_on"] = received_on
    raw = json.dumps(body)
    webhook_id = f"msg_{uuid.uuid4().hex}"
    sent_at = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(stack.env["EHC_INTAKE_WEBHOOK_SECRET"]).sign(webhook_id, sent_at, raw),
    }
    return httpx.post(f"{stack.web_url}/webhooks/intake", content=raw, headers=headers, timeout=60)
