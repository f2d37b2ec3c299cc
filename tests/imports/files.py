"""Import files for the tests, written as a council's export would be."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ehcp.imports.columns import OPTIONAL, REQUIRED

# The import runs on this day (London): every date in the files is before it.
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HEADER = (*REQUIRED, *OPTIONAL)

# Made-up people, marked as such.
OPEN_PEOPLE = {
    "request_source": "parent",
    "child_given_names": "Testchild-Import",
    "child_family_name": "Example",
    "child_date_of_birth": "2017-03-14",
    "contact_name": "Pat Testparent",
    "contact_email": "pat.testparent@example.org",
    "setting_urn": "100001",
}


def closed(reference: str, **cells: str) -> dict[str, str]:
    """A plan issued in 2025: received 6 January, assessed 10 February, issued 20 May (day 134)."""
    row = {
        "reference": reference,
        "received_date": "2025-01-06",
        "decision_to_assess_date": "2025-02-10",
        "assess": "yes",
        "issue_decision_date": "2025-04-01",
        "issue": "yes",
        "final_plan_date": "2025-05-20",
        "exception": "no",
    }
    return {**row, **cells}


def open_assessing(reference: str, **cells: str) -> dict[str, str]:
    """Received 6 April 2026, decided to assess on 10 May: assessing on import day."""
    row = {
        "reference": reference,
        "received_date": "2026-04-06",
        "decision_to_assess_date": "2026-05-10",
        "assess": "yes",
        "exception": "no",
        **OPEN_PEOPLE,
    }
    return {**row, **cells}


def csv_text(rows: Iterable[Mapping[str, str]], header: Iterable[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
