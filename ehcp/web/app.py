"""The FastAPI application (`ehcp web`, started by `ehcp up`)."""

from __future__ import annotations

from fastapi import FastAPI

from ehcp.web import cases


def create_app() -> FastAPI:
    app = FastAPI(
        title="ehcp",
        summary="EHC needs assessments: the case API for the council's systems.",
        version="1",
    )
    app.include_router(cases.router)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
