"""Example inputs for store tests. The names are made up and marked as such."""

from __future__ import annotations

from datetime import date

from ehcp.db.inputs import CaseOpen, ChildIn, FamilyContactIn

CHILD_NAME = "Testchild-Zebedee"
PARENT_EMAIL = "parent.testfamily@example.org"


def case_open(received_on: date = date(2026, 1, 5), **changes) -> CaseOpen:
    values = {
        "received_on": received_on,
        "request_source": "parent",
        "setting_name": "Example Primary School",
        "setting_calendar": "la-maintained",
        "child": ChildIn(
            given_names=CHILD_NAME,
            family_name="Example",
            date_of_birth=date(2017, 3, 14),
            nhs_number="9434765919",
            postcode="ZZ1 1ZZ",
        ),
        "family": [
            FamilyContactIn(
                full_name="Pat Example", relationship="parent", email=PARENT_EMAIL, is_primary=True
            )
        ],
    }
    values.update(changes)
    return CaseOpen(**values)
