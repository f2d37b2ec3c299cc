"""A timeline as the stable JSON document the CLI prints (keys documented in the README)."""

from __future__ import annotations

from typing import Any

from ehcp.domain.clock import Limit, Timeline
from ehcp.text import words

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


def artifact_key(case_ref: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return f"case-{case_ref.lower()}-timeline"


STATE_WORDS = {
    "not_started": "not started",
    "due": "due",
    "met": "met",
    "breached": "**BREACHED**",
    "disapplied": "disapplied (exception)",
    "not_applicable": "n/a",
}


def timeline_markdown(look) -> str:
    """The coordinator's view of a case in the Prefect UI: dates, states, what is next.

    Built from the reference, dates, roles and states only: no names, no notes.
    """
    timeline = look.timeline
    lines = [
        f"# {look.case_ref}: {words(look.stage)}",
        "",
        f"Received **{timeline.received_on}** · judged as of {timeline.today}"
        + (f" · next look {look.wake_at:%Y-%m-%d %H:%M} (UK time)" if look.wake_at else ""),
        "",
        "## What happens next",
        "",
    ]
    if look.closed:
        lines.append("Nothing: the case is closed.")
    lines += [f"- Waiting for {item}" for item in look.waiting_for]
    lines += [
        "",
        "## Statutory limits",
        "",
        "| Limit | Basis | Starts | Due | Done | State |",
        "|---|---|---|---|---|---|",
    ]
    for limit in timeline.limits:
        state = STATE_WORDS[limit.state.value]
        if limit.days_remaining is not None:
            state += f", {limit.days_remaining} days left"
        if limit.days_late:
            state += f", {limit.days_late} days late"
        if limit.exceptions:
            state += " (" + "; ".join(words(item.ground.value) for item in limit.exceptions) + ")"
        lines.append(
            f"| {limit.title} | {limit.basis} | {_iso(limit.starts_on) or '-'} | {_iso(limit.due_on) or '-'} "
            f"| {_iso(limit.done_on) or '-'} | {state} |"
        )
    if look.undelivered:
        lines += ["", "## Emails that could not be delivered", ""]
        lines += [f"- **{item}**: send it another way and correct the address" for item in look.undelivered]
    if look.documents:
        lines += ["", "## Documents", "", "| Document | Format | Drafted | File |", "|---|---|---|---|"]
        lines += [
            f"| {words(kind)} | {fmt} | {drafted} | `{path}` |" for kind, fmt, drafted, path in look.documents
        ]
        lines += ["", "Regenerate one with `ehcp documents render <ref> <kind>`."]
    if timeline.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in timeline.notes]
    return "\n".join(lines) + "\n"
