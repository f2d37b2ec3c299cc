"""Every email, as the system writes it for every kind of recipient it can go to, read back
for the wrong words: a family greeted as "colleagues at family", a professional as the
family, "your child" said to a young person or to a professional, the Regs 8(1) duty
quoted to someone it does not bind.

The emails are not rendered from a hand-made context: tests/mail/scenarios.py runs real
cases through a case's run, so the planner chooses the recipients, and
ehcp.mail.messages.address and .context and ehcp.mail.outbox.queue name them and fill the
templates, as they do for a family; then it queues, through the same functions, the
combinations the example council's ladder never sends. Its table of who gets what is
checked here against what the runs queued, both ways.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ehcp.council.config import load_council
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole
from ehcp.rendering import TEMPLATES, render_email, sample_context, template_names
from ehcp.text import words
from tests.conftest import EXAMPLE_COUNCIL_DIR
from tests.db.factories import PARENT_EMAIL
from tests.mail.scenarios import (
    ABOUT_ADVICE,
    BY_THE_SWEEP,
    NAMED_PROFESSIONAL,
    OTHER_LADDERS_ONLY,
    PARENT,
    RECIPIENTS,
    YOUNG_PERSON,
    Email,
    written,
)

FAMILY_ROLE = ContributorRole.PARENT_OR_YOUNG_PERSON
# Escalated to a manager only where the council names one for the service (ladder.yaml).
MANAGED = set(load_council(EXAMPLE_COUNCIL_DIR).managers)
FAMILY_KINDS = {"family", "family_adviser"}
FAMILY_NAMES = (PARENT, YOUNG_PERSON)


def readable(email: Email) -> str:
    """What the reader sees: subject, plain text and the HTML's words, each on one line."""
    html = " ".join(re.sub(r"<[^>]+>", " ", email.html).split())
    return " ".join(f"{email.subject}\n{email.text}".split()) + "\n" + html


def wrong_words(email: Email) -> list[str]:
    lowered = readable(email).lower()
    found = []
    if "colleagues at family" in lowered or any(
        f"colleagues at {name.lower()}" in lowered for name in FAMILY_NAMES
    ):
        found.append("the family is greeted as colleagues")
    if email.kind in FAMILY_KINDS:
        if "colleague" in lowered:
            found.append("the family is greeted as a professional")
        if "your organisation" in lowered:
            found.append("a duty under Regs 8 is put on the family")
        if "parent or young person advice" in lowered:
            found.append("the family is asked for advice as a professional is")
    else:
        if "dear family" in lowered or any(f"dear {name.lower()}" in lowered for name in FAMILY_NAMES):
            found.append("a professional is greeted as the family")
        if "your child" in lowered:
            found.append("a professional is spoken to as the parent")
    if email.young_person and email.kind in FAMILY_KINDS and "your child" in lowered:
        found.append("a young person is spoken to as a parent")
    if f"colleagues at {NAMED_PROFESSIONAL.lower()}" in lowered:
        found.append("a person is greeted as an organisation")
    return found


def by_run(purpose: str, kind: str) -> list[Email]:
    return [email for email in written() if email.by_run and (email.purpose, email.kind) == (purpose, kind)]


def queued_directly(purpose: str, kind: str, role: str | None, young_person: bool) -> list[Email]:
    return [
        email
        for email in written()
        if not email.by_run
        and (email.purpose, email.kind, email.about_role, email.young_person)
        == (purpose, kind, role, young_person)
    ]


TABLE = [(purpose, kind) for purpose, kinds in RECIPIENTS.items() for kind in kinds]


def combinations() -> list[Any]:
    """(purpose, recipient kind, the advice's role for advice emails, about a young person)."""
    out = []
    for purpose, kind in TABLE:
        if purpose not in ABOUT_ADVICE:
            roles: list[ContributorRole | None] = [None]
        elif kind == "family_adviser":
            roles = [FAMILY_ROLE]
        elif kind == "adviser":
            roles = [role for role in ContributorRole if role is not FAMILY_ROLE]
        elif kind == "manager":
            roles = [role for role in ContributorRole if role in MANAGED]  # a service's own manager
        else:
            roles = list(ContributorRole)  # told about anyone's advice, the family's included
        for role in roles:
            for young_person in (False, True):
                out.append(pytest.param(purpose, kind, role, young_person))
    return out


def label(value: object) -> str:
    if isinstance(value, bool):
        return "young_person" if value else "child"
    return str(value)


def test_every_email_purpose_is_in_the_table():
    assert set(RECIPIENTS) == set(template_names("email"))


def test_every_email_the_runs_queued_went_to_a_kind_of_recipient_the_table_lists():
    sent = {(email.purpose, email.kind) for email in written() if email.by_run}
    assert sent - set(TABLE) == set()


@pytest.mark.parametrize(
    ("purpose", "kind"), [pair for pair in TABLE if pair not in OTHER_LADDERS_ONLY | BY_THE_SWEEP], ids=label
)
def test_each_recipient_the_table_lists_was_sent_that_email_by_a_run(purpose, kind):
    assert by_run(purpose, kind), f"no run sent {purpose} to {kind}: the table is not what the planner does"


@pytest.mark.parametrize(("purpose", "kind"), TABLE, ids=label)
def test_no_email_a_run_queued_greets_anyone_with_someone_elses_words(purpose, kind):
    for email in by_run(purpose, kind):
        assert wrong_words(email) == [], (email.role, email.name, readable(email))


@pytest.mark.parametrize(("purpose", "kind", "role", "young_person"), combinations(), ids=label)
def test_no_email_greets_anyone_with_someone_elses_words(purpose, kind, role, young_person):
    emails = queued_directly(purpose, kind, role.value if role else None, young_person)
    assert emails, "not queued"
    for email in emails:
        assert wrong_words(email) == [], (email.role, email.name, readable(email))


def test_the_familys_advice_request_goes_to_the_family_as_their_own_by_name():
    requests = [email for email in by_run("advice_request", "family_adviser") if not email.young_person]
    assert requests
    for request in requests:
        assert (request.role, request.name) == ("adviser:parent_or_young_person", PARENT_EMAIL)
        text = readable(request)
        assert f"Dear {PARENT}," in text and "your views, and your child's views," in text
        assert "Dear parent or young person" not in text


def test_a_young_persons_advice_request_speaks_to_them():
    requests = [email for email in by_run("advice_request", "family_adviser") if email.young_person]
    assert requests
    for request in requests:
        text = readable(request)
        assert f"Dear {YOUNG_PERSON}," in text and "for you (case" in text


def test_a_professional_asked_by_post_is_greeted_by_name_and_the_letter_is_enclosed():
    [request] = [
        email
        for email in by_run("advice_request", "adviser")
        if email.name == NAMED_PROFESSIONAL and not email.young_person
    ]
    assert request.channel == "post"
    assert f"Dear {NAMED_PROFESSIONAL}," in request.text and "The enclosed letter" in request.text


def test_a_professional_asked_by_email_is_greeted_as_colleagues_at_their_organisation():
    requests = [email for email in by_run("advice_request", "adviser") if email.role == "adviser:health"]
    assert requests
    for request in requests:
        assert request.text.startswith("Dear colleagues at Example Integrated Care Board"), request.text


@pytest.mark.parametrize("purpose", ["advice_chaser", "advice_escalation"])
@pytest.mark.parametrize("role", [role for role in ContributorRole if role is not FAMILY_ROLE])
def test_the_regs_8_duty_is_quoted_to_and_about_only_the_bodies_it_binds(purpose, role):
    # The templates know the adviser only by its role in words: this keeps their list of the
    # Regs 8 bodies the same as BOUND_BY_REGS_8.
    emails = queued_directly(purpose, "adviser", role.value, False) + queued_directly(
        purpose, "contact", role.value, False
    )
    assert emails
    for email in emails:
        assert ("Regulation 8(1)" in email.text) is (role in BOUND_BY_REGS_8), (email.role, email.text)


@pytest.mark.parametrize("purpose", ["advice_reminder", "advice_chaser"])
def test_a_reminder_or_chaser_about_the_familys_own_advice_is_in_the_familys_words_without_a_recipient_role(
    purpose,
):
    # A template given no recipient_role (as an older caller might) takes a rung about the
    # family's own advice to go to the one asked: the family.
    context = sample_context() | {"recipient_name": PARENT, "role": words(FAMILY_ROLE.value)}
    subject, body = render_email(purpose, context)
    assert "colleague" not in body.lower()
    assert body.startswith(f"Dear {PARENT},")
    assert "your views" in f"{subject} {body}".lower()


@pytest.mark.parametrize("young_person", [False, True], ids=label)
def test_going_ahead_without_the_familys_own_views_tells_them_so_in_their_words(young_person):
    emails = [
        email
        for email in written()
        if (email.purpose, email.about_role, email.young_person)
        == ("proceeding_without_advice", FAMILY_ROLE.value, young_person)
    ]
    assert emails
    for email in emails:
        assert "We asked you for your views" in one_line(email.text)
        assert "We asked Family" not in email.text and "parent or young person advice" not in email.text


def test_a_young_person_told_of_advice_the_council_goes_ahead_without_is_spoken_to():
    [email] = queued_directly("proceeding_without_advice", "family", ContributorRole.OTHER.value, True)
    assert "no involvement with you." in one_line(email.text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_an_escalation_about_the_familys_advice_to_a_contact_does_not_call_it_their_advice():
    [email] = queued_directly("advice_escalation", "contact", FAMILY_ROLE.value, False)
    text = readable(email)
    assert "asked the family on 10 February 2026 for their views and advice" in text
    assert "parent or young person advice" not in text
    assert email.subject.startswith("Escalation: the family's views for EHC-2026-")


def test_the_regs_8_bodies_named_in_the_email_templates_are_those_in_the_domain():
    named = {words(role.value) for role in BOUND_BY_REGS_8}
    for purpose in ("advice_chaser", "advice_escalation"):
        source = (TEMPLATES / "email" / f"{purpose}.txt").read_text(encoding="utf-8")
        listed = re.search(r"set regs8 = role in \(([^)]*)\)", source)
        assert listed is not None, purpose
        assert set(re.findall(r'"([^"]+)"', listed.group(1))) == named
