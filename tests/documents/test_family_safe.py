"""Family-safe by construction: internal notes never reach what a family is sent, and the plan
shows a gap, not silence, where advice is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import AdviceRequest, CaseNote, OutboundMessage, SettingConsultation
from ehcp.documents import produce
from ehcp.documents.family_safe import family_view
from ehcp.documents.kinds import TEMPLATED
from ehcp.domain.ehc_plan import build_plan, year_group
from ehcp.portal.submit import record_submission
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import consult, decide, open_case, record_exception, serve_draft
from tests.support.documents import document_text, docx_text, pdf_text

MARK = "INTERNAL-ONLY-7f3a"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def test_the_year_group_follows_the_english_school_year():
    assert year_group(date(2017, 3, 14), date(2026, 3, 1)) == 4
    assert year_group(date(2016, 9, 1), date(2026, 3, 1)) == 4  # oldest in the year
    assert year_group(date(2016, 8, 31), date(2026, 3, 1)) == 5  # youngest in the year above
    assert year_group(date(2012, 12, 1), date(2026, 9, 1)) == 9


def test_no_internal_note_reaches_the_family_view_their_emails_or_letters(session, council, tmp_path):
    store = tmp_path / "documents"
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="senco@example.sch.uk")
    session.add(
        CaseNote(
            case_id=case.id, author="officer", body=f"{MARK} staff note", created_at=at(date(2026, 1, 6))
        )
    )
    session.commit()
    # The opening look, before the decision: the acknowledgement goes while it is true.
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 1, 6)), document_store=store)
    decide(
        session,
        council,
        case,
        decision="assess",
        reasons="We agree an assessment is needed.",
        internal_note=f"{MARK} panel",
        now=at(date(2026, 2, 2)),
    )
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 2, 2)), document_store=store)
    for row in session.exec(select(AdviceRequest)):
        row.internal_note = f"{MARK} advice {row.key}"
        session.add(row)
    session.commit()
    record_exception(
        session,
        council,
        case,
        ground="exceptional_personal_circumstances",
        starts_on=date(2026, 2, 20),
        evidence_note=f"{MARK} evidence",
        family_explanation="A family bereavement.",
        now=at(date(2026, 2, 20)),
    )
    social_care = session.exec(select(AdviceRequest).where(AdviceRequest.key == "social-care")).one()
    record_submission(
        session,
        advice=social_care,
        sections={"D": "Respite needs."},
        file=None,
        via="portal",
        council=council,
        document_store=store,
        now=at(date(2026, 3, 2)),
        actor="test",
    )
    decide(session, council, case, decision="issue", internal_note=f"{MARK} issue", now=at(date(2026, 3, 30)))
    serve_draft(session, council, case, now=at(date(2026, 4, 1)))
    consult(session, council, case, key="oak", setting_name="Oak Academy", now=at(date(2026, 4, 1)))
    for row in session.exec(select(SettingConsultation)):
        row.internal_note = f"{MARK} consultation"
        session.add(row)
    session.commit()
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 4, 1)), document_store=store)

    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 1))
    view = family_view(session, case=case, council=council, timeline=timeline)
    dumped = view.model_dump_json()
    assert "We agree an assessment is needed." in dumped and "A family bereavement." in dumped  # it looks
    assert "Respite needs." in dumped
    assert MARK not in dumped
    family_mail = session.exec(
        select(OutboundMessage).where(OutboundMessage.recipient_role == "family")
    ).all()
    assert {row.purpose for row in family_mail} >= {"acknowledgement", "exception_applied", "draft_plan"}
    for row in family_mail:
        assert MARK not in row.body_text and MARK not in (row.body_html or ""), row.purpose
    drafted = [path for path in store.rglob("*") if path.suffix in (".pdf", ".docx")]
    kinds = {path.name.split("-")[0] for path in drafted}
    # Every family-facing kind the case reached, read back as the family would read it.
    assert {"acknowledgement_letter", "decision_to_assess_letter", "draft_plan_letter", "draft_plan"} <= kinds
    assert "exception_notice_letter" in kinds
    for path in drafted:
        text = document_text(path)
        assert MARK not in text, path.name
        # The served draft is the caseworker's own file, typed by them (here a sample's).
        assert case.ref in text or path.name.startswith(("draft_plan-", "plan_version-")), path.name
    # And every kind there is, rendered now that a note sits in every note field: the
    # final plan and the refusal letters too, which this case never reached.
    subjects = {
        "advice": [row.key for row in session.exec(select(AdviceRequest))],
        "exception": ["exceptional_personal_circumstances:2026-02-20:final_plan"],
    }
    for kind in TEMPLATED.values():
        for subject in subjects[kind.subject] if kind.subject else [None]:
            name = kind.name if subject is None else f"{kind.name}:{subject}"
            content = produce(
                session, case=case, kind=name, council=council, timeline=timeline, dated_on=date(2026, 4, 1)
            )
            text = pdf_text(content) if kind.format == "pdf" else docx_text(content)
            assert case.ref in text and MARK not in text, name
    # The internal notes are really there to be leaked: the test would see one.
    assert session.exec(select(CaseNote)).first().body.startswith(MARK)


def test_the_plan_shows_who_owes_missing_advice_and_names_the_setting_only_when_final(
    session, council, tmp_path
):
    store = tmp_path / "documents"
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="senco@example.sch.uk")
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 2)))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 2, 2)), document_store=store)
    setting = session.exec(select(AdviceRequest).where(AdviceRequest.key == "setting")).one()
    record_submission(
        session,
        advice=setting,
        sections={"B": "Dyslexia.", "F": "Daily phonics."},
        file=None,
        via="portal",
        council=council,
        document_store=store,
        now=at(date(2026, 3, 1)),
        actor="test",
    )
    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 3, 20))
    view = family_view(session, case=case, council=council, timeline=timeline)

    draft = build_plan(view, final=False, on=date(2026, 3, 20))
    assert [c.text for c in draft.section("B").contributions] == ["Dyslexia."]
    health_gaps = draft.section("C").gaps
    assert [(gap.role, gap.due_on) for gap in health_gaps] == [("health", date(2026, 3, 16))]
    assert "Integrated Care Board" in health_gaps[0].organisation
    assert draft.section("I").text == "" and not draft.preparation_for_adulthood
    assert len(draft.advice) == 5  # K lists every request, received or not
    assert {gap.role for gap in draft.gaps} == {
        "health",
        "psychological",
        "social_care",
        "parent_or_young_person",
    }

    final = build_plan(
        view.model_copy(update={"named_setting": "Oak Academy"}), final=True, on=date(2026, 5, 1)
    )
    assert final.section("I").text == "Oak Academy"
    older = view.model_copy(
        update={"child": view.child.model_copy(update={"date_of_birth": date(2011, 10, 1)})}
    )
    assert build_plan(older, final=False, on=date(2026, 3, 20)).preparation_for_adulthood
