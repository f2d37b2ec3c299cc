"""A timeline as the stable JSON document the CLI prints (keys documented in the README),
and as the run's artifact in the Prefect UI.

Beside the dates, a coordinator needs two things about the family: the school they asked
to be named (s.38(2)(b) CFA 2014: it must be consulted) and how to reach them (an
interpreter, the language, accessibility needs). Those are the family's own words, so they
appear in full only in local views (`ehcp timeline`, the case API: `CaseDetails.lines()`);
Prefect, which must never carry personal data, gets yes/no flags only
(`CaseDetails.flags()`): never a language, a school's name or a need described.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ehcp.domain.clock import Limit, Timeline
from ehcp.text import words
from ehcp.views.labels import document_label, limit_label

SCHEMA = "ehcp.timeline/1"


class _CaseRow(Protocol):
    """What CaseDetails reads of a stored case (ehcp.db.models.Case)."""

    requested_school: str | None
    contact_language: str | None
    interpreter_needed: bool
    accessibility_needs: str | None


@dataclass(frozen=True)
class CaseDetails:
    """The family's requested school and contact needs, as a coordinator must see them."""

    requested_school: str | None = None
    contact_language: str | None = None
    interpreter_needed: bool = False
    accessibility_needs: str | None = None

    @classmethod
    def of(cls, case: _CaseRow) -> CaseDetails:
        return cls(
            requested_school=_clean(case.requested_school),
            contact_language=_clean(case.contact_language),
            interpreter_needed=bool(case.interpreter_needed),
            accessibility_needs=_clean(case.accessibility_needs),
        )

    def contact_needs(self) -> str | None:
        """ "interpreter (Polish); large print", or None when nothing is recorded. Local only."""
        parts = []
        if self.interpreter_needed:
            parts.append(f"interpreter ({self.contact_language})" if self.contact_language else "interpreter")
        elif self.contact_language and self.contact_language.strip().lower() != "english":
            parts.append(f"language: {self.contact_language}")
        if self.accessibility_needs:
            parts.append(self.accessibility_needs)
        return "; ".join(parts) or None

    def lines(self) -> list[str]:
        """In full, for local views (the CLI, the case API): never for Prefect."""
        lines = []
        if self.requested_school:
            school = self.requested_school
            lines.append(f"School the family asked for (s.38(2)(b)): {school}; consult it before finalising")
        needs = self.contact_needs()
        if needs:
            lines.append(f"Family's contact needs: {needs}")
        return lines

    def flags(self) -> list[str]:
        """For Prefect: whether each thing is recorded, never what it says."""
        lines = []
        if self.requested_school:
            lines.append("School the family asked for (s.38(2)(b)): recorded; consult it before finalising")
        flags = []
        if self.interpreter_needed:
            flags.append("interpreter needed: yes")
        elif self.contact_language:
            flags.append("preferred language recorded: yes")
        if self.accessibility_needs:
            flags.append("accessibility needs recorded: yes")
        if flags:
            lines.append("Family's contact needs: " + "; ".join(flags) + " (see `ehcp timeline --case`)")
        return lines


def _clean(text: str | None) -> str | None:
    """One line, for a table cell or a Markdown list item."""
    cleaned = " ".join((text or "").split())
    return cleaned or None


def timeline_document(
    timeline: Timeline, *, case_ref: str | None = None, details: CaseDetails | None = None
) -> dict[str, Any]:
    """`details` (a stored case's) adds `requested_school` and `contact_needs`, in full:
    this document is for the CLI and the case API, never for Prefect."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "case_ref": case_ref,
        "today": timeline.today.isoformat(),
        "received_on": timeline.received_on.isoformat(),
        "day_counting": timeline.policy.day_counting.value,
        "next_due_on": _iso(timeline.next_due_on),
        "limits": [_limit(limit) for limit in timeline.limits],
        "notes": list(timeline.notes),
    }
    if details is not None:
        document["requested_school"] = details.requested_school
        document["contact_needs"] = {
            "language": details.contact_language,
            "interpreter_needed": details.interpreter_needed,
            "accessibility_needs": details.accessibility_needs,
        }
    return document


def _limit(limit: Limit) -> dict[str, Any]:
    return {
        "key": limit.key,
        "title": limit_label(limit),
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


def document_path(ref: str, number: int) -> str:
    """Where the web app serves one of a case's documents (ehcp.web.staff)."""
    return f"/staff/cases/{ref}/documents/{number}"


def limits_table(timeline: Timeline) -> list[str]:
    """The "Statutory limits" section: each limit, its basis, dates and state."""
    lines = [
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
            f"| {limit_label(limit)} | {limit.basis} | {_iso(limit.starts_on) or '-'} "
            f"| {_iso(limit.due_on) or '-'} | {_iso(limit.done_on) or '-'} | {state} |"
        )
    return lines


def timeline_markdown(look, details: CaseDetails | None = None, *, web_url: str = "") -> str:
    """The coordinator's view of a case in the Prefect UI: dates, states, what is next.

    Built from the reference, dates, roles and states only: no names, no notes. `details`
    (or the look's own `details`, when it carries them) adds yes/no flags only.
    """
    timeline = look.timeline
    details = details if details is not None else getattr(look, "details", None)
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
    if details is not None and details.flags():
        lines += ["", "## The family", ""] + [f"- {line}" for line in details.flags()]
    lines += ["", *limits_table(timeline)]
    if look.undelivered:
        lines += ["", "## Emails that could not be delivered", ""]
        lines += [f"- **{item}**: send it another way and correct the address" for item in look.undelivered]
    if look.documents:
        # Each links to its download on the web app (staff sign-in): a server path means
        # nothing in a browser. The link holds the reference and the document's number only.
        lines += ["", "## Documents", "", "| Document | Format | Drafted | Open |", "|---|---|---|---|"]
        lines += [
            f"| {document_label(kind)} | {fmt} | {drafted} | "
            f"[download]({web_url.rstrip('/')}{document_path(look.case_ref, number)}) |"
            for kind, fmt, drafted, number in look.documents
        ]
        lines += [
            "",
            f"Each download asks for the staff sign-in (the API token as password); "
            f"all of a case's documents: {web_url.rstrip('/')}/staff/cases/{look.case_ref}. "
            "Regenerate one with `ehcp documents render <ref> <kind>`.",
        ]
    if timeline.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in timeline.notes]
    return "\n".join(lines) + "\n"
