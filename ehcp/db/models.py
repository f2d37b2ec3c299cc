"""The project's tables. Personal data (child, family, contacts) lives only here.

Enumerated values are stored as short strings rather than database enum types,
so adding a value never needs a PostgreSQL type migration. The domain enums in
ehcp.domain say what the strings may be.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ehcp.db.types import UTCDateTime

# Stable constraint names, so migrations can refer to them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _Stored(Protocol):
    id: int | None


def id_of(row: _Stored) -> int:
    """A stored row's primary key. SQLModel types every id as optional because a new row
    has none until it is flushed; asking for one before then is a bug, said loudly."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id until it is flushed")
    return row.id


def _instant(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def _case_fk() -> Any:
    return Field(foreign_key="ehc_case.id", index=True, ondelete="RESTRICT")


class Case(SQLModel, table=True):
    """One request for an EHC needs assessment. `ref` is the only name Prefect ever sees."""

    __tablename__ = "ehc_case"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)
    received_on: date
    request_source: str = Field(max_length=30)
    stage: str = Field(max_length=30, index=True)
    # The coordinator the case is assigned to: a key of council.yaml's `coordinators`
    # (`ehcp assign`). None: the team inbox alone hears of it.
    officer: str | None = Field(default=None, max_length=30, index=True)
    # A case imported from the council's previous system (`ehcp import`): that system's
    # reference (letters, digits and - _ / . only; never sent to Prefect, whose run is named
    # by `ref`). Unique, so importing the same file again skips the case. None: not imported.
    imported_ref: str | None = Field(default=None, max_length=40, unique=True)
    # SEN2 Week20 for an imported case: the import file said a 20-week exception applied
    # (Regs 13(3)), with or without dates, and on which ground (a domain ExceptionGround).
    imported_week20_exception: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    imported_exception_ground: str | None = Field(default=None, max_length=40)
    setting_name: str | None = Field(default=None, max_length=200)
    # The setting's URN (Get Information about Schools): its entry in the council's
    # directory of settings (settings.yaml), where its address comes from.
    setting_urn: str | None = Field(default=None, max_length=7)
    # The address the council writes to the setting at: only ever the directory's, or one
    # a coordinator confirmed (crud.confirm_setting_address); None with a confirmed address
    # means by post. What a request form said is never written here.
    setting_email: str | None = Field(default=None, max_length=320)
    # False until the setting's address is the directory's or a coordinator's: until then
    # nothing goes to the setting (no notice, no advice request) and the coordinator is
    # asked to confirm it. The statutory clock is not paused.
    setting_address_confirmed: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    setting_calendar: str | None = Field(default=None, max_length=60)
    named_setting: str | None = Field(default=None, max_length=200)  # section I of the final plan
    named_setting_type: str | None = Field(default=None, max_length=60)  # a domain SettingType
    # Where the final plan's copy goes when no consultation row has the named setting's address.
    named_setting_email: str | None = Field(default=None, max_length=320)
    # s.38(2)(b): the school the family asked to be named; shown to the caseworker.
    requested_school: str | None = Field(default=None, max_length=200)
    # Regs 13(1)(a)(ii): a meeting the family required about the draft, and when it was held.
    meeting_requested_on: date | None = None
    meeting_held_on: date | None = None
    # How the family must be written to and spoken with (intake's contact preferences):
    # shown on the timeline and in every coordinator message about the case.
    contact_language: str | None = Field(default=None, max_length=60)
    interpreter_needed: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    accessibility_needs: str | None = Field(default=None, max_length=1000)
    # Regs 6(3): educational advice after consulting a qualified teacher of the deaf /
    # of the visually impaired where the child is hearing / visually impaired.
    hearing_impairment: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    vision_impairment: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Regs 6(2): what of the family's request the council may send advisers, when the family
    # did not consent at intake: a coordinator's decision (a domain.advice_plan.ShareDecision
    # value) and the day it was made; None until then (and for a family who consented).
    share_decision: str | None = Field(default=None, max_length=30)
    share_decided_on: date | None = None
    # False when the request's date of receipt was more than 4 weeks before it reached the
    # council's system: every statutory limit runs from it (Regs 5(1), 13(2)), so a
    # coordinator confirms it (crud.confirm_received_on).
    received_on_confirmed: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    # Statutory dates, derived from received_on by the clock; stored so that
    # reports and the sweep can query them.
    decide_to_assess_by: date
    decide_not_to_issue_by: date
    draft_target_by: date
    final_plan_by: date
    # The day the coordinator served the draft (the council's act). The day it was served
    # in law, when the family's 15 days begin, is read from the outbox (crud.case_facts).
    draft_issued_on: date | None = None
    # The council's decision to finalise. When the plan reached the family (the day
    # Regs 13(2)'s limit is met on) is read from the outbox, like every notice's.
    final_issued_on: date | None = None
    withdrawn_on: date | None = None
    closed_on: date | None = None
    # The earliest due date still waiting for someone to act.
    next_due_on: date | None = None
    # Bumped on every change, so a run can tell whether the case moved since it looked.
    version: int = 1
    created_at: datetime = _instant()
    updated_at: datetime = _instant()

    # -- the case's Prefect run (one per request) ---------------------------
    flow_run_id: str | None = Field(default=None, max_length=36)
    # The version the run last reconciled; behind `version` means the case moved since.
    run_seen_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Numbers the run's waits: its suspend key is f"wait-{run_wait_number}".
    run_wait_number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    run_looked_at: datetime | None = _instant(default=None)
    # When the run must next be woken. Every write sets it to "now"; the run sets
    # it to its next due moment when it suspends. The sweep reads only this index,
    # so its cost follows the number of due cases, not of open cases.
    wake_at: datetime | None = _instant(default=None, index=True)
    # A run that fails (a bug, not a lost worker) is requeued with growing waits, then
    # stopped (ehcp.runtime.backoff): how many times the sweep requeued it since it last
    # reached a wait, the earliest it may requeue it again, and when it stopped trying.
    run_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    run_retry_at: datetime | None = _instant(default=None)
    run_stopped_at: datetime | None = _instant(default=None)


class CaseRefCounter(SQLModel, table=True):
    """The last case number used in each year. Incremented inside the transaction that
    opens a case, so concurrent requests never collide on a reference."""

    __tablename__ = "case_ref_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0


class Child(SQLModel, table=True):
    __tablename__ = "child"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="ehc_case.id", unique=True, ondelete="RESTRICT")
    given_names: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    date_of_birth: date
    nhs_number: str | None = Field(default=None, max_length=10)
    upn: str | None = Field(default=None, max_length=13)
    address_line_1: str | None = Field(default=None, max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=10)


class FamilyContact(SQLModel, table=True):
    """A parent, carer or the young person: who the council keeps informed."""

    __tablename__ = "family_contact"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    full_name: str = Field(max_length=200)
    relationship: str = Field(max_length=40)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    preferred_contact: str = Field(default="email", max_length=20)
    is_primary: bool = False
    # A young person holds the rights (s.83(2)); a parent gets copies only as they choose.
    receives_copies: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})


class AdviceRequest(SQLModel, table=True):
    """A request for advice to one contributor (Regs 6(1)); due 6 weeks after *its* request."""

    __tablename__ = "advice_request"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_advice_request_case_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    key: str = Field(max_length=60)
    role: str = Field(max_length=40)
    organisation: str = Field(max_length=200)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=320)
    setting_calendar: str | None = Field(default=None, max_length=60)
    requested_on: date
    due_on: date
    received_on: date | None = None
    existing_advice_accepted: bool = False
    # Regs 6(4): advice already given that the council, its author and the family agree is
    # sufficient is not sought again. What it is, and the day all three agreed.
    existing_advice_source: str | None = Field(default=None, max_length=300)
    existing_advice_agreed_on: date | None = None
    # Why the plan goes ahead without this advice (a finalising.ADVICE_GAP_REASONS code).
    gap_reason: str | None = Field(default=None, max_length=60)
    internal_note: str | None = Field(default=None, sa_column=Column(Text))


class Decision(SQLModel, table=True):
    """A panel's decision: whether to assess, or whether to issue a plan. One of each per case."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_decision_case_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    kind: str = Field(max_length=20)  # "assessment" or "issue"
    outcome: str = Field(max_length=20)
    decided_on: date  # the day the panel decided; the letter's sending is in the outbox
    reasons: str | None = Field(default=None, sa_column=Column(Text))  # family-facing
    internal_note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = _instant()


class StatutoryException(SQLModel, table=True):
    """A ground that disapplies a limit: which, when, and the evidence for it."""

    __tablename__ = "statutory_exception"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    ground: str = Field(max_length=40)
    # The one limit the coordinator judged this ground made impractical to meet.
    limit_key: str = Field(max_length=80)
    starts_on: date
    ends_on: date | None = None
    advice_request_id: int | None = Field(default=None, foreign_key="advice_request.id")
    evidence_note: str = Field(sa_column=Column(Text, nullable=False))  # internal
    evidence_path: str | None = Field(default=None, max_length=500)  # a file kept in the store
    family_explanation: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = _instant()


class SettingConsultation(SQLModel, table=True):
    """The LA's consultation of a school or college it may name in section I."""

    __tablename__ = "setting_consultation"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_setting_consultation_case_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    key: str = Field(max_length=60)
    setting_name: str = Field(max_length=200)
    contact_email: str | None = Field(default=None, max_length=320)
    sent_on: date
    answered_on: date | None = None
    outcome: str | None = Field(default=None, max_length=40)
    internal_note: str | None = Field(default=None, sa_column=Column(Text))


class Document(SQLModel, table=True):
    """A letter, draft or final plan produced for a case; the file lives in the document store."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_document_case_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    kind: str = Field(max_length=120)  # see ehcp/documents/kinds.py; "name:subject"
    audience: str = Field(max_length=20)  # family, professional or internal
    template: str = Field(max_length=200)
    storage_path: str = Field(max_length=500)
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    created_at: datetime = _instant()


class OutboxState(StrEnum):
    """Where an outbox row is: queued -> sending -> sent | failed (a deferred row is queued
    again with a next_attempt_at; a dead worker's `sending` row is claimed again), or
    queued -> withdrawn when a later fact made it untrue before it went (ehcp.mail.stale)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    """How an outbox row reaches its recipient."""

    EMAIL = "email"  # the relay sends it
    POST = "post"  # it waits in the post tray until a person marks it posted


class OutboundMessage(SQLModel, table=True):
    """The outbox: one row per message, so a retry or a resumed run never sends twice.

    `key` is (case, purpose, recipient, due date); the SMTP Message-ID derives from it.
    """

    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    case_id: int = _case_fk()
    purpose: str = Field(max_length=60)
    recipient_role: str = Field(max_length=40)
    # "email": the relay sends it. "post": it waits in the post tray (ehcp post ...) until
    # a person prints, posts and marks it posted; `posted_on` is then its sending day.
    channel: str = Field(default=Channel.EMAIL, max_length=10, sa_column_kwargs={"server_default": "email"})
    recipient_address: str = Field(max_length=320)  # the email address, or the addressee's name by post
    postal_address: str | None = Field(default=None, sa_column=Column(Text))
    posted_on: date | None = None
    due_on: date | None = None
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(default=OutboxState.QUEUED, max_length=20, index=True)  # an OutboxState
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    smtp_message_id: str = Field(max_length=200, unique=True)
    # The kind of a case document to attach (its file is read at send time).
    # Document kinds the email carries, comma-separated, in order.
    attach_document: str | None = Field(default=None, max_length=250)
    queued_at: datetime = _instant()
    # Delivery: a sender claims a row (queued -> sending) before talking SMTP. A claim
    # older than the stale limit belongs to a dead worker and may be taken again; the
    # resend carries the same Message-ID, so the copy is recognisably the same message.
    claimed_at: datetime | None = _instant(default=None)
    next_attempt_at: datetime | None = _instant(default=None, index=True)
    sent_at: datetime | None = _instant(default=None)
    failed_at: datetime | None = _instant(default=None)


class AdviceSubmission(SQLModel, table=True):
    """What a contributor sent for one advice request: text per plan section and/or a file.

    One per advice request (a double submission stores one). `sections` maps a plan
    section code ("C", "G", "H1"...) to the contributor's text; it is family-facing
    (it feeds the plan), so it never holds internal notes.
    """

    __tablename__ = "advice_submission"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    advice_request_id: int = Field(foreign_key="advice_request.id", unique=True, ondelete="RESTRICT")
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    file_name: str | None = Field(default=None, max_length=200)
    file_media_type: str | None = Field(default=None, max_length=100)
    file_path: str | None = Field(default=None, max_length=500)
    file_sha256: str | None = Field(default=None, max_length=64)
    file_bytes: int | None = None
    submitted_via: str = Field(max_length=20)  # "portal" or "coordinator"
    submitted_at: datetime = _instant()


class CaseEvent(SQLModel, table=True):
    """The case chronology: append-only (a database trigger refuses updates and deletes).

    `summary` is written for a reader such as the Ombudsman; `detail` holds the
    structured facts of the event.
    """

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    kind: str = Field(max_length=60, index=True)
    occurred_on: date  # the day it happened in law (e.g. the date on a decision letter)
    recorded_at: datetime = _instant()
    actor: str = Field(max_length=100)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IntakeSubmission(SQLModel, table=True):
    """One accepted delivery from an online form. The webhook id (and the form's own
    submission id) are unique, so a redelivery finds its case instead of making another."""

    __tablename__ = "intake_submission"

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: str = Field(max_length=200, unique=True)
    submission_id: str | None = Field(default=None, max_length=100, unique=True)
    case_id: int = Field(foreign_key="ehc_case.id", unique=True, ondelete="RESTRICT")
    schema_version: str = Field(max_length=10)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # personal data: ours only
    received_at: datetime = _instant()


class CaseNote(SQLModel, table=True):
    """Staff notes about a case. Internal: never reachable from family-facing documents."""

    __tablename__ = "case_note"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    author: str = Field(max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _instant()


class PlanVersion(SQLModel, table=True):
    """A version of the EHC plan as the caseworker wrote it: their Word file, uploaded and
    read back section by section (ehcp/db/plan_versions.py). Numbered 1, 2, ... per case;
    the file is kept in the document store. `served_on` is set when a version is served."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_plan_version_case_number"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _case_fk()
    number: int
    # Section code ("A" ... "K") -> the council's text for it; family-facing.
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sha256: str = Field(max_length=64)
    storage_path: str = Field(max_length=500)
    file_name: str = Field(max_length=200)  # as uploaded, made safe
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = _instant()
    served_on: date | None = None


class PersonalBudget(SQLModel, table=True):
    """Section J's record (Regs 12(1)(j)): the personal budget the family asked for under
    s.49(1) CFA 2014, and the council's decision on it and on direct payments. One per case;
    ehcp/db/personal_budget.py writes it. Every text here is family-facing (it feeds the plan)."""

    __tablename__ = "personal_budget"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="ehc_case.id", unique=True, ondelete="RESTRICT")
    requested_on: date
    agreed: bool | None = None  # None: not decided yet
    decided_on: date | None = None
    amount_per_year: int | None = None  # whole pounds, when an amount was identified
    covers: str | None = Field(default=None, max_length=1000)  # the provision it secures
    direct_payments_requested: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    direct_payments: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Why a budget, or direct payments, were refused: the family must be told.
    reasons: str | None = Field(default=None, max_length=2000)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = _instant()


class ReportMessage(SQLModel, table=True):
    """The outbox of the service's reports to its managers (the weekly report): one row per
    key, `weekly-report:<ISO week>:<recipient>`, so a week's report reaches each recipient
    once however often its flow runs. Not about one case, so not an `outbound_message` (each
    of those belongs to a case and writes its chronology); ehcp.mail.reports sends these by
    the same rule: claim the row, then send; the Message-ID derives from the key. The chart
    travels in the row, as the text does."""

    __tablename__ = "report_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    report: str = Field(max_length=40)  # "weekly-report"
    period: str = Field(max_length=20)  # what it covers: an ISO week, "2026-W10"
    recipient_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment_media_type: str | None = Field(default=None, max_length=100)
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    smtp_message_id: str = Field(max_length=200, unique=True)
    state: str = Field(default=OutboxState.QUEUED, max_length=20, index=True)  # an OutboxState
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    queued_at: datetime = _instant()
    claimed_at: datetime | None = _instant(default=None)
    next_attempt_at: datetime | None = _instant(default=None)
    sent_at: datetime | None = _instant(default=None)
    failed_at: datetime | None = _instant(default=None)
