"""The weekly report's chart: a PNG of the size an email client shows well, whose data (read
from the figure, not its pixels) are the report's own figures."""

from __future__ import annotations

import math
import struct
from datetime import date, timedelta

from matplotlib.text import Text

from ehcp.domain.facts import CaseFacts
from ehcp.reports import chart, weekly
from ehcp.reports.forecast import OpenCase
from ehcp.reports.kpi import Outcome, RequestRecord

TODAY = date(2026, 12, 7)  # a Monday: 2026-W50


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


def example() -> weekly.WeeklyReport:
    records = [
        plan("A", date(2026, 6, 1), date(2026, 10, 19)),  # day 140, W43
        plan("B", date(2026, 6, 1), date(2026, 10, 20)),  # day 141, W43
        plan("C", date(2026, 6, 15), date(2026, 10, 21)),  # W43
        plan("D", date(2026, 7, 1), date(2026, 11, 30)),  # day 152, W49 (last week)
        plan("E", date(2026, 1, 5), date(2026, 3, 2), week20=True),  # W10, an exception only
    ]
    considering = [
        OpenCase(f"EHC-2026-00000{n}", "considering", CaseFacts(received_on=TODAY - timedelta(days=days)))
        for n, days in enumerate((30, 40, 40, 41))  # decisions due in 12, 2, 2 and 1 day(s)
    ]
    return weekly.weekly_report(
        today=TODAY, records=records, open_cases=considering, officers={}, coordinators=[], advice=[]
    )


def test_the_chart_is_a_png_of_1200_by_700_pixels():
    data = chart.png(example())
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert (width, height) == (1200, 700)


def test_the_weekly_panel_plots_each_weeks_rate_and_plans_issued():
    report = example()
    figure = chart.figure(report)
    timeliness = figure.axes[0]
    [rates] = [line for line in timeliness.get_lines() if line.get_label() == "% within 20 weeks"]
    plotted = list(rates.get_ydata())
    expected = [week.plans.excluding_exceptions.percent for week in report.weeks]
    assert len(plotted) == 52
    assert [None if math.isnan(value) else value for value in plotted] == expected
    assert plotted[-1] == 0.0 and plotted[-7] == 66.7  # W49: late; W43: 2 of 3
    counts = next(
        axes for axes in figure.axes if axes is not timeliness and axes.bbox.bounds == timeliness.bbox.bounds
    )
    heights = [bar.get_height() for bar in counts.patches]
    assert heights == [week.plans.excluding_exceptions.plans for week in report.weeks]
    assert sum(heights) == 4  # E carries an exception
    [twelve] = [line for line in timeliness.get_lines() if line.get_label().startswith("12 months")]
    assert (
        list(twelve.get_ydata()) == [report.last_12_months.excluding_exceptions.percent] * 2 == [50.0, 50.0]
    )


def test_the_forecast_panel_counts_the_breaches_on_each_of_the_next_14_days():
    report = example()
    ahead = chart.figure(report).axes[1]
    heights = [bar.get_height() for bar in ahead.patches]
    assert heights == [count for _, count in report.forecast_by_day]
    # Breached the day after each is due: in 2, 3, 3 and 13 days.
    assert heights[:3] == [0, 1, 2] and heights[12] == 1 and sum(heights) == 4
    labels = [label.get_text() for label in ahead.get_xticklabels()]
    assert labels[0] == "Tue\n8 Dec" and len(labels) == 14


def test_every_text_is_at_least_11_points_and_names_no_case():
    figure = chart.figure(example())
    texts = [text for text in figure.findobj(match=Text)]
    shown = [text for text in texts if text.get_text()]
    assert shown and min(text.get_fontsize() for text in shown) >= 11
    assert not any("EHC-" in text.get_text() for text in shown)
