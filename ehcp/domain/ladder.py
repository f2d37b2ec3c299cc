"""The chasing ladder: when contributors are reminded, chased and escalated, and who
hears that a statutory limit is near or breached. Pure: the council's ladder.yaml
fills these models; the planner asks `due_rungs` what has come by `today`.

A rung's day is counted from the date the advice (or the limit) is due:
`at: -7` is a week before, `at: 0` the due day, `at: 5` five days late.

Catching up: if the service was stopped over several rungs' days, each recipient
gets only the latest rung that has come (a reminder is pointless once the chaser
is due), so a restart never floods anyone. Under normal running every rung
fires on its own day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal, TypeGuard, get_args

from pydantic import BaseModel, ConfigDict, Field

from ehcp.domain.roles import ContributorRole

# Who a rung goes to: the contributor asked, that service's manager (configured
# per role), or a named inbox from the ladder's `contacts`.
CONTRIBUTOR = "contributor"
CONTRIBUTOR_MANAGER = "contributor_manager"

# The limits the clock computes, by the first part of their key.
LimitName = Literal[
    "decision_to_assess",
    "advice",
    "decision_not_to_issue",
    "draft_plan_target",
    "family_comments",
    "school_consultation",
    "final_plan",
]
LIMIT_NAMES: tuple[str, ...] = get_args(LimitName)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rung(_Strict):
    at: int = Field(ge=-42, le=120, description="days from the due date; negative is before")
    send: Literal["reminder", "chaser", "escalation"]
    to: str = Field(min_length=1)

    @property
    def purpose(self) -> str:
        return f"advice_{self.send}"


class LimitAlerts(_Strict):
    # Warn the coordinator (the SEND team inbox) this many days before the due date.
    warn_before: tuple[Annotated[int, Field(ge=1, le=60)], ...] = ()
    # Who is alerted the day after a limit is breached (names from `contacts`).
    alert_on_breach: tuple[str, ...] = ()


class Ladder(_Strict):
    # Per contributor role; `default` for any role not listed.
    advice: dict[ContributorRole | Literal["default"], tuple[Rung, ...]] = {}
    limits: dict[LimitName, LimitAlerts] = {}

    def rungs_for(self, role: ContributorRole) -> tuple[Rung, ...]:
        return self.advice.get(role, self.advice.get("default", ()))

    def alerts_for(self, limit_key: str) -> LimitAlerts | None:
        """The alerts for a limit, by its key (`advice:<key>` takes the `advice` entry)."""
        name = limit_key.split(":")[0]
        return self.limits.get(name) if is_limit_name(name) else None


def is_limit_name(name: str) -> TypeGuard[LimitName]:
    return name in LIMIT_NAMES


def rung_day(due_on: date, rung: Rung) -> date:
    return due_on + timedelta(days=rung.at)


def due_rungs(rungs: tuple[Rung, ...], *, due_on: date, today: date) -> list[Rung]:
    """The rungs to send by `today`: per recipient, the latest whose day has come.
    Reminders are for before the due date, so one whose day passed unsent (the
    service was down) is dropped once the due date has gone too."""
    latest: dict[str, Rung] = {}
    for rung in sorted(rungs, key=lambda rung: rung.at):
        if rung_day(due_on, rung) > today:
            continue
        if rung.send == "reminder" and today > due_on:
            continue
        latest[rung.to] = rung
    return list(latest.values())


def warning_due(alerts: LimitAlerts, *, due_on: date, today: date) -> int | None:
    """The `warn_before` figure whose day is the latest to have come, if any."""
    come = [days for days in alerts.warn_before if due_on - timedelta(days=days) <= today <= due_on]
    return min(come, default=None)


def future_days(rungs: tuple[Rung, ...], alerts: LimitAlerts | None, *, due_on: date) -> list[date]:
    """Every day this ladder may act on, so the run can be woken for it."""
    days = [rung_day(due_on, rung) for rung in rungs]
    if alerts is not None:
        days += [due_on - timedelta(days=before) for before in alerts.warn_before]
        if alerts.alert_on_breach:
            days.append(due_on + timedelta(days=1))
    return days
