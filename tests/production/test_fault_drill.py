"""The fault drill: 50 cases move through their stages on the production profile while
everything around them fails, and afterwards no case is lost, no email went out twice
and every warning and breach alert arrived on its day by the injected clock.

One stack for the whole drill, with a PostgreSQL server of its own (the drill restarts
it). The faults, in the order a bad month might bring them:

- intake (40 requests) while a worker is SIGKILLed at random moments and restarted,
  and Prefect's server is stopped and restarted while intake and coordinators write;
- coordinators' decisions on 30 cases, each sent twice, while PostgreSQL (both
  databases) is stopped at once and restarted, and 10 more requests come in;
- the clock moves day by day to the decision-to-assess limit of the 10 cases nobody
  decided: on the first warning's day the SMTP relay is down for a stretch; on the
  second, two sweeps run at once; on the breach alert's day both workers are stopped,
  the due runs resumed, and both workers started together so they race for the same
  runs, with the chaos running again.

The sweep runs in this process, as its cron would every 15 minutes, while the drill
waits; between sweeps the injected clock moves on a minute, as the day would.
Then Prefect's database (every table, dumped), the workers' logs and the services' logs
are searched for every child's name, date of birth, the families' emails and postcodes.
"""

from __future__ import annotations

import contextvars
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from sqlmodel import col, select
from standardwebhooks.webhooks import Webhook

from ehcp import timesource
from ehcp.council.config import cached_council
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.models import Case, CaseEvent, IntakeSubmission, OutboundMessage, OutboxState
from ehcp.mail.delivery import deliver_sync
from ehcp.mail.transport import SmtpTransport
from ehcp.runtime import sweeper
from ehcp.runtime.supervisor import csrf_headers
from ehcp.settings import PROJECT_ROOT, get_settings
from tasks import common
from tests.conftest import own_postgres_server
from tests.support.pii_scan import find_personal_data
from tests.support.postgres import TemporaryPostgres
from tests.support.production import WORKERS, ProductionStack
from tests.support.stack import read_run, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.drill,
    # A sweep or worker thread that raises fails the drill (the first green run hid two
    # sweeps that had talked to a throwaway Prefect of their own).
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

RECEIVED = date(2026, 11, 2)  # a Monday
DECIDED = RECEIVED + timedelta(days=14)
FIRST_WAVE, SECOND_WAVE = 40, 10  # 50 cases
ASSESS, NOT_ASSESS = 10, 20  # decided in the first wave; the other 10 are left to the limit
# A run "Running" longer than this has lost its worker. Longer than the slowest look on a
# loaded 2-core machine, or the sweep would requeue live runs (production: 600 s).
STALE_AFTER_SECONDS = 60
# Flow runs at once across both workers. Each is two processes that import Prefect and
# ehcp (about 3 CPU seconds); more than two cores' worth only makes every look slower.
POOL_LIMIT = 6
SEED = 20261202

GIVEN = ["Amarantha", "Bartholomew", "Calliope", "Desdemona", "Evander", "Florizel", "Gwendolyn"]
FAMILY = [
    "Featherstonehaugh",
    "Marjoribanks",
    "Cholmondeley",
    "Wriothesley",
    "Auchinleck",
    "Menzies-Urquhart",
]
POSTCODES = ["QX1 4PZ", "QY12 7TW", "QZ3 9XJ", "QW7 2UV", "QV5 8RS"]


# --- the stack -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drill_postgres() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server of the drill's own: restarting the session's would cut every
    other test's connections."""
    with own_postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def drill(tmp_path_factory, drill_postgres) -> Iterator[ProductionStack]:
    stack = ProductionStack.create_production(tmp_path_factory.mktemp("drill"), drill_postgres.admin_url)
    stack.env.update(
        {
            "EHC_RUN_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
            # While the relay is down a look should defer its emails at once, not wait.
            "EHC_SMTP_ATTEMPTS": "1",
            "EHC_SMTP_RETRY_WAIT_SECONDS": "0",
        }
    )
    stack.pool_limit = POOL_LIMIT
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def as_drill(drill, monkeypatch) -> Iterator[ProductionStack]:
    for key, value in drill.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    cached_council.cache_clear()
    with temporary_settings(
        updates={PREFECT_API_URL: drill.api_url, PREFECT_API_AUTH_STRING: drill.auth_string}
    ):
        yield drill
    get_settings.cache_clear()


# --- the people and the clock around the cases -------------------------------------------


class WorkerChaos:
    """SIGKILLs a random worker (and the flow runs it started) at random moments, and
    starts it again a moment later, until stopped. Paused while Prefect is down: a
    worker is only counted started once Prefect sees it polling."""

    def __init__(self, stack: ProductionStack, rng: random.Random, kills: int) -> None:
        self.stack, self.rng = stack, rng
        self.kills, self.most = 0, kills
        self.running = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> WorkerChaos:
        self.running.set()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.running.set()
        self.thread.join(timeout=300)
        for name in WORKERS:  # the drill goes on with both
            if name not in self.stack.services:
                self.stack.start_worker(name)

    def _loop(self) -> None:
        # A look takes a few seconds (two processes start per flow run); killing more often
        # than that would kill every look and the drill would measure nothing but restarts.
        while self.kills < self.most and not self.stopping.wait(self.rng.uniform(4.0, 15.0)):
            self.running.wait()
            if self.stopping.is_set():
                return
            name = self.rng.choice(WORKERS)
            self.stack.kill(name)
            self.kills += 1
            time.sleep(self.rng.uniform(0.5, 3.0))
            self.running.wait()
            self.stack.start_worker(name)


class Drill:
    def __init__(self, stack: ProductionStack) -> None:
        self.stack = stack
        self.rng = random.Random(SEED)
        self.people: dict[str, dict] = {}  # submission id -> the personal data sent
        self.sweeps = 0

    # intake

    def request(self, number: int, received_on: date) -> tuple[str, str]:
        """A request for a child of our own making, so the scan knows what to look for."""
        body = json.loads((PROJECT_ROOT / "examples" / "intake-request.json").read_text())
        given, family = GIVEN[number % len(GIVEN)], FAMILY[number % len(FAMILY)]
        submission = f"form-drill-{number:03d}"
        email = f"{given.lower()}.{family.lower()}.{number}@example.org"
        born = date(2012, 1, 1) + timedelta(days=97 * number)
        body.update(submission_id=submission, received_on=received_on.isoformat())
        body["requester"].update(name=f"Parent {family}", email=email)
        body["child"].update(given_names=given, family_name=family, date_of_birth=born.isoformat())
        body["child"]["address"]["postcode"] = POSTCODES[number % len(POSTCODES)]
        body["parents"][0].update(full_name=f"Parent {family}", email=email)
        body["reasons"] = f"{given}'s needs are not being met with the support the school can give."
        self.people[submission] = {
            "name": f"{given} {family}",
            "family": family,
            "born": born,
            "email": email,
            "postcode": body["child"]["address"]["postcode"],
        }
        return submission, json.dumps(body)

    def send_intake(self, number: int, received_on: date) -> str:
        """As the form provider does: sign, post, and try again on anything but an answer
        (standard webhooks are retried until acknowledged). Returns the case reference."""
        submission, raw = self.request(number, received_on)
        webhook_id = f"msg_{uuid.uuid4().hex}"
        secret = Webhook(self.stack.env["EHC_INTAKE_WEBHOOK_SECRET"])

        def attempt() -> httpx.Response | None:
            sent_at = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(sent_at.timestamp())),
                "webhook-signature": secret.sign(webhook_id, sent_at, raw),
            }
            try:
                answer = httpx.post(
                    f"{self.stack.web_url}/webhooks/intake", content=raw, headers=headers, timeout=60
                )
            except httpx.HTTPError:
                return None
            return answer if answer.status_code < 500 else None

        answer = wait_until(attempt, timeout=180, what=f"intake of {submission} to be acknowledged")
        assert answer.status_code in (200, 202), answer.text
        return answer.json()["case_ref"]

    # coordinators

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A coordinator's call through the case API, tried again after a server error
        (the coordinator presses the button again)."""
        token = {"Authorization": f"Bearer {self.stack.env['EHC_API_TOKEN']}"}

        def attempt() -> httpx.Response | None:
            try:
                answer = httpx.request(
                    method, f"{self.stack.web_url}{path}", headers=token, timeout=60, **kwargs
                )
            except httpx.HTTPError:
                return None
            return answer if answer.status_code < 500 else None

        return wait_until(attempt, timeout=180, what=f"{method} {path}")

    def decide(self, ref: str, outcome: str, on: date) -> list[int]:
        """The same decision sent twice (a double click, a retried request)."""
        body = {"kind": "assessment", "outcome": outcome, "decided_on": on.isoformat()}
        return [self.api("POST", f"/api/cases/{ref}/decisions", json=body).status_code for _ in range(2)]

    # the sweep and the clock

    def sweep(self) -> sweeper.SweepReport:
        """One pass of the `ehc-sweep` flow (its cron keeps wall-clock time, so the drill
        makes its passes itself): wake what is due, then retry the outbox's deferred
        emails, which no run looks at again before its next due day."""
        self.sweeps += 1
        with database() as session:
            report = sweeper.sweep(
                session, now=timesource.now(), limit=500, stale_after_seconds=STALE_AFTER_SECONDS
            )
        with database() as session:
            settings = get_settings()
            deliver_sync(
                session,
                transport=SmtpTransport(settings),
                council=common.council(),
                settings=settings,
                now=timesource.now(),
            )
        return report

    def settle(self, refs: list[str], timeout: float = 600) -> None:
        """Sweep every 2 s until every run has looked at its case's latest version and is
        suspended or done, and none of their emails is still to go. The clock moves a
        minute every fifth sweep, as the day goes on."""
        deadline = time.monotonic() + timeout
        waiting = list(refs)
        while True:
            self.sweep()
            waiting = [ref for ref in waiting if not self.is_settled(ref)]
            if not waiting:
                return
            if time.monotonic() > deadline:
                why = Counter(self.why_unsettled(ref) for ref in waiting)
                raise AssertionError(f"{len(waiting)} cases never settled: {dict(why)}")
            if self.sweeps % 5 == 0:
                self.stack.set_now(self.stack.now() + timedelta(minutes=1))
            time.sleep(2)

    def is_settled(self, ref: str) -> bool:
        with database() as session:
            case = crud.require_case(session, ref=ref)
            unsent = session.exec(
                select(OutboundMessage.id).where(
                    OutboundMessage.case_id == case.id,
                    col(OutboundMessage.state).in_([OutboxState.QUEUED, OutboxState.SENDING]),
                    OutboundMessage.channel == "email",
                )
            ).first()
        if case.flow_run_id is None or unsent is not None:
            return False
        try:
            state = read_run(case.flow_run_id).state
        except Exception:  # Prefect is down: not settled yet
            return False
        return state is not None and (
            state.is_completed() or (state.is_paused() and case.run_seen_version == case.version)
        )

    def why_unsettled(self, ref: str) -> str:
        with database() as session:
            case = crud.require_case(session, ref=ref)
            states = session.exec(
                select(OutboundMessage.state).where(OutboundMessage.case_id == case.id)
            ).all()
        if case.flow_run_id is None:
            return "no run"
        try:
            state = read_run(case.flow_run_id).state
        except Exception as error:
            return f"prefect: {type(error).__name__}"
        seen = "seen" if case.run_seen_version == case.version else "not seen"
        due = (
            "due" if case.wake_at is not None and case.wake_at <= timesource.now() else f"wake {case.wake_at}"
        )
        return (
            f"{state.name if state else None} ({state.message if state else ''}), {seen}, {due}, "
            f"failures {case.run_failures}, outbox {sorted(Counter(states).items())}"
        )

    def limit_day(self, ref: str, key: str) -> date:
        with database() as session:
            case = crud.require_case(session, ref=ref)
            facts = crud.case_facts(session, case=case)
        due_on = common.council().timeline(facts, today=RECEIVED).due_on(key)
        assert due_on is not None
        return due_on


# --- the drill -----------------------------------------------------------------------------


def test_fifty_cases_lose_nothing_repeat_nothing_and_miss_no_limit_under_faults(as_drill, drill_postgres):
    stack: ProductionStack = as_drill
    drill = Drill(stack)
    stack.set_today(RECEIVED)

    # 1. Intake under worker chaos; Prefect stopped and restarted halfway, while intake
    #    goes on and coordinators assign cases (their writes wake nobody until it is back).
    first: list[str] = []
    with WorkerChaos(stack, drill.rng, kills=4) as chaos:
        for number in range(FIRST_WAVE):
            if number == FIRST_WAVE // 2:
                chaos.running.clear()
                time.sleep(3.5)  # let a worker being restarted finish
                stack.kill("prefect-server")
            first.append(drill.send_intake(number, RECEIVED))
            if FIRST_WAVE // 2 <= number < FIRST_WAVE // 2 + 5:
                answer = drill.api(
                    "PUT", f"/api/cases/{first[number - 1]}/officer", json={"officer": "coord-a"}
                )
                assert answer.status_code == 200, answer.text
            if number == FIRST_WAVE // 2 + 8:
                stack.start_prefect()
                chaos.running.set()
        drill.settle(first)
    worker_kills = chaos.kills

    # 2. Decisions, each sent twice, while PostgreSQL is stopped at once and restarted;
    #    meanwhile ten more requests arrive.
    stack.set_today(DECIDED)
    assessed, refused, undecided = (
        first[:ASSESS],
        first[ASSESS : ASSESS + NOT_ASSESS],
        first[ASSESS + NOT_ASSESS :],
    )
    outage = threading.Thread(target=lambda: (time.sleep(4), drill_postgres.restart(down_seconds=3)))
    outage.start()
    answers = {}
    for ref in assessed:
        answers[ref] = drill.decide(ref, "assess", DECIDED)
    second = [drill.send_intake(FIRST_WAVE + number, DECIDED) for number in range(SECOND_WAVE // 2)]
    for ref in refused:
        answers[ref] = drill.decide(ref, "not_assess", DECIDED)
    second += [
        drill.send_intake(FIRST_WAVE + number, DECIDED) for number in range(SECOND_WAVE // 2, SECOND_WAVE)
    ]
    outage.join()
    # The second of each pair is refused as already recorded (the first, or a retry of it
    # whose answer the outage lost, recorded it once).
    assert all(codes[-1] == 422 for codes in answers.values()), answers
    drill.settle(first + second)

    # 3. Day by day to the undecided cases' limit: warnings 7 and 2 days before it, the
    #    breach alert the day after.
    due_on = drill.limit_day(undecided[0], "decision_to_assess")
    warn_7, warn_2, breach = (
        due_on - timedelta(days=7),
        due_on - timedelta(days=2),
        due_on + timedelta(days=1),
    )
    day = DECIDED
    races_before = race_count(stack)
    while day < breach:
        day += timedelta(days=1)
        stack.set_today(day)
        if day == warn_7:
            stack.mail.down()
            drill.sweep()
            wait_until(lambda: all(deferred(ref) for ref in undecided), timeout=240, what="warnings deferred")
            stack.set_now(stack.now() + timedelta(minutes=30))  # the relay is back within the hour
            stack.mail.up()
            drill.settle(undecided)
        elif day == warn_2:
            # Each in a copy of this context: Prefect's client settings (the API's address and
            # password) live in a context variable, and a bare thread would start without them.
            both = [
                threading.Thread(target=contextvars.copy_context().run, args=(drill.sweep,)) for _ in range(2)
            ]
            for sweep in both:
                sweep.start()
            for sweep in both:
                sweep.join()
            drill.settle(undecided)
        elif day == breach:
            for name in WORKERS:
                stack.kill(name)
            drill.sweep()  # resumes every due run; no worker is there to take them
            starting = [threading.Thread(target=stack.start_worker, args=(name,)) for name in WORKERS]
            for worker in starting:
                worker.start()
            for worker in starting:
                worker.join()
            with WorkerChaos(stack, drill.rng, kills=2) as chaos:
                drill.settle(undecided)
            worker_kills += chaos.kills
        else:
            drill.sweep()
    everyone = first + second
    drill.settle(everyone)

    # --- nothing lost ---
    with database() as session:
        cases = session.exec(select(Case).where(col(Case.ref).in_(everyone))).all()
        messages = session.exec(select(OutboundMessage)).all()
        events = session.exec(select(CaseEvent)).all()
        submissions = session.exec(select(IntakeSubmission)).all()
    assert len({case.ref for case in cases}) == len(everyone) == FIRST_WAVE + SECOND_WAVE
    assert sorted(row.submission_id for row in submissions) == sorted(drill.people)
    runs = flow_runs_by_name(stack)
    assert {name: count for name, count in runs.items() if count != 1} == {}
    assert set(runs) == {f"ehc-{ref}" for ref in everyone}
    decisions = Counter(
        (event.case_id, event.kind) for event in events if event.kind == "decision_assessment"
    )
    assert sorted(decisions.values()) == [1] * (ASSESS + NOT_ASSESS)
    stages = {case.ref: case.stage for case in cases}
    assert {stages[ref] for ref in assessed} == {"assessing"}
    assert {stages[ref] for ref in refused} == {"not_assessed"}
    assert {stages[ref] for ref in undecided + second} == {"considering"}

    # --- nothing twice ---
    received = Counter(message["Message-ID"] for message in stack.mail.messages)
    assert {mid: count for mid, count in received.items() if count > 1} == {}
    assert {row.state for row in messages if row.channel == "email"} == {OutboxState.SENT}
    assert {row.smtp_message_id for row in messages if row.channel == "email"} == set(received)

    # --- nothing missed: every warning and alert on its day ---
    by_case = {case.id: case.ref for case in cases}
    sent_on: dict[tuple[str, str, str], list[date]] = {}
    for row in messages:
        key = (by_case.get(row.case_id, "?"), row.purpose, row.recipient_role)
        sent_on.setdefault(key, []).append(timesource.london_date(row.sent_at))
    for ref in undecided:
        warnings = sorted(sent_on[(ref, "limit_warning", "send_team")])
        assert warnings == [warn_7, warn_2], ref
        assert sent_on[(ref, "limit_breached", "contact:send_team_manager")] == [breach], ref
    for ref in first:
        assert sent_on[(ref, "acknowledgement", "family")] == [RECEIVED], ref
    for ref in refused:
        assert sent_on[(ref, "decision_not_to_assess", "family")] == [DECIDED], ref
    for ref in assessed:
        assert sent_on[(ref, "advice_request", "adviser:health")] == [DECIDED], ref
    nobody_decided = [key for key in sent_on if key[1] == "limit_warning" and key[0] not in undecided]
    assert nobody_decided == []

    # --- and no personal data in Prefect's database or any log ---
    values = []
    for person in drill.people.values():
        born: date = person["born"]
        values += [person["name"], person["email"], person["postcode"], person["postcode"].replace(" ", "")]
        values += [born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day} {born:%B %Y}"]
    hits = find_personal_data(
        values,
        postgres_url=stack.prefect_database_url,
        log_paths=sorted((stack.root / "var" / "log").glob("*.log")),
        directories=[stack.root / name for name in WORKERS],
    )
    assert hits == []

    print(
        f"\nfault drill: {len(everyone)} cases, {worker_kills} worker kills, {drill.sweeps} sweeps, "
        f"{len(stack.mail.messages)} emails, {race_count(stack) - races_before} races at the breach"
    )


# --- readings ----------------------------------------------------------------------------------


def deferred(ref: str) -> bool:
    with database() as session:
        case = crud.require_case(session, ref=ref)
        rows = session.exec(
            select(OutboundMessage).where(
                OutboundMessage.case_id == case.id, OutboundMessage.purpose == "limit_warning"
            )
        ).all()
    return any(row.state == OutboxState.QUEUED and row.attempts >= 1 for row in rows)


def flow_runs_by_name(stack: ProductionStack) -> Counter[str]:
    names: Counter[str] = Counter()
    with httpx.Client(base_url=stack.api_url, headers=stack.auth_headers, timeout=30) as client:
        offset = 0
        while True:
            page = client.post(
                "/flow_runs/filter",
                json={"offset": offset, "limit": 200, "flows": {"name": {"any_": ["ehc-request"]}}},
                headers=csrf_headers(client),
            ).json()
            names.update(run["name"] for run in page)
            if len(page) < 200:
                return names
            offset += 200


def race_count(stack: ProductionStack) -> int:
    """Submissions a worker gave up because the other took the run first."""
    return sum(stack.worker_log(name).count("Aborted submission of flow run") for name in WORKERS)
