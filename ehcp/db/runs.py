"""The case's Prefect run, as the case store keeps it: which run is the case's, what
the run last saw, when it must look again, and which wait it is at.

Each write is a compare-and-set so that two processes (the case's run, the sweep, a
worker replaying a crashed run) never both move the same case on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ehcp.db.engine import rows_updated
from ehcp.db.models import Case
from ehcp.db.unit_of_work import commit
from ehcp.errors import InvalidInput


def attach_run(session: Session, *, case: Case, flow_run_id: str) -> None:
    """Remember the case's one Prefect run (set once; a second attach must name the same run)."""
    if case.flow_run_id not in (None, flow_run_id):
        raise InvalidInput.one("flow_run_id", f"case {case.ref} already has a run")
    case.flow_run_id = flow_run_id
    session.add(case)
    commit(session)


def mark_looked(
    session: Session, *, case_id: int, seen_version: int, wake_at: datetime | None, now: datetime
) -> bool:
    """Record that the run reconciled `seen_version` and when to wake it next.

    A compare-and-set: it succeeds only if nobody changed the case since the run
    read it. On False the run must look again before it suspends, or a signal
    written in between would wait for the sweep.
    """
    changed = rows_updated(
        session,
        update(Case)
        .where(col(Case.id) == case_id, col(Case.version) == seen_version)
        .values(run_seen_version=seen_version, wake_at=wake_at, run_looked_at=now),
    )
    commit(session)
    return changed == 1


def advance_wait(session: Session, *, case: Case, from_number: int) -> bool:
    """Move the run on to its next wait number, once (a compare-and-set)."""
    changed = rows_updated(
        session,
        update(Case)
        .where(col(Case.id) == case.id, col(Case.run_wait_number) == from_number)
        .values(run_wait_number=from_number + 1),
    )
    commit(session)
    session.refresh(case)
    return changed == 1


def case_for_run(session: Session, *, flow_run_id: str) -> Case | None:
    return session.exec(select(Case).where(Case.flow_run_id == flow_run_id)).first()


def cases_to_wake_query(*, now: datetime, limit: int) -> SelectOfScalar[Case]:
    """Cases whose run is due a look: the sweep's whole query, served by the wake_at index.

    Open cases, and closed ones whose run has not yet looked at what closed them: the
    write that closes a case (a decision not to assess, a withdrawal) is the one whose
    letter the family must get, and its run sends it on that last look."""
    return (
        select(Case)
        .where(
            col(Case.wake_at).is_not(None),
            col(Case.wake_at) <= now,
            or_(col(Case.closed_on).is_(None), col(Case.run_seen_version) < col(Case.version)),
        )
        .order_by(col(Case.wake_at))
        .limit(limit)
    )


def needs_a_look(case: Case) -> bool:
    """Open, or closed by a change its run has not looked at yet (see cases_to_wake_query)."""
    return case.closed_on is None or case.run_seen_version < case.version


def rest(session: Session, *, case: Case) -> None:
    """A closed case whose run has finished: nothing will look at it again, so the sweep
    stops reading it."""
    case.wake_at = None
    session.add(case)
    commit(session)


def cases_to_wake(session: Session, *, now: datetime, limit: int) -> list[Case]:
    return list(session.exec(cases_to_wake_query(now=now, limit=limit)))


def wake_for_change(session: Session, *, case_id: int, now: datetime) -> None:
    """Bump the case's version and wake it, in SQL so a concurrent writer's bump is not
    lost; committed with the caller's row and event."""
    session.execute(
        update(Case)
        .where(col(Case.id) == case_id)
        .values(version=col(Case.version) + 1, wake_at=now)
        .execution_options(synchronize_session=False)
    )


# -- a run that fails: requeued with growing waits, then stopped (ehcp.runtime.backoff) --


def record_requeue(session: Session, *, case: Case, requeues: int, retry_at: datetime | None) -> None:
    """The sweep requeued the case's failed run: count it, and do not wake the case for
    it again before `retry_at` (a replay that looks sets its own next wake)."""
    case.run_failures = requeues
    case.run_retry_at = retry_at
    case.wake_at = retry_at
    session.add(case)
    commit(session)


def record_stop(session: Session, *, case: Case, now: datetime) -> None:
    """The sweep stopped requeueing the case's run: it is not woken until someone retries it."""
    case.run_stopped_at = now
    case.run_retry_at = None
    case.wake_at = None
    session.add(case)
    commit(session)


def clear_failures(session: Session, *, case: Case) -> None:
    """The case's run reached a wait again: earlier failures no longer count."""
    if case.run_failures or case.run_retry_at is not None:
        case.run_failures = 0
        case.run_retry_at = None
        session.add(case)
        commit(session)


def retry_stopped(session: Session, *, case: Case, now: datetime) -> None:
    """Someone fixed the cause (`ehcp run retry`): count afresh and wake the case now."""
    case.run_failures = 0
    case.run_retry_at = None
    case.run_stopped_at = None
    case.wake_at = now
    session.add(case)
    commit(session)


def replace_run(session: Session, *, case: Case, flow_run_id: str) -> None:
    """Prefect lost the case's run and a new one was started: it is now the case's run."""
    case.flow_run_id = flow_run_id
    case.run_failures = 0
    case.run_retry_at = None
    session.add(case)
    commit(session)
