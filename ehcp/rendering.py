"""One strict Jinja environment for every message and letter (letters and the plan are
rendered to PDF and Word by ehcp.documents, which checks its own templates).

Undefined variables are errors, not blanks (a letter with a hole in it is worse
than no letter), and `check_templates` renders every template once at start-up
against a sample context, so a misspelt variable stops the service, not a run.

Emails are rendered by `email_environment`, the same environment except that every
date it prints reads as GOV.UK writes it ("20 November 2026"), subjects included, so
no template can show a reader an ISO date by forgetting a filter. Their HTML
alternative is built from the plain text's blocks (`email_blocks`): a paragraph's
wrapped lines join with a space, and only lines whose breaks mean something (a list,
a block of "Label: value" lines, a command to type) keep them.

Only links the system made become links in an email's HTML. Text from outside (a name,
an organisation, accessibility needs typed into the intake form) may hold a web address:
it stays escaped plain text, so the council never sends a stranger's link under its own
name. The system's links are the context values named in `SYSTEM_LINKS` (the portal
link `messages.context` signs), and they become links only where they appear whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup, escape

from ehcp.settings import PROJECT_ROOT
from ehcp.text import words

TEMPLATES = PROJECT_ROOT / "templates"
URL = re.compile(r"(https?://[^\s<>\"]+)")
# Context keys whose values are links the system made itself (ehcp.mail.messages.context):
# the only text an email's HTML turns into a link.
SYSTEM_LINKS = ("portal_url",)


@lru_cache
def environment(root: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(root),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    env.filters["linkify"] = linkify
    # An email's text as HTML blocks, for a template that lays one out (the post tray's cover).
    env.filters["email_blocks"] = email_blocks
    add_filters(env)
    return env


def add_filters(env: Environment) -> Environment:
    """Filters every document template may use (HTML letters and the Word plan alike)."""
    env.filters["long_date"] = long_date
    env.filters["words"] = words
    env.filters["paragraphs"] = paragraphs
    return env


@lru_cache
def email_environment(root: Path = TEMPLATES) -> Environment:
    """The environment emails are rendered in: `environment`, printing dates in words."""
    return environment(root).overlay(finalize=_date_in_words)


def _date_in_words(value: Any) -> Any:
    """What `{{ ... }}` prints in an email: a date as "20 November 2026", anything else as is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return long_date(value)
    return value


def long_date(day: date | None) -> str:
    """5 January 2026, as GOV.UK writes dates."""
    if day is None:
        raise TemplateError("long_date was given no date")
    return f"{day.day} {day:%B %Y}"


def paragraphs(text: str) -> list[str]:
    """A contributor's text as paragraphs, one per non-blank line, for templates that lay
    each out on its own (Word cannot take a newline inside a paragraph)."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def render_email(purpose: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body. A template's first line is `Subject: ...`."""
    text = email_environment().get_template(f"email/{purpose}.txt").render(context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise TemplateError(f"email/{purpose}.txt must start with a 'Subject: ' line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


def render_email_html(purpose: str, context: dict[str, Any], *, subject: str, text: str) -> str:
    """The HTML alternative: `email/<purpose>.html` where a message has its own, otherwise
    the plain text's blocks (`email_blocks`) in `email/_layout.html`, so the wording lives
    in one place."""
    env = email_environment()
    name = f"email/{purpose}.html"
    if (TEMPLATES / name).exists():
        return env.get_template(name).render({**context, "subject": subject})
    links = system_links(context)
    return env.get_template("email/_layout.html").render(
        subject=subject, blocks=email_blocks(text), links=links
    )


def system_links(context: dict[str, Any]) -> frozenset[str]:
    """The links in a message's context that the system made (`SYSTEM_LINKS`)."""
    return frozenset(str(context[key]) for key in SYSTEM_LINKS if context.get(key))


@dataclass(frozen=True)
class Block:
    """One block of an email's HTML: `kind` is "p" (a paragraph), "ul" (a list: one item
    per line), "lines" (lines kept as they are, joined by <br>) or "pre" (a command)."""

    kind: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


LIST_ITEM = "- "
# "Limit: Final EHC plan issued (Regs 13(2))": a line of a record, not of a sentence.
FIELD_LINE = re.compile(r"[A-Z][\w' ]{0,30}: \S")
COMMAND_INDENT = "    "


def email_blocks(text: str) -> list[Block]:
    """An email's plain text as the blocks of its HTML.

    The .txt templates wrap prose at about 80 columns, for plain-text readers. In HTML
    those breaks are the reader's screen's to make, so within a blank-line-separated
    part, wrapped lines join into one paragraph with a space. A break is kept only where
    it means something:
    - lines starting "- " are a list (<ul>); a line indented under an item continues it;
    - lines that are all "Label: value" (the staff alerts' "From:", "Limit:", "Due:")
      are a record: each stays on its own line (<br>);
    - lines indented by four spaces are a command to type, shown as written (<pre>).
    """
    blocks: list[Block] = []
    for part in re.split(r"\n[ \t]*\n", text):
        prose: list[str] = []
        items: list[str] = []
        for line in (line.rstrip() for line in part.split("\n") if line.strip()):
            if line.startswith(LIST_ITEM):
                blocks += _prose(prose)
                prose = []
                items.append(line.removeprefix(LIST_ITEM).strip())
            elif items and line.startswith("  ") and not line.startswith(COMMAND_INDENT):
                items[-1] = f"{items[-1]} {line.strip()}"
            else:
                if items:
                    blocks.append(Block("ul", tuple(items)))
                    items = []
                prose.append(line)
        blocks += _prose(prose)
        if items:
            blocks.append(Block("ul", tuple(items)))
    return blocks


def _prose(lines: list[str]) -> list[Block]:
    if not lines:
        return []
    if all(line.startswith(COMMAND_INDENT) for line in lines):
        return [Block("pre", tuple(line.removeprefix(COMMAND_INDENT) for line in lines))]
    if len(lines) > 1 and all(FIELD_LINE.match(line) for line in lines):
        return [Block("lines", tuple(lines))]
    return [Block("p", tuple(line.strip() for line in lines))]


def linkify(text: str, links: frozenset[str] | set[str] | tuple[str, ...] = ()) -> Markup:
    """Escape text for HTML and make the system's own links in it (`links`: see
    `system_links`) into links; any other web address stays plain escaped text, whoever
    typed it. Line breaks are not touched: `email_blocks` has already decided which ones
    the HTML keeps."""
    out = []
    for piece in URL.split(text):
        if piece in links and URL.fullmatch(piece):
            out.append(Markup('<a href="{0}">{0}</a>').format(piece))
        else:
            out.append(escape(piece))
    return Markup("").join(out)


def template_names(folder: str) -> list[str]:
    return sorted(path.stem for path in (TEMPLATES / folder).glob("*.txt"))


def check_templates(sample: dict[str, Any]) -> None:
    """Render every template once; raise naming the first that fails."""
    for purpose in template_names("email"):
        try:
            subject, body = render_email(purpose, sample)
        except TemplateError as error:
            raise TemplateError(f"templates/email/{purpose}.txt: {error}") from error
        try:
            render_email_html(purpose, sample, subject=subject, text=body)
        except TemplateError as error:
            raise TemplateError(f"templates/email/{purpose}.html: {error}") from error


def sample_context() -> dict[str, Any]:
    """Every variable templates may use, with sample values, for the start-up check."""
    from datetime import date

    return {
        "case_ref": "EHC-2026-000001",
        "council": "Example Borough Council",
        "send_team_email": "send.team@example.gov.uk",
        "received_on": date(2026, 1, 5),
        "decide_by": date(2026, 2, 16),
        "decide_issue_by": date(2026, 4, 27),
        "draft_target_by": date(2026, 4, 13),
        "final_by": date(2026, 5, 25),
        "named_setting": "Example School",
        "recipient_name": "Example recipient",
        "by_post": False,
        "young_person": False,
        "told_by": "",
        "due_on": date(2026, 3, 24),
        "role": "health",
        "organisation": "Example Integrated Care Board",
        "requested_on": date(2026, 2, 10),
        "days_late": 5,
        "portal_url": "http://127.0.0.1:8000/portal/advice/sample-token",
        "advice_received_on": date(2026, 3, 20),
        "advice_in": ["educational (10 March 2026)"],
        "advice_awaited": ["health (due 24 March 2026)"],
        "advice_without": ["social care advice"],
        "limit_title": "Final EHC plan issued",
        "limit_basis": "Regs 13(2)",
        "days_remaining": 7,
        "exception_ground": "exceptional personal circumstances affecting your child or your family",
        "exception_explanation": "",
        "exception_starts_on": date(2026, 3, 1),
        "exception_limit": "the 20-week time limit for issuing the final EHC plan",
        "gap_reason": "the advice has not arrived although we asked for it, reminded and escalated",
        "failed_purpose": "advice request",
        "failed_recipient": "adviser:health",
        "failed_reason": "550 mailbox unavailable",
        "attempts": 6,
        "error_id": "0123456789ab",
    }
