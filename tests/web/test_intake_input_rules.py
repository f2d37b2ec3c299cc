"""The intake webhook takes strict, bounded, safe input: over real HTTP, on SQLite and
PostgreSQL, every refusal is a 422 naming the field that never repeats the value, and
nothing is written."""

from __future__ import annotations

import copy
import json
import re
import socket
import time
from urllib.parse import urlsplit

import pytest

from ehcp.intake.signature import sign
from tests.web import test_intake
from tests.web.test_intake import EXAMPLE, SECRET, counts, post, security_log

intake = test_intake.intake  # the webhook served over loopback, Prefect down

BASE = json.loads(EXAMPLE)


def payload(**changes) -> dict:
    """The example, changed at dotted paths: payload(**{"child.address.town": "X"})."""
    value = copy.deepcopy(BASE)
    for path, new in changes.items():
        *parents, last = path.split(".")
        node = value
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = new
    return value


def refused(client, body: dict, *, secret_value: str | None = None) -> list[dict]:
    response = post(client, json.dumps(body).encode())
    assert response.status_code == 422, response.text
    if secret_value is not None:
        assert secret_value not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"loc", "msg", "type"}  # no input, no ctx
    return response.json()["detail"]


def fields(detail: list[dict]) -> set[str]:
    return {".".join(map(str, error["loc"])) for error in detail}


# -- 1. unsafe characters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "kind"),
    [
        ("child.given_names", "Zebedee\x00", "control character"),  # was a 500 on PostgreSQL
        ("parents.0.full_name", "Alex\u202e Quartermaine \u202c", "text-direction override"),
        ("child.family_name", "Quarter\u200bmaine", "invisible character"),
        ("child.address.line_1", "1 Example Street\n2 Forged Lane", "line break"),
        ("requester.name", "Zebedee\U000e0041Quartermaine", "invisible character"),
    ],
)
def test_unsafe_characters_are_refused_naming_the_field(intake, engine, path, value, kind):
    [error] = refused(intake, payload(**{path: value}), secret_value="Quartermaine")
    assert error["loc"] == ["body", *[int(p) if p.isdigit() else p for p in path.split(".")]]
    assert kind in error["msg"]
    assert counts(engine) == (0, 0)


def test_the_probe_s_disguised_address_is_refused(intake, engine):
    detail = refused(intake, payload(**{"parents.0.full_name": "Alex\u202e moc.live@evil \u202c"}))
    assert fields(detail) == {"body.parents.0.full_name"}
    assert counts(engine) == (0, 0)


def test_prose_fields_keep_their_line_breaks(intake):
    body = payload(reasons="First reason.\n\nSecond reason:\n\t- unmet needs", needs="Line one\r\nLine two")
    assert post(intake, json.dumps(body).encode()).status_code == 202


# -- 2. one set of limits ---------------------------------------------------------------


def test_a_town_the_schema_publishes_as_too_long_is_refused_by_the_schema_naming_it(intake, engine):
    town = "Llanfair" + "x" * 120  # 128: the store's column holds 100
    [error] = refused(intake, payload(**{"child.address.town": town}), secret_value="Llanfairxxx")
    assert error["loc"] == ["body", "child", "address", "town"]
    assert error["msg"] == "String should have at most 100 characters"
    assert counts(engine) == (0, 0)


def test_a_bad_nhs_check_digit_is_refused_by_the_schema_naming_it(intake, engine):
    [error] = refused(intake, payload(**{"child.nhs_number": "9434765918"}), secret_value="9434765918")
    assert error["loc"] == ["body", "child", "nhs_number"] and "check digit" in error["msg"]


# -- 3. refusals never echo ---------------------------------------------------------------


def test_an_invalid_email_is_refused_without_quoting_it(intake):
    [error] = refused(
        intake, payload(**{"parents.0.email": "zebedee.quartermaine@@evil"}), secret_value="quartermaine"
    )
    assert error["loc"] == ["body", "parents", 0, "email"]
    assert error["msg"] == "value is not a valid email address"


def test_an_unknown_choice_is_refused_without_quoting_it(intake):
    [error] = refused(
        intake, payload(**{"parents.0.relationship": "Quartermaine"}), secret_value="Quartermaine"
    )
    assert error["loc"] == ["body", "parents", 0, "relationship"]


# -- 4. strict -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("consent.information_is_true", "yes"),
        ("consent.share_with_professionals", 1),
        ("child.hearing_impairment", "true"),
        ("parents.0.main_contact", "on"),
        ("received_on", 20261120),
        ("child.date_of_birth", 1525824000),
        ("child.date_of_birth", "2018-05-09T00:00:00"),
        ("received_on", "20/11/2026"),
    ],
)
def test_booleans_are_json_booleans_and_days_iso_text(intake, engine, path, value):
    detail = refused(intake, payload(**{path: value}))
    assert fields(detail) == {f"body.{path}"}
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"received_on": "2014-08-31", "child.date_of_birth": "2010-01-01"},
            "body.received_on",
            "1 September 2014",
        ),
        ({"received_on": "2026-11-23"}, "body.received_on", "in the future"),  # the clock says the 22nd
        ({"child.date_of_birth": "2026-11-23"}, "body.child.date_of_birth", "in the future"),
        ({"child.date_of_birth": "2026-11-21"}, "body.child.date_of_birth", "after received_on"),
        ({"child.date_of_birth": "2001-11-20"}, "body.child.date_of_birth", "under 25"),  # 25 that day
    ],
)
def test_days_outside_the_possible_are_refused(intake, engine, changes, field, words):
    [error] = refused(intake, payload(**changes))
    assert ".".join(map(str, error["loc"])) == field and words in error["msg"]
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    ("changes", "submission"),
    [
        ({"received_on": "2026-11-22"}, "edge-today"),  # received today, by the clock
        ({"child.date_of_birth": "2001-11-21"}, "edge-24"),  # 25 the day after receipt
    ],
)
def test_the_last_possible_days_are_accepted(intake, changes, submission):
    body = payload(**changes, submission_id=submission)
    assert post(intake, json.dumps(body).encode()).status_code == 202


def test_the_first_day_of_the_regime_and_a_young_person_of_24_are_accepted(intake):
    body = payload(
        **{"received_on": "2014-09-01", "child.date_of_birth": "1989-09-02", "submission_id": "f-1"}
    )
    assert post(intake, json.dumps(body).encode()).status_code == 202


# -- 5. relay caps ---------------------------------------------------------------------------


def _parent(number: int) -> dict:
    return {"full_name": f"Carer Number{'x' * number}", "relationship": "carer", "phone": "01632 960001"}


def _professional(number: int) -> dict:
    return {
        "role": "therapist",
        "organisation": "Example NHS Trust",
        "email": f"p{number}@example-trust.example.org",
    }


def test_at_most_four_parents_and_ten_professionals(intake, engine):
    four = payload(parents=[BASE["parents"][0], *(_parent(n) for n in range(3))])
    ten = payload(professionals=[_professional(n) for n in range(10)], submission_id="f-2")
    assert post(intake, json.dumps(four).encode()).status_code == 202
    assert post(intake, json.dumps(ten).encode()).status_code == 202
    five = payload(parents=[BASE["parents"][0], *(_parent(n) for n in range(4))], submission_id="f-3")
    eleven = payload(professionals=[_professional(n) for n in range(11)], submission_id="f-4")
    assert fields(refused(intake, five)) == {"body.parents"}
    assert fields(refused(intake, eleven)) == {"body.professionals"}
    assert counts(engine) == (2, 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"professionals.0.email": "Alex.Example@example.org"}, "body.professionals.0.email"),
        ({"current_setting.email": "alex.example@example.org"}, "body.parents.0.email"),
    ],
)
def test_an_email_address_is_given_once_across_the_contacts(intake, engine, changes, field):
    detail = refused(intake, payload(**changes), secret_value="alex.example")
    assert fields(detail) == {field} and "already given" in detail[0]["msg"]
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    "path",
    [
        "child.given_names",
        "child.family_name",
        "parents.0.full_name",
        "requester.name",
        "current_setting.name",
    ],
)
@pytest.mark.parametrize(
    "name", ["Sam https://evil.example", "Sam www.evil", "Sam evil.com", "Sam login.evil.co.uk", "Sam t.co/x"]
)
def test_a_name_cannot_hold_a_web_address(intake, engine, path, name):
    detail = refused(intake, payload(**{path: name}), secret_value="evil")
    assert fields(detail) == {f"body.{path}"} and "web address" in detail[0]["msg"]
    assert counts(engine) == (0, 0)


def test_a_professional_s_name_cannot_hold_a_web_address(intake):
    detail = refused(
        intake, payload(**{"professionals.0": {**_professional(1), "name": "Dr Evil (evil.io)"}})
    )
    assert fields(detail) == {"body.professionals.0.name"}


# Names from English councils' populations, and schools' names as GIAS spells them.
REAL_NAMES = [
    "O'Neil",
    "St. Mary's",
    "St Mary's C.E. Primary School",
    "Holy Trinity C. of E. (Aided) School",
    "St.John Fisher Catholic Academy",
    "A.J. Cooper",
    "J.R.R. Smith",
    "Mary-Kate Smith-Jones",
    "D'Arcy",
    "Siobhán Ní Bhriain",
    "Zoë Brontë",
    "Ngozi Okonkwo-Adebayo",
    "Muhammad Al-Hassan",
    "Nguyễn Thị Minh Khai",
    "Oluwaseun Adé",
    "Co-op Academy Swinton",
    "Oasis Academy Media City UK",
    "Bishop's Stortford College",
    "Leigh-on-Sea",
    "Mr. T. O. Uko",
    "Anne-Marie de la Cruz",
    "Info Tech College",
    "Dev Patel",
    "Jean.Luc Picard",
    "王小明",
    "محمد علي",
    "Meera Ramanathan",
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_not_taken_for_web_addresses(name):
    from ehcp.limits import has_web_address

    assert not has_web_address(name)


def test_real_names_pass_the_webhook(intake):
    body = payload(**{"child.given_names": "Siobhán D'Arcy", "child.family_name": "O'Neil-Okonkwo"})
    body["current_setting"]["name"] = "St. Mary's C.E. Primary School"
    assert post(intake, json.dumps(body).encode()).status_code == 202


# -- 7. the security log ---------------------------------------------------------------------


LOGGED = re.compile(r'webhook_id=(?P<id>"(?:[^"\\]|\\.)*") client=(?P<client>"(?:[^"\\]|\\.)*")$')


def _raw_post(base_url: str, webhook_id: bytes) -> bytes:
    """A delivery sent byte for byte: header values a client library would refuse."""
    address = urlsplit(base_url)
    timestamp = str(int(time.time())).encode()
    request = (
        b"POST /webhooks/intake HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        b"webhook-id: " + webhook_id + b"\r\nwebhook-timestamp: " + timestamp + b"\r\n"
        b"webhook-signature: v1,AAAA\r\ncontent-length: " + str(len(EXAMPLE)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + EXAMPLE
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    "webhook_id",
    [
        pytest.param(b"msg_1\x85forged 2026-01-01 WARNING intake accepted: status=202", id="NEL"),
        pytest.param("msg_1\u2028forged".encode(), id="line separator as UTF-8"),
        pytest.param(b"msg_" + b"x" * 5000 + b"\x85forged", id="long"),
        pytest.param(b'msg_1" client="forged', id="quote"),
    ],
)
def test_a_webhook_id_cannot_add_a_line_to_the_security_log(intake, engine, tmp_path, webhook_id):
    answer = _raw_post(str(intake.base_url), webhook_id)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    lines = security_log(tmp_path).splitlines()
    assert len(lines) == 1, lines
    # Every field a JSON string: the id reads back as sent (as latin-1, cut to 200), all on one line.
    logged = LOGGED.search(lines[0])
    assert logged is not None, lines[0]
    assert json.loads(logged["id"]) == webhook_id.decode("latin-1")[:200]
    assert json.loads(logged["client"]) == "127.0.0.1"
    assert counts(engine) == (0, 0)


def test_a_signed_webhook_id_outside_printable_ascii_is_refused(intake, engine):
    webhook_id = "msg_1 forged"
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, webhook_id, timestamp, EXAMPLE),
    }
    assert intake.post("/webhooks/intake", content=EXAMPLE, headers=headers).status_code == 401
    assert counts(engine) == (0, 0)
