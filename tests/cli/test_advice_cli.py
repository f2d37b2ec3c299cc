"""`ehcp advice add` and `ehcp advice sufficient`: written through the store, then the run
is woken; refused input exits 2, names the field and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.db.models import AdviceRequest
from ehcp.settings import get_settings
from tests.db.factories import decide, open_case, request_advice
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-03-02T09:00:00+00:00"
AT_NOW = timesource.parse_instant(NOW)


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the wake must not matter
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        case = open_case(session, council, now=AT_NOW)
        decide(session, council, case, now=AT_NOW, on=date(2026, 2, 10))
        request_advice(session, council, case, key="psychological", role="psychological", now=AT_NOW)
        return case.ref


def rows(engine) -> dict[str, AdviceRequest]:
    with session_for(engine) as session:
        return {row.key: row for row in session.exec(select(AdviceRequest))}


def test_advice_add_asks_someone_the_family_asked_for_and_prints_its_key(engine, ref):
    result = runner.invoke(
        app,
        [
            "advice",
            "add",
            ref,
            "--role",
            "family_requested",
            "--organisation",
            "Example OT",
            "--email",
            "ot@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Its key is family-requested-1." in result.output
    added = rows(engine)["family-requested-1"]
    assert (added.role, added.organisation, added.contact_email) == (
        "family_requested",
        "Example OT",
        "ot@example.org",
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ["--role", "family_requested", "--organisation", "Example OT", "--email", "not-an-email"],
            "contact_email",
        ),
        (["--role", "health", "--organisation", "Example OT"], "--role"),
    ],
)
def test_advice_add_refuses_bad_input_naming_the_field(engine, ref, args, named):
    result = runner.invoke(app, ["advice", "add", ref, *args])
    assert result.exit_code == 2 and named in result.output
    assert set(rows(engine)) == {"psychological"}


def test_advice_sufficient_records_regs_6_4_with_both_agreements(engine, ref):
    result = runner.invoke(
        app,
        [
            "advice",
            "sufficient",
            ref,
            "psychological",
            "--source",
            "Educational psychology report, November 2025",
            "--agreed-on",
            "2026-03-01",
            "--adviser-agrees",
            "--family-agrees",
        ],
    )
    assert result.exit_code == 0, result.output
    row = rows(engine)["psychological"]
    assert row.existing_advice_accepted and row.existing_advice_agreed_on == date(2026, 3, 1)


def test_advice_sufficient_is_refused_without_the_familys_agreement(engine, ref):
    result = runner.invoke(
        app,
        [
            "advice",
            "sufficient",
            ref,
            "psychological",
            "--source",
            "EP report",
            "--agreed-on",
            "2026-03-01",
            "--adviser-agrees",
        ],
    )
    assert result.exit_code == 2 and "family_agrees" in result.output
    assert not rows(engine)["psychological"].existing_advice_accepted
    with session_for(engine) as session:
        assert (
            crud.chronology(session, case=crud.require_case(session, ref=ref))[-1].kind == "advice_requested"
        )
