"""What the sweep does with a case run that failed: requeue it now, wait, or stop.

A run fails when a look raises (a bug, or data the code cannot take), and a bug fails the
same way every time: requeued by every sweep for ever, it would hide among healthy runs
and fill the log. So the sweep requeues a failed run at once (the cause may have been
passing: the database restarting), then after waits that double from the first, and after
`limit` requeues it stops: the run is marked "Stopped", the SEND team is told once, and
the case waits for someone to fix the cause and `ehcp run retry` it.

A run that *crashed* (its worker died) is not counted here: that is not the case's fault,
and the sweep requeues it whenever it finds it.

Pure: the sweep passes in what the case store remembers and the moment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_WAIT = timedelta(days=1)


class Step(enum.Enum):
    REQUEUE = "requeue"  # put the run back in the queue now
    WAIT = "wait"  # too soon after the last requeue
    STOP = "stop"  # it has had its tries: stop it and tell the SEND team
    STOPPED = "stopped"  # stopped before: nothing to do until someone retries it


@dataclass(frozen=True)
class RetryPolicy:
    limit: int  # requeues before the sweep stops trying
    first_wait: timedelta  # after the first requeue; doubles after each one

    def wait_after(self, requeues: int) -> timedelta:
        """How long after its `requeues`-th requeue a run that fails again waits."""
        return min(self.first_wait * 2 ** max(requeues - 1, 0), MAX_WAIT)


@dataclass(frozen=True)
class Decision:
    step: Step
    requeues: int  # the count to remember after this step
    retry_at: datetime | None = None  # the earliest next requeue, after a requeue


def decide(
    policy: RetryPolicy,
    *,
    requeues: int,
    retry_at: datetime | None,
    stopped_at: datetime | None,
    now: datetime,
) -> Decision:
    """The sweep found the case's run Failed. `requeues`: how many times it has been
    requeued since it last reached a wait; `retry_at`: the earliest the next may be."""
    if stopped_at is not None:
        return Decision(Step.STOPPED, requeues)
    if retry_at is not None and now < retry_at:
        return Decision(Step.WAIT, requeues, retry_at)
    if requeues >= policy.limit:
        return Decision(Step.STOP, requeues)
    return Decision(Step.REQUEUE, requeues + 1, now + policy.wait_after(requeues + 1))
