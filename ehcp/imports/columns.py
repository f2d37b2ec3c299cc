"""The import file's format: its columns, how a cell is read, and the rows with their line
numbers. Strict on purpose: a date is `YYYY-MM-DD` only (never `03/04/2025`, which reads two
ways), a flag is `yes` or `no` (any case), and an unknown or missing column stops the file
before any row is read."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from ehcp.domain.roles import ContributorRole

REQUIRED = (
    "reference",
    "received_date",
    "decision_to_assess_date",
    "assess",
    "issue_decision_date",
    "issue",
    "final_plan_date",
    "exception",
    "exception_ground",
)

# Advice per role (Regs 6(1)): the column's word -> the advice request's key on the case
# (the key the run's own advice plan gives that request, so it is never asked twice).
ADVICE = {
    "family": ("family", ContributorRole.PARENT_OR_YOUNG_PERSON),
    "setting": ("setting", ContributorRole.EDUCATIONAL),
    "health": ("health", ContributorRole.HEALTH),
    "psychological": ("psychological", ContributorRole.PSYCHOLOGICAL),
    "social_care": ("social-care", ContributorRole.SOCIAL_CARE),
}

OPTIONAL = (
    "request_source",
    "withdrawn_date",
    "exception_from",
    "exception_to",
    *(f"advice_{word}_{what}" for word in ADVICE for what in ("requested", "received")),
    "child_given_names",
    "child_family_name",
    "child_date_of_birth",
    "child_address_line_1",
    "child_address_line_2",
    "child_town",
    "child_postcode",
    "contact_name",
    "contact_relationship",
    "contact_email",
    "contact_phone",
    "contact_prefers_post",
    "setting_urn",
)
COLUMNS = frozenset((*REQUIRED, *OPTIONAL))

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class FileError(ValueError):
    """The file as a whole cannot be read (its header, its encoding): nothing is imported."""


@dataclass(frozen=True)
class CellError(ValueError):
    column: str
    reason: str


@dataclass(frozen=True)
class Row:
    line: int  # the file's line the row starts on (the header is line 1)
    cells: dict[str, str]
    # (cells in the row, columns in the header) when they differ: the row cannot be read.
    width: tuple[int, int] | None = None

    def text(self, column: str) -> str | None:
        """The cell, stripped; None when blank or the column is not in the file."""
        value = self.cells.get(column, "").strip()
        return value or None

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        if not _ISO_DAY.fullmatch(value):
            raise CellError(column, "give a date as YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CellError(column, "not a date in the calendar") from None

    def flag(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() not in ("yes", "no"):
            raise CellError(column, "give yes or no")
        return value.lower() == "yes"


def read_rows(stream: TextIO) -> Iterator[Row]:
    """Each data row with its line number. Raises FileError for a missing header, a column
    the format does not have, a required column missing, or a column given twice."""
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("the file is empty: the first line must name the columns") from None
    except csv.Error as error:
        raise FileError(f"line 1: not CSV ({error})") from None
    names = [name.strip().lower() for name in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0].removeprefix("\ufeff")
    unknown = sorted({name for name in names if name not in COLUMNS})
    if unknown:
        shown = ", ".join(
            name if re.fullmatch(r"[a-z0-9_ ]{1,40}", name) else "(unreadable)" for name in unknown
        )
        raise FileError(f"line 1: unknown column(s): {shown} (the columns are in README.md)")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise FileError(f"line 1: required column(s) missing: {', '.join(missing)}")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise FileError(f"line 1: column(s) given twice: {', '.join(twice)}")
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileError(f"line {line}: not CSV ({error})") from None
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(names):
            yield Row(start, {}, width=(len(cells), len(names)))
            continue
        yield Row(start, dict(zip(names, cells, strict=True)))
