"""A coordinator reads `ehcp timeline`, `ehcp chronology` and `ehcp documents list` in an
80-column terminal: plain words rather than the keys the service stores, a header on every
column, and nothing cut short with "…". The keys stay in the JSON and beside the words a
command takes (`key: health`)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.cli.timeline import chronology_table
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.domain.facts import AdviceFacts, CaseFacts
from ehcp.domain.roles import ContributorRole
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from ehcp.views.labels import ROLE_WORDS, event_summary, limit_label, standard_advice_key
from ehcp.views.timeline import timeline_markdown
from tests.db import factories
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-03-20T09:00:00+00:00"
WIDTH = 80
# What the service stores and a coordinator should not have to read.
INTERNAL = re.compile(
    r"notice:|adviser:|system:|coordinator:|send_team|consulted_setting|_letter\b(?!:)|\([a-z ]+: [a-z-]+\)"
)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch, tmp_path) -> str:
    """A case on 20 March 2026: advice asked of everyone on 10 February (health's is in),
    the draft served on 12 March and a school consulted on 13 March."""
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: no run is woken
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    store = tmp_path / "store"
    with session_for(engine) as session:
        received = date(2026, 1, 5)
        case = factories.open_case(session, council, now=at(received), setting_email="senco@example.sch.uk")
        reconcile(session, ref=case.ref, council=council, now=at(received), document_store=store)
        decided = date(2026, 2, 10)
        factories.decide(session, council, case, now=at(decided), on=decided)
        reconcile(session, ref=case.ref, council=council, now=at(decided), document_store=store)
        factories.receive_advice(session, council, case, key="health", now=at(date(2026, 3, 5)))
        factories.decide(session, council, case, decision="issue", now=at(date(2026, 3, 10)))
        factories.serve_draft(session, council, case, now=at(date(2026, 3, 12)))
        factories.consult(session, council, case, now=at(date(2026, 3, 13)))
        reconcile(session, ref=case.ref, council=council, now=at(date(2026, 3, 20)), document_store=store)
        return case.ref


@pytest.fixture
def at_80_columns(monkeypatch) -> None:
    """The commands' console as an 80-column terminal draws it (COLUMNS is read when the
    console is made, so the test gives the commands one of its own)."""
    for module in ("ehcp.cli.timeline", "ehcp.cli.documents", "ehcp.cli.cases"):
        monkeypatch.setattr(f"{module}.stdout", Console(width=WIDTH, highlight=False))


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def header(text: str) -> str:
    """The line of column headers: the one above the rule."""
    lines = lines_of(text)
    return next(lines[number - 1] for number, line in enumerate(lines) if line.startswith("────"))


def column(text: str, name: str) -> str:
    """One column's text read back, top to bottom, as words: each line cut where the
    header puts the column (a cell's text wraps within it)."""
    head = header(text)
    start = head.index(name)
    later = [match.start() for match in re.finditer(r"(?<=  )\S", head) if match.start() > start]
    end = later[0] if later else None
    below = lines_of(text)[lines_of(text).index(head) + 2 :]
    return " ".join(" ".join(line[start:end].split()) for line in below if line[start:end].strip())


def assert_fits_and_nothing_is_cut(text: str) -> None:
    assert "…" not in text
    too_long = [line for line in lines_of(text) if len(line) > WIDTH]
    assert not too_long, too_long


# -- ehcp timeline -------------------------------------------------------------


def test_a_timeline_at_80_columns_names_no_internal_key_and_heads_every_column(ref, at_80_columns):
    result = runner.invoke(app, ["timeline", "--case", ref])
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert header(printed).split() == ["Time", "limit", "Starts", "Due", "Done", "State"]
    assert not INTERNAL.search(printed), INTERNAL.search(printed)
    limits = column(printed, "Time limit")
    for label in (
        "Parent or young person's advice",
        "Educational advice",
        "Health advice",
        "Social care advice",
        "School or college consulted: answer due",
    ):
        assert label in limits, label
    # The key a command takes (`ehcp advice record CASE KEY`) is still there, in words.
    assert "key: health" in limits and "key: oak" in limits
    assert "due 4 days left" in column(printed, "State")


def test_a_timeline_at_80_columns_wraps_and_cuts_nothing_short(ref, at_80_columns):
    result = runner.invoke(app, ["timeline", "--case", ref])
    assert result.exit_code == 0, result.output
    assert_fits_and_nothing_is_cut(result.stdout)
    assert "Regs 6(1): asked by the council (not a Regs 8 duty)" in column(result.stdout, "Time limit")


def test_a_timeline_from_dates_alone_shows_no_key(at_80_columns):
    result = runner.invoke(
        app,
        ["timeline", "--received", "2026-01-05", "--advice-requested", "2026-02-11", "--today", "2026-03-01"],
    )
    assert result.exit_code == 0, result.output
    assert "Advice from each adviser" in result.stdout
    assert "key:" not in result.stdout  # no case, no command to take one
    assert_fits_and_nothing_is_cut(result.stdout)


def test_the_timeline_json_keeps_its_keys_while_titles_read_as_words(ref):
    result = runner.invoke(app, ["timeline", "--case", ref, "--json"])
    assert result.exit_code == 0, result.output
    titles = {limit["key"]: limit["title"] for limit in json.loads(result.stdout)["limits"]}
    assert titles["advice:health"] == "Health advice"
    assert titles["advice:family"] == "Parent or young person's advice"
    assert titles["school_consultation:oak"] == "School or college consulted: answer due (oak)"
    assert titles["decision_to_assess"] == "Decision whether to assess"


def a_timeline(council, *advice: AdviceFacts):
    facts = CaseFacts(
        received_on=date(2026, 1, 5),
        decision_to_assess={"decided_on": date(2026, 2, 10), "outcome": "assess"},
        advice=[item.model_dump() for item in advice],
    )
    return council.timeline(facts, today=date(2026, 3, 1))


@pytest.mark.parametrize("role", list(ContributorRole))
def test_every_advice_role_reads_as_words_without_its_key(council, role):
    key = standard_advice_key(role)
    advice = AdviceFacts(key=key, role=role, requested_on=date(2026, 2, 10))
    limit = a_timeline(council, advice).limit(f"advice:{key}")
    assert limit_label(limit) == ROLE_WORDS[role].advice


def test_a_second_adviser_of_one_role_is_told_apart_by_its_key(council):
    advice = AdviceFacts(key="professional-1", role=ContributorRole.OTHER, requested_on=date(2026, 2, 10))
    limit = a_timeline(council, advice).limit("advice:professional-1")
    assert limit_label(limit) == "Other advice (professional-1)"
    assert limit_label(limit, with_key=False) == "Other advice"


def test_advice_agreed_sufficient_reads_as_words_and_says_so(council):
    advice = AdviceFacts(
        key="psychological",
        role=ContributorRole.PSYCHOLOGICAL,
        requested_on=date(2026, 2, 10),
        received_on=date(2026, 2, 10),
        existing_advice_accepted=True,
    )
    limit = a_timeline(council, advice).limit("advice:psychological")
    assert limit_label(limit) == "Educational psychology advice: existing advice accepted"


def test_the_prefect_artifact_names_advice_in_words(council):
    advice = AdviceFacts(key="social-care", role=ContributorRole.SOCIAL_CARE, requested_on=date(2026, 2, 10))
    look = SimpleNamespace(
        case_ref="EHC-2026-000001",
        stage="assessing",
        closed=False,
        wake_at=None,
        waiting_for=(),
        timeline=a_timeline(council, advice),
        undelivered=(),
        documents=(),
    )
    markdown = timeline_markdown(look)
    assert "| Social care advice | Regs 8(1) |" in markdown
    assert "Advice (social care: social-care)" not in markdown


# -- ehcp chronology -----------------------------------------------------------


def test_the_chronology_at_80_columns_says_who_in_words(ref, engine):
    with session_for(engine) as session:
        events = crud.chronology(session, case=crud.require_case(session, ref=ref))
    out = io.StringIO()
    Console(file=out, width=WIDTH, highlight=False).print(chronology_table(ref, events))
    printed = out.getvalue()
    assert header(printed).split() == ["Date", "Recorded", "By", "What", "happened"]
    assert not INTERNAL.search(printed), INTERNAL.search(printed)
    assert_fits_and_nothing_is_cut(printed)
    happened = column(printed, "What happened")
    for said in (
        "Considering notice queued for social care.",
        "Advice request queued for the parent or young person.",
        "Parent or young person's advice requested.",
        "Health advice received.",
        "Advice request letter to the health adviser drafted (PDF).",
    ):
        assert said in happened, said
    assert "System (case run)" in column(printed, "By")


def test_ehcp_chronology_prints_the_chronology_in_words(ref, at_80_columns):
    result = runner.invoke(app, ["chronology", ref])
    assert result.exit_code == 0, result.output
    assert not INTERNAL.search(result.stdout), INTERNAL.search(result.stdout)
    assert_fits_and_nothing_is_cut(result.stdout)


def test_a_chronology_entry_is_put_in_words_only_where_it_says_what_its_detail_says():
    queued = {"purpose": "considering_notice", "recipient": "notice:social_care"}
    assert (
        event_summary("message_queued", "Considering notice queued to notice:social_care.", queued)
        == "Considering notice queued for social care."
    )
    # A summary written some other way is the record: it is shown as it was written.
    written = "Considering notice sent by hand to notice:social_care."
    assert event_summary("message_queued", written, queued) == written


ROLES = {"health": "health", "social-care": "social_care", "family": "parent_or_young_person"}


@pytest.mark.parametrize(
    ("kind", "written", "detail", "said"),
    [
        (
            "message_sent",
            "Decision to assess sent to notice:health.",
            {"purpose": "decision_to_assess", "recipient": "notice:health"},
            "Decision to assess sent to health services.",
        ),
        (
            "message_failed",
            "Advice request to adviser:health could not be delivered: the mail relay refused it for good "
            "(SMTP 550).",
            {"purpose": "advice_request", "recipient": "adviser:health", "smtp": "SMTP 550"},
            "Advice request to the health adviser could not be delivered: the mail relay refused it for "
            "good (SMTP 550).",
        ),
        (
            "message_withdrawn",
            "Acknowledgement to family withdrawn unsent: the decision is on record.",
            {"purpose": "acknowledgement", "recipient": "family"},
            "Acknowledgement to the family withdrawn unsent: the decision is on record.",
        ),
        (
            "letter_posted",
            "Advice request posted to adviser:parent_or_young_person (first class); deemed delivered on "
            "2026-02-12.",
            {"purpose": "advice_request", "recipient": "adviser:parent_or_young_person"},
            "Advice request posted to the parent or young person (first class); deemed delivered on "
            "2026-02-12.",
        ),
        (
            "message_queued",
            "Limit breached queued to contact:send_team_manager.",
            {"purpose": "limit_breached", "recipient": "contact:send_team_manager"},
            "Limit breached queued for the SEND team manager.",
        ),
        (
            "advice_gap_recorded",
            "Going ahead without advice 'social-care': not received after escalation. The family is told.",
            {"key": "social-care", "reason": "not_received_after_escalation"},
            "Going ahead without social care advice: not received after escalation. The family is told.",
        ),
        (
            "exception_recorded",
            "Exception recorded against advice (health: health) (Regs 8(1)): missed appointment from "
            "2026-03-01 (continuing). Recorded by coordinator:cli.",
            {"ground": "missed_appointment", "limit_key": "advice:health"},
            "Exception recorded against health advice (Regs 8(1)): missed appointment from 2026-03-01 "
            "(continuing). Recorded by Coordinator (command line).",
        ),
        (
            "exception_ended",
            "Exception (missed appointment, against advice:health) ended on 2026-03-10. "
            "Recorded by coordinator:prefect-ui.",
            {"ground": "missed_appointment", "limit_key": "advice:health"},
            "Exception (missed appointment, against health advice) ended on 2026-03-10. "
            "Recorded by Coordinator (Prefect).",
        ),
    ],
)
def test_each_kind_of_chronology_entry_names_people_and_advice_in_words(kind, written, detail, said):
    assert event_summary(kind, written, detail, advice_roles=ROLES) == said
    assert not INTERNAL.search(said)


# -- ehcp documents ------------------------------------------------------------


def test_the_request_for_the_familys_own_advice_is_listed_as_the_familys(ref):
    result = runner.invoke(app, ["documents", "list", ref, "--json"])
    assert result.exit_code == 0, result.output
    listed = {item["kind"]: item for item in map(json.loads, result.stdout.splitlines())}
    assert listed["advice_request_letter:family"]["audience"] == "family"
    assert listed["advice_request_letter:health"]["audience"] == "professional"
    assert listed["working_draft"]["audience"] == "internal"  # never sent to anyone


def test_the_documents_list_at_80_columns_names_each_document_and_whom_it_is_for(ref, at_80_columns):
    result = runner.invoke(app, ["documents", "list", ref])
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert header(printed).split() == ["Document", "For", "Drafted"]
    assert_fits_and_nothing_is_cut(printed)
    documents, audiences = column(printed, "Document"), column(printed, "For")
    for document in (
        "Advice request letter to the parent or young person",
        "Advice request letter to the health adviser",
        "Working draft of the plan (not for sending)",
    ):
        assert document in documents, document
    assert "Family" in audiences and "Professional" in audiences and "SEND team only" in audiences
    rows = [line for line in lines_of(printed) if "Advice request letter to the parent" in line]
    assert rows and rows[0].split()[-2] == "Family"  # on the family's row, not another's
    # What `ehcp documents render` takes, and the file, are still there.
    assert "kind: advice_request_letter:family" in documents
    assert "file: advice_request_letter--family-" in documents


def test_render_help_says_where_a_preview_is_written():
    result = runner.invoke(app, ["documents", "render", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "previews/" in text and "not stored" not in text
