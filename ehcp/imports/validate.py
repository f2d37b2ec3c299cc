"""One row of the import file -> a case to store, or the reasons it is refused.

The rules are the live writers': text through the store's create layer (`ChildIn`,
`FamilyContactIn`: ehcp.limits' bounds, ehcp.safe_text's characters), dates not before
1 September 2014 nor after today (the injected clock), and the whole dated history through
`CaseFacts`, the validation every write in ehcp.db.crud runs (a decision not before the
request, an issue decision only after a decision to assess, a final plan only after a
decision to issue, nothing decided after a withdrawal, an exception only on a ground its
regulation lists). A reason names the column and never repeats what the cell said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from ehcp.council.config import Council
from ehcp.db.inputs import ChildIn, FamilyContactIn
from ehcp.domain.facts import AssessmentOutcome, CaseFacts, IssueOutcome
from ehcp.domain.grounds import REGS_13_3, ExceptionGround
from ehcp.domain.roles import ContributorRole, RequestSource
from ehcp.domain.stages import CaseStage, stage_of
from ehcp.imports.columns import ADVICE, CellError, Row
from ehcp.limits import AGE_LIMIT_YEARS, EHC_REGIME_BEGAN
from ehcp.web.validation_errors import problems

# The previous system's reference: printable, no spaces, nothing a spreadsheet or a log
# line could misread. Bounded by Case.imported_ref.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,39}")
FINAL_PLAN = "final_plan"


@dataclass(frozen=True)
class Reject:
    line: int
    reference: str  # "" when the reference itself is what is wrong
    column: str
    reason: str


@dataclass(frozen=True)
class Advice:
    key: str
    role: ContributorRole
    requested_on: date
    received_on: date | None


@dataclass(frozen=True)
class Imported:
    """A row that passed every rule: what load.py stores."""

    line: int
    reference: str
    received_on: date
    request_source: RequestSource | None
    facts: CaseFacts  # the history as the store will read it back (letters told on their day)
    week20_exception: bool
    exception_ground: ExceptionGround | None
    advice: tuple[Advice, ...]
    child: ChildIn | None
    contact: FamilyContactIn | None
    setting_urn: str | None

    @property
    def stage(self) -> CaseStage:
        return stage_of(self.facts)

    @property
    def is_open(self) -> bool:
        return not self.stage.is_closed


# Where a fact CaseFacts refuses came from, in the file.
_FACT_COLUMNS = {
    "decision_to_assess": "decision_to_assess_date",
    "decision_to_issue": "issue_decision_date",
    "draft_issued_on": "final_plan_date",
    "draft_first_issued_on": "final_plan_date",
    "final_issued_on": "final_plan_date",
    "final_sent_on": "final_plan_date",
    "withdrawn_on": "withdrawn_date",
    "exceptions": "exception_from",
    "advice": "advice",
}


def validate(row: Row, *, council: Council, today: date) -> Imported | list[Reject]:
    """The row as a case to import, or every reason it is refused (at least one)."""
    if row.width is not None:
        cells, columns = row.width
        return [Reject(row.line, "", "", f"the row has {cells} cells; the header names {columns} columns")]
    reference = row.text("reference") or ""
    if not REFERENCE.fullmatch(reference):
        why = (
            "required"
            if not reference
            else "1 to 40 letters, digits and - _ . / (starting with one of the first two)"
        )
        return [Reject(row.line, "", "reference", why)]
    errors = _Errors(row.line, reference)
    imported = _validate(row, reference, council=council, today=today, errors=errors)
    if errors.rejects or imported is None:
        return errors.rejects or [Reject(row.line, reference, "", "refused")]
    return imported


class _Errors:
    """The reasons one row is refused, as they are found."""

    def __init__(self, line: int, reference: str) -> None:
        self.line, self.reference = line, reference
        self.rejects: list[Reject] = []

    def refuse(self, column: str, reason: str) -> None:
        self.rejects.append(Reject(self.line, self.reference, column, reason))

    def __bool__(self) -> bool:
        return bool(self.rejects)


def _cell(row: Row, errors: _Errors, reader: Any, column: str) -> Any:
    try:
        return reader(column)
    except CellError as error:
        errors.refuse(error.column, error.reason)
        return None


def _validate(row: Row, reference: str, *, council: Council, today: date, errors: _Errors) -> Imported | None:
    days = {
        column: _cell(row, errors, row.day, column)
        for column in (
            "received_date",
            "decision_to_assess_date",
            "issue_decision_date",
            "final_plan_date",
            "withdrawn_date",
            "exception_from",
            "exception_to",
            "child_date_of_birth",
            *(f"advice_{word}_{what}" for word in ADVICE for what in ("requested", "received")),
        )
    }
    assess = _cell(row, errors, row.flag, "assess")
    issue = _cell(row, errors, row.flag, "issue")
    exception = _cell(row, errors, row.flag, "exception")
    prefers_post = _cell(row, errors, row.flag, "contact_prefers_post")
    for column, day in days.items():
        if day is None or column == "child_date_of_birth":
            continue
        if day > today:
            errors.refuse(column, f"{day} is in the future")
        elif day < EHC_REGIME_BEGAN:
            errors.refuse(
                column, f"{day} is before 1 September 2014, when the EHC regime began (CFA 2014 Part 3)"
            )
    if errors:  # a cell that cannot be read: the rules between columns would only repeat it
        return None
    received = days["received_date"]
    if row.text("received_date") is None:
        errors.refuse("received_date", "required")
    if row.text("exception") is None:
        errors.refuse("exception", "required: yes or no")
    source = None
    if (text := row.text("request_source")) is not None:
        try:
            source = RequestSource(text.lower())
        except ValueError:
            errors.refuse("request_source", f"one of: {', '.join(item.value for item in RequestSource)}")
    _pair(row, errors, "assess", "decision_to_assess_date")
    _pair(row, errors, "issue", "issue_decision_date")
    if issue is not None and assess is not True:
        errors.refuse("issue", "a decision whether to issue a plan needs assess = yes")
    if row.text("final_plan_date") is not None and issue is not True:
        errors.refuse("final_plan_date", "a final plan needs issue = yes")
    ground = _exception(row, errors, exception, assess)
    if errors:
        return None
    assert received is not None
    advice = _advice(row, errors, days, assess)
    facts = _facts(row, errors, days, assess, issue, ground, advice)
    if facts is None:
        return None
    if ground is not None and days["exception_from"] is not None:
        _exception_in_limit(errors, facts, council, today, days["exception_from"])
    stage = stage_of(facts)
    child, contact = _people(row, errors, days, received, prefers_post, required=not stage.is_closed)
    urn = row.text("setting_urn")
    if not stage.is_closed:
        if source is None:
            errors.refuse("request_source", "required for an open case: its letters say who asked")
        if urn is None:
            errors.refuse(
                "setting_urn", "required for an open case: the setting's URN in the council's directory"
            )
        elif council.setting(urn) is None:
            errors.refuse("setting_urn", "not in the council's directory of settings (settings.yaml)")
        for item in advice:
            if item.role in council.advisers or item.role in (
                ContributorRole.PARENT_OR_YOUNG_PERSON,
                ContributorRole.EDUCATIONAL,
            ):
                continue
            errors.refuse(
                f"advice_{_word(item.key)}_requested", "the council configures no service for this advice"
            )
    elif urn is not None:
        errors.refuse("setting_urn", "only for an open case (a closed case is never written to)")
    if errors:
        return None
    return Imported(
        line=row.line,
        reference=reference,
        received_on=received,
        request_source=source,
        facts=facts,
        week20_exception=bool(exception),
        exception_ground=ground,
        advice=tuple(advice),
        child=child,
        contact=contact,
        setting_urn=urn,
    )


def _word(key: str) -> str:
    return next(word for word, (advice_key, _) in ADVICE.items() if advice_key == key)


def _pair(row: Row, errors: _Errors, flag: str, day: str) -> None:
    """A decision is its outcome and its day: both, or neither."""
    if row.text(flag) is not None and row.text(day) is None:
        errors.refuse(day, f"required when {flag} is given")
    if row.text(flag) is None and row.text(day) is not None:
        errors.refuse(flag, f"required when {day} is given: yes or no")


def _exception(
    row: Row, errors: _Errors, exception: bool | None, assess: bool | None
) -> ExceptionGround | None:
    text = row.text("exception_ground")
    if not exception:
        for column in ("exception_ground", "exception_from", "exception_to"):
            if row.text(column) is not None:
                errors.refuse(column, "only when exception is yes")
        return None
    if assess is not True:
        errors.refuse(
            "exception",
            "a 20-week exception (Regs 13(3)) needs assess = yes: SEN2's Week20 is an assessment's",
        )
    if row.text("exception_to") is not None and row.text("exception_from") is None:
        errors.refuse("exception_from", "required when exception_to is given")
    grounds = ", ".join(sorted(ground.value for ground in REGS_13_3))
    if text is None:
        errors.refuse("exception_ground", f"required when exception is yes: one of {grounds}")
        return None
    try:
        ground = ExceptionGround(text.lower())
    except ValueError:
        ground = None
    if ground is None or ground not in REGS_13_3:
        errors.refuse(
            "exception_ground", f"not a ground Regs 13(3) lists for the 20-week limit: one of {grounds}"
        )
        return None
    return ground


def _advice(row: Row, errors: _Errors, days: dict[str, date | None], assess: bool | None) -> list[Advice]:
    found = []
    for word, (key, role) in ADVICE.items():
        requested, received = days[f"advice_{word}_requested"], days[f"advice_{word}_received"]
        if requested is None and row.text(f"advice_{word}_received") is not None:
            errors.refuse(f"advice_{word}_requested", f"required when advice_{word}_received is given")
            continue
        if requested is None:
            continue
        if assess is not True:
            errors.refuse(
                f"advice_{word}_requested", "advice is sought only after a decision to assess (Regs 6(1))"
            )
            continue
        found.append(Advice(key, role, requested, received))
    return found


def _facts(
    row: Row,
    errors: _Errors,
    days: dict[str, date | None],
    assess: bool | None,
    issue: bool | None,
    ground: ExceptionGround | None,
    advice: list[Advice],
) -> CaseFacts | None:
    """The history as the store will hold it: each decision told to the family on the day
    it was made, the final plan sent on its day (the file has no other dates; the draft's
    day is not in it, so the store records the final plan's, the latest it can have been)."""
    assessed, decided_issue, final = (
        days["decision_to_assess_date"],
        days["issue_decision_date"],
        days["final_plan_date"],
    )
    values: dict[str, Any] = {"received_on": days["received_date"], "withdrawn_on": days["withdrawn_date"]}
    if assessed is not None:
        outcome = AssessmentOutcome.ASSESS if assess else AssessmentOutcome.NOT_ASSESS
        values["decision_to_assess"] = {"decided_on": assessed, "outcome": outcome, "notified_on": assessed}
    if decided_issue is not None:
        outcome_issue = IssueOutcome.ISSUE if issue else IssueOutcome.NOT_ISSUE
        values["decision_to_issue"] = {
            "decided_on": decided_issue,
            "outcome": outcome_issue,
            "notified_on": None if issue else decided_issue,
        }
    if final is not None:
        values.update(draft_issued_on=final, final_issued_on=final, final_sent_on=final)
    values["advice"] = [
        {
            "key": item.key,
            "role": item.role,
            "requested_on": item.requested_on,
            "received_on": item.received_on,
        }
        for item in advice
    ]
    if ground is not None and days["exception_from"] is not None:
        values["exceptions"] = [
            {
                "ground": ground,
                "limit_key": FINAL_PLAN,
                "starts_on": days["exception_from"],
                "ends_on": days["exception_to"],
            }
        ]
    if final is not None and decided_issue is not None and final < decided_issue:
        errors.refuse(
            "final_plan_date", f"final plan sent on {final}, before the decision to issue ({decided_issue})"
        )
        return None
    if values["withdrawn_on"] is not None and (final is not None or assess is False or issue is False):
        errors.refuse(
            "withdrawn_date", "the case had already ended (final plan, or a decision not to assess or issue)"
        )
        return None
    try:
        return CaseFacts.model_validate(values)
    except ValidationError as error:
        for problem in problems(error.errors()):
            loc = problem["loc"]
            column = _FACT_COLUMNS.get(str(loc[0]), str(loc[0])) if loc else ""
            if column == "advice" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(advice):
                column = f"advice_{_word(advice[loc[1]].key)}_received"
            errors.refuse(column, problem["msg"])
        return None


def _exception_in_limit(
    errors: _Errors, facts: CaseFacts, council: Council, today: date, starts: date
) -> None:
    """As `crud.record_exception`: a ground that began after the 20-week limit fell due did
    not cause it to be missed."""
    due = council.timeline(facts, today=today).due_on(FINAL_PLAN)
    if due is not None and starts > due:
        errors.refuse(
            "exception_from",
            f"the ground began after the 20-week limit fell due ({due}): it did not cause it",
        )


def _people(
    row: Row,
    errors: _Errors,
    days: dict[str, date | None],
    received: date,
    prefers_post: bool | None,
    *,
    required: bool,
) -> tuple[ChildIn | None, FamilyContactIn | None]:
    """The child and the family's contact: required for an open case (its run writes to
    the family), kept when given for a closed one, never made up."""
    child_columns = ("child_given_names", "child_family_name", "child_date_of_birth")
    contact_given = any(
        row.text(column) is not None for column in ("contact_name", "contact_email", "contact_phone")
    )
    child_given = any(row.text(column) is not None for column in child_columns)
    if required:
        for column in (*child_columns, "contact_name"):
            if row.text(column) is None:
                errors.refuse(column, "required for an open case: its run writes to the family")
        if row.text("contact_email") is None and (
            row.text("child_address_line_1") is None or row.text("child_postcode") is None
        ):
            errors.refuse(
                "contact_email", "an open case needs the family's email, or the child's address and postcode"
            )
    child = contact = None
    born = days["child_date_of_birth"]
    if child_given:
        if born is not None and born > received:
            errors.refuse("child_date_of_birth", "is after received_date")
        elif born is not None and _years(born, received) >= AGE_LIMIT_YEARS:
            errors.refuse(
                "child_date_of_birth",
                f"makes them {AGE_LIMIT_YEARS} or older on received_date (CFA 2014 s.83(2))",
            )
        child = _model(
            errors,
            "child_",
            ChildIn,
            {
                "given_names": row.text("child_given_names"),
                "family_name": row.text("child_family_name"),
                "date_of_birth": born,
                "address_line_1": row.text("child_address_line_1"),
                "address_line_2": row.text("child_address_line_2"),
                "town": row.text("child_town"),
                "postcode": row.text("child_postcode"),
            },
            {"date_of_birth": "child_date_of_birth"},
        )
    if contact_given:
        relationship = (row.text("contact_relationship") or "parent").lower()
        contact = _model(
            errors,
            "contact_",
            FamilyContactIn,
            {
                "full_name": row.text("contact_name"),
                "relationship": relationship,
                "email": row.text("contact_email"),
                "phone": row.text("contact_phone"),
                "preferred_contact": "post" if prefers_post or not row.text("contact_email") else "email",
                "is_primary": True,
            },
            {"full_name": "contact_name"},
        )
    return child, contact


def _model(errors: _Errors, prefix: str, model: Any, values: dict[str, Any], columns: dict[str, str]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        for problem in problems(error.errors()):
            field = str(problem["loc"][0]) if problem["loc"] else ""
            errors.refuse(columns.get(field, f"{prefix}{field}"), problem["msg"])
        return None


def _years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
