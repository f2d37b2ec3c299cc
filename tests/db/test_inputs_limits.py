"""One set of limits: whatever the published intake schema accepts, the case store's create
layer accepts; every text the store takes is bounded and free of unsafe characters."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ehcp.db import inputs
from ehcp.db.inputs import AdviceRequestIn, DecisionIn, PanelDecision
from ehcp.domain.roles import ContributorRole
from ehcp.intake import store
from ehcp.intake.schema import IntakeRequestV1
from ehcp.settings import PROJECT_ROOT

EXAMPLE = json.loads((PROJECT_ROOT / "examples" / "intake-request.json").read_text())
TODAY = date(2026, 11, 22)
SCHEMA = IntakeRequestV1.model_json_schema()


def _resolve(node: dict) -> dict:
    if "$ref" in node:
        return SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node:
        [present] = [item for item in node["anyOf"] if item.get("type") != "null"]
        return _resolve(present)
    return node


SHORTEST: dict[tuple, int] = {}


def bounded_texts(node: dict = SCHEMA, path: tuple = ()) -> list[tuple[tuple, int]]:
    """Every free text in the published schema (no pattern, format or choices): its path
    in a payload (lists at their first item) and its maxLength (its minLength in SHORTEST)."""
    node = _resolve(node)
    if node.get("type") == "object" or "properties" in node:
        return [
            found
            for name, child in node["properties"].items()
            for found in bounded_texts(child, (*path, name))
        ]
    if node.get("type") == "array":
        return bounded_texts(node["items"], (*path, 0))
    if node.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & set(node)):
        assert "maxLength" in node, f"{'.'.join(map(str, path))} has no maximum length"
        SHORTEST[path] = node.get("minLength", 1)
        return [(path, node["maxLength"])]
    return []


TEXTS = bounded_texts()


def with_value(path: tuple, value: Any) -> dict:
    payload = copy.deepcopy(EXAMPLE)
    payload["professionals"][0]["name"] = "Pat Example"
    node = payload
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return payload


def the_store_accepts(payload: dict) -> None:
    request = IntakeRequestV1.model_validate_json(json.dumps(payload), context={"today": TODAY})
    store._as_case(request)  # the case store's create layer: raises InvalidInput if it refuses
    for professional in request.professionals:  # as the case runner asks them for advice
        AdviceRequestIn(
            key="professional-1",
            role=ContributorRole.HEALTH,
            organisation=professional.organisation,
            contact_name=professional.name,
            contact_email=professional.email,
            requested_on=TODAY,
        )


def test_every_free_text_in_the_schema_is_bounded():
    names = {".".join(map(str, path)) for path, _ in TEXTS}
    assert {"child.address.town", "reasons", "needs", "parents.0.full_name", "professionals.0.name"} <= names


@pytest.mark.parametrize(("path", "longest"), TEXTS, ids=[".".join(map(str, path)) for path, _ in TEXTS])
def test_the_longest_text_the_schema_accepts_the_store_accepts(path, longest):
    the_store_accepts(with_value(path, "A" * longest))
    with pytest.raises(ValidationError):
        IntakeRequestV1.model_validate_json(json.dumps(with_value(path, "A" * (longest + 1))))


def test_the_most_contacts_the_schema_accepts_the_store_accepts():
    payload = copy.deepcopy(EXAMPLE)
    payload["parents"] = [
        {**EXAMPLE["parents"][0], "email": f"parent{n}@example.org", "main_contact": n == 0} for n in range(4)
    ]
    payload["professionals"] = [
        {"role": "therapist", "organisation": "Trust", "email": f"p{n}@example.org"} for n in range(10)
    ]
    the_store_accepts(payload)


ALPHABET = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"])


def _text(shortest: int, longest: int) -> st.SearchStrategy[str]:
    """Text of any length the schema allows, its bounds as likely as any (hypothesis draws
    integers' boundaries often; a text's length it keeps short)."""
    return st.integers(max(shortest, 1), longest).flatmap(lambda n: st.text(ALPHABET, min_size=n, max_size=n))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(values=st.tuples(*(_text(SHORTEST[path], longest) for path, longest in TEXTS)))
def test_whatever_text_the_schema_accepts_the_store_accepts(values):
    payload = copy.deepcopy(EXAMPLE)
    payload["professionals"][0]["name"] = "Pat Example"
    for (path, _), value in zip(TEXTS, values, strict=True):
        node = payload
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    try:
        IntakeRequestV1.model_validate_json(json.dumps(payload), context={"today": TODAY})
    except ValidationError:
        assume(False)
    the_store_accepts(payload)


# -- 6. decision reasons, and every other text the store takes, are bounded ---------------


def test_a_decision_s_reasons_are_bounded_naming_the_field():
    PanelDecision.ASSESS.entry(decided_on=TODAY, reasons="Needs unmet.\n" * 1000)
    with pytest.raises(ValidationError) as refused:
        PanelDecision.ASSESS.entry(decided_on=TODAY, reasons="x" * (20_000 + 1))
    [error] = refused.value.errors()
    assert error["loc"] == ("reasons",) and error["type"] == "string_too_long"


def test_every_text_field_of_the_store_s_inputs_has_a_maximum_length():
    unbounded = []
    for name in dir(inputs):
        model = getattr(inputs, name)
        if not (isinstance(model, type) and issubclass(model, inputs._Input)) or model is inputs._Input:
            continue
        for field, schema in model.model_json_schema()["properties"].items():
            options = schema.get("anyOf", [schema])
            for option in options:
                if option.get("type") == "string" and not (
                    {"maxLength", "pattern", "format", "enum", "const"} & set(option)
                ):
                    unbounded.append(f"{name}.{field}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (
            DecisionIn,
            {"kind": "assessment", "outcome": "assess", "decided_on": TODAY, "reasons": "Reason\x00"},
            "reasons",
        ),
        (
            DecisionIn,
            {"kind": "assessment", "outcome": "assess", "decided_on": TODAY, "internal_note": "x\u202e"},
            "internal_note",
        ),
        (
            inputs.ChildIn,
            {"given_names": "Sam\u200b", "family_name": "Example", "date_of_birth": TODAY},
            "given_names",
        ),
        (
            inputs.ChildIn,
            {"given_names": "Sam", "family_name": "Ex\nample", "date_of_birth": TODAY},
            "family_name",
        ),
        (
            inputs.AdviceAdd,
            {"role": "other", "organisation": "Trust", "contact_name": "Dr evil.com"},
            "contact_name",
        ),
    ],
)
def test_the_store_s_inputs_refuse_unsafe_text_naming_the_field(model, values, field):
    with pytest.raises(ValidationError) as refused:
        model(**values)
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_prose_in_the_store_keeps_its_line_breaks():
    entry = DecisionIn(kind="assessment", outcome="assess", decided_on=TODAY, reasons="One.\n\n\tTwo.")
    assert entry.reasons == "One.\n\n\tTwo."
