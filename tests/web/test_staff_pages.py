"""The landing page and the staff pages over real HTTP: what the service is at `/`, open
cases and one case's documents behind the staff sign-in, downloads from the store only."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from ehcp import timesource
from ehcp.db.engine import session_for
from ehcp.db.models import Document
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import open_case
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "s" * 30
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def basic(password: str, user: str = "coordinator") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def store(tmp_path):
    return tmp_path / "documents"


@pytest.fixture
def web(migrated_url, monkeypatch, store) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(store))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    with served_app() as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture
def case_with_letters(engine, council, store):
    """A case whose first look drafted its acknowledgement and considering notices."""
    with session_for(engine) as session:
        case = open_case(session, council, now=NOW)
        reconcile(session, ref=case.ref, council=council, now=NOW, document_store=store)
        documents = session.exec(select(Document).where(Document.case_id == case.id)).all()
        return case.ref, [(row.id, row.kind, row.storage_path) for row in documents]


def test_the_landing_page_says_what_the_service_is_and_where_each_visitor_goes(web):
    page = web.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "EHC needs assessments" in page.text
    assert 'href="/docs"' in page.text and 'href="/staff/cases"' in page.text
    assert 'href="http://127.0.0.1:' in page.text  # the Prefect UI, from our settings
    assert "If you were sent a link" in page.text


@pytest.mark.parametrize(
    "headers",
    [{}, basic("wrong-token"), {"Authorization": "Basic not-base64!"}, {"Authorization": f"Token {TOKEN}"}],
    ids=["none", "wrong password", "malformed", "unknown scheme"],
)
def test_the_staff_pages_ask_a_browser_to_sign_in(web, case_with_letters, headers):
    ref, [(document_id, _, _), *_] = case_with_letters
    for path in ("/staff/cases", f"/staff/cases/{ref}", f"/staff/cases/{ref}/documents/{document_id}"):
        response = web.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith('Basic realm="ehcp staff"')
        assert ref not in response.text


def test_open_cases_list_each_case_with_its_next_limit(web, case_with_letters):
    ref, _ = case_with_letters
    with timesource.frozen_at(NOW):
        page = web.get("/staff/cases", headers=basic(TOKEN))
    assert page.status_code == 200
    assert f'href="/staff/cases/{ref}"' in page.text
    assert "Decision whether to assess" in page.text and "2026-02-16" in page.text


def test_a_case_page_links_each_document_to_its_download(web, case_with_letters, store):
    ref, documents = case_with_letters
    page = web.get(f"/staff/cases/{ref}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    for document_id, _kind, path in documents:
        assert f'href="/staff/cases/{ref}/documents/{document_id}"' in page.text
        download = web.get(f"/staff/cases/{ref}/documents/{document_id}", headers=basic(TOKEN))
        assert download.status_code == 200
        assert download.content == Path(path).read_bytes()
        assert download.headers["content-disposition"].startswith(f'attachment; filename="{ref}-')
        assert download.headers["cache-control"] == "no-store"


def test_a_document_of_another_case_or_outside_the_store_is_not_served(
    web, case_with_letters, engine, council, tmp_path
):
    ref, [(document_id, _, _), *_] = case_with_letters
    with session_for(engine) as session:
        other = open_case(session, council, now=NOW).ref
        row = session.get(Document, document_id)
        outside = tmp_path / "outside.pdf"
        outside.write_bytes(b"%PDF-1.4 not in the store")
        forged = Document(
            case_id=row.case_id,
            kind="forged",
            audience="internal",
            template="-",
            storage_path=str(outside),
            media_type="application/pdf",
            sha256="0" * 64,
            created_at=NOW,
        )
        session.add(forged)
        session.commit()
        forged_id = forged.id
    assert web.get(f"/staff/cases/{other}/documents/{document_id}", headers=basic(TOKEN)).status_code == 404
    assert web.get(f"/staff/cases/{ref}/documents/{forged_id}", headers=basic(TOKEN)).status_code == 404
    assert web.get(f"/staff/cases/{ref}/documents/99999", headers=basic(TOKEN)).status_code == 404
    assert web.get("/staff/cases/EHC-2026-999999", headers=basic(TOKEN)).status_code == 404
