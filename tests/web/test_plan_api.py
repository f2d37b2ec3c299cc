"""The plan API over real HTTP: the caseworker's Word plan uploaded as the next version
(token required); a refused file answers 422 naming the section and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from ehcp import timesource
from ehcp.db.engine import session_for
from tests.db.factories import decide, open_case
from tests.support.plan_files import edited, finished, heading, working_draft
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "x" * 30
NOW = timesource.parse_instant("2026-04-01T09:00:00+00:00")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def api(migrated_url, monkeypatch, tmp_path) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # no Prefect: the wake must not matter
    with (
        served_app() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def ref(engine, council) -> str:
    with session_for(engine) as session:
        case = open_case(session, council, now=NOW)
        decide(session, council, case, decision="assess", now=NOW, on=date(2026, 2, 9))
        decide(session, council, case, decision="issue", now=NOW, on=date(2026, 3, 30))
        return case.ref


@pytest.fixture(scope="module")
def draft(council) -> bytes:
    return working_draft(council)


def post(api, ref, content: bytes) -> httpx.Response:
    return api.post(f"/api/cases/{ref}/plan", files={"file": ("Robin plan.docx", content, DOCX)})


def test_an_upload_answers_the_version_and_its_sections(api, ref, draft, tmp_path):
    response = post(api, ref, finished(draft))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["case_ref"], body["number"]) == (ref, 1)
    assert body["sections"] == ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "J", "K"]
    assert post(api, ref, finished(draft)).json()["number"] == 2

    listed = api.get(f"/api/cases/{ref}/plan/versions")
    assert listed.status_code == 200
    assert [item["number"] for item in listed.json()] == [1, 2]
    assert listed.json()[0]["uploaded_by"] == "coordinator:api"
    assert len(list((tmp_path / "store" / ref / "plan").glob("*.docx"))) == 2  # one file per version


def test_a_working_draft_is_422_naming_the_section_and_stores_nothing(api, ref, draft, tmp_path):
    without_banner = finished(draft)  # then put an extract label back into section C

    def label_back(document):
        label = document.add_paragraph("Extract from advice: health, ICB - to draft from, not for service")
        heading(document, "C")._element.addnext(label._element)

    response = post(api, ref, edited(without_banner, label_back))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "sections.C"]
    assert "extracts from advice are still in section C" in error["msg"]

    response = post(api, ref, b"%PDF-1.7")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "file"]
    assert api.get(f"/api/cases/{ref}/plan/versions").json() == []
    assert not (tmp_path / "store" / ref / "plan").exists() or not any(
        (tmp_path / "store" / ref / "plan").iterdir()
    )


def test_the_plan_api_needs_the_token_and_a_known_case(api, ref, draft):
    # httpx's own default timeout is 5 s: too short for a shared, loaded machine.
    response = httpx.post(
        f"{api.base_url}/api/cases/{ref}/plan",
        files={"file": ("plan.docx", finished(draft), DOCX)},
        timeout=30,
    )
    assert response.status_code == 401
    assert httpx.get(f"{api.base_url}/api/cases/{ref}/plan/versions", timeout=30).status_code == 401
    assert post(api, "EHC-2026-999999", finished(draft)).status_code == 404
