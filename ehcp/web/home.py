"""The landing page at `/`: what this service is, and where each kind of visitor goes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ehcp.web.deps import CouncilDep, settings
from ehcp.web.pages import pages

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(council: CouncilDep) -> HTMLResponse:
    html = pages.get_template("web/home.html").render(
        service="EHC needs assessments",
        council=council.name,
        send_team_email=str(council.send_team.email),
        prefect_ui_url=settings().prefect_ui_url,
    )
    return HTMLResponse(html, headers={"X-Frame-Options": "DENY"})
