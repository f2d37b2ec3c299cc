"""What has happened on a case, as plain facts: the statutory clock's input.

Fields are declared in the order things happen, so each validator can check a
date against the facts before it and name the field at fault. Every entry point
(CLI, API, database writes) builds a `CaseFacts` before it stores anything, so
an impossible history is refused the same way everywhere.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ehcp.domain.grounds import LIMIT_GROUNDS, MINIMUM_ABSENCE_DAYS, ExceptionGround, grounds_for_limit
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole


class AssessmentOutcome(StrEnum):
    ASSESS = "assess"
    NOT_ASSESS = "not_assess"


class IssueOutcome(StrEnum):
    ISSUE = "issue"
    NOT_ISSUE = "not_issue"


class SettingType(StrEnum):
    """The type of school or institution section I names (s.40(2): the plan names an
    institution or "the type of school or other institution")."""

    MAINSTREAM_SCHOOL = "mainstream_school"
    RESOURCED_PROVISION = "mainstream_school_with_resourced_provision"
    SPECIAL_SCHOOL = "special_school"
    INDEPENDENT_SPECIAL_SCHOOL = "independent_special_school"
    POST_16_INSTITUTION = "post_16_institution"
    EARLY_YEARS_PROVIDER = "early_years_provider"
    OTHER_INSTITUTION = "other_institution"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Decision(_Frozen):
    decided_on: date
    # The day the decision was sent to the family. The limits are duties to *notify*
    # (Regs 5(1) "must notify ... of its decision", 10(1)), so a limit is met on this day,
    # not on the day the panel decided; None until the letter has gone.
    notified_on: date | None = None

    @field_validator("notified_on")
    @classmethod
    def _notified_after_decided(cls, value: date | None, info: ValidationInfo) -> date | None:
        decided = info.data.get("decided_on")
        if value is not None and decided is not None and value < decided:
            raise ValueError(f"decision sent on {value}, before it was made ({decided})")
        return value

    @property
    def told_on(self) -> date | None:
        return self.notified_on


class AssessmentDecision(_Decision):
    outcome: AssessmentOutcome


class IssueDecision(_Decision):
    outcome: IssueOutcome


class AdviceFacts(_Frozen):
    """One request for advice. `key` is stable for the life of the case."""

    key: str
    role: ContributorRole
    requested_on: date
    received_on: date | None = None
    # Regs 6(4): existing advice the adviser, LA and family agree is sufficient.
    existing_advice_accepted: bool = False
    # The term calendar of the setting whose head was asked (school-closure exception).
    setting_calendar: str | None = None
    # Why the council went ahead without this advice, once it was recorded (a code from
    # finalising.ADVICE_GAP_REASONS; the family is told). Regs 6(1) says the advice "must"
    # be sought, so a plan is finalised without it only on a recorded decision.
    gap_reason: str | None = None

    @field_validator("received_on")
    @classmethod
    def _received_after_request(cls, value: date | None, info: ValidationInfo) -> date | None:
        requested = info.data.get("requested_on")
        if value is not None and requested is not None and value < requested:
            raise ValueError(f"advice received ({value}) before it was requested ({requested})")
        return value


class ConsultationFacts(_Frozen):
    """The LA's consultation of a school or college it may name (CoP 9.83)."""

    key: str
    sent_on: date
    answered_on: date | None = None
    setting_name: str | None = None

    @field_validator("answered_on")
    @classmethod
    def _answered_after_sent(cls, value: date | None, info: ValidationInfo) -> date | None:
        sent = info.data.get("sent_on")
        if value is not None and sent is not None and value < sent:
            raise ValueError(f"answered ({value}) before the consultation was sent ({sent})")
        return value


class ExceptionFacts(_Frozen):
    """A ground the coordinator judged made one limit impractical to meet, with the dates
    it covers. It excuses that limit and no other (Regs 5(4), 8(2), 10(4), 13(3):
    "need not comply ... if it is impractical to do so because ...")."""

    ground: ExceptionGround
    limit_key: str  # "decision_to_assess", "decision_not_to_issue", "final_plan" or "advice:<key>"
    starts_on: date
    ends_on: date | None = None  # None: still going on

    @model_validator(mode="after")
    def _dates_make_sense(self) -> ExceptionFacts:
        allowed = grounds_for_limit(self.limit_key)
        if allowed is None:
            known = ", ".join([*LIMIT_GROUNDS, "advice:<key>"])
            raise ValueError(f"no regulation lets limit '{self.limit_key}' be disapplied; limits: {known}")
        grounds, regulation = allowed
        if self.ground not in grounds:
            listed = ", ".join(sorted(grounds))
            raise ValueError(f"{regulation} does not list '{self.ground}' for this limit; it lists: {listed}")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError(f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on})")
        if self.ground is ExceptionGround.ABSENCE_FROM_AREA and self.ends_on is not None:
            days = (self.ends_on - self.starts_on).days + 1
            if days < MINIMUM_ABSENCE_DAYS:
                raise ValueError(
                    f"an absence from the area must last at least 4 continuous weeks; "
                    f"{self.starts_on} to {self.ends_on} is {days} days"
                )
        return self

    @property
    def advice_key(self) -> str | None:
        """The advice request whose limit this excuses, for an adviser's ground."""
        kind, _, key = self.limit_key.partition(":")
        return key if kind == "advice" else None

    @property
    def last_day(self) -> date:
        if self.ground is ExceptionGround.MISSED_APPOINTMENT:
            return self.starts_on
        return self.ends_on or date.max


class CaseFacts(_Frozen):
    """Everything the clock needs, in the order it happens."""

    received_on: date
    setting_calendar: str | None = None
    decision_to_assess: AssessmentDecision | None = None
    advice: tuple[AdviceFacts, ...] = ()
    decision_to_issue: IssueDecision | None = None
    # The council's act of serving the draft (the coordinator's "serve"): the draft and its
    # letter go to the family that day, by email or into the post tray.
    draft_issued_on: date | None = None
    # The first time it was served: what consultations and a meeting about the draft follow.
    # Serving again (a changed plan, Regs 13(1)) moves draft_issued_on, not this.
    draft_first_issued_on: date | None = None
    # The day the draft was served in law: the day its email was sent, or a posted draft's
    # deemed day of delivery (Interpretation Act 1978 s.7; see postal.py). The family's 15
    # days begin with it (Regs 13(1)(a)). None while it is still on its way.
    draft_served_on: date | None = None
    # Sections of the plan the caseworker has changed since the served version, when advice
    # arrived after service: new content the family has not seen means serving again.
    changed_since_service: tuple[str, ...] = ()
    # s.38(2)(b): the school or institution the family asked to be named, if they did.
    requested_school: str | None = None
    # Regs 13(1)(a)(ii): the family may require a meeting with an officer about the draft.
    meeting_requested_on: date | None = None
    meeting_held_on: date | None = None
    consultations: tuple[ConsultationFacts, ...] = ()
    named_setting: str | None = None  # section I (s.40(2)): the institution, when one is named
    named_setting_type: SettingType | None = None  # and its type (or the type alone)
    # The council's decision to finalise (s.39(5)/40(2), Regs 13(2)): never made by a timer.
    final_issued_on: date | None = None
    # The day the final plan was sent to the family: Regs 13(2)'s 20 weeks are met on it.
    final_sent_on: date | None = None
    withdrawn_on: date | None = None
    exceptions: tuple[ExceptionFacts, ...] = ()

    @field_validator("decision_to_assess")
    @classmethod
    def _decided_after_request(
        cls, value: AssessmentDecision | None, info: ValidationInfo
    ) -> AssessmentDecision | None:
        received = info.data.get("received_on")
        if value is not None and received is not None and value.decided_on < received:
            raise ValueError(
                f"decision dated {value.decided_on}, before the request was received ({received})"
            )
        return value

    @field_validator("advice")
    @classmethod
    def _advice_after_decision(
        cls, value: tuple[AdviceFacts, ...], info: ValidationInfo
    ) -> tuple[AdviceFacts, ...]:
        received = info.data.get("received_on")
        decision = info.data.get("decision_to_assess")
        keys = [item.key for item in value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"advice keys must be unique; repeated: {', '.join(duplicates)}")
        if value and decision is not None and decision.outcome is AssessmentOutcome.NOT_ASSESS:
            raise ValueError("advice cannot be requested after a decision not to assess")
        for item in value:
            if received is not None and item.requested_on < received:
                raise ValueError(
                    f"advice '{item.key}' requested on {item.requested_on}, "
                    f"before the request was received ({received})"
                )
            if decision is not None and item.requested_on < decision.decided_on:
                raise ValueError(
                    f"advice '{item.key}' requested on {item.requested_on}, "
                    f"before the decision to assess ({decision.decided_on})"
                )
        return value

    @field_validator("decision_to_issue")
    @classmethod
    def _issue_decision_follows_assessment(
        cls, value: IssueDecision | None, info: ValidationInfo
    ) -> IssueDecision | None:
        if value is None:
            return value
        _require_assessment(info, value.decided_on, "the decision whether to issue")
        return value

    @model_validator(mode="before")
    @classmethod
    def _served_means_issued(cls, data: object) -> object:
        """A draft that reached the family was issued no later: facts written by hand
        (tests, the what-if CLI) may give only the day it was served."""
        if not isinstance(data, dict):
            return data
        if data.get("draft_served_on") and not data.get("draft_issued_on"):
            data = {**data, "draft_issued_on": data["draft_served_on"]}
        if data.get("draft_issued_on") and not data.get("draft_first_issued_on"):
            data = {**data, "draft_first_issued_on": data["draft_issued_on"]}
        return data

    @field_validator("draft_issued_on")
    @classmethod
    def _draft_follows_decisions(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return value
        _require_assessment(info, value, "the draft plan")
        issue = info.data.get("decision_to_issue")
        if issue is not None:
            if issue.outcome is IssueOutcome.NOT_ISSUE:
                raise ValueError("a draft plan cannot follow a decision not to issue a plan")
            if value < issue.decided_on:
                raise ValueError(
                    f"draft served on {value}, before the decision to issue ({issue.decided_on})"
                )
        return value

    @field_validator("draft_served_on")
    @classmethod
    def _served_after_issued(cls, value: date | None, info: ValidationInfo) -> date | None:
        issued = info.data.get("draft_issued_on")
        if value is not None and issued is not None and value < issued:
            raise ValueError(f"draft reached the family on {value}, before it was sent ({issued})")
        return value

    @field_validator("meeting_held_on")
    @classmethod
    def _meeting_follows_request(cls, value: date | None, info: ValidationInfo) -> date | None:
        asked = info.data.get("meeting_requested_on")
        if value is None:
            return value
        if asked is None:
            raise ValueError("a meeting is recorded as held, but the family's request for it is not")
        if value < asked:
            raise ValueError(f"meeting held on {value}, before the family asked for it ({asked})")
        return value

    @field_validator("meeting_requested_on")
    @classmethod
    def _meeting_asked_about_draft(cls, value: date | None, info: ValidationInfo) -> date | None:
        draft = info.data.get("draft_first_issued_on")
        if value is not None and (draft is None or value < draft):
            raise ValueError("a meeting about the draft is asked for after the draft is served (Regs 13(1))")
        return value

    @field_validator("consultations")
    @classmethod
    def _consultations_follow_draft(
        cls, value: tuple[ConsultationFacts, ...], info: ValidationInfo
    ) -> tuple[ConsultationFacts, ...]:
        draft = info.data.get("draft_first_issued_on")
        for item in value:
            if draft is None:
                raise ValueError(f"consultation '{item.key}' sent before any draft plan was served")
            if item.sent_on < draft:
                raise ValueError(
                    f"consultation '{item.key}' sent on {item.sent_on}, "
                    f"before the draft plan was served ({draft})"
                )
        return value

    @field_validator("final_issued_on")
    @classmethod
    def _final_follows_draft(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return value
        draft = info.data.get("draft_first_issued_on")
        if draft is None:
            raise ValueError("a final plan cannot be issued before a draft plan was served")
        if value < draft:
            raise ValueError(f"final plan issued on {value}, before the draft was served ({draft})")
        return value

    @field_validator("final_sent_on")
    @classmethod
    def _sent_after_finalised(cls, value: date | None, info: ValidationInfo) -> date | None:
        issued = info.data.get("final_issued_on")
        if value is None:
            return value
        if issued is None or value < issued:
            raise ValueError("the final plan is sent after the council has finalised it")
        return value

    @field_validator("withdrawn_on")
    @classmethod
    def _withdrawn_after_request(cls, value: date | None, info: ValidationInfo) -> date | None:
        received = info.data.get("received_on")
        if value is not None and received is not None and value < received:
            raise ValueError(f"withdrawn on {value}, before the request was received ({received})")
        return value

    @field_validator("exceptions")
    @classmethod
    def _exceptions_name_known_advice(
        cls, value: tuple[ExceptionFacts, ...], info: ValidationInfo
    ) -> tuple[ExceptionFacts, ...]:
        advice = {item.key: item for item in info.data.get("advice", ())}
        for item in value:
            if item.advice_key is None:
                continue
            asked = advice.get(item.advice_key)
            if asked is None:
                raise ValueError(f"exception names unknown advice request '{item.advice_key}'")
            if asked.role not in BOUND_BY_REGS_8:
                raise ValueError(
                    f"advice '{item.advice_key}' ({asked.role}) is not under Regs 8(1): "
                    "only a body asked under s.31 has a 6-week limit to disapply"
                )
        return value

    @model_validator(mode="after")
    def _nothing_decided_after_withdrawal(self) -> CaseFacts:
        """A withdrawn request ends the case (it is closed): no panel decides on it later.
        Refused naming the decision, as a field validator would (withdrawn_on is validated
        after the decisions, so only the whole model sees both)."""
        withdrawn = self.withdrawn_on
        if withdrawn is None:
            return self
        for field in ("decision_to_assess", "decision_to_issue"):
            decision: AssessmentDecision | IssueDecision | None = getattr(self, field)
            if decision is not None and decision.decided_on > withdrawn:
                message = (
                    f"decision dated {decision.decided_on}, after the request was withdrawn ({withdrawn})"
                )
                raise ValidationError.from_exception_data(
                    type(self).__name__,
                    [
                        InitErrorDetails(
                            type=PydanticCustomError("value_error", message),
                            loc=(field,),
                            input=decision.decided_on,
                        )
                    ],
                )
        return self

    @property
    def assessment_refused(self) -> bool:
        decision = self.decision_to_assess
        return decision is not None and decision.outcome is AssessmentOutcome.NOT_ASSESS

    @property
    def plan_refused(self) -> bool:
        """A panel decided there will be no plan: the plan's own limits can never arise."""
        issue = self.decision_to_issue
        return self.assessment_refused or (issue is not None and issue.outcome is IssueOutcome.NOT_ISSUE)

    @property
    def ended_on(self) -> date | None:
        """The day the case stopped running early, if it did."""
        ends = [self.withdrawn_on]
        if self.decision_to_assess and self.decision_to_assess.outcome is AssessmentOutcome.NOT_ASSESS:
            ends.append(self.decision_to_assess.decided_on)
        if self.decision_to_issue and self.decision_to_issue.outcome is IssueOutcome.NOT_ISSUE:
            ends.append(self.decision_to_issue.decided_on)
        known = [day for day in ends if day is not None]
        return min(known) if known else None


def _require_assessment(info: ValidationInfo, on: date, what: str) -> None:
    """`what` may only follow a decision to assess, and never precede it."""
    received = info.data.get("received_on")
    decision = info.data.get("decision_to_assess")
    if received is not None and on < received:
        raise ValueError(f"{what} dated {on}, before the request was received ({received})")
    if decision is None:
        return
    if decision.outcome is AssessmentOutcome.NOT_ASSESS:
        raise ValueError(f"{what} cannot follow a decision not to assess")
    if on < decision.decided_on:
        raise ValueError(f"{what} dated {on}, before the decision to assess ({decision.decided_on})")
