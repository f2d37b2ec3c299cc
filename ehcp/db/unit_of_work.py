"""Several store writes that stand or fall together.

Each store write commits on its own, so a command that records one thing needs no
ceremony. A caller that records several (a coordinator's entry with a decision and
a withdrawal; an intake with its submission) wraps them in `unit_of_work(session)`:
inside it the writes only flush, so each later write validates against the facts as
the earlier ones left them, and the block commits once at the end or, on any error,
rolls back the lot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

_INSIDE = "ehcp.unit_of_work"


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    if session.info.get(_INSIDE):  # nested: the outermost block commits
        yield session
        return
    session.info[_INSIDE] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_INSIDE, None)


def commit(session: Session) -> None:
    """End a store write: commit it, or inside a unit of work, flush it for the block to commit."""
    if session.info.get(_INSIDE):
        session.flush()
    else:
        session.commit()
