"""Every response of the web app carries a Content-Security-Policy (scripts, styles and
everything else from this origin only, no inline script, never framed, forms post here) and
`X-Content-Type-Options: nosniff`; no template of the web app has an inline script left."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from ehcp.settings import PROJECT_ROOT
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "h" * 30
DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


@pytest.fixture
def web(migrated_url, monkeypatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    with served_app() as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_every_response_has_a_strict_csp_and_nosniff(web):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path, headers, status in [
        ("/", {}, 200),
        ("/staff/cases", auth, 200),
        ("/staff/cases", {}, 401),
        ("/portal/advice/not-a-token", {}, 404),
        ("/docs", {}, 200),
        ("/openapi.json", {}, 200),
        ("/healthz", {}, 200),
        ("/static/ehcp/govuk-body-class.js", {}, 200),
        ("/no-such-page", {}, 404),
    ]:
        response = web.get(path, headers=headers)
        assert response.status_code == status, path
        policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
        assert set(DIRECTIVES) <= set(policy), (path, policy)
        assert not any("unsafe" in part or "http" in part for part in policy), path
        assert response.headers["x-content-type-options"] == "nosniff", path
    script = web.get("/static/ehcp/govuk-init.js")
    assert script.headers["content-type"].startswith("text/javascript")  # a module needs a JS type


def test_no_page_template_has_an_inline_script_or_style():
    for folder in ("web", "portal"):
        for template in (PROJECT_ROOT / "templates" / folder).glob("*.html"):
            html = template.read_text(encoding="utf-8")
            for tag in re.findall(r"<script\b[^>]*>", html):
                assert 'src="/static/' in tag, (template.name, tag)
            assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", html), template.name
