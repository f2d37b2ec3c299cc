"""The FastAPI application (`ehcp web`, started by `ehcp up`)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from ehcp.settings import PROJECT_ROOT, get_settings
from ehcp.web import cases, home, intake, plan, portal, staff


def create_app() -> FastAPI:
    app = FastAPI(
        title="ehcp",
        summary="EHC needs assessments: intake from online forms and the case API.",
        version="1",
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
    return app


def _security_log() -> None:
    """Rejected and accepted deliveries, one line each, to var/log/security.log."""
    logger = logging.getLogger("ehcp.security")
    path = get_settings().var_dir / "log" / "security.log"
    for old in list(logger.handlers):  # one app per process, but tests build several
        logger.removeHandler(old)
        old.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
