"""One complete, fictional example case, as documents see it.

Used by the start-up check (every template renders against it), the golden tests
and the benchmark. It exercises every branch templates have: a child in Year 9
(preparation for adulthood), advice received with text for each section, one piece
of advice still missing (a visible gap), an exception, reasons for each decision,
and text with characters that must be escaped.
"""

from __future__ import annotations

from datetime import date

from ehcp.council.config import Council
from ehcp.documents.context import DocumentContext, council_details, document_context
from ehcp.documents.family_safe import AdviceView, ChildView, DecisionView, ExceptionView, FamilyView
from ehcp.documents.kinds import KINDS

SAMPLE_REF = "EHC-2026-000042"
SAMPLE_DATED_ON = date(2026, 5, 11)
UNSAFE_TEXT = 'Uses <b>symbols</b> & "quotes" at home'


def sample_view() -> FamilyView:
    return FamilyView(
        case_ref=SAMPLE_REF,
        council="Example Borough Council",
        send_team_email="send.team@example-borough.gov.uk",
        received_on=date(2026, 1, 5),
        child=ChildView(given_names="Robin", family_name="Example", date_of_birth=date(2011, 10, 3)),
        family_names=("Jo Example", "Sam Example-Smith"),
        setting_name="Exampleton Academy",
        named_setting="Exampleton Academy",
        decide_by=date(2026, 2, 16),
        decide_issue_by=date(2026, 4, 27),
        final_by=date(2026, 5, 25),
        comments_by=date(2026, 4, 27),
        draft_served_on=date(2026, 4, 13),
        final_issued_on=date(2026, 5, 11),
        decisions=(
            DecisionView(
                kind="assessment",
                outcome="assess",
                decided_on=date(2026, 2, 9),
                reasons="Robin's progress has stalled despite SEN support over two years.",
            ),
            DecisionView(
                kind="issue",
                outcome="issue",
                decided_on=date(2026, 3, 30),
                reasons="Robin needs provision beyond what the school can make from its own resources.",
            ),
        ),
        advice=(
            _advice(
                "family",
                "parent_or_young_person",
                "Family",
                received_on=date(2026, 3, 2),
                sections={"A": "Robin loves drawing and wants to be an animator.\n" + UNSAFE_TEXT + "."},
            ),
            _advice(
                "setting",
                "educational",
                "Exampleton Academy",
                received_on=date(2026, 3, 16),
                sections={
                    "B": "Robin reads two years below his age.",
                    "E": "By July 2027 Robin will read at his chronological age.",
                    "F": "Daily 20-minute reading intervention with a trained teaching assistant.",
                },
                has_document=True,
            ),
            _advice(
                "health",
                "health",
                "Example Integrated Care Board",
                received_on=date(2026, 3, 20),
                sections={
                    "C": "Diagnosed with dyspraxia in 2021.",
                    "G": "Occupational therapy, six sessions a year.",
                },
            ),
            _advice(
                "psychological",
                "psychological",
                "Example Educational Psychology Service",
                received_on=date(2026, 3, 18),
                sections={
                    "B": "Working memory is a relative weakness.",
                    "F": "Visual supports in every lesson.",
                },
                has_document=True,
            ),
            # Still owed: the plan shows it as a gap.
            _advice("social-care", "social_care", "Example Borough Children's Social Care", received_on=None),
        ),
        exceptions=(
            ExceptionView(
                code="exceptional_personal_circumstances",
                ground="exceptional personal circumstances affecting your child or your family",
                regulations="Regs 13(3)",
                limit_key="final_plan",
                limit="the 20-week time limit for issuing the final EHC plan",
                starts_on=date(2026, 3, 2),
                ends_on=date(2026, 3, 13),
                explanation="Robin was in hospital for two weeks.",
            ),
        ),
    )


def _advice(
    key: str,
    role: str,
    organisation: str,
    *,
    received_on: date | None,
    sections: dict[str, str] | None = None,
    has_document: bool = False,
) -> AdviceView:
    """A request made on the day the council decided to assess, due 6 weeks later."""
    return AdviceView(
        key=key,
        role=role,
        organisation=organisation,
        requested_on=date(2026, 2, 9),
        due_on=date(2026, 3, 23),
        received_on=received_on,
        existing_advice_accepted=False,
        sections=sections or {},
        has_document=has_document,
    )


def sample_subject(kind_name: str) -> str | None:
    kind = KINDS[kind_name]
    if kind.subject == "advice":
        return "health"
    if kind.subject == "exception":
        return "exceptional_personal_circumstances:2026-03-02:final_plan"
    return None


def sample_context(kind_name: str, council: Council, view: FamilyView | None = None) -> DocumentContext:
    return document_context(
        view or sample_view(),
        council=council_details(council),
        kind=KINDS[kind_name],
        subject=sample_subject(kind_name),
        dated_on=SAMPLE_DATED_ON,
    )
