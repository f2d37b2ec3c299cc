"""Dependencies shared by the routes: settings, the council, a database session, the caller."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ehcp.council.config import Council, load_council
from ehcp.db.engine import make_engine, session_for
from ehcp.settings import Settings, get_settings


@lru_cache
def _engine(url: str) -> Engine:
    return make_engine(url)


@lru_cache
def _council(directory: str) -> Council:
    return load_council(Path(directory))


def settings() -> Settings:
    return get_settings()


def council(current: Annotated[Settings, Depends(settings)]) -> Council:
    return _council(str(current.council_dir))


def session(current: Annotated[Settings, Depends(settings)]) -> Iterator[Session]:
    with session_for(_engine(current.effective_database_url)) as db:
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
