"""Golden documents: every letter and both plans for one complete example case (the sample
in ehcp/documents/sample.py), read back and compared with the reviewed text under
tests/documents/golden/. A change to a template shows here as a diff to review.

After a deliberate change: UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/documents/test_golden.py
then read the diff in git before committing it.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from ehcp.documents.kinds import TEMPLATED as KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import SAMPLE_REF, sample_context
from tests.support.documents import docx_text, pdf_text

GOLDEN = Path(__file__).parent / "golden"
# Page furniture depends on how many pages the installed fonts make: not content.
FOOTER = re.compile(rf"{SAMPLE_REF} Page \d+ of \d+ ?")


def readable(name: str, council) -> str:
    kind = KINDS[name]
    content = render(kind, sample_context(name, council))
    text = pdf_text(content) if kind.format == "pdf" else docx_text(content)
    text = FOOTER.sub("", text)
    # One sentence per line, so a diff points at the sentence that changed.
    return re.sub(r"(?<=[.:]) (?=[A-Z])", "\n", text).strip() + "\n"


def same_words(a: str, b: str) -> bool:
    """Equal but for where lines were wrapped (fonts differ between machines, and pypdf
    splits a web address where the page wrapped it)."""
    return "".join(a.split()) == "".join(b.split())


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_example_case_renders_its_reviewed_text(name, council):
    path = GOLDEN / f"{name}.txt"
    actual = readable(name, council)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if not same_words(actual, expected):
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), actual.splitlines(), "golden", "rendered", lineterm=""
            )
        )
        pytest.fail(f"{name} differs from {path.name}:\n{diff}")
