"""The contributor portal over real HTTP: links that open one request, checks that lose nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from ehcp.db.models import AdviceSubmission, Case, CaseEvent
from ehcp.domain.advice_sections import sections_for
from ehcp.domain.roles import ContributorRole
from ehcp.portal.tokens import make_token
from ehcp.portal.uploads import UploadRefused, check_upload
from ehcp.settings import get_settings
from tests.db.factories import CHILD_NAME
from tests.portal.conftest import PDF, TODAY, docx_bytes


def rows(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(AdviceSubmission)).one(),
            session.exec(select(func.count()).select_from(CaseEvent)).one(),
        )


def draft_of(page: str) -> str:
    return re.search(r'name="draft" value="([^"]+)"', page).group(1)


# -- pure parts --------------------------------------------------------------------


def test_health_advice_informs_sections_c_and_g_and_social_care_d_h1_h2():
    assert [s.code for s in sections_for(ContributorRole.HEALTH)] == ["C", "G"]
    assert [s.code for s in sections_for(ContributorRole.SOCIAL_CARE)] == ["D", "H1", "H2"]
    assert [s.code for s in sections_for(ContributorRole.FAMILY_REQUESTED)] == ["B"]


def test_files_are_judged_by_content_not_name():
    assert check_upload("advice.pdf", PDF, max_bytes=10_000).media_type == "application/pdf"
    assert check_upload("notes.docx", docx_bytes(), max_bytes=10_000).extension == "docx"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    with pytest.raises(UploadRefused, match="must be a PDF or Word document"):
        check_upload("advice.pdf", png, max_bytes=10_000)
    with pytest.raises(UploadRefused, match="must be smaller than"):
        check_upload("advice.pdf", PDF + b"x" * 3_000_000, max_bytes=2 * 1024 * 1024)
    assert check_upload("../../etc/passwd.pdf", PDF, max_bytes=10_000).name == "passwd.pdf"


# -- the pages -----------------------------------------------------------------------


def test_the_link_opens_its_request_with_the_sections_that_contributor_informs(assessing):
    page = assessing.client.get(assessing.link())
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert CHILD_NAME in page.text and assessing.ref in page.text
    assert "Section C: Health needs" in page.text and "Section G: Health provision" in page.text
    assert "Section D" not in page.text
    assert 'lang="en-GB"' in page.text


def test_advice_sent_through_the_portal_is_recorded_once_and_wakes_the_case(assessing):
    link = assessing.link()
    check = assessing.client.post(
        link,
        data={"section-C": "Diagnosed with dyspraxia in 2024.", "section-G": "OT weekly."},
        files={"advice-file": ("ot-report.pdf", PDF, "application/pdf")},
    )
    assert check.status_code == 200 and "Check your answers" in check.text
    assert "ot-report.pdf" in check.text
    assert rows(assessing.engine)[0] == 0  # nothing stored until they send
    done = assessing.client.post(f"{link}/confirm", data={"draft": draft_of(check.text)})
    assert done.status_code == 200 and "Advice sent" in done.text
    advice = assessing.advice()
    assert advice.received_on == TODAY.date()
    with Session(assessing.engine) as session:
        [submission] = session.exec(select(AdviceSubmission)).all()
        assert submission.sections == {"C": "Diagnosed with dyspraxia in 2024.", "G": "OT weekly."}
        assert submission.file_media_type == "application/pdf" and submission.submitted_via == "portal"
        event = session.exec(select(CaseEvent).where(CaseEvent.kind == "advice_received")).one()
        assert event.actor == "contributor:health"
        case = session.exec(select(Case)).one()
        assert case.wake_at == TODAY  # the case's run will look again
    # The same confirmation again (a double click) and the link again (reused) change nothing.
    before = rows(assessing.engine)
    again = assessing.client.post(f"{link}/confirm", data={"draft": draft_of(check.text)})
    assert again.status_code == 409 and "We already have this advice" in again.text
    assert assessing.client.get(link).status_code == 409
    assert rows(assessing.engine) == before


def test_a_forged_or_expired_link_gets_a_clear_page_and_changes_nothing(assessing):
    before = rows(assessing.engine)
    advice = assessing.advice()
    forged = make_token(advice.id, expires_on=date(2027, 1, 1), secret="not-the-councils-secret")
    page = assessing.client.get(f"/portal/advice/{forged}")
    assert page.status_code == 404 and "This link is not valid" in page.text
    secret = get_settings().secret_key.get_secret_value()
    expired = make_token(advice.id, expires_on=TODAY.date() - timedelta(days=1), secret=secret)
    page = assessing.client.get(f"/portal/advice/{expired}")
    assert page.status_code == 410 and "expired" in page.text
    post = assessing.client.post(f"/portal/advice/{expired}/confirm", data={"draft": "x"})
    assert post.status_code == 410
    assert rows(assessing.engine) == before
    assert assessing.advice().received_on is None


def test_a_wrong_file_type_or_an_empty_form_is_refused_with_the_reason(assessing):
    link = assessing.client.post(
        assessing.link(), files={"advice-file": ("advice.pdf", b"\x89PNG\r\n\x1a\n....", "application/pdf")}
    )
    assert link.status_code == 400
    assert "Error: " in link.text and "There is a problem" in link.text
    assert "must be a PDF or Word document" in link.text and 'href="#advice-file"' in link.text
    empty = assessing.client.post(assessing.link(), data={"section-C": "  "})
    assert empty.status_code == 400 and "at least one section" in empty.text
    assert rows(assessing.engine)[0] == 0


def test_a_tampered_draft_is_refused(assessing):
    response = assessing.client.post(f"{assessing.link()}/confirm", data={"draft": "tampered"})
    assert response.status_code == 400 and assessing.advice().received_on is None


def withdraw_case(assessing, council) -> None:
    from ehcp.db.engine import session_for
    from tests.db import factories

    with session_for(assessing.engine) as session:
        case = session.exec(select(Case).where(Case.ref == assessing.ref)).one()
        factories.withdraw(session, council, case, now=TODAY)


def test_once_the_request_is_withdrawn_the_link_says_the_advice_is_no_longer_needed_and_takes_nothing(
    assessing, council
):
    link = assessing.link()
    check = assessing.client.post(link, data={"section-C": "Seen in clinic.", "section-G": "OT weekly."})
    assert check.status_code == 200
    withdraw_case(assessing, council)
    before = rows(assessing.engine)
    for response in (
        assessing.client.get(link),
        assessing.client.post(link, data={"section-C": "Seen in clinic."}),
        assessing.client.post(f"{link}/confirm", data={"draft": draft_of(check.text)}),
    ):
        assert response.status_code == 410
        assert "This advice is no longer needed" in response.text
        assert CHILD_NAME not in response.text
        assert response.headers["cache-control"] == "no-store"
    assert rows(assessing.engine) == before
    assert assessing.advice().received_on is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b"--x\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        (b"not multipart at all", "multipart/form-data"),
        ("&".join(f"f{n}=v" for n in range(30)).encode(), "application/x-www-form-urlencoded"),
    ],
    ids=["part-without-a-name", "no-boundary", "too-many-fields"],
)
def test_a_form_that_cannot_be_parsed_gets_the_portals_own_page_and_changes_nothing(
    assessing, body, content_type
):
    link = assessing.link()
    before = rows(assessing.engine)
    for url in (link, f"{link}/confirm"):
        response = assessing.client.post(url, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, (url, response.text)
        assert "could not be read" in response.text and response.headers["content-type"].startswith(
            "text/html"
        )
        assert response.headers["cache-control"] == "no-store"
    assert rows(assessing.engine) == before
