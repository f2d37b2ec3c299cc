"""What the Prefect UI's resume form asks a coordinator, one form per stage.

Prefect builds the form from these models, so titles and descriptions are
written for coordinators. Every field has a default: the system wakes a run
with an empty input, and submitting the form unchanged just makes the case
look again. There is no free-text field for reasons or notes on purpose: what
is typed here is stored in Prefect, which is not the case file and has no
login. Reasons go in the decision letter (`ehcp decide ... --reasons-file`).

The few text boxes are one line, bounded, and their schema's `pattern` refuses
control, invisible and text-direction characters, so the Prefect server turns
such input away before the run resumes; what the pattern cannot name (tag
characters) the `CoordinatorEntry` refuses, and the refusal is recorded on the case.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from prefect.input import RunInput
from pydantic import ConfigDict, Field, ValidationError, WithJsonSchema

from ehcp.db.inputs import PanelDecision
from ehcp.domain.facts import SettingType
from ehcp.domain.finalising import ADVICE_GAP_REASONS
from ehcp.domain.grounds import ExceptionGround
from ehcp.limits import EMAIL, KEY, LIMIT_KEY, NAME
from ehcp.runtime.coordinator_input import CoordinatorEntry
from ehcp.safe_text import one_line_json_pattern

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


# A plain optional date in the resume form. `date | None` would draw two tabs, "date" and
# "None" (its default, so the form opens on "Property is type None"); this draws one date
# picker marked "(Optional)", left empty to mean "not this time". The model still
# accepts None, so an empty field and Prefect's own wake (an empty input) both validate.
OptionalDate = Annotated[date | None, WithJsonSchema({"type": "string", "format": "date"})]


# Plain optional text boxes (not "str | None" tabs), each with its length and the characters
# it refuses in the schema, so the form and Prefect's check of the input stop what the
# model would refuse.
def _one_line(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": one_line_json_pattern()}


Text60 = Annotated[str | None, WithJsonSchema(_one_line(KEY))]
Text80 = Annotated[str | None, WithJsonSchema(_one_line(LIMIT_KEY))]
Text200 = Annotated[str | None, WithJsonSchema(_one_line(NAME))]
Text320 = Annotated[str | None, WithJsonSchema(_one_line(EMAIL))]


NONE = "none"
GROUND_CHOICES = Literal[
    "none",
    "school_closure",
    "early_years_closure",
    "exceptional_personal_circumstances",
    "absence_from_area",
    "missed_appointment",
]
SETTING_TYPES = Literal[
    "not recorded",
    "mainstream_school",
    "mainstream_school_with_resourced_provision",
    "special_school",
    "independent_special_school",
    "post_16_institution",
    "early_years_provider",
    "other_institution",
]
GAP_REASONS = Literal[
    "none",
    "not_received_after_escalation",
    "family_declined",
    "adviser_has_no_involvement",
    "appointment_not_kept",
]


# Prefect renders a Literal as a choice with a "nothing chosen" word; these must name
# exactly what the domain allows, checked here at import rather than found in a refusal.
assert set(get_args(GROUND_CHOICES)) - {NONE} == set(ExceptionGround)
assert set(get_args(SETTING_TYPES)) - {"not recorded"} == set(SettingType)
assert set(get_args(GAP_REASONS)) - {NONE} == set(ADVICE_GAP_REASONS)


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """Prefect's form sends a field's default back as it is, and the server checks what it
    sends against the schema: a `null` default on a field typed "string" is refused. With
    no default drawn, an untouched optional field is simply left out (the model's own
    default, None, applies)."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None:
            del field["default"]


class RecordsExceptions(RunInput):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    """Fields every stage's form carries: a ground the coordinator judges made one limit
    impractical to meet (Regs 5(4), 8(2), 10(4), 13(3)). Ground, limit and dates only:
    the evidence goes in the case file (`ehcp exception record ... --evidence-file`)."""

    exception_ground: GROUND_CHOICES = Field(
        default="none",
        title="Exception: ground",
        description="Only if a ground made a time limit impractical to meet. The family is told.",
    )
    exception_limit: Text80 = Field(
        default=None,
        title="Exception: limit it affects",
        description="decision_to_assess, decision_not_to_issue, final_plan or advice:<key>",
        max_length=LIMIT_KEY,
    )
    exception_from: OptionalDate = Field(default=None, title="Exception: ground began on")
    exception_to: OptionalDate = Field(
        default=None, title="Exception: ground ended on", description="Leave empty while it goes on."
    )


class LookAgain(RecordsExceptions):
    """Submit to make the case look again. Record decisions with `ehcp` or the API."""

    withdrawn_on: OptionalDate = WITHDRAWN


class DecideWhetherToAssess(RecordsExceptions):
    """Record the panel's decision whether to carry out an EHC needs assessment (due by week 6).
    Do not type names or reasons here: Prefect is not the case file."""

    decision: Literal["not decided yet", "assess", "do not assess"] = Field(
        default="not decided yet",
        title="Panel decision",
        description="Choose 'assess' or 'do not assess' and give the date. "
        "'not decided yet' records nothing.",
    )
    decided_on: OptionalDate = DECIDED_ON
    withdrawn_on: OptionalDate = WITHDRAWN


class DecideWhetherToIssue(RecordsExceptions):
    """Record the panel's decision whether to issue an EHC plan. A decision not to issue
    must be sent by week 16. Do not type names or reasons here."""

    decision: Literal["not decided yet", "issue a plan", "do not issue a plan"] = Field(
        default="not decided yet",
        title="Panel decision",
        description="Choose 'issue a plan' or 'do not issue a plan' and give the date.",
    )
    decided_on: OptionalDate = DECIDED_ON
    withdrawn_on: OptionalDate = WITHDRAWN


class ServeDraft(RecordsExceptions):
    """Serve the caseworker's newest version of the plan on the family: it goes by email
    (or into the post tray) now, and their 15 days begin on the day it reaches them."""

    serve_draft: bool = Field(
        default=False,
        title="Serve the draft plan now",
        description="Sends the newest uploaded version (`ehcp plan upload`) to the family today.",
    )
    withdrawn_on: OptionalDate = WITHDRAWN


class FinalisePlan(RecordsExceptions):
    """After the draft: record the family's requests, section I and advice the plan goes
    ahead without, then finalise. Finalising is the council's decision: it is refused
    (and the refusal shown on the case's timeline) until the family's 15 days are over,
    a requested meeting is held, the schools are consulted and no advice is outstanding
    without a recorded reason. Nothing issues the plan by itself."""

    serve_again: bool = Field(
        default=False,
        title="Serve the newest version again",
        description="When the plan has changed with new advice since it was served: a new 15 days.",
    )
    requested_school: Text200 = Field(
        default=None,
        title="School the family asked for",
        description="Only the school's or institution's name (s.38(2)(b)); it must be consulted.",
        max_length=NAME,
    )
    meeting_requested_on: OptionalDate = Field(default=None, title="Family asked for a meeting on")
    meeting_held_on: OptionalDate = Field(default=None, title="Meeting held on")
    named_setting: Text200 = Field(
        default=None,
        title="Section I: school or institution to name",
        description="Its name only. Leave empty if section I names a type only.",
        max_length=NAME,
    )
    setting_type: SETTING_TYPES = Field(default="not recorded", title="Section I: type of institution")
    setting_email: Text320 = Field(
        default=None,
        title="Named institution's email",
        description="Only if it was not consulted by email: the final plan's copy goes here.",
        max_length=EMAIL,
    )
    advice_gap_key: Text60 = Field(
        default=None,
        title="Go ahead without advice: request key",
        description="The key of advice not received (e.g. health), only when the plan must go ahead.",
        max_length=KEY,
    )
    advice_gap_reason: GAP_REASONS = Field(default="none", title="Go ahead without advice: why")
    finalise_on: OptionalDate = Field(
        default=None,
        title="Finalise the plan on",
        description="The date of the council's decision to finalise. Leave empty to record the rest only.",
    )
    withdrawn_on: OptionalDate = WITHDRAWN


FORM_FOR_STAGE: dict[str, type[RunInput]] = {
    "considering": DecideWhetherToAssess,
    "assessing": DecideWhetherToIssue,
    "drafting": ServeDraft,
    "draft_served": FinalisePlan,
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
    # The forms' "nothing chosen" words record nothing.
    values = {key: value for key, value in values.items() if value not in (NONE, "not recorded")}
    try:
        return CoordinatorEntry(decision=decision, **values)
    except ValidationError as refused:  # recorded on the case when applied; the form is offered again
        return CoordinatorEntry.refusing(refused)
