"""The SEN2 request-level export: one CSV row per request, and reading it back.

Column names and codes are the DfE's person-level SEN2 return's (module 2, requests;
module 3, EHC needs assessments; module 4, the named plan and its plan detail), as this
project's domain reference quotes them (/work/shared/domain/ehc-process.md, "National
statistics") and as a published reader of COLLECT's exports of the return names them.
Verify every name and code against the DfE's current "guide to the person level SEN2
return" before sending anything on: the README ("Timeliness and SEN2") lists where each
column comes from.

Only request-level items: no person module (names, date of birth, sex, ethnicity,
postcode, UPN/ULN), which SEN2 does ask for, but which this file does not need: its key
is the case reference. Reading a file back gives the same records, so the same figures
as `ehcp kpi` (`ehcp.reports.kpi.figures`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from ehcp.reports.kpi import Outcome, Placement, RequestRecord

# (column, what it is). The first column is this project's key, not a SEN2 item; the
# last two say which institution and type section I named, for the council's checking.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("CaseRef", "the case reference (this project's key; not a SEN2 item)"),
    ("ReceivedDate", "SEN2 module 2: the date the request was received"),
    (
        "RequestSource",
        "SEN2 module 2: 1 parent or young person, 2 school or other education setting, "
        "3 health professional, 4 social care professional, 5 other",
    ),
    ("RequestOutcome", "SEN2 module 2: Y assessed, N not assessed, A pending, W withdrawn, H historical"),
    ("RequestOutcomeDate", "SEN2 module 2: the date of the decision whether to assess (or of withdrawal)"),
    ("AssessmentOutcome", "SEN2 module 3: Y plan issued, N not issued, A pending, W withdrawn, H historical"),
    ("AssessmentOutcomeDate", "SEN2 module 3: the date the plan was issued or the decision not to issue"),
    ("Week20", "SEN2 module 3: 1 when 20-week exceptions apply, else 0"),
    ("StartDate", "SEN2 module 4 (named plan): the EHC plan's start date, here the day it was issued"),
    ("URN", "SEN2 module 4 (plan detail): the named institution's URN"),
    ("SENsetting", "SEN2 module 4 (plan detail): the setting code where there is no URN (EYP, OTH)"),
    ("NamedSetting", "the institution section I names (not a SEN2 item)"),
    ("NamedSettingType", "the type of setting section I names (not a SEN2 item)"),
)
HEADER = tuple(name for name, _ in COLUMNS)

# A spreadsheet runs a cell that starts with one of these as a formula: written with a
# leading apostrophe, which reading takes off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Sen2FileError(ValueError):
    """A SEN2 file this reader cannot take: which line and column, and why."""

    def __init__(self, line: int, column: str | None, message: str) -> None:
        where = f"line {line}" + (f", {column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.line, self.column = line, column


def write_sen2(records: Iterable[RequestRecord], stream: TextIO) -> int:
    """Write the header and one row per record; the number of rows."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for record in records:
        writer.writerow(_row(record))
        count += 1
    return count


def _row(record: RequestRecord) -> list[str]:
    placement = record.placement
    assessed = record.assessment_outcome is not None
    return [
        _text(record.ref),
        _day(record.received_on),
        str(record.request_source),
        record.request_outcome.value,
        _day(record.request_outcome_on),
        record.assessment_outcome.value if record.assessment_outcome else "",
        _day(record.assessment_outcome_on),
        ("1" if record.week20_exception else "0") if assessed else "",
        _day(record.plan_issued_on),
        (placement.urn or "") if placement else "",
        (placement.sen_setting or "") if placement else "",
        _text(placement.name) if placement else "",
        (placement.setting_type or "") if placement else "",
    ]


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


# -- reading ------------------------------------------------------------------------


def read_sen2(stream: TextIO) -> tuple[RequestRecord, ...]:
    """The records in a file `write_sen2` wrote (its header, its codes); `Sen2FileError`
    names the first line and column it cannot take."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise Sen2FileError(1, None, "the file is empty: expected a header row")
    header = [name.lstrip("\ufeff").strip() for name in header]
    missing = [name for name in HEADER if name not in header]
    if missing:
        raise Sen2FileError(1, None, "missing columns: " + ", ".join(missing))
    index = {name: header.index(name) for name in HEADER}
    records = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        records.append(_Row(number, cells).record())
    return tuple(records)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]

    def fail(self, column: str | None, message: str) -> Sen2FileError:
        return Sen2FileError(self.line, column, message)

    def text(self, column: str) -> str | None:
        value = self.cells[column]
        if value.startswith("'") and value[1:].startswith(_FORMULA_START):
            value = value[1:]
        return value or None

    def day(self, column: str) -> date | None:
        value = self.cells[column]
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(column, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def outcome(self, column: str) -> Outcome | None:
        value = self.cells[column]
        if not value:
            return None
        try:
            return Outcome(value.upper())
        except ValueError:
            codes = ", ".join(code.value for code in Outcome)
            raise self.fail(column, f"{value!r} is not a SEN2 outcome code ({codes})") from None

    def record(self) -> RequestRecord:
        ref = self.text("CaseRef")
        if ref is None:
            raise self.fail("CaseRef", "every row needs its case reference")
        received = self.day("ReceivedDate")
        if received is None:
            raise self.fail("ReceivedDate", "every request has the date it was received")
        source = self.cells["RequestSource"]
        if source not in {"1", "2", "3", "4", "5"}:
            raise self.fail("RequestSource", f"{source!r} is not a SEN2 request source (1-5)")
        request_outcome = self.outcome("RequestOutcome")
        if request_outcome is None:
            raise self.fail("RequestOutcome", "every request has an outcome (A while pending)")
        assessment_outcome = self.outcome("AssessmentOutcome")
        week20 = self.cells["Week20"]
        if assessment_outcome is not None and week20 not in ("0", "1"):
            raise self.fail("Week20", f"{week20!r}: an assessment's Week20 is 1 or 0")
        if assessment_outcome is None and week20:
            raise self.fail("Week20", "Week20 is given only with an AssessmentOutcome")
        outcome_on = self.day("AssessmentOutcomeDate")
        start = self.day("StartDate")
        if start is not None and (assessment_outcome is not Outcome.YES or start != outcome_on):
            raise self.fail("StartDate", "a plan's start date is the day it was issued (AssessmentOutcome Y)")
        placement = None
        if any(self.cells[name] for name in ("URN", "SENsetting", "NamedSetting", "NamedSettingType")):
            placement = Placement(
                urn=self.text("URN"),
                sen_setting=self.text("SENsetting"),
                name=self.text("NamedSetting"),
                setting_type=self.text("NamedSettingType"),
            )
        try:
            return RequestRecord(
                ref=ref,
                received_on=received,
                request_source=int(source),
                request_outcome=request_outcome,
                request_outcome_on=self.day("RequestOutcomeDate"),
                assessment_outcome=assessment_outcome,
                assessment_outcome_on=outcome_on,
                week20_exception=week20 == "1",
                placement=placement,
            )
        except ValueError as error:
            raise self.fail(None, str(error)) from None
