"""PUT /api/cases/{ref}/officer: assign a case to a configured coordinator, or to nobody."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ehcp import timesource
from ehcp.db import crud
from ehcp.db.engine import session_for
from tests.db.factories import open_case, withdraw
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "x" * 30
NOW = timesource.parse_instant("2026-03-01T09:00:00+00:00")


@pytest.fixture
def api(migrated_url, monkeypatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # no Prefect: the wake is left to the sweep
    with (
        served_app() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def ref(engine, council) -> str:
    with session_for(engine) as session:
        return open_case(session, council, now=NOW).ref


def stored(engine, ref):
    with session_for(engine) as session:
        case = crud.require_case(session, ref=ref)
        return case, crud.chronology(session, case=case)


def test_a_case_is_assigned_to_a_coordinator_by_key(api, engine, ref):
    before, _ = stored(engine, ref)
    with timesource.frozen_at(NOW):
        response = api.put(f"/api/cases/{ref}/officer", json={"officer": "coord-a"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == before.version + 1
    case, events = stored(engine, ref)
    assert case.officer == "coord-a"
    assert (events[-1].kind, events[-1].actor) == ("officer_assigned", "coordinator:api")


def test_null_assigns_the_case_to_nobody(api, engine, ref):
    with timesource.frozen_at(NOW):
        api.put(f"/api/cases/{ref}/officer", json={"officer": "coord-b"})
        response = api.put(f"/api/cases/{ref}/officer", json={"officer": None})
    assert response.status_code == 200, response.text
    case, events = stored(engine, ref)
    assert case.officer is None and events[-1].detail["previous"] == "coord-b"


def test_an_unknown_coordinator_answers_422_naming_the_field_and_the_valid_keys(api, engine, ref):
    before, events_before = stored(engine, ref)
    response = api.put(f"/api/cases/{ref}/officer", json={"officer": "alex.morgan"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "officer"]
    assert "coord-a, coord-b" in error["msg"]
    after, events_after = stored(engine, ref)
    assert (after.officer, after.version, len(events_after)) == (None, before.version, len(events_before))


def test_a_closed_case_is_refused(api, engine, council, ref):
    with session_for(engine) as session:
        withdraw(session, council, crud.require_case(session, ref=ref), now=NOW)
    response = api.put(f"/api/cases/{ref}/officer", json={"officer": "coord-a"}, timeout=30)
    assert response.status_code == 422 and "closed" in response.text
    assert stored(engine, ref)[0].officer is None


def test_the_officer_field_is_required_and_a_token_too(api, ref):
    assert api.put(f"/api/cases/{ref}/officer", json={}).status_code == 422
    anonymous = httpx.put(
        api.base_url.join(f"/api/cases/{ref}/officer"), json={"officer": "coord-a"}, timeout=30
    )
    assert anonymous.status_code == 401


def test_an_unknown_case_answers_404(api):
    response = api.put("/api/cases/EHC-2026-999999/officer", json={"officer": "coord-a"}, timeout=30)
    assert response.status_code == 404
