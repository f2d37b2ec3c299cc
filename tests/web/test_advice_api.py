"""The case API's advice endpoints over real HTTP: adding advice (Regs 6(1)(f), (h)) and
existing advice agreed sufficient (Regs 6(4)); refused input answers 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from sqlmodel import select

from ehcp import timesource
from ehcp.db.engine import session_for
from ehcp.db.models import AdviceRequest
from tests.db.factories import decide, open_case, request_advice
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "x" * 30
NOW = timesource.parse_instant("2026-03-01T09:00:00+00:00")


@pytest.fixture
def api(migrated_url, monkeypatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    with (
        served_app() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def ref(engine, council) -> str:
    with session_for(engine) as session:
        case = open_case(session, council, now=NOW)
        decide(session, council, case, now=NOW, on=date(2026, 2, 10))
        request_advice(session, council, case, key="psychological", role="psychological", now=NOW)
        return case.ref


def rows(engine) -> dict[str, AdviceRequest]:
    with session_for(engine) as session:
        return {row.key: row for row in session.exec(select(AdviceRequest))}


def test_advice_is_added_and_answers_with_its_key(api, engine, ref):
    response = api.post(f"/api/cases/{ref}/advice", json={"role": "other", "organisation": "Example CAMHS"})
    assert response.status_code == 200, response.text
    assert response.json()["key"] == "other-1"
    assert rows(engine)["other-1"].contact_email is None  # asked all the same, by post


def test_adding_advice_with_an_unknown_role_is_refused_naming_the_field(api, engine, ref):
    response = api.post(f"/api/cases/{ref}/advice", json={"role": "health", "organisation": "Example"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "role"]
    assert set(rows(engine)) == {"psychological"}


def test_existing_advice_is_recorded_sufficient_with_both_agreements(api, engine, ref):
    body = {
        "source": "EP report, 2025",
        "agreed_on": "2026-02-27",
        "adviser_agrees": True,
        "family_agrees": True,
    }
    response = api.post(f"/api/cases/{ref}/advice/psychological/sufficient", json=body)
    assert response.status_code == 200, response.text
    assert rows(engine)["psychological"].existing_advice_accepted


def test_existing_advice_without_the_advisers_agreement_is_refused_naming_the_field(api, engine, ref):
    body = {
        "source": "EP report, 2025",
        "agreed_on": "2026-02-27",
        "adviser_agrees": False,
        "family_agrees": True,
    }
    response = api.post(f"/api/cases/{ref}/advice/psychological/sufficient", json=body)
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["body", "adviser_agrees"]]
    assert not rows(engine)["psychological"].existing_advice_accepted
