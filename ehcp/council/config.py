"""One council's configuration: its clock policy and its settings' term dates.

Layout of a council directory (config/example/ ships as a template):
    council.yaml      name and the clock policy (day counting, draft target)
    term-dates.yaml   term calendars by key; cases name the calendar of their setting
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ehcp.council.yamlfile import load_model
from ehcp.domain.clock import ClockPolicy
from ehcp.domain.terms import TermCalendar


class CouncilFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    clock: ClockPolicy = ClockPolicy()


class TermDatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calendars: dict[str, TermCalendar]


@dataclass(frozen=True)
class Council:
    name: str
    policy: ClockPolicy
    calendars: dict[str, TermCalendar]


def load_council(directory: Path) -> Council:
    """Load and check every file; raises `ConfigError` naming file, line and field."""
    council = load_model(directory / "council.yaml", CouncilFile)
    terms = load_model(directory / "term-dates.yaml", TermDatesFile)
    return Council(name=council.name, policy=council.clock, calendars=terms.calendars)
