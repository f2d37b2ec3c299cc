"""One council's configuration: its clock policy and its settings' term dates.

Layout of a council directory (config/example/ ships as a template):
    council.yaml      name, clock policy, the SEND team, who is told an assessment is
                      being considered (Regs 4(2)), who is asked for advice (Regs 6(1)),
                      the letterhead letters and plans carry (address, logo,
                      contacts, signatory, the local offer, SENDIASS and mediation),
                      the coordinators cases are assigned to, and who receives the
                      weekly timeliness report
    term-dates.yaml   term calendars by key; cases name the calendar of their setting
    ladder.yaml       when contributors are reminded, chased and escalated and to whom;
                      when the coordinator is warned of a limit and who hears of a breach
    settings.yaml     the council's directory of schools, colleges and early years
                      settings, keyed by URN: each one's name and SEN inbox. A setting's
                      address for advice requests (Regs 6(1)(b)) and notices (Regs 4(2),
                      5(2), 10) comes from here, never from what a request form says
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, StringConstraints

from ehcp.council.yamlfile import Check, load_model
from ehcp.domain.clock import ClockPolicy, Timeline, compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.domain.ladder import CONTRIBUTOR, CONTRIBUTOR_MANAGER, Ladder
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


class Service(BaseModel):
    """A service letters point families to (SENDIASS, mediation): how to reach it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    telephone: str | None = None
    email: EmailStr | None = None
    website: AnyHttpUrl | None = None


class Signatory(BaseModel):
    """Who signs letters: a post, with the name of whoever holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)


class Letterhead(BaseModel):
    """What every letter and plan carries besides the case: the council's own details."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: list[str] = Field(min_length=1)
    telephone: str = Field(min_length=1)
    email: EmailStr
    website: AnyHttpUrl
    # An image file in the council directory (SVG or PNG); PDFs show it at the top.
    logo: str | None = None
    signatory: Signatory
    # The local offer: where families find information about schools and services.
    local_offer: AnyHttpUrl
    # Information, advice and support service (SENDIASS), Regs 5(3) and CoP 2.
    iass: Service
    # The independent mediation adviser the council commissions (Regs 32).
    mediation: Service
    # Disagreement resolution arrangements (CoP 11.6).
    disagreement_resolution: Service


# A coordinator's key: what tags (`officer:<key>`), artifact keys (`caseload-<key>`) and
# `ehcp assign --to` carry. Prefect allows only lower-case letters, digits and dashes in
# an artifact key, and a key is a handle, never the person's name (it reaches Prefect).
CoordinatorKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")]


class Coordinator(BaseModel):
    """A SEND coordinator (case officer) cases are assigned to. `email` is their work
    inbox: they get their cases' warnings besides the team inbox. The name is shown to
    staff only (the CLI, the staff pages), never to Prefect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr


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
    letterhead: Letterhead
    # The coordinators cases are assigned to (`ehcp assign CASE --to KEY`), by key.
    coordinators: dict[CoordinatorKey, Coordinator] = {}
    # Who receives the weekly timeliness report (the `ehc-weekly-report` flow).
    weekly_report_to: list[Contact] = []


def _logo_in(directory: Path) -> Check:
    def check(council: CouncilFile) -> list[tuple[tuple[str | int, ...], str]]:
        logo = council.letterhead.logo
        if logo is None:
            return []
        path = directory / logo
        if path.suffix.lower() not in LOGO_SUFFIXES:
            return [(("letterhead", "logo"), f"must be one of {', '.join(sorted(LOGO_SUFFIXES))}")]
        if not path.is_file():
            return [(("letterhead", "logo"), f"no file {logo!r} in {directory}")]
        return []

    return check


LOGO_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg"}


class TermDatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calendars: dict[str, TermCalendar]


class LadderFile(Ladder):
    # Inboxes the ladder escalates to or alerts, by a name of the council's choosing
    # (head_of_service, icb_dco...). Roles' shared inboxes, never a person's own.
    contacts: dict[str, Contact] = {}
    # Each service's manager, for rungs sent `to: contributor_manager`.
    managers: dict[ContributorRole, Contact] = {}


def _urn_text(value: object) -> object:
    """A URN written without quotes is read by YAML as a number: take it as its digits."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# A setting's unique reference number (Get Information about Schools): 6 or 7 digits.
Urn = Annotated[str, BeforeValidator(_urn_text), StringConstraints(pattern=r"^\d{6,7}$")]


class DirectorySetting(BaseModel):
    """One school, college or early years setting in the council's directory: where the
    council writes to it about a child's EHC needs assessment. `sen_email` is the
    setting's own SEN inbox (the SENCo's shared address), checked by the council."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    sen_email: EmailStr
    # The key of the setting's term calendar in term-dates.yaml, when the council has it.
    term_calendar: str | None = Field(default=None, max_length=60)


class SettingsDirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settings: dict[Urn, DirectorySetting] = {}


def _calendars_known(calendars: dict[str, TermCalendar]) -> Check:
    def check(directory: SettingsDirectoryFile) -> list[tuple[tuple[str | int, ...], str]]:
        return [
            (
                ("settings", urn, "term_calendar"),
                f"unknown term calendar {entry.term_calendar!r}: not in term-dates.yaml",
            )
            for urn, entry in directory.settings.items()
            if entry.term_calendar is not None and entry.term_calendar not in calendars
        ]

    return check


def _check_ladder(ladder: LadderFile) -> list[tuple[tuple[str | int, ...], str]]:
    """Every rung and alert must name someone the council has configured."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for role, rungs in ladder.advice.items():
        for index, rung in enumerate(rungs):
            where: tuple[str | int, ...] = ("advice", str(role), index, "to")
            if rung.to == CONTRIBUTOR:
                continue
            if rung.to == CONTRIBUTOR_MANAGER:
                if role == "default":
                    problems.append(
                        (where, "`default` covers roles with no manager configured: name a contact instead")
                    )
                elif role not in ladder.managers:
                    problems.append((where, f"no manager configured for {role} (add managers.{role})"))
            elif rung.to not in ladder.contacts:
                problems.append((where, f"unknown recipient {rung.to!r}: not in contacts"))
    for name, alerts in ladder.limits.items():
        for index, who in enumerate(alerts.alert_on_breach):
            if who not in ladder.contacts:
                where = ("limits", name, "alert_on_breach", index)
                problems.append((where, f"unknown recipient {who!r}: not in contacts"))
    return problems


@dataclass(frozen=True)
class Council:
    name: str
    policy: ClockPolicy
    calendars: dict[str, TermCalendar]
    send_team: Contact
    considering_notice: dict[str, Contact]
    advisers: dict[ContributorRole, Contact]
    ladder: Ladder = Ladder()
    contacts: dict[str, Contact] = field(default_factory=dict)
    managers: dict[ContributorRole, Contact] = field(default_factory=dict)
    letterhead: Letterhead | None = None
    directory: Path | None = None  # where the council's files (its logo) are
    # settings.yaml: the council's directory of settings, by URN.
    setting_directory: dict[str, DirectorySetting] = field(default_factory=dict)
    coordinators: dict[str, Coordinator] = field(default_factory=dict)
    weekly_report_to: tuple[Contact, ...] = ()

    def setting(self, urn: str | None) -> DirectorySetting | None:
        """The directory's entry for a URN, or None when the URN is missing or unknown."""
        return self.setting_directory.get(urn) if urn else None

    def setting_by_email(self, email: str | None) -> tuple[str, DirectorySetting] | None:
        """(URN, entry) of the setting whose SEN inbox is exactly `email`, if any."""
        wanted = email.strip().lower() if email else None
        if not wanted:
            return None
        return next(
            (
                (urn, entry)
                for urn, entry in self.setting_directory.items()
                if str(entry.sen_email).lower() == wanted
            ),
            None,
        )

    @property
    def logo_path(self) -> Path | None:
        if self.letterhead is None or self.letterhead.logo is None or self.directory is None:
            return None
        return self.directory / self.letterhead.logo

    def timeline(self, facts: CaseFacts, *, today: date) -> Timeline:
        """A case's statutory timeline under this council's clock policy and term dates."""
        return compute_timeline(facts, today=today, policy=self.policy, calendars=self.calendars)


def load_council(directory: Path) -> Council:
    """Load and check every file; raises `ConfigError` naming file, line and field."""
    council = load_model(directory / "council.yaml", CouncilFile, check=_logo_in(directory))
    terms = load_model(directory / "term-dates.yaml", TermDatesFile)
    ladder = load_model(directory / "ladder.yaml", LadderFile, check=_check_ladder)
    listed = load_model(
        directory / "settings.yaml", SettingsDirectoryFile, check=_calendars_known(terms.calendars)
    )
    return Council(
        setting_directory=dict(listed.settings),
        ladder=Ladder(advice=ladder.advice, limits=ladder.limits),
        contacts=dict(ladder.contacts),
        managers=dict(ladder.managers),
        name=council.name,
        policy=council.clock,
        calendars=terms.calendars,
        send_team=council.send_team,
        considering_notice={str(party): contact for party, contact in council.considering_notice.items()},
        advisers={ContributorRole(role): contact for role, contact in council.advisers.items()},
        letterhead=council.letterhead,
        directory=directory,
        coordinators=dict(council.coordinators),
        weekly_report_to=tuple(council.weekly_report_to),
    )


@lru_cache
def cached_council(directory: Path) -> Council:
    """The council in `directory`, loaded once per process (services read it on every task)."""
    return load_council(directory)
