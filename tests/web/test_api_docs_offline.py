"""`/docs` is Swagger UI served entirely from this server (council networks block CDNs, and a
CDN would see staff traffic): no external address in the page, every asset answered here,
and in a browser it shows the API under the CSP with no violation and no request elsewhere.
FastAPI's own CDN pages (/redoc, the OAuth2 redirect page) are off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.browser import browser_page
from tests.support.postgres import free_port
from tests.support.web import served_app


@pytest.fixture
def served(monkeypatch, tmp_path) -> Iterator[str]:
    monkeypatch.setenv("EHC_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    with served_app() as url:
        yield url


def test_the_docs_page_and_its_assets_come_from_this_server(served):
    with httpx.Client(base_url=served, timeout=30) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert not re.search(r"https?://|//[a-z]", page.text), "the page names another server"
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
        for asset in assets:
            assert asset.startswith("/"), asset
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert response.headers["content-type"].split(";")[0] in ("text/javascript", "text/css"), asset
        assert "<script>" not in page.text  # every script is a file (no inline script under the CSP)
        assert client.get("/redoc").status_code == 404
        assert client.get("/docs/oauth2-redirect").status_code == 404


@pytest.mark.slow
def test_swagger_ui_shows_the_api_under_the_csp_with_no_request_elsewhere(served):
    with browser_page() as page:
        requests: list[str] = []
        messages: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
        page.add_init_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        response = page.goto(f"{served}/docs")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.locator(".swagger-ui .info .title").filter(has_text="ehcp").wait_for()
        page.locator(".opblock").first.wait_for()  # the operations, read from /openapi.json
        violations = page.evaluate("window.__violations")
    assert violations == []
    assert [m for m in messages if m.startswith(("error", "pageerror"))] == []
    served_host = urlsplit(served).netloc
    elsewhere = [
        url for url in requests if not url.startswith("data:") and urlsplit(url).netloc != served_host
    ]
    assert elsewhere == []
