"""Term dates and the school-closure exception they imply (Regs 5(4), 10(4), 13(3)).

The exception applies where the LA asked a head teacher (or early-years lead)
for advice during a window that begins one week before the setting closes for
at least four continuous weeks and ends one week before it re-opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

LONG_CLOSURE_DAYS = 28
WINDOW_LEAD = timedelta(weeks=1)


class SettingKind(StrEnum):
    SCHOOL = "school"  # schools and colleges
    EARLY_YEARS = "early_years"  # early years providers


class Term(BaseModel):
    """A run of days the setting is open: first and last day, both inclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ends_after_start(self) -> Term:
        if self.ends_on < self.starts_on:
            raise ValueError(f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on})")
        return self


@dataclass(frozen=True)
class Closure:
    closes_on: date  # the first day the setting is shut
    reopens_on: date  # the first day it is open again

    @property
    def days(self) -> int:
        return (self.reopens_on - self.closes_on).days

    @property
    def exception_window(self) -> tuple[date, date]:
        """The inclusive window in which a request for advice triggers the exception."""
        return self.closes_on - WINDOW_LEAD, self.reopens_on - WINDOW_LEAD


class TermCalendar(BaseModel):
    """One setting's (or a group of settings') term dates, in date order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SettingKind
    terms: tuple[Term, ...]

    @field_validator("terms")
    @classmethod
    def _ordered_and_apart(cls, terms: tuple[Term, ...]) -> tuple[Term, ...]:
        if not terms:
            raise ValueError("a calendar needs at least one term")
        for earlier, later in zip(terms, terms[1:], strict=False):
            if later.starts_on <= earlier.ends_on:
                raise ValueError(
                    f"terms must be in date order and not overlap: {later.starts_on} "
                    f"starts on or before the previous term ends ({earlier.ends_on})"
                )
        return terms

    @property
    def covers(self) -> tuple[date, date]:
        return self.terms[0].starts_on, self.terms[-1].ends_on

    def long_closures(self) -> list[Closure]:
        """Closures of four weeks or more between consecutive terms."""
        closures = []
        for earlier, later in zip(self.terms, self.terms[1:], strict=False):
            closure = Closure(closes_on=earlier.ends_on + timedelta(days=1), reopens_on=later.starts_on)
            if closure.days >= LONG_CLOSURE_DAYS:
                closures.append(closure)
        return closures

    def closure_containing_request(self, requested_on: date) -> Closure | None:
        """The long closure whose exception window contains this request date, if any."""
        for closure in self.long_closures():
            first, last = closure.exception_window
            if first <= requested_on <= last:
                return closure
        return None

    def knows(self, day: date) -> bool:
        """Whether the calendar's terms span this day (outside them, closures are unknown)."""
        first, last = self.covers
        return first <= day <= last
