"""The Prefect UI's resume forms take only safe, bounded text: the form's schema makes the
Prefect server refuse it before the run resumes, and what the schema cannot name is
refused by the entry and recorded on the case (the run never fails on it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from prefect.utilities.schema_tools import ValidationError as SchemaRefused
from prefect.utilities.schema_tools import validate
from pydantic import ValidationError

from ehcp.db import crud
from ehcp.runtime.coordinator_input import CoordinatorEntry, apply
from flows.inputs import FORM_FOR_STAGE, FinalisePlan, entry_from
from tests.db import factories

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
TEXT_FIELDS = [
    (form, name)
    for form in sorted({*FORM_FOR_STAGE.values()}, key=lambda form: form.__name__)
    for name, schema in form.model_json_schema()["properties"].items()
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema
]


@pytest.mark.parametrize(("form", "field"), TEXT_FIELDS, ids=[f"{f.__name__}.{n}" for f, n in TEXT_FIELDS])
@pytest.mark.parametrize("value", ["Oak\x00", "Oak\u202e kaO", "Oak\u200b", "Oak\nForged", "Oak\u2028"])
def test_the_prefect_server_refuses_unsafe_text_in_every_form_box(form, field, value):
    schema = form.model_json_schema()
    with pytest.raises(SchemaRefused):
        validate({field: value}, schema, raise_on_error=True)
    validate({field: "St. Mary's"}, schema, raise_on_error=True)  # a real name passes


@pytest.mark.parametrize(
    ("field", "value"),
    [("requested_school", "Oak\u202e Academy"), ("named_setting", "Oak\x00"), ("advice_gap_key", "x" * 61)],
)
def test_the_entry_refuses_unsafe_or_unbounded_text_naming_the_field(field, value):
    with pytest.raises(ValidationError) as refused:
        CoordinatorEntry(**{field: value})
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_what_the_form_s_schema_cannot_name_is_refused_on_the_case_not_by_a_failed_run(session, council):
    ref = factories.open_case(session, council, received_on=date(2026, 5, 4), now=NOW).ref
    entry = entry_from(FinalisePlan(requested_school="Oak\U000e0041 Academy"))  # a tag character
    assert entry.refused and entry.requested_school is None
    outcome = apply(session, ref=ref, wait_number=0, entry=entry, council=council, now=NOW)
    assert outcome.startswith("refused:") and "requested_school" in outcome and "Oak" not in outcome
    case = crud.require_case(session, ref=ref)
    assert [event.kind for event in crud.chronology(session, case=case)][-1] == "input_refused"
    assert case.requested_school is None and case.run_wait_number == 1
