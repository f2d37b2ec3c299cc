"""Section J's record over real HTTP: `POST/GET /api/cases/{ref}/personal-budget` (token
required); an impossible record answers 422 naming the field and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from ehcp import timesource
from ehcp.db.engine import session_for
from tests.db.factories import decide, open_case
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "x" * 30
NOW = "2026-04-01T09:00:00+00:00"
AT_NOW = timesource.parse_instant(NOW)


@pytest.fixture
def api(migrated_url, monkeypatch, tmp_path) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    with (
        served_app() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def ref(engine, council) -> str:
    with session_for(engine) as session:
        case = open_case(session, council, now=AT_NOW)
        decide(session, council, case, decision="assess", now=AT_NOW, on=date(2026, 2, 9))
        return case.ref


def test_a_recorded_budget_is_answered_and_read_back(api, ref):
    assert api.get(f"/api/cases/{ref}/personal-budget").json()["personal_budget"] is None
    body = {
        "requested_on": "2026-03-02",
        "agreed": True,
        "decided_on": "2026-03-20",
        "amount_per_year": 4800,
        "covers": "Speech and language therapy at home.",
        "direct_payments": True,
    }
    response = api.post(f"/api/cases/{ref}/personal-budget", json=body)
    assert response.status_code == 200, response.text
    record = response.json()["personal_budget"]
    assert (record["agreed"], record["amount_per_year"], record["direct_payments_requested"]) == (
        True,
        4800,
        True,
    )
    assert api.get(f"/api/cases/{ref}/personal-budget").json() == response.json()
    assert response.json()["plan_version"] is None and response.json()["section_j_checks"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"requested_on": "2026-03-02", "direct_payments": True}, "direct_payments"),
        (
            {"requested_on": "2026-03-02", "agreed": False, "decided_on": "2026-03-01", "reasons": "No."},
            "decided_on",
        ),
        ({"requested_on": "2026-04-02"}, "requested_on"),  # tomorrow
        (
            {"requested_on": "2026-03-02", "agreed": True, "decided_on": "2026-03-03", "covers": "a\u0000b"},
            "covers",
        ),
        ({"requested_on": "2026-03-02", "covers": "x" * 1001}, "covers"),
        ({"requested_on": "2026-03-02", "note": "an unknown field"}, "note"),
    ],
)
def test_an_impossible_record_is_422_naming_the_field_and_stores_nothing(api, ref, body, field):
    response = api.post(f"/api/cases/{ref}/personal-budget", json=body)
    assert response.status_code == 422, response.text
    assert field in [error["loc"][-1] for error in response.json()["detail"]]
    assert api.get(f"/api/cases/{ref}/personal-budget").json()["personal_budget"] is None


def test_the_budget_api_needs_the_token_and_a_known_case(api, ref):
    body = {"requested_on": "2026-03-02"}
    assert (
        httpx.post(f"{api.base_url}/api/cases/{ref}/personal-budget", json=body, timeout=30).status_code
        == 401
    )
    assert httpx.get(f"{api.base_url}/api/cases/{ref}/personal-budget", timeout=30).status_code == 401
    assert api.post("/api/cases/EHC-2026-999999/personal-budget", json=body).status_code == 404
    assert api.get("/api/cases/EHC-2026-999999/personal-budget").status_code == 404
