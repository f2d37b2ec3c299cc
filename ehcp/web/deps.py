"""Dependencies shared by the routes: settings, the council, a database session, the caller."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlmodel import Session

from ehcp.council.config import Council, cached_council
from ehcp.db.engine import database
from ehcp.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def council(current: Annotated[Settings, Depends(settings)]) -> Council:
    return cached_council(current.council_dir)


def session() -> Iterator[Session]:
    with database() as db:
        yield db


def coordinator(
    current: Annotated[Settings, Depends(settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """Callers present the API token as `Authorization: Bearer <token>`."""
    scheme, _, token = (authorization or "").partition(" ")
    expected = current.api_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a valid API token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "coordinator:api"


def staff(
    current: Annotated[Settings, Depends(settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The staff pages, opened in a browser: HTTP Basic with the API token as the password
    (any user name), so the browser asks once and a link from the Prefect UI just works.
    The API's own `Authorization: Bearer <token>` is accepted too."""
    scheme, _, credentials = (authorization or "").partition(" ")
    token = credentials
    if scheme.lower() == "basic":
        try:
            token = base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            token = ""
    expected = current.api_token.get_secret_value()
    if scheme.lower() not in ("basic", "bearer") or not hmac.compare_digest(
        token.encode(), expected.encode()
    ):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="staff only: sign in with the API token as the password",
            headers={"WWW-Authenticate": 'Basic realm="ehcp staff", charset="UTF-8"'},
        )
    return "coordinator:staff-pages"


SessionDep = Annotated[Session, Depends(session)]
CouncilDep = Annotated[Council, Depends(council)]
CallerDep = Annotated[str, Depends(coordinator)]
StaffDep = Annotated[str, Depends(staff)]
