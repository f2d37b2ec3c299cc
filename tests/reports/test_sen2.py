"""The SEN2 export: what each row says, and reading it back gives `ehcp kpi`'s figures."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ehcp.reports.cohort import year_cohort
from ehcp.reports.kpi import Outcome, Placement, RequestRecord, figures
from ehcp.reports.sen2 import HEADER, Sen2FileError, read_sen2, write_sen2
from tests.db.factories import CHILD_NAME
from tests.reports.store import build_year
from tests.reports.test_kpi import RECORDS

AS_AT = date(2027, 1, 15)


def written(records) -> str:
    stream = io.StringIO()
    write_sen2(records, stream)
    return stream.getvalue()


def test_a_store_built_cohort_round_trips_to_the_same_figures(session, council, tmp_path):
    build_year(session, council)
    cohort = year_cohort(session, year=2026, as_at=AS_AT, directory=council.setting_directory)
    path = tmp_path / "sen2.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        assert write_sen2(cohort.records, stream) == len(cohort.records) == 9
    with path.open(encoding="utf-8", newline="") as stream:
        back = read_sen2(stream)
    assert back == cohort.records
    counting = council.policy.day_counting
    assert figures(back, year=2026, counting=counting) == figures(
        cohort.records, year=2026, counting=counting
    )
    text = path.read_text(encoding="utf-8")
    assert CHILD_NAME not in text and "2017-03-14" not in text and "Pat Example" not in text


def test_the_rows_carry_sen2_names_and_codes():
    rows = list(csv.DictReader(io.StringIO(written(RECORDS))))
    assert tuple(rows[0]) == HEADER
    by_ref = {row["CaseRef"]: row for row in rows}
    assert by_ref["A"] == {
        "CaseRef": "A",
        "ReceivedDate": "2026-01-05",
        "RequestSource": "1",
        "RequestOutcome": "Y",
        "RequestOutcomeDate": "2026-02-04",
        "AssessmentOutcome": "Y",
        "AssessmentOutcomeDate": "2026-05-25",
        "Week20": "0",
        "StartDate": "2026-05-25",
        "URN": "",
        "SENsetting": "",
        "NamedSetting": "",
        "NamedSettingType": "",
    }
    assert by_ref["C"]["Week20"] == "1"
    assert (by_ref["E"]["RequestOutcome"], by_ref["E"]["AssessmentOutcome"], by_ref["E"]["Week20"]) == (
        "W",
        "",
        "",
    )
    assert (by_ref["J"]["AssessmentOutcome"], by_ref["J"]["StartDate"]) == ("W", "")
    assert by_ref["H"]["RequestOutcome"] == "A" and by_ref["H"]["RequestOutcomeDate"] == ""


def test_hand_made_records_round_trip_for_every_year():
    back = read_sen2(io.StringIO(written(RECORDS)))
    assert back == RECORDS
    for year in (2025, 2026, 2027):
        assert figures(back, year=year) == figures(RECORDS, year=year)


def test_a_name_a_spreadsheet_would_run_is_written_inert_and_read_back_as_it_was():
    record = RequestRecord(
        ref="EHC-2026-000009",
        received_on=date(2026, 1, 5),
        request_source=1,
        request_outcome=Outcome.YES,
        request_outcome_on=date(2026, 2, 1),
        assessment_outcome=Outcome.YES,
        assessment_outcome_on=date(2026, 5, 1),
        placement=Placement(None, None, "=HYPERLINK(1)", "other_institution"),
    )
    text = written([record])
    assert ",'=HYPERLINK(1)," in text
    assert read_sen2(io.StringIO(text)) == (record,)


BASE = "EHC-1,2026-01-05,1,Y,2026-02-01,A,,0,,,,,"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("", "line 1: the file is empty"),
        ("CaseRef,ReceivedDate\n", "missing columns: RequestSource"),
        (f"{','.join(HEADER)}\n{BASE.replace('2026-01-05', '05/01/2026')}\n", "line 2, ReceivedDate"),
        (f"{','.join(HEADER)}\n{BASE.replace(',1,Y,', ',7,Y,')}\n", "line 2, RequestSource"),
        (f"{','.join(HEADER)}\n{BASE.replace(',A,,0,', ',Q,,0,')}\n", "line 2, AssessmentOutcome"),
        (f"{','.join(HEADER)}\n{BASE.replace(',A,,0,', ',A,,,')}\n", "line 2, Week20"),
        (
            f"{','.join(HEADER)}\n\n{BASE.replace(',A,,0,', ',Y,,0,')}\n",
            "line 3: EHC-1: AssessmentOutcome Y needs",
        ),
    ],
)
def test_a_file_it_cannot_take_is_refused_naming_line_and_column(body, named):
    with pytest.raises(Sen2FileError, match=named):
        read_sen2(io.StringIO(body))
