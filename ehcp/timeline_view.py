"""A timeline as the stable JSON document the CLI prints (keys documented in the README)."""

from __future__ import annotations

from typing import Any

from ehcp.domain.clock import Limit, Timeline

SCHEMA = "ehcp.timeline/1"


def timeline_document(timeline: Timeline, *, case_ref: str | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "case_ref": case_ref,
        "today": timeline.today.isoformat(),
        "received_on": timeline.received_on.isoformat(),
        "day_counting": timeline.policy.day_counting.value,
        "next_due_on": _iso(timeline.next_due_on),
        "limits": [_limit(limit) for limit in timeline.limits],
        "notes": list(timeline.notes),
    }


def _limit(limit: Limit) -> dict[str, Any]:
    return {
        "key": limit.key,
        "title": limit.title,
        "basis": limit.basis,
        "duty": limit.duty.value,
        "statutory": limit.statutory,
        "starts_on": _iso(limit.starts_on),
        "due_on": _iso(limit.due_on),
        "done_on": _iso(limit.done_on),
        "state": limit.state.value,
        "days_remaining": limit.days_remaining,
        "days_late": limit.days_late,
        "exceptions": [
            {
                "ground": item.ground.value,
                "basis": item.basis,
                "starts_on": _iso(item.starts_on),
                "ends_on": _iso(item.ends_on),
                "source": item.source,
            }
            for item in limit.exceptions
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
