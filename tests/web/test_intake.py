"""The intake webhook over real HTTP on loopback, signed by the reference Standard Webhooks library."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from standardwebhooks.webhooks import Webhook

from ehcp.db.engine import session_for
from ehcp.db.models import Case, IntakeSubmission
from ehcp.intake.schema import IntakeRequestV1
from ehcp.settings import PROJECT_ROOT
from tests.support.postgres import free_port
from tests.support.web import served_app

SECRET = "whsec_" + "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC0xMjM0"
PREVIOUS_SECRET = "whsec_" + "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="
EXAMPLE = (PROJECT_ROOT / "examples" / "intake-request.json").read_bytes()
CHILD = "Sam"
NOW = "2026-11-22T09:00:00+00:00"


def signed(body: bytes, secret: str = SECRET, webhook_id: str | None = None, sent_at: datetime | None = None):
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    sent_at = sent_at or datetime.now(UTC)
    signature = Webhook(secret).sign(webhook_id, sent_at, body.decode())
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }


@pytest.fixture
def intake(migrated_url, monkeypatch, tmp_path) -> Iterator[httpx.Client]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_INTAKE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("EHC_INTAKE_WEBHOOK_PREVIOUS_SECRET", PREVIOUS_SECRET)
    monkeypatch.setenv("EHC_INTAKE_MAX_BYTES", "65536")
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # Prefect is down: intake must not care
    with served_app() as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def counts(engine) -> tuple[int, int]:
    with session_for(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Case)).one(),
            session.exec(select(func.count()).select_from(IntakeSubmission)).one(),
        )


def post(client, body: bytes = EXAMPLE, **signing):
    return client.post("/webhooks/intake", content=body, headers=signed(body, **signing))


def security_log(tmp_path) -> str:
    return (tmp_path / "var" / "log" / "security.log").read_text()


def test_the_shipped_example_validates():
    request = IntakeRequestV1.model_validate_json(EXAMPLE)
    assert request.child.address.postcode == "ZZ9 9ZZ"


def test_a_signed_request_becomes_a_case_with_its_decision_date(intake, engine):
    response = post(intake)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["case_ref"] == "EHC-2026-000001" and answer["created"] is True
    assert answer["decide_by"] == "2027-01-01"  # received 2026-11-20 + 6 weeks
    with session_for(engine) as session:
        case = session.exec(select(Case)).one()
        assert (case.received_on.isoformat(), case.setting_calendar) == ("2026-11-20", "la-maintained")
        assert case.wake_at is not None and case.flow_run_id is None  # the sweep will start its run


def test_a_redelivery_answers_the_same_case_and_creates_nothing(intake, engine):
    first = post(intake, webhook_id="msg_same")
    again = post(intake, webhook_id="msg_same")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["case_ref"] == first.json()["case_ref"]
    assert counts(engine) == (1, 1)


def test_the_forms_own_submission_id_also_identifies_a_resend(intake, engine):
    first = post(intake, webhook_id="msg_one")
    resent = post(intake, webhook_id="msg_two")  # same submission_id inside
    assert (first.status_code, resent.status_code) == (202, 200)
    assert counts(engine) == (1, 1)


def test_two_concurrent_deliveries_of_one_id_make_one_case(intake, engine):
    headers = signed(EXAMPLE, webhook_id="msg_race")
    answers = []

    def deliver():
        answers.append(intake.post("/webhooks/intake", content=EXAMPLE, headers=headers))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 202]
    assert len({answer.json()["case_ref"] for answer in answers}) == 1
    assert counts(engine) == (1, 1)


def test_a_secret_being_rotated_out_still_verifies(intake):
    assert post(intake, secret=PREVIOUS_SECRET).status_code == 202


def test_one_good_signature_among_several_is_enough(intake):
    headers = signed(EXAMPLE)
    headers["webhook-signature"] = "v1,bm90LXRoZS1yaWdodC1zaWduYXR1cmU= " + headers["webhook-signature"]
    assert intake.post("/webhooks/intake", content=EXAMPLE, headers=headers).status_code == 202


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda h: h.pop("webhook-signature"), id="no signature"),
        pytest.param(lambda h: h.pop("webhook-id"), id="no id"),
        pytest.param(lambda h: h.update({"webhook-signature": "v1,AAAA"}), id="bad signature"),
        pytest.param(lambda h: h.update({"webhook-id": "msg_other"}), id="id not the one signed"),
        pytest.param(lambda h: h.update({"webhook-timestamp": "yesterday"}), id="timestamp not a number"),
    ],
)
def test_unsigned_or_forged_calls_are_401_and_write_nothing(intake, engine, tmp_path, spoil):
    headers = signed(EXAMPLE)
    spoil(headers)
    response = intake.post("/webhooks/intake", content=EXAMPLE, headers=headers)
    assert response.status_code == 401
    assert counts(engine) == (0, 0)
    assert "intake rejected: status=401" in security_log(tmp_path)


def test_a_tampered_body_is_401(intake, engine):
    headers = signed(EXAMPLE)
    tampered = EXAMPLE.replace(b"2026-11-20", b"2026-11-01")
    assert intake.post("/webhooks/intake", content=tampered, headers=headers).status_code == 401
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_the_tolerance_is_401(intake, engine, minutes):
    response = post(intake, sent_at=datetime.now(UTC) + timedelta(minutes=minutes))
    assert response.status_code == 401
    assert counts(engine) == (0, 0)


def test_an_invalid_payload_is_422_naming_every_field_and_logs_no_personal_data(intake, engine, tmp_path):
    payload = json.loads(EXAMPLE)
    del payload["child"]["date_of_birth"]
    payload["parents"][0]["email"] = "not-an-email"
    payload["consent"] = {"share_with_professionals": True}
    payload["colour"] = "blue"
    body = json.dumps(payload).encode()
    response = post(intake, body)
    assert response.status_code == 422
    fields = {".".join(map(str, error["loc"])) for error in response.json()["detail"]}
    assert fields == {
        "body.child.date_of_birth",
        "body.parents.0.email",
        "body.consent.information_is_true",
        "body.colour",
    }
    assert counts(engine) == (0, 0)
    log = security_log(tmp_path)
    assert "status=422" in log and CHILD not in log and "alex.example" not in log


def test_a_request_received_in_the_future_or_with_unknown_term_dates_is_422(intake, engine):
    payload = json.loads(EXAMPLE)
    payload["received_on"] = "2026-12-01"
    response = post(intake, json.dumps(payload).encode())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "received_on"]
    payload = json.loads(EXAMPLE)
    payload["current_setting"]["term_calendar"] = "no-such-school"
    response = post(intake, json.dumps(payload).encode())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "current_setting", "term_calendar"]
    assert counts(engine) == (0, 0)


def test_a_body_over_the_limit_is_413(intake, engine):
    payload = json.loads(EXAMPLE)
    payload["needs"] = "x" * 70_000
    assert post(intake, json.dumps(payload).encode()).status_code == 413
    assert counts(engine) == (0, 0)


def test_a_body_that_is_not_json_by_type_is_415(intake, engine):
    headers = signed(EXAMPLE)
    headers["content-type"] = "text/plain"
    assert intake.post("/webhooks/intake", content=EXAMPLE, headers=headers).status_code == 415
    assert counts(engine) == (0, 0)


def test_the_payload_schema_is_published_in_openapi(intake):
    schema = intake.get("/openapi.json").json()
    body = schema["paths"]["/webhooks/intake"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/IntakeRequestV1"}
    published = schema["components"]["schemas"]["IntakeRequestV1"]
    assert {"received_on", "child", "parents", "consent"} <= set(published["required"])


def test_ehcp_intake_send_signs_the_example_and_shows_the_answer(intake, engine, monkeypatch):
    from typer.testing import CliRunner

    from ehcp.cli.main import app
    from ehcp.settings import get_settings

    get_settings.cache_clear()
    url = f"{intake.base_url}/webhooks/intake"
    runner = CliRunner()
    first = runner.invoke(
        app, ["intake", "send", str(PROJECT_ROOT / "examples" / "intake-request.json"), "--url", url]
    )
    assert first.exit_code == 0, first.output
    assert "202 Accepted" in first.output and "EHC-2026-000001" in first.output
    again = runner.invoke(
        app,
        [
            "intake",
            "send",
            str(PROJECT_ROOT / "examples" / "intake-request.json"),
            "--url",
            url,
            "--webhook-id",
            "msg_x",
        ],
    )
    assert "200 OK" in again.output  # the form's submission id repeats: a resend
    assert counts(engine) == (1, 1)
