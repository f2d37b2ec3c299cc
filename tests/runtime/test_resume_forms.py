"""The resume forms Prefect's UI draws from flows/inputs.py: plain optional fields, not
"X | None" tabs that open on "Property is type None"."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from flows.inputs import FORM_FOR_STAGE, LookAgain, entry_from

FORMS = sorted({*FORM_FOR_STAGE.values(), LookAgain}, key=lambda form: form.__name__)


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_no_field_is_drawn_as_a_choice_between_a_type_and_none(form):
    schema = form.model_json_schema()
    assert "anyOf" not in json.dumps(schema)
    # The form sends a default back as it is, and Prefect refuses a null for a "string".
    assert '"default": null' not in json.dumps(schema)
    assert not schema.get("required")  # every field may be left as it is


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_an_empty_form_and_a_form_of_empty_fields_both_record_nothing(form):
    emptied = {name: None for name in form.model_fields if "date" in str(form.model_fields[name].annotation)}
    assert entry_from(form.model_validate({})) == entry_from(form.model_validate(emptied))


def test_an_optional_date_takes_a_date_and_an_optional_text_keeps_its_limit():
    considering = FORM_FOR_STAGE["considering"]
    assert considering.model_validate({"decided_on": "2026-02-20"}).decided_on == date(2026, 2, 20)
    assert considering.model_json_schema()["properties"]["exception_limit"]["maxLength"] == 80
    with pytest.raises(ValidationError, match="exception_limit"):
        considering.model_validate({"exception_limit": "x" * 81})
