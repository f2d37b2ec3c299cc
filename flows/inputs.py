"""What the Prefect UI's resume form asks a coordinator, one form per stage.

Prefect builds the form from these models, so titles and descriptions are
written for coordinators. Every field has a default: the system wakes a run
with an empty input, and submitting the form unchanged just makes the case
look again. There is no free-text field for reasons or notes on purpose: what
is typed here is stored in Prefect, which is not the case file and has no
login. Reasons go in the decision letter (`ehcp decide ... --reasons-file`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from prefect.input import RunInput
from pydantic import Field

from ehcp.db.inputs import PanelDecision
from ehcp.runtime.coordinator_input import CoordinatorEntry

WITHDRAWN = Field(
    default=None,
    title="Withdrawn on",
    description="Only if the family has withdrawn the request: the date they did. Leave empty otherwise.",
)
DECIDED_ON = Field(
    default=None,
    title="Date of the decision",
    description="The date the panel decided, as it will appear on the decision letter.",
)


class LookAgain(RunInput):
    """Submit to make the case look again. Record decisions with `ehcp` or the API."""

    withdrawn_on: date | None = WITHDRAWN


class DecideWhetherToAssess(RunInput):
    """Record the panel's decision whether to carry out an EHC needs assessment (due by week 6).
    Do not type names or reasons here: Prefect is not the case file."""

    decision: Literal["not decided yet", "assess", "do not assess"] = Field(
        default="not decided yet",
        title="Panel decision",
        description="Choose 'assess' or 'do not assess' and give the date. "
        "'not decided yet' records nothing.",
    )
    decided_on: date | None = DECIDED_ON
    withdrawn_on: date | None = WITHDRAWN


class DecideWhetherToIssue(RunInput):
    """Record the panel's decision whether to issue an EHC plan. A decision not to issue
    must be sent by week 16. Do not type names or reasons here."""

    decision: Literal["not decided yet", "issue a plan", "do not issue a plan"] = Field(
        default="not decided yet",
        title="Panel decision",
        description="Choose 'issue a plan' or 'do not issue a plan' and give the date.",
    )
    decided_on: date | None = DECIDED_ON
    withdrawn_on: date | None = WITHDRAWN


class ServeDraft(RunInput):
    """Record the day the draft plan was served on the family: their 15 days start that day."""

    draft_served_on: date | None = Field(
        default=None,
        title="Draft served on",
        description="The day the draft plan was sent to the family.",
    )
    withdrawn_on: date | None = WITHDRAWN


class NameSetting(RunInput):
    """Record the school or setting to be named in section I. The final plan is issued once
    the family's 15 days have ended."""

    named_setting: str | None = Field(
        default=None,
        title="School or setting to name",
        description="The name of the school or setting only (it appears in section I).",
        max_length=200,
    )
    withdrawn_on: date | None = WITHDRAWN


FORM_FOR_STAGE: dict[str, type[RunInput]] = {
    "considering": DecideWhetherToAssess,
    "assessing": DecideWhetherToIssue,
    "drafting": ServeDraft,
    "draft_served": NameSetting,
}


# The forms' words for the panel's decisions; "not decided yet" records nothing.
NOT_DECIDED = "not decided yet"
DECISION_CHOSEN = {
    "assess": PanelDecision.ASSESS,
    "do not assess": PanelDecision.NOT_ASSESS,
    "issue a plan": PanelDecision.ISSUE,
    "do not issue a plan": PanelDecision.NOT_ISSUE,
}


def form_for(stage: str) -> type[RunInput]:
    return FORM_FOR_STAGE.get(stage, LookAgain)


def entry_from(form: RunInput) -> CoordinatorEntry:
    """The typed entry a submitted form (of any stage) carries."""
    values = form.model_dump(exclude_none=True)
    chosen = values.pop("decision", NOT_DECIDED)
    decision = None if chosen == NOT_DECIDED else DECISION_CHOSEN[chosen]
    return CoordinatorEntry(decision=decision, **values)
