"""A case at the advice stage, the web app over real HTTP, and a portal link for its health advice."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import httpx
import pytest
from pypdf import PdfWriter
from sqlmodel import Session, select

from ehcp.db.engine import session_for
from ehcp.db.models import AdviceRequest
from ehcp.portal.tokens import advice_link
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from tests.db import factories
from tests.support.postgres import free_port
from tests.support.web import served_app

DECIDED = datetime.fromisoformat("2026-02-02T09:00:00+00:00")
TODAY = datetime.fromisoformat("2026-03-01T09:00:00+00:00")


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF (blank A4 pages): the portal opens every upload with pypdf."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclass
class Assessing:
    ref: str
    engine: object
    url: str
    client: httpx.Client

    def advice(self, key: str = "health") -> AdviceRequest:
        with Session(self.engine) as session:
            return session.exec(select(AdviceRequest).where(AdviceRequest.key == key)).one()

    def link(self, key: str = "health") -> str:
        advice = self.advice(key)
        return advice_link(advice.id, advice_due_on=advice.due_on, settings=get_settings()).removeprefix(
            get_settings().effective_public_url
        )


def open_assessing_case(session, council, tmp_path) -> str:
    case = factories.open_case(session, council, now=DECIDED, setting_email="senco@example.sch.uk")
    factories.decide(session, council, case, decision="assess", on=date(2026, 2, 2), now=DECIDED)
    reconcile(session, ref=case.ref, council=council, now=DECIDED, document_store=tmp_path / "documents")
    return case.ref


@pytest.fixture
def assessing(migrated_url, engine, council, tmp_path, monkeypatch) -> Iterator[Assessing]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", TODAY.isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # no Prefect: waking a run just fails
    get_settings.cache_clear()
    with session_for(engine) as session:
        ref = open_assessing_case(session, council, tmp_path)
    with served_app() as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Assessing(ref=ref, engine=engine, url=url, client=client)
