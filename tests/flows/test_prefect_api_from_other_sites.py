"""A web page a coordinator visits cannot read Prefect's runs or post to its API.

Under `ehcp up` Prefect's API has no login (the production profile adds basic auth), so
the browser's same-origin rules are what stand between it and any site a coordinator
opens: only the UI's own origin is allowed, and every change needs a CSRF token."""

from __future__ import annotations

import httpx
import pytest

from ehcp.runtime.supervisor import ui_origins

pytestmark = pytest.mark.slow

ELSEWHERE = "https://evil.example"


def test_a_page_elsewhere_is_not_allowed_to_read_the_api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        preflight = client.options(
            "/flow_runs/filter",
            headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "POST"},
        )
        simple = client.get("/health", headers={"Origin": ELSEWHERE})
    assert preflight.headers.get("access-control-allow-origin") not in (ELSEWHERE, "*")
    assert "access-control-allow-origin" not in simple.headers


def test_the_ui_own_origin_is_allowed(stack):
    origin = ui_origins(stack.settings)[0]
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        simple = client.get("/health", headers={"Origin": origin})
    assert simple.headers.get("access-control-allow-origin") == origin


def test_a_text_plain_post_without_a_csrf_token_is_refused(stack):
    """A form or fetch from another site can send text/plain without a preflight: the
    missing CSRF token stops it before it reads or changes anything."""
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        read = client.post(
            "/flow_runs/filter",
            content=b'{"limit": 5}',
            headers={"Content-Type": "text/plain", "Origin": ELSEWHERE},
        )
        change = client.post(
            "/flow_runs/",
            content=b'{"flow_id": "00000000-0000-0000-0000-000000000000"}',
            headers={"Content-Type": "text/plain", "Origin": ELSEWHERE},
        )
    assert read.status_code == 403, read.text
    assert change.status_code == 403, change.text


def test_prefect_own_client_still_works_with_csrf_on(system):
    """The flows, the sweep and the CLI talk to Prefect through its client, which fetches
    a token: a case opened and swept gets its run and settles to wait."""
    ref = system.open_case()
    report = system.sweep()
    assert ref in report.started
    assert system.settled(ref)
