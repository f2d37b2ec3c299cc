"""The FastAPI application (`ehcp web`, started by `ehcp up`)."""

from __future__ import annotations

import importlib.resources
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ehcp.error_log import log_to_file
from ehcp.settings import PROJECT_ROOT, get_settings
from ehcp.web import cases, home, intake, plan, portal, staff
from ehcp.web.failures import FailuresAnsweredWithAnId

# Every response: scripts, styles, pictures, fonts and fetches from this origin only, no
# inline script or style, never framed, forms post only here. GOV.UK Frontend's CSS uses
# data: pictures; Swagger UI on /docs is served from here too (assets from the
# fastapi-offline package, started by static/ehcp/swagger-init.js).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}

DOCS_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{title} – API documentation</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/ehcp/swagger-init.js"></script>
</body>
</html>
"""


class SecurityHeaders:
    """Adds the headers above to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def swagger_ui_assets() -> Path | None:
    """Swagger UI's script and styles as the fastapi-offline package ships them, or None
    when it is not installed (then there is no /docs: the CDN is never used)."""
    try:
        folder = Path(str(importlib.resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def create_app() -> FastAPI:
    app = FastAPI(
        title="ehcp",
        summary="EHC needs assessments: intake from online forms and the case API.",
        version="1",
        # FastAPI's own /docs and /redoc load their scripts from a public CDN: /docs is served below.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.include_router(intake.router)
    app.include_router(cases.router)
    app.include_router(plan.router)
    app.include_router(portal.router)
    app.include_router(staff.router)
    app.include_router(home.router)
    # GOV.UK Frontend, vendored (scripts/vendor-govuk-frontend.sh); its CSS asks for /assets/.
    govuk = PROJECT_ROOT / "static" / "govuk"
    app.mount("/static/govuk", StaticFiles(directory=govuk), name="govuk")
    app.mount("/assets", StaticFiles(directory=govuk / "assets"), name="govuk-assets")
    # The project's own scripts (no page has an inline one: the CSP forbids them).
    app.mount("/static/ehcp", StaticFiles(directory=PROJECT_ROOT / "static" / "ehcp"), name="ehcp-static")
    _api_docs(app)
    # Outermost last: the portal's body limit answers 413 before a form is read, and
    # that answer gets the security headers too.
    app.add_middleware(portal.PortalBodyLimit)
    app.add_middleware(SecurityHeaders)
    # Outermost: whatever fails inside (a route, a middleware) is answered with an error id.
    app.add_middleware(FailuresAnsweredWithAnId)
    _security_log()

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(intake.openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
    from ehcp.web.validation_errors import register  # every 422: the field named, never the value

    register(app)
    return app


def _api_docs(app: FastAPI) -> None:
    """Swagger UI on /docs, every file from this server (council networks block CDNs)."""
    assets = swagger_ui_assets()
    if assets is None:
        logging.getLogger(__name__).warning("no /docs: the fastapi-offline package is not installed")
        return
    app.mount("/static/swagger-ui", StaticFiles(directory=assets), name="swagger-ui")
    page = DOCS_PAGE.format(title=app.title, openapi_url=app.openapi_url)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)


def _security_log() -> None:
    """Rejected and accepted deliveries, one line each, to var/log/security.log."""
    path = get_settings().var_dir / "log" / "security.log"
    log_to_file(logging.getLogger("ehcp.security"), path, "%(asctime)s %(levelname)s %(message)s")
