"""Dependencies shared by the routes: settings, the council, a database session, the caller."""

from __future__ import annotations

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


SessionDep = Annotated[Session, Depends(session)]
CouncilDep = Annotated[Council, Depends(council)]
CallerDep = Annotated[str, Depends(coordinator)]
