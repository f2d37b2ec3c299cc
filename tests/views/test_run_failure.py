"""The notice a stopped run leaves as its case's timeline artifact."""

from __future__ import annotations

from datetime import date

from ehcp.domain.clock import compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.views.run_failure import stopped_markdown


def test_the_notice_says_the_case_stopped_why_what_to_do_and_what_is_at_risk():
    timeline = compute_timeline(CaseFacts(received_on=date(2027, 1, 4)), today=date(2027, 2, 1))
    notice = stopped_markdown("EHC-2027-000001", attempts=6, error_id="0123456789ab", timeline=timeline)
    assert notice.startswith("# EHC-2027-000001: STOPPED")
    assert "failed 6 times" in notice and "`0123456789ab`" in notice
    assert "ehcp run retry EHC-2027-000001" in notice
    assert "| Decision whether to assess |" in notice and "2027-02-15" in notice


def test_without_a_timeline_the_notice_says_how_to_read_the_limits_once_fixed():
    notice = stopped_markdown("EHC-2027-000001", attempts=2, error_id=None, timeline=None)
    assert "no error id was recorded" in notice
    assert "ehcp timeline --case EHC-2027-000001" in notice and "Statutory limits" not in notice
