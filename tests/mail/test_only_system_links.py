"""An email's HTML makes links only of what the system made (issue 13): a web address in
text from outside (a professional's organisation, the family's accessibility needs, a
name) stays escaped plain text, so the council never sends a stranger's link as its own.
Driven through real looks at a case opened by the intake webhook's store, and sent through
a real SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ehcp.rendering import linkify, render_email_html
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import decide, open_case_by_intake
from tests.mail.rows import deliver

EVIL = "https://evil.example/x"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def test_linkify_leaves_an_address_it_was_not_given_as_plain_escaped_text():
    html = str(linkify(f"Dear {EVIL}<b>, welcome"))
    assert "<a " not in html and "href" not in html
    assert "https://evil.example/x&lt;b&gt;" in html


def test_linkify_makes_a_link_only_of_the_system_link_it_was_given_whole():
    portal = "http://127.0.0.1:8000/portal/advice/token"
    html = str(linkify(f"Open {portal} or {EVIL} or {portal}extra", frozenset({portal})))
    assert html.count("<a href=") == 1
    assert f'<a href="{portal}">{portal}</a>' in html
    assert f"{portal}extra" in html  # not the system's link: plain text


def test_an_email_whose_text_carries_a_web_address_has_no_link_to_it():
    context = {"portal_url": "http://127.0.0.1:8000/portal/advice/t"}
    text = f"Dear Pat {EVIL},\n\nSend it here:\n\n{context['portal_url']}\n"
    html = render_email_html("withdrawal", context, subject="s", text=text)
    assert f'href="{EVIL}' not in html and EVIL in html
    assert f'<a href="{context["portal_url"]}">' in html


def test_no_email_a_case_sends_links_to_an_address_typed_into_the_request(session, council, tmp_path, sink):
    case = open_case_by_intake(
        session,
        council,
        now=at(date(2026, 1, 5)),
        contact_preferences={"method": "email", "accessibility_needs": f"Large print; see {EVIL}"},
        professionals=[
            {
                "role": "speech and language therapist",
                "organisation": f"Example Trust {EVIL}",
                "email": "salt.testname@example-trust.example.org",
            }
        ],
    )
    store = tmp_path / "docs"
    for day in (date(2026, 1, 5), date(2026, 2, 9)):  # a week before the decision is due: a warning
        reconcile(session, ref=case.ref, council=council, now=at(day), document_store=store)
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    for day in (date(2026, 2, 10), date(2026, 3, 17)):  # requests, then a week before they are due
        reconcile(session, ref=case.ref, council=council, now=at(day), document_store=store)
        deliver(session, council, now=at(day))

    htmls = {
        (message["Subject"], message["To"]): message.get_body(("html",)).get_content()
        for message in sink.messages
    }
    # The attacker's text reached emails (the SEND team's warning, the professional's reminder)...
    reached = [key for key, html in htmls.items() if "evil.example" in html]
    assert any("send.team" in to for _, to in reached)
    assert any("salt.testname" in to for _, to in reached)
    # ...and never as a link, while the portal link the system made still is one.
    assert not any('href="https://evil' in html for html in htmls.values())
    reminders = [
        html for (subject, to), html in htmls.items() if "salt.testname" in to and "emind" in subject
    ]
    assert reminders and all('<a href="http://' in html and "/portal/advice/" in html for html in reminders)
