"""One council's configuration: its clock policy and its settings' term dates.

Layout of a council directory (config/example/ ships as a template):
    council.yaml      name, clock policy, the SEND team, who is told an assessment is
                      being considered (Regs 4(2)) and who is asked for advice (Regs 6(1))
    term-dates.yaml   term calendars by key; cases name the calendar of their setting
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from ehcp.council.yamlfile import load_model
from ehcp.domain.clock import ClockPolicy
from ehcp.domain.roles import ContributorRole
from ehcp.domain.terms import TermCalendar


class Contact(BaseModel):
    """An organisation's shared inbox (never a named person's private address)."""

    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(min_length=1)
    email: EmailStr


# Advice the council asks named services for. Educational advice goes to the
# child's own setting and the family's own advice to the family, so those two
# come from the case, not from here.
ServiceRole = Literal[
    ContributorRole.HEALTH,
    ContributorRole.PSYCHOLOGICAL,
    ContributorRole.SOCIAL_CARE,
    ContributorRole.PREPARATION_FOR_ADULTHOOD,
    ContributorRole.OTHER,
]


class CouncilFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    clock: ClockPolicy = ClockPolicy()
    send_team: Contact
    # Regs 4(2): the ICB and social care are told an assessment is being
    # considered (the child's setting is told too, from the case).
    considering_notice: dict[Literal["health", "social_care"], Contact]
    # Regs 6(1): asked for advice as soon as the council decides to assess.
    advisers: dict[ServiceRole, Contact] = Field(min_length=1)


class TermDatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calendars: dict[str, TermCalendar]


@dataclass(frozen=True)
class Council:
    name: str
    policy: ClockPolicy
    calendars: dict[str, TermCalendar]
    send_team: Contact
    considering_notice: dict[str, Contact]
    advisers: dict[ContributorRole, Contact]


def load_council(directory: Path) -> Council:
    """Load and check every file; raises `ConfigError` naming file, line and field."""
    council = load_model(directory / "council.yaml", CouncilFile)
    terms = load_model(directory / "term-dates.yaml", TermDatesFile)
    return Council(
        name=council.name,
        policy=council.clock,
        calendars=terms.calendars,
        send_team=council.send_team,
        considering_notice=dict(council.considering_notice),
        advisers={ContributorRole(role): contact for role, contact in council.advisers.items()},
    )
