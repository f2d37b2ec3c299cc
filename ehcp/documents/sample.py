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
from ehcp.documents.kinds import KINDS
from ehcp.domain.advice_sections import sections_for
from ehcp.family_safe import AdviceView, ChildView, DecisionView, ExceptionView, FamilyView, SectionRef

SAMPLE_REF = "EHC-2026-000042"
SAMPLE_DATED_ON = date(2026, 5, 11)
UNSAFE_TEXT = 'Uses <b>symbols</b> & "quotes" at home'


def sample_view() -> FamilyView:
    view = _sample_view()
    # Each adviser's sections, as family_view derives them from the role.
    advice = tuple(
        item.model_copy(
            update={"informs": tuple(SectionRef(code=s.code, title=s.title) for s in sections_for(item.role))}
        )
        for item in view.advice
    )
    return view.model_copy(update={"advice": advice})


def _sample_view() -> FamilyView:
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
            AdviceView(
                key="family",
                role="parent_or_young_person",
                organisation="Family",
                requested_on=date(2026, 2, 9),
                due_on=date(2026, 3, 23),
                received_on=date(2026, 3, 2),
                existing_advice_accepted=False,
                sections={"A": "Robin loves drawing and wants to be an animator.\n" + UNSAFE_TEXT + "."},
                has_document=False,
            ),
            AdviceView(
                key="setting",
                role="educational",
                organisation="Exampleton Academy",
                requested_on=date(2026, 2, 9),
                due_on=date(2026, 3, 23),
                received_on=date(2026, 3, 16),
                existing_advice_accepted=False,
                sections={
                    "B": "Robin reads two years below his age.",
                    "E": "By July 2027 Robin will read at his chronological age.",
                    "F": "Daily 20-minute reading intervention with a trained teaching assistant.",
                },
                has_document=True,
            ),
            AdviceView(
                key="health",
                role="health",
                organisation="Example Integrated Care Board",
                requested_on=date(2026, 2, 9),
                due_on=date(2026, 3, 23),
                received_on=date(2026, 3, 20),
                existing_advice_accepted=False,
                sections={
                    "C": "Diagnosed with dyspraxia in 2021.",
                    "G": "Occupational therapy, six sessions a year.",
                },
                has_document=False,
            ),
            AdviceView(
                key="psychological",
                role="psychological",
                organisation="Example Educational Psychology Service",
                requested_on=date(2026, 2, 9),
                due_on=date(2026, 3, 23),
                received_on=date(2026, 3, 18),
                existing_advice_accepted=False,
                sections={
                    "B": "Working memory is a relative weakness.",
                    "F": "Visual supports in every lesson.",
                },
                has_document=True,
            ),
            AdviceView(
                key="social-care",
                role="social_care",
                organisation="Example Borough Children's Social Care",
                requested_on=date(2026, 2, 9),
                due_on=date(2026, 3, 23),
                received_on=None,
                existing_advice_accepted=False,
                sections={},
                has_document=False,
            ),
        ),
        exceptions=(
            ExceptionView(
                code="exceptional_personal_circumstances",
                ground="exceptional personal circumstances affecting your child or your family",
                regulations="Regs 5(4), 10(4), 13(3); Regs 8(2)",
                starts_on=date(2026, 3, 2),
                ends_on=date(2026, 3, 13),
                explanation="Robin was in hospital for two weeks.",
            ),
        ),
    )


def sample_subject(kind_name: str) -> str | None:
    kind = KINDS[kind_name]
    if kind.subject == "advice":
        return "health"
    if kind.subject == "exception":
        return "exceptional_personal_circumstances:2026-03-02"
    return None


def sample_context(kind_name: str, council: Council, view: FamilyView | None = None) -> DocumentContext:
    return document_context(
        view or sample_view(),
        council=council_details(council),
        kind=KINDS[kind_name],
        subject=sample_subject(kind_name),
        dated_on=SAMPLE_DATED_ON,
    )
