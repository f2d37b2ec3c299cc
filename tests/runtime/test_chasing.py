"""Twenty weeks of one case, a day at a time, with the injected clock and a real SMTP server.

Health never answers. The case is looked at only when its own wake time says so (as
the sweep would), and the outbox is delivered after each look; the SMTP server
records what arrives. The ladder's reminder, chaser and both escalations must arrive
on their days, each exactly once; the family and the coordinator hear what they should.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import OutboundMessage
from ehcp.mail.delivery import deliver_sync
from ehcp.mail.transport import SmtpTransport
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from ehcp.timesource import LONDON
from tests.db.factories import decide, open_case, receive_advice
from tests.support.smtp import SmtpSink

RECEIVED = date(2026, 1, 5)
ADVICE_DUE = date(2026, 3, 16)  # six weeks from the 2 February request


def morning(day: date) -> datetime:
    return datetime.combine(day, time(7, 5), tzinfo=LONDON)


@pytest.fixture
def sink(monkeypatch):
    with SmtpSink() as server:
        monkeypatch.setenv("EHC_SMTP_PORT", str(server.port))
        monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_SECONDS", "0")
        get_settings.cache_clear()
        yield server


class Council20Weeks:
    """Drives one case day by day: a look only when the case is due one, then delivery."""

    def __init__(self, session, council, store):
        self.session, self.council, self.store = session, council, store
        self.settings = get_settings()
        self.arrivals: list[tuple[date, str, str]] = []  # (day, purpose, recipient role)
        self.looks: list[date] = []

    def day(self, day: date, now: datetime | None = None) -> None:
        now = now or morning(day)
        case = crud.require_case(self.session, ref="EHC-2026-000001")
        self.session.refresh(case)
        if case.wake_at is not None and case.wake_at <= now:
            reconcile(self.session, ref=case.ref, council=self.council, now=now, document_store=self.store)
            self.looks.append(day)
        report = deliver_sync(
            self.session,
            transport=SmtpTransport(self.settings),
            council=self.council,
            settings=self.settings,
            now=now,
        )
        for key in report.sent:
            row = self.session.exec(select(OutboundMessage).where(OutboundMessage.key == key)).one()
            self.arrivals.append((day, row.purpose, row.recipient_role))

    def on(self, purpose: str, recipient: str) -> list[date]:
        return [day for day, p, r in self.arrivals if (p, r) == (purpose, recipient)]


def test_health_never_answers_and_the_ladder_climbs_on_its_days_once(session, council, tmp_path, sink):
    case = open_case(
        session,
        council,
        now=morning(RECEIVED),
        received_on=RECEIVED,
        setting_email="senco@example-primary.sch.uk",
    )
    run = Council20Weeks(session, council, tmp_path / "documents")
    actions = {
        date(2026, 2, 2): lambda now: decide(session, council, case, on=date(2026, 2, 2), now=now),
        date(2026, 3, 10): lambda now: [
            receive_advice(session, council, case, key=key, on=date(2026, 3, 10), now=now)
            for key in ("family", "setting", "psychological", "social-care")
        ],
    }
    day = RECEIVED
    while day <= RECEIVED + timedelta(weeks=20):
        run.day(day)
        if day in actions:
            actions[day](morning(day) + timedelta(hours=2))
            run.day(day, now=morning(day) + timedelta(hours=3))  # the write woke the case
        day += timedelta(days=1)

    # The ladder for health: reminder 7 days before, chaser on the day, the ICB's SEND
    # health lead 5 days late, the Designated Clinical Officer 10 days late. Once each.
    assert run.on("advice_request", "adviser:health") == [date(2026, 2, 2)]
    assert run.on("advice_reminder", "adviser:health") == [ADVICE_DUE - timedelta(days=7)]
    assert run.on("advice_chaser", "adviser:health") == [ADVICE_DUE]
    assert run.on("advice_escalation", "manager:health") == [ADVICE_DUE + timedelta(days=5)]
    assert run.on("advice_escalation", "contact:icb_dco") == [ADVICE_DUE + timedelta(days=10)]

    # Those who answered early were reminded, never chased.
    assert run.on("advice_reminder", "adviser:social_care") == [ADVICE_DUE - timedelta(days=7)]
    assert run.on("advice_chaser", "adviser:social_care") == []
    assert run.on("advice_escalation", "manager:social_care") == []

    # The family heard where the advice had got to on the day it was due; the
    # coordinator heard of each piece of advice as it came in.
    assert run.on("advice_status", "family") == [ADVICE_DUE]
    assert run.on("advice_received", "send_team") == [date(2026, 3, 10)] * 4

    # Nobody decided whether to issue: the coordinator was warned, the managers told.
    assert run.on("limit_warning", "send_team").count(date(2026, 4, 20)) == 1  # week 16 less 7 days
    breached = date(2026, 4, 27) + timedelta(days=1)
    assert run.on("limit_breached", "contact:send_team_manager").count(breached) == 1

    # Each message reached the SMTP server exactly once, under its own Message-ID.
    ids = Counter(message["Message-ID"] for message in sink.messages)
    assert ids and max(ids.values()) == 1
    assert len(sink.messages) == len(run.arrivals)
    # Every look was asked for by the case's own wake time, not by a daily poll.
    assert len(run.looks) < 40
