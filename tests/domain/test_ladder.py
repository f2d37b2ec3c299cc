"""The chasing ladder's pure rules: which rungs have come, and catching up after a stop."""

from __future__ import annotations

from datetime import date

from ehcp.domain.ladder import LimitAlerts, Rung, due_rungs, future_days, warning_due

DUE = date(2026, 3, 30)
LADDER = (
    Rung(at=-7, send="reminder", to="contributor"),
    Rung(at=0, send="chaser", to="contributor"),
    Rung(at=5, send="escalation", to="contributor_manager"),
    Rung(at=10, send="escalation", to="head_of_service"),
)


def sent(today: date) -> list[tuple[str, str]]:
    return [(rung.send, rung.to) for rung in due_rungs(LADDER, due_on=DUE, today=today)]


def test_nothing_is_sent_before_the_first_rung():
    assert sent(date(2026, 3, 22)) == []


def test_each_rung_comes_on_its_day():
    assert sent(date(2026, 3, 23)) == [("reminder", "contributor")]
    assert sent(DUE) == [("chaser", "contributor")]
    assert sent(date(2026, 4, 4)) == [("chaser", "contributor"), ("escalation", "contributor_manager")]
    assert ("escalation", "head_of_service") in sent(date(2026, 4, 9))


def test_after_a_stop_each_recipient_gets_only_the_latest_rung():
    # Down from before the reminder until well after both escalations.
    assert sent(date(2026, 4, 20)) == [
        ("chaser", "contributor"),
        ("escalation", "contributor_manager"),
        ("escalation", "head_of_service"),
    ]


def test_a_reminder_never_goes_after_the_due_date():
    only_reminder = (Rung(at=-7, send="reminder", to="contributor"),)
    assert due_rungs(only_reminder, due_on=DUE, today=date(2026, 3, 31)) == []


def test_the_latest_warning_to_have_come_is_the_one_sent():
    alerts = LimitAlerts(warn_before=(14, 7, 2))
    assert warning_due(alerts, due_on=DUE, today=date(2026, 3, 15)) is None
    assert warning_due(alerts, due_on=DUE, today=date(2026, 3, 16)) == 14
    assert warning_due(alerts, due_on=DUE, today=date(2026, 3, 29)) == 2
    assert warning_due(alerts, due_on=DUE, today=date(2026, 3, 31)) is None  # past due: a breach now


def test_the_run_is_woken_for_every_rung_warning_and_breach_day():
    alerts = LimitAlerts(warn_before=(7,), alert_on_breach=("head_of_service",))
    days = set(future_days(LADDER, alerts, due_on=DUE))
    assert {date(2026, 3, 23), DUE, date(2026, 4, 4), date(2026, 4, 9), date(2026, 3, 31)} <= days
