"""What families and advisers read in an email: an HTML alternative laid out as the plain
text means it (a paragraph is a paragraph, however the .txt template wraps it), and every
date in words, subjects included.

Emails are read as the system writes them (tests/mail/scenarios.py: real cases through a
case's run), or rendered from the start-up check's sample variables where one template's
layout is the point.
"""

from __future__ import annotations

import html as html_module
import re
from datetime import date

import pytest

from ehcp.rendering import (
    TEMPLATES,
    Block,
    email_blocks,
    email_environment,
    environment,
    render_email,
    render_email_html,
    sample_context,
    template_names,
)
from tests.mail.scenarios import Email, written

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PARAGRAPH = re.compile(r"<p(?: [^>]*)?>(.*?)</p>", re.S)
RECORD_LINE = re.compile(r"[A-Z][\w' ]{0,30}: \S")


def sample(purpose: str, **changes) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one email from the sample variables."""
    context = sample_context() | changes
    subject, text = render_email(purpose, context)
    return subject, text, render_email_html(purpose, context, subject=subject, text=text)


def laid_out(email: Email) -> bool:
    """Whether the email's HTML is its plain text laid out (it has no .html of its own)."""
    return not (TEMPLATES / "email" / f"{email.purpose}.html").exists()


def words_of_html(html: str) -> str:
    body = html.split("<body", 1)[1]
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", body.split(">", 1)[1])).split())


def words_of_text(text: str) -> str:
    lines = (line.strip().removeprefix("- ") for line in text.splitlines())
    return " ".join(" ".join(lines).split())


# HTML: paragraphs, lists, records, commands.


def test_a_wrapped_paragraph_is_one_html_paragraph():
    _, text, html = sample("acknowledgement")
    assert "Education, Health and Care (EHC)\nneeds assessment" in text  # wrapped in the .txt
    [paragraph] = [p for p in PARAGRAPH.findall(html) if "received your request" in p]
    assert "(EHC) needs assessment on 5 January 2026. Your reference is EHC-2026-000001." in paragraph
    assert "<br>" not in paragraph and "\n" not in paragraph


def test_a_blank_line_separates_paragraphs_and_a_single_line_break_does_not():
    assert email_blocks("One sentence\nwrapped.\n\nAnother.\n") == [
        Block("p", ("One sentence", "wrapped.")),
        Block("p", ("Another.",)),
    ]
    assert email_blocks("One sentence\nwrapped.")[0].text == "One sentence wrapped."


def test_lines_starting_with_a_dash_are_a_list():
    _, _, html = sample("advice_status")
    assert "<p" in html.split("We have received:", 1)[0][-40:]
    received = html.split("We have received:", 1)[1].split("We are still waiting for:", 1)[0]
    assert re.search(r"<ul[^>]*>\s*<li[^>]*>educational \(10 March 2026\)</li>\s*</ul>", received)


def test_a_line_indented_under_a_list_item_continues_it():
    assert email_blocks("Asked:\n- health, which\n  is late\n- social care\nThanks.") == [
        Block("p", ("Asked:",)),
        Block("ul", ("health, which is late", "social care")),
        Block("p", ("Thanks.",)),
    ]


def test_a_record_of_label_lines_keeps_its_line_breaks():
    _, _, html = sample("advice_received")
    assert (
        "From: Example Integrated Care Board (health)<br>\nReceived: 20 March 2026 (due 24 March 2026)</p>"
        in html
    )


def test_a_command_to_type_is_shown_as_written():
    _, _, html = sample("draft_ready")
    assert re.search(r"<pre[^>]*>ehcp draft-served EHC-2026-000001 --on YYYY-MM-DD</pre>", html)


def test_a_web_address_is_still_a_link():
    _, _, html = sample("advice_reminder")
    url = "http://127.0.0.1:8000/portal/advice/sample-token"
    assert f'<a href="{url}">{url}</a>' in html


def test_what_a_person_typed_is_escaped_in_the_html():
    _, _, html = sample("exception_applied", exception_explanation='A <b>family</b> matter & "more".')
    assert "A &lt;b&gt;family&lt;/b&gt; matter &amp; &#34;more&#34;." in html


@pytest.mark.parametrize("purpose", template_names("email"))
def test_no_html_paragraph_keeps_the_plain_texts_wrapping(purpose):
    emails = [email for email in written() if email.purpose == purpose and laid_out(email)]
    for email in emails:
        for paragraph in PARAGRAPH.findall(email.html):
            assert "\n" not in paragraph.replace("<br>\n", ""), paragraph
            if "<br>" in paragraph:  # only a record of "Label: value" lines keeps its breaks
                lines = html_module.unescape(paragraph).split("<br>\n")
                assert all(RECORD_LINE.match(line) for line in lines), paragraph


@pytest.mark.parametrize("purpose", template_names("email"))
def test_the_html_says_what_the_plain_text_says(purpose):
    emails = [email for email in written() if email.purpose == purpose and laid_out(email)]
    for email in emails:
        assert words_of_html(email.html) == words_of_text(email.text), email.role


# Dates in words.


@pytest.mark.parametrize("purpose", template_names("email"))
def test_no_email_shows_a_date_as_digits(purpose):
    emails = [email for email in written() if email.purpose == purpose]
    assert emails
    for email in emails:
        for part in (email.subject, email.text, email.html):
            assert not ISO_DATE.search(part), (email.role, ISO_DATE.findall(part), part)


@pytest.mark.parametrize("purpose", template_names("email"))
def test_the_start_up_samples_show_no_date_as_digits(purpose):
    for part in sample(purpose):
        assert not ISO_DATE.search(part), part


def test_every_date_the_acknowledgement_gives_reads_in_words():
    subject, text, html = sample("acknowledgement")
    text = " ".join(text.split())
    assert "needs assessment on 5 January 2026." in text
    assert "We will tell you by 16 February 2026 whether" in text
    assert "that is by 27 April 2026." in text and "must finish by 25 May 2026." in text
    assert "by 16 February 2026" in html


def test_a_subject_gives_its_date_in_words():
    requests = [email for email in written() if email.purpose == "advice_request" and email.by_run]
    assert {email.subject.rsplit(", ", 1)[1] for email in requests} == {
        "due 24 March 2026",  # asked on 10 February
        "due 16 March 2026",  # asked on 2 February
        "by 24 March 2026",  # the family's, in its words
        "by 16 March 2026",
    }
    drafts = [email for email in written() if email.purpose == "draft_plan" and email.by_run]
    # Emailed on 13 April: the 15 days run to 27 April.
    assert drafts and all(email.subject.endswith(": comments by 27 April 2026") for email in drafts)


def test_the_lists_of_advice_give_their_dates_in_words():
    [status] = [
        email
        for email in written()
        if email.purpose == "advice_status" and email.by_run and not email.young_person
    ]
    text = " ".join(status.text.split())
    assert "- educational (10 March 2026)" in text and "- health (due 24 March 2026)" in text


def test_a_date_an_email_template_prints_reads_in_words_without_a_filter():
    template = email_environment().from_string("{{ day }}, {{ missing or 'none' }}, {{ number }}")
    assert template.render(day=date(2026, 11, 20), missing=None, number=7) == "20 November 2026, none, 7"


def test_letters_keep_their_own_environment():
    # Letters choose their own date formats (`long_date`): the email environment's rule is
    # not theirs.
    assert environment().from_string("{{ day }}").render(day=date(2026, 11, 20)) == "2026-11-20"
