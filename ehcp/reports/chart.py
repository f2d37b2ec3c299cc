"""The weekly report's chart: a PNG for the managers' email (1200 x 700 px at 100 dpi).

Top: each of the last 52 complete ISO weeks, the plans issued (grey bars, right-hand
scale) and the share issued within 20 weeks excluding exceptions (blue line, left-hand
scale; no point in a week with no plans), with the 12 months' rate as a dashed line.
Bottom: how many limits will first be breached on each of the next 14 days unless someone
acts (the forecast), each bar labelled with its count.

Drawn on a `matplotlib.figure.Figure` with the Agg canvas: no pyplot, no global backend,
safe in a worker thread. Text is 12 pt or larger. Counts, weeks and days only: no case
reference, no name.
"""

from __future__ import annotations

import io
import math

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ehcp.reports.weekly import WeeklyReport

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
FONT_PT = 12
BLUE, GREY, RED, BLACK = "#1d70b8", "#b1b4b6", "#d4351c", "#0b0c0c"  # GOV.UK colours


def figure(report: WeeklyReport) -> Figure:
    """The chart as a figure: its axes hold exactly the report's figures (tests read them)."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    timeliness, ahead = fig.subplots(2, 1, height_ratios=(3, 2))
    _weekly(timeliness, report)
    _forecast(ahead, report)
    fig.suptitle(
        f"EHC needs assessments: week {report.iso_week} (as at {report.today:%d %B %Y})",
        fontsize=FONT_PT + 4,
        color=BLACK,
    )
    return fig


def png(report: WeeklyReport) -> bytes:
    buffer = io.BytesIO()
    figure(report).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _weekly(axes: Axes, report: WeeklyReport) -> None:
    positions = list(range(len(report.weeks)))
    counts = axes.twinx()
    counts.bar(positions, [week.plans.excluding_exceptions.plans for week in report.weeks], color=GREY)
    counts.set_ylabel("Plans issued (excl. exceptions)", fontsize=FONT_PT)
    counts.tick_params(labelsize=FONT_PT)
    counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = max((week.plans.excluding_exceptions.plans for week in report.weeks), default=0)
    counts.set_ylim(0, max(top, 1) * 1.15)
    # The percentage drawn over the bars.
    axes.set_zorder(counts.get_zorder() + 1)
    axes.patch.set_visible(False)
    rates = [week.plans.excluding_exceptions.percent for week in report.weeks]
    axes.plot(
        positions,
        [math.nan if rate is None else rate for rate in rates],
        color=BLUE,
        marker="o",
        markersize=4,
        linewidth=2,
        label="% within 20 weeks",
    )
    year_rate = report.last_12_months.excluding_exceptions.percent
    if year_rate is not None:
        axes.axhline(year_rate, color=BLUE, linestyle="--", linewidth=1, label=f"12 months: {year_rate:.1f}%")
    axes.set_ylim(0, 105)
    axes.set_ylabel("% within 20 weeks", fontsize=FONT_PT)
    axes.set_title(
        "Plans issued within 20 weeks, excluding exceptions, by ISO week (last 52 weeks)",
        fontsize=FONT_PT + 1,
        loc="left",
    )
    ticks = positions[::4]
    axes.set_xticks(ticks, [_week_label(report.weeks[i].week) for i in ticks], fontsize=FONT_PT - 1)
    axes.tick_params(axis="y", labelsize=FONT_PT)
    axes.set_xlim(-0.7, len(positions) - 0.3)
    axes.legend(loc="lower left", fontsize=FONT_PT - 1, frameon=False)


def _forecast(axes: Axes, report: WeeklyReport) -> None:
    days = [day for day, _ in report.forecast_by_day]
    counts = [count for _, count in report.forecast_by_day]
    positions = list(range(len(days)))
    bars = axes.bar(positions, counts, color=RED)
    axes.bar_label(bars, labels=[str(count) if count else "" for count in counts], fontsize=FONT_PT)
    axes.set_xticks(positions, [f"{day:%a}\n{day.day} {day:%b}" for day in days], fontsize=FONT_PT - 1)
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.25)
    axes.set_ylabel("Limits", fontsize=FONT_PT)
    axes.tick_params(axis="y", labelsize=FONT_PT)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(
        f"Limits that will be breached in the next {report.horizon_days} days unless someone acts: "
        f"{len(report.forecast)} (by the day of the breach)",
        fontsize=FONT_PT + 1,
        loc="left",
    )


def _week_label(week: str) -> str:
    """ "2026-W09" as "W09" over "2026"."""
    year, _, number = week.partition("-")
    return f"{number}\n{year}"
