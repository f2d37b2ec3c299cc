"""The Ombudsman pack: one case's dated chronology as a tagged PDF (`ehcp chronology CASE
--pdf FILE`).

When a family complains, the council must show at once what happened and when: every
entry of the case's event log in order (its date, what happened, who acted), every
statutory limit with its due date and whether it was met, breached (days late) or
disapplied (on which ground), and every letter and email sent, with its date and the
recipient's role. A cover page gives the key dates.

Built from the stored chronology, the computed timeline and the outbox alone: case
notes are never read, an event's summary is the one written for such a reader, and
people are named by role (`actor_label`, `recipient_label`), never by name or address.
The child is named only by the case reference: the Ombudsman's own case file links it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import Case, OutboundMessage
from ehcp.documents.render import html_to_pdf
from ehcp.domain.clock import Limit, LimitState, Timeline
from ehcp.rendering import environment
from ehcp.text import words
from ehcp.views.labels import (
    actor_label,
    advice_roles_of,
    event_summary,
    limit_label,
    recipient_label,
)

TEMPLATE = "ombudsman/chronology.html"

OUTCOME_WORDS = {
    LimitState.MET: "Met",
    LimitState.DUE: "Running",
    LimitState.NOT_STARTED: "Not started",
    LimitState.NOT_APPLICABLE: "Did not arise",
}


class _Event(Protocol):
    """What the pack reads of a chronology entry (ehcp.db.models.CaseEvent); read-only."""

    @property
    def kind(self) -> str: ...
    @property
    def occurred_on(self) -> date: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any] | None: ...


class _Message(Protocol):
    """What the pack reads of an outbox row (ehcp.db.models.OutboundMessage); read-only."""

    @property
    def purpose(self) -> str: ...
    @property
    def recipient_role(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def posted_on(self) -> date | None: ...


@dataclass(frozen=True)
class PackEvent:
    occurred_on: date
    recorded_at: datetime
    by: str
    what: str


@dataclass(frozen=True)
class PackLimit:
    label: str
    basis: str
    due_on: date | None
    done_on: date | None
    outcome: str


@dataclass(frozen=True)
class PackMessage:
    sent_on: date
    what: str
    to: str
    how: str


@dataclass(frozen=True)
class OmbudsmanPack:
    ref: str
    council: str
    produced_on: date
    stage: str
    key_dates: tuple[tuple[str, date | None], ...]
    events: tuple[PackEvent, ...]
    limits: tuple[PackLimit, ...]
    messages: tuple[PackMessage, ...]

    @property
    def breaches(self) -> int:
        return sum(1 for limit in self.limits if limit.outcome.startswith("Breached"))


def limit_outcome(limit: Limit) -> str:
    """Met, breached with the days late, disapplied with its ground, or where it stands."""
    if limit.state is LimitState.BREACHED:
        late = (
            f"{limit.days_late} day{'s' if limit.days_late != 1 else ''} late" if limit.days_late else "late"
        )
        return f"Breached ({late}{'' if limit.done_on else ', not yet done'})"
    if limit.state is LimitState.DISAPPLIED:
        grounds = (
            "; ".join(dict.fromkeys(words(applied.ground) for applied in limit.exceptions)) or "an exception"
        )
        return f"Disapplied ({grounds})"
    return OUTCOME_WORDS.get(limit.state, words(limit.state))


def build_pack(
    *,
    ref: str,
    council: str,
    stage: str,
    produced_on: date,
    timeline: Timeline,
    events: Sequence[_Event],
    messages: Iterable[_Message],
) -> OmbudsmanPack:
    roles = advice_roles_of((event.kind, event.detail or {}) for event in events)
    return OmbudsmanPack(
        ref=ref,
        council=council,
        produced_on=produced_on,
        stage=words(stage),
        key_dates=_key_dates(timeline),
        events=tuple(
            PackEvent(
                occurred_on=event.occurred_on,
                recorded_at=event.recorded_at,
                by=actor_label(event.actor),
                what=event_summary(event.kind, event.summary, event.detail or {}, advice_roles=roles),
            )
            for event in events
        ),
        limits=tuple(
            PackLimit(
                label=limit_label(limit),
                basis=limit.basis,
                due_on=limit.due_on,
                done_on=limit.done_on,
                outcome=limit_outcome(limit),
            )
            for limit in timeline.limits
            if limit.statutory
        ),
        messages=tuple(sorted(_sent(messages), key=lambda message: message.sent_on)),
    )


def _key_dates(timeline: Timeline) -> tuple[tuple[str, date | None], ...]:
    def done(key: str) -> date | None:
        try:
            return timeline.limit(key).done_on
        except KeyError:
            return None

    return (
        ("Request received", timeline.received_on),
        ("Decision whether to assess sent", done("decision_to_assess")),
        ("Draft plan served", done("draft_plan_target")),
        ("Decision not to issue a plan sent", done("decision_not_to_issue")),
        ("Final plan issued", done("final_plan")),
    )


def _sent(messages: Iterable[_Message]) -> Iterable[PackMessage]:
    for message in messages:
        if message.channel == "post" and message.posted_on is not None:
            yield PackMessage(message.posted_on, words(message.purpose).capitalize(), _to(message), "Post")
        elif message.state == "sent" and message.sent_at is not None:
            yield PackMessage(
                message.sent_at.date(), words(message.purpose).capitalize(), _to(message), "Email"
            )


def _to(message: _Message) -> str:
    label = recipient_label(message.recipient_role)
    return label[0].upper() + label[1:]


def render_pack_html(pack: OmbudsmanPack) -> str:
    return environment().get_template(TEMPLATE).render(pack=pack)


def render_pack_pdf(pack: OmbudsmanPack) -> bytes:
    """Tagged PDF (PDF/UA-1) through the letters' WeasyPrint path."""
    return html_to_pdf(render_pack_html(pack))


def pack_for_case(session: Session, *, case: Case, council: Council, today: date) -> OmbudsmanPack:
    """The pack of one stored case, as it stands `today`."""
    messages = session.exec(
        select(OutboundMessage).where(OutboundMessage.case_id == case.id).order_by(col(OutboundMessage.id))
    ).all()
    return build_pack(
        ref=case.ref,
        council=council.name,
        stage=case.stage,
        produced_on=today,
        timeline=crud.case_timeline(session, case=case, council=council, today=today),
        events=crud.chronology(session, case=case),
        messages=messages,
    )
