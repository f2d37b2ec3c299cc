"""What a case's run says about it in Prefect's Runs list: its state message and its tags.

A coordinator scanning the Runs page sees the state ("Suspended") and, beside it, the
state's message: what the case waits for and when its next limit falls due. Tags let
them filter: `stage:<stage>`, `officer:<coordinator key>`, `due:this-week` (a limit
falls due within 7 days, today included) and `overdue` (a limit has passed with nothing
done and no exception).

Built from the look's roles, keys, dates and states only: these reach Prefect, which
must carry no personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from ehcp.domain.clock import Limit, LimitState, Timeline
from ehcp.domain.grounds import Duty
from ehcp.views.labels import limit_label

MAX_MESSAGE = 400  # a state message is a line in a list, not a report
DUE_SOON_DAYS = 7


class _Look(Protocol):
    @property
    def stage(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def waiting_for(self) -> tuple[str, ...]: ...
    @property
    def timeline(self) -> Timeline: ...
    @property
    def officer(self) -> str | None: ...


def state_message(look: _Look) -> str:
    """ "Waiting for the panel's decision whether to assess (due 2027-01-01) · next limit:
    Decision whether to assess, due 2027-01-01 (11 days left)"."""
    if look.closed:
        return "Closed: nothing more is due"
    parts = []
    if look.waiting_for:
        first, *rest = look.waiting_for
        parts.append(f"Waiting for {first}" + (f" (and {len(rest)} more)" if rest else ""))
    else:
        parts.append("Waiting: nothing is owed now")
    soonest = next_limit(look.timeline)
    if soonest is not None:
        parts.append(f"next limit: {limit_label(soonest)}, due {soonest.due_on} ({when(soonest)})")
    message = " · ".join(parts)
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def run_tags(look: _Look) -> list[str]:
    """The run's full set of tags (replacing what it had): stage, the coordinator's key,
    and due or overdue."""
    tags = ["ehc", f"stage:{look.stage}"]
    if look.officer is not None:
        tags.append(f"officer:{look.officer}")
    if look.closed:
        return tags
    limits = owed_limits(look.timeline)
    if any(_overdue(limit) for limit in limits):
        tags.append("overdue")
    if any(_due_soon(limit, look.timeline.today) for limit in limits):
        tags.append("due:this-week")
    return tags


def owed_limits(timeline: Timeline) -> tuple[Limit, ...]:
    """The open limits someone owes the family: the council's, an adviser's, a setting's.
    The family's own window is theirs to use, not something the council owes."""
    return tuple(limit for limit in timeline.open_limits if limit.duty is not Duty.FAMILY)


def next_limit(timeline: Timeline) -> Limit | None:
    """The open limit the council owes soonest (the family's own window is not one)."""
    dated = [limit for limit in owed_limits(timeline) if limit.due_on is not None]
    return min(dated, key=lambda limit: (limit.due_on, limit.key), default=None)


def _overdue(limit: Limit) -> bool:
    return limit.state is LimitState.BREACHED and limit.done_on is None


def _due_soon(limit: Limit, today: date) -> bool:
    if limit.state is not LimitState.DUE or limit.due_on is None:
        return False
    return (limit.due_on - today).days < DUE_SOON_DAYS


def when(limit: Limit) -> str:
    """ "11 days left", "due today", "3 days late", "disapplied by an exception"."""
    if limit.state is LimitState.DISAPPLIED:
        return "disapplied by an exception"
    if limit.days_late == 1:
        return "1 day late"
    if limit.days_late:
        return f"{limit.days_late} days late"
    if limit.days_remaining == 0:
        return "due today"
    if limit.days_remaining == 1:
        return "1 day left"
    return f"{limit.days_remaining} days left"
