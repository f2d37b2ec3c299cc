"""The case API over real HTTP on loopback: same rules as the CLI, token required."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from ehcp import timesource
from ehcp.db import crud
from tests.db.factories import decide, open_case, request_advice
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "x" * 30
NOW = timesource.parse_instant("2026-03-01T09:00:00+00:00")


@pytest.fixture
def api(migrated_url, monkeypatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # no Prefect: the sweep would wake runs
    with (
        served_app() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def ref(engine, council) -> str:
    from ehcp.db.engine import session_for

    with session_for(engine) as session:
        return open_case(session, council, now=NOW).ref


def test_a_decision_is_recorded_and_the_stage_moves(api, ref):
    with timesource.frozen_at(NOW):
        response = api.post(
            f"/api/cases/{ref}/decisions",
            json={"kind": "assessment", "outcome": "assess", "decided_on": "2026-02-10"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "assessing"
    timeline = api.get(f"/api/cases/{ref}/timeline").json()
    assess = next(limit for limit in timeline["limits"] if limit["key"] == "decision_to_assess")
    # Recorded, not yet sent: the limit is met when the letter reaches the family (Regs 5(1)).
    assert (assess["done_on"], assess["state"]) == (
        None,
        "breached" if NOW.date() > date(2026, 2, 16) else "due",
    )


def test_a_decision_dated_before_the_request_is_refused_naming_the_field(api, ref):
    response = api.post(
        f"/api/cases/{ref}/decisions",
        json={"kind": "assessment", "outcome": "assess", "decided_on": "2026-01-04"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "decided_on"]
    assert "before the request was received" in error["msg"]
    timeline = api.get(f"/api/cases/{ref}/timeline").json()
    assert next(x for x in timeline["limits"] if x["key"] == "decision_to_assess")["done_on"] is None


def test_a_malformed_body_is_refused_naming_every_field(api, ref):
    response = api.post(f"/api/cases/{ref}/decisions", json={"kind": "assessment", "decided_on": "tuesday"})
    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert ("body", "outcome") in fields and ("body", "decided_on") in fields


def test_an_unknown_case_is_404(api):
    response = api.post("/api/cases/EHC-2026-999999/withdrawal", json={"withdrawn_on": "2026-02-01"})
    assert response.status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
def test_the_api_needs_the_token(api, ref, header):
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{api.base_url}/api/cases/{ref}/timeline", headers=headers, timeout=30)
    assert response.status_code == 401


def test_advice_typed_up_by_a_coordinator_is_kept_by_plan_section(api, ref, engine, council):
    from sqlmodel import select

    from ehcp.db.engine import session_for
    from ehcp.db.models import AdviceSubmission

    with session_for(engine) as session:
        case = crud.require_case(session, ref=ref)
        decide(session, council, case, on=date(2026, 2, 10), now=NOW)
        request_advice(session, council, case, key="health", on=date(2026, 2, 10), now=NOW)
    with timesource.frozen_at(NOW):
        wrong = api.post(
            f"/api/cases/{ref}/advice/health/received",
            json={"received_on": "2026-02-27", "sections": {"H1": "not a health section"}},
        )
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "sections"]
        right = api.post(
            f"/api/cases/{ref}/advice/health/received",
            json={"received_on": "2026-02-27", "sections": {"C": "Asthma; inhaler at school."}},
        )
    assert right.status_code == 200, right.text
    with session_for(engine) as session:
        [submission] = session.exec(select(AdviceSubmission)).all()
    assert (
        submission.sections == {"C": "Asthma; inhaler at school."}
        and submission.submitted_via == "coordinator"
    )


# -- strict, bounded, safe input (issue 13) ----------------------------------------------


def _refused(response, *, value: str) -> list[dict]:
    assert response.status_code == 422, response.text
    assert value not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"loc", "msg", "type"}  # no input, no ctx
    return response.json()["detail"]


@pytest.mark.parametrize(
    ("reasons", "words"),
    [
        ("Zebedee needs\x00 more", "control character"),  # was a 500 on PostgreSQL
        ("Zebedee needs \u202emore\u202c", "text-direction override"),
        ("Zebedee needs more. " * 20_000, "at most 20000 characters"),  # 400 KB made a 136-page letter
    ],
)
def test_decision_reasons_are_bounded_and_safe(api, ref, reasons, words):
    response = api.post(
        f"/api/cases/{ref}/decisions",
        json={"kind": "assessment", "outcome": "assess", "decided_on": "2026-02-10", "reasons": reasons},
    )
    [error] = _refused(response, value="Zebedee")
    assert error["loc"] == ["body", "reasons"] and words in error["msg"]
    timeline = api.get(f"/api/cases/{ref}/timeline").json()
    assert next(x for x in timeline["limits"] if x["key"] == "decision_to_assess")["done_on"] is None


def test_reasons_over_several_paragraphs_are_kept(api, ref):
    with timesource.frozen_at(NOW):
        response = api.post(
            f"/api/cases/{ref}/decisions",
            json={
                "kind": "assessment",
                "outcome": "assess",
                "decided_on": "2026-02-10",
                "reasons": "First.\n\nSecond:\n\t- more",
            },
        )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "advice",
            {"role": "other", "organisation": "Trust\u200b", "contact_name": "Zebedee"},
            "organisation",
        ),
        (
            "advice",
            {"role": "other", "organisation": "Trust", "contact_name": "Zebedee evil.com"},
            "contact_name",
        ),
        ("requested-school", {"school": "Zebedee\u2066 Academy", "on": "2026-02-10"}, "school"),
        (
            "named-setting",
            {"setting_type": "special_school", "setting_name": "Zebedee\nForged"},
            "setting_name",
        ),
        (
            "advice/health/received",
            {"received_on": "2026-02-10", "sections": {"Zebedee" * 3: "x"}},
            "sections.[key]",
        ),
        (
            "advice/health/received",
            {"received_on": "2026-02-10", "sections": {"C": "Zebedee\x07"}},
            "sections",
        ),
        (
            "exceptions/end",
            {"ground": "school_closure", "limit_key": "Zebedee\x00", "ends_on": "2026-02-10"},
            "limit_key",
        ),
    ],
)
def test_case_api_bodies_refuse_unsafe_or_unbounded_text_naming_the_field(api, ref, path, body, field):
    detail = _refused(api.post(f"/api/cases/{ref}/{path}", json=body), value="Zebedee")
    assert [error["loc"] for error in detail] == [["body", *field.split(".")]]
    # Refused for the text itself, before the case store looks at the case.
    assert any(words in detail[0]["msg"] for words in ("contains", "web address", "at most")), detail


def test_a_422_never_echoes_the_value(api, ref):
    response = api.post(
        f"/api/cases/{ref}/consultations",
        json={
            "key": "oak",
            "setting_name": "Oak",
            "contact_email": "zebedee.quartermaine@@x",
            "sent_on": "x",
        },
    )
    detail = _refused(response, value="quartermaine")
    assert {tuple(error["loc"]) for error in detail} == {("body", "contact_email"), ("body", "sent_on")}


def test_personal_budget_prose_refuses_unsafe_characters(api, ref):
    budget = {"requested_on": "2026-02-10", "agreed": True, "decided_on": "2026-02-20"}
    response = api.post(
        f"/api/cases/{ref}/personal-budget", json={**budget, "covers": "Zebedee\u202e support"}
    )
    [error] = _refused(response, value="Zebedee")
    assert error["loc"] == ["body", "covers"] and "text-direction override" in error["msg"]
    response = api.post(f"/api/cases/{ref}/personal-budget", json={**budget, "covers": "Speech therapy"})
    assert response.status_code == 200, response.text
