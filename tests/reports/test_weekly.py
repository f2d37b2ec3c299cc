"""The weekly report from the real case store: timeliness by kpi.py's one computation, open
cases by stage and coordinator, the forecast driven by the injected day, advice overdue by
agency, a fixed number of queries however many cases, and its email sent once a week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event

from ehcp.db import crud
from ehcp.domain.facts import SettingType
from ehcp.mail.reports import deliver_reports_sync, queue_weekly_report
from ehcp.mail.transport import SmtpTransport
from ehcp.reports import weekly
from ehcp.reports.chart import png
from ehcp.reports.cohort import year_cohort
from ehcp.reports.kpi import Outcome, RequestRecord, figures, plans_issued_between
from ehcp.settings import get_settings
from tests.db.factories import (
    decide,
    open_case,
    receive_advice,
    record_advice_gap,
    request_advice,
    tell_family,
)
from tests.mail.conftest import point_smtp_at
from tests.reports.store import build_year, issued
from tests.support.smtp import SmtpSink


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


# -- the figures -----------------------------------------------------------------------


def plan(ref: str, received: date, sent: date, *, week20: bool = False) -> RequestRecord:
    return RequestRecord(
        ref=ref,
        received_on=received,
        request_source=1,
        request_outcome=Outcome.YES,
        request_outcome_on=received + timedelta(days=30),
        assessment_outcome=Outcome.YES,
        assessment_outcome_on=sent,
        week20_exception=week20,
    )


def test_a_calendar_years_plans_are_the_years_figures():
    records = [
        plan("A", date(2026, 1, 5), date(2026, 5, 25)),  # day 140
        plan("B", date(2026, 1, 5), date(2026, 5, 26)),  # day 141
        plan("C", date(2026, 1, 5), date(2026, 7, 1), week20=True),
        plan("D", date(2025, 9, 1), date(2026, 1, 12)),
        plan("E", date(2025, 6, 1), date(2025, 12, 31)),  # issued the year before
    ]
    year = figures(records, year=2026)
    period = plans_issued_between(records, first=date(2026, 1, 1), last=date(2026, 12, 31))
    assert (period.plans_issued, period.excluding_exceptions, period.including_exceptions) == (
        year.plans_issued,
        year.excluding_exceptions,
        year.including_exceptions,
    )
    assert period.days_taken == year.days_taken
    assert (period.excluding_exceptions.within_20_weeks, period.excluding_exceptions.plans) == (2, 3)


def test_the_12_months_run_from_the_day_after_the_same_date_a_year_ago_to_today():
    today = date(2026, 3, 2)
    assert weekly.twelve_months_to(today) == (date(2025, 3, 3), today)
    assert weekly.twelve_months_to(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))
    records = [
        plan("before", date(2024, 11, 1), date(2025, 3, 2)),
        plan("first", date(2024, 11, 1), date(2025, 3, 3)),
        plan("today", date(2025, 11, 1), today),
        plan("after", date(2025, 11, 1), today + timedelta(days=1)),
    ]
    report = weekly.weekly_report(
        today=today, records=records, open_cases=[], officers={}, coordinators=[], advice=[]
    )
    assert report.last_12_months.plans_issued == 2
    assert report.last_12_months.days_taken == (121, 122)


def test_the_52_weeks_are_the_complete_iso_weeks_before_todays():
    today = date(2026, 3, 4)  # a Wednesday in 2026-W10
    weeks = weekly.last_weeks(today)
    assert len(weeks) == 52
    assert weeks[-1] == (date(2026, 2, 23), date(2026, 3, 1))  # 2026-W09, Monday to Sunday
    assert weeks[0] == (date(2025, 3, 3), date(2025, 3, 9))  # 2025-W10
    records = [plan("sunday", date(2025, 11, 1), date(2026, 3, 1)), plan("monday", date(2025, 11, 1), today)]
    report = weekly.weekly_report(
        today=today, records=records, open_cases=[], officers={}, coordinators=[], advice=[]
    )
    assert report.iso_week == "2026-W10"
    assert report.weeks[-1].week == "2026-W09"
    assert report.weeks[-1].plans.plans_issued == 1  # this week's plan waits for next week's report
    assert sum(item.plans.plans_issued for item in report.weeks) == 1


def test_the_year_to_date_is_ehcp_kpis_figures_for_this_year(session, council):
    build_year(session, council)
    today = date(2026, 12, 7)
    report = weekly.build_weekly_report(session, council=council, today=today)
    cohort = year_cohort(session, year=2026, as_at=today)
    assert report.year_to_date == figures(cohort.records, year=2026)
    # Plans issued from 8 December 2025: the four of 2026 (January's, from a 2025 request, too).
    assert report.last_12_months.plans_issued == 4
    assert report.last_12_months.excluding_exceptions.plans == 3


# -- open cases, the forecast, overdue advice ------------------------------------------


RECEIVED = date(2026, 9, 7)
DECISION_DUE = RECEIVED + timedelta(weeks=6)  # 19 October 2026


def test_the_forecast_names_exactly_the_cases_whose_limits_fall_due_unmet_in_the_window(session, council):
    today = DECISION_DUE - timedelta(days=13)
    due_in_13 = open_case(session, council, now=at(RECEIVED), received_on=RECEIVED)
    due_in_15 = open_case(session, council, now=at(today), received_on=RECEIVED + timedelta(days=2))
    due_in_14 = open_case(session, council, now=at(today), received_on=RECEIVED + timedelta(days=1))
    sent = open_case(session, council, now=at(RECEIVED), received_on=RECEIVED)
    decide(session, council, sent, decision="assess", now=at(today - timedelta(days=2)))
    tell_family(session, sent, purpose="decision_to_assess", on=today - timedelta(days=2))

    report = weekly.build_weekly_report(session, council=council, today=today)
    assert [(item.ref, item.limit_key) for item in report.forecast] == [(due_in_13.ref, "decision_to_assess")]
    [breach] = report.forecast
    assert breach.due_on == DECISION_DUE and breach.days_until_breach(today) == 14
    assert due_in_15.ref not in str(report.forecast) and due_in_14.ref not in str(report.forecast)
    # The clock moved on a day: the case due on day 14 yesterday is due on day 13 now.
    tomorrow = weekly.build_weekly_report(session, council=council, today=today + timedelta(days=1))
    assert [item.ref for item in tomorrow.forecast] == [due_in_13.ref, due_in_14.ref]


def assessing(session, council, *, received: date, officer: str | None = None):
    case = open_case(session, council, now=at(received), received_on=received)
    decide(session, council, case, decision="assess", now=at(received + timedelta(days=10)))
    tell_family(session, case, purpose="decision_to_assess", on=received + timedelta(days=10))
    if officer:
        crud.assign_officer(
            session, ref=case.ref, officer=officer, council=council, by="test", now=at(received)
        )
    return case


def ask(session, council, case, *, key: str, role: str, organisation: str, on: date):
    request_advice(session, council, case, key=key, role=role, organisation=organisation, now=at(on))


def test_open_cases_are_counted_by_stage_and_by_coordinator(session, council):
    today = date(2026, 11, 30)
    open_case(session, council, now=at(today), received_on=today - timedelta(days=3))
    assessing(session, council, received=date(2026, 10, 1), officer="coord-a")
    assessing(session, council, received=date(2026, 10, 2), officer="coord-a")
    refused = open_case(session, council, now=at(date(2026, 9, 1)), received_on=date(2026, 9, 1))
    decide(session, council, refused, decision="not_assess", now=at(date(2026, 9, 20)))
    tell_family(session, refused, purpose="decision_not_to_assess", on=date(2026, 9, 20))
    issued(session, council, date(2026, 1, 5), date(2026, 5, 25))  # closed: plan issued

    report = weekly.build_weekly_report(session, council=council, today=today)
    assert report.open_by_stage == (
        ("considering", 1),
        ("assessing", 2),
        ("drafting", 0),
        ("draft_served", 0),
    )
    assert report.open_cases == 3
    assert [(item.officer, item.open_cases) for item in report.caseloads] == [
        ("coord-a", 2),
        ("coord-b", 0),
        ("unassigned", 1),
    ]


def test_overdue_advice_is_counted_by_agency_with_its_median_and_worst_days_late(session, council):
    today = date(2026, 12, 7)
    first = assessing(session, council, received=date(2026, 9, 1))
    second = assessing(session, council, received=date(2026, 9, 2))
    trust = "Example Community Health Trust"
    # Due 6 weeks after the request: 20 and 10 days late on 7 December.
    ask(session, council, first, key="health", role="health", organisation=trust, on=date(2026, 10, 6))
    ask(session, council, second, key="health", role="health", organisation=trust, on=date(2026, 10, 16))
    # Received, a gap recorded, not due yet: none of them overdue.
    ask(
        session,
        council,
        first,
        key="ep",
        role="psychological",
        organisation="EP Service",
        on=date(2026, 10, 6),
    )
    receive_advice(session, council, first, key="ep", now=at(date(2026, 11, 20)))
    ask(
        session,
        council,
        second,
        key="sc",
        role="social_care",
        organisation="Social Care",
        on=date(2026, 10, 6),
    )
    record_advice_gap(session, council, second, key="sc", now=at(date(2026, 11, 25)))
    ask(
        session,
        council,
        second,
        key="ep",
        role="psychological",
        organisation="EP Service",
        on=date(2026, 11, 1),
    )

    report = weekly.build_weekly_report(session, council=council, today=today)
    [agency] = report.overdue_advice
    assert (agency.role, agency.organisation, agency.count) == ("health", trust, 2)
    assert (agency.median_days_late, agency.worst_days_late) == (15.0, 20)
    assert agency.refs == (first.ref, second.ref)
    # Prefect's tables carry the role, never the organisation's name.
    assert weekly.overdue_by_role(report) == [
        {"role": "health", "overdue": 2, "worst_days_late": 20, "cases": f"{first.ref}, {second.ref}"}
    ]
    assert trust not in weekly.markdown(report)
    assert trust in str(weekly.email_context(report, council=council.name)["overdue"])


# -- a fixed number of queries ---------------------------------------------------------


def count_queries(session, build) -> int:
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        build()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return len(statements)


def test_the_report_reads_the_store_in_the_same_number_of_queries_whatever_the_number_of_cases(
    session, council
):
    today = date(2026, 12, 7)

    def build():
        session.expire_all()
        weekly.build_weekly_report(session, council=council, today=today)

    issued(session, council, date(2026, 1, 5), date(2026, 5, 25))
    case = assessing(session, council, received=date(2026, 10, 1), officer="coord-a")
    ask(session, council, case, key="health", role="health", organisation="Trust", on=date(2026, 10, 15))
    few = count_queries(session, build)
    for n in range(4):
        issued(
            session,
            council,
            date(2026, 2, 2 + n),
            date(2026, 6, 15 + n),
            setting_type=SettingType.SPECIAL_SCHOOL,
        )
        more = assessing(session, council, received=date(2026, 10, 5 + n), officer="coord-b")
        ask(
            session,
            council,
            more,
            key="health",
            role="health",
            organisation="Trust",
            on=date(2026, 10, 19 + n),
        )
    assert count_queries(session, build) == few


# -- the email -----------------------------------------------------------------------------


@pytest.fixture
def sink(monkeypatch):
    with SmtpSink() as server:
        point_smtp_at(monkeypatch, server.port)
        yield server


def send_weekly(session, council, today: date) -> tuple[int, int]:
    report = weekly.build_weekly_report(session, council=council, today=today)
    queued = queue_weekly_report(
        session,
        week=report.iso_week,
        recipients=council.weekly_report_to,
        context=weekly.email_context(report, council=council.name),
        chart=png(report),
        domain="example-borough.gov.uk",
        now=at(today),
    )
    settings = get_settings()
    counts = deliver_reports_sync(
        session, transport=SmtpTransport(settings), council=council, settings=settings, now=at(today)
    )
    return queued, counts.sent


def test_each_manager_gets_the_weeks_report_with_its_chart_once(session, council, sink):
    build_year(session, council)
    monday = date(2026, 12, 7)
    assert send_weekly(session, council, monday) == (2, 2)
    # Run again the same week (Wednesday): nothing queued, nothing sent.
    assert send_weekly(session, council, monday + timedelta(days=2)) == (0, 0)
    assert sorted(str(message["To"]) for message in sink.messages) == sorted(
        str(contact.email) for contact in council.weekly_report_to
    )
    message = sink.messages[0]
    assert message["Subject"].startswith("EHC weekly report, 2026-W50: ")
    [chart] = [part for part in message.iter_attachments()]
    assert chart.get_content_type() == "image/png"
    assert chart.get_filename() == "weekly-report-2026-W50.png"
    assert chart.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert message.get_body(("html",)) is not None
    text = message.get_body(("plain",)).get_content()
    assert "2026 to date: 2 of 3 (66.7%) excluding exceptions" in text
    # The next week's report is a new message.
    assert send_weekly(session, council, monday + timedelta(days=7)) == (2, 2)
