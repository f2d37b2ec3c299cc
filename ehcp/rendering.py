"""One strict Jinja environment for every message and letter.

Undefined variables are errors, not blanks (a letter with a hole in it is worse
than no letter), and `check_templates` renders every template once at start-up
against a sample context, so a misspelt variable stops the service, not a run.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from ehcp.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"


@lru_cache
def environment(root: Path = TEMPLATES) -> Environment:
    return Environment(
        loader=FileSystemLoader(root),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def render_email(purpose: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body. A template's first line is `Subject: ...`."""
    text = environment().get_template(f"email/{purpose}.txt").render(context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise TemplateError(f"email/{purpose}.txt must start with a 'Subject: ' line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


def render_letter(kind: str, context: dict[str, Any]) -> str:
    return environment().get_template(f"letters/{kind}.txt").render(context)


def template_names(folder: str) -> list[str]:
    return sorted(path.stem for path in (TEMPLATES / folder).glob("*.txt"))


def check_templates(sample: dict[str, Any]) -> None:
    """Render every template once; raise naming the first that fails."""
    for purpose in template_names("email"):
        try:
            render_email(purpose, sample)
        except TemplateError as error:
            raise TemplateError(f"templates/email/{purpose}.txt: {error}") from error
    for kind in template_names("letters"):
        try:
            render_letter(kind, sample)
        except TemplateError as error:
            raise TemplateError(f"templates/letters/{kind}.txt: {error}") from error


def sample_context() -> dict[str, Any]:
    """Every variable templates may use, with sample values, for the start-up check."""
    from datetime import date

    return {
        "case_ref": "EHC-2026-000001",
        "council": "Example Borough Council",
        "send_team_email": "send.team@example.gov.uk",
        "received_on": date(2026, 1, 5),
        "decide_by": date(2026, 2, 16),
        "draft_target_by": date(2026, 4, 13),
        "final_by": date(2026, 5, 25),
        "named_setting": "Example School",
        "recipient_name": "Example recipient",
        "due_on": date(2026, 3, 24),
        "role": "health",
    }
